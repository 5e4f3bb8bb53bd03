"""The year's end (PER-5, DATA-4; 000 §6.2, §6.7.15): the pedagogical council's decision on each student of a
class, recorded by the deputy director or the administrator with the director's order, and the conditionally
promoted followed until their academic debt is cleared.

A decision is suggested from the year marks: no debt → promoted (a certificate in a final grade); a debt → promoted
conditionally with its subjects (left to repeat the year in a final grade, where no conditional promotion exists).
The deputy confirms the suggestions or changes a student's decision; one decision per student and year."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, ClassRef
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, NotFound
from .final_marks import year_debts
from .models import (
    AcademicYear,
    ClassGroup,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Person,
    School,
    Student,
    StudentStatus,
    Subject,
    YearDecision,
    YearDecisionKind,
)
from .records import audit, save_once, snapshot
from .text import clean_text

# The grades that end with a certificate (аттестат): the basic school's 9th and the secondary school's 11th. A
# school setting would belong to the school's import; every Russian school has these two.
FINAL_GRADES = frozenset({9, 11})
LAST_GRADE = 11  # no class follows it
ORDER_MAX = 40  # as Movement.order_number

PASSING = 3  # a year mark below it (2, or «н/а») is an academic debt


def allowed_decisions(grade: int) -> tuple[YearDecisionKind, ...]:
    """Which decisions fit a grade: the 11th ends school; the 9th ends basic school, or goes on to the 10th."""
    if grade >= LAST_GRADE:
        return (YearDecisionKind.GRADUATED, YearDecisionKind.REPEAT)
    if grade in FINAL_GRADES:
        return (YearDecisionKind.GRADUATED, YearDecisionKind.PROMOTED, YearDecisionKind.REPEAT)
    return (YearDecisionKind.PROMOTED, YearDecisionKind.CONDITIONAL, YearDecisionKind.REPEAT)


def suggest(grade: int, has_debts: bool) -> YearDecisionKind:
    if grade in FINAL_GRADES or grade >= LAST_GRADE:
        return YearDecisionKind.REPEAT if has_debts else YearDecisionKind.GRADUATED
    return YearDecisionKind.CONDITIONAL if has_debts else YearDecisionKind.PROMOTED


@dataclass(frozen=True)
class StudentDecision:
    student_id: int
    full_name: str
    suggested: YearDecisionKind
    debts: tuple[str, ...]  # the subjects of debt now (year marks of 2 or «н/а»)
    recorded: YearDecisionKind | None  # the decision recorded, if any
    recorded_debts: tuple[str, ...] = ()  # the subjects a recorded conditional promotion names
    order_number: str = ""
    order_date: date | None = None


@dataclass(frozen=True)
class ClassDecisions:
    """A class's sheet at the year's end: each active student with the suggested and the recorded decision."""

    class_id: int
    class_name: str
    grade: int
    year_name: str
    allowed: tuple[YearDecisionKind, ...]
    students: tuple[StudentDecision, ...]

    @property
    def decided(self) -> bool:
        return bool(self.students) and all(s.recorded is not None for s in self.students)

    def student(self, student_id: int) -> StudentDecision | None:
        return next((s for s in self.students if s.student_id == student_id), None)


@dataclass(frozen=True)
class ConditionalStudent:
    """PER-5: a conditionally promoted student and what is left of the debt (a revision by order clears it)."""

    student_id: int
    full_name: str
    class_name: str  # the present class
    year_name: str  # of the decision
    order_number: str
    order_date: date
    debts: tuple[str, ...]  # named by the decision
    left: tuple[str, ...]  # still without a year mark of 3 or more

    @property
    def cleared(self) -> bool:
        return not self.left


class YearEndService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def _school(self, actor: Actor) -> School:
        """ROLE-2: the deputy director or the administrator of their own school."""
        if not actor.oversees(actor.school_id):
            raise Forbidden("year_end.not_allowed")
        return await self.session.get_one(School, actor.school_id)

    async def decision_year(self, school: School) -> AcademicYear | None:
        """The year whose end is decided: the latest one begun by today (in the summer, the one just ended, even
        when next year's is already made)."""
        today = school_today(self.clock, school)
        years = select(AcademicYear).where(AcademicYear.school_id == school.id)
        return (
            await self.session.scalar(
                years.where(AcademicYear.starts_on <= today).order_by(AcademicYear.starts_on.desc())
            )
        ) or await self.session.scalar(years.order_by(AcademicYear.starts_on))

    async def classes(self, actor: Actor) -> list[ClassRef]:
        """The classes of the year whose end is decided."""
        school = await self._school(actor)
        year = await self.decision_year(school)
        if year is None:
            return []
        rows = await self.session.scalars(
            select(ClassGroup)
            .where(ClassGroup.year_id == year.id, ClassGroup.school_id == school.id)
            .order_by(ClassGroup.grade, ClassGroup.letter)
        )
        return [ClassRef(c.id, c.name) for c in rows]

    async def _class(self, actor: Actor, class_id: int) -> ClassGroup:
        await self._school(actor)
        class_group = await self.session.get(ClassGroup, class_id)
        if class_group is None or class_group.school_id != actor.school_id:  # another school's, or forged
            raise NotFound("class.not_found")
        return class_group

    async def sheet(self, actor: Actor, class_id: int) -> ClassDecisions:
        """The class's students (active, in this class now) with their suggested and recorded decisions."""
        return await self._sheet(await self._class(actor, class_id))

    async def _sheet(self, class_group: ClassGroup) -> ClassDecisions:
        students = (
            await self.session.execute(
                select(Student.id, Person.last_name, Person.first_name, Person.middle_name)
                .join(Person, Person.id == Student.person_id)
                .where(Student.class_id == class_group.id, Student.status == StudentStatus.ACTIVE)
                .order_by(Person.last_name, Person.first_name, Person.middle_name, Student.id)
            )
        ).all()
        ids = [row[0] for row in students]
        debts = await year_debts(self.session, ids, class_group.year_id)
        recorded = {
            d.student_id: d
            for d in await self.session.scalars(
                select(YearDecision).where(
                    YearDecision.student_id.in_(ids), YearDecision.year_id == class_group.year_id
                )
            )
        }
        names = await self._subject_names({s for d in recorded.values() for s in d.debts})
        year = await self.session.get_one(AcademicYear, class_group.year_id)
        rows = []
        for student_id, last, first, middle in students:
            owed = debts.get(student_id, {})
            decision = recorded.get(student_id)
            rows.append(
                StudentDecision(
                    student_id=student_id,
                    full_name=" ".join(p for p in (last, first, middle) if p),
                    suggested=suggest(class_group.grade, bool(owed)),
                    debts=tuple(owed.values()),
                    recorded=decision.decision if decision else None,
                    recorded_debts=tuple(names.get(s, "?") for s in decision.debts) if decision else (),
                    order_number=decision.order_number if decision else "",
                    order_date=decision.order_date if decision else None,
                )
            )
        return ClassDecisions(
            class_id=class_group.id,
            class_name=class_group.name,
            grade=class_group.grade,
            year_name=year.name,
            allowed=allowed_decisions(class_group.grade),
            students=tuple(rows),
        )

    async def _subject_names(self, ids: Collection[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict((await self.session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(ids)))).all())

    async def record(
        self,
        actor: Actor,
        class_id: int,
        order_number: str,
        order_date: date,
        changes: Mapping[int, YearDecisionKind] | None = None,
        *,
        only: Collection[int] | None = None,
        draft: str | None = None,
    ) -> ClassDecisions:
        """PER-5, DATA-4: the council's decisions for the class's students by the order: the students in `changes`
        as given, the others without a decision as suggested; with `only`, those students alone. A decision recorded
        before stays unless changed, and is replaced (audited) only when it differs, so a repeated save changes
        nothing; a draft id makes a second tap on the same screen refused (AlreadySaved)."""
        changes = dict(changes or {})
        order_number = clean_text(order_number, one_line=True)
        if not order_number:
            raise InvalidInput("year_end.order_required")
        if len(order_number) > ORDER_MAX:
            raise InvalidInput("movement.order_too_long", max=ORDER_MAX)
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            class_group = await self._class(actor, class_id)
            sheet = await self._sheet(class_group)
            listed = {s.student_id for s in sheet.students}
            wanted = set(only) if only is not None else listed
            if not wanted <= listed or not set(changes) <= wanted:  # a forged id, or a student of another class
                raise NotFound("student.not_found")
            if any(kind not in sheet.allowed for kind in changes.values()):
                raise InvalidInput("year_end.decision_not_allowed", class_name=class_group.name)
            debts = await year_debts(self.session, wanted, class_group.year_id)
            existing = {
                d.student_id: d
                for d in await self.session.scalars(
                    select(YearDecision).where(
                        YearDecision.student_id.in_(wanted), YearDecision.year_id == class_group.year_id
                    )
                )
            }
            for row in sheet.students:
                if row.student_id not in wanted or (row.student_id not in changes and row.student_id in existing):
                    continue  # a decision recorded before stays unless it is changed
                kind = changes.get(row.student_id, row.suggested)
                owed = sorted(debts.get(row.student_id, {})) if kind == YearDecisionKind.CONDITIONAL else []
                if kind == YearDecisionKind.CONDITIONAL and not owed:
                    raise InvalidInput("year_end.no_debts", name=row.full_name)
                self._write(
                    actor,
                    class_group,
                    existing.get(row.student_id),
                    row.student_id,
                    kind,
                    owed,
                    order_number,
                    order_date,
                )
            await self.session.flush()
            return await self._sheet(class_group)

    def _write(
        self,
        actor: Actor,
        class_group: ClassGroup,
        decision: YearDecision | None,
        student_id: int,
        kind: YearDecisionKind,
        debts: list[int],
        order_number: str,
        order_date: date,
    ) -> None:
        fields = ("decision", "debts", "order_number", "order_date")
        before = snapshot(decision, *fields) if decision else None
        if decision is None:
            decision = YearDecision(
                school_id=class_group.school_id,
                student_id=student_id,
                year_id=class_group.year_id,
                class_id=class_group.id,
            )
            self.session.add(decision)
        elif (decision.decision, list(decision.debts), decision.order_number, decision.order_date) == (
            kind,
            debts,
            order_number,
            order_date,
        ):
            return  # the same decision again: nothing to write
        decision.decision, decision.debts = kind, debts
        decision.order_number, decision.order_date = order_number, order_date
        decision.class_id, decision.recorded_by = class_group.id, actor.person_id or None
        decision.recorded_at = self.clock()
        audit(
            self.session,
            school_id=class_group.school_id,
            actor_id=actor.person_id or None,
            action="year_decision",
            entity="student",
            entity_id=student_id,
            before=before,
            after=snapshot(decision, *fields),
        )

    async def conditional(self, actor: Actor) -> list[ConditionalStudent]:
        """PER-5: the conditionally promoted students still at school, each with the subjects of the decision and
        those still owed: a subject is cleared when its year mark of the decision's year is 3 or more (a revision
        by the director's order). The decision itself stays as recorded."""
        school = await self._school(actor)
        rows = (
            await self.session.execute(
                select(YearDecision, Person, ClassGroup, AcademicYear)
                .join(Student, Student.id == YearDecision.student_id)
                .join(Person, Person.id == Student.person_id)
                .join(ClassGroup, ClassGroup.id == Student.class_id)
                .join(AcademicYear, AcademicYear.id == YearDecision.year_id)
                .where(
                    YearDecision.school_id == school.id,
                    YearDecision.decision == YearDecisionKind.CONDITIONAL,
                    Student.status == StudentStatus.ACTIVE,
                )
                .order_by(AcademicYear.starts_on.desc(), ClassGroup.grade, ClassGroup.letter, Person.last_name)
            )
        ).all()
        names = await self._subject_names({s for row in rows for s in row[0].debts})
        # The subjects whose year mark is now 3 or more (or «зач.», «осв.»): a debt without one is still owed.
        passed = {
            (student_id, year_id, subject_id)
            for student_id, year_id, subject_id in await self.session.execute(
                select(FinalMark.student_id, FinalMark.year_id, FinalMark.subject_id).where(
                    FinalMark.student_id.in_({row[0].student_id for row in rows}),
                    FinalMark.kind == FinalMarkKind.YEAR,
                    or_(FinalMark.value >= PASSING, FinalMark.result.in_((FinalResult.PASSED, FinalResult.EXEMPT))),
                )
            )
        }
        result = []
        for decision, person, class_group, year in rows:
            result.append(
                ConditionalStudent(
                    student_id=decision.student_id,
                    full_name=person.full_name,
                    class_name=class_group.name,
                    year_name=year.name,
                    order_number=decision.order_number,
                    order_date=decision.order_date,
                    debts=tuple(names.get(s, "?") for s in decision.debts),
                    left=tuple(
                        names.get(s, "?")
                        for s in decision.debts
                        if (decision.student_id, decision.year_id, s) not in passed
                    ),
                )
            )
        return result
