"""DATA-1: an online backup of the database, in two copies kept apart, each verified by opening it.

SQLite is copied with the sqlite3 backup API (a consistent snapshot that includes the WAL, taken while
the bot keeps writing); PostgreSQL with `pg_dump --format=custom`. The first copy is written to
targets[0], then copied byte for byte to every further target. A copy gets its final name only after
it has been opened and checked, so a file that looks like a backup is a backup (DATA-2).

The school's kept files (ABS-4, services/files.py) go into a `files/` folder beside the database copies, in the
same content-addressed layout: each file is copied when it is missing or changed there, then checked by its
sha256, in every copy. They are never rotated: a file recorded in any kept database copy stays.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from .db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from .errors import DomainError
from .files import FileStore, sha256_of

log = logging.getLogger(__name__)

# The kept files' copy in each backup folder.
FILES_FOLDER = "files"
# Rotation only ever touches files with exactly this shape of name.
BACKUP_NAME = re.compile(r"^school-\d{8}-\d{6}\.(sqlite3|dump)$")
# `pg_restore --list` line of a table: "215; 1259 16390 TABLE public schools postgres" (not TABLE DATA).
PG_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )", re.MULTILINE)


class BackupError(DomainError):
    """The backup was refused or failed; the code says why (backup.needs_two_places, backup.tool_missing,
    backup.dump_failed, backup.verify_failed, backup.bad_keep)."""


@dataclass(frozen=True)
class BackupCopy:
    path: Path
    size: int
    sha256: str
    tables: int  # tables seen when the copy was opened
    files: int = 0  # kept files in the copy's files/ folder, each checked by its sha256


async def make_backup(
    database_url: str,
    targets: Sequence[Path],
    *,
    now: datetime | None = None,
    keep: int = 30,
    files: Path | None = None,
) -> list[BackupCopy]:
    """Back up the database to every target folder (at least two different ones), and the file store at `files`
    to each folder's files/; verify every copy, then keep the newest `keep` backups in each folder. Old backups
    are removed only after success."""
    if keep < 1:
        raise BackupError("backup.bad_keep", keep=keep)
    folders = _prepare_targets(targets)
    sqlite = is_sqlite(database_url)
    name = _backup_name(now or datetime.now(UTC), ".sqlite3" if sqlite else ".dump")
    dump = _dump_sqlite if sqlite else _dump_postgres
    verify = _verify_sqlite if sqlite else _verify_postgres
    if not sqlite:
        _require_tools("pg_dump", "pg_restore")

    started = time.monotonic()
    first = await _place(folders[0] / name, partial(dump, database_url), verify, expected_sha=None)

    async def copy(tmp: Path) -> None:
        await asyncio.to_thread(_copy_file, first.path, tmp)

    copies = [first, *[await _place(folder / name, copy, verify, expected_sha=first.sha256) for folder in folders[1:]]]
    if files is not None:
        store = FileStore(files)
        copies = [
            replace(c, files=await asyncio.to_thread(copy_kept_files, store, FileStore(folder / FILES_FOLDER)))
            for c, folder in zip(copies, folders, strict=True)
        ]
    for folder in folders:
        _rotate(folder, keep)
    log.info("backup %s: %d copies of %d bytes in %.2f s", name, len(copies), first.size, time.monotonic() - started)
    return copies


def copy_kept_files(source: FileStore, target: FileStore, *, repair: bool = True) -> int:
    """Every kept file of `source` is in `target` with its sha256: copied there when missing or changed (with
    `repair`), then checked. BackupError when one is not (without `repair`: the check alone). Returns the count."""
    shas = list(source.shas())
    for sha in shas:
        if target.intact(sha):
            continue
        if repair:
            target.copy_in(source.path(sha), sha)
        if not repair or not target.intact(sha):
            raise BackupError("backup.verify_failed", file=f"{FILES_FOLDER}/{sha}", reason="missing or sha256 differs")
    return len(shas)


def _prepare_targets(targets: Sequence[Path]) -> list[Path]:
    """DATA-1 wants two copies kept apart: at least two different folders, created when missing."""
    folders = [Path(t).expanduser().resolve() for t in targets]
    if len(folders) < 2 or len(set(folders)) != len(folders):
        raise BackupError("backup.needs_two_places", targets=len(folders))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _backup_name(now: datetime, suffix: str) -> str:
    if now.tzinfo is None:
        raise ValueError("naive datetime given as the backup time")
    return f"school-{now.astimezone(UTC):%Y%m%d-%H%M%S}{suffix}"


def _require_tools(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            raise BackupError("backup.tool_missing", tool=tool)


async def _place(
    final: Path,
    write: Callable[[Path], Awaitable[None]],
    verify: Callable[[Path], Awaitable[int]],
    expected_sha: str | None,
) -> BackupCopy:
    """Write one copy under a temporary name, open and check it, and only then give it its final name.

    The temporary name starts with a dot, so it never matches BACKUP_NAME: a half-written or bad file is
    neither taken for a backup nor counted by rotation. A bad copy is deleted.
    """
    tmp = final.with_name(f".{final.name}.part")
    started = time.monotonic()
    try:
        await write(tmp)
        tables = await verify(tmp)
        sha = await asyncio.to_thread(sha256_of, tmp)
        if expected_sha is not None and sha != expected_sha:
            raise BackupError("backup.verify_failed", file=final.name, reason="sha256 differs")
        await asyncio.to_thread(_publish, tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    size = (await asyncio.to_thread(final.stat)).st_size
    log.info("backup copy %s: %d bytes, %d tables, %.2f s", final.name, size, tables, time.monotonic() - started)
    return BackupCopy(path=final, size=size, sha256=sha, tables=tables)


def _publish(tmp: Path, final: Path) -> None:
    # fsync before rename: after a power cut the final name must not point at missing data.
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)


def _copy_file(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)


def _rotate(folder: Path, keep: int) -> None:
    """Keep the newest `keep` backups; names sort by their UTC time. Other files are never touched."""
    backups = sorted(p for p in folder.iterdir() if p.is_file() and BACKUP_NAME.match(p.name))
    for old in backups[:-keep]:
        old.unlink()
        log.info("backup rotated out: %s", old.name)


# --- SQLite -------------------------------------------------------------------------------------------


async def _dump_sqlite(database_url: str, tmp: Path) -> None:
    await asyncio.to_thread(_sqlite_backup, Path(make_url(database_url).database or ""), tmp)


def _sqlite_backup(source: Path, tmp: Path) -> None:
    # Read-only: a wrong path fails instead of creating an empty database to back up.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(tmp)
    try:
        # All pages in one step: one read transaction, so one consistent snapshot, WAL included;
        # writers go on meanwhile (WAL readers do not block them).
        src.backup(dst)
        # The copy inherits WAL mode; switch it back so the backup is one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


async def _verify_sqlite(path: Path) -> int:
    return await asyncio.to_thread(_check_sqlite, path)


def _check_sqlite(path: Path) -> int:
    """Open the copy read-only: integrity_check says ok, the file is as long as its header says
    (a file cut short still opens, the missing bytes read as zeros), and it holds tables."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            length = _scalar(conn, "PRAGMA page_count") * _scalar(conn, "PRAGMA page_size")
            tables = _scalar(
                conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("backup.verify_failed", file=path.name, reason=str(exc)) from exc
    if result != [("ok",)]:
        raise BackupError("backup.verify_failed", file=path.name, reason="integrity_check failed")
    if length != path.stat().st_size:
        raise BackupError("backup.verify_failed", file=path.name, reason="shorter or longer than its header says")
    if tables == 0:  # a file emptied to nothing opens as an empty database
        raise BackupError("backup.verify_failed", file=path.name, reason="no tables")
    return tables


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


# --- PostgreSQL ---------------------------------------------------------------------------------------


def libpq_url(database_url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq connection URI and the environment for pg_* tools.

    The driver suffix (+asyncpg) goes; the password goes into PGPASSWORD, never onto the command line
    where `ps` would show it.
    """
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # Built anew: URL.set(password=None) would keep the password.
    plain = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    )
    return plain.render_as_string(hide_password=False), env


async def _run(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a tool; return its stdout, or raise with the tail of its stderr."""
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise BackupError(
            "backup.dump_failed", tool=args[0], returncode=proc.returncode, stderr=err.decode(errors="replace")[-2000:]
        )
    return out.decode(errors="replace")


async def _dump_postgres(database_url: str, tmp: Path) -> None:
    # pg_dump works inside one snapshot (repeatable read), so the dump is consistent while the bot writes.
    dbname, env = libpq_url(database_url)
    await _run("pg_dump", "--format=custom", "--no-password", f"--file={tmp}", f"--dbname={dbname}", env=env)


async def _verify_postgres(path: Path) -> int:
    """`pg_restore --list` must read the table of contents and find tables in it; then the whole archive
    is restored to nowhere, because --list alone does not read the data and misses a cut-off dump."""
    try:
        listing = await _run("pg_restore", "--list", str(path))
        await _run("pg_restore", f"--file={os.devnull}", str(path))
    except BackupError as exc:
        raise BackupError("backup.verify_failed", file=path.name, reason=exc.params["stderr"]) from exc
    tables = len(PG_TABLE_ENTRY.findall(listing))
    if tables == 0:
        raise BackupError("backup.verify_failed", file=path.name, reason="no tables")
    return tables


# --- restoring a copy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    copy: Path
    size: int  # the copy's bytes
    tables: int  # tables seen when the copy was checked
    files: int = 0  # kept files brought back from the copy's folder (ABS-4)
    replaced: Path | None = None  # where the database file it replaced was moved (SQLite, --force)


async def verify_copy(copy: Path) -> int:
    """A copy made by make_backup (school-….sqlite3 or school-….dump), checked as make_backup checks it: SQLite's
    integrity_check and length, pg_restore's reading of the whole archive. Returns its tables."""
    if not await asyncio.to_thread(copy.is_file):
        raise BackupError("backup.copy_missing", file=str(copy))
    if copy.suffix == ".sqlite3":
        return await _verify_sqlite(copy)
    if copy.suffix == ".dump":
        _require_tools("pg_restore")
        return await _verify_postgres(copy)
    raise BackupError("backup.not_a_copy", file=copy.name)


async def restore_backup(
    database_url: str, copy: Path, *, force: bool = False, files: Path | None = None, now: datetime | None = None
) -> Restored:
    """DATA-1: the database made again from a verified copy. A database that holds data is replaced only with
    `force` (a SQLite file is then kept beside, renamed ….replaced-<time>). The kept files of the copy's backup
    folder (its files/) are copied into `files` where missing. The bot must not run meanwhile."""
    copy = await asyncio.to_thread(lambda: copy.expanduser().resolve())
    sqlite = is_sqlite(database_url)
    tables = await verify_copy(copy)
    if (copy.suffix == ".sqlite3") != sqlite:
        raise BackupError("backup.wrong_kind", file=copy.name)
    if sqlite:
        target = await asyncio.to_thread(Path(make_url(database_url).database or "").resolve)
        if not force and await asyncio.to_thread(_sqlite_has_data, target):
            raise BackupError("backup.live_database", target=str(target))
        replaced = await asyncio.to_thread(_put_sqlite, copy, target, now or datetime.now(UTC))
    else:
        if not force and await _postgres_has_data(database_url):
            raise BackupError("backup.live_database", target=make_url(database_url).database or "")
        dbname, env = libpq_url(database_url)
        await _run(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction",
            "--no-password", f"--dbname={dbname}", str(copy), env=env,
        )  # fmt: skip
        replaced = None
    kept = 0
    if files is not None:
        for folder in (copy.parent / FILES_FOLDER, copy.parent.parent / FILES_FOLDER):
            if folder.is_dir():
                kept = await asyncio.to_thread(copy_kept_files, FileStore(folder), FileStore(files))
                break
    size = (await asyncio.to_thread(copy.stat)).st_size
    log.info("restored %s: %d bytes, %d tables, %d kept files", copy.name, size, tables, kept)
    return Restored(copy=copy, size=size, tables=tables, files=kept, replaced=replaced)


def _sqlite_has_data(target: Path) -> bool:
    """The file exists and a table other than Alembic's holds a row."""
    if not target.is_file() or target.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version'"
            )
        ]
        return any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in names)
    except sqlite3.DatabaseError:
        return True  # something is there that is not a database we can read: not ours to overwrite silently
    finally:
        conn.close()


def _put_sqlite(copy: Path, target: Path, now: datetime) -> Path | None:
    """The copy put in place under the database's name in one rename; the file it replaces (and its WAL, which
    belongs to it and would spoil the copy) moved aside."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(copy, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    replaced = None
    if target.exists():
        replaced = target.with_name(f"{target.name}.replaced-{now.astimezone(UTC):%Y%m%d-%H%M%S}")
        os.replace(target, replaced)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, target)
    return replaced


async def _postgres_has_data(database_url: str) -> bool:
    from sqlalchemy import inspect, text

    from .db import create_engine

    engine = create_engine(database_url)
    try:

        def read(connection) -> bool:
            names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
            return any(connection.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() for name in names)

        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()
