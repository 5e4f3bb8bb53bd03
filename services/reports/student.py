"""One student's reports (REP-1): the report card («табель») of a period and of the year so far, and the dynamics
of the average mark week by week. Who may see them is REP-5's «one student — the student, the parents and the
teachers of the class» (get_student_for, the same check as the diary's screens); anyone else is refused.

The figures, as Russian diaries show them:

- a subject's average is the weighted average of the period's marks (J-5: a test weighs more than an answer in
  class), two decimals, as the marks screen shows it (grading.averages);
- the overall average is the mean of the subjects' averages (each subject counts once, whatever its number of
  marks), two decimals; subjects without marks in the period are left out of it;
- the dynamics are the running weighted average: at the end of each week, the average of the period's marks given
  up to that day. None before the first mark.

A card costs a fixed handful of statements (the student, the school, the year with its periods, what the student
is taught, the year's marks, absences and final marks, the class teacher), whatever the number of subjects and
periods: a whole school's cards are made in one go for printing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from ..access import Actor, get_student_for
from ..calendar import LessonDays, SchoolCalendar
from ..clock import Clock, school_today
from ..diary import StudentCard, student_assignments
from ..errors import NotFound
from ..final_marks import Outcome
from ..grading import MarkItem, averages
from ..models import (
    VALID_REASONS,
    Absence,
    AcademicYear,
    Assignment,
    FinalMark,
    FinalMarkKind,
    Lesson,
    PeriodKind,
    Person,
    School,
    Student,
    StudyPeriod,
    Subject,
)
from ..report_card import PeriodCard, ReportCardService


@dataclass(frozen=True)
class Tally:
    """One period's counts of a subject (or of all subjects): the marks given, the lessons missed and, of them,
    those missed for a valid reason (ABS-2: excused or illness)."""

    marks: int = 0
    missed: int = 0
    excused: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.marks + other.marks, self.missed + other.missed, self.excused + other.excused)


@dataclass(frozen=True)
class CardSubject:
    subject_id: int
    subject: str
    periods: tuple[Outcome | None, ...]  # the period marks, in the order of ReportCard.periods; None: not set
    year: Outcome | None
    exam: Outcome | None
    final: Outcome | None
    average: float | None  # the chosen period's weighted average (J-5); None: no marks
    tallies: tuple[Tally, ...]  # per period, in the order of ReportCard.periods


@dataclass(frozen=True)
class ReportCard:
    """The report card (REP-1): whose, the periods of the year so far, each subject's marks and counts."""

    student: StudentCard
    school: str
    year: str  # «2026/2027»
    period: PeriodCard  # the chosen one: its averages
    periods: tuple[PeriodCard, ...]  # the year's periods that have begun (and the chosen one), in order
    subjects: tuple[CardSubject, ...]  # by name
    average: float | None  # the mean of the subjects' averages of the chosen period
    totals: tuple[Tally, ...]  # all subjects, per period
    class_teacher: str  # «Смирнова Е. В.»; "" for a class without one
    made_on: date

    @property
    def period_index(self) -> int:
        return next(i for i, p in enumerate(self.periods) if p.period_id == self.period.period_id)


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday week of a period, cut to the period's days and to today."""

    first: date
    last: date


@dataclass(frozen=True)
class Dynamics:
    """The dynamics of the average mark (REP-1): the running weighted average at the end of each week of a period,
    overall and by subject (those with marks in the period); None before the first mark."""

    student: StudentCard
    school: str
    year: str
    period: PeriodCard
    period_kind: PeriodKind
    weeks: tuple[Week, ...]
    overall: tuple[float | None, ...]  # a value per week
    subjects: tuple[tuple[str, tuple[float | None, ...]], ...]  # (subject, a value per week), by name
    scale: tuple[int, int]  # the school's marks, lowest and highest (J-8)
    made_on: date

    @property
    def now(self) -> float | None:
        """The overall average as of today (the last week's)."""
        known = [v for v in self.overall if v is not None]
        return known[-1] if known else None

    @property
    def change(self) -> float | None:
        """How the overall average moved since its first week with marks; None with fewer than two such weeks."""
        known = [v for v in self.overall if v is not None]
        return round(known[-1] - known[0], 2) if len(known) > 1 else None


