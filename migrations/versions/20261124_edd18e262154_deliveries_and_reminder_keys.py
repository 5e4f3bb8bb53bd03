"""deliveries and reminder keys

Pushes: one row per (outbox event, Telegram account) for the pushes worker, and a unique key on the
outbox so that a scheduled reminder is written once per recipient and day.

Revision ID: edd18e262154
Revises: c8d9793bf3d0
Create Date: 2026-11-24 17:12:10.218226
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.models.base

revision: str = "edd18e262154"
down_revision: str | None = "c8d9793bf3d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column(
            "notify_kind",
            sa.Enum(
                "marks",
                "absences",
                "homework",
                "documents",
                "announcements",
                "tomorrow",
                "summary",
                name="notifykind",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("topic", sa.String(length=60), nullable=True),
        sa.Column("created_at", services.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", services.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sending", "sent", "merged", "failed", name="deliverystatus", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", services.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["telegram_accounts.id"],
            name=op.f("fk_deliveries_account_id_telegram_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["outbox.id"], name=op.f("fk_deliveries_event_id_outbox"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_deliveries_student_id_students"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("event_id", "account_id", name=op.f("uq_deliveries_event_id_account_id")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index("ix_deliveries_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_deliveries_topic", ["topic"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_key"), ["key"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_key"), type_="unique")
        batch_op.drop_column("key")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_topic")
        batch_op.drop_index("ix_deliveries_status_due")
        batch_op.drop_index("ix_deliveries_account_status")

    op.drop_table("deliveries")
