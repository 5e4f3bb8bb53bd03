"""The scheduled jobs (reminders, backup): module-level functions that take ids, open their own session and call the
services the handlers use; bot/scheduler.py says when. Tests call them directly with a fixed clock.

A reminder job runs for one school on the school's day (its time zone, by the clock) when that day has lessons
(services/calendar.SchoolDays: weekends, holidays and Saturdays without lessons are skipped); the evening
reminder asks it of tomorrow, the weekly ones of the week so far. The reminder writes its outbox events in one
transaction, keyed per day and recipient, so a job run twice (a restart, a second scheduler) writes nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.alerts import alert_on_failure
from bot.config import Settings
from bot.metrics import METRICS
from services import messenger_refs
from services.backup import BACKUP_NAME, BackupCopy, make_backup
from services.calendar import SchoolDays
from services.clock import Clock, school_today
from services.db import write_transaction
from services.models import AcademicYear, School, StudyPeriod, utcnow
from services.reminders import family, reports, staff
from services.staff import StaffService

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]
Reminder = Callable[[AsyncSession, int, date], Awaitable[int]]
SchoolJob = Callable[[Sessions, int, Clock], Awaitable[int]]

# Which days a reminder asks to have lessons, from the school's today.
TODAY, TOMORROW, WEEK = "today", "tomorrow", "week"
# DATA-1: a copy taken after each study period's end, beside the nightly ones but out of their rotation.
PERIOD_BACKUPS = "periods"
PERIOD_BACKUPS_KEPT = 40  # ten years of quarters


async def remind(reminder: Reminder, sessions: Sessions, school_id: int, clock: Clock, when: str = TODAY) -> int:
    """Runs one reminder for one school on the school's today, if the days `when` names have lessons; returns how
    many events it wrote."""
    async with sessions() as session:
        school = await session.get(School, school_id)
        if school is None:
            return 0
        today = school_today(clock, school)
        first, last = {
            TODAY: (today, today),
            TOMORROW: (today + timedelta(days=1),) * 2,
            WEEK: (today - timedelta(days=today.weekday()), today),
        }[when]
        if not (await SchoolDays.load(session, school_id, last)).any_lessons(first, last):
            return 0
        async with write_transaction(session):
            return await reminder(session, school_id, today)


# ---- staff (services/reminders/staff.py) ----------------------------------------------------------


async def homework_missing(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """J-2: before the homework deadline."""
    return await remind(staff.homework_missing, sessions, school_id, clock)


async def lessons_unfilled(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """J-1: at the end of the day."""
    return await remind(staff.lessons_unfilled, sessions, school_id, clock)


async def works_unmarked(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """J-11."""
    return await remind(staff.works_unmarked, sessions, school_id, clock)


async def absence_deadlines(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """ABS-3: documents and absences near their deadline."""
    return await remind(staff.absence_deadlines, sessions, school_id, clock)


async def week_unreasoned(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """ABS-3: the week's absences without a reason (the scheduler runs it on Fridays), if the week had lessons."""
    return await remind(staff.week_unreasoned, sessions, school_id, clock, WEEK)


