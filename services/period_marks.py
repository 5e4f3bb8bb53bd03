"""Period marks (PER-2..PER-5): the sheet with averages, the accumulation check, and setting the mark."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep, may_keep
from .clock import Clock, school_today
from .db import write_transaction
from .diary import MarkItem, averages
from .errors import Forbidden, InvalidInput, Locked, NotFound
from .journal import check_mark_value, roster_of
from .models import (
    VALID_REASONS,
    AcademicYear,
    Absence,
    Assignment,
    EventKind,
    FinalMark,
    FinalMarkKind,
    Lesson,
    Mark,
    School,
    StudyPeriod,
)
from .records import audit, emit, snapshot


def required_marks(hours_per_week: int) -> int:
    """PER-4: at least 3 marks with 1 lesson a week, 8 with 3, proportionally more beyond (2 lessons: 5)."""
    if hours_per_week <= 1:
        return 3
    if hours_per_week == 2:
        return 5
    return math.ceil(8 * hours_per_week / 3)


def suggested_mark(weighted_average: float | None, school: School) -> int | None:
    """The weighted average rounded half up (4.5 → 5), within the scale."""
    if weighted_average is None:
        return None
    value = int(Decimal(str(weighted_average)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(max(value, school.mark_min), school.mark_max)


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


@dataclass(frozen=True)
class PeriodSheet:
    assignment_id: int
    period_id: int
    period_name: str
    class_name: str
    subject: str
    closed: bool  # after the period's end only a correction changes a mark (PER-5)
    rows: tuple[PeriodRow, ...]


class PeriodMarkService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def sheet(self, actor: Actor, assignment_id: int, period_id: int) -> PeriodSheet:
        assignment, period, school, today = await self._load(assignment_id, period_id)
        if not (await may_keep(self.session, actor, assignment, today)
                or assignment.class_id in actor.led_classes or actor.sees_whole_school):
            raise Forbidden("journal.not_your_class")
        students = await roster_of(self.session, assignment)
        ids = [s.id for s in students]
        in_period = (Lesson.assignment_id == assignment.id, Lesson.date.between(period.starts_on, period.ends_on))
        marks: dict[int, list[MarkItem]] = defaultdict(list)
        for m, day in await self.session.execute(
            select(Mark, Lesson.date).join(Lesson, Lesson.id == Mark.lesson_id)
            .where(*in_period, Mark.student_id.in_(ids)).order_by(Lesson.date, Mark.id)
        ):
            marks[m.student_id].append(MarkItem.of(m, day))
        held = len((await self.session.scalars(
            select(Lesson.id).where(*in_period, Lesson.attendance_taken_at.is_not(None)))).all())
        excused: dict[int, int] = defaultdict(int)
        for student_id in await self.session.scalars(
            select(Absence.student_id).join(Lesson, Lesson.id == Absence.lesson_id)
            .where(*in_period, Absence.reason.in_(VALID_REASONS), Absence.student_id.in_(ids))
        ):
            excused[student_id] += 1
        finals = dict((await self.session.execute(
            select(FinalMark.student_id, FinalMark.value).where(
                FinalMark.period_id == period.id, FinalMark.subject_id == assignment.subject_id,
                FinalMark.kind == FinalMarkKind.PERIOD, FinalMark.student_id.in_(ids))
        )).all())
        base = required_marks(assignment.hours_per_week)
        rows = []
        for s in students:
            items = marks.get(s.id, [])
            weighted = averages(items)[1]
            # PER-4: lessons missed for a valid reason do not count against the student.
            share = (held - excused.get(s.id, 0)) / held if held else 1.0
            required = math.ceil(base * max(share, 0.0))
            rows.append(PeriodRow(
                student_id=s.id, name=s.person.full_name, marks=tuple(items), weighted_average=weighted,
                suggested=suggested_mark(weighted, school), required=required,
                meets_accumulation=len(items) >= required, period_mark=finals.get(s.id),
            ))
        return PeriodSheet(
            assignment_id=assignment.id, period_id=period.id, period_name=period.name,
            class_name=assignment.class_group.name, subject=assignment.subject.name,
            closed=today > period.ends_on, rows=tuple(rows),
        )

    async def set_mark(self, actor: Actor, assignment_id: int, period_id: int, student_id: int, value: int) -> None:
        """PER-2: the subject teacher sets the period mark by the period's end; after it, PER-5 applies."""
        assignment, period, school, today = await self._load(assignment_id, period_id)
        await check_keep(self.session, actor, assignment, today)
        if student_id not in {s.id for s in await roster_of(self.session, assignment)}:
            raise Forbidden("student.not_in_lesson")
        check_mark_value(school, assignment.class_group.grade, value)
        if today > period.ends_on:
            raise Locked("period.closed", period=period.name, ends_on=period.ends_on)
        if today < period.starts_on:
            raise InvalidInput("period.not_started", period=period.name)
        async with write_transaction(self.session):
            mark = await self.session.scalar(select(FinalMark).where(
                FinalMark.student_id == student_id, FinalMark.subject_id == assignment.subject_id,
                FinalMark.kind == FinalMarkKind.PERIOD, FinalMark.period_id == period.id))
            before = snapshot(mark, "value") if mark else None
            if mark is None:
                mark = FinalMark(student_id=student_id, subject_id=assignment.subject_id, year_id=period.year_id,
                                 period_id=period.id, kind=FinalMarkKind.PERIOD, value=value)
                self.session.add(mark)
            mark.value, mark.set_by = value, actor.person_id
            await self.session.flush()
            audit(self.session, school_id=school.id, actor_id=actor.person_id, action="set", entity="final_mark",
                  entity_id=mark.id, before=before, after=snapshot(mark, "student_id", "subject_id", "period_id", "value"))
            emit(self.session, school.id, EventKind.PERIOD_MARK_SET, student_id=student_id,
                 subject_id=assignment.subject_id, period_id=period.id, value=value)

    async def _load(self, assignment_id: int, period_id: int):
        assignment = await self.session.get(Assignment, assignment_id)
        period = await self.session.get(StudyPeriod, period_id)
        if assignment is None or period is None:
            raise NotFound("period.not_found")
        school = await self.session.get(School, assignment.school_id)
        grade = assignment.class_group.grade
        year_school = await self.session.scalar(select(AcademicYear.school_id).where(AcademicYear.id == period.year_id))
        if year_school != school.id or not period.grade_from <= grade <= period.grade_to:
            raise NotFound("period.not_found")
        return assignment, period, school, school_today(self.clock, school)
