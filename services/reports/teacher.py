"""A teacher's reports on a class and subject (REP-2, REP-5): the period's sheet, and the programme's completion.

- subject_sheet(): the class-and-subject sheet of a period, as the paper journal has it: students × lesson dates,
  each cell the marks of that day (several marks a day are possible) and «ОТ» for an absence; each date's work
  types with their weights; each student's simple and weighted average (J-5) and period mark; the class's results
  in the subject (quality of knowledge, success rate: services/reports/figures.py). The marks, averages and period
  marks are the period sheet's own (services/period_marks.py), so the two never differ.
- programme(): the thematic plan against the lessons given (J-14), with the completion figures of /control
  (services/plan.completion), and each plan position beside the lesson that took it.

REP-5: the teacher of the class and subject (the assignment's own teacher: a substitute keeps the lessons, not the
reports), the class teacher of the class, and the school's deputy director and administrator."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Actor
from ..calendar import SchoolCalendar
from ..clock import Clock, school_today
from ..errors import Forbidden, InvalidInput, NotFound
from ..final_marks import Outcome
from ..grading import MarkItem, averages
from ..models import Absence, Assignment, ClassGroup, FinalResult, Lesson, PlanTopic, School, StudyPeriod
from ..period_marks import PeriodMarkService, PeriodRef, PeriodRow, period_ref
from ..plan import Completion, completion, same_topic
from .figures import Results, results_of


@dataclass(frozen=True)
class ReportChoice:
    """A class and subject the teacher teaches this year, with its grade's periods (those with marks only)."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str
    periods: tuple[PeriodRef, ...]  # () for a grade without marks (J-8): no sheet, the programme only
    current_period_id: int | None


@dataclass(frozen=True)
class SheetColumn:
    """A day of the period with lessons or marks: the work types of its marks, with their weights."""

    date: date
    work_types: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SheetCell:
    marks: tuple[int, ...] = ()
    absent: bool = False  # «ОТ» at a lesson of the class and subject that day


@dataclass(frozen=True)
class SheetStudent:
    student_id: int
    name: str
    cells: tuple[SheetCell, ...]  # by SubjectSheet.columns
    simple_average: float | None
    weighted_average: float | None
    period_mark: Outcome | None
    absences: int


@dataclass(frozen=True)
class SubjectSheet:
    assignment_id: int
    school: str
    class_name: str
    subgroup: str | None
    subject: str
    teacher: str
    period_id: int
    period_name: str
    year_name: str
    starts_on: date
    ends_on: date
    made_on: date
    columns: tuple[SheetColumn, ...]
    students: tuple[SheetStudent, ...]
    results: Results  # of the period marks

    @property
    def lessons_absent(self) -> int:
        return sum(s.absences for s in self.students)


@dataclass(frozen=True)
class ProgrammeLine:
    """A position of the plan, and the lesson that took it (None: not given yet); a lesson past the plan's end
    has no planned topic."""

    position: int
    planned: str | None
    given_on: date | None
    topic: str | None

    @property
    def on_plan(self) -> bool | None:
        if self.topic is None or self.planned is None:
            return None
        return same_topic(self.topic, self.planned)


@dataclass(frozen=True)
class Programme:
    assignment_id: int
    school: str
    class_name: str
    subgroup: str | None
    subject: str
    teacher: str
    year_name: str
    made_on: date
    completion: Completion | None  # None: no thematic plan loaded
    lines: tuple[ProgrammeLine, ...]


