"""What a process keeps between updates (the current user, a school's calendar, a class's timetable), and how it
learns that what it keeps has changed: generations.

A generation is a counter per kind of data that goes up when a transaction that wrote one of its tables commits. A
kept value remembers the generation it was read under and is served only while the generation is still that one.
Writes are seen by the session's events (objects flushed, bulk INSERT/UPDATE/DELETE statements), so every writer
through a session of ours (the bot's services, the command line's import, the demo) invalidates without each call
site remembering to. Not seen: raw SQL text and writes outside our sessions (psql, a restored backup): the backstop
below bounds those too.

Across processes:
- With Redis (Settings.redis_url) each bump is also an INCR of the generation's key, and each update starts by
  reading the keys in one MGET (ServicesMiddleware): one round trip, no SQL. A version key rather than pub/sub
  because a missed message cannot be noticed, while a key read at the start of each update cannot be missed: an
  update that begins after another process's commit has returned sees that commit's bump.
- Without Redis (one bot process, commands run by hand beside it), a kept value is served for at most
  BACKSTOP_SECONDS: a revoked parent, a holiday or an import made by the command line reaches the bot within that.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.util import await_only

log = logging.getLogger(__name__)

T = TypeVar("T")

# Each generation and the tables whose writes change what is kept under it: those its readers read, and the
# parents whose deletion deletes their rows in the database (ON DELETE CASCADE, unseen by the session).
GENERATIONS: dict[str, frozenset[str]] = {
    # AccountService.current_user and load_actors; enrolments.stays_of (DATA-4)
    "people": frozenset(
        {"accounts", "person_accounts", "persons", "staff_roles", "students", "guardianships", "classes", "enrolments"}
        | {"schools", "academic_years"}
    ),
    # calendar.SchoolDates
    "calendar": frozenset({"academic_years", "holidays", "bells"} | {"schools"}),
    # calendar.ClassTimetable: assignments with their subjects and teachers' names, subgroups, the timetable rows;
    # diary.class_substitutions: who stands in for whom (ACC-5)
    "timetable": frozenset(
        {"assignments", "subjects", "persons", "subgroups", "subgroup_members", "timetable", "substitutions"}
        | {"schools", "academic_years", "classes"}
    ),
}
WATCHED: dict[str, frozenset[str]] = {
    table: frozenset(name for name, tables in GENERATIONS.items() if table in tables)
    for tables in GENERATIONS.values()
    for table in tables
}
BACKSTOP_SECONDS = 30.0
MAX_KEPT = 20_000  # values per generation; past it the oldest half is forgotten
PUBLISH_TIMEOUT = 2.0  # seconds a commit waits for Redis at most


def redis_faults() -> tuple[type[BaseException], ...]:
    """What a call to Redis may raise. Imported when a Freshness is given a client: without REDIS_URL the bot never
    loads redis (4 MB of its memory at start, bench/startup.py)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError, TimeoutError)


KEY = "freshness"  # the session's info key of its Freshness
_WRITTEN = "freshness.written"  # generations the session's open transaction wrote
_BEGAN = "freshness.began"  # the generations when the session's transaction began

Generation = tuple[int, int]  # (this process's bumps, the Redis counter last read)


@dataclass(frozen=True)
class _Kept:
    generation: Generation
    at: float
    value: Any


