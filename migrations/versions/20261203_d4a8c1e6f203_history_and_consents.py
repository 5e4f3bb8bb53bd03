"""the journal's history by student and lesson; consents given by a parent, on paper

audit_log gets student_id, lesson_id (whose record, which lesson: a student's or a lesson's history is an index
away, DATA-3) and cause (a correction request, an order); they are filled from the before/after snapshots already
written, and an absence's reason from its absence row. consents get by_parent_id (a parent's answer for their child),
paper and recorded_by (a paper consent recorded by the secretary, ACC-7); account_id may be empty (paper).

Revision ID: d4a8c1e6f203
Revises: d4e5f6a7b8c9
Create Date: 2026-12-03 20:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a8c1e6f203"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lesson_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cause", sa.String(length=60), nullable=True))
        batch_op.create_index("ix_audit_student", ["student_id", "id"], unique=False)
        batch_op.create_index("ix_audit_lesson", ["lesson_id", "id"], unique=False)
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paper", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch_op.alter_column("account_id", existing_type=sa.BigInteger(), nullable=True)
    _backfill()


def _backfill() -> None:
    """The ids read from what each entry already holds, as audit() now does for new ones."""
    conn = op.get_bind()
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
        sa.column("student_id", sa.Integer),
        sa.column("lesson_id", sa.Integer),
    )
    absences = sa.table(
        "absences", sa.column("id", sa.Integer), sa.column("student_id", sa.Integer), sa.column("lesson_id", sa.Integer)
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(audit.c.id, audit.c.entity, audit.c.entity_id, audit.c.before, audit.c.after)
            .where(audit.c.id > last)
            .order_by(audit.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        missing = [r.entity_id for r in rows if r.entity == "absence" and r.entity_id is not None]
        found = {
            a.id: (a.student_id, a.lesson_id)
            for a in conn.execute(sa.select(absences).where(absences.c.id.in_(missing))).all()
        }
        for row in rows:
            values = {**(row.before or {}), **(row.after or {})}
            student_id, lesson_id = values.get("student_id"), values.get("lesson_id")
            if row.entity == "student":
                student_id = row.entity_id
            elif row.entity == "lesson":
                lesson_id = row.entity_id
            elif row.entity == "absence" and row.entity_id in found:
                student_id, lesson_id = student_id or found[row.entity_id][0], lesson_id or found[row.entity_id][1]
            if student_id is not None or lesson_id is not None:
                conn.execute(
                    sa.update(audit).where(audit.c.id == row.id).values(student_id=student_id, lesson_id=lesson_id)
                )


def downgrade() -> None:
    op.execute("DELETE FROM consents WHERE account_id IS NULL")  # paper consents: no place for them before
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("paper")
        batch_op.drop_column("by_parent_id")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_lesson")
        batch_op.drop_index("ix_audit_student")
        batch_op.drop_column("cause")
        batch_op.drop_column("lesson_id")
        batch_op.drop_column("student_id")
