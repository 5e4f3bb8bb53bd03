"""In which class a student studied on a day (DATA-4): a stay per class with its dates, so that a transfer, a
promotion or leaving keeps what was recorded in each class, and rosters of a day list who was there that day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Enrolment, Student

DAY = timedelta(days=1)


def stays_between(first: date, last: date) -> ColumnElement[bool]:
    """Stays that overlap the days from `first` to `last`."""
    return and_(Enrolment.starts_on <= last, or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= first))


async def open_stay(session: AsyncSession, student_id: int) -> Enrolment | None:
    return await session.scalar(
        select(Enrolment).where(Enrolment.student_id == student_id, Enrolment.ends_on.is_(None))
    )


async def enrol(session: AsyncSession, student: Student, class_id: int, on: date) -> None:
    """The student studies in `class_id` from `on`: the stay they were in ends the day before."""
    stay = await open_stay(session, student.id)
    student.class_id = class_id
    if stay is not None and stay.class_id == class_id:
        stay.starts_on = min(stay.starts_on, on)
        return
    if stay is not None and stay.starts_on >= on:
        stay.class_id, stay.starts_on = class_id, on  # a stay that had not begun is replaced, not closed
        return
    if stay is not None:
        stay.ends_on = on - DAY
    session.add(Enrolment(student_id=student.id, class_id=class_id, starts_on=on))


async def leave(session: AsyncSession, student: Student, on: date) -> None:
    """The student studies no more from `on` (ACC-9): their stay ends the day before."""
    stay = await open_stay(session, student.id)
    if stay is None:
        return
    if stay.starts_on >= on:
        await session.delete(stay)
    else:
        stay.ends_on = on - DAY


async def follow_classes(session: AsyncSession, classes: Mapping[int, int], first_day: date, moved_on: date) -> None:
    """After a write of students' classes (the import): a student without a stay starts one on `first_day` (the
    year's start), one whose class changed moves on `moved_on`. New stays go in one statement."""
    stays = {
        stay.student_id: stay
        for stay in await session.scalars(
            select(Enrolment).where(Enrolment.student_id.in_(classes), Enrolment.ends_on.is_(None))
        )
    }
    new = []
    for student_id, class_id in classes.items():
        stay = stays.get(student_id)
        if stay is None:
            new.append({"student_id": student_id, "class_id": class_id, "starts_on": first_day})
        elif stay.class_id != class_id:
            if stay.starts_on >= moved_on:
                stay.class_id = class_id
            else:
                stay.ends_on = moved_on - DAY
                new.append({"student_id": student_id, "class_id": class_id, "starts_on": moved_on})
    if new:
        await session.execute(insert(Enrolment), new)