class Freshness:
    """One process's generations and the values kept under them, for the sessions of `session_class`."""

    def __init__(
        self,
        redis: Any = None,  # a redis.asyncio.Redis, or None
        *,
        prefix: str = "schoolbot:generation:",
        backstop: float = BACKSTOP_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.redis = redis
        self.redis_faults = redis_faults() if redis is not None else ()
        self.keys = {name: prefix + name for name in GENERATIONS}
        self.backstop = backstop
        self.monotonic = monotonic
        self.local = dict.fromkeys(GENERATIONS, 0)
        self.remote = dict.fromkeys(GENERATIONS, 0)
        self.kept: dict[str, dict[Hashable, _Kept]] = {name: {} for name in GENERATIONS}
        self.session_class: type[Session] = type("FreshSession", (Session,), {})
        event.listen(self.session_class, "after_begin", self._began)
        event.listen(self.session_class, "after_flush", self._flushed)
        event.listen(self.session_class, "do_orm_execute", self._executed)
        event.listen(self.session_class, "after_commit", self._committed)
        event.listen(self.session_class, "after_transaction_end", self._ended)

    def generation(self, name: str) -> Generation:
        return self.local[name], self.remote[name]

    async def value(self, session: AsyncSession, name: str, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """The value kept under `key` if its generation is current, else `read()` (kept if nothing was committed
        to the generation's tables since the transaction that read it began)."""
        if name in session.info.get(_WRITTEN, ()):
            return await read()  # the session's own writes, not committed yet: only the database has them
        now = self.monotonic()
        current = self.generation(name)
        found = self.kept[name].get(key)
        if found is not None and found.generation == current and now - found.at < self.backstop:
            return found.value
        # The generation read before the data: the one when the open transaction began (its snapshot is not older,
        # on SQLite a read transaction sees the database as it was at its first read), or now if none is open.
        began = session.info.get(_BEGAN)
        under = began[name] if began is not None and session.in_transaction() else current
        value = await read()
        # Kept under the generation read before the data, never a later one: a commit between the two moments may
        # or may not be in what was read, so such a value would be stale at once and is not kept at all.
        if under == self.generation(name):
            kept = self.kept[name]
            if len(kept) >= MAX_KEPT:
                for old in list(kept)[: MAX_KEPT // 2]:
                    del kept[old]
            kept[key] = _Kept(under, now, value)
        return value

    async def refresh(self) -> None:
        """Other processes' bumps, read from Redis in one round trip; at the start of each update."""
        if self.redis is None:
            return
        try:
            values = await self.redis.mget(list(self.keys.values()))
        except self.redis_faults as err:  # Redis away: the backstop still bounds how stale a value may be
            log.warning("could not read the generations from Redis (%s)", type(err).__name__)
            return
        for name, found in zip(self.keys, values, strict=True):
            self.remote[name] = int(found or 0)

    def bump(self, names: Iterable[str]) -> None:
        """What `names` keep is stale for this process at once, and for others once the INCRs reach Redis."""
        names = sorted(names)
        for name in names:
            self.local[name] += 1
            self.kept[name].clear()
        if self.redis is not None and names:
            self._publish(names)

    def _publish(self, names: list[str]) -> None:
        # Called from after_commit, sync code run by the async session in a greenlet: await_only suspends it until
        # the INCRs are done, so the commit returns only once other processes can see the bump (a command of the
        # command line that exits right after its commit has published it). This process's own bump came first,
        # synchronously, so its updates running meanwhile already read the database again.
        async def incr() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.incr(self.keys[name])
                await asyncio.wait_for(pipe.execute(), PUBLISH_TIMEOUT)

        try:
            await_only(incr())
        except self.redis_faults as err:  # the commit is done; other processes learn of it by the backstop
            log.warning("could not publish a generation bump to Redis (%s)", type(err).__name__)

    # ---- the session's events ----------------------------------------------------------------------------------

    def _began(self, session: Session, transaction: SessionTransaction, _connection) -> None:
        if transaction.parent is None and _BEGAN not in session.info:
            session.info[_BEGAN] = {name: self.generation(name) for name in GENERATIONS}

    def _flushed(self, session: Session, _context) -> None:
        tables = {
            table.name
            for obj in (*session.new, *session.dirty, *session.deleted)
            for table in inspect(obj).mapper.tables
        }
        self._wrote(session, tables)

    def _executed(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            self._wrote(state.session, {getattr(table, "name", "")})

    def _wrote(self, session: Session, tables: set[str]) -> None:
        names = {name for table in tables for name in WATCHED.get(table, ())}
        if names:
            session.info.setdefault(_WRITTEN, set()).update(names)

    def _committed(self, session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
            return
        written = session.info.pop(_WRITTEN, None)
        if written:
            self.bump(written)

    def _ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # committed (bumped above) or rolled back (nothing written)
            session.info.pop(_WRITTEN, None)
            session.info.pop(_BEGAN, None)
