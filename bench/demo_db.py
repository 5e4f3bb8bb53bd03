"""The benchmarks' database: the demo school (seed 1, 24 Nov 2026) in a fresh SQLite file or at a URL, and a
PostgreSQL database of their own to put it in."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from services.db import create_engine, create_session_factory
from services.demo import generate_demo
from services.migrate import upgrade

TODAY = date(2026, 11, 24)


async def demo_sessions(
    database_url: str | None, schools: int = 1, today: date = TODAY
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """Generates the demo (around `today`) and prints what it holds and how long it took."""
    url = database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = create_engine(url)
    await upgrade(engine)
    sessions = create_session_factory(engine)
    started = time.perf_counter()
    summary = await generate_demo(sessions, seed=1, schools=schools, today=today)
    print(
        f"demo: {summary.totals['schools']} schools, {summary.totals['students']} students, "
        f"{summary.totals['marks']} marks in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    return engine, sessions


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new database on the PostgreSQL server of `server_url` (a database there to connect to), dropped at the end,
    whatever happened: its URL."""
    name = f"schoolbot_bench_{uuid.uuid4().hex[:8]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(server_url: str, sql: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()
