"""What the process keeps between updates (the current user, the school's calendar, the class's timetable:
services/freshness.py) is never served after a write to what it is made of: the very next update in the same
process sees the write, another process sees it through Redis, and a value read under a snapshot older than a
commit is not kept."""

from __future__ import annotations

import os
import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, select

from services.accounts import AccountService
from services.calendar import lesson_days
from services.db import create_engine, create_session_factory, write_transaction
from services.freshness import Freshness
from services.models import Account, Guardianship, Holiday, Role, School, StaffRole
from tests.factories import TODAY, add_link

REDIS_URL = os.environ.get("TEST_REDIS_URL_FRESHNESS", "redis://127.0.0.1:6379/13")


async def test_the_next_update_sees_a_guardianship_removed_and_a_holiday_added(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    await mother.send("/diary")  # the user, the calendar and the timetable are kept now
    assert mother.last_text().startswith("Дневник: Артём, 5А\nВторник, 24 ноября, сегодня")

    async with sessions() as session:  # as an import or the command line writes: a bulk statement
        await session.execute(
            delete(Guardianship).where(
                Guardianship.parent_id == school.parents["alekseeva_mother"],
                Guardianship.student_id == school.students["alekseev"],
            )
        )
        await session.commit()
    await mother.send("/diary")
    assert mother.last_text().startswith("Дневник: Ксения, 5Б\nВторник, 24 ноября, сегодня")

    async with sessions() as session:  # an object flushed
        session.add(Holiday(school_id=school.school_id, name="Карантин", starts_on=TODAY, ends_on=TODAY))
        await session.commit()
    await mother.send("/diary")
    assert mother.last_text() == "Дневник: Ксения, 5Б\nВторник, 24 ноября, сегодня\n\nКарантин: уроков нет."


async def test_the_next_update_sees_a_role_revoked(bot_world, linked):
    school, sessions = bot_world
    deputy = await linked(school.staff["deputy"])
    await deputy.send("/start")
    assert "Контроль журнала" in deputy.keyboard()
    # Read and deleted in one write transaction, as the application writes: a read transaction turned into a write
    # fails at once on SQLite («database is locked») when another writer committed since its read, as the MAX bot
    # does when it keeps the id of the message it has just sent (bot/max/refs.py).
    async with sessions() as session, write_transaction(session):
        role = await session.scalar(
            select(StaffRole).where(StaffRole.person_id == school.staff["deputy"], StaffRole.role == Role.DEPUTY)
        )
        await session.delete(role)
    await deputy.send("/start")
    assert "Контроль журнала" not in deputy.keyboard()


@pytest.fixture
async def shared_redis():
    """Two processes' Redis clients on the tests' Redis, under a key prefix of this test's own, removed after."""
    prefix = f"test-freshness:{uuid.uuid4().hex}:"
    async with Redis.from_url(REDIS_URL) as first, Redis.from_url(REDIS_URL) as second:
        yield prefix, first, second
        keys = [key async for key in first.scan_iter(prefix + "*")]
        if keys:
            await first.delete(*keys)


async def test_another_process_sees_a_change_through_redis(db_url, engine, school, shared_redis):
    prefix, redis_one, redis_two = shared_redis
    one = Freshness(redis_one, prefix=prefix)
    this = create_session_factory(engine, one)
    other_engine = create_engine(db_url)
    other = create_session_factory(other_engine, Freshness(redis_two, prefix=prefix))
    mother = school.parents["alekseeva_mother"]
    try:
        async with this() as session:
            session.add(Account(id=777))
            await session.flush()
            add_link(session, mother, 777)
            await session.commit()

        async def children() -> frozenset[int]:
            await one.refresh()  # as each update starts
            async with this() as session:
                user = await AccountService(session).current_user(777)
            assert user.actor is not None
            return user.actor.children

        both = frozenset({school.students["alekseev"], school.students["alekseeva"]})
        assert await children() == both
        async with other() as session:
            await session.execute(
                delete(Guardianship).where(
                    Guardianship.parent_id == mother, Guardianship.student_id == school.students["alekseev"]
                )
            )
            await session.commit()
        async with this() as session:  # without reading Redis, this process still serves what it keeps
            assert (await AccountService(session).current_user(777)).actor.children == both  # type: ignore[union-attr]
        assert await children() == {school.students["alekseeva"]}
    finally:
        await other_engine.dispose()


async def test_a_value_read_under_a_snapshot_older_than_a_commit_is_not_kept(session_factory, school):
    async with session_factory() as reader:
        await reader.scalar(select(School.id))  # its transaction begins: on SQLite it reads the database as of now
        async with session_factory() as writer:
            writer.add(Holiday(school_id=school.school_id, name="Карантин", starts_on=TODAY, ends_on=TODAY))
            await writer.commit()
        await lesson_days(reader, school.school_id, TODAY)
    async with session_factory() as later:
        assert (await lesson_days(later, school.school_id, TODAY)).status(TODAY, 5).holiday == "Карантин"
