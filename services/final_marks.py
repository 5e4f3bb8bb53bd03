"""Year, exam and final marks (PER-2, PER-3, PER-6) of a class and subject, set by its teacher from the period
sheet; the school's rules that suggest them; and the subjects a student owes (a year mark of 2 or «н/а»).

When: the year mark from the day the year's last period ends; the exam mark from the exam's day (only where the
school has an exam for the grade and subject, `Exam`); the final mark once both are known. The teacher sets and
changes them for FINALS_EDIT_DAYS after that; later only the director's order changes them (PER-5,
services/revisions.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep, may_keep
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, Locked, NotFound
from .grading import check_mark_value
from .grading_policy import USUAL, GradingPolicy, rounded
from .journal import roster_of
from .models import (
    AcademicYear,
    Assignment,
    Exam,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Role,
    School,
    StudyPeriod,
    Subject,
    utcnow,
)
from .records import audit, snapshot

FINALS_EDIT_DAYS = 7  # the teacher's days to set and correct year, exam and final marks; then only by order
YEAR_KINDS = (FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.FINAL)


@dataclass(frozen=True)
class Outcome:
    """A period, year, exam or final mark: a mark of the scale, or «н/а», «зач.», «осв.»."""

    result: FinalResult
    value: int | None = None

    @classmethod
    def mark(cls, value: int) -> Outcome:
        return cls(FinalResult.MARK, value)

    @classmethod
    def of(cls, mark: FinalMark | None) -> Outcome | None:
        if mark is None:
            return None
        return cls(mark.result, mark.value if mark.result is FinalResult.MARK else None)

    @property
    def numeric(self) -> bool:
        return self.result is FinalResult.MARK and self.value is not None


def suggest_year(periods: Sequence[Outcome | None], policy: GradingPolicy = USUAL) -> Outcome | None:
    """PER-3: the mean of the period marks, rounded by the school's rule (`grading_policy.rounded`). No suggestion
    while a period mark is missing. Periods «осв.» or «зач.» do not count in the mean; without a
    numeric period mark the year is «н/а» if a period was, else «зач.» if a period was, else «осв.»."""
    if not periods or any(p is None for p in periods):
        return None
    known = [p for p in periods if p is not None]
    numbers = [p.value for p in known if p.numeric and p.value is not None]
    if any(p.result is FinalResult.NOT_ATTESTED for p in known):
        return Outcome(FinalResult.NOT_ATTESTED)
    if numbers:
        return Outcome.mark(rounded(policy, sum(numbers) / len(numbers)))
    if any(p.result is FinalResult.PASSED for p in known):
        return Outcome(FinalResult.PASSED)
    return Outcome(FinalResult.EXEMPT)


def suggest_final(
    year: Outcome | None, exam: Outcome | None, has_exam: bool, policy: GradingPolicy = USUAL
) -> Outcome | None:
    """The final mark: the year mark where there is no exam; with one, the mean of the year and exam marks rounded
    by the school's rule. Anything else (an exam «н/а», say) the teacher decides."""
    if year is None:
        return None
    if not has_exam:
        return year
    if exam is None:
        return None
    if year.numeric and exam.numeric and year.value is not None and exam.value is not None:
        return Outcome.mark(rounded(policy, (year.value + exam.value) / 2))
    return exam if exam == year else None


def results_offered(school: School) -> tuple[FinalResult, ...]:
    """The results without a number the school uses for year, exam and final marks (its setting, PER-2)."""
    return GradingPolicy.of(school).results


@dataclass(frozen=True)
class FinalRow:
    student_id: int
    name: str
    periods: tuple[Outcome | None, ...]  # in the order of FinalSheet.period_names
    year: Outcome | None
    exam: Outcome | None
    final: Outcome | None
    year_suggested: Outcome | None
    final_suggested: Outcome | None

    def get(self, kind: FinalMarkKind) -> Outcome | None:
        return {FinalMarkKind.YEAR: self.year, FinalMarkKind.EXAM: self.exam, FinalMarkKind.FINAL: self.final}[kind]

    def suggested(self, kind: FinalMarkKind) -> Outcome | None:
        return {FinalMarkKind.YEAR: self.year_suggested, FinalMarkKind.FINAL: self.final_suggested}.get(kind)


