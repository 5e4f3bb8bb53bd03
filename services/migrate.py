"""Bringing the database up to date with Alembic, from the program itself (at start and `schoolbot migrate`).

Alembic is imported only when there is something to do: a database already at the newest revision, as at
every start but the first after an update, is recognised by reading its alembic_version row, which spares
the bot's start-up Alembic's import and its reading of every migration script.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
REVISION = re.compile(r"^revision(?:: str)? = ['\"](\w+)['\"]$", re.MULTILINE)
DOWN_REVISION = re.compile(r"^down_revision(?:: [\w |]+)? = (?:None|['\"](\w+)['\"])$", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def run_alembic(engine: AsyncEngine, action, *args) -> None:
    """Runs an Alembic command (command.upgrade, command.downgrade…) on one of the engine's connections."""

    def run(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        action(config, *args)

    async with engine.begin() as conn:
        await conn.run_sync(run)


def head_revision() -> str | None:
    """The newest revision, read from the scripts' `revision` and `down_revision` lines; None when that reading is
    not certain (a script written otherwise, a branch), and Alembic then decides."""
    revisions, parents = set(), set()
    scripts = sorted((MIGRATIONS / "versions").glob("*.py"))
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        revision, down = REVISION.findall(source), DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(revisions) == len(scripts) and len(heads) == 1 else None


async def at_revision(engine: AsyncEngine) -> list[str]:
    """The revisions the database says it is at (none for a new database)."""

    def read(connection) -> list[str]:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def upgrade(engine: AsyncEngine) -> None:
    head = head_revision()
    if head is not None and await at_revision(engine) == [head]:
        return
    from alembic import command

    await run_alembic(engine, command.upgrade, "head")
