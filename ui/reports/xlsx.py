"""A Document as an XLSX workbook (REP-4): the same tables as the PDF, but of real numbers that a deputy can sort,
sum and chart further.

- An int is a whole number, a float a number shown with two decimals ('0.00').
- A Percent (0–100) is written as the fraction it is (87.5 → 0.875) with the format '0.0%': Excel shows «87,5%» in
  a Russian Excel and "87.5%" in an English one, and a formula over the cells counts with the true share.
- An empty cell (None) stays empty, not zero.
- The title block (the school, the title, the subtitle, the day it was made) is above the first table; the rows
  down to the first table's header stay in view when scrolling (frozen panes).
- With `one_sheet_per_table` each Table is a sheet of its own named by its title (at most 31 characters, without
  the characters Excel forbids, no two alike); paragraphs and charts go on the sheet of the table before them.
- A Chart is its data (a row per label, a column per series) with a native Excel line chart beside it.
"""

from __future__ import annotations

import io
import re

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ui.i18n import translator

from .document import Cell, Chart, Document, Percent, Table

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
GREY = Font(color="666666", italic=True)
HEADER_FILL = PatternFill("solid", fgColor="E1E5EB")
MARKED_FILL = PatternFill("solid", fgColor="FFE4C4")  # the PDF's light orange
SHEET_NAME_MOST = 31  # Excel's limit
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name
WIDEST_COLUMN = 50  # characters: a longer text wraps in its cell rather than widening the column further
CHART_ROWS = 15  # the height of a native chart, in rows


class _Sheet:
    """A worksheet being filled from top to bottom: the next free row, each column's widest text, whether its panes
    are frozen yet."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 1
        self.widths: dict[int, int] = {}
        self.frozen = False
        self.tables = 0

    def fit(self, column: int, text: str) -> None:
        self.widths[column] = max(self.widths.get(column, 0), min(len(text), WIDEST_COLUMN))

    def skip(self, rows: int = 1) -> None:
        self.row += rows


def xlsx_bytes(document: Document) -> bytes:
    workbook = Workbook()
    names: set[str] = set()
    sheets: list[_Sheet] = []

    def new_sheet(title: str) -> _Sheet:
        sheet = workbook.active if not sheets else workbook.create_sheet()
        sheet.title = sheet_name(title, names)
        sheets.append(_Sheet(sheet))
        _title_block(sheets[-1], document)
        return sheets[-1]

    current: _Sheet | None = None
    for part in document.parts:
        if current is None:
            current = new_sheet(
                part.title if document.one_sheet_per_table and isinstance(part, Table) else document.title
            )
        elif document.one_sheet_per_table and isinstance(part, Table):
            if current.tables:
                current = new_sheet(part.title)
            else:  # the paragraphs before the first table: on its sheet, which takes the table's name
                names.discard(current.sheet.title.casefold())
                current.sheet.title = sheet_name(part.title, names)
        if isinstance(part, Table):
            _table(current, part)
        elif isinstance(part, Chart):
            _chart(current, part)
        else:
            write(current.sheet, current.row, 1, part)
            current.skip(2)
    if current is None:  # a document of nothing but its title
        new_sheet(document.title)
    for each in sheets:
        for column, width in each.widths.items():
            each.sheet.column_dimensions[get_column_letter(column)].width = max(width + 2, 8)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet's name Excel accepts: the forbidden characters replaced, at most 31 characters, no apostrophe at
    either end, and unique (Excel compares them without case) with « (2)», « (3)» … where two would be alike."""
    base = FORBIDDEN.sub("-", title).strip().strip("'").strip() or "Sheet"
    name, number = base[:SHEET_NAME_MOST].strip(), 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_MOST - len(suffix)].strip() + suffix
    taken.add(name.casefold())
    return name


