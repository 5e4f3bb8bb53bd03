"""The leavers' stays migration (DATA-4): a stay backfilled to the year's end for a student who had left ends the
day before their leaving order, or before the migration without one; the present students' stays are untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic import command
from sqlalchemy import select, update

from services.db import create_engine, create_session_factory
from services.migrate import run_alembic, upgrade
from services.models import Enrolment, Movement, MovementKind, Student, StudentStatus
from tests.factories import YEAR_START, build_school

YEAR_END = date(2027, 5, 31)


async def test_leavers_stays_end_where_they_left_DATA_4(db_url):
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            school = await build_school(session)
            left = [school.students["borisova"], school.students["grigorieva"]]
            await session.execute(update(Student).where(Student.id.in_(left)).values(status=StudentStatus.LEFT))
            await session.execute(update(Enrolment).where(Enrolment.student_id.in_(left)).values(ends_on=YEAR_END))
            session.add(
                Movement(
                    school_id=school.school_id,
                    student_id=school.students["borisova"],
                    kind=MovementKind.LEAVING,
                    order_date=date(2026, 11, 20),
                )
            )
            await session.commit()
        await run_alembic(engine, command.downgrade, "c1d2e3f4a5b6")
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            ends = dict((await session.execute(select(Enrolment.student_id, Enrolment.ends_on))).all())
        assert ends[school.students["borisova"]] == date(2026, 11, 19)
        before_migration = datetime.now(UTC).date() - timedelta(days=1)
        assert ends[school.students["grigorieva"]] == max(YEAR_START, min(before_migration, YEAR_END))
        assert ends[school.students["alekseev"]] is None
    finally:
        await engine.dispose()
