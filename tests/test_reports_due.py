"""REP-2 (000 §6.8.3): the reports that come by themselves — a class's period results to its class teacher on the
first working day after the period, the school's to the deputy director on the second, and a class's month of
attendance on the month's first school day; each once, whatever the job's runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.db import write_transaction
from services.models import EventKind, OutboxEvent
from services.pushes.payloads import ReportReady, ScheduledReport, payload_of
from services.reminders.reports import reports_due, working_days_after
from tests.factories import build_school
from ui.pushes.render import text_of

Q1_END = date(2026, 10, 24)  # a Saturday, the autumn holidays follow


async def run(session, school_id: int, day: date) -> list[ReportReady]:
    async with write_transaction(session):
        await reports_due(session, school_id, day)
    events = await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == EventKind.REPORT_READY))
    return [payload_of(EventKind.REPORT_READY, e.payload) for e in events if e.payload["day"] == day.isoformat()]


def test_working_days_skip_the_weekend():
    assert working_days_after(Q1_END, 1) == date(2026, 10, 26)  # Saturday → Monday
    assert working_days_after(Q1_END, 2) == date(2026, 10, 27)
    assert working_days_after(date(2026, 10, 23), 1) == date(2026, 10, 26)  # Friday → Monday


async def test_class_teachers_get_their_class_results_on_the_first_working_day_REP_2(session):
    school = await build_school(session)
    assert await run(session, school.school_id, date(2026, 10, 25)) == []  # Sunday: not a working day
    sent = await run(session, school.school_id, date(2026, 10, 26))
    # 5А's class teacher is the mathematics teacher, 5Б's the Russian teacher; 1А has no marks (grade 1).
    assert sorted((r.to_persons, r.class_name, r.period_name) for r in sent) == [
        ((school.staff["math"],), "5А", "1 четверть"),
        ((school.staff["russian"],), "5Б", "1 четверть"),
    ]
    assert {r.report for r in sent} == {ScheduledReport.CLASS_RESULTS}
    assert {r.period_id for r in sent} == {school.q1}


async def test_the_deputy_gets_the_schools_results_on_the_second_working_day_once_REP_2(session):
    school = await build_school(session)
    await run(session, school.school_id, date(2026, 10, 26))
    [sent] = await run(session, school.school_id, date(2026, 10, 27))
    assert (sent.report, sent.to_persons, sent.period_id) == (
        ScheduledReport.SCHOOL_RESULTS,
        (school.staff["deputy"],),  # the deputy director, not the administrator
        school.q1,
    )
    async with write_transaction(session):
        assert await reports_due(session, school.school_id, date(2026, 10, 27)) == 0  # a second run: nothing more


async def test_a_months_attendance_comes_on_the_months_first_school_day_REP_2(session):
    school = await build_school(session)
    # 1 December 2026 is a Tuesday with lessons: November's attendance to each class teacher, 1А's included.
    sent = await run(session, school.school_id, date(2026, 12, 1))
    assert sorted((r.class_name, r.month, r.to_persons) for r in sent) == [
        ("1А", "2026-11-01", (school.staff["primary"],)),
        ("5А", "2026-11-01", (school.staff["math"],)),
        ("5Б", "2026-11-01", (school.staff["russian"],)),
    ]
    assert await run(session, school.school_id, date(2026, 12, 2)) == []  # the second school day: nothing
    assert await run(session, school.school_id, date(2026, 9, 1)) == []  # the year's first day: no month before


def test_the_push_says_which_report_is_attached():
    stored = {"to_persons": [1], "day": "2026-12-01", "report": "class_attendance", "class_name": "5А"}
    text = text_of(EventKind.REPORT_READY, {**stored, "month": "2026-11-01"}, "ru")
    assert text.startswith("📊 <b>Посещаемость 5А, ноябрь 2026</b>\n")
    english = text_of(EventKind.REPORT_READY, {**stored, "month": "2026-11-01"}, "en")
    assert english.startswith("📊 <b>Attendance of 5А, November 2026</b>\n")
    results = {**stored, "report": "school_results", "period_name": "1 четверть"}
    assert text_of(EventKind.REPORT_READY, results, "ru").startswith("📊 <b>Итоги по школе: 1 четверть</b>\n")
