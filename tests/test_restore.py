"""`schoolbot restore COPY [--force]` (DATA-1): a copy of `schoolbot backup` verified, then put back; a database that
holds data is replaced only with --force; sizes read as a person reads them."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.restore import readable_size
from services.db import create_engine, create_session_factory, is_sqlite
from services.models import School
from tests.factories import build_school


@pytest.fixture
def environment(monkeypatch, tmp_path, db_url):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_USERNAME", "REDIS_URL", "SCHOOL_BOTS", "DATA_DIR", "BOT_TOKEN", "FILES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LOCALE", "en")
    monkeypatch.setenv("BACKUP_DIRS", f'["{tmp_path / "one"}", "{tmp_path / "two"}"]')
    if not is_sqlite(db_url) and shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    return db_url


async def schoolbot(capsys, *args: str) -> tuple[int, list[str]]:
    try:
        await asyncio.to_thread(main, list(args))
        status = 0
    except SystemExit as exit_:
        status = exit_.code or 0
    captured = capsys.readouterr()
    return status, (captured.out + captured.err).splitlines()


async def school_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return list(await session.scalars(select(School.name).order_by(School.id)))
    finally:
        await engine.dispose()


async def add_school(url: str, name: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await build_school(session, name)
    finally:
        await engine.dispose()


async def backed_up_school(capsys, url: str) -> Path:
    """A migrated database with one school, backed up: the first copy's path."""
    await schoolbot(capsys, "migrate")
    await add_school(url, "Школа № 7")
    status, lines = await schoolbot(capsys, "backup")
    assert status == 0, lines
    # «…/one/school-20261124-020000.sqlite3: 412 KB, 40 tables, 0 kept files, verified»
    assert all(re.search(r": \d+(\.\d)? (B|KB|MB), \d+ tables, 0 kept files, verified$", line) for line in lines)
    return Path(lines[0].split(": ")[0])


async def test_a_live_database_is_replaced_only_with_force_DATA_1(capsys, environment):
    url = environment
    copy = await backed_up_school(capsys, url)
    await add_school(url, "Школа № 8")  # written after the backup: the restore takes the database back before it
    status, lines = await schoolbot(capsys, "restore", str(copy))
    assert status == 2
    assert lines[0].startswith("The database ") and lines[0].endswith(
        " holds data: stop the bot, then restore with --force to replace it (a SQLite file is kept beside it)."
    )
    assert await school_names(url) == ["Школа № 7", "Школа № 8"]  # untouched
    status, lines = await schoolbot(capsys, "restore", str(copy), "--force")
    assert status == 0, lines
    assert re.fullmatch(
        rf"{re.escape(str(copy))}: \d+(\.\d)? (KB|MB), \d+ tables, verified and restored; 0 kept files brought back\.",
        lines[0],
    )
    assert await school_names(url) == ["Школа № 7"]
    if is_sqlite(url):
        assert lines[1].startswith("The database it replaced is kept as ") and ".replaced-" in lines[1]
        kept = Path(lines[1].removeprefix("The database it replaced is kept as ").rstrip("."))
        assert kept.is_file()


async def test_a_copy_restores_into_a_new_database_without_force(capsys, environment, monkeypatch, tmp_path):
    url = environment
    if not is_sqlite(url):
        pytest.skip("a new SQLite file; PostgreSQL's empty database is the case above without its second school")
    copy = await backed_up_school(capsys, url)
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'school.db'}"
    monkeypatch.setenv("DATABASE_URL", fresh)
    status, lines = await schoolbot(capsys, "restore", str(copy))
    assert status == 0, lines
    assert await school_names(fresh) == ["Школа № 7"]


async def test_a_damaged_copy_is_refused_and_the_database_left_as_it_is(capsys, environment, tmp_path):
    url = environment
    copy = await backed_up_school(capsys, url)
    data = copy.read_bytes()  # the same copy cut short, under its own name in another folder
    cut = tmp_path / "cut"
    cut.mkdir()
    damaged = cut / copy.name
    damaged.write_bytes(data[: len(data) // 2])
    status, lines = await schoolbot(capsys, "restore", str(damaged), "--force")
    assert status == 2
    assert lines[0].startswith(f"The copy {damaged.name} did not pass its check: ")
    assert await school_names(url) == ["Школа № 7"]


async def test_a_file_that_is_no_copy_is_refused(capsys, environment, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    status, lines = await schoolbot(capsys, "restore", str(tmp_path / "notes.txt"))
    assert (status, lines) == (2, ["notes.txt is not a backup copy: name a school-….sqlite3 or school-….dump file."])
    status, lines = await schoolbot(capsys, "restore", str(tmp_path / "school-20260101-000000.sqlite3"))
    assert status == 2 and lines[0].startswith("There is no file ")


def test_sizes_read_as_a_person_reads_them():
    # 13,002,342 bytes / 1,048,576 = 12.39999… MB: one decimal, 12.4; 1,536 / 1,024 = 1.5 KB; 3 GiB exactly.
    assert readable_size(13_002_342, "ru") == "12,4 МБ"
    assert readable_size(13_002_342, "en") == "12.4 MB"
    assert readable_size(1_536, "en") == "1.5 KB"
    assert readable_size(3 * 1024**3, "en") == "3 GB"
    assert readable_size(512, "ru") == "512 Б"
