"""SQLite through services.db.create_engine: each statement in one hand-over to aiosqlite's thread (OneHopCursor),
with what SQLAlchemy reads of a cursor the same as aiosqlite's own: rows, row counts, new ids, errors, streams."""

from __future__ import annotations

import asyncio

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import OneHopConnection, create_engine, end_reads, write_transaction

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one_hop.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_statements_return_what_sqlalchemy_reads(engine):
    async with engine.begin() as conn:
        assert type((await conn.get_raw_connection()).dbapi_connection) is OneHopConnection
        first = await conn.execute(insert(things).values(name="a"))
        assert first.inserted_primary_key == (1,)
        many = await conn.execute(insert(things), [{"name": "b"}, {"name": "c"}, {"name": "d"}])
        assert many.rowcount == 3
        changed = await conn.execute(
            update(things).where(things.c.name.in_(["b", "c"])).values(name=things.c.name + "!")
        )
        assert changed.rowcount == 2
        assert (await conn.execute(select(things.c.name).order_by(things.c.id))).scalars().all() == [
            "a",
            "b!",
            "c!",
            "d",
        ]
        result = await conn.execute(select(things).order_by(things.c.id))
        assert list(result.keys()) == ["id", "name"] and result.fetchmany(2) == [(1, "a"), (2, "b!")]
        assert result.fetchone() == (3, "c!") and result.fetchall() == [(4, "d")]
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1  # the engine's settings hold
        streamed = await conn.stream(select(things.c.id).order_by(things.c.id))  # a server-side cursor: aiosqlite's
        assert [row.id async for row in streamed] == [1, 2, 3, 4]


async def test_errors_are_sqlalchemys_and_the_transaction_rolls_back(engine):
    async def twice() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="x"))
            await conn.execute(insert(things).values(name="x"))

    async def broken() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT nothing FROM nowhere"))

    with pytest.raises(IntegrityError):
        await twice()
    with pytest.raises(OperationalError):
        await broken()
    async with engine.connect() as conn:
        assert (await conn.execute(select(things.c.name))).all() == []


async def test_a_read_ends_before_a_reply_waits_but_a_write_is_left_alone(engine):
    """services.db.end_reads (a reply waiting for its turn, bot/update_session.py): a transaction that only read gives
    its connection back to the pool; a write under way, and changes not written yet, are not committed by it."""
    async with AsyncSession(engine) as session:
        await session.execute(select(things.c.id))
        assert session.in_transaction() and engine.pool.checkedout() == 1
        await end_reads(session)
        assert not session.in_transaction() and engine.pool.checkedout() == 0

        async def failing_write() -> None:
            async with write_transaction(session):
                await session.execute(insert(things).values(name="undone"))
                await end_reads(session)  # inside the write: nothing ends, nothing is committed
                raise RuntimeError("the use case fails")

        with pytest.raises(RuntimeError):
            await failing_write()
        assert (await session.execute(select(things.c.name))).scalars().all() == []


async def test_a_connection_ended_both_ways_at_once_is_closed_without_waiting_for_ever(engine):
    """SQLAlchemy ends a cancelled connection by a graceful close in a task of its own and, that being cancelled
    too, a forced one: aiosqlite's thread is told to stop once, and the close ends (it waited for ever, and a test's
    event loop with it)."""
    async with engine.connect() as conn:
        adapted = (await conn.get_raw_connection()).dbapi_connection
        closing = asyncio.create_task(adapted._terminate_graceful_close())
        await asyncio.sleep(0)  # its close is queued in aiosqlite's thread
        adapted._terminate_force_close()
        done, _ = await asyncio.wait([closing], timeout=5)
        assert done == {closing}, "the graceful close waited for a thread that had stopped"
        assert adapted._connection._connection is None  # the sqlite3 connection is closed
        await conn.invalidate()


async def test_a_read_costs_a_hand_over_a_statement_and_one_to_end_it(engine, monkeypatch):
    """The ROLLBACK that SQLAlchemy's pool sends when it takes a connection back, after the session has rolled back
    itself, is not handed to aiosqlite's thread: a read of one statement is two hand-overs (the statement with its
    BEGIN, and the ROLLBACK), one that ran nothing none."""
    handed: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        handed.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with AsyncSession(engine) as session:
        assert (await session.execute(select(things.c.id))).all() == []
    assert handed == ["_run_statement", "rollback"]
    handed.clear()
    async with AsyncSession(engine) as session:
        await session.connection()
    assert handed == []
    async with AsyncSession(engine) as session, write_transaction(session):  # a write still commits
        await session.execute(insert(things).values(name="kept"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(things.c.name))).scalars().all() == ["kept"]
