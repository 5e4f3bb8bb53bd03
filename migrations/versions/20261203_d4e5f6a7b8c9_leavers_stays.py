"""leavers' stays: end where the movement book says they left

Rosters now go by the stays' dates (DATA-4): a student who left before the stays existed had theirs backfilled to
their year's end, which would list them in every lesson of their class until then. Such a stay now ends the day
before the student's last leaving or graduation order, or, without one, the day before this migration runs (they
had left by then). Existing marks and absences are untouched.

Revision ID: d4e5f6a7b8c9
Revises: d4a8f1c6e2b9
Create Date: 2026-12-03 20:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "d4a8f1c6e2b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = timedelta(days=1)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            """
            SELECT e.id, e.starts_on, e.ends_on,
                   (SELECT MAX(m.order_date) FROM movements m
                    WHERE m.student_id = s.id AND m.kind IN ('leaving', 'graduation')) AS left_on
            FROM enrolments e JOIN students s ON s.id = e.student_id
            WHERE s.status <> 'active' AND e.ends_on IS NOT NULL
            """
        )
    ).all()
    today = datetime.now(UTC).date()
    for stay_id, starts, ends, left_on in rows:
        last = (as_date(left_on) if left_on is not None else today) - DAY
        if last < as_date(ends):
            connection.execute(
                sa.text("UPDATE enrolments SET ends_on = :ends WHERE id = :id"),
                {"ends": max(last, as_date(starts)), "id": stay_id},
            )


def as_date(value) -> date:
    """SQLite hands dates back as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    pass  # the dates were a backfill's guess either way
