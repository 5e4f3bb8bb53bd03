"""unique keys without a period or subgroup

NULLs never collide in a unique key, so a second year mark (no period) or a second whole-class assignment
(no subgroup) slipped past the table's unique constraint. Partial unique indexes close both.

Revision ID: c8d9793bf3d0
Revises: 008c3bcf562c
Create Date: 2026-11-24 14:29:18.361403
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8d9793bf3d0"
down_revision: str | None = "008c3bcf562c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT_SUBGROUP = sa.text("subgroup_id IS NULL")
WITHOUT_PERIOD = sa.text("period_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_assignments_whole_class",
            ["class_id", "subject_id", "teacher_id"],
            unique=True,
            sqlite_where=WITHOUT_SUBGROUP,
            postgresql_where=WITHOUT_SUBGROUP,
        )
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.create_index(
            "uq_final_marks_without_period",
            ["student_id", "subject_id", "kind", "year_id"],
            unique=True,
            sqlite_where=WITHOUT_PERIOD,
            postgresql_where=WITHOUT_PERIOD,
        )


def downgrade() -> None:
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.drop_index("uq_final_marks_without_period")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_assignments_whole_class")
