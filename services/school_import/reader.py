"""Reading an import file into Tables: an XLSX workbook, or a folder of CSV files (one per sheet).

Sheets are found by their name or title, columns by their Russian header or key; case, spaces and
«ё» do not matter. Unknown sheets and columns are ignored. Row numbers stay as in the file: blank rows
inside a sheet are kept (the check skips them), blank rows at its end are dropped.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import math
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path

from ..safe_cells import csv_text
from .issues import ImportFailed, ImportIssue, Tables, file_issue, sheet_issue
from .spec import PLAN_SHEET, SHEETS, Sheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
Grid = list[list[str]]  # a sheet's cells as text, the header first

# Limits a school never reaches, checked before a file is read, so that a hostile or mistaken file is refused
# at once instead of after minutes and gigabytes. A 750-student school (1,500 parents' rows) is an 80 KB
# workbook that unpacks to 1 MB, its largest CSV file 120 KB: the limits leave room for a school ten times
# larger, with styles and pictures.
MAX_FILE_MB = 10  # a workbook, or each CSV file
MAX_UNPACKED_MB = 100  # a workbook's parts as they unpack (a zip bomb declares gigabytes)
MAX_PARTS = 1000  # a workbook's zip entries (a real one has about 20)
MAX_ROWS = 20_000  # data rows of one sheet, empty ones included
MB = 1024 * 1024


def read_source(path: Path) -> Tables:
    path = Path(path)
    if not path.exists():
        raise ImportFailed([file_issue(path.name, "file.not_found")])
    if path.is_dir():
        grids = read_csv_folder(path)
    elif path.suffix.lower() in WORKBOOK_SUFFIXES:
        grids = read_workbook(path)
    else:
        raise ImportFailed([file_issue(path.name, "file.unknown_format", extension=path.suffix.lower())])
    return tables_of(grids)


def simple(name: str) -> str:
    """Sheet names and headers as compared: «Дата рождения*» matches «дата  рождения»."""
    return re.sub(r"\s+", "", name).casefold().replace("ё", "е").rstrip("*")


SHEETS_BY_SIMPLE_NAME = {simple(name): sheet for sheet in SHEETS for name in (sheet.name, sheet.title)}


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_MB * MB:
        raise ImportFailed([file_issue(path.name, "file.too_big", size_mb=math.ceil(size / MB), max_mb=MAX_FILE_MB)])


def check_unpacked(path: Path) -> None:
    """A workbook is a zip: its entries declare their unpacked sizes, which Python's zipfile holds them to."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (OSError, zipfile.BadZipFile) as error:
        raise ImportFailed([file_issue(path.name, "file.unreadable", error=type(error).__name__)]) from error
    if len(parts) > MAX_PARTS:
        raise ImportFailed([file_issue(path.name, "file.too_many_parts", count=len(parts), max=MAX_PARTS)])
    if sum(part.file_size for part in parts) > MAX_UNPACKED_MB * MB:
        raise ImportFailed([file_issue(path.name, "file.unpacked_too_big", max_mb=MAX_UNPACKED_MB)])


def limited(rows: Iterable[list[str]], sheet: str) -> Grid:
    """The header and at most MAX_ROWS rows; one more refuses the sheet before the rest is read."""
    grid = list(itertools.islice(rows, MAX_ROWS + 2))
    if len(grid) > MAX_ROWS + 1:
        raise ImportFailed([sheet_issue(sheet, "sheet.too_long", max=MAX_ROWS)])
    return grid


def read_workbook(path: Path) -> dict[str, Grid]:
    import openpyxl  # here, not at the top: the running bot imports this package for its texts, never reads a workbook

    check_size(path)
    check_unpacked(path)
    grids: dict[str, Grid] = {}
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for worksheet in workbook.worksheets:
                sheet = SHEETS_BY_SIMPLE_NAME.get(simple(worksheet.title))
                if sheet and sheet.name not in grids:
                    grids[sheet.name] = limited(
                        ([cell_text(value) for value in row] for row in worksheet.iter_rows(values_only=True)),
                        sheet.name,
                    )
        finally:
            workbook.close()
    except ImportFailed:
        raise
    except Exception as error:  # a damaged or foreign file fails in many ways (zip, XML, openpyxl)
        raise ImportFailed([file_issue(path.name, "file.unreadable", error=type(error).__name__)]) from error
    return grids


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV file would have: dates ISO, times ЧЧ:ММ, 5.0 as 5."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_csv_folder(folder: Path) -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    for path in sorted(folder.iterdir()):
        sheet = SHEETS_BY_SIMPLE_NAME.get(simple(path.stem))
        if path.suffix.lower() == ".csv" and sheet and sheet.name not in grids:
            grids[sheet.name] = read_csv(path, sheet.name)
    return grids


