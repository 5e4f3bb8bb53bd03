"""The class teacher's reads (ACC-4): the classes they lead, a class's day (which lessons have their attendance
taken, who missed them), and the absences still without a reason with their ABS-3 deadlines. The writes (reasons,
documents) are services/absences.py's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .absence_deadlines import documents_brought, reason_due
from .access import Actor, ClassRef, check_class_teacher
from .calendar import SchoolCalendar, timetable_valid
from .clock import Clock, school_today
from .errors import Forbidden, NotFound
from .journal import is_locked, lessons_on
from .models import (
    Absence,
    AbsenceReason,
    Assignment,
    ClassGroup,
    Lesson,
    Person,
    School,
    Student,
    StudentStatus,
    TimetableEntry,
)


@dataclass(frozen=True)
class ClassAbsence:
    """One «ОТ» of the class teacher's class, with its ABS-3 deadline: the reason is due 2 working days after."""

    absence_id: int
    student_id: int
    student_name: str  # «Борисова Вера»: lists name students short
    class_id: int
    date: date
    lesson_number: int
    subject: str
    reason: AbsenceReason | None
    due: dt.date  # dt.: in this class `date` is the field above
    overdue: bool
    editable: bool  # False past the edit window (J-9): set_reason refuses it
    edit_window_days: int  # the school's J-9 window, for the texts that say it


@dataclass(frozen=True)
class ClassLesson:
    """A lesson of the class's day: whether its attendance is taken, and who missed it."""

    number: int
    subject: str
    subgroup: str | None
    taken: bool
    absent: tuple[str, ...]


@dataclass(frozen=True)
class ClassDay:
    class_id: int
    class_name: str
    day: date
    kind: str  # the calendar's DayStatus kind: "school_day" | "weekend" | "holiday" | "out_of_year"
    holiday: str | None
    lessons: tuple[ClassLesson, ...]


async def led_class(session: AsyncSession, actor: Actor, class_id: int) -> ClassGroup:
    """A class the actor leads, or of the school the actor runs (ACC-4, ROLE-2); any other is refused."""
    class_group = await session.get(ClassGroup, class_id)
    if class_group is None:
        raise Forbidden("class.not_yours")
    await check_class_teacher(actor, class_group)
    return class_group


async def class_absence(session: AsyncSession, actor: Actor, absence_id: int) -> tuple[Absence, Student]:
    """An absence of a class the actor leads (ACC-4); anything else is refused."""
    absence = await session.get(Absence, absence_id)
    if absence is None:
        raise NotFound("absence.not_found")
    student = await session.get_one(Student, absence.student_id)
    await check_class_teacher(actor, student.class_group)
    return absence, student


