"""Test databases: every database test (service and flow tests alike) runs on SQLite and on PostgreSQL.

PostgreSQL is looked for at TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432); when no server
answers there, its runs are skipped with that reason. If the server answers but the tests cannot use it, the
run fails instead of quietly skipping it. SCHOOLBOT_TEST_BACKENDS=sqlite limits a quick local run to SQLite.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import signal
import socket
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from services.db import create_engine, create_session_factory
from services.models import Base
from tests.factories import TODAY, FixedClock, MiniSchool, build_school

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


@pytest.hookimpl(wrapper=True)
def pytest_timeout_set_timer(item, settings):
    """A test that hangs (pytest-timeout's `timeout`) shows, before its threads' stacks, where each of its asyncio
    tasks waits: its thread's stack ends in the event loop's select, which says nothing."""
    result = yield
    timed_out = signal.getsignal(signal.SIGALRM)
    if callable(timed_out):

        def tasks_then_timed_out(signum, frame):
            loop = asyncio._get_running_loop()
            for task in asyncio.all_tasks(loop) if loop else ():
                print(f"{task!r} awaits:", file=sys.stderr)
                awaited = task.get_coro()
                while (where := _frame_of(awaited)) is not None:
                    print(f"  {where.f_code.co_filename}:{where.f_lineno} {where.f_code.co_name}", file=sys.stderr)
                    awaited = _awaited_by(awaited)
            timed_out(signum, frame)

        signal.signal(signal.SIGALRM, tasks_then_timed_out)
    return result


def _frame_of(awaitable):
    """The frame of a coroutine, an async generator (`async with` of a context manager) or a generator."""
    return next(
        (getattr(awaitable, a) for a in ("cr_frame", "ag_frame", "gi_frame") if getattr(awaitable, a, None)), None
    )


def _awaited_by(awaitable):
    return next(
        (getattr(awaitable, a) for a in ("cr_await", "ag_await", "gi_yieldfrom") if hasattr(awaitable, a)), None
    )


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


def _backends() -> list:
    wanted = os.environ.get("SCHOOLBOT_TEST_BACKENDS")
    if wanted:
        return [b.strip() for b in wanted.split(",") if b.strip()]
    if _postgres_answers():
        return ["sqlite", "postgresql"]
    silent = make_url(PG_URL).set(password=None).render_as_string()
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skip(reason=f"no PostgreSQL answers at {silent}"))]


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


@pytest.fixture(scope="session")
def pg_tables_url(pg_database_url):
    """A second throwaway PostgreSQL database, with the models' tables made once for the whole run: a test
    empties them."""
    name = f"{make_url(pg_database_url).database}_tables"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    async def create_tables() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    asyncio.run(create_tables())
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Every row deleted and every id counter restarted, so that ids start at 1 as in a new SQLite file.
_EMPTY_TABLES = "; ".join(
    [f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
    + [
        """DO $$ DECLARE s record; BEGIN
          FOR s IN SELECT schemaname, sequencename FROM pg_sequences LOOP
            EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
          END LOOP;
        END $$"""
    ]
)


@pytest.fixture(scope="session")
def sqlite_tables_template(tmp_path_factory) -> Path:
    """A SQLite file with the models' tables, made once for the whole run: a test copies it."""
    path = tmp_path_factory.mktemp("tables") / "school.db"

    async def create_tables() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    asyncio.run(create_tables())
    return path


@pytest.fixture(scope="session")
def sqlite_school_template(sqlite_tables_template, tmp_path_factory) -> tuple[Path, MiniSchool]:
    """The small school built once in a copy of the tables file: (the file, the school's ids)."""
    path = tmp_path_factory.mktemp("school") / "school.db"
    shutil.copyfile(sqlite_tables_template, path)

    async def build() -> MiniSchool:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        async with create_session_factory(engine)() as session:
            school = await build_school(session)
        await engine.dispose()
        return school

    return path, asyncio.run(build())


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """The database of one test. A test that asks for `engine` finds the models' tables in it, empty: a copy of
    a SQLite file made once (with the school in it if the test asks for `school`), or the run's PostgreSQL tables
    with their rows deleted. Making the tables takes a quarter to half a second, the school as much on SQLite, and
    hundreds of tests ask for them. Any other test gets an empty database."""
    with_tables = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "school.db"
        if "school" in request.fixturenames:
            shutil.copyfile(request.getfixturevalue("sqlite_school_template")[0], path)
        elif with_tables:
            shutil.copyfile(request.getfixturevalue("sqlite_tables_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    if with_tables:
        url = request.getfixturevalue("pg_tables_url")
        asyncio.run(_pg_admin(_EMPTY_TABLES, url))
        return url
    url = request.getfixturevalue("pg_database_url")
    asyncio.run(_pg_admin("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", url))
    return url


@pytest.fixture
async def engine(db_url):
    """The models' tables, empty (db_url made them)."""
    engine = create_engine(db_url)
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
    c = FixedClock(datetime.now(UTC))
    c.at(TODAY)
    return c


@pytest.fixture
async def school(request, db_url, session_factory) -> MiniSchool:
    """The small school of tests/factories.py in the test's database: on SQLite db_url copied it in already."""
    if db_url.startswith("sqlite"):
        return copy.deepcopy(request.getfixturevalue("sqlite_school_template")[1])
    async with session_factory() as session:
        return await build_school(session)
