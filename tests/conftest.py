"""Test databases: every database test runs on SQLite, and on PostgreSQL when a server answers.

PostgreSQL is looked for at TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432). If the
server answers but the tests cannot use it, the run fails instead of quietly skipping it.
SCHOOLBOT_TEST_BACKENDS=sqlite limits a quick local run to SQLite.
"""
from __future__ import annotations

import asyncio
import os
import socket
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy.engine import make_url

from services.db import create_engine, create_session_factory
from services.models import Base

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def server_answers(host: str, port: int) -> bool:
    """A server listens there (PostgreSQL, Redis): its tests run."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _postgres_answers() -> bool:
    url = make_url(PG_URL)
    return server_answers(url.host or "127.0.0.1", url.port or 5432)


def _backends() -> list[str]:
    wanted = os.environ.get("SCHOOLBOT_TEST_BACKENDS")
    if wanted:
        return [b.strip() for b in wanted.split(",") if b.strip()]
    return ["sqlite", "postgresql"] if _postgres_answers() else ["sqlite"]


BACKENDS = _backends()


async def _pg_admin(sql: str, url: str = PG_URL) -> None:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database_url():
    """A throwaway PostgreSQL database for this run, dropped at the end."""
    name = f"schoolbot_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """An empty database for one test (no tables)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'school.db'}"
    url = request.getfixturevalue("pg_database_url")

    async def reset() -> None:
        await _pg_admin("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", url)

    asyncio.run(reset())
    return url


@pytest.fixture
async def engine(db_url):
    engine = create_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine):
    return create_session_factory(engine)


@pytest.fixture
async def session(session_factory):
    async with session_factory() as session:
        yield session


@pytest.fixture
async def emulator():
    """The local Bot API (devtools.sandbox) on a free port, for an unmodified aiogram Bot over HTTP."""
    from devtools.sandbox import BotAPIEmulator

    emulator = await BotAPIEmulator().start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def clock():
    from tests.factories import TODAY, FixedClock

    c = FixedClock(datetime.now(timezone.utc))
    c.at(TODAY)
    return c


@pytest.fixture
async def school(session):
    from tests.factories import build_school

    return await build_school(session)
