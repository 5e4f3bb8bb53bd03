"""PostgreSQL through services.db.create_engine: a SELECT that locks nothing runs outside a transaction (at READ
COMMITTED it sees the same rows in one or not), the transaction begins before the first statement that writes or
locks, and the pre-ping is one round trip. What the server says of the connection is checked beside the count."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.db import create_engine, reads_only, write_transaction
from tests.conftest import BACKENDS

metadata = MetaData()
things = Table("round_trip_things", metadata, Column("id", Integer, primary_key=True), Column("name", String))
POSTGRESQL = [b for b in BACKENDS if (b if isinstance(b, str) else b.values[0]) == "postgresql"]


@pytest.fixture(params=POSTGRESQL)
async def engine(pg_database_url):
    engine = create_engine(pg_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(things).values(id=1, name="first"))
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """What the engine's connections send to the server, one name a round trip."""
    sent: list[str] = []

    def counting(cls, method: str, name: str) -> None:
        original = getattr(cls, method)

        async def counted(self, *args, **kwargs):
            sent.append(name)
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, counted)

    counting(asyncpg.transaction.Transaction, "start", "BEGIN")
    counting(asyncpg.transaction.Transaction, "commit", "COMMIT")
    counting(asyncpg.transaction.Transaction, "rollback", "ROLLBACK")
    counting(asyncpg.connection.Connection, "fetchrow", "ping")  # the adapter's only use of it
    counting(asyncpg.connection.Connection, "prepare", "prepare")  # once a statement a connection
    counting(asyncpg.prepared_stmt.PreparedStatement, "fetch", "statement")
    return sent


async def _state(engine, session: AsyncSession) -> str:
    """pg_stat_activity's state of the session's connection, read over another connection."""
    pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    async with engine.connect() as other:
        return (
            await other.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
        ).scalar_one()


async def test_a_read_is_the_ping_and_its_statement_and_holds_no_transaction(engine, sent):
    async with AsyncSession(engine) as session:  # the statement prepared on the pool's one connection
        await session.execute(select(things.c.name))
    sent.clear()
    async with AsyncSession(engine) as session:
        assert (await session.execute(select(things.c.name))).scalars().all() == ["first"]
        assert sent == ["ping", "statement"]
        assert await _state(engine, session) == "idle"  # not «idle in transaction»
    assert sent[-1] != "ROLLBACK"


async def test_a_write_begins_before_its_first_lock_or_change_and_commits_once(engine, sent):
    async with AsyncSession(engine) as session, write_transaction(session):
        assert (await session.execute(select(things.c.name))).scalar_one() == "first"  # read outside: no BEGIN yet
        assert "BEGIN" not in sent
        locked = await session.execute(select(things.c.id).where(things.c.id == 1).with_for_update())
        assert locked.scalar_one() == 1 and [s for s in sent if s != "prepare"][-2:] == ["BEGIN", "statement"]
        assert await _state(engine, session) == "idle in transaction"  # the lock is held until the commit
        await session.execute(update(things).where(things.c.id == 1).values(name="changed"))
    assert sent.count("BEGIN") == 1 and sent[-1] == "COMMIT" and sent.count("COMMIT") == 1
    async with engine.connect() as conn:
        assert (await conn.execute(select(things.c.name))).scalar_one() == "changed"


async def test_reads_at_repeatable_read_stay_in_their_transaction(engine, sent):
    """There a transaction's reads share one snapshot: they begin it, and a change committed meanwhile is not seen."""
    async with AsyncSession(engine) as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        assert (await session.execute(select(things.c.name))).scalar_one() == "first"
        assert [s for s in sent if s != "prepare"] == ["ping", "BEGIN", "statement"]
        async with engine.begin() as other:
            await other.execute(update(things).values(name="meanwhile"))
        assert (await session.execute(select(things.c.name))).scalar_one() == "first"
    async with AsyncSession(engine) as session:  # the next session's connection at READ COMMITTED again
        assert (await session.execute(select(things.c.name))).scalar_one() == "meanwhile"
        assert await _state(engine, session) == "idle"


async def test_a_failed_write_leaves_nothing_behind(engine, sent):
    async def failing() -> None:
        async with AsyncSession(engine) as session, write_transaction(session):
            await session.execute(insert(things).values(id=2, name="second"))
            await session.execute(update(things).where(things.c.id == 1).values(name="lost"))
            raise RuntimeError("the use case fails")

    with pytest.raises(RuntimeError):
        await failing()
    assert sent.count("BEGIN") == 1 and "ROLLBACK" in sent and "COMMIT" not in sent
    async with engine.connect() as conn:
        assert (await conn.execute(select(things.c.id, things.c.name))).all() == [(1, "first")]


def test_what_counts_as_a_read():
    assert reads_only("SELECT persons.id FROM persons WHERE persons.id = $1")
    assert reads_only("  select 1")
    assert not reads_only("SELECT lessons.id FROM lessons WHERE lessons.id = $1 FOR UPDATE OF lessons")
    assert not reads_only("SELECT deliveries.id FROM deliveries\nFOR UPDATE SKIP LOCKED")
    assert not reads_only("SELECT 1 FROM t FOR NO KEY UPDATE")
    assert not reads_only("SELECT 1 FROM t FOR SHARE")
    assert not reads_only("UPDATE things SET name = $1")
    assert not reads_only("WITH gone AS (DELETE FROM t RETURNING id) SELECT id FROM gone")
    assert not reads_only("INSERT INTO t (name) SELECT name FROM u")
