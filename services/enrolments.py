"""In which class a student studied on a day (DATA-4): a stay per class with its dates, so that a transfer, a
promotion or leaving keeps what was recorded in each class, and rosters of a day list who was there that day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import kept
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


async def follow_classes(
    session: AsyncSession,
    classes: Mapping[int, int],
    first_day: date,
    moved_on: date,
    starts: Mapping[int, date] | None = None,
) -> None:
    """After a write of students' classes (the import): a student without a stay starts one on `first_day` (the
    year's start), one whose class changed moves on `moved_on`; `starts` gives a student's own first day in the
    class instead (the import's «Дата зачисления»). New stays go in one statement."""
    starts = starts or {}
    stays = {
        stay.student_id: stay
        for stay in await session.scalars(
            select(Enrolment).where(Enrolment.student_id.in_(classes), Enrolment.ends_on.is_(None))
        )
    }
    new = []
    for student_id, class_id in classes.items():
        stay, own = stays.get(student_id), starts.get(student_id)
        if stay is None:
            new.append({"student_id": student_id, "class_id": class_id, "starts_on": own or first_day})
        elif stay.class_id == class_id:
            if own is not None and stay.starts_on != own:
                stay.starts_on = own
        else:
            on = own or moved_on
            if stay.starts_on >= on:
                stay.class_id, stay.starts_on = class_id, on
            else:
                stay.ends_on = on - DAY
                new.append({"student_id": student_id, "class_id": class_id, "starts_on": on})
    if new:
        await session.execute(insert(Enrolment), new)


@dataclass(frozen=True)
class Stay:
    """A student's stay in a class as plain data, kept between updates (services/freshness.py, "people")."""

    class_id: int
    starts_on: date
    ends_on: date | None  # inclusive; None: open

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, first: date, last: date) -> bool:
        return self.starts_on <= last and (self.ends_on is None or self.ends_on >= first)


async def stays_of(session: AsyncSession, student_id: int) -> tuple[Stay, ...]:
    """Every stay of the student, oldest first (DATA-4): kept until a write to the people's tables."""

    async def read() -> tuple[Stay, ...]:
        rows = await session.execute(
            select(Enrolment.class_id, Enrolment.starts_on, Enrolment.ends_on)
            .where(Enrolment.student_id == student_id)
            .order_by(Enrolment.starts_on, Enrolment.id)
        )
        return tuple(Stay(*row) for row in rows)

    return await kept(session, "people", ("stays", student_id), read)


def enrolled(class_id: int | ColumnElement[int], first: date, last: date | None = None) -> ColumnElement[bool]:
    """Students enrolled in the class on some day from `first` to `last` (on `first` without `last`): a roster of
    a day or of a period (DATA-4), whatever their status now."""
    return Student.id.in_(
        select(Enrolment.student_id).where(Enrolment.class_id == class_id, stays_between(first, last or first))
    )
