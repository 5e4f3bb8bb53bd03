"""year decisions: the pedagogical council's decision on each student at the year's end

Promoted, promoted conditionally (with the subjects of academic debt), left to repeat the year, or graduated, by
the director's order; one per student and year. New table only: nothing to backfill.

Revision ID: d4a7e9b2c310
Revises: c1d2e3f4a5b6
Create Date: 2026-12-03 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a7e9b2c310"
down_revision: str | None = "c1d2e3f4a5b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "year_decisions",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "promoted",
                "conditional",
                "repeat",
                "graduated",
                name="yeardecisionkind",
                native_enum=False,
                create_constraint=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("debts", sa.JSON(), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_year_decisions_class_id_classes")),
        sa.ForeignKeyConstraint(["recorded_by"], ["persons.id"], name=op.f("fk_year_decisions_recorded_by_persons")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_year_decisions_school_id_schools"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_year_decisions_student_id_students"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["year_id"],
            ["academic_years.id"],
            name=op.f("fk_year_decisions_year_id_academic_years"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_decisions")),
        sa.UniqueConstraint("student_id", "year_id", name=op.f("uq_year_decisions_student_id_year_id")),
    )
    with op.batch_alter_table("year_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_decisions_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_year_decisions_year_id"), ["year_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("year_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_decisions_year_id"))
        batch_op.drop_index(batch_op.f("ix_year_decisions_school_id"))
    op.drop_table("year_decisions")
