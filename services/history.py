"""The journal's history made readable (DATA-3): every audited change of a student's record or of a lesson, who made
it, when, what was before and after, and why (a correction request, J-10; an order, PER-5, DATA-4).

Who reads it: the deputy director and the administrator of the school (ROLE-2), any student or lesson; a teacher the
lessons they keep (ACC-3, ACC-5). An entry names its student and lesson in its own columns (filled by audit()), so a
page is one indexed query and one query per kind of name on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, ClassRef, check_keep
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .errors import Forbidden, NotFound
from .models import (
    Assignment,
    AuditEntry,
    ClassGroup,
    Lesson,
    Movement,
    Person,
    Role,
    School,
    Student,
    StudyPeriod,
    Subject,
    WorkType,
)

PAGE = 15  # entries on a page, newest first
OVERSEERS = (Role.DEPUTY, Role.ADMIN)  # ROLE-2: who reads any student's or lesson's history


@dataclass(frozen=True)
class HistoryLine:
    """One change, with the names it needs already read; `before`/`after` as audited (plain JSON values)."""

    at: datetime
    author: str  # «Иванова А. П.»; "" when nobody's (the system)
    entity: str  # mark, absence, lesson, final_mark, correction_request, attachment, absence_document, student …
    action: str  # add, change, delete, set, set_reason, decide, withdraw, a movement's kind …
    entity_id: int | None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    student: str = ""  # «Петров Илья»
    subject: str = ""  # the lesson's subject, or a final mark's
    lesson_date: date | None = None
    work_type: str = ""
    period: str = ""  # a final mark's study period
    classes: tuple[str, str] = ("", "")  # a movement's class before and after
    correction_id: int | None = None  # made by an applied correction request
    order: str = ""  # made by an order: its number


@dataclass(frozen=True)
class HistoryPage:
    """A page of a student's or a lesson's history, newest first."""

    student_id: int | None  # the student's history, or
    lesson_id: int | None  # the lesson's
    title: str  # «Петров Илья, 5А» or «Математика, 5А (Англ. 1)»
    lesson_date: date | None
    lesson_number: int | None
    class_id: int
    assignment_id: int | None
    lines: tuple[HistoryLine, ...]
    page: int
    has_next: bool
    timezone: str


@dataclass(frozen=True)
class Choice:
    """A button of a picking screen: a student, a subject of the class, a lesson."""

    id: int
    label: str
    day: date | None = None


@dataclass(frozen=True)
class Choices:
    class_id: int
    class_name: str
    items: tuple[Choice, ...]
    page: int = 0
    has_next: bool = False
    assignment_id: int | None = None
    subject: str = ""


class HistoryService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- picking (ROLE-2) ----------------------------------------------------------------------------------------

    async def classes(self, actor: Actor) -> list[ClassRef]:
        """The classes of the current school year."""
        school = await self._overseen(actor)
        calendar = await SchoolCalendar.load(self.session, school.id, school_today(self.clock, school))
        query = select(ClassGroup).where(ClassGroup.school_id == school.id)
        if calendar.year is not None:
            query = query.where(ClassGroup.year_id == calendar.year.id)
        classes = (await self.session.scalars(query)).all()
        return [ClassRef(c.id, c.name) for c in sorted(classes, key=lambda c: (c.grade, c.letter))]

    async def class_choices(self, actor: Actor, class_id: int) -> tuple[Choices, Choices]:
        """The class's students (by name) and its subjects (with their subgroups) to choose a history from."""
        class_group = await self._class(actor, class_id)
        students = (await self.session.scalars(select(Student).where(Student.class_id == class_id))).unique().all()
        people = tuple(
            Choice(s.id, f"{s.person.last_name} {s.person.first_name}")
            for s in sorted(students, key=lambda s: (s.person.last_name, s.person.first_name, s.id))
        )
        assignments = (
            (await self.session.scalars(select(Assignment).where(Assignment.class_id == class_id))).unique().all()
        )
        subjects = tuple(
            Choice(a.id, a.subject.name + (f" ({a.subgroup.name})" if a.subgroup else ""))
            for a in sorted(assignments, key=lambda a: (a.subject.name, a.subgroup.name if a.subgroup else "", a.id))
        )
        return Choices(class_id, class_group.name, people), Choices(class_id, class_group.name, subjects)

    async def lessons(self, actor: Actor, assignment_id: int, page: int = 0) -> Choices:
        """The lessons held of a class and subject up to today, newest first, a page at a time."""
        school = await self._overseen(actor)
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None or assignment.school_id != school.id:
            raise NotFound("lesson.not_found")
        rows = (
            await self.session.execute(
                select(Lesson.id, Lesson.date, Lesson.lesson_number)
                .where(Lesson.assignment_id == assignment_id, Lesson.date <= school_today(self.clock, school))
                .order_by(Lesson.date.desc(), Lesson.lesson_number.desc())
                .offset(page * PAGE)
                .limit(PAGE + 1)
            )
        ).all()
        name = assignment.subject.name + (f" ({assignment.subgroup.name})" if assignment.subgroup else "")
        return Choices(
            assignment.class_id,
            assignment.class_group.name,
            tuple(Choice(lesson_id, str(number), day) for lesson_id, day, number in rows[:PAGE]),
            page,
            len(rows) > PAGE,
            assignment_id,
            name,
        )

    # ---- the histories (DATA-3) -------------------------------------------------------------------------------

    async def student_history(self, actor: Actor, student_id: int, page: int = 0) -> HistoryPage:
        """A student's marks, absences, final marks, documents and movements, as changed: ROLE-2 only."""
        school = await self._overseen(actor)
        student = await self.session.get(Student, student_id)
        if student is None or student.school_id != school.id:
            raise Forbidden("student.not_yours")
        entries = await self._entries(AuditEntry.student_id == student_id, school.id, page)
        return HistoryPage(
            student_id=student.id,
            lesson_id=None,
            title=f"{student.person.last_name} {student.person.first_name}, {student.class_group.name}",
            lesson_date=None,
            lesson_number=None,
            class_id=student.class_id,
            assignment_id=None,
            lines=await self._lines(entries[:PAGE]),
            page=page,
            has_next=len(entries) > PAGE,
            timezone=school.timezone,
        )

    async def lesson_history(self, actor: Actor, lesson_id: int, page: int = 0) -> HistoryPage:
        """A lesson's topic, homework, files, marks, absences and correction requests, as changed: the school's
        administration (ROLE-2), or the teacher who keeps the lesson (ACC-3, ACC-5)."""
        lesson = await self.session.get(Lesson, lesson_id)
        if lesson is None or lesson.school_id != actor.school_id:
            raise NotFound("lesson.not_found")
        assignment = await self.session.get_one(Assignment, lesson.assignment_id)
        if not actor.oversees(lesson.school_id):
            await check_keep(self.session, actor, assignment, lesson.date)
        school = await self.session.get_one(School, lesson.school_id)
        entries = await self._entries(AuditEntry.lesson_id == lesson_id, school.id, page)
        group = f" ({assignment.subgroup.name})" if assignment.subgroup else ""
        return HistoryPage(
            student_id=None,
            lesson_id=lesson.id,
            title=f"{assignment.subject.name}, {assignment.class_group.name}{group}",
            lesson_date=lesson.date,
            lesson_number=lesson.lesson_number,
            class_id=assignment.class_id,
            assignment_id=assignment.id,
            lines=await self._lines(entries[:PAGE]),
            page=page,
            has_next=len(entries) > PAGE,
            timezone=school.timezone,
        )

    # ---- internals -------------------------------------------------------------------------------------------

    async def _overseen(self, actor: Actor) -> School:
        if not actor.has(*OVERSEERS):
            raise Forbidden("history.not_allowed")
        return await self.session.get_one(School, actor.school_id)

    async def _class(self, actor: Actor, class_id: int) -> ClassGroup:
        school = await self._overseen(actor)
        class_group = await self.session.get(ClassGroup, class_id)
        if class_group is None or class_group.school_id != school.id:
            raise NotFound("class.not_found")
        return class_group

    async def _entries(self, which, school_id: int, page: int) -> list[AuditEntry]:
        page = max(page, 0)
        return list(
            (
                await self.session.scalars(
                    select(AuditEntry)
                    .where(which, AuditEntry.school_id == school_id)
                    .order_by(AuditEntry.id.desc())
                    .offset(page * PAGE)
                    .limit(PAGE + 1)
                )
            ).all()
        )

    async def _lines(self, entries: list[AuditEntry]) -> tuple[HistoryLine, ...]:
        """The entries with the names they need, read once per kind for the whole page."""
        values = [{**(e.before or {}), **(e.after or {})} for e in entries]
        authors = await self._names(Person.id, {e.actor_id for e in entries}, short=True)
        students = await self._student_names({e.student_id for e in entries})
        lessons = await self._lessons({e.lesson_id for e in entries})
        work_types = await self._pairs(WorkType.id, WorkType.name, {v.get("work_type_id") for v in values})
        periods = await self._pairs(StudyPeriod.id, StudyPeriod.name, {v.get("period_id") for v in values})
        subjects = await self._pairs(Subject.id, Subject.name, {v.get("subject_id") for v in values})
        class_ids = {(e.before or {}).get("class_id") for e in entries} | {
            (e.after or {}).get("class_id") for e in entries
        }
        classes: dict[Any, str] = {
            c.id: c.name
            for c in (await self.session.scalars(select(ClassGroup).where(ClassGroup.id.in_(class_ids - {None}))))
        }
        orders = await self._orders([e for e in entries if e.entity == "student"])
        lines = []
        for entry, value in zip(entries, values, strict=True):
            subject, day = lessons.get(entry.lesson_id, ("", None))
            cause = entry.cause or ""
            order = cause.removeprefix("order:") if cause.startswith("order:") else ""
            lines.append(
                HistoryLine(
                    at=entry.at,
                    author=authors.get(entry.actor_id, ""),
                    entity=entry.entity,
                    action=entry.action,
                    entity_id=entry.entity_id,
                    before=dict(entry.before or {}),
                    after=dict(entry.after or {}),
                    student=students.get(entry.student_id, ""),
                    subject=subject or subjects.get(value.get("subject_id"), ""),
                    lesson_date=day,
                    work_type=work_types.get(value.get("work_type_id"), ""),
                    period=periods.get(value.get("period_id"), ""),
                    classes=(
                        classes.get((entry.before or {}).get("class_id"), ""),
                        classes.get((entry.after or {}).get("class_id"), ""),
                    ),
                    correction_id=_number(cause.removeprefix("correction:"))
                    if cause.startswith("correction:")
                    else None,
                    order=order or str(value.get("order_number") or "") or orders.get(entry.id, ""),
                )
            )
        return tuple(lines)

    async def _names(self, column, ids: set, short: bool) -> dict[Any, str]:
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        persons = (await self.session.scalars(select(Person).where(column.in_(ids)))).all()
        return {p.id: p.short_name if short else f"{p.last_name} {p.first_name}" for p in persons}

    async def _student_names(self, ids: set) -> dict[Any, str]:
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Student.id, Person.last_name, Person.first_name)
            .join(Person, Person.id == Student.person_id)
            .where(Student.id.in_(ids))
        )
        return {sid: f"{last} {first}" for sid, last, first in rows.all()}

    async def _lessons(self, ids: set) -> dict[Any, tuple[str, date | None]]:
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Lesson.id, Subject.name, Lesson.date)
            .join(Assignment, Assignment.id == Lesson.assignment_id)
            .join(Subject, Subject.id == Assignment.subject_id)
            .where(Lesson.id.in_(ids))
        )
        return {lesson_id: (name, day) for lesson_id, name, day in rows.all()}

    async def _pairs(self, key, value, ids: set) -> dict[Any, str]:
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        return dict((await self.session.execute(select(key, value).where(key.in_(ids)))).all())

    async def _orders(self, entries: list[AuditEntry]) -> dict[Any, str]:
        """DATA-4: a movement's entry and its order, written together: the movement of that student and kind
        recorded nearest to the entry."""
        if not entries:
            return {}
        movements = (
            await self.session.scalars(select(Movement).where(Movement.student_id.in_({e.student_id for e in entries})))
        ).all()
        found: dict[int, str] = {}
        for entry in entries:
            same = [m for m in movements if m.student_id == entry.student_id and m.kind.value == entry.action]
            if same:
                nearest = min(same, key=lambda m: abs((m.created_at - entry.at).total_seconds()))
                found[entry.id] = nearest.order_number
        return found


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None
