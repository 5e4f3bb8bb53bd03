"""enrolments: a student's stays in classes with their dates

A transfer, a promotion or leaving ends a stay and may begin another, so what was recorded in each class stays the
student's. Each student's present class becomes a stay from its year's start; one who has left ends at that year's
end (the movement book's dates are not precise enough to do better for rows written before).

Revision ID: c1d2e3f4a5b6
Revises: b7e3c5d90a12
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1d2e3f4a5b6"
down_revision: str | None = "b7e3c5d90a12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_enrolments_class_id_classes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_enrolments_student_id_students"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_class_dates", ["class_id", "starts_on"], unique=False)
        batch_op.create_index("ix_enrolments_student_dates", ["student_id", "starts_on"], unique=False)
    op.execute(
        """
        INSERT INTO enrolments (student_id, class_id, starts_on, ends_on)
        SELECT s.id, s.class_id, y.starts_on, CASE WHEN s.status = 'active' THEN NULL ELSE y.ends_on END
        FROM students s JOIN classes c ON c.id = s.class_id JOIN academic_years y ON y.id = c.year_id
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_student_dates")
        batch_op.drop_index("ix_enrolments_class_dates")
    op.drop_table("enrolments")
