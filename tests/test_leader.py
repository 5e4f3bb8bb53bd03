"""The scheduler's leader (services/leader.py): on PostgreSQL one process of two holds the advisory lock and runs
the scheduled jobs; when its connection closes or dies, the other takes the lock at its next try. On SQLite
there is no leader: the one process runs every job."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import background_work
from bot.scheduler import add_zone_jobs, create_scheduler, led_by
from services.leader import SCHEDULER_LOCK, Leader, leader_for
from services.models import OutboxEvent
from tests.conftest import _pg_admin


async def test_no_leader_on_sqlite_and_one_of_two_holds_the_lock_on_postgresql(db_url):
    if make_url(db_url).get_backend_name() == "sqlite":
        assert leader_for(db_url) is None
        return
    first, second = leader_for(db_url), leader_for(db_url)
    assert isinstance(first, Leader) and isinstance(second, Leader)
    try:
        assert await first.holds()
        assert not await second.holds()
        assert await first.holds()  # kept, not taken anew
        assert not await second.holds()

        await first.close()  # the holder's connection closes: the other takes it at its next try
        assert await second.holds()
        assert await second.holds()
    finally:
        await first.close()
        await second.close()


async def test_a_leader_whose_connection_dies_is_replaced_and_then_follows(db_url):
    if make_url(db_url).get_backend_name() == "sqlite":
        pytest.skip("no leader on SQLite")
    first, second = Leader(db_url), Leader(db_url)
    try:
        assert await first.holds()
        assert not await second.holds()
        # The server ends the holder's session, as when its process dies: the lock goes with it.
        await _pg_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            f" AND classid = {SCHEDULER_LOCK >> 32} AND objid = {SCHEDULER_LOCK & 0xFFFFFFFF}",
            db_url,
        )
        assert await second.holds()
        assert not await first.holds()  # it finds its connection lost, and the lock taken
    finally:
        await first.close()
        await second.close()


async def test_a_job_led_by_two_leaders_runs_once_across_them(db_url):
    runs: list[str] = []

    async def job(name: str) -> int:
        runs.append(name)
        await asyncio.sleep(0)
        return 1

    leaders = [leader_for(db_url), leader_for(db_url)]
    try:
        results = await asyncio.gather(*(led_by(leader, job)(f"process {i}") for i, leader in enumerate(leaders)))
    finally:
        for leader in leaders:
            if leader is not None:
                await leader.close()
    if make_url(db_url).get_backend_name() == "sqlite":
        assert runs == ["process 0", "process 1"]  # no leader: the job itself (one process by design)
        assert results == [1, 1]
    else:
        assert len(runs) == 1
        assert sorted(results, key=lambda r: r is None) == [1, None]


async def test_two_schedulers_run_each_reminder_in_the_leader_only(session_factory, clock, school):
    """Two processes' schedulers over one database, each with its leader: both hold the reminders' jobs (either can
    lead), and a reminder's run does its work in one of them; on SQLite both would, and the second writes nothing."""
    url = session_factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = Settings()
    leaders = [leader_for(url), leader_for(url)]
    try:
        schedulers = [create_scheduler(settings, session_factory, clock, leader) for leader in leaders]
        for scheduler, leader in zip(schedulers, leaders, strict=True):
            assert await add_zone_jobs(scheduler, settings, session_factory, clock, leader) == {"Europe/Moscow"}
        reminder = [s.get_job("lessons_unfilled@Europe/Moscow") for s in schedulers]
        results = await asyncio.gather(*(job.func(*job.args) for job in reminder))
    finally:
        for leader in leaders:
            if leader is not None:
                await leader.close()
    async with session_factory() as session:
        written = await session.scalar(select(func.count()).select_from(OutboxEvent))
    if leaders[0] is None:
        assert sorted(results) == [0, written]  # SQLite: no leader; the events are keyed, so written once
    else:
        assert [r is None for r in results].count(True) == 1
        assert [r for r in results if r is not None] == [written]
    assert written > 0


async def test_run_starts_the_scheduler_with_its_leader_and_lets_the_lock_go_at_the_end(session_factory, school):
    """`schoolbot run` (bot/runtime.py): the scheduler beside the bot asks the leader before each job; at the end
    the leader's connection closes, so another process can take the lock."""
    url = session_factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, run_pushes=False, run_scheduler=True)
    async with background_work(settings, None, session_factory):
        await asyncio.sleep(0.2)  # the zones job runs at the start
    if make_url(url).get_backend_name() == "sqlite":
        return
    other = Leader(url)
    try:
        assert await other.holds()
    finally:
        await other.close()
