"""Dates as people type them: «25.11», «25.11–27.11», «25–27.11», «с 28.12 по 10.01». Shared by the absence
document form and the teacher's «/today 10.11»."""

from __future__ import annotations

import re
from datetime import date

from services.text import clean_text

_DAY = r"(\d{1,2})\s*[./]\s*(\d{1,2})(?:\s*[./]\s*(\d{4}|\d{2}))?"
_DASH = r"(?:-|–|—|\.\.\.?|по|до|to|till|until)"
_RANGE = re.compile(rf"(?:с|from)?\s*{_DAY}(?:\s*{_DASH}\s*{_DAY})?\s*\.?")
_DAYS_OF_MONTH = re.compile(rf"(?:с|from)?\s*(\d{{1,2}})\s*{_DASH}\s*{_DAY}\s*\.?")  # «25–27.11»


class DatesError(ValueError):
    """A typed text that is not a day or a period: code "unreadable" or "no_such_date"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_dates(
    text: str, today: date, year_starts: date | None = None, year_ends: date | None = None
) -> tuple[date, date]:
    """«25.11», «25.11–27.11», «25–27.11», «25.11.2026», «с 28.12 по 10.01» → (first day, last day).

    A day without a year is taken in the school year when it fits there, nearest to today otherwise.
    The order of the two days is not checked here: the service says when the last is before the first.
    """
    cleaned = clean_text(text, one_line=True).lower()
    if match := _DAYS_OF_MONTH.fullmatch(cleaned):
        first_day, last_day, month, year = match.groups()
        first, second = (first_day, month, year), (last_day, month, year)
    elif match := _RANGE.fullmatch(cleaned):
        groups = match.groups()
        first, second = groups[:3], groups[3:] if groups[3] else None
    else:
        raise DatesError("unreadable")
    start = _day(*first, today=today, year_starts=year_starts, year_ends=year_ends)
    end = _day(*second, today=today, year_starts=year_starts, year_ends=year_ends) if second else start
    return start, end


def _day(
    day: str, month: str, year: str | None, *, today: date, year_starts: date | None, year_ends: date | None
) -> date:
    if year is not None:
        try:
            return date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
        except ValueError:
            raise DatesError("no_such_date") from None
    candidates = []
    for y in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(y, int(month), int(day)))
        except ValueError:
            continue
    if not candidates:
        raise DatesError("no_such_date")
    in_year = [c for c in candidates if year_starts and year_ends and year_starts <= c <= year_ends]
    return min(in_year or candidates, key=lambda c: abs((c - today).days))
