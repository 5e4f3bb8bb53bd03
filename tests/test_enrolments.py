"""DATA-4: a student's stays in classes keep their dates through transfers and leaving (ACC-9)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.access import load_actor
from services.enrolments import stays_between
from services.models import Enrolment, MovementKind, Role, StaffRole, Student, StudentStatus
from services.movement import MovementService
from tests.factories import YEAR_START


async def stays(session, student_id: int) -> list[tuple[int, date, date | None]]:
    rows = await session.scalars(
        select(Enrolment).where(Enrolment.student_id == student_id).order_by(Enrolment.starts_on)
    )
    return [(e.class_id, e.starts_on, e.ends_on) for e in rows]


async def secretary_of(session, school):
    session.add(StaffRole(person_id=school.staff["deputy"], role=Role.SECRETARY))
    await session.commit()
    return await load_actor(session, school.staff["deputy"])


async def test_a_transfer_ends_the_stay_in_the_old_class_the_day_before_DATA_4(session, clock, school):
    secretary = await secretary_of(session, school)
    movement = MovementService(session, clock)
    await movement.record(
        secretary,
        school.students["alekseev"],
        MovementKind.TRANSFER,
        date(2026, 11, 20),
        "№ 12",
        to_class_id=school.classes["5Б"],
        on=date(2026, 11, 23),
    )
    assert await stays(session, school.students["alekseev"]) == [
        (school.classes["5А"], YEAR_START, date(2026, 11, 22)),
        (school.classes["5Б"], date(2026, 11, 23), None),
    ]
    student = await session.get(Student, school.students["alekseev"])
    await session.refresh(student)
    assert student.class_id == school.classes["5Б"]
    # Who was in 5А in the week of the move: the transferred student up to Sunday, not from Monday.
    in_5a = set(
        await session.scalars(
            select(Enrolment.student_id).where(
                Enrolment.class_id == school.classes["5А"], stays_between(date(2026, 11, 23), date(2026, 11, 23))
            )
        )
    )
    assert school.students["alekseev"] not in in_5a and school.students["borisova"] in in_5a


async def test_leaving_ends_the_stay_from_the_order_date_ACC_9(session, clock, school):
    secretary = await secretary_of(session, school)
    await MovementService(session, clock).record(
        secretary, school.students["vasiliev"], MovementKind.LEAVING, date(2026, 11, 24), "№ 45-у"
    )
    assert await stays(session, school.students["vasiliev"]) == [(school.classes["5А"], YEAR_START, date(2026, 11, 23))]
    student = await session.get(Student, school.students["vasiliev"])
    await session.refresh(student)
    assert student.status == StudentStatus.LEFT