def mean_of(values: Sequence[float | None]) -> float | None:
    """The overall average: the mean of the subjects' averages that exist, two decimals."""
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 2) if known else None


def weeks_of(first: date, last: date) -> tuple[Week, ...]:
    """The Monday-based weeks from `first` to `last`, the first and the last cut to them; none if `last` is before
    `first` (a period not begun)."""
    weeks: list[Week] = []
    monday = first - timedelta(days=first.weekday())
    while max(monday, first) <= last:
        weeks.append(Week(max(monday, first), min(monday + timedelta(days=6), last)))
        monday += timedelta(days=7)
    return tuple(weeks)


def running_averages(marks: Sequence[MarkItem], weeks: Sequence[Week]) -> tuple[float | None, ...]:
    """The weighted average of the marks given up to the end of each week (J-5); None before the first."""
    return tuple(averages([m for m in marks if m.date <= week.last])[1] for week in weeks)


def initials(person: Person) -> str:
    """«Смирнова Е. В.»: a signature line's name."""
    letters = " ".join(f"{name[0]}." for name in (person.first_name, person.middle_name) if name)
    return f"{person.last_name} {letters}".strip()


@dataclass(frozen=True)
class _Frame:
    """What both reports start from: the student (checked), the school, their year, the chosen period, the periods
    so far and today."""

    student: Student
    school: School
    year: AcademicYear
    period: StudyPeriod
    periods: tuple[StudyPeriod, ...]
    today: date


