"""Counting the SQL statements a piece of code runs: the tests' guard against a query per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
