"""saved drafts

Every save is written once: the id of each draft saved (a screen's marks, an attendance roster, a form) is
written with it, and its key refuses a second save of the same draft.

Revision ID: 5a9f1273f993
Revises: 3f9a1c2b7d4e
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.models.base

revision: str = "5a9f1273f993"
down_revision: str | None = "3f9a1c2b7d4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("saved_at", services.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_drafts")),
    )


def downgrade() -> None:
    op.drop_table("saved_drafts")
