"""`schoolbot check` against the local Bot API: each problem one sentence with its fix and exit status 1, all
good exit 0; DATA_DIR anchors the relative paths; invite links name the bot getMe gives."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import Settings
from services.db import create_engine
from services.migrate import head_revision
from tests.flows.conftest import TOKEN

pytestmark = pytest.mark.usefixtures("environment")


@pytest.fixture
def environment(monkeypatch, tmp_path, db_url, emulator):
    """The command line as an administrator runs it: .env-less, in English, against the emulator, with two backup
    folders of its own."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_USERNAME", "REDIS_URL", "SCHOOL_BOTS", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", emulator.base_url)
    monkeypatch.setenv("LOCALE", "en")
    monkeypatch.setenv("BACKUP_DIRS", f'["{tmp_path / "one"}", "{tmp_path / "two"}"]')


async def schoolbot(capsys, *args: str) -> tuple[int, list[str]]:
    """Runs the command line in a thread (the emulator answers in this loop): its exit status and its lines."""
    try:
        await asyncio.to_thread(main, list(args))
        status = 0
    except SystemExit as exit_:
        status = exit_.code or 0
    captured = capsys.readouterr()
    return status, (captured.out + captured.err).splitlines()


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


async def test_all_good_exits_0_with_a_tick_for_each_check(capsys, db_url):
    await schoolbot(capsys, "migrate")
    status, lines = await schoolbot(capsys, "check")
    assert status == 0, lines
    assert problems(lines) == []
    assert "✓ BOT_TOKEN: the bot @sandbox_123456_bot." in lines
    assert any(line.startswith("✓ Migrations: current (") for line in lines)
    if db_url.startswith("sqlite"):
        assert any(line.startswith("✓ Database: SQLite, the file ") and "school.db" in line for line in lines)
    # Both folders under tmp_path: one disk, said as a warning, not an error.
    assert any(line.startswith("⚠ Both backup folders are on the same device") for line in lines)


async def test_a_token_telegram_refuses_is_one_sentence_and_exit_1(capsys, emulator):
    await schoolbot(capsys, "migrate")
    emulator.inject_failures("getMe", 1, 401)
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    assert problems(lines) == [
        (
            f"✗ BOT_TOKEN: Telegram refused the token (getMe at {emulator.base_url}): it is wrong or revoked; take the "
            "current one from @BotFather (/token) and put it into .env."
        )
    ]
    assert TOKEN not in "\n".join(lines)


async def test_an_unwritable_backup_folder_is_one_sentence_and_exit_1(capsys, monkeypatch, tmp_path):
    await schoolbot(capsys, "migrate")
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("BACKUP_DIRS", f'["{tmp_path / "a-file" / "primary"}", "{tmp_path / "two"}"]')
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    [problem] = problems(lines)
    assert problem.startswith(f"✗ The backup folder {tmp_path / 'a-file' / 'primary'} is not writable (")
    assert problem.endswith("): create it and let the bot's user write there, or name another in BACKUP_DIRS.")


async def test_a_missing_migration_is_one_sentence_and_exit_1(capsys, db_url):
    await schoolbot(capsys, "migrate")
    engine = create_engine(db_url)
    async with engine.begin() as conn:  # as if the program were updated after the last `migrate`
        await conn.execute(text("UPDATE alembic_version SET version_num = 'a1b2c3'"))
    await engine.dispose()
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    assert problems(lines) == [
        (
            "✗ The database is at migration a1b2c3, which this program does not know: it was written by a newer "
            "version; update the program."
        )
    ]
    previous = await previous_revision()
    engine = create_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    await engine.dispose()
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    assert problems(lines) == [
        (
            f"✗ The database is at migration {previous}, the program needs {head_revision()}: run `schoolbot migrate` "
            "(`schoolbot run` does it too)."
        )
    ]


async def previous_revision() -> str:
    from alembic.script import ScriptDirectory

    from services.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    return script.down_revision


async def test_a_missing_database_file_is_named_with_the_fix(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'school.db'}")
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    assert problems(lines) == [
        (
            f"✗ The database file {tmp_path / 'nowhere' / 'school.db'} does not exist: run `schoolbot migrate` for a "
            "new one or `schoolbot restore COPY`, or set DATA_DIR or DATABASE_URL to where it is."
        )
    ]
    assert not (tmp_path / "nowhere").exists()  # the check creates no database


async def test_the_sentences_speak_the_administrators_language(capsys, monkeypatch, emulator):
    monkeypatch.setenv("LOCALE", "ru")
    await schoolbot(capsys, "migrate")
    emulator.inject_failures("getMe", 1, 401)
    status, lines = await schoolbot(capsys, "check")
    assert status == 1
    [problem] = problems(lines)
    assert problem.startswith("✗ BOT_TOKEN: Telegram отклонил токен")


