"""When the scheduled jobs (bot/jobs.py) run: APScheduler 3, in memory, one scheduler per deployment.

Time zones. Every reminder runs at its time (Settings: reminder_homework_at, …) on the wall clock of the schools'
own time zone (School.timezone). The zones are in the database, so the scheduler reads them at its start and then
every ZONES_EVERY (a school in a new zone gets its reminders without a restart; a zone no school has any more loses
them): one cron job per reminder and zone, which runs the reminder for each school of that zone (jobs.in_zone).
The backup is one per deployment, at backup_at by scheduler_timezone's clock; so is the dismissals job
(services/staff.py), every DISMISSALS_EVERY and once at the start, each school by its own date.

Days. Cron fires daily (week_unreasoned on Fridays, weekly_summary on Saturdays); the job itself skips a day
without lessons. The weekly summary goes on Saturday evening, not on Friday: in a six-day week Saturday's marks
belong to the week, and its lessons are over by then.

One leader per deployment. On PostgreSQL every process may run a scheduler (Settings.run_scheduler), but each job
runs only in the process that holds the leader's lock (services/leader.py; the others skip the run and ask again at
the next, so a leader that dies is replaced); the zones job runs in all, so that each is ready to lead. On SQLite one
process runs everything. Were two to run a job anyway, the reminders are keyed per day and recipient
(records.emit_once): nothing is written twice, only the work is done twice (the backup would be taken twice).
Misfires: a reminder up to REMINDER_GRACE late (a busy loop) still runs, and once (coalesce); later it is
dropped, as a 15:00 reminder about the 16:00 deadline means nothing at 17:00. Runs missed while the bot was down
are not made up: the scheduler keeps no jobs on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import jobs
from bot.config import Settings
from services.clock import Clock
from services.leader import Leader
from services.models import utcnow

log = logging.getLogger(__name__)

ZONES_EVERY = timedelta(minutes=10)
REMINDER_GRACE = timedelta(hours=1)
BACKUP_GRACE = timedelta(hours=6)
DISMISSALS_EVERY = timedelta(minutes=10)
BACKUP_JOB, ZONES_JOB, DISMISSALS_JOB, REFS_JOB = "backup", "zones", "dismissals", "messenger_refs"


@dataclass(frozen=True)
class Scheduled:
    job: Callable  # a school job of bot/jobs.py
    at: str  # the Settings field with its time
    day_of_week: str = "*"


REMINDERS = (
    Scheduled(jobs.homework_missing, "reminder_homework_at"),
    Scheduled(jobs.lessons_unfilled, "reminder_end_of_day_at"),
    Scheduled(jobs.works_unmarked, "reminder_end_of_day_at"),
    Scheduled(jobs.absence_deadlines, "reminder_end_of_day_at"),
    Scheduled(jobs.week_unreasoned, "reminder_end_of_day_at", "fri"),
    Scheduled(jobs.period_failing, "reminder_end_of_day_at"),
    Scheduled(jobs.finals_missing, "reminder_homework_at"),  # PER-6: early enough to enter them that day
    Scheduled(jobs.homework_tomorrow, "reminder_tomorrow_at"),
    Scheduled(jobs.weekly_summary, "weekly_summary_at", "sat"),
    Scheduled(jobs.period_forecast, "period_forecast_at"),
    Scheduled(jobs.reports_due, "reports_at"),
)


def stops_quietly(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The job, ended without an error in the log when the bot stops while it runs: the scheduler's shutdown
    cancels a running job (a start-up run of the dismissals or the zones on a slow machine), and its transaction is
    rolled back, so nothing is half written; the next start runs it again."""

    async def run(*args: Any) -> Any:
        try:
            return await job(*args)
        except asyncio.CancelledError:
            log.info("%s: stopped with the bot", getattr(job, "__name__", "job"))
            return None

    return run


def led_by(leader: Leader | None, job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The job, run only while this process is the leader; the job itself where there is no leader (SQLite)."""
    if leader is None:
        return stops_quietly(job)

    async def if_leader(*args: Any) -> Any:
        if not await leader.holds():
            log.debug("%s: another process is the scheduler's leader", job.__name__)
            return None
        return await job(*args)

    if_leader.__name__ = job.__name__
    return stops_quietly(if_leader)


def create_scheduler(
    settings: Settings, session_factory: jobs.Sessions, clock: Clock = utcnow, leader: Leader | None = None
) -> AsyncIOScheduler:
    """The scheduler with the backup and the job that keeps the reminders in step with the schools' zones (its
    first run comes at the start); not started. With a leader, the backup and the reminders run only while this
    process is the leader."""
    zone = ZoneInfo(settings.scheduler_timezone)
    scheduler = AsyncIOScheduler(timezone=zone)
    scheduler.add_job(
        led_by(leader, jobs.backup),
        CronTrigger(hour=settings.backup_at.hour, minute=settings.backup_at.minute, timezone=zone),
        args=(settings, session_factory, clock),
        id=BACKUP_JOB,
        name="backup",
        misfire_grace_time=int(BACKUP_GRACE.total_seconds()),
        coalesce=True,
        max_instances=1,
    )
    # ACC-6: a dismissal dated ahead cuts the access within minutes of the day's start, and at once after a restart.
    scheduler.add_job(
        led_by(leader, jobs.dismissals),
        IntervalTrigger(seconds=int(DISMISSALS_EVERY.total_seconds()), timezone=zone),
        args=(session_factory, clock),
        id=DISMISSALS_JOB,
        name="dismissals",
        next_run_time=clock(),
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        led_by(leader, jobs.forget_old_refs),
        CronTrigger(hour=settings.backup_at.hour, minute=settings.backup_at.minute, timezone=zone),
        args=(session_factory, clock),
        id=REFS_JOB,
        name="messenger_refs",
        misfire_grace_time=int(BACKUP_GRACE.total_seconds()),
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        stops_quietly(add_zone_jobs),
        IntervalTrigger(seconds=int(ZONES_EVERY.total_seconds()), timezone=zone),
        args=(scheduler, settings, session_factory, clock, leader),
        id=ZONES_JOB,
        name="zones",
        next_run_time=clock(),
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
    )
    return scheduler


async def add_zone_jobs(
    scheduler: AsyncIOScheduler,
    settings: Settings,
    session_factory: jobs.Sessions,
    clock: Clock = utcnow,
    leader: Leader | None = None,
) -> set[str]:
    """Each reminder in each time zone of the schools, added where missing; the jobs of zones no school has any
    more are removed. Returns the zones scheduled."""
    zones: dict[str, ZoneInfo] = {}
    for name in await jobs.school_zones(session_factory):
        try:
            zones[name] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.error("Unknown time zone %r of a school: its reminders are not scheduled", name)
    present = {job.id for job in scheduler.get_jobs()}
    wanted = set()
    for name, zone in sorted(zones.items()):
        for item in REMINDERS:
            job_id = f"{item.job.__name__}@{name}"
            wanted.add(job_id)
            if job_id in present:
                continue
            at = getattr(settings, item.at)
            scheduler.add_job(
                led_by(leader, jobs.in_zone),
                CronTrigger(
                    day_of_week=item.day_of_week, hour=at.hour, minute=at.minute, second=at.second, timezone=zone
                ),
                args=(item.job, name, session_factory, clock),
                id=job_id,
                name=job_id,
                misfire_grace_time=int(REMINDER_GRACE.total_seconds()),
                coalesce=True,
                max_instances=1,
            )
    for job_id in present - wanted - {BACKUP_JOB, ZONES_JOB, DISMISSALS_JOB, REFS_JOB}:
        scheduler.remove_job(job_id)
    return set(zones)
