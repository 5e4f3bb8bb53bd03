"""year, exam and final marks: results without a number, exams, revisions by order

FinalMark.result says what a mark is: a mark of the scale (value), «н/а», «зач.» or «осв.»; the rows of before
keep their meaning (a NULL value was «н/а»). `exams` says which grade has an exam in which subject and when
(PER-2); `mark_revisions` keeps each change made by the director's order (PER-5). Trimesters need no change:
the period kind is a string. Downgrading deletes the marks the old schema cannot say («зач.», «осв.»).

Revision ID: e4a7c2f91b35
Revises: d4a8c1e6f203
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c2f91b35"
down_revision: str | None = "d4a8c1e6f203"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESULT = sa.Enum("mark", "not_attested", "passed", "exempt", name="finalresult", native_enum=False, length=24)


def upgrade() -> None:
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", RESULT, server_default="mark", nullable=False))
    op.execute("UPDATE final_marks SET result = 'not_attested' WHERE value IS NULL")
    op.create_table(
        "exams",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_exams_school_id_schools"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["year_id"], ["academic_years.id"], name=op.f("fk_exams_year_id_academic_years"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_exams_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exams")),
        sa.UniqueConstraint("year_id", "grade", "subject_id", name=op.f("uq_exams_year_id_grade_subject_id")),
    )
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exams_school_id"), ["school_id"], unique=False)
    op.create_table(
        "mark_revisions",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("final_mark_id", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Integer(), nullable=True),
        sa.Column(
            "old_result",
            sa.Enum("mark", "not_attested", "passed", "exempt", name="finalresult", native_enum=False, length=24),
            nullable=True,
        ),
        sa.Column("new_value", sa.Integer(), nullable=True),
        sa.Column("new_result", RESULT, nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("applied_by", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_mark_revisions_school_id_schools"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["final_mark_id"],
            ["final_marks.id"],
            name=op.f("fk_mark_revisions_final_mark_id_final_marks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["applied_by"], ["persons.id"], name=op.f("fk_mark_revisions_applied_by_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark_revisions")),
    )
    with op.batch_alter_table("mark_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mark_revisions_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mark_revisions_final_mark_id"), ["final_mark_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mark_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mark_revisions_final_mark_id"))
        batch_op.drop_index(batch_op.f("ix_mark_revisions_school_id"))
    op.drop_table("mark_revisions")
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exams_school_id"))
    op.drop_table("exams")
    op.execute("DELETE FROM final_marks WHERE result IN ('passed', 'exempt')")
    op.execute("UPDATE final_marks SET value = NULL WHERE result = 'not_attested'")
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.drop_column("result")
