"""Period marks (PER-2..PER-5): the sheet with averages, the accumulation check, and setting the mark: a value of
the scale, or «н/а» (not attested) for a student without enough marks for an objective one (PER-4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep, may_keep, teaching_assignments
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden, InvalidInput, Locked, NotFound
from .grading import MarkItem, averages, check_mark_value
from .grading_policy import GradingPolicy, required_for, required_marks, suggested_mark, written_missing
from .journal import roster_of
from .models import (
    VALID_REASONS,
    Absence,
    AcademicYear,
    Assignment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Lesson,
    Mark,
    School,
    StudyPeriod,
    utcnow,
)
from .pushes.payloads import PeriodMarkSet
from .records import audit, emit, snapshot

EARLY = timedelta(days=7)  # a period mark set earlier than this before the period's end is asked about first


@dataclass(frozen=True)
class PeriodRow:
    student_id: int
    name: str
    marks: tuple[MarkItem, ...]
    weighted_average: float | None
    suggested: int | None
    required: int  # PER-4, lowered for lessons missed for a valid reason
    meets_accumulation: bool
    period_mark: int | None
    not_attested: bool = False  # the period mark is «н/а» (period_mark is then None)
    written_missing: int = 0  # written works attended without a mark, when the school makes them obligatory (PER-4)
    result: FinalResult | None = None  # the mark as set; «зач.», «осв.» only by the director's order (PER-5)

    @property
    def has_period_mark(self) -> bool:
        return self.period_mark is not None or self.not_attested or self.result is not None


@dataclass(frozen=True)
class PeriodRef:
    period_id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class PeriodSheet:
    assignment_id: int
    period_id: int
    period_name: str
    class_name: str
    subject: str
    closed: bool  # after the period's end only a correction changes a mark (PER-5)
    rows: tuple[PeriodRow, ...]
    subgroup: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    upcoming: bool = False  # the period has not started: no marks to set yet
    required: int = 0  # PER-4 for this subject's weekly hours, before lowering for valid absences
    may_set: bool = False  # the actor keeps this class and subject (a class teacher only reads it)
    periods: tuple[PeriodRef, ...] = ()  # the periods of the year for the class's grade
    mark_min: int = 2  # the school's scale (J-8)
    mark_max: int = 5
    early: bool = False  # more than a week before the period's end: a mark set now is asked about first
    # The school's rules in force, said on the sheet (PER-3, PER-4).
    policy: GradingPolicy = field(default_factory=GradingPolicy)

    @property
    def open(self) -> bool:
        """Marks can be set now: by the one who keeps the subject, within the period (PER-2, PER-5)."""
        return self.may_set and not self.closed and not self.upcoming

    def row(self, student_id: int) -> PeriodRow:
        """The student of the sheet; an id from a button that is not there is refused."""
        for row in self.rows:
            if row.student_id == student_id:
                return row
        raise Forbidden("student.not_in_lesson")


@dataclass(frozen=True)
class PeriodChoice:
    """A class and subject with period marks that the teacher keeps, and the periods of its grade (PER-2)."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str
    periods: tuple[PeriodRef, ...]
    current_period_id: int  # the period today is in; in a vacation, the one that ended last


