"""What a report says, before it is a file: a title, the school and the period, tables of real numbers, charts, and
the signature lines of a certified copy (REP-4). The PDF and the XLSX are drawn from the same Document."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Format(str, enum.Enum):
    PDF = "pdf"
    XLSX = "xlsx"


class Percent(float):
    """A share in per cent (0–100): a number in the XLSX, «87,5 %» on paper."""


# A table's cell: text, a whole number, a number with decimals (two on paper), a share in per cent, or empty.
Cell = str | int | float | Percent | None


@dataclass(frozen=True)
class Table:
    title: str  # a heading above it; the XLSX sheet's name when the document has one table per sheet
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None  # a last row in bold («Итого», «По школе»)
    marked_rows: frozenset[int] = frozenset()  # rows to show marked (a class below the school's average)
    note: str = ""  # a line under the table (what a mark means, what is not counted)


@dataclass(frozen=True)
class Chart:
    """Lines over labelled points (the weeks of a period): each series a name and a value per label, None where
    there is none (a week without marks)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    y_label: str = ""
    y_range: tuple[float, float] = (1.0, 5.0)


@dataclass(frozen=True)
class Document:
    title: str  # «Табель успеваемости», «Итоги периода» …
    school: str
    subtitle: str  # whose and when: «5А, 2 четверть 2026/2027»
    made_on: date
    locale: str  # numbers and dates are written in it (4,25 in Russian)
    parts: tuple[Table | Chart | str, ...]  # a str is a paragraph
    signatures: tuple[str, ...] = ()  # «Классный руководитель», «Директор»: a line and a name's place each
    file_stem: str = "report"  # the file's name without the extension, Latin letters and digits
    one_sheet_per_table: bool = False  # the XLSX: a sheet per table (per subject, per class) instead of one sheet
    extra: dict[str, str] = field(default_factory=dict)  # the PDF's metadata (author, subject)