class StudentReports:
    """REP-1's reports of one student; every call checks the actor may see the student (REP-5, ACC-1, ACC-2)."""

    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock
        self._report_card = ReportCardService(session, clock)  # its marks query, by the student (DATA-4)

    async def card(self, actor: Actor, student_id: int, period_id: int | None = None) -> ReportCard:
        """The report card: each subject's period marks of the year so far, the year, exam and final marks, the
        chosen period's weighted average (the current period without `period_id`) and, per period, the marks
        given and the lessons missed (of them for a valid reason); the overall average and the totals."""
        frame = await self._frame(actor, student_id, period_id)
        student, periods = frame.student, frame.periods
        first, last = periods[0].starts_on, max(p.ends_on for p in periods)
        assignments = await student_assignments(self.session, student, first, last)
        marks, names = await self._report_card._student_marks(student.id, StudyPeriod(starts_on=first, ends_on=last))
        names.update((a.subject_id, a.subject.name) for a in assignments.values())
        tallies: dict[int, list[Tally]] = defaultdict(lambda: [Tally()] * len(periods))

        def index_of(day: date) -> int | None:
            return next((i for i, p in enumerate(periods) if p.starts_on <= day <= p.ends_on), None)

        for subject_id, items in marks.items():
            for item in items:
                i = index_of(item.date)
                if i is not None:
                    tallies[subject_id][i] += Tally(marks=1)
        absences = await self.session.execute(
            select(Lesson.date, Absence.reason, Subject.id, Subject.name)
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .join(Assignment, Assignment.id == Lesson.assignment_id)
            .join(Subject, Subject.id == Assignment.subject_id)
            .where(Absence.student_id == student.id, Lesson.date.between(first, last))
        )
        for day, reason, subject_id, name in absences:
            i = index_of(day)
            if i is not None:
                names[subject_id] = name
                tallies[subject_id][i] += Tally(missed=1, excused=int(reason in VALID_REASONS))
        period_marks: dict[tuple[int, int], Outcome] = {}
        year_marks: dict[tuple[int, FinalMarkKind], Outcome] = {}
        for mark, name in await self.session.execute(
            select(FinalMark, Subject.name)
            .join(Subject, Subject.id == FinalMark.subject_id)
            .where(FinalMark.student_id == student.id, FinalMark.year_id == frame.year.id)
        ):
            outcome = Outcome.of(mark)
            assert outcome is not None
            if mark.kind is FinalMarkKind.PERIOD:
                if mark.period_id is None or all(p.id != mark.period_id for p in periods):
                    continue
                period_marks[mark.subject_id, mark.period_id] = outcome
            else:
                year_marks[mark.subject_id, mark.kind] = outcome
            names[mark.subject_id] = name
        chosen = frame.periods.index(frame.period)
        subjects = []
        for name, subject_id in sorted((name, sid) for sid, name in names.items()):
            in_period = [m for m in marks.get(subject_id, []) if index_of(m.date) == chosen]
            subjects.append(
                CardSubject(
                    subject_id=subject_id,
                    subject=name,
                    periods=tuple(period_marks.get((subject_id, p.id)) for p in periods),
                    year=year_marks.get((subject_id, FinalMarkKind.YEAR)),
                    exam=year_marks.get((subject_id, FinalMarkKind.EXAM)),
                    final=year_marks.get((subject_id, FinalMarkKind.FINAL)),
                    average=averages(in_period)[1],
                    tallies=tuple(tallies[subject_id]),
                )
            )
        teacher_id = student.class_group.class_teacher_id
        teacher = await self.session.get(Person, teacher_id) if teacher_id is not None else None
        return ReportCard(
            student=StudentCard.of(student),
            school=frame.school.name,
            year=frame.year.name,
            period=_card(frame.period),
            periods=tuple(_card(p) for p in periods),
            subjects=tuple(subjects),
            average=mean_of([s.average for s in subjects]),
            totals=tuple(sum((s.tallies[i] for s in subjects), Tally()) for i in range(len(periods))),
            class_teacher=initials(teacher) if teacher is not None else "",
            made_on=frame.today,
        )

    async def dynamics(self, actor: Actor, student_id: int, period_id: int | None = None) -> Dynamics:
        """The dynamics of the average mark over a period (the current one without `period_id`): its weeks from
        the period's start to its end, or to today if that is earlier; for each, the running weighted average of
        each subject's marks so far and their mean (the overall average as the report card counts it)."""
        frame = await self._frame(actor, student_id, period_id)
        period = frame.period
        weeks = weeks_of(period.starts_on, min(period.ends_on, frame.today))
        marks, names = await self._report_card._student_marks(frame.student.id, period)
        by_subject = sorted((names[sid], running_averages(items, weeks)) for sid, items in marks.items())
        overall = tuple(mean_of([values[i] for _, values in by_subject]) for i in range(len(weeks)))
        return Dynamics(
            student=StudentCard.of(frame.student),
            school=frame.school.name,
            year=frame.year.name,
            period=_card(period),
            period_kind=period.kind,
            weeks=weeks,
            overall=overall,
            subjects=tuple(by_subject),
            scale=(frame.school.mark_min, frame.school.mark_max),
            made_on=frame.today,
        )

    async def _frame(self, actor: Actor, student_id: int, period_id: int | None) -> _Frame:
        """The student (checked first: REP-5), their school, the year of their class with its periods, the chosen
        period (the current or the last one without `period_id`; one not of the student's grade is refused) and the
        periods so far: those begun by today, and the chosen one if it is later."""
        student = await get_student_for(self.session, actor, student_id)
        school = await self.session.get_one(School, student.school_id)
        today = school_today(self.clock, school)
        year = (
            (
                await self.session.scalars(
                    select(AcademicYear)
                    .options(joinedload(AcademicYear.periods))
                    .where(AcademicYear.id == student.class_group.year_id)
                )
            )
            .unique()
            .one()
        )
        calendar = SchoolCalendar(year, LessonDays((year.starts_on, year.ends_on), (), {}))
        grade = student.class_group.grade
        periods = calendar.periods(grade)
        if period_id is None:
            period = calendar.current_or_last_period(today, grade)
        else:
            found = next((p for p in periods if p.id == period_id), None)
            if found is None:
                raise NotFound("period.not_found")
            period = found
        current = calendar.current_or_last_period(today, grade)
        until = max(current.starts_on, period.starts_on)
        so_far = tuple(p for p in periods if p.starts_on <= until)
        return _Frame(student, school, year, period, so_far, today)


def _card(period: StudyPeriod) -> PeriodCard:
    return PeriodCard(period.id, period.name, period.starts_on, period.ends_on)
