"""Blank import files for a school to fill in: an XLSX workbook, and the same sheets as CSV files.

Each sheet has its header row and one example row; the examples together are a tiny school that
imports cleanly, so a school can try the import before filling in anything.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..safe_cells import csv_row, xlsx_append
from .spec import PLAN_SHEET, SHEETS, Sheet

WORKBOOK_NAME = "school_template.xlsx"
CSV_FOLDER = "csv"


def write_templates(folder: Path) -> list[Path]:
    """Writes the workbook and the CSV folder into `folder`; returns the files written."""
    folder = Path(folder)
    (folder / CSV_FOLDER).mkdir(parents=True, exist_ok=True)
    paths = [write_workbook(folder / WORKBOOK_NAME)]
    paths += [write_csv(folder / CSV_FOLDER / f"{sheet.name}.csv", sheet) for sheet in SHEETS]
    return paths


PLAN_WORKBOOK_NAME = "ktp_template.xlsx"
PLAN_CSV_NAME = "ktp_template.csv"


def write_plan_templates(folder: Path) -> list[Path]:
    """J-14: the calendar-thematic plan's blank workbook and CSV file, each with its header and an example row."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_workbook(folder / PLAN_WORKBOOK_NAME, (PLAN_SHEET,)),
        write_csv(folder / PLAN_CSV_NAME, PLAN_SHEET),
    ]


def write_workbook(path: Path, sheets: tuple[Sheet, ...] = SHEETS) -> Path:
    # Here, not at the top: the running bot imports this package for its texts, never writes a workbook.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title if sheet is PLAN_SHEET else sheet.name)
        xlsx_append(worksheet, [column.header for column in sheet.columns])
        xlsx_append(worksheet, [column.example or None for column in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.cell(1, index).font = Font(bold=True)
            worksheet.column_dimensions[get_column_letter(index)].width = (
                max(len(column.header), len(column.example)) + 4
            )
        worksheet.freeze_panes = "A2"
    workbook.save(path)
    return path


def write_csv(path: Path, sheet: Sheet) -> Path:
    # The BOM makes Excel read the file as UTF-8 (Cyrillic); «;» is what Excel expects in a Russian locale.
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(csv_row(column.header for column in sheet.columns))
        writer.writerow(csv_row(column.example for column in sheet.columns))
    return path
