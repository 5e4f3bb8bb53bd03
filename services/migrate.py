"""Bringing the database up to date with Alembic, from the program itself (at start and `schoolbot migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
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


async def upgrade(engine: AsyncEngine) -> None:
    await run_alembic(engine, command.upgrade, "head")
