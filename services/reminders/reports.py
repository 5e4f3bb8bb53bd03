"""The reports that come by themselves (REP-2; 000 §6.8.3): after a study period ends, each class teacher gets their
class's results within a working day and the deputy directors the school's within two; on the first school day of
a month, each class teacher gets the previous month's attendance of their class.

Written as outbox events (one per recipient and report, keyed, so a job run twice writes nothing more); the file is
made when the push is sent (bot/pushes/reports.py), from the journal as it is then. Working days here are Monday to
Friday: a period often ends before a holiday, and the teachers work in the school's holidays. The class teachers'
day is the first working day after the period's last day, the deputies' the second, so that the class teachers' day
of finishing their class's marks comes first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import SchoolDays
from ..models import AcademicYear, ClassGroup, EventKind, Person, Role, School, StaffRole, StudyPeriod
from ..pushes.payloads import ReportReady, ScheduledReport
from ..records import emit_once


def working_days_after(day: date, count: int) -> date:
    """The `count`-th working day (Monday to Friday) after `day`."""
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


async def reports_due(session: AsyncSession, school_id: int, day: date) -> int:
    """The reports due on `day` for one school, as events; returns how many were written. Runs whatever the day."""
    school = await session.get_one(School, school_id)
    years = select(AcademicYear.id).where(AcademicYear.school_id == school_id)
    periods = (await session.scalars(select(StudyPeriod).where(StudyPeriod.year_id.in_(years)))).all()
    written = 0
    for period in periods:
        if working_days_after(period.ends_on, 1) == day:
            for group in await _classes(session, period.year_id, period.grade_from, period.grade_to):
                if group.class_teacher_id is not None and group.grade not in school.no_mark_grades:
                    written += await _emit(session, school_id, day, group.class_teacher_id, _results(group, period))
        if working_days_after(period.ends_on, 2) == day:
            report = ReportReady(
                to_persons=(),
                day=day.isoformat(),
                report=ScheduledReport.SCHOOL_RESULTS,
                period_id=period.id,
                period_name=period.name,
            )
            for person_id in await _deputies(session, school_id):
                written += await _emit(session, school_id, day, person_id, report)
    month = day.replace(day=1)
    days = await SchoolDays.load(session, school_id, day)
    first_of_month = days.any_lessons(day) and not days.any_lessons(month, day - timedelta(days=1))
    previous = (month - timedelta(days=1)).replace(day=1)
    if first_of_month and days.calendar.year is not None and days.calendar.year.starts_on < month:
        for group in await _classes(session, days.calendar.year.id):
            if group.class_teacher_id is not None:
                report = ReportReady(
                    to_persons=(),
                    day=day.isoformat(),
                    report=ScheduledReport.CLASS_ATTENDANCE,
                    class_id=group.id,
                    class_name=group.name,
                    month=previous.isoformat(),
                )
                written += await _emit(session, school_id, day, group.class_teacher_id, report)
    return written


def _results(group: ClassGroup, period: StudyPeriod) -> ReportReady:
    return ReportReady(
        to_persons=(),
        day="",
        report=ScheduledReport.CLASS_RESULTS,
        class_id=group.id,
        class_name=group.name,
        period_id=period.id,
        period_name=period.name,
    )


async def _classes(session: AsyncSession, year_id: int, grade_from: int = 0, grade_to: int = 99) -> list[ClassGroup]:
    return list(
        await session.scalars(
            select(ClassGroup)
            .where(ClassGroup.year_id == year_id, ClassGroup.grade.between(grade_from, grade_to))
            .order_by(ClassGroup.grade, ClassGroup.letter)
        )
    )


async def _deputies(session: AsyncSession, school_id: int) -> list[int]:
    """The deputy directors; without one, the administrators (REP-5: the whole school is the deputy's)."""
    found: dict[Role, set[int]] = {Role.DEPUTY: set(), Role.ADMIN: set()}
    for person_id, role in await session.execute(
        select(Person.id, StaffRole.role)
        .join(StaffRole, StaffRole.person_id == Person.id)
        .where(Person.school_id == school_id, StaffRole.role.in_(tuple(found)))
    ):
        found[role].add(person_id)
    return sorted(found[Role.DEPUTY] or found[Role.ADMIN])


async def _emit(session: AsyncSession, school_id: int, day: date, person_id: int, report: ReportReady) -> int:
    """One report to one person, once: the key names the report, its class, period or month, and the person."""
    subject = f"{report.report.value}:{report.class_id}:{report.period_id}:{report.month}"
    key = f"{EventKind.REPORT_READY.value}:{subject}:{person_id}"
    event = replace(report, to_persons=(person_id,), day=day.isoformat())
    return int(await emit_once(session, school_id, key, event))
