"""Counting the SQL statements a piece of code runs: the tests' guard against a query per row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """`with statements_run(engine) as seen:` — `seen` gets each statement sent to the database."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


@asynccontextmanager
async def statements_of_one_update(engine: AsyncEngine) -> AsyncIterator[list[str]]:
    """`async with statements_of_one_update(engine) as seen:` around sending an update and waiting for the bot's answer:
    `seen` gets the statements the update ran (transaction control, BEGIN, left out: SQLite's is a statement and
    PostgreSQL's is not). The block waits until every connection is back in the pool, so that what the handler
    runs after its answer is counted too."""
    in_use = [0]

    def checkout(*_args) -> None:
        in_use[0] += 1

    def checkin(*_args) -> None:
        in_use[0] -= 1

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)
    seen: list[str] = []
    try:
        with statements_run(engine) as run:
            yield seen
            for _ in range(500):
                if in_use[0] <= 0:
                    break
                await asyncio.sleep(0.01)
        seen.extend(s for s in run if not s.lstrip().upper().startswith("BEGIN"))
    finally:
        event.remove(engine.sync_engine, "checkout", checkout)
        event.remove(engine.sync_engine, "checkin", checkin)