class TeacherReports:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def choices(self, actor: Actor) -> list[ReportChoice]:
        """The classes and subjects the actor teaches in the current year (their own, not substitutions)."""
        school = await self.session.get_one(School, actor.school_id)
        today = school_today(self.clock, school)
        calendar = await SchoolCalendar.load(self.session, school.id, today)
        if calendar.year is None:
            return []
        assignments = (
            await self.session.scalars(
                select(Assignment)
                .join(ClassGroup, ClassGroup.id == Assignment.class_id)
                .where(
                    Assignment.school_id == school.id,
                    Assignment.teacher_id == actor.person_id,
                    ClassGroup.year_id == calendar.year.id,
                )
            )
        ).unique()
        found = []
        for a in sorted(assignments, key=order):
            grade = a.class_group.grade
            periods = [] if grade in school.no_mark_grades else calendar.periods(grade)
            found.append(
                ReportChoice(
                    assignment_id=a.id,
                    class_name=a.class_group.name,
                    subgroup=a.subgroup.name if a.subgroup else None,
                    subject=a.subject.name,
                    periods=tuple(period_ref(p) for p in periods),
                    current_period_id=calendar.current_or_last_period(today, grade).id if periods else None,
                )
            )
        return found

    async def choice(self, actor: Actor, assignment_id: int) -> ReportChoice:
        """One of the teacher's own classes and subjects (choices()); any other id is refused alike."""
        for found in await self.choices(actor):
            if found.assignment_id == assignment_id:
                return found
        raise Forbidden("journal.not_your_class")

    async def subject_sheet(self, actor: Actor, assignment_id: int, period_id: int | None = None) -> SubjectSheet:
        """REP-2: the sheet of the period (None: the one today is in, or the one that ended last)."""
        assignment, school, today, calendar = await self._load(actor, assignment_id)
        grade = assignment.class_group.grade
        if grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=grade)
        period = (
            calendar.current_or_last_period(today, grade)
            if period_id is None
            else await self.session.get(StudyPeriod, period_id)
        )
        if period is None:
            raise NotFound("period.not_found")
        sheet = await PeriodMarkService(self.session, self.clock).sheet(actor, assignment.id, period.id)
        in_period = (Lesson.assignment_id == assignment.id, Lesson.date.between(period.starts_on, period.ends_on))
        days = set(await self.session.scalars(select(Lesson.date).where(*in_period)))
        absent: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        ids = [r.student_id for r in sheet.rows]
        for student_id, day in await self.session.execute(
            select(Absence.student_id, Lesson.date)
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(*in_period, Absence.student_id.in_(ids))
        ):
            absent[student_id][day] += 1
        kinds: dict[date, dict[tuple[str, float], None]] = defaultdict(dict)
        for row in sheet.rows:
            for m in row.marks:
                days.add(m.date)
                kinds[m.date][(m.work_type, m.weight)] = None
        columns = tuple(SheetColumn(day, tuple(sorted(kinds[day]))) for day in sorted(days))
        students = tuple(student_row(row, columns, absent[row.student_id]) for row in sheet.rows)
        return SubjectSheet(
            assignment_id=assignment.id,
            school=school.name,
            class_name=assignment.class_group.name,
            subgroup=sheet.subgroup,
            subject=sheet.subject,
            teacher=assignment.teacher.short_name,
            period_id=period.id,
            period_name=period.name,
            year_name=calendar.year.name if calendar.year else "",
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            made_on=today,
            columns=columns,
            students=students,
            results=results_of([s.period_mark for s in students]),
        )

    async def programme(self, actor: Actor, assignment_id: int) -> Programme:
        """J-14, REP-2: the plan's topics against the lessons given with a topic this year, up to today; the
        completion is /control's (services/plan.completion)."""
        assignment, school, today, calendar = await self._load(actor, assignment_id)
        done, _without = await completion(self.session, calendar, {assignment.id: assignment}, today)
        starts = calendar.year.starts_on if calendar.year else date.min
        planned = dict(
            (
                await self.session.execute(
                    select(PlanTopic.position, PlanTopic.topic).where(PlanTopic.assignment_id == assignment.id)
                )
            ).all()
        )
        given = (
            await self.session.execute(
                select(Lesson.date, Lesson.topic)
                .where(Lesson.assignment_id == assignment.id, Lesson.topic != "", Lesson.date.between(starts, today))
                .order_by(Lesson.date, Lesson.lesson_number)
            )
        ).all()
        lines = [
            ProgrammeLine(
                position,
                planned.get(position),
                given[position - 1][0] if position <= len(given) else None,
                given[position - 1][1] if position <= len(given) else None,
            )
            for position in range(1, max([len(given), *planned]) + 1 if (given or planned) else 1)
        ]
        return Programme(
            assignment_id=assignment.id,
            school=school.name,
            class_name=assignment.class_group.name,
            subgroup=assignment.subgroup.name if assignment.subgroup else None,
            subject=assignment.subject.name,
            teacher=assignment.teacher.short_name,
            year_name=calendar.year.name if calendar.year else "",
            made_on=today,
            completion=done[0] if done else None,
            lines=tuple(lines),
        )

    async def _load(self, actor: Actor, assignment_id: int) -> tuple[Assignment, School, date, SchoolCalendar]:
        """REP-5: the assignment's teacher, its class's class teacher, the school's administration; anyone else's
        (another school's too) is refused alike."""
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None or assignment.school_id != actor.school_id:
            raise Forbidden("journal.not_your_class")
        if assignment.teacher_id != actor.person_id and not actor.sees_class(assignment.class_group):
            raise Forbidden("journal.not_your_class")
        school = await self.session.get_one(School, assignment.school_id)
        today = school_today(self.clock, school)
        return assignment, school, today, await SchoolCalendar.load(self.session, school.id, today)


def order(a: Assignment) -> tuple:
    return (a.class_group.grade, a.class_group.letter, a.subject.name, a.subgroup.name if a.subgroup else "")


def student_row(row: PeriodRow, columns: tuple[SheetColumn, ...], absent: dict[date, int]) -> SheetStudent:
    by_day: dict[date, list[MarkItem]] = defaultdict(list)
    for m in row.marks:
        by_day[m.date].append(m)
    simple, weighted = averages(row.marks)
    return SheetStudent(
        student_id=row.student_id,
        name=row.name,
        cells=tuple(
            SheetCell(tuple(m.value for m in by_day.get(c.date, ())), absent.get(c.date, 0) > 0) for c in columns
        ),
        simple_average=simple,
        weighted_average=weighted,
        period_mark=period_outcome(row),
        absences=sum(absent.values()),
    )


def period_outcome(row: PeriodRow) -> Outcome | None:
    """The period mark as set: a mark, «н/а», or «зач.»/«осв.» (by order); None while it is not set."""
    if row.result is None:
        return None
    if row.result is FinalResult.MARK and row.period_mark is not None:
        return Outcome.mark(row.period_mark)
    return Outcome(row.result)
