"""Scheduled reminders (issue 6, item 3): each function finds, for one school and one school day, who needs
reminding of what, and writes one outbox event per recipient with a per-day key (records.emit_once)."""
from __future__ import annotations

from typing import Any

LIMIT = 20  # lines one reminder lists; the rest is only counted
# PER-4 and DIA-4: teachers and families are told in the last school days of a study period.
PERIOD_WARNING_SCHOOL_DAYS = 5


def capped(name: str, lines: list[dict], limit: int = LIMIT) -> dict[str, Any]:
    """The first `limit` lines under `name`, and how many more there are: a reminder stays one message."""
    shown = lines[:limit]
    return {name: shown, "more": len(lines) - len(shown)}