def test_relative_paths_are_read_inside_data_dir_not_the_current_folder(monkeypatch, tmp_path):
    """DATA_DIR anchors every relative path; the default database and files are inside it, as `data/` was."""
    data, elsewhere = tmp_path / "var" / "schoolbot", tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("BACKUP_DIRS")
    settings = Settings(_env_file=None, data_dir=data)
    assert settings.database_url == f"sqlite+aiosqlite:///{data / 'school.db'}"
    assert settings.files_folder() == data / "files"
    assert settings.backup_dirs == (data / "backups" / "primary", data / "backups" / "secondary")
    settings = Settings(
        _env_file=None,
        data_dir=data,
        database_url="sqlite+aiosqlite:///db/school.db",
        files_dir="kept",
        backup_dirs=("/srv/copies", "nightly"),
    )
    assert settings.database_url == f"sqlite+aiosqlite:///{data / 'db' / 'school.db'}"
    assert settings.files_folder() == data / "kept"
    assert settings.backup_dirs[0].as_posix() == "/srv/copies"
    assert settings.backup_dirs[1] == data / "nightly"
    # Without DATA_DIR the data stays where it was: ./data/school.db of the folder the bot starts in.
    assert Settings(_env_file=None).database_url == f"sqlite+aiosqlite:///{elsewhere / 'data' / 'school.db'}"


def test_an_older_setup_keeps_its_database_and_check_says_to_move_it(monkeypatch, tmp_path):
    """An older .env named `data/school.db` from the folder the bot starts in: that database is still opened, never
    a new empty one under DATA_DIR; `check` names it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "school.db").write_bytes(b"")
    settings = Settings(_env_file=None, database_url="sqlite+aiosqlite:///data/school.db")
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}"
    assert settings.legacy_paths == ["data/school.db"]


async def test_invite_links_name_the_bot_getme_gives_when_bot_username_is_unset(capsys, db_url):
    await schoolbot(capsys, "migrate")
    await build_school_in(db_url)
    status, lines = await schoolbot(capsys, "invite", "--class", "5А")
    assert status == 0, lines
    rows = list(csv.reader(io.StringIO("\n".join(lines))))[1:]
    assert rows and all(r[4] == f"https://t.me/sandbox_123456_bot?start={r[3]}" for r in rows)


async def test_invite_when_getme_fails_says_so_and_prints_no_wrong_link(capsys, db_url, emulator):
    await schoolbot(capsys, "migrate")
    await build_school_in(db_url)
    emulator.inject_failures("getMe", 1, 401)
    status, lines = await schoolbot(capsys, "invite", "--class", "5А")
    assert status == 2
    assert lines == [
        (
            f"The bot's @name for the invite links is unknown: Telegram refused the token (getMe at {emulator.base_url}): "
            "it is wrong or revoked; take the current one from @BotFather (/token) and put it into .env. Or set "
            "BOT_USERNAME."
        )
    ]


async def build_school_in(db_url: str) -> None:
    from services.db import create_session_factory
    from tests.factories import build_school

    engine = create_engine(db_url)
    async with create_session_factory(engine)() as session:
        await build_school(session)
    await engine.dispose()


async def test_run_with_a_token_telegram_refuses_says_so_in_one_sentence(capsys, emulator):
    """`schoolbot run` asks getMe once at its start: a revoked token is a sentence and exit 2, not a traceback."""
    emulator.inject_failures("getMe", 1, 401)
    status, lines = await schoolbot(capsys, "run")
    assert status == 2
    lines = [line for line in lines if "aiohttp.access" not in line]  # the emulator's own log, in this process
    assert lines == [
        (
            f"BOT_TOKEN: Telegram refused the token (getMe at {emulator.base_url}): it is wrong or revoked; take the "
            "current one from @BotFather (/token) and put it into .env."
        )
    ]


async def test_invite_without_a_token_or_bot_username_prints_the_codes_without_links(capsys, monkeypatch, db_url):
    """The README's first look (`demo`, then `invite`) needs no token: the codes work sent to the bot as they are;
    no link to a bot that may not be theirs."""
    monkeypatch.delenv("BOT_TOKEN")
    await schoolbot(capsys, "migrate")
    await build_school_in(db_url)
    try:
        await asyncio.to_thread(main, ["invite", "--class", "5А"])
    except SystemExit as exit_:
        raise AssertionError(f"exit {exit_.code}") from None
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))[1:]
    assert rows and all(r[3] and r[4] == "" for r in rows)
    assert captured.err.strip() == (
        "The invite links are left out: set BOT_USERNAME (the bot's @name) or BOT_TOKEN in the environment or in "
        ".env; the codes work sent to the bot as they are."
    )
