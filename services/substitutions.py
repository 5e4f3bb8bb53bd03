"""Substitutions (ACC-5): the deputy director or the administrator gives a substitute teacher the journal access
of an absent teacher's classes and subjects for a range of days (003 §4, "Учителя").

One substitution row per assignment and range; access.py reads them (teaching_assignments, may_keep), /today
lists the substitute's lessons, the diary names the substitute. Rules kept here:
- only the administration of the school assigns or cancels one (ROLE-2); the teachers, the substitute and every
  id are re-checked against the actor's school: a forged id of another school's teacher is refused;
- the range lies within one school year and does not end before it starts;
- the same assignment has at most one substitute on a day: an overlapping substitution is refused (cancel the
  old one first), so that nobody is left unsure who keeps the lesson (SUB-1);
- a substitute who teaches at the same time is allowed (a class may be merged), but the preview says so;
- a substitution made for today or tomorrow is pushed to the class's families (SUB-2), as is its cancellation.
Every change is audited (DATA-3) with its outbox event in one transaction; a draft is saved once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .models import Assignment, ClassGroup, Person, Role, School, StaffRole, Substitution, TimetableEntry
from .pushes.payloads import TimetableChanged
from .records import audit, emit, save_once, snapshot

SHORT_NOTICE_DAYS = 1  # today and tomorrow: the families are told at once (SUB-2)
FIELDS = ("assignment_id", "substitute_id", "starts_on", "ends_on")


@dataclass(frozen=True)
class TeacherItem:
    person_id: int
    name: str  # «Смирнова Е. В.»


@dataclass(frozen=True)
class TaughtItem:
    """An assignment of the absent teacher: a class (or subgroup) and subject."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str


@dataclass(frozen=True)
class Clash:
    """A lesson of the substitute's own at the time of one they would take over."""

    day: date
    number: int
    class_name: str
    subject: str


@dataclass(frozen=True)
class SubstitutionItem:
    id: int
    absent: str
    substitute: str
    taught: TaughtItem
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Overview:
    """The current and coming substitutions of the school, the soonest first."""

    today: date
    items: tuple[SubstitutionItem, ...]


@dataclass(frozen=True)
class Absentees:
    """Whom a substitute may stand in for, and the school's today (where typed days are read from)."""

    today: date
    teachers: tuple[TeacherItem, ...]


@dataclass(frozen=True)
class Draft:
    """What the deputy chose so far; `assignment_id` None: all of the absent teacher's assignments."""

    teacher_id: int
    starts_on: date
    ends_on: date
    assignment_id: int | None = None
    substitute_id: int | None = None


@dataclass(frozen=True)
class Preview:
    absent: TeacherItem
    substitute: TeacherItem
    starts_on: date
    ends_on: date
    taught: tuple[TaughtItem, ...]
    clashes: tuple[Clash, ...]
    short_notice: bool  # the families will be told at once


def _check_admin(actor: Actor) -> None:
    """ROLE-2: the deputy director and the administrator of *this* school."""
    if not actor.oversees(actor.school_id):
        raise Forbidden("substitution.not_allowed")


def _taught(a: Assignment) -> TaughtItem:
    return TaughtItem(a.id, a.class_group.name, a.subgroup.name if a.subgroup else None, a.subject.name)


def short_notice(today: date, starts_on: date, ends_on: date) -> bool:
    """SUB-2: the range touches today or tomorrow."""
    return starts_on <= today + timedelta(days=SHORT_NOTICE_DAYS) and ends_on >= today


