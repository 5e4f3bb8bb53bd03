"""The new school year (DATA-4, ACC-9; 000 §6.2): the next academic year with its periods and holidays copied a year
on, next year's classes from this year's (5А → 6А with the same class teacher; the 11th has none), and each active
student moved by the council's decision (services/year_end.py): promoted → the next grade's class, repeating → the
same grade's class, graduated → archived with no access. Each move is a movement book entry by the decision's order
and a stay from the new year's first day.

The older years stay as they are: their classes, lessons and marks, so last year's diary stays readable. The new
year's teaching load and timetable come from the school's import. Run twice, the second run finds the year and
changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .clock import Clock, school_today
from .db import write_transaction
from .enrolments import enrol, leave
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .invites import revoke_unused
from .links import unlink_all
from .models import (
    AcademicYear,
    ClassGroup,
    Holiday,
    Movement,
    MovementKind,
    Person,
    Role,
    School,
    Student,
    StudentStatus,
    StudyPeriod,
    YearDecision,
    YearDecisionKind,
)
from .records import audit, snapshot
from .year_end import FINAL_GRADES, LAST_GRADE

DAY = timedelta(days=1)
MOVES = {
    YearDecisionKind.PROMOTED: MovementKind.PROMOTION,
    YearDecisionKind.CONDITIONAL: MovementKind.PROMOTION,
    YearDecisionKind.REPEAT: MovementKind.REPEAT,
    YearDecisionKind.GRADUATED: MovementKind.GRADUATION,
}


def a_year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class Move:
    student_id: int
    full_name: str
    from_class: str
    to_class: str | None  # None: graduated
    kind: MovementKind
    decided: bool  # False: promoted without a decision (--promote-rest)


@dataclass(frozen=True)
class NewYearPlan:
    """What the new year does (or did, or would do in a dry run)."""

    name: str
    starts_on: date
    ends_on: date
    exists: bool = False  # the year was made before: nothing is done
    source_name: str = ""
    periods: int = 0
    holidays: int = 0
    classes: tuple[str, ...] = ()  # next year's classes to make
    moves: tuple[Move, ...] = ()
    missing: tuple[str, ...] = ()  # classes with students without a decision
    done: bool = False

    def count(self, kind: MovementKind) -> int:
        return sum(1 for m in self.moves if m.kind == kind)


@dataclass
class _Draft:
    source: AcademicYear
    classes: list[ClassGroup]
    students: list[tuple[Student, ClassGroup, YearDecision | None]]
    holidays: list[Holiday]
    targets: dict[tuple[int, str], int | None] = field(default_factory=dict)  # (grade, letter) -> teacher


class NewYearService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def start(
        self,
        actor: Actor,
        name: str,
        starts_on: date,
        ends_on: date,
        *,
        dry_run: bool = False,
        promote_rest: bool = False,
    ) -> NewYearPlan:
        """DATA-4: the next year and every move into it, in one transaction; with `dry_run`, only what it would do.
        Refused while a class has students without the council's decision, unless `promote_rest` (they are then
        promoted, or graduated from the last grade)."""
        if not actor.has(Role.ADMIN):
            raise Forbidden("new_year.not_allowed")
        name = name.strip()
        if not name or len(name) > 20:
            raise InvalidInput("new_year.bad_name")
        if ends_on <= starts_on:
            raise InvalidInput("new_year.bad_dates")
        async with write_transaction(self.session):
            school = await self.session.get(School, actor.school_id)
            if school is None:
                raise NotFound("school.not_found")
            plain = NewYearPlan(name, starts_on, ends_on)
            if await self.session.scalar(
                select(AcademicYear.id).where(AcademicYear.school_id == school.id, AcademicYear.name == name)
            ):
                return NewYearPlan(name, starts_on, ends_on, exists=True)
            draft = await self._read(school, starts_on)
            plan = self._plan(plain, draft, promote_rest)
            if dry_run:
                return plan
            if plan.missing and not promote_rest:
                raise Conflict("new_year.missing_decisions", classes=", ".join(plan.missing))
            await self._apply(actor, school, plan, draft, promote_rest)
            return NewYearPlan(**{**plan.__dict__, "done": True})

    async def _read(self, school: School, starts_on: date) -> _Draft:
        source = await self.session.scalar(
            select(AcademicYear)
            .where(AcademicYear.school_id == school.id, AcademicYear.starts_on < starts_on)
            .order_by(AcademicYear.starts_on.desc())
        )
        if source is None:
            raise NotFound("new_year.no_year")
        if source.ends_on >= starts_on:
            raise InvalidInput("new_year.overlaps", name=source.name)
        classes = list(
            await self.session.scalars(
                select(ClassGroup).where(ClassGroup.year_id == source.id).order_by(ClassGroup.grade, ClassGroup.letter)
            )
        )
        by_id = {c.id: c for c in classes}
        students = list(
            await self.session.scalars(
                select(Student)
                .join(Person, Person.id == Student.person_id)
                .where(Student.class_id.in_(by_id), Student.status == StudentStatus.ACTIVE)
                .order_by(Person.last_name, Person.first_name, Student.id)
            )
        )
        decisions = {
            d.student_id: d
            for d in await self.session.scalars(select(YearDecision).where(YearDecision.year_id == source.id))
        }
        holidays = await self.session.scalars(
            select(Holiday).where(
                Holiday.school_id == school.id,
                Holiday.starts_on >= source.starts_on,
                Holiday.starts_on <= source.ends_on,
            )
        )
        rows = [(s, by_id[s.class_id], decisions.get(s.id)) for s in students]
        return _Draft(source, classes, rows, list(holidays))

    def _plan(self, plain: NewYearPlan, draft: _Draft, promote_rest: bool) -> NewYearPlan:
        # Every class goes on a grade with its class teacher; after a final grade (the 9th) only if someone does.
        teachers = {(c.grade + 1, c.letter): c.class_teacher_id for c in draft.classes if c.grade < LAST_GRADE}
        targets = {key: teacher for key, teacher in teachers.items() if key[0] - 1 not in FINAL_GRADES}
        moves, missing = [], []
        for student, class_group, decision in draft.students:
            kind = self._kind(class_group, decision)
            if decision is None and class_group.name not in missing:
                missing.append(class_group.name)
            key = self._target(class_group, kind)
            if key is not None:  # a repeater's class may have had no class before it this year
                targets.setdefault(key, teachers.get(key))
            moves.append(
                Move(
                    student.id,
                    student.person.full_name,
                    class_group.name,
                    f"{key[0]}{key[1]}" if key else None,
                    kind,
                    decision is not None,
                )
            )
        draft.targets = targets
        periods = len(draft.source.periods)
        return NewYearPlan(
            plain.name,
            plain.starts_on,
            plain.ends_on,
            source_name=draft.source.name,
            periods=periods,
            holidays=len(draft.holidays),
            classes=tuple(f"{g}{letter}" for g, letter in sorted(targets)),
            moves=tuple(moves),
            missing=tuple(missing),
        )

    @staticmethod
    def _kind(class_group: ClassGroup, decision: YearDecision | None) -> MovementKind:
        if decision is not None:
            return MOVES[decision.decision]
        return MovementKind.GRADUATION if class_group.grade >= LAST_GRADE else MovementKind.PROMOTION

    @staticmethod
    def _target(class_group: ClassGroup, kind: MovementKind) -> tuple[int, str] | None:
        if kind == MovementKind.PROMOTION:
            return (class_group.grade + 1, class_group.letter)
        if kind == MovementKind.REPEAT:
            return (class_group.grade, class_group.letter)
        return None

    async def _apply(self, actor: Actor, school: School, plan: NewYearPlan, draft: _Draft, promote_rest: bool) -> None:
        today = school_today(self.clock, school)
        year = AcademicYear(school_id=school.id, name=plan.name, starts_on=plan.starts_on, ends_on=plan.ends_on)
        year.periods = [
            StudyPeriod(
                name=p.name,
                kind=p.kind,
                grade_from=p.grade_from,
                grade_to=p.grade_to,
                starts_on=a_year_on(p.starts_on),
                ends_on=a_year_on(p.ends_on),
            )
            for p in draft.source.periods
        ]
        self.session.add(year)
        for h in draft.holidays:  # a draft to check: the real calendar comes with the import
            self.session.add(
                Holiday(
                    school_id=school.id,
                    name=h.name,
                    starts_on=a_year_on(h.starts_on),
                    ends_on=a_year_on(h.ends_on),
                    grades=h.grades,
                )
            )
        await self.session.flush()
        new_classes = {}
        for (grade, letter), teacher in sorted(draft.targets.items()):
            new_classes[(grade, letter)] = c = ClassGroup(
                school_id=school.id, year_id=year.id, grade=grade, letter=letter, class_teacher_id=teacher
            )
            self.session.add(c)
        await self.session.flush()
        graduates = []
        for student, class_group, decision in draft.students:
            kind = self._kind(class_group, decision)
            key = self._target(class_group, kind)
            target = new_classes[key] if key else None
            before = snapshot(student, "class_id", "status")
            self.session.add(
                Movement(
                    school_id=school.id,
                    student_id=student.id,
                    kind=kind,
                    order_number=decision.order_number if decision else "",
                    order_date=decision.order_date if decision else today,
                    from_class_id=class_group.id,
                    to_class_id=target.id if target else None,
                    recorded_by=actor.person_id or None,
                )
            )
            if target is not None:
                await enrol(self.session, student, target.id, plan.starts_on)
            else:
                # ACC-9: a graduate's stay ends with the year (or on the order's day, if later); access is closed.
                student.status = StudentStatus.GRADUATED
                ordered = decision.order_date if decision else today
                await leave(self.session, student, max(ordered, draft.source.ends_on + DAY))
                graduates.append(student.person_id)
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id or None,
                action=kind.value,
                entity="student",
                entity_id=student.id,
                before=before,
                after=snapshot(student, "class_id", "status"),
            )
        if graduates:
            await unlink_all(self.session, graduates)  # every channel's (ACC-9)
            await self.session.execute(revoke_unused(graduates, self.clock()))
        audit(
            self.session,
            school_id=school.id,
            actor_id=actor.person_id or None,
            action="new_year",
            entity="academic_year",
            entity_id=year.id,
            after={"name": plan.name, "from": draft.source.name, "promote_rest": promote_rest},
        )
        await self.session.flush()