def read_csv(path: Path, sheet: str) -> Grid:
    check_size(path)
    try:
        data = path.read_bytes()
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # Excel on a Russian Windows saves CSV in its ANSI code page
            content = data.decode("cp1251")
        first_line = content.split("\n", 1)[0]
        delimiter = max(";,\t", key=first_line.count)
        rows = csv.reader(io.StringIO(content), delimiter=delimiter)
        return limited(([csv_text(cell.strip()) for cell in row] for row in rows), sheet)
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        raise ImportFailed([file_issue(path.name, "file.unreadable", error=type(error).__name__)]) from error


def tables_of(grids: dict[str, Grid]) -> Tables:
    issues: list[ImportIssue] = []
    tables = {}
    for sheet in SHEETS:
        if sheet.name in grids:
            tables[sheet.name] = sheet_rows(sheet, grids[sheet.name], issues)
        elif sheet.required:
            issues.append(sheet_issue(sheet.name, "sheet.missing"))
    if issues:
        raise ImportFailed(issues)
    return tables


def sheet_rows(sheet: Sheet, grid: Grid, issues: list[ImportIssue]) -> list[dict[str, str]]:
    """The data rows as column key -> text; only the columns the sheet has."""
    columns = {
        simple(name): column for column in sheet.columns for name in (column.header, column.key, *column.aliases)
    }
    header = grid[0] if grid else []
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = columns.get(simple(name))
        if column and column.key in positions:
            issues.append(ImportIssue(sheet.name, 1, column.header, name, "column.duplicate", {}))
        elif column:
            positions[column.key] = index
    issues.extend(
        ImportIssue(sheet.name, 1, column.header, "", "column.missing", {})
        for column in sheet.columns
        if column.required and column.key not in positions
    )

    rows = [{key: line[index] if index < len(line) else "" for key, index in positions.items()} for line in grid[1:]]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


CSV_SUFFIXES = (".csv", ".txt")


def read_plan(path: Path) -> list[dict[str, str]]:
    """J-14: a calendar-thematic plan, one CSV file or a workbook; of a workbook, the sheet named «КТП» (or «plan»),
    else its first sheet. The same limits and the same loose headers as the school's import."""
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise ImportFailed([file_issue(path.name, "file.not_found")])
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        grid = read_plan_workbook(path)
    elif suffix in CSV_SUFFIXES:
        grid = read_csv(path, PLAN_SHEET.name)
    else:
        raise ImportFailed([file_issue(path.name, "file.unknown_format", extension=suffix)])
    issues: list[ImportIssue] = []
    rows = sheet_rows(PLAN_SHEET, grid, issues)
    if issues:  # one table: the issues name the column, not a sheet
        raise ImportFailed([dataclasses.replace(issue, sheet="") for issue in issues])
    if not any(value.strip() for row in rows for value in row.values()):
        raise ImportFailed([file_issue(path.name, "sheet.empty")])
    return rows


def read_plan_workbook(path: Path) -> Grid:
    import openpyxl  # here, not at the top, as read_workbook

    check_size(path)
    check_unpacked(path)
    names = {simple(PLAN_SHEET.name), simple(PLAN_SHEET.title), "ktp"}
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            worksheet = next((w for w in sheets if simple(w.title) in names), sheets[0] if sheets else None)
            if worksheet is None:
                return []
            return limited(
                ([cell_text(value) for value in row] for row in worksheet.iter_rows(values_only=True)),
                PLAN_SHEET.name,
            )
        finally:
            workbook.close()
    except ImportFailed:
        raise
    except Exception as error:  # a damaged or foreign file fails in many ways (zip, XML, openpyxl)
        raise ImportFailed([file_issue(path.name, "file.unreadable", error=type(error).__name__)]) from error
