"""DATA-1: online backups in two verified copies kept apart, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from services import backup
from services.backup import BACKUP_NAME, BackupCopy, BackupError, libpq_url, make_backup
from services.db import is_sqlite, write_transaction
from services.models import AcademicYear, Base, School

NOW = datetime(2026, 5, 31, 18, 0, 5, tzinfo=UTC)


@pytest.fixture
def places(tmp_path) -> list[Path]:
    # The second folder does not exist yet: make_backup creates it.
    return [tmp_path / "primary", tmp_path / "offsite" / "secondary"]


async def _add_school(session_factory, name: str) -> None:
    """A school and its year in one transaction, so that a consistent copy holds both or neither."""
    async with session_factory() as session, write_transaction(session):
        school = School(name=name)
        session.add(school)
        await session.flush()
        session.add(
            AcademicYear(school_id=school.id, name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 5, 31))
        )


async def _pg_connect(url: str, database: str | None = None):
    import asyncpg

    u = make_url(url)
    return await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=database or u.database
    )


async def _query_copy(copy: BackupCopy, db_url: str, sql: str) -> list[tuple]:
    """Run `sql` on what the copy holds: SQLite opens the file; PostgreSQL restores the dump into a
    fresh database, which is dropped afterwards."""
    if is_sqlite(db_url):
        conn = sqlite3.connect(f"{copy.path.as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    name = f"schoolbot_restore_{uuid.uuid4().hex[:10]}"
    admin = await _pg_connect(db_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        target, env = libpq_url(make_url(db_url).set(database=name).render_as_string(hide_password=False))
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(copy.path)],
            env=env,
            check=True,
            capture_output=True,
        )
        conn = await _pg_connect(db_url, database=name)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_data1_backup_makes_two_verified_copies_that_hold_the_data(engine, db_url, session_factory, places):
    """DATA-1: two copies in two folders, identical, opened and checked, holding the rows."""
    await _add_school(session_factory, "Школа №1")

    copies = await make_backup(db_url, places, now=NOW)

    suffix = ".sqlite3" if is_sqlite(db_url) else ".dump"
    assert [c.path for c in copies] == [p.resolve() / f"school-20260531-180005{suffix}" for p in places]
    for copy in copies:
        # Nothing else is left behind: no temporary file, no -wal/-shm.
        assert _files(copy.path.parent) == [copy.path.name]
        assert copy.size == copy.path.stat().st_size > 0
        assert copy.tables == len(Base.metadata.tables)
    assert copies[0].sha256 == copies[1].sha256
    assert await _query_copy(copies[1], db_url, "SELECT name FROM schools") == [("Школа №1",)]


async def test_data1_online_backup_while_rows_are_written(engine, db_url, session_factory, places):
    """DATA-1: the backup runs while the bot writes, and the copy is one consistent snapshot."""
    stop = asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            await _add_school(session_factory, f"Школа {written}")
            written += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    while written < 5:
        await asyncio.sleep(0.01)
    before = written
    try:
        copies = await make_backup(db_url, places, now=NOW)
    finally:
        stop.set()
        await task  # the writer never failed (no "database is locked")
    after = written

    assert copies[0].sha256 == copies[1].sha256
    [(schools, years)] = await _query_copy(
        copies[0], db_url, "SELECT (SELECT count(*) FROM schools), (SELECT count(*) FROM academic_years)"
    )
    assert schools == years  # every transaction is in the copy whole or not at all
    assert before <= schools <= after
    assert after > before  # rows really were written while the backup ran
    if is_sqlite(db_url):
        assert await _query_copy(copies[0], db_url, "PRAGMA integrity_check") == [("ok",)]
    async with session_factory() as session:  # the live database is untouched
        assert await session.scalar(select(func.count()).select_from(School)) == after


@pytest.mark.parametrize("targets", [["a"], ["a", "a"], ["a", "b/../a"]])
async def test_data1_backup_needs_two_different_places(tmp_path, targets):
    """DATA-1: one folder (or the same folder twice) is not two copies kept apart."""
    with pytest.raises(BackupError) as err:
        await make_backup(f"sqlite+aiosqlite:///{tmp_path / 'school.db'}", [tmp_path / t for t in targets])
    assert err.value.code == "backup.needs_two_places"
    assert _files(tmp_path) == []  # refused before anything was created


async def test_data1_rotation_keeps_the_newest_backups_and_nothing_else_is_touched(engine, db_url, places):
    """DATA-1: each folder keeps the newest `keep` backups; files of other names stay."""
    strangers = ["notes.txt", "school-latest.sqlite3", "school-20200101-000000.sqlite3.bak"]
    for folder in places:
        folder.mkdir(parents=True)
        for name in strangers:
            (folder / name).write_text("not a backup")

    made = [await make_backup(db_url, places, now=NOW + timedelta(days=day), keep=2) for day in range(4)]

    newest = sorted(copy.path.name for copy in made[-2][:1] + made[-1][:1])
    for folder in places:
        assert _files(folder) == sorted(newest + strangers)


async def test_data1_corrupt_copy_is_detected_and_removed(engine, db_url, places, monkeypatch):
    """DATA-1/DATA-2: a copy damaged on its way to the second place is caught and deleted."""

    def copy_and_cut(src: Path, dst: Path) -> None:
        data = src.read_bytes()
        dst.write_bytes(data[: len(data) // 2])

    monkeypatch.setattr(backup, "_copy_file", copy_and_cut)

    with pytest.raises(BackupError) as err:
        await make_backup(db_url, places, now=NOW)

    assert err.value.code == "backup.verify_failed"
    assert _files(places[1]) == []  # neither the bad copy nor its temporary file
    assert len(_files(places[0])) == 1  # the first copy was verified on its own and stays


async def test_data1_cut_off_first_copy_is_detected(engine, db_url, session_factory, places, monkeypatch):
    """DATA-1/DATA-2: a first copy cut short (disk full, crash) fails verification even with no twin
    to compare with; for PostgreSQL this needs the whole archive read, not only its table of contents."""
    for n in range(50):
        await _add_school(session_factory, f"Школа {n}")
    real_dump = backup._dump_sqlite if is_sqlite(db_url) else backup._dump_postgres

    async def dump_and_cut(database_url: str, tmp: Path) -> None:
        await real_dump(database_url, tmp)
        data = tmp.read_bytes()
        tmp.write_bytes(data[:-16])  # only the tail: the table of contents is still whole

    monkeypatch.setattr(backup, "_dump_sqlite" if is_sqlite(db_url) else "_dump_postgres", dump_and_cut)

    with pytest.raises(BackupError) as err:
        await make_backup(db_url, places, now=NOW)

    assert err.value.code == "backup.verify_failed"
    assert _files(places[0]) == [] and _files(places[1]) == []


async def test_data1_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    """DATA-1: without pg_dump the backup says so instead of failing somewhere inside."""
    monkeypatch.setattr(backup.shutil, "which", lambda tool: None)
    with pytest.raises(BackupError) as err:
        await make_backup("postgresql+asyncpg://bot:secret@db.example/school", [tmp_path / "a", tmp_path / "b"])
    assert (err.value.code, err.value.params) == ("backup.tool_missing", {"tool": "pg_dump"})


def test_data1_libpq_url_keeps_the_password_off_the_command_line():
    uri, env = libpq_url("postgresql+asyncpg://bot:s%40cret@db.example:5433/school")
    assert uri == "postgresql://bot@db.example:5433/school"
    assert env["PGPASSWORD"] == "s@cret"


def test_data1_backup_names_match_the_rotation_pattern():
    assert BACKUP_NAME.match(backup._backup_name(NOW, ".dump"))
    assert (
        backup._backup_name(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=3))), ".sqlite3")
        == "school-20260102-000405.sqlite3"
    )


async def test_data1_kept_files_are_in_both_copies_each_checked_and_a_corrupted_one_fails(
    engine, db_url, session_factory, places, tmp_path
):
    """ABS-4, DATA-1: the school's kept files go into each backup folder's files/, checked by their sha256."""
    from services.files import FileStore

    await _add_school(session_factory, "Школа №1")
    store = FileStore(tmp_path / "data" / "files")
    shas = [store.put(b"%PDF-1.4 a doctor's note"), store.put(b"\x89PNG\r\n\x1a\n a photo")]
    copies = await make_backup(db_url, places, now=NOW, files=store.root)
    assert [c.files for c in copies] == [2, 2]
    for place in places:
        copy = FileStore(place / backup.FILES_FOLDER)
        assert sorted(copy.shas()) == sorted(shas)
        assert [copy.get(sha) for sha in shas] == [store.get(sha) for sha in shas]

    second = FileStore(places[1] / backup.FILES_FOLDER)
    second.path(shas[0]).write_bytes(b"%PDF-1.4 a doctor's note, changed")  # the copy rots on its medium
    assert backup.copy_kept_files(store, FileStore(places[0] / backup.FILES_FOLDER), repair=False) == 2
    with pytest.raises(BackupError) as failed:
        backup.copy_kept_files(store, second, repair=False)
    assert failed.value.code == "backup.verify_failed"
    await make_backup(db_url, places, now=NOW + timedelta(days=1), files=store.root)  # the next backup mends it
    assert second.get(shas[0]) == store.get(shas[0])

    store.path(shas[1]).write_bytes(b"rotten")  # the kept file itself changed: no copy can be verified
    second.path(shas[1]).unlink()
    with pytest.raises(BackupError) as failed:
        await make_backup(db_url, places, now=NOW + timedelta(days=2), files=store.root)
    assert failed.value.code == "backup.verify_failed" and shas[1] in failed.value.params["file"]
