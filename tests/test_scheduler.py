"""The scheduled jobs: which jobs the scheduler holds, at which times in which time zone, and what
the jobs do when called directly with a fixed clock, as the scheduler calls them: every school of a zone, a day
without lessons skipped, and the two-copy backup at night and after each study period (DATA-1)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from bot import jobs
from bot.config import Settings
from bot.scheduler import REMINDERS, add_zone_jobs, create_scheduler
from services.db import create_engine, create_session_factory
from services.models import (
    AcademicYear,
    Base,
    EventKind,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    OutboxEvent,
    Person,
    School,
    Student,
    Subject,
)
from tests.factories import TODAY, FixedClock, build_school

MSK, NSK = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Novosibirsk")
TUESDAY_MIDNIGHT = datetime(2026, 11, 24, tzinfo=UTC)  # 03:00 in Moscow, 07:00 in Novosibirsk


def fires(job, after: datetime = TUESDAY_MIDNIGHT) -> datetime:
    return job.trigger.get_next_fire_time(None, after)


def at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


async def test_the_scheduler_holds_the_backup_and_the_zones_job_and_is_not_started(session_factory, clock):
    settings = Settings(backup_at=time(3, 30), scheduler_timezone="Asia/Novosibirsk")
    scheduler = create_scheduler(settings, session_factory, clock)
    assert not scheduler.running
    assert {job.id for job in scheduler.get_jobs()} == {"backup", "zones", "dismissals", "messenger_refs"}
    backup = scheduler.get_job("backup")
    # Nightly at 03:30 by the deployment's clock (Novosibirsk: 20:30 UTC).
    assert fires(backup) == at(TODAY, 3, 30, NSK) + timedelta(days=1)
    assert fires(backup, fires(backup) + timedelta(seconds=1)) == at(TODAY, 3, 30, NSK) + timedelta(days=2)
    assert backup.args == (settings, session_factory, clock)
    assert (backup.misfire_grace_time, backup.coalesce, backup.max_instances) == (6 * 3600, True, 1)
    zones = scheduler.get_job("zones")
    assert zones.next_run_time == clock()  # at the start, then every ten minutes
    assert zones.trigger.interval == timedelta(minutes=10)


async def test_each_reminder_at_its_time_in_each_schools_time_zone(session, session_factory, clock, school):
    other = await build_school(session, "Школа № 8")
    (await session.get(School, other.school_id)).timezone = "Asia/Novosibirsk"
    await session.commit()
    settings = Settings(reminder_homework_at=time(14, 30))
    scheduler = create_scheduler(settings, session_factory, clock)
    assert await add_zone_jobs(scheduler, settings, session_factory, clock) == {"Europe/Moscow", "Asia/Novosibirsk"}
    names = [item.job.__name__ for item in REMINDERS]
    assert names == [
        "homework_missing",
        "lessons_unfilled",
        "works_unmarked",
        "absence_deadlines",
        "week_unreasoned",
        "period_failing",
        "finals_missing",
        "homework_tomorrow",
        "weekly_summary",
        "period_forecast",
        "reports_due",
    ]
    assert {job.id for job in scheduler.get_jobs()} == {"backup", "zones", "dismissals", "messenger_refs"} | {
        f"{name}@{zone}" for name in names for zone in ("Europe/Moscow", "Asia/Novosibirsk")
    }
    friday, saturday = TODAY + timedelta(days=3), TODAY + timedelta(days=4)
    expected = {  # from Tuesday 24.11, by the school's own clock
        "homework_missing": (TODAY, 14, 30),
        "lessons_unfilled": (TODAY, 18, 0),
        "works_unmarked": (TODAY, 18, 0),
        "absence_deadlines": (TODAY, 18, 0),
        "week_unreasoned": (friday, 18, 0),
        "period_failing": (TODAY, 18, 0),
        "finals_missing": (TODAY, 14, 30),  # PER-6
        "homework_tomorrow": (TODAY, 19, 0),
        "weekly_summary": (saturday, 18, 0),
        "period_forecast": (TODAY, 18, 0),
        "reports_due": (TODAY, 8, 0),  # REP-2: the morning after a period's end
    }
    for name, (day, hour, minute) in expected.items():
        for zone_name, zone in (("Europe/Moscow", MSK), ("Asia/Novosibirsk", NSK)):
            job = scheduler.get_job(f"{name}@{zone_name}")
            assert fires(job) == at(day, hour, minute, zone), job.id
            assert job.args == (getattr(jobs, name), zone_name, session_factory, clock)
            assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (3600, True, 1)
    # Fridays only, Saturdays only.
    assert fires(scheduler.get_job("week_unreasoned@Europe/Moscow"), at(friday, 18, 1, MSK)) == at(
        friday + timedelta(days=7), 18, 0, MSK
    )
    assert fires(scheduler.get_job("weekly_summary@Europe/Moscow"), at(saturday, 18, 1, MSK)) == at(
        saturday + timedelta(days=7), 18, 0, MSK
    )

    # Run again: nothing new. The Novosibirsk school moves to Moscow: its zone's jobs go.
    assert await add_zone_jobs(scheduler, settings, session_factory, clock) == {"Europe/Moscow", "Asia/Novosibirsk"}
    assert len(scheduler.get_jobs()) == 4 + 2 * len(REMINDERS)
    (await session.get(School, other.school_id)).timezone = "Europe/Moscow"
    await session.commit()
    assert await add_zone_jobs(scheduler, settings, session_factory, clock) == {"Europe/Moscow"}
    assert {job.id for job in scheduler.get_jobs()} == {"backup", "zones", "dismissals", "messenger_refs"} | {
        f"{n}@Europe/Moscow" for n in names
    }


async def test_a_school_with_an_unknown_zone_is_left_out_and_said_so(session, session_factory, clock, school, caplog):
    (await session.get(School, school.school_id)).timezone = "Mars/Olympus"
    await session.commit()
    settings = Settings()
    scheduler = create_scheduler(settings, session_factory, clock)
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        assert await add_zone_jobs(scheduler, settings, session_factory, clock) == set()
    assert "Unknown time zone 'Mars/Olympus'" in caplog.text
    assert {job.id for job in scheduler.get_jobs()} == {"backup", "zones", "dismissals", "messenger_refs"}


async def test_a_zones_job_runs_every_school_of_the_zone_and_one_failure_stops_none(
    session, session_factory, clock, school, caplog
):
    second = await build_school(session, "Школа № 8")
    third = await build_school(session, "Школа № 9")
    (await session.get(School, third.school_id)).timezone = "Asia/Novosibirsk"
    await session.commit()
    called = []

    async def job(sessions, school_id, job_clock):
        assert (sessions, job_clock) == (session_factory, clock)
        called.append(school_id)
        if school_id == school.school_id:
            raise RuntimeError("broken")
        return 2

    with caplog.at_level(logging.ERROR, logger="bot.jobs"):
        assert await jobs.in_zone(job, "Europe/Moscow", session_factory, clock) == 2
    assert called == [school.school_id, second.school_id]  # not the Novosibirsk school
    assert f"Job job failed for school {school.school_id}" in caplog.text


async def test_staff_reminders_run_on_school_days_only(session, session_factory, clock, school):
    """The staff reminders (services/reminders/staff.py) through the same door: today's lessons without homework
    at 15:00 (J-2); nothing on a Saturday or in the vacation."""
    for day in (TODAY + timedelta(days=4), date(2026, 11, 3)):
        clock.at(day, hour=15)
        assert await jobs.in_zone(jobs.homework_missing, "Europe/Moscow", session_factory, clock) == 0
    clock.at(TODAY, hour=15)
    written = await jobs.in_zone(jobs.homework_missing, "Europe/Moscow", session_factory, clock)
    assert written > 0
    kinds = set(await session.scalars(select(OutboxEvent.kind)))
    assert kinds == {EventKind.HOMEWORK_MISSING}
    assert await jobs.in_zone(jobs.homework_missing, "Europe/Moscow", session_factory, clock) == 0


# ---- the backup (DATA-1) ---------------------------------------------------------------------------------


@pytest.fixture
async def sqlite_school(tmp_path):
    """The backup job on SQLite (tests/test_backup.py covers make_backup on both databases)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'school.db'}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await build_school(session)
    yield url, sessions
    await engine.dispose()


