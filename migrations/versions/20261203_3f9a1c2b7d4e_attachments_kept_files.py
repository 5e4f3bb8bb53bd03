"""attachments: the kept file's sha256 and the bot of the file id

ABS-4, DATA-1: the bytes of absence documents and homework files are kept in the school's own file store
under their sha256; a Telegram file id belongs to one bot, so the bot's id is recorded beside it.

Revision ID: 3f9a1c2b7d4e
Revises: edd18e262154
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f9a1c2b7d4e"
down_revision: str | None = "edd18e262154"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_bot_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_column("sha256")
        batch_op.drop_column("telegram_bot_id")
