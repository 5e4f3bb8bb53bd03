"""What an import gives back: the issues found in the tables, or the counts of what it wrote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .spec import SHEETS, SHEETS_BY_NAME

# Sheet name -> its data rows, each a mapping of column key -> cell text. A row may leave out
# optional columns: an absent column leaves the stored values alone, an empty cell means the default.
Tables = Mapping[str, Sequence[Mapping[str, str]]]


@dataclass(frozen=True)
class ImportIssue:
    """One problem, where the user finds it: sheet name, row as numbered in the file (the header is
    row 1), column header. `code` and `params` are for the message, which the bot writes."""

    sheet: str
    row: int | None
    column: str | None
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


# A file full of mistakes (a wrong sheet, a shifted column) gives thousands of the same issue: the first ones
# say what is wrong, the rest is a count.
MAX_ISSUES = 100


class ImportFailed(Exception):
    """The tables cannot be imported; nothing was written. Keeps the first MAX_ISSUES issues and the count."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__(f"{len(issues)} import issue(s): {', '.join(sorted({i.code for i in issues}))}")
        self.issues = issues[:MAX_ISSUES]
        self.total = len(issues)


@dataclass(frozen=True)
class ImportReport:
    """Per sheet, how many of its rows were created, updated, or found already as the file says."""

    school_id: int
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]


def file_issue(name: str, code: str, **params: Any) -> ImportIssue:
    """An issue with the file as a whole (its value is the file's name)."""
    return ImportIssue("", None, None, name, code, params)


def sheet_issue(sheet: str, code: str, row: int | None = None, **params: Any) -> ImportIssue:
    return ImportIssue(sheet, row, None, "", code, params)


def in_file_order(issues: Iterable[ImportIssue]) -> list[ImportIssue]:
    """Issues as the user meets them: sheet by sheet, row by row, column by column."""
    sheet_order = {sheet.name: index for index, sheet in enumerate(SHEETS)}

    def position(issue: ImportIssue) -> tuple[int, int, int]:
        sheet = SHEETS_BY_NAME.get(issue.sheet)
        headers = [column.header for column in sheet.columns] if sheet else []
        column = headers.index(issue.column) if issue.column in headers else -1
        return sheet_order.get(issue.sheet, -1), issue.row or 0, column

    return sorted(issues, key=position)
