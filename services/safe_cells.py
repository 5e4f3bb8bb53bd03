"""Cells of the CSV and XLSX files the program writes: text, never a formula the reader's spreadsheet runs.

A cell that starts with = + - @, a tab or a carriage return is a formula to Excel and LibreOffice
(OWASP «CSV injection»): a name such as «=HYPERLINK(…)» would run on the secretary's computer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_row(values: Iterable[Any]) -> list[str]:
    """A CSV row: a formula-like cell gets a leading «'», which a spreadsheet shows as text."""
    cells = ["" if value is None else str(value) for value in values]
    return ["'" + cell if formula_like(cell) else cell for cell in cells]


def csv_text(cell: str) -> str:
    """A cell read back as csv_row wrote it: «'+79001234567» is «+79001234567» (the import checks it then)."""
    return cell[1:] if cell.startswith("'") and formula_like(cell[1:]) else cell


def xlsx_append(worksheet, values: Iterable[Any]) -> None:
    """A workbook row: every string is stored as a string (openpyxl would store «=…» as a formula), and a
    formula-like one keeps Excel's «'» prefix, so that editing the cell does not turn it into one."""
    worksheet.append(list(values))
    for cell in worksheet[worksheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            cell.quotePrefix = formula_like(cell.value)
