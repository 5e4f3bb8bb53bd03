"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (a region's database)."""

from __future__ import annotations

import re
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection, AsyncAdapt_asyncpg_cursor
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import EMPTY_DICT

from .freshness import KEY, Freshness

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000


# aiosqlite runs the sqlite3 connection in a thread of its own and hands it each call: SQLAlchemy's cursor makes
# four hand-overs a statement (the cursor, execute, fetchall, close), each a wake-up of that thread and then of the
# event loop. These cursors make one: the whole statement runs in the thread, its rows and description come back.
# The transaction's BEGIN goes with its first statement, and a transaction in which no statement ran ends without
# a hand-over: a read of two statements costs three hand-overs (the two and the ROLLBACK), not four. A ROLLBACK of
# no transaction is not handed over either: SQLAlchemy's pool rolls back each connection it takes back, after the
# session has ended the connection's transaction itself, and that second ROLLBACK was a hand-over of every update.


def _run_statement(
    connection: sqlite3.Connection, begin: str | None, operation: Any, parameters: Any
) -> tuple[Any, Any, int, Any]:
    """In aiosqlite's thread: `begin` if the transaction has not begun, then the statement executed and its rows
    fetched, on a cursor closed at once."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        return description, cursor.fetchall() if description else (), cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(
    connection: sqlite3.Connection, begin: str | None, operation: Any, seq_of_parameters: Any
) -> tuple[int, Any]:
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        cursor.executemany(operation, seq_of_parameters)
        return cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _take_begin(connection: Any) -> str | None:
    """The BEGIN the transaction still owes (OneHopConnection.begin_with_next_statement), now sent."""
    begin = getattr(connection, "pending_begin", None)
    connection.pending_begin = None
    return begin


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor with one hand-over to aiosqlite's thread a statement (not four): no aiosqlite
    cursor is kept; the rows, the description, the row count and the last row id come back together."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed in the thread."""

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            description, rows, self._rowcount, self._lastrowid = await connection._execute(
                _run_statement, connection._conn, _take_begin(connection), operation, parameters
            )
            self._description = description
            self._rows = deque(rows)
            return self

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            self._description, self._rows = None, deque()
            self._rowcount, self._lastrowid = await connection._execute(
                _run_many, connection._conn, _take_begin(connection), operation, seq_of_parameters
            )
            return self


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection whose cursors are OneHopCursor (server-side ones stay aiosqlite's), and whose
    BEGIN waits for the transaction's first statement (above)."""

    __slots__ = ()  # SQLAlchemy's connection's layout (its class is swapped at connect): what it keeps is below
    _cursor_cls = OneHopCursor

    def begin_with_next_statement(self, begin: str) -> None:
        """`begin` (BEGIN or BEGIN IMMEDIATE) is sent with the next statement; kept by aiosqlite's connection object,
        as this one has no room of its own."""
        self._connection.pending_begin = begin

    def commit(self) -> None:
        if _take_begin(self._connection) is None:  # else nothing ran: no transaction to end
            super().commit()

    def rollback(self) -> None:
        # sqlite3's own flag (read in this thread: no statement of the connection runs while it is being ended)
        if _take_begin(self._connection) is None and self._connection._conn.in_transaction:
            super().rollback()

    # aiosqlite (0.22) stops its thread by a last item in its queue, and its close() always ends by queueing one and
    # waiting for it. SQLAlchemy ends a connection whose task was cancelled by close() in a task of its own and, that
    # being cancelled too, by stop(): a second stop behind the first is never read, and close() waited for it for
    # ever (a test's event loop could not close, and CI hung). The thread is told to stop once, by whichever comes
    # first.
    def close(self) -> None:
        if _first_stop(self._connection):
            super().close()

    async def _terminate_graceful_close(self) -> None:
        if _first_stop(self._connection):
            await self._connection.close()

    def _terminate_force_close(self) -> None:
        if _first_stop(self._connection):
            self._connection.stop()


def _first_stop(connection: Any) -> bool:
    """True the first time only, for aiosqlite's connection object (which keeps the mark, as OneHopConnection has
    no room of its own)."""
    if getattr(connection, "stop_begun", False):
        return False
    connection.stop_begun = True
    return True


# PostgreSQL: SQLAlchemy's asyncpg adapter sends BEGIN (a round trip) before a session's first statement and ROLLBACK
# (another) when the session ends, and its pre-ping wraps `;` in a BEGIN and a ROLLBACK of its own: a read of one
# statement was six round trips. At READ COMMITTED, the isolation this project keeps, each statement sees what was
# committed when it began, in a transaction or not; so a SELECT that locks nothing runs outside one, and the
# transaction begins before the first statement that writes or locks rows (SELECT … FOR UPDATE included). A session
# that only read ends without a round trip: a read of one statement is two, the ping and the statement.

# The server's default (None: READ COMMITTED unless the server is set otherwise) or READ COMMITTED asked for; at
# REPEATABLE READ or SERIALIZABLE a transaction's reads share one snapshot, so they stay in it.
_EACH_STATEMENT_ITS_SNAPSHOT = (None, "read_committed")
_LOCKING = re.compile(r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)  # the same texts again and again (SQLAlchemy caches them); the search: 28 µs for 2 kB
def reads_only(operation: str) -> bool:
    """A SELECT that locks no rows. (A SELECT of a function that changes something, pg_advisory_xact_lock or
    nextval, would need a transaction too: the project runs none.)"""
    return operation.lstrip()[:6].upper() == "SELECT" and _LOCKING.search(operation) is None


class ReadsOutsideTransactionCursor(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        connection = self._adapt_connection
        isolation_level = connection.isolation_level
        if (
            connection._transaction is not None
            or isolation_level not in _EACH_STATEMENT_ITS_SNAPSHOT
            or not reads_only(operation)
        ):
            return await super()._prepare_and_execute(operation, parameters)
        connection.isolation_level = "autocommit"  # what the adapter reads to begin no transaction
        try:
            await super()._prepare_and_execute(operation, parameters)
        finally:
            connection.isolation_level = isolation_level


class ReadsOutsideTransactionConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's asyncpg connection whose reads begin no transaction, and whose ping is one round trip (above)."""

    __slots__ = ()  # SQLAlchemy's connection's layout (its class is swapped at connect)
    _cursor_cls = ReadsOutsideTransactionCursor

    async def _async_ping(self) -> None:
        await self._connection.fetchrow(";")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An engine with the settings each database needs for many concurrent users."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def on_postgresql_connect(dbapi_connection, _record) -> None:
            if type(dbapi_connection) is AsyncAdapt_asyncpg_connection:
                dbapi_connection.__class__ = ReadsOutsideTransactionConnection

        return engine

    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:  # the same connection, cursors of one hop
            dbapi_connection.__class__ = OneHopConnection
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
        begin = "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN"
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, OneHopConnection):
            dbapi_connection.begin_with_next_statement(begin)
        else:
            conn.exec_driver_sql(begin)

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


_WRITING = "writing"  # session.info: write_transaction's block is running


@asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: commits at the end, rolls back on any error.

    A read transaction still open on the session is closed first, so that the write starts
    with the write lock on SQLite (see on_begin); on PostgreSQL rows are locked where needed.
    """
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={"write": True})
    session.info[_WRITING] = True
    try:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
    finally:
        session.info.pop(_WRITING, None)


async def end_reads(session: AsyncSession) -> None:
    """Ends the session's transaction if it only read, so that its connection goes back to the pool (a later read
    begins another); a write under way, or changes not written yet, are left alone."""
    if (
        session.in_transaction()
        and not session.info.get(_WRITING)
        and not (session.new or session.dirty or session.deleted)
    ):
        await session.commit()
