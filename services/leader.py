"""One leader among the processes of a deployment on PostgreSQL: the one that runs the scheduled jobs.

The leader holds a session-level advisory lock (pg_try_advisory_lock) on a connection of its own, kept open while
the process runs: the lock lives as long as that connection, and PostgreSQL releases it when the connection closes
or the process dies. A process that does not hold it asks again at its next job run, so a dead leader is replaced
at the next run of any job elsewhere. Advisory locks are per database: deployments on one server do not collide.

SQLite is one process by design: no leader is needed there (leader_for gives None).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from .db import is_sqlite

log = logging.getLogger(__name__)

# The advisory lock's key: any fixed number, the same in every process of a deployment.
SCHEDULER_LOCK = 5_107_200_015
# A held connection that does not answer within this is taken as lost (a network gone quiet, not closed).
ALIVE_WITHIN = timedelta(seconds=10)


class Leader:
    """Whether this process holds the lock; taken at the first holds() that finds it free, kept until close()."""

    def __init__(self, url: str, key: int = SCHEDULER_LOCK) -> None:
        # A connection of its own, not from the shared pool: a pooled connection put back with the lock would
        # keep holding it. Autocommit, so that the connection never sits idle in a transaction.
        self._engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._key = key
        self._connection: AsyncConnection | None = None
        self._asking = asyncio.Lock()  # two jobs starting at once ask one after the other

    async def holds(self) -> bool:
        """True if this process holds the lock: still on its connection, or taken now. A lost connection has lost
        the lock with it: then it is asked for again on a new one."""
        async with self._asking:
            if self._connection is not None:
                try:
                    async with asyncio.timeout(ALIVE_WITHIN.total_seconds()):
                        await self._connection.execute(text("SELECT 1"))
                    return True
                except (DBAPIError, OSError, TimeoutError):
                    log.warning("The scheduler's leader lost its database connection, and the lock with it")
                    connection, self._connection = self._connection, None
                    await connection.invalidate()
            connection = await self._engine.connect()
            try:
                taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            except BaseException:
                await connection.close()
                raise
            if not taken:
                await connection.close()
                return False
            self._connection = connection
            log.info("This process is now the scheduler's leader")
            return True

    async def close(self) -> None:
        """Lets the lock go (its connection closes); another process takes it at its next try."""
        async with self._asking:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()
        await self._engine.dispose()


def leader_for(url: str) -> Leader | None:
    """The leader to ask on PostgreSQL; None on SQLite, where one process runs everything."""
    return None if is_sqlite(url) else Leader(url)
