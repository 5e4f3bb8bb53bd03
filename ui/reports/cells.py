"""The cells every report writes alike: a period, year, exam or final mark, and a share in per cent."""

from __future__ import annotations

from babel.numbers import format_decimal

from services.final_marks import Outcome
from ui.final_marks import outcome_text
from ui.formatting import decimal
from ui.reports.document import Cell, Percent


def mark_cell(outcome: Outcome | None, locale: str) -> Cell:
    """A mark as a number (the XLSX counts it), «н/а», «зач.», «осв.» as the journal writes them, empty if not set."""
    if outcome is None:
        return None
    if outcome.numeric:
        return outcome.value
    return outcome_text(outcome, locale)


def share(value: float | None) -> Percent | None:
    """A figure's per cent as a table's cell; empty where there are no students."""
    return None if value is None else Percent(value)


def average_text(value: float | None, locale: str) -> str:
    """«4,25» / «4.25» in a chat's line; «—» where there is no mark."""
    return "—" if value is None else decimal(value, locale)


def percent_text(value: float | None, locale: str) -> str:
    """«62,5 %» / «62.5 %» in a chat's line; «—» where there are no students."""
    return "—" if value is None else format_decimal(value, "0.0", locale=locale) + "\u00a0%"