class PeriodMarkService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def choices(self, actor: Actor) -> list[PeriodChoice]:
        """The classes and subjects the teacher keeps today (substitutions too, ACC-5), without grade 1 (J-8)."""
        school = await self.session.get_one(School, actor.school_id)
        today = school_today(self.clock, school)
        calendar = await SchoolCalendar.load(self.session, school.id, today)
        result = []
        assignments = sorted(
            await teaching_assignments(self.session, actor, today),
            key=lambda a: (
                a.class_group.grade,
                a.class_group.letter,
                a.subject.name,
                a.subgroup.name if a.subgroup else "",
            ),
        )
        for a in assignments:
            grade = a.class_group.grade
            periods = calendar.periods(grade)
            if grade in school.no_mark_grades or not periods:
                continue
            result.append(
                PeriodChoice(
                    assignment_id=a.id,
                    class_name=a.class_group.name,
                    subgroup=a.subgroup.name if a.subgroup else None,
                    subject=a.subject.name,
                    periods=tuple(period_ref(p) for p in periods),
                    current_period_id=calendar.current_or_last_period(today, grade).id,
                )
            )
        return result

    async def sheet(self, actor: Actor, assignment_id: int, period_id: int) -> PeriodSheet:
        assignment, period, school, today = await self._load(assignment_id, period_id)
        keeps = await may_keep(self.session, actor, assignment, today)
        # A class teacher and the administration read the sheet of their own school's classes (ACC-4, ROLE-2).
        if not (keeps or actor.sees_class(assignment.class_group)):
            raise Forbidden("journal.not_your_class")
        if assignment.class_group.grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=assignment.class_group.grade)
        students = await roster_of(self.session, assignment, period.starts_on, period.ends_on)
        ids = [s.id for s in students]
        in_period = (Lesson.assignment_id == assignment.id, Lesson.date.between(period.starts_on, period.ends_on))
        marks: dict[int, list[MarkItem]] = defaultdict(list)
        for m, day in await self.session.execute(
            select(Mark, Lesson.date)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .join(Assignment, Assignment.id == Lesson.assignment_id)  # DATA-4: the subject's marks from every class
            .where(Assignment.subject_id == assignment.subject_id, in_period[1], Mark.student_id.in_(ids))
            .order_by(Lesson.date, Mark.id)
        ):
            marks[m.student_id].append(MarkItem.of(m, day))
        held = len(
            (
                await self.session.scalars(select(Lesson.id).where(*in_period, Lesson.attendance_taken_at.is_not(None)))
            ).all()
        )
        excused: dict[int, int] = defaultdict(int)
        for student_id in await self.session.scalars(
            select(Absence.student_id)
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(*in_period, Absence.reason.in_(VALID_REASONS), Absence.student_id.in_(ids))
        ):
            excused[student_id] += 1
        finals: dict[int, tuple[int | None, FinalResult]] = {
            student_id: (value, result)
            for student_id, value, result in await self.session.execute(
                select(FinalMark.student_id, FinalMark.value, FinalMark.result).where(
                    FinalMark.period_id == period.id,
                    FinalMark.subject_id == assignment.subject_id,
                    FinalMark.kind == FinalMarkKind.PERIOD,
                    FinalMark.student_id.in_(ids),
                )
            )
        }
        policy = GradingPolicy.of(school)
        base = required_marks(policy, assignment.hours_per_week)
        lessons = select(Lesson.id).where(*in_period)
        missing = await written_missing(self.session, lessons, ids) if policy.written_obligatory else {}
        rows = []
        for s in students:
            items = marks.get(s.id, [])
            weighted = averages(items)[1]
            required = required_for(policy, base, held, excused.get(s.id, 0))
            rows.append(
                PeriodRow(
                    student_id=s.id,
                    name=s.person.full_name,
                    marks=tuple(items),
                    weighted_average=weighted,
                    suggested=suggested_mark(policy, weighted, school),
                    required=required,
                    meets_accumulation=len(items) >= required and not missing.get(s.id),
                    period_mark=finals[s.id][0] if s.id in finals else None,
                    not_attested=s.id in finals and finals[s.id][1] is FinalResult.NOT_ATTESTED,
                    written_missing=missing.get(s.id, 0),
                    result=finals[s.id][1] if s.id in finals else None,
                )
            )
        return PeriodSheet(
            assignment_id=assignment.id,
            period_id=period.id,
            period_name=period.name,
            class_name=assignment.class_group.name,
            subject=assignment.subject.name,
            closed=today > period.ends_on,
            rows=tuple(rows),
            subgroup=assignment.subgroup.name if assignment.subgroup else None,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            upcoming=today < period.starts_on,
            required=base,
            may_set=keeps,
            periods=await self._periods_of(period, assignment.class_group.grade),
            mark_min=school.mark_min,
            mark_max=school.mark_max,
            early=today < period.ends_on - EARLY,
            policy=policy,
        )

    async def set_mark(
        self, actor: Actor, assignment_id: int, period_id: int, student_id: int, value: int | None
    ) -> None:
        """PER-2: the subject teacher sets the period mark by the period's end; after it, PER-5 applies.

        `value` None is «н/а» (not attested), for a student without enough marks for an objective mark (PER-4)."""
        assignment, period, school, today = await self._load(assignment_id, period_id)
        await self._check_open(actor, school, assignment, period, today)
        if student_id not in {
            s.id for s in await roster_of(self.session, assignment, period.starts_on, period.ends_on)
        }:
            raise Forbidden("student.not_in_lesson")
        if value is not None:
            check_mark_value(school, assignment.class_group.grade, value)
        async with write_transaction(self.session):
            await self._lock(assignment)
            await self._write(actor, school, assignment, period, student_id, value)

    async def set_suggested(self, actor: Actor, assignment_id: int, period_id: int) -> int:
        """The suggested mark for every student still without a period mark, in one transaction.

        Students below the accumulation minimum (PER-4) are left out: their mark is not objective, so the
        teacher sets it one by one after looking at it. Returns how many marks were set."""
        assignment, period, school, today = await self._load(assignment_id, period_id)
        await self._check_open(actor, school, assignment, period, today)
        async with write_transaction(self.session):
            await self._lock(assignment)  # a second tap waits, then finds the marks set and sets none
            sheet = await self.sheet(actor, assignment_id, period_id)
            due = [r for r in sheet.rows if not r.has_period_mark and r.suggested is not None and r.meets_accumulation]
            for row in due:
                await self._write(actor, school, assignment, period, row.student_id, row.suggested)
            return len(due)

    async def _check_open(
        self, actor: Actor, school: School, assignment: Assignment, period: StudyPeriod, today: date
    ) -> None:
        await check_keep(self.session, actor, assignment, today)
        if assignment.class_group.grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=assignment.class_group.grade)
        if today > period.ends_on:
            raise Locked("period.closed", period=period.name, ends_on=period.ends_on)
        if today < period.starts_on:
            raise InvalidInput("period.not_started", period=period.name)

    async def _lock(self, assignment: Assignment) -> None:
        """Period marks of a class and subject are written one transaction at a time: two taps at once on
        PostgreSQL would both find no mark and both insert one (SQLite has BEGIN IMMEDIATE)."""
        await self.session.scalar(select(Assignment.id).where(Assignment.id == assignment.id).with_for_update())

    async def _write(
        self,
        actor: Actor,
        school: School,
        assignment: Assignment,
        period: StudyPeriod,
        student_id: int,
        value: int | None,
    ) -> None:
        mark = await self.session.scalar(
            select(FinalMark)
            .where(
                FinalMark.student_id == student_id,
                FinalMark.subject_id == assignment.subject_id,
                FinalMark.kind == FinalMarkKind.PERIOD,
                FinalMark.period_id == period.id,
            )
            .execution_options(populate_existing=True)
        )
        result = FinalResult.NOT_ATTESTED if value is None else FinalResult.MARK
        if mark is not None and (mark.value, mark.result) == (value, result):
            return  # set already (a second tap): no change to record, no news to send
        before = snapshot(mark, "value", "result") if mark else None
        if mark is None:
            mark = FinalMark(
                student_id=student_id,
                subject_id=assignment.subject_id,
                year_id=period.year_id,
                period_id=period.id,
                kind=FinalMarkKind.PERIOD,
                value=value,
            )
            self.session.add(mark)
        mark.value, mark.result, mark.set_by, mark.set_at = value, result, actor.person_id, utcnow()
        await self.session.flush()
        audit(
            self.session,
            school_id=school.id,
            actor_id=actor.person_id,
            action="set",
            entity="final_mark",
            entity_id=mark.id,
            before=before,
            after=snapshot(mark, "student_id", "subject_id", "period_id", "value", "result"),
        )
        emit(
            self.session,
            school.id,
            PeriodMarkSet(
                student_id=student_id,
                subject_id=assignment.subject_id,
                period_id=period.id,
                value=value,
                not_attested=value is None,
            ),
        )

    async def _periods_of(self, period: StudyPeriod, grade: int) -> tuple[PeriodRef, ...]:
        periods = await self.session.scalars(
            select(StudyPeriod)
            .where(
                StudyPeriod.year_id == period.year_id,
                StudyPeriod.grade_from <= grade,
                StudyPeriod.grade_to >= grade,
            )
            .order_by(StudyPeriod.starts_on)
        )
        return tuple(period_ref(p) for p in periods)

    async def _load(self, assignment_id: int, period_id: int):
        assignment = await self.session.get(Assignment, assignment_id)
        period = await self.session.get(StudyPeriod, period_id)
        if assignment is None or period is None:
            raise NotFound("period.not_found")
        school = await self.session.get_one(School, assignment.school_id)
        grade = assignment.class_group.grade
        year_school = await self.session.scalar(select(AcademicYear.school_id).where(AcademicYear.id == period.year_id))
        if year_school != school.id or not period.grade_from <= grade <= period.grade_to:
            raise NotFound("period.not_found")
        return assignment, period, school, school_today(self.clock, school)


def period_ref(period: StudyPeriod) -> PeriodRef:
    return PeriodRef(period.id, period.name, period.starts_on, period.ends_on)