class ClassAbsenceService:
    """What a class teacher reads about their class; every read checks that the class is theirs (ACC-4)."""

    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def led_classes(self, actor: Actor) -> list[ClassRef]:
        """The classes the actor leads, in grade and letter order."""
        if not actor.led_classes:
            return []
        classes = await self.session.scalars(
            select(ClassGroup).where(ClassGroup.id.in_(actor.led_classes)).order_by(ClassGroup.grade, ClassGroup.letter)
        )
        return [ClassRef(c.id, c.name) for c in classes]

    async def unreasoned(self, actor: Actor, class_id: int) -> list[ClassAbsence]:
        """ABS-2, ABS-3: the class's absences still without a reason, oldest first, each with its deadline."""
        class_group = await led_class(self.session, actor, class_id)
        return await self._class_absences(class_group, Student.class_id == class_group.id, Absence.reason.is_(None))

    async def absence_day(self, actor: Actor, absence_id: int) -> list[ClassAbsence]:
        """The student's absences on the day of this one, reasons set or not: what a reason for the day covers."""
        absence, student = await class_absence(self.session, actor, absence_id)
        lesson = await self.session.get_one(Lesson, absence.lesson_id)
        return await self._class_absences(
            student.class_group, Absence.student_id == student.id, Lesson.date == lesson.date
        )

    async def class_day(self, actor: Actor, class_id: int, day: date | None = None) -> ClassDay:
        """ACC-4: the class's lessons of a day (the school's today by default): the timetable's and those recorded,
        whether each one's attendance is taken, and who missed it."""
        class_group = await led_class(self.session, actor, class_id)
        school = await self.session.get_one(School, class_group.school_id)
        day = day or school_today(self.clock, school)
        status = (await SchoolCalendar.load(self.session, school.id, day)).status(day, class_group.grade)
        assignments = {
            a.id: a
            for a in (
                await self.session.scalars(select(Assignment).where(Assignment.class_id == class_group.id))
            ).unique()
        }
        lessons = await lessons_on(self.session, day, assignments)
        slots = set(lessons)  # a lesson recorded off the timetable still shows
        if status.has_lessons:
            slots |= {
                (assignment_id, number)
                for assignment_id, number in await self.session.execute(
                    timetable_valid(day, TimetableEntry.assignment_id, TimetableEntry.lesson_number).where(
                        TimetableEntry.weekday == day.weekday(), TimetableEntry.assignment_id.in_(assignments)
                    )
                )
            }
        absent: dict[int, list[str]] = defaultdict(list)
        for lesson_id, last_name, first_name in await self.session.execute(
            select(Absence.lesson_id, Person.last_name, Person.first_name)
            .join(Student, Student.id == Absence.student_id)
            .join(Person, Person.id == Student.person_id)
            .where(Absence.lesson_id.in_([lsn.id for lsn in lessons.values()]))
            .order_by(Person.last_name, Person.first_name)
        ):
            absent[lesson_id].append(f"{last_name} {first_name}")
        result = []
        for assignment_id, number in slots:
            a, lesson = assignments[assignment_id], lessons.get((assignment_id, number))
            result.append(
                ClassLesson(
                    number=number,
                    subject=a.subject.name,
                    subgroup=a.subgroup.name if a.subgroup else None,
                    taken=lesson is not None and lesson.attendance_taken_at is not None,
                    absent=tuple(absent[lesson.id]) if lesson else (),
                )
            )
        result.sort(key=lambda x: (x.number, x.subject, x.subgroup or ""))
        return ClassDay(
            class_id=class_group.id,
            class_name=class_group.name,
            day=day,
            kind=status.kind,
            holiday=status.holiday,
            lessons=tuple(result),
        )

    async def _class_absences(self, class_group: ClassGroup, *where) -> list[ClassAbsence]:
        """Absences of active students, with the ABS-3 deadline counted in the school's working days from the document
        that covers each (reason_due)."""
        school = await self.session.get_one(School, class_group.school_id)
        today = school_today(self.clock, school)
        calendar = await SchoolCalendar.load(self.session, school.id, today)
        rows = (
            await self.session.execute(
                select(Absence, Lesson)
                .join(Lesson, Lesson.id == Absence.lesson_id)
                .join(Student, Student.id == Absence.student_id)
                .where(Student.status == StudentStatus.ACTIVE, *where)
            )
        ).all()
        brought = await documents_brought(
            self.session, list({a.student_id for a, _ in rows}), ZoneInfo(school.timezone)
        )
        result = []
        for absence, lesson in rows:
            student = await self.session.get_one(Student, absence.student_id)  # from the identity map after the first
            due = reason_due(lesson.date, brought[absence.student_id], school, calendar, class_group.grade)
            result.append(
                ClassAbsence(
                    absence_id=absence.id,
                    student_id=student.id,
                    student_name=f"{student.person.last_name} {student.person.first_name}",
                    class_id=class_group.id,
                    date=lesson.date,
                    lesson_number=lesson.lesson_number,
                    subject=lesson.assignment.subject.name,
                    reason=absence.reason,
                    due=due,
                    overdue=absence.reason is None and due < today,
                    editable=not is_locked(lesson.date, school, today),
                    edit_window_days=school.edit_window_days,
                )
            )
        result.sort(key=lambda x: (x.date, x.student_name, x.student_id, x.lesson_number))
        return result
