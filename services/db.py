"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (a region's database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .freshness import KEY, Freshness

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An engine with the settings each database needs for many concurrent users."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)

    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # We emit BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn) -> None:
        # A writer takes the write lock at BEGIN, so that a concurrent writer waits (busy_timeout)
        # instead of failing when it upgrades a read snapshot that has gone stale.
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


# The factories of one engine share one Freshness unless given their own, so a write through any of them is seen.
_FRESHNESS: WeakKeyDictionary[Engine, Freshness] = WeakKeyDictionary()


def create_session_factory(engine: AsyncEngine, freshness: Freshness | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits bump `freshness`'s generations and whose services keep values in it."""
    if freshness is None:
        freshness = _FRESHNESS.setdefault(engine.sync_engine, Freshness())
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=freshness.session_class,
        info={KEY: freshness},
    )


def freshness_of(sessions: async_sessionmaker[AsyncSession]) -> Freshness:
    return sessions.kw["info"][KEY]


async def kept(session: AsyncSession, name: str, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """`read()`, or the value kept for `key` under generation `name` (services/freshness.py)."""
    freshness: Freshness | None = session.info.get(KEY)
    return await (read() if freshness is None else freshness.value(session, name, key, read))


@asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commits at the end, rolls back on any error.

    A read transaction still open on the session is closed first, so that the write starts
    with the write lock on SQLite (see on_begin); on PostgreSQL rows are locked where needed.
    """
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={"write": True})
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
