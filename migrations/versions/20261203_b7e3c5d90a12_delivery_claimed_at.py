"""when a delivery was claimed

Several push workers (one per bot process) send from one queue. A delivery left «sending» is sent again only once
its claim is old enough that no live worker can still be sending it, so a worker starting beside others does not
send again what they have in hand.

Revision ID: b7e3c5d90a12
Revises: 9c4e2d7a1b60
Create Date: 2026-12-03 18:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.models.base

revision: str = "b7e3c5d90a12"
down_revision: str | None = "9c4e2d7a1b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", services.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
