"""Scheduled reminders (DIA-3, J-2, ABS-3): each function finds, for one school and one school day, who needs
reminding of what, and writes one outbox event per recipient with a per-day key (records.emit_once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import SchoolDays
from ..control import school_assignments
from ..models import Assignment, School, StudyPeriod

LIMIT = 20  # lines one reminder lists; the rest is only counted
# PER-4 and DIA-4: teachers and families are told in the last school days of a study period.
PERIOD_WARNING_SCHOOL_DAYS = 5


@dataclass
class EndingPeriods:
    """The study periods whose last school days `day` is in, with the classes' assignments in each."""

    periods: dict[int, StudyPeriod] = field(default_factory=dict)
    assignments: dict[int, list[Assignment]] = field(default_factory=lambda: defaultdict(list))  # by period id

    @classmethod
    async def load(cls, session: AsyncSession, school_id: int, day: date) -> EndingPeriods:
        """The grades for which `day` is one of their period's last PERIOD_WARNING_SCHOOL_DAYS school days (PER-1:
        holidays and weekdays without lessons in the grade's timetable do not count, for teachers and families
        alike). Grades without marks (J-8) have no period marks and are left out."""
        school = await session.get_one(School, school_id)
        days = await SchoolDays.load(session, school_id, day)
        found = cls()
        for a in (await school_assignments(session, school_id, days.calendar)).values():
            grade = a.class_group.grade
            period = days.calendar.period(day, grade)
            if (
                grade in school.no_mark_grades
                or period is None
                or not days.has_lessons(day, grade)
                or days.days_left(day, period.ends_on, grade, PERIOD_WARNING_SCHOOL_DAYS) > PERIOD_WARNING_SCHOOL_DAYS
            ):
                continue
            found.periods[period.id] = period
            found.assignments[period.id].append(a)
        return found


def capped(name: str, lines: list[dict], limit: int = LIMIT) -> dict[str, Any]:
    """The first `limit` lines under `name`, and how many more there are: a reminder stays one message."""
    shown = lines[:limit]
    return {name: shown, "more": len(lines) - len(shown)}
