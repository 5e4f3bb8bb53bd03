"""Migrations: every revision goes up, down and up again, and the models match the migrations."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from services.db import create_engine
from services.migrate import alembic_config, at_revision, head_revision, run_alembic, upgrade
from services.models import Base


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_upgrade_downgrade_upgrade_every_revision(db_url):
    engine = create_engine(db_url)
    try:
        for revision in revisions():
            await run_alembic(engine, command.upgrade, revision)
        await run_alembic(engine, command.downgrade, "base")
        async with engine.connect() as conn:
            left = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(left) <= {"alembic_version"}
        await upgrade(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_differ(db_url):
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_a_database_at_the_head_is_recognised_without_alembic_and_one_behind_is_upgraded(db_url):
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_engine(db_url)
    try:
        assert await at_revision(engine) == []
        await run_alembic(engine, command.upgrade, revisions()[-2])
        await upgrade(engine)  # one revision behind: Alembic runs
        assert await at_revision(engine) == [head_revision()]
        await upgrade(engine)  # at the head: nothing to do
        assert await at_revision(engine) == [head_revision()]
    finally:
        await engine.dispose()