class SubstitutionService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- reading ---------------------------------------------------------------------------------

    async def today(self, actor: Actor) -> date:
        return school_today(self.clock, await self.session.get_one(School, actor.school_id))

    async def overview(self, actor: Actor) -> Overview:
        """The substitutions of the school that are on today or to come."""
        _check_admin(actor)
        today = await self.today(actor)
        rows = (
            await self.session.execute(
                select(Substitution, Assignment, Person)
                .join(Assignment, Assignment.id == Substitution.assignment_id)
                .join(Person, Person.id == Substitution.substitute_id)
                .where(Assignment.school_id == actor.school_id, Substitution.ends_on >= today)
                .order_by(Substitution.starts_on, Substitution.ends_on, Substitution.id)
            )
        ).unique()
        items = tuple(
            SubstitutionItem(s.id, a.teacher.short_name, p.short_name, _taught(a), s.starts_on, s.ends_on)
            for s, a, p in rows
        )
        return Overview(today, items)

    async def absent_candidates(self, actor: Actor) -> Absentees:
        """The teachers of the school who have classes this year: whom a substitute may stand in for."""
        _check_admin(actor)
        today = await self.today(actor)
        year = await self._year(actor, today)
        query = (
            select(Person)
            .join(Assignment, Assignment.teacher_id == Person.id)
            .join(ClassGroup, ClassGroup.id == Assignment.class_id)
            .where(Assignment.school_id == actor.school_id)
            .distinct()
        )
        if year is not None:
            query = query.where(ClassGroup.year_id == year)
        people = (await self.session.scalars(query)).all()
        return Absentees(
            today, tuple(sorted((TeacherItem(p.id, p.short_name) for p in people), key=lambda t: (t.name, t.person_id)))
        )

    async def teacher(self, actor: Actor, teacher_id: int) -> TeacherItem:
        """The absent teacher, checked: a teacher of the actor's school (a forged id of another school is refused)."""
        _check_admin(actor)
        return TeacherItem(teacher_id, (await self._teacher(actor, teacher_id)).short_name)

    async def taught(self, actor: Actor, teacher_id: int, starts_on: date, ends_on: date) -> list[TaughtItem]:
        """The absent teacher's classes and subjects in the school year of the dates, once the dates are checked."""
        _check_admin(actor)
        await self._teacher(actor, teacher_id)
        year = await self._check_dates(actor, starts_on, ends_on)
        return [_taught(a) for a in await self._assignments(actor, teacher_id, year, None)]

    async def substitutes(self, actor: Actor, draft: Draft) -> list[TeacherItem]:
        """The school's teachers who may stand in: any teacher of the school but the absent one."""
        _check_admin(actor)
        await self._chosen(actor, draft)
        people = (
            await self.session.scalars(
                select(Person)
                .join(StaffRole, StaffRole.person_id == Person.id)
                .where(
                    Person.school_id == actor.school_id,
                    StaffRole.role == Role.TEACHER,
                    Person.id != draft.teacher_id,
                )
                .distinct()
            )
        ).all()
        return sorted((TeacherItem(p.id, p.short_name) for p in people), key=lambda t: (t.name, t.person_id))

    async def preview(self, actor: Actor, draft: Draft) -> Preview:
        """Everything `assign` checks and what it would write, with the substitute's clashing lessons; no writes."""
        _check_admin(actor)
        absent, substitute, chosen = await self._checked(actor, draft)
        await self._check_free(chosen, draft)
        today = await self.today(actor)
        return Preview(
            absent=TeacherItem(absent.id, absent.short_name),
            substitute=TeacherItem(substitute.id, substitute.short_name),
            starts_on=draft.starts_on,
            ends_on=draft.ends_on,
            taught=tuple(_taught(a) for a in chosen),
            clashes=tuple(await self._clashes(actor, chosen, substitute.id, draft)),
            short_notice=short_notice(today, draft.starts_on, draft.ends_on),
        )

    # ---- writing ---------------------------------------------------------------------------------

    async def assign(self, actor: Actor, draft: Draft, draft_id: str | None = None) -> Overview:
        """ACC-5: writes one substitution per chosen assignment, their audit rows (DATA-3) and, on short notice,
        a timetable change for each class's families (SUB-2), in one transaction. One draft is saved once: again,
        AlreadySaved. An overlapping substitution of the same assignment is refused (SUB-1). The list after it."""
        _check_admin(actor)
        async with write_transaction(self.session):
            # The draft's id first: a second tap is told it is saved, not that its own row overlaps.
            await save_once(self.session, draft_id)
            preview = await self.preview(actor, draft)
            _absent, substitute, chosen = await self._checked(actor, draft)
            rows = [
                Substitution(
                    assignment_id=a.id, substitute_id=substitute.id, starts_on=draft.starts_on, ends_on=draft.ends_on
                )
                for a in chosen
            ]
            self.session.add_all(rows)
            await self.session.flush()
            for row, a in zip(rows, chosen, strict=True):
                audit(
                    self.session,
                    school_id=actor.school_id,
                    actor_id=actor.person_id,
                    action="add",
                    entity="substitution",
                    entity_id=row.id,
                    after=snapshot(row, *FIELDS),
                )
                if preview.short_notice:
                    emit(self.session, actor.school_id, _change(row, a, substitute.short_name, cancelled=False))
        return await self.overview(actor)

    async def cancel(self, actor: Actor, substitution_id: int) -> Overview:
        """Takes a substitution back (the regular teacher keeps the lesson again), audited; the families are told
        when it was on today or tomorrow (SUB-2). Another school's id is refused as not found. The list after it."""
        _check_admin(actor)
        async with write_transaction(self.session):
            found = (
                await self.session.execute(
                    select(Substitution, Assignment)
                    .join(Assignment, Assignment.id == Substitution.assignment_id)
                    .where(Substitution.id == substitution_id, Assignment.school_id == actor.school_id)
                )
            ).first()
            if found is None:
                raise NotFound("substitution.not_found")
            row, a = found
            substitute = await self.session.get_one(Person, row.substitute_id)
            today = school_today(self.clock, await self.session.get_one(School, actor.school_id))
            if short_notice(today, row.starts_on, row.ends_on):
                emit(self.session, actor.school_id, _change(row, a, substitute.short_name, cancelled=True))
            audit(
                self.session,
                school_id=actor.school_id,
                actor_id=actor.person_id,
                action="delete",
                entity="substitution",
                entity_id=row.id,
                before=snapshot(row, *FIELDS),
            )
            await self.session.delete(row)
        return await self.overview(actor)

    # ---- internals -------------------------------------------------------------------------------

    async def _teacher(self, actor: Actor, person_id: int) -> Person:
        """A teacher of the actor's school; anyone else (another school's, a parent, no one) looks like nobody."""
        person = await self.session.get(Person, person_id)
        is_teacher = await self.session.scalar(
            select(StaffRole.id).where(StaffRole.person_id == person_id, StaffRole.role == Role.TEACHER)
        )
        taught = await self.session.scalar(select(Assignment.id).where(Assignment.teacher_id == person_id).limit(1))
        if person is None or person.school_id != actor.school_id or (is_teacher is None and taught is None):
            raise NotFound("substitution.no_such_teacher")
        return person

    async def _year(self, actor: Actor, day: date) -> int | None:
        calendar = await SchoolCalendar.load(self.session, actor.school_id, day)
        return calendar.year.id if calendar.year is not None else None

    async def _check_dates(self, actor: Actor, starts_on: date, ends_on: date) -> int:
        """PER-1: within one school year, and not ending before it starts. The year's id."""
        if ends_on < starts_on:
            raise InvalidInput("substitution.ends_before_start")
        calendar = await SchoolCalendar.load(self.session, actor.school_id, starts_on)
        year = calendar.year
        if year is None or not (year.starts_on <= starts_on and ends_on <= year.ends_on):
            raise InvalidInput("substitution.outside_year")
        return year.id

    async def _assignments(
        self, actor: Actor, teacher_id: int, year_id: int, assignment_id: int | None
    ) -> list[Assignment]:
        query = (
            select(Assignment)
            .join(ClassGroup, ClassGroup.id == Assignment.class_id)
            .where(
                Assignment.school_id == actor.school_id,
                Assignment.teacher_id == teacher_id,
                ClassGroup.year_id == year_id,
            )
            .order_by(ClassGroup.grade, ClassGroup.letter, Assignment.id)
        )
        if assignment_id is not None:
            query = query.where(Assignment.id == assignment_id)
        return list((await self.session.scalars(query)).unique().all())

    async def _chosen(self, actor: Actor, draft: Draft) -> list[Assignment]:
        """The draft's teacher, dates and assignments checked; a forged assignment (another teacher's, another
        school's) is refused."""
        await self._teacher(actor, draft.teacher_id)
        year = await self._check_dates(actor, draft.starts_on, draft.ends_on)
        chosen = await self._assignments(actor, draft.teacher_id, year, draft.assignment_id)
        if not chosen:
            raise NotFound("substitution.no_such_class")
        return chosen

    async def _checked(self, actor: Actor, draft: Draft) -> tuple[Person, Person, list[Assignment]]:
        chosen = await self._chosen(actor, draft)
        if draft.substitute_id is None:
            raise InvalidInput("substitution.no_substitute")
        if draft.substitute_id == draft.teacher_id:
            raise InvalidInput("substitution.same_teacher")
        substitute = await self._teacher(actor, draft.substitute_id)
        return await self.session.get_one(Person, draft.teacher_id), substitute, chosen

    async def _check_free(self, chosen: Sequence[Assignment], draft: Draft) -> None:
        """SUB-1: one substitute per assignment and day."""
        taken = await self.session.scalar(
            select(Substitution.id)
            .where(
                Substitution.assignment_id.in_([a.id for a in chosen]),
                Substitution.starts_on <= draft.ends_on,
                Substitution.ends_on >= draft.starts_on,
            )
            .limit(1)
        )
        if taken is not None:
            raise Conflict("substitution.overlaps")

    async def _clashes(
        self, actor: Actor, chosen: Sequence[Assignment], substitute_id: int, draft: Draft
    ) -> list[Clash]:
        """The substitute's own lessons (and those they already stand in for) at the times of the lessons they
        would take over, day by day from the timetable in force; holidays have none."""
        theirs = {
            a.id: a
            for a in (
                await self.session.scalars(
                    select(Assignment).where(
                        Assignment.school_id == actor.school_id,
                        or_(
                            Assignment.teacher_id == substitute_id,
                            Assignment.id.in_(
                                select(Substitution.assignment_id).where(
                                    Substitution.substitute_id == substitute_id,
                                    Substitution.starts_on <= draft.ends_on,
                                    Substitution.ends_on >= draft.starts_on,
                                )
                            ),
                        ),
                    )
                )
            ).unique()
        }
        if not theirs:
            return []
        entries = (
            await self.session.scalars(
                select(TimetableEntry).where(
                    TimetableEntry.assignment_id.in_([*theirs, *(a.id for a in chosen)]),
                    TimetableEntry.valid_from <= draft.ends_on,
                    or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= draft.starts_on),
                )
            )
        ).unique()
        by_weekday: dict[int, list[TimetableEntry]] = defaultdict(list)
        for e in entries:
            by_weekday[e.weekday].append(e)
        own_substitutions = {
            (s.assignment_id): s
            for s in await self.session.scalars(
                select(Substitution).where(
                    Substitution.substitute_id == substitute_id,
                    Substitution.starts_on <= draft.ends_on,
                    Substitution.ends_on >= draft.starts_on,
                )
            )
        }
        calendar = await SchoolCalendar.load(self.session, actor.school_id, draft.starts_on)
        taken_over = {a.id: a for a in chosen}
        clashes = []
        for day in _days(draft.starts_on, draft.ends_on):
            on_day = [e for e in by_weekday.get(day.weekday(), ()) if _valid(e, day)]
            wanted = {
                e.lesson_number
                for e in on_day
                if e.assignment_id in taken_over
                and calendar.status(day, taken_over[e.assignment_id].class_group.grade).has_lessons
            }
            for e in on_day:
                a = theirs.get(e.assignment_id)
                if a is None or e.lesson_number not in wanted or e.assignment_id in taken_over:
                    continue
                held = own_substitutions.get(a.id)
                if a.teacher_id != substitute_id and (held is None or not held.starts_on <= day <= held.ends_on):
                    continue
                if calendar.status(day, a.class_group.grade).has_lessons:
                    clashes.append(Clash(day, e.lesson_number, a.class_group.name, a.subject.name))
        return sorted(set(clashes), key=lambda c: (c.day, c.number, c.class_name))


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _valid(entry: TimetableEntry, day: date) -> bool:
    return entry.valid_from <= day and (entry.valid_to is None or entry.valid_to >= day)


def _change(row: Substitution, a: Assignment, substitute: str, *, cancelled: bool) -> TimetableChanged:
    return TimetableChanged(
        substitution_id=row.id,
        class_id=a.class_id,
        subgroup_id=a.subgroup_id,
        class_name=a.class_group.name,
        subgroup=a.subgroup.name if a.subgroup else None,
        subject=a.subject.name,
        teacher=a.teacher.short_name,
        substitute=substitute,
        starts_on=row.starts_on.isoformat(),
        ends_on=row.ends_on.isoformat(),
        cancelled=cancelled,
    )
