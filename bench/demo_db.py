"""The benchmarks' database: the demo school (seed 1, 24 Nov 2026) in a fresh SQLite file or at a URL."""

from __future__ import annotations

import tempfile
import time
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

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
