"""the results without a number a school gives for year, exam and final marks

Every school so far was offered «н/а», «зач.» and «осв.»: existing rows keep all three (the column is added in
place with that default, so SQLite does not copy `schools`).

Revision ID: f1a2b3c4d5e6
Revises: e4a7c2f91b35
Create Date: 2026-12-03 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a2b3c4d5e6"
down_revision: str | None = "e4a7c2f91b35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schools", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "final_results", sa.String(length=60), nullable=False, server_default="not_attested,passed,exempt"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("final_results")