@dataclass(frozen=True)
class FinalSheet:
    """The year's marks of a class and subject: each student's period marks, year, exam and final marks."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str
    period_names: tuple[str, ...]
    last_period_id: int
    rows: tuple[FinalRow, ...]
    year_from: date  # the day the last period ends: year marks from then (PER-2)
    exam_on: date | None  # the exam's day, if the grade has one in this subject
    closes_on: date  # the teacher's last day; later only by order (PER-5)
    today: date
    may_set: bool
    mark_min: int
    mark_max: int
    results: tuple[FinalResult, ...]

    def opens_on(self, kind: FinalMarkKind) -> date:
        if kind is FinalMarkKind.EXAM and self.exam_on is not None:
            return self.exam_on
        if kind is FinalMarkKind.FINAL and self.exam_on is not None:
            return max(self.year_from, self.exam_on)
        return self.year_from

    def open(self, kind: FinalMarkKind) -> bool:
        if kind is FinalMarkKind.EXAM and self.exam_on is None:
            return False
        return self.may_set and self.opens_on(kind) <= self.today <= self.closes_on

    @property
    def kinds(self) -> tuple[FinalMarkKind, ...]:
        """The kinds of mark this sheet has: the exam only where there is one."""
        return tuple(k for k in YEAR_KINDS if k is not FinalMarkKind.EXAM or self.exam_on is not None)

    def row(self, student_id: int) -> FinalRow:
        for row in self.rows:
            if row.student_id == student_id:
                return row
        raise Forbidden("student.not_in_lesson")


class FinalMarkService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def sheet(self, actor: Actor, assignment_id: int) -> FinalSheet:
        """PER-2: the teacher of the class and subject sets the marks; its class teacher and the administration
        read them (ACC-4, ROLE-2)."""
        assignment, school, periods, exam, today = await self._load(assignment_id)
        policy = GradingPolicy.of(school)
        keeps = await may_keep(self.session, actor, assignment, today)
        if not (keeps or actor.sees_class(assignment.class_group)):
            raise Forbidden("journal.not_your_class")
        # The class at the year's end: who studied in it on its last period's last day (DATA-4).
        students = await roster_of(self.session, assignment, periods[-1].ends_on if periods else today)
        marks = await self._marks([s.id for s in students], assignment.subject_id, assignment.class_group.year_id)
        rows = []
        for s in students:
            mine = marks.get(s.id, {})
            in_periods = tuple(Outcome.of(mine.get((FinalMarkKind.PERIOD, p.id))) for p in periods)
            year = Outcome.of(mine.get((FinalMarkKind.YEAR, None)))
            exam_mark = Outcome.of(mine.get((FinalMarkKind.EXAM, None)))
            rows.append(
                FinalRow(
                    student_id=s.id,
                    name=s.person.full_name,
                    periods=in_periods,
                    year=year,
                    exam=exam_mark,
                    final=Outcome.of(mine.get((FinalMarkKind.FINAL, None))),
                    year_suggested=suggest_year(in_periods, policy),
                    final_suggested=suggest_final(year, exam_mark, exam is not None, policy),
                )
            )
        year_from = periods[-1].ends_on
        exam_on = exam.held_on if exam else None
        return FinalSheet(
            assignment_id=assignment.id,
            class_name=assignment.class_group.name,
            subgroup=assignment.subgroup.name if assignment.subgroup else None,
            subject=assignment.subject.name,
            period_names=tuple(p.name for p in periods),
            last_period_id=periods[-1].id,
            rows=tuple(rows),
            year_from=year_from,
            exam_on=exam_on,
            closes_on=max(year_from, exam_on or year_from) + timedelta(days=FINALS_EDIT_DAYS),
            today=today,
            may_set=keeps,
            mark_min=school.mark_min,
            mark_max=school.mark_max,
            results=results_offered(school),
        )

    async def set_mark(
        self, actor: Actor, assignment_id: int, student_id: int, kind: FinalMarkKind, outcome: Outcome
    ) -> bool:
        """PER-2: the teacher sets a year, exam or final mark of a student of the class (a value of the scale, or
        a result the school uses). Refused before its day, after FINALS_EDIT_DAYS (then PER-5), for an exam the
        grade does not have. Returns False if the mark was so already (a second tap writes nothing)."""
        if kind not in YEAR_KINDS:
            raise InvalidInput("final.bad_kind")
        assignment, school, _periods, _exam, today = await self._load(assignment_id)
        await check_keep(self.session, actor, assignment, today)
        sheet = await self.sheet(actor, assignment_id)
        sheet.row(student_id)  # refuses a student who is not in the class or subgroup
        if kind is FinalMarkKind.EXAM and sheet.exam_on is None:
            raise InvalidInput("final.no_exam")
        if today < sheet.opens_on(kind):
            raise InvalidInput("final.not_yet", day=sheet.opens_on(kind))
        if today > sheet.closes_on:
            raise Locked("final.closed", closed_on=sheet.closes_on)
        check_outcome(school, assignment.class_group.grade, outcome, sheet.results)
        async with write_transaction(self.session):
            await self.session.scalar(select(Assignment.id).where(Assignment.id == assignment.id).with_for_update())
            return await self._write(actor, school.id, student_id, assignment, kind, outcome)

    async def _write(
        self,
        actor: Actor,
        school_id: int,
        student_id: int,
        assignment: Assignment,
        kind: FinalMarkKind,
        outcome: Outcome,
    ) -> bool:
        year_id = assignment.class_group.year_id
        mark = await self.session.scalar(
            select(FinalMark)
            .where(
                FinalMark.student_id == student_id,
                FinalMark.subject_id == assignment.subject_id,
                FinalMark.kind == kind,
                FinalMark.year_id == year_id,
                FinalMark.period_id.is_(None),
            )
            .execution_options(populate_existing=True)
        )
        if mark is not None and Outcome.of(mark) == outcome:
            return False
        before = snapshot(mark, "value", "result") if mark else None
        if mark is None:
            mark = FinalMark(
                student_id=student_id, subject_id=assignment.subject_id, year_id=year_id, period_id=None, kind=kind
            )
            self.session.add(mark)
        mark.value, mark.result = outcome.value, outcome.result
        mark.set_by, mark.set_at = actor.person_id or None, utcnow()
        await self.session.flush()
        audit(
            self.session,
            school_id=school_id,
            actor_id=actor.person_id or None,
            action="set",
            entity="final_mark",
            entity_id=mark.id,
            before=before,
            after=snapshot(mark, "student_id", "subject_id", "kind", "value", "result"),
        )
        return True

    async def schedule_exam(self, actor: Actor, grade: int, subject_name: str, held_on: date) -> bool:
        """PER-2: the school's exam of a grade in a subject, held on `held_on` in the school year that holds that
        day; its mark is set from that day. The administration records it (ROLE-2); a second call moves the day.
        Returns whether anything changed."""
        if not actor.has(Role.DEPUTY, Role.ADMIN):
            raise Forbidden("revision.not_allowed")
        async with write_transaction(self.session):
            school = await self.session.get_one(School, actor.school_id)
            if grade in school.no_mark_grades or not 1 <= grade <= 11:
                raise InvalidInput("mark.no_marks_grade", grade=grade)
            subject = await self.session.scalar(
                select(Subject).where(Subject.school_id == school.id, Subject.name == subject_name.strip())
            )
            if subject is None:
                raise NotFound("exam.no_subject", name=subject_name.strip())
            year = await self.session.scalar(
                select(AcademicYear).where(
                    AcademicYear.school_id == school.id,
                    AcademicYear.starts_on <= held_on,
                    AcademicYear.ends_on >= held_on,
                )
            )
            if year is None:
                raise InvalidInput("exam.outside_year")
            exam = await exam_of(self.session, year.id, grade, subject.id)
            if exam is not None and exam.held_on == held_on:
                return False
            before = snapshot(exam, "held_on") if exam else None
            if exam is None:
                exam = Exam(school_id=school.id, year_id=year.id, grade=grade, subject_id=subject.id, held_on=held_on)
                self.session.add(exam)
            exam.held_on = held_on
            await self.session.flush()
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id or None,
                action="exam",
                entity="exam",
                entity_id=exam.id,
                before=before,
                after=snapshot(exam, "grade", "subject_id", "held_on"),
            )
            return True

    async def _marks(
        self, student_ids: list[int], subject_id: int, year_id: int
    ) -> dict[int, dict[tuple[FinalMarkKind, int | None], FinalMark]]:
        found: dict[int, dict[tuple[FinalMarkKind, int | None], FinalMark]] = defaultdict(dict)
        for mark in await self.session.scalars(
            select(FinalMark).where(
                FinalMark.student_id.in_(student_ids),
                FinalMark.subject_id == subject_id,
                FinalMark.year_id == year_id,
            )
        ):
            found[mark.student_id][(mark.kind, mark.period_id)] = mark
        return found

    async def _load(self, assignment_id: int):
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("period.not_found")
        school = await self.session.get_one(School, assignment.school_id)
        grade = assignment.class_group.grade
        if grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=grade)
        periods = await periods_of(self.session, assignment.class_group.year_id, grade)
        if not periods:
            raise NotFound("period.not_found")
        exam = await exam_of(self.session, assignment.class_group.year_id, grade, assignment.subject_id)
        return assignment, school, periods, exam, school_today(self.clock, school)


def check_outcome(school: School, grade: int, outcome: Outcome, results: Sequence[FinalResult]) -> None:
    """A mark of the scale (J-8), or a result the school uses; nothing else."""
    if outcome.result is FinalResult.MARK:
        if outcome.value is None:
            raise InvalidInput("final.bad_result")
        check_mark_value(school, grade, outcome.value)
    elif outcome.result not in results or outcome.value is not None:
        raise InvalidInput("final.bad_result")


async def periods_of(session: AsyncSession, year_id: int, grade: int) -> list[StudyPeriod]:
    return list(
        await session.scalars(
            select(StudyPeriod)
            .where(StudyPeriod.year_id == year_id, StudyPeriod.grade_from <= grade, StudyPeriod.grade_to >= grade)
            .order_by(StudyPeriod.starts_on)
        )
    )


async def exam_of(session: AsyncSession, year_id: int, grade: int, subject_id: int) -> Exam | None:
    return await session.scalar(
        select(Exam).where(Exam.year_id == year_id, Exam.grade == grade, Exam.subject_id == subject_id)
    )


async def debts_of(session: AsyncSession, student_id: int, year_id: int) -> list[tuple[int, str]]:
    """The subjects a student owes after the year (for the council's decision on promotion): those whose year
    mark is 2 or «н/а», in name order. The caller has checked the actor's right to see the student."""
    return list((await year_debts(session, [student_id], year_id)).get(student_id, {}).items())


async def year_debts(session: AsyncSession, student_ids: Collection[int], year_id: int) -> dict[int, dict[int, str]]:
    """Each student's subjects of academic debt for a year, {student: {subject id: name}} in name order: a year
    mark of 2 or «н/а» («зач.» and «осв.» are no debt)."""
    if not student_ids:
        return {}
    rows = await session.execute(
        select(FinalMark.student_id, Subject.id, Subject.name)
        .join(FinalMark, FinalMark.subject_id == Subject.id)
        .where(
            FinalMark.student_id.in_(student_ids),
            FinalMark.year_id == year_id,
            FinalMark.kind == FinalMarkKind.YEAR,
            (FinalMark.result == FinalResult.NOT_ATTESTED)
            | ((FinalMark.result == FinalResult.MARK) & (FinalMark.value <= 2)),
        )
        .order_by(Subject.name)
    )
    debts: dict[int, dict[int, str]] = defaultdict(dict)
    for student, subject_id, name in rows:
        debts[student][subject_id] = name
    return dict(debts)
