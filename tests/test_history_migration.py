"""The history's migration fills the new columns of the audit entries already written (DATA-3): each names its
student and lesson from its snapshots, so a student's or a lesson's history includes what was changed before."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from services.db import create_engine
from services.migrate import run_alembic

BEFORE = "b7e3c5d90a12"
THIS = "d4a8c1e6f203"
AUDIT = sa.table(
    "audit_log",
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("at", sa.DateTime(timezone=True)),
)


async def test_entries_written_before_name_their_student_and_lesson_DATA_3(db_url):
    engine = create_engine(db_url)
    try:
        await run_alembic(engine, command.upgrade, BEFORE)
        entries = [
            ("mark", 11, None, {"student_id": 5, "lesson_id": 7, "value": 4}),
            ("absence", 12, {"lesson_id": 7, "student_id": 6, "reason": None}, None),
            ("lesson", 7, {"topic": ""}, {"topic": "§1"}),
            ("student", 5, {"class_id": 1, "status": "active"}, {"class_id": 2, "status": "active"}),
            ("correction_request", 3, {"status": "pending"}, {"status": "applied"}),  # no lesson in its snapshots
        ]
        async with engine.begin() as conn:
            for entity, entity_id, before, after in entries:
                await conn.execute(
                    sa.insert(AUDIT).values(
                        action="x",
                        entity=entity,
                        entity_id=entity_id,
                        before=before,
                        after=after,
                        at=datetime(2026, 12, 1, tzinfo=UTC),
                    )
                )
        await run_alembic(engine, command.upgrade, THIS)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT entity, student_id, lesson_id FROM audit_log ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [
            ("mark", 5, 7),
            ("absence", 6, 7),
            ("lesson", None, 7),
            ("student", 5, None),
            ("correction_request", None, None),
        ]
    finally:
        await engine.dispose()
