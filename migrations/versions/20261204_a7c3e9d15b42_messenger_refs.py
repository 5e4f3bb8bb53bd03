"""messenger refs

The references a messenger gives a bot and the bot needs again: MAX's own id of a message the bot knows by its
chat and number, a file's download address by its token. One row per (bot, kind, key).

Revision ID: a7c3e9d15b42
Revises: a7c3e1f0b942
Create Date: 2026-12-04 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.models.base

revision: str = "a7c3e9d15b42"
down_revision: str | None = "a7c3e1f0b942"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messenger_refs",
        sa.Column("bot_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("ref", sa.String(length=2048), nullable=False),
        sa.Column("created_at", services.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_key", "kind", "key", name=op.f("pk_messenger_refs")),
    )
    op.create_index("ix_messenger_refs_created_at", "messenger_refs", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_messenger_refs_created_at", table_name="messenger_refs")
    op.drop_table("messenger_refs")