def backups(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


async def test_the_backup_job_makes_two_copies_nightly_and_keeps_one_after_each_period_DATA_1(sqlite_school, tmp_path):
    url, sessions = sqlite_school
    primary, secondary = tmp_path / "primary", tmp_path / "offsite" / "secondary"
    settings = Settings(database_url=url, backup_dirs=(primary, secondary))
    clock = FixedClock(TUESDAY_MIDNIGHT)
    clock.at(date(2026, 11, 25), hour=2)
    # The first night since the 1st quarter ended (24.10): a nightly copy and a period copy, each in two places.
    copies = await jobs.backup(settings, sessions, clock)
    assert [c.path.parent for c in copies] == [primary, secondary, primary / "periods", secondary / "periods"]
    assert len({c.sha256 for c in copies[:2]}) == 1
    with sqlite3.connect(copies[1].path) as conn:
        assert conn.execute("SELECT name FROM schools").fetchall() == [("Школа № 7",)]
    clock.at(date(2026, 11, 26), hour=2)
    assert [c.path.parent for c in await jobs.backup(settings, sessions, clock)] == [primary, secondary]
    clock.at(date(2026, 12, 28), hour=2)  # the 2nd quarter's last day: not over yet
    assert len(await jobs.backup(settings, sessions, clock)) == 2
    clock.at(date(2026, 12, 29), hour=2)
    assert len(await jobs.backup(settings, sessions, clock)) == 4
    assert (
        backups(primary)
        == backups(secondary)
        == [
            "school-20261124-230000.sqlite3",
            "school-20261125-230000.sqlite3",
            "school-20261227-230000.sqlite3",
            "school-20261228-230000.sqlite3",
        ]
    )
    assert (
        backups(primary / "periods")
        == backups(secondary / "periods")
        == [
            # The 2nd quarter is the factory year's last period: its summary sheet is kept beside (REP-4).
            "final-sheet-1-2026-2027.pdf",
            "final-sheet-1-2026-2027.xlsx",
            "school-20261124-230000.sqlite3",
            "school-20261228-230000.sqlite3",
        ]
    )


async def test_the_years_summary_sheet_is_kept_with_the_period_copies_once_its_last_period_ended_DATA_1_REP_4(
    sqlite_school, tmp_path
):
    url, sessions = sqlite_school
    primary, secondary = tmp_path / "primary", tmp_path / "secondary"
    settings = Settings(database_url=url, backup_dirs=(primary, secondary))
    async with sessions() as session:
        maths = await session.scalar(select(Subject.id).where(Subject.name == "Математика"))
        alekseev = await session.scalar(
            select(Student.id).join(Person, Person.id == Student.person_id).where(Person.last_name == "Алексеев")
        )
        year_id = await session.scalar(select(AcademicYear.id))
        session.add(
            FinalMark(
                student_id=alekseev,
                subject_id=maths,
                year_id=year_id,
                kind=FinalMarkKind.YEAR,
                value=4,
                result=FinalResult.MARK,
            )
        )
        await session.commit()
    clock = FixedClock(TUESDAY_MIDNIGHT)
    clock.at(date(2026, 11, 25), hour=2)  # the 1st quarter's copy: the 2nd quarter runs, the year is not over
    await jobs.backup(settings, sessions, clock)
    assert [n for n in backups(primary / "periods") if n.startswith("final-sheet")] == []
    # The year's last period (the 2nd quarter here) ended on 28.12: the first night after it, the sheet is kept.
    clock.at(date(2026, 12, 29), hour=2)
    await jobs.backup(settings, sessions, clock)
    sheets = ["final-sheet-1-2026-2027.pdf", "final-sheet-1-2026-2027.xlsx"]
    for folder in (primary / "periods", secondary / "periods"):
        assert [n for n in backups(folder) if n.startswith("final-sheet")] == sheets
    book = openpyxl.load_workbook(primary / "periods" / sheets[1])
    rows = list(book["5А"].iter_rows(values_only=True))
    alekseev_row = next(row for row in rows if row and "Алексеев Артём Игоревич" in row)
    assert 4 in alekseev_row  # his year mark in mathematics, a number
    assert (primary / "periods" / sheets[0]).read_bytes().startswith(b"%PDF")
    # Kept once: a file already there is not written again.
    (primary / "periods" / sheets[0]).write_bytes(b"signed and filed")
    assert await jobs.final_sheets(settings, sessions, [primary / "periods", secondary / "periods"], clock) == 0
    assert (primary / "periods" / sheets[0]).read_bytes() == b"signed and filed"