def _title_block(target: _Sheet, document: Document) -> None:
    _ = translator(document.locale)
    sheet = target.sheet
    write(sheet, 1, 1, document.school)
    write(sheet, 2, 1, document.title).font = TITLE_FONT
    write(sheet, 3, 1, document.subtitle)
    made_on = format_date(document.made_on, "long", locale=document.locale)
    write(sheet, 4, 1, _("Made on {date}").format(date=made_on)).font = GREY
    target.row = 6


def write(sheet: Worksheet, row: int, column: int, value: Cell):
    """A cell of a table as a number Excel counts with (see the module's docstring), or as text."""
    if isinstance(value, Percent):
        cell = sheet.cell(row, column, round(float(value) / 100, 10))  # 70.4 / 100 is 0.7040000000000001
        cell.number_format = "0.0%"
    elif isinstance(value, float):
        cell = sheet.cell(row, column, value)
        cell.number_format = "0.00"
    else:
        cell = sheet.cell(row, column, value)
        if isinstance(value, str):
            cell.data_type = "s"  # «=…» in a name or a heading stays text, never a formula Excel would run
    return cell


def _shown(value: Cell) -> str:
    """About as wide as Excel will show the value, for the column's width."""
    if isinstance(value, Percent):
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)


def _table(target: _Sheet, table: Table) -> None:
    sheet = target.sheet
    if table.title:
        write(sheet, target.row, 1, table.title).font = BOLD
        target.skip()
    for column, header in enumerate(table.headers, start=1):
        cell = write(sheet, target.row, column, header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        target.fit(column, header)
    target.tables += 1
    if not target.frozen:  # the title block and the first table's header stay in view
        sheet.freeze_panes = sheet.cell(target.row + 1, 1)
        target.frozen = True
    target.skip()
    for index, row in enumerate(table.rows):
        for column, value in enumerate(row, start=1):
            cell = write(sheet, target.row, column, value)
            if index in table.marked_rows:
                cell.fill = MARKED_FILL
            target.fit(column, _shown(value))
        target.skip()
    if table.totals is not None:
        for column, value in enumerate(table.totals, start=1):
            write(sheet, target.row, column, value).font = BOLD
            target.fit(column, _shown(value))
        target.skip()
    if table.note:
        write(sheet, target.row, 1, table.note).font = GREY
        target.skip()
    target.skip()


def _chart(target: _Sheet, chart: Chart) -> None:
    """The chart's numbers as a small table (a row per label, a column per series) and an Excel line chart of them
    to its right; the chart's title above."""
    sheet = target.sheet
    write(sheet, target.row, 1, chart.title).font = BOLD
    target.skip()
    top = target.row
    for column, (name, _values) in enumerate(chart.series, start=2):
        cell = write(sheet, top, column, name)
        cell.font, cell.fill = BOLD, HEADER_FILL
        target.fit(column, name)
    for offset, label in enumerate(chart.labels, start=1):
        write(sheet, top + offset, 1, label)
        target.fit(1, label)
        for column, (_name, values) in enumerate(chart.series, start=2):
            value = values[offset - 1] if offset - 1 < len(values) else None
            write(sheet, top + offset, column, value)
    bottom = top + len(chart.labels)
    if chart.series and chart.labels:
        line = LineChart()
        line.title = chart.title
        line.y_axis.title = chart.y_label or None
        line.y_axis.scaling.min, line.y_axis.scaling.max = chart.y_range
        line.x_axis.delete = False  # newer Excel hides the axes of openpyxl's charts unless told
        line.y_axis.delete = False
        line.display_blanks = "gap"  # a week without marks is a break in the line, not a zero
        line.legend.position = "b"
        line.height, line.width = 7.5, 16
        data = Reference(sheet, min_col=2, max_col=1 + len(chart.series), min_row=top, max_row=bottom)
        line.add_data(data, titles_from_data=True)
        line.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=bottom))
        for series in line.series:
            series.marker.symbol = "circle"
            series.smooth = False
        sheet.add_chart(line, sheet.cell(top, len(chart.series) + 3).coordinate)
    target.row = max(bottom, top + CHART_ROWS) + 2
