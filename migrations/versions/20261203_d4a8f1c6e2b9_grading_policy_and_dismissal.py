"""the school's grading policy; staff dismissal

PER-3, PER-4, J-5: the rounding of period marks, the marks needed per weekly hours, what a valid absence does to
that count and whether written works are obligatory become school settings, filled in with the values the journal
always used. ACC-6, ROLE-2: a member of staff may be dismissed from a day on (with the order's number).

Revision ID: d4a8f1c6e2b9
Revises: d4a7e9b2c310
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a8f1c6e2b9"
down_revision: str | None = "d4a7e9b2c310"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Existing schools get today's behaviour; the server defaults only fill the rows already there.
SETTINGS = (
    ("period_round_from", sa.Numeric(precision=3, scale=2, asdecimal=False), "0.5"),
    ("marks_needed_one_hour", sa.Integer(), "3"),
    ("marks_needed_many_hours", sa.Integer(), "8"),
    (
        "excused_absences",
        sa.Enum(
            "reduce",
            "exempt",
            "ignore",
            name="excusedabsencerule",
            native_enum=False,
            create_constraint=False,
            length=24,
        ),
        "'reduce'",
    ),
    ("written_works_obligatory", sa.Boolean(), "1"),
)


def upgrade() -> None:
    # Columns added in place (ALTER TABLE … ADD COLUMN) and their server defaults left: dropping a default would
    # make SQLite copy `schools` and `persons`, which every table refers to, and a populated database refuses that.
    with op.batch_alter_table("schools", schema=None, recreate="never") as batch_op:
        for name, type_, default in SETTINGS:
            server_default = sa.true() if isinstance(type_, sa.Boolean) else sa.text(default)
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=server_default))
    with op.batch_alter_table("persons", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("dismissed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dismissal_order", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("dismissal_order")
        batch_op.drop_column("dismissed_on")
    with op.batch_alter_table("schools", schema=None, recreate="never") as batch_op:
        for name, _type, _default in reversed(SETTINGS):
            batch_op.drop_column(name)