async def period_failing(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """PER-4: before the period ends."""
    return await remind(staff.period_failing, sessions, school_id, clock)


async def whatever_the_day(reminder: Reminder, sessions: Sessions, school_id: int, clock: Clock) -> int:
    """Runs one reminder for one school on the school's today, lessons or not."""
    async with sessions() as session:
        school = await session.get(School, school_id)
        if school is None:
            return 0
        async with write_transaction(session):
            return await reminder(session, school_id, school_today(clock, school))


async def finals_missing(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """PER-6: the day after the year's last period or an exam ended; that day often has no lessons, so it runs
    whatever the day."""
    return await whatever_the_day(staff.finals_missing, sessions, school_id, clock)


async def reports_due(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """REP-2: the class's and the school's results after a period, a month's attendance; the working days after a
    period are often holidays, so it runs whatever the day."""
    return await whatever_the_day(reports.reports_due, sessions, school_id, clock)


# ---- families (services/reminders/family.py) --------------------------------------------------------


async def homework_tomorrow(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """The evening before a day with lessons (so on Sunday for Monday, not on Friday)."""
    return await remind(family.homework_tomorrow, sessions, school_id, clock, TOMORROW)


async def weekly_summary(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """The week's summary (the scheduler runs it on Saturdays), if the week had lessons."""
    return await remind(family.weekly_summary, sessions, school_id, clock, WEEK)


async def period_forecast(sessions: Sessions, school_id: int, clock: Clock = utcnow) -> int:
    """DIA-4: before the period ends."""
    return await remind(family.period_forecast, sessions, school_id, clock)


# ---- every school of a time zone ----------------------------------------------------------------------


async def school_zones(sessions: Sessions) -> set[str]:
    """The time zones of the schools in the database."""
    async with sessions() as session:
        return set(await session.scalars(select(School.timezone).distinct()))


async def in_zone(job: SchoolJob, zone: str, sessions: Sessions, clock: Clock = utcnow) -> int:
    """Runs a school job for each school of the time zone; one school's failure does not stop the others.
    Returns how many events were written."""
    async with sessions() as session:
        school_ids = list(await session.scalars(select(School.id).where(School.timezone == zone).order_by(School.id)))
    total = 0
    for school_id in school_ids:
        try:
            written = await job(sessions, school_id, clock)
        except Exception:
            log.exception("Job %s failed for school %d", job.__name__, school_id)
            continue
        log.info("Job %s for school %d: %d events", job.__name__, school_id, written)
        METRICS.reminders.labels(job.__name__).inc(written)
        total += written
    return total


# ---- staff changes (services/staff.py) -------------------------------------------------------------------


async def dismissals(sessions: Sessions, clock: Clock = utcnow) -> int:
    """ACC-6: the dismissals whose day has come cut the access, in each school by its own date; one school's
    failure does not stop the others. Returns how many took effect."""
    async with sessions() as session:
        school_ids = list(await session.scalars(select(School.id).order_by(School.id)))
    total = 0
    for school_id in school_ids:
        try:
            async with sessions() as session:
                total += await StaffService(session, clock).apply_due(school_id)
        except Exception:
            log.exception("Dismissals failed for school %d", school_id)
    return total


# ---- what the messengers gave (services/messenger_refs.py) ------------------------------------------------------

# A MAX message's id is kept this long: a screen older than that, tapped, is sent again instead of edited.
REFS_KEPT = timedelta(days=30)


async def forget_old_refs(sessions: Sessions, clock: Clock = utcnow) -> int:
    """Forgets the messengers' references (message ids, file addresses) kept longer than REFS_KEPT."""
    async with sessions() as session:
        return await messenger_refs.forget_older_than(session, clock() - REFS_KEPT)


# ---- the backup (DATA-1) ---------------------------------------------------------------------------


@alert_on_failure  # a failure told to the administrators (ADMIN_CHAT_IDS), then raised as before
async def backup(settings: Settings, sessions: Sessions, clock: Clock = utcnow) -> list[BackupCopy]:
    """DATA-1: the nightly backup in two copies kept apart (Settings.backup_dirs, as `schoolbot backup` makes it);
    and, the first night after a study period has ended, a further one in each folder's `periods/`, which the
    nightly rotation does not touch, so that each period's end stays kept. The kept files (ABS-4) go with the
    nightly copies into each folder's files/, which nothing rotates: the period copies' files are there too.
    With the period copies, a school's year whose last study period has ended leaves its summary sheet of final
    marks there as PDF and XLSX (final_sheets, REP-4)."""
    now = clock()
    copies = await make_backup(
        settings.database_url, list(settings.backup_dirs), now=now, files=settings.files_folder()
    )
    folders = [Path(folder) / PERIOD_BACKUPS for folder in settings.backup_dirs]
    if await _period_ended_since(_last_backup(folders[0]), sessions, now, ZoneInfo(settings.scheduler_timezone)):
        copies += await make_backup(settings.database_url, folders, now=now, keep=PERIOD_BACKUPS_KEPT)
        await final_sheets(settings, sessions, folders, clock)
    return copies


async def final_sheets(settings: Settings, sessions: Sessions, folders: list[Path], clock: Clock = utcnow) -> int:
    """DATA-1, REP-4: beside the period copies, each school's summary sheet of final marks of its year whose last
    study period has ended, as PDF and XLSX (final-sheet-<school id>-<year>.pdf/.xlsx), once: files already there
    are kept. One school's failure does not stop the others. Returns how many files were written."""
    from services.access import system_actor
    from services.reports.school import SchoolReports
    from ui.reports.document import Format
    from ui.reports.render import render
    from ui.reports.school import final_document, latin

    written = 0
    async with sessions() as session:
        school_ids = list(await session.scalars(select(School.id).order_by(School.id)))
    for school_id in school_ids:
        try:
            async with sessions() as session:
                school = await session.get_one(School, school_id)
                year = await _year_ended(session, school_id, school_today(clock, school))
                if year is None:
                    continue
                stem = f"final-sheet-{school_id}-{latin(year.name)}"
                files = {fmt: [(folder / f"{stem}.{fmt.value}").expanduser() for folder in folders] for fmt in Format}
                missing = {fmt: [path for path in paths if not path.exists()] for fmt, paths in files.items()}
                if not any(missing.values()):
                    continue
                sheet = await SchoolReports(session, clock).final_sheet(system_actor(school_id), year.id)
            document = final_document(sheet, settings.locale)
            for fmt, paths in missing.items():
                if paths:
                    data = await asyncio.to_thread(render, document, fmt)
                    for path in paths:
                        await asyncio.to_thread(_write, path, data)
                        written += 1
        except Exception:
            log.exception("The final sheet failed for school %d", school_id)
    return written


async def _year_ended(session: AsyncSession, school_id: int, today: date) -> AcademicYear | None:
    """The school's newest academic year with study periods, all of them ended before today."""
    ends = (
        select(AcademicYear, func.max(StudyPeriod.ends_on))
        .join(StudyPeriod, StudyPeriod.year_id == AcademicYear.id)
        .where(AcademicYear.school_id == school_id)
        .group_by(AcademicYear.id)
        .order_by(AcademicYear.starts_on.desc())
    )
    for year, last in (await session.execute(ends)).all():
        if last < today:
            return year
    return None


def _write(path: Path, data: bytes) -> None:
    """Through a hidden temporary name, so that a half-written sheet is never taken for a kept one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


async def _period_ended_since(last: datetime | None, sessions: Sessions, now: datetime, zone: ZoneInfo) -> bool:
    """A study period (of any school) ended before today and after the moment of the `last` period backup."""
    async with sessions() as session:
        ended = await session.scalar(
            select(func.max(StudyPeriod.ends_on)).where(StudyPeriod.ends_on < now.astimezone(zone).date())
        )
    if ended is None:
        return False
    return last is None or last < datetime.combine(ended + timedelta(days=1), time(), zone)


def _last_backup(folder: Path) -> datetime | None:
    """When the newest backup in the folder was taken: its name says it, in UTC (services/backup.py)."""
    folder = folder.expanduser()
    names = sorted(p.name for p in folder.iterdir() if BACKUP_NAME.match(p.name)) if folder.is_dir() else []
    if not names:
        return None
    return datetime.strptime(names[-1].split(".")[0], "school-%Y%m%d-%H%M%S").replace(tzinfo=UTC)
