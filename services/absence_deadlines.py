"""ABS-3's clocks: a document is reviewed, and an absence's reason set, within working days (weekends and the
school's holidays do not count), counted from the day the document arrived. Shared by the documents, the class
teacher's lists and the reminders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .calendar import SchoolCalendar
from .models import AbsenceDocument, DocumentStatus, School


def add_working_days(start: date, days: int, calendar: SchoolCalendar, grade: int) -> date:
    """ABS-3 counts working days: weekends and the school's holidays do not count."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and calendar.status(day, grade).kind != "holiday":
            days -= 1
    return day


# ABS-3: the documents a class teacher has to act on: those waiting, and those accepted (an absence recorded after
# the decision still takes the document's reason from the class teacher).
DOCUMENTS_IN_HAND = (DocumentStatus.PENDING, DocumentStatus.ACCEPTED)

Brought = list[tuple[date, date, date]]  # a student's documents: first and last day covered, the day it arrived


async def documents_brought(session: AsyncSession, student_ids: Sequence[int], zone: ZoneInfo) -> dict[int, Brought]:
    """ABS-3: per student, the days each document in hand covers and the school day it arrived, in one query."""
    found: dict[int, Brought] = defaultdict(list)
    for student_id, first, last, created_at in await session.execute(
        select(
            AbsenceDocument.student_id, AbsenceDocument.date_from, AbsenceDocument.date_to, AbsenceDocument.created_at
        ).where(AbsenceDocument.student_id.in_(student_ids), AbsenceDocument.status.in_(DOCUMENTS_IN_HAND))
    ):
        found[student_id].append((first, last, created_at.astimezone(zone).date()))
    return found


def reason_due(day: date, brought: Brought, school: School, calendar: SchoolCalendar, grade: int) -> date:
    """ABS-3: an absence's reason is due 2 working days (School.absence_review_days) after the student brings the
    document that covers it, or after the lesson if the document came first. An absence no document covers yet
    keeps the lesson's own clock: the class teacher asks the family."""
    arrived = min((on for first, last, on in brought if first <= day <= last), default=day)
    return add_working_days(max(day, arrived), school.absence_review_days, calendar, grade)
