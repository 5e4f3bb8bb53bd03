"""a period mark may be «н/а»

A student without enough marks for an objective period mark (PER-4) may be left not attested: the final
mark's value is then NULL. Downgrading deletes such marks, since the old schema has no way to say «н/а».

Revision ID: 9c4e2d7a1b60
Revises: 5a9f1273f993
Create Date: 2026-12-03 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2d7a1b60"
down_revision: str | None = "5a9f1273f993"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.alter_column("value", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM final_marks WHERE value IS NULL")
    with op.batch_alter_table("final_marks", schema=None) as batch_op:
        batch_op.alter_column("value", existing_type=sa.Integer(), nullable=False)
