"""A class's reports (REP-2), for its class teacher and for the administration of its school (REP-5, ACC-4,
ROLE-2): the results of a period or of the year per subject with the class's total, the summary sheet of marks
(«сводная ведомость учёта успеваемости») and the attendance of a period or of a calendar month.

The class of a report is the class of the day (DATA-4): the results and the summary sheet list the students
enrolled in the class on the period's last day (today while the period runs; the last period's last day for the
year); the attendance lists every student enrolled on some day of its dates, each counted on their own days in the
class only.

Attendance, as counted here:
- a lesson missed is an «ОТ» on a lesson of the class the student attends (the whole class's and their subgroups',
  J-13); it is «по уважительной» when its reason is a valid one (VALID_REASONS: excused, illness), else «без
  уважительной» — an absence whose reason is not set yet counts without a valid reason (ABS-2: none is given yet);
- a day missed is a day on which the student missed every lesson they had with attendance taken (all the day's
  lessons); it is «по уважительной» when every one of those absences has a valid reason;
- only the school days of the calendar count (a holiday, a Sunday, a day out of the year have no lessons)."""

from __future__ import annotations

import calendar as months
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Actor
from ..calendar import SchoolDays
from ..class_absences import led_class
from ..clock import Clock, school_today
from ..enrolments import Stay, enrolled, stays_between
from ..errors import InvalidInput, NotFound
from ..final_marks import Outcome, periods_of
from ..journal import in_journal_order
from ..models import (
    VALID_REASONS,
    Absence,
    AbsenceReason,
    AcademicYear,
    Assignment,
    ClassGroup,
    Enrolment,
    FinalMark,
    FinalMarkKind,
    Lesson,
    School,
    Student,
    StudyPeriod,
    SubgroupMember,
)
from .figures import Results, results_of, total_of

DAY = timedelta(days=1)


@dataclass(frozen=True)
class PeriodChoice:
    period_id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ReportChoices:
    """What a class's reports can be made for: the periods of its grade and the months of its year so far."""

    class_id: int
    class_name: str
    periods: tuple[PeriodChoice, ...]
    current_period_id: int | None
    months: tuple[date, ...]  # the first day of each month of the year, up to the current one
    marks: bool = True  # the grade gets marks (J-8): results and the summary sheet are there to make
    own: bool = True  # the asker leads the class (else the deputy director or the administrator: REP-5)


@dataclass(frozen=True)
class SubjectResults:
    subject_id: int
    subject: str
    results: Results


@dataclass(frozen=True)
class ClassResults:
    """REP-2: a class's results of a period (the period marks) or of the year (the year marks)."""

    class_id: int
    class_name: str
    school: str
    period_id: int | None  # None for the year
    period_name: str  # the period's name; the year's name for the year
    year: bool
    roster_day: date  # the class of this day (DATA-4)
    subjects: tuple[SubjectResults, ...]  # by subject name
    total: Results  # total_of over the subjects: a student counts once, by their lowest mark
    made_on: date


@dataclass(frozen=True)
class SheetRow:
    number: int  # 1, 2, … by surname
    student_id: int
    name: str
    # Per subject of SummarySheet.subjects: the marks of its columns (the period's; or each period's and the year's),
    # None where a mark is not set; the subject None where the student does not take it (another subgroup's).
    marks: tuple[tuple[Outcome | None, ...] | None, ...]


@dataclass(frozen=True)
class SummarySheet:
    """REP-2, REP-4: «сводная ведомость учёта успеваемости» — students × subjects, the period marks, or for the year
    each period's mark and the year mark of every subject."""

    class_id: int
    class_name: str
    school: str
    period_name: str
    year: bool
    subjects: tuple[str, ...]
    columns: tuple[str, ...]  # per subject: the period's name, or each period's name and then the year's
    rows: tuple[SheetRow, ...]
    results: ClassResults  # the same period's (or year's) figures
    made_on: date


@dataclass(frozen=True)
class Missed:
    """Days and lessons missed, with a valid reason and in all (without one = all − with one)."""

    days: int = 0
    days_valid: int = 0
    lessons: int = 0
    lessons_valid: int = 0

    @property
    def days_invalid(self) -> int:
        return self.days - self.days_valid

    @property
    def lessons_invalid(self) -> int:
        return self.lessons - self.lessons_valid

    def __add__(self, other: Missed) -> Missed:
        return Missed(
            self.days + other.days,
            self.days_valid + other.days_valid,
            self.lessons + other.lessons,
            self.lessons_valid + other.lessons_valid,
        )


@dataclass(frozen=True)
class StudentAttendance:
    number: int
    student_id: int
    name: str
    missed: Missed


@dataclass(frozen=True)
class ClassAttendance:
    """REP-2: the class's attendance over some days (a period, a month)."""

    class_id: int
    class_name: str
    school: str
    first: date
    last: date
    title: str  # the period's name; "" for a month or any other days (the reader's ui names them)
    school_days: int  # the class's school days in these days (the calendar and the timetable)
    rows: tuple[StudentAttendance, ...]
    total: Missed
    unreasoned: int  # absences whose reason is not set yet: counted without a valid reason
    made_on: date
    month: bool = False


class ClassReports:
    """A class's reports; every one checks that the actor leads the class or runs its school (ACC-4, ROLE-2,
    REP-5): a subject teacher, a parent, a class teacher of another class are refused as /class refuses them."""

    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- choices --------------------------------------------------------------------------------------------

    async def choices(self, actor: Actor, class_id: int) -> ReportChoices:
        """The periods of the class's grade and the months of its year up to today's."""
        class_group, school, today = await self._class(actor, class_id)
        periods = await periods_of(self.session, class_group.year_id, class_group.grade)
        current = await self._period(class_group, periods, today, None) if periods else None
        found: list[date] = []
        year = await self.session.get_one(AcademicYear, class_group.year_id)
        day = year.starts_on.replace(day=1)
        while day <= min(today, year.ends_on):
            found.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return ReportChoices(
            class_id=class_group.id,
            class_name=class_group.name,
            periods=tuple(PeriodChoice(p.id, p.name, p.starts_on, p.ends_on) for p in periods),
            current_period_id=current.id if current else None,
            months=tuple(found),
            marks=class_group.grade not in school.no_mark_grades,
            own=class_group.class_teacher_id == actor.person_id,
        )

    # ---- results ------------------------------------------------------------------------------------------

    async def results(
        self, actor: Actor, class_id: int, period_id: int | None = None, *, year: bool = False
    ) -> ClassResults:
        """REP-2: per subject taught in the class, the results of the period marks (of the year marks with `year`)
        of the students of the class on the period's last day, and the class's total (figures.total_of).
        `period_id` None: the period today is in (in a vacation, the one that ended last)."""
        class_group, school, today = await self._class(actor, class_id)
        return (await self._marks(class_group, school, today, period_id, year))[0]

    async def summary_sheet(
        self, actor: Actor, class_id: int, period_id: int | None = None, year: bool = False
    ) -> SummarySheet:
        """REP-2, REP-4: the summary sheet of marks: the students by surname × the subjects, the period marks; for
        the year each period's mark and the year mark of every subject."""
        class_group, school, today = await self._class(actor, class_id)
        results, context = await self._marks(class_group, school, today, period_id, year)
        students, subjects, takers, marks, periods = context
        rows = []
        for number, student in enumerate(students, 1):
            cells: list[tuple[Outcome | None, ...] | None] = []
            for subject_id, _name in subjects:
                if student.id not in takers[subject_id]:
                    cells.append(None)
                elif year:
                    mine = marks.get((student.id, subject_id), {})
                    cells.append((*tuple(mine.get(p.id) for p in periods), mine.get(None)))
                else:
                    cells.append((marks.get((student.id, subject_id), {}).get(results.period_id),))
            rows.append(SheetRow(number, student.id, student.person.full_name, tuple(cells)))
        columns = (*tuple(p.name for p in periods), results.period_name) if year else (results.period_name,)
        return SummarySheet(
            class_id=class_group.id,
            class_name=class_group.name,
            school=school.name,
            period_name=results.period_name,
            year=year,
            subjects=tuple(name for _id, name in subjects),
            columns=columns,
            rows=tuple(rows),
            results=results,
            made_on=today,
        )

    async def _marks(self, class_group: ClassGroup, school: School, today: date, period_id: int | None, year: bool):
        """The results and what the sheet needs: the roster, the subjects, who takes each, the marks read in one
        statement ({(student, subject): {period id or None for the year: Outcome}}) and the year's periods."""
        if class_group.grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=class_group.grade)
        periods = await periods_of(self.session, class_group.year_id, class_group.grade)
        if not periods:
            raise NotFound("period.not_found")
        if year:
            period = None
            roster_day = periods[-1].ends_on
        else:
            period = await self._period(class_group, periods, today, period_id)
            roster_day = min(max(today, period.starts_on), period.ends_on)
        students = in_journal_order(
            (await self.session.scalars(select(Student).where(enrolled(class_group.id, roster_day)))).unique()
        )
        ids = [s.id for s in students]
        subjects, takers = await self._subjects(class_group.id, ids)
        kinds = (
            and_(FinalMark.kind == FinalMarkKind.YEAR, FinalMark.year_id == class_group.year_id)
            if period is None
            else and_(FinalMark.kind == FinalMarkKind.PERIOD, FinalMark.period_id == period.id)
        )
        if year:  # the summary sheet of the year shows each period's mark beside the year's
            kinds = or_(
                kinds,
                and_(FinalMark.kind == FinalMarkKind.PERIOD, FinalMark.period_id.in_([p.id for p in periods])),
            )
        marks: dict[tuple[int, int], dict[int | None, Outcome | None]] = defaultdict(dict)
        for mark in await self.session.scalars(
            select(FinalMark).where(
                FinalMark.student_id.in_(ids), FinalMark.subject_id.in_([s for s, _ in subjects]), kinds
            )
        ):
            key = mark.period_id if mark.kind is FinalMarkKind.PERIOD else None
            marks[(mark.student_id, mark.subject_id)][key] = Outcome.of(mark)
        column = None if period is None else period.id

        def outcome(student_id: int, subject_id: int) -> Outcome | None:
            return marks.get((student_id, subject_id), {}).get(column)

        by_subject = tuple(
            SubjectResults(
                subject_id,
                name,
                results_of([outcome(s, subject_id) for s in ids if s in takers[subject_id]]),
            )
            for subject_id, name in subjects
        )
        total = total_of(
            [[outcome(s, subject_id) for subject_id, _ in subjects if s in takers[subject_id]] for s in ids]
        )
        results = ClassResults(
            class_id=class_group.id,
            class_name=class_group.name,
            school=school.name,
            period_id=column,
            period_name=(await self.session.get_one(AcademicYear, class_group.year_id)).name
            if period is None
            else period.name,
            year=period is None,
            roster_day=roster_day,
            subjects=by_subject,
            total=total,
            made_on=today,
        )
        return results, (students, subjects, takers, marks, periods)

    async def _subjects(
        self, class_id: int, student_ids: Sequence[int]
    ) -> tuple[list[tuple[int, str]], dict[int, set[int]]]:
        """The subjects taught in the class (its assignments), by name, and the students who take each: all of
        them for a whole-class assignment, a subgroup's members for a subgroup's (J-13)."""
        assignments = (await self.session.scalars(select(Assignment).where(Assignment.class_id == class_id))).unique()
        names: dict[int, str] = {}
        groups: dict[int, set[int | None]] = defaultdict(set)
        for a in assignments:
            names[a.subject_id] = a.subject.name
            groups[a.subject_id].add(a.subgroup_id)
        members: dict[int, set[int]] = defaultdict(set)
        subgroup_ids = {g for gs in groups.values() for g in gs if g is not None}
        if subgroup_ids:
            for subgroup_id, student_id in await self.session.execute(
                select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
                    SubgroupMember.subgroup_id.in_(subgroup_ids)
                )
            ):
                members[subgroup_id].add(student_id)
        everyone = set(student_ids)
        takers = {
            subject_id: everyone if None in gs else everyone & set().union(*(members[g] for g in gs if g is not None))
            for subject_id, gs in groups.items()
        }
        return sorted(names.items(), key=lambda item: (item[1], item[0])), takers

    async def students(self, actor: Actor, class_id: int) -> list[tuple[int, str]]:
        """REP-5: the class's students today, in the journal's order, for their report cards (id, full name)."""
        class_group, _school, today = await self._class(actor, class_id)
        found = await self.session.scalars(select(Student).where(enrolled(class_group.id, today)))
        return [(s.id, s.person.full_name) for s in in_journal_order(found.unique())]

    # ---- attendance ---------------------------------------------------------------------------------------

    async def period_bounds(self, actor: Actor, class_id: int, period_id: int | None = None) -> PeriodChoice:
        """A period of the class's grade (the current one by default): its name and days."""
        class_group, _school, today = await self._class(actor, class_id)
        periods = await periods_of(self.session, class_group.year_id, class_group.grade)
        period = await self._period(class_group, periods, today, period_id)
        return PeriodChoice(period.id, period.name, period.starts_on, period.ends_on)

    async def period_attendance(self, actor: Actor, class_id: int, period_id: int | None = None) -> ClassAttendance:
        """REP-2: the class's attendance over a period (the current one by default)."""
        period = await self.period_bounds(actor, class_id, period_id)
        return replace(await self.attendance(actor, class_id, period.starts_on, period.ends_on), title=period.name)

    async def month_attendance(self, actor: Actor, class_id: int, month: date) -> ClassAttendance:
        """REP-2: the monthly class attendance report: the month of `month`, its school days only."""
        first = month.replace(day=1)
        last = month.replace(day=months.monthrange(month.year, month.month)[1])
        return replace(await self.attendance(actor, class_id, first, last), month=True)

    async def attendance(self, actor: Actor, class_id: int, first: date, last: date) -> ClassAttendance:
        """REP-2: per student of the class on some day from `first` to `last`, the days and lessons missed with a
        valid reason and without (the module's docstring says how they count), and the totals."""
        if last < first:
            raise InvalidInput("report.bad_dates")
        class_group, school, today = await self._class(actor, class_id)
        days = await SchoolDays.load(self.session, school.id, first)
        grade = class_group.grade
        school_days = {d for d in _days(first, last) if days.calendar.status(d, grade).has_lessons}
        timetable_days = sum(days.has_lessons(d, grade) for d in school_days)
        students = in_journal_order(
            (await self.session.scalars(select(Student).where(enrolled(class_group.id, first, last)))).unique()
        )
        ids = [s.id for s in students]
        stays: dict[int, list[Stay]] = defaultdict(list)
        for student_id, starts_on, ends_on in await self.session.execute(
            select(Enrolment.student_id, Enrolment.starts_on, Enrolment.ends_on).where(
                Enrolment.class_id == class_group.id, Enrolment.student_id.in_(ids), stays_between(first, last)
            )
        ):
            stays[student_id].append(Stay(class_group.id, starts_on, ends_on))
        # The class's assignments: their subgroups (None: the whole class).
        assignments: dict[int, int | None] = {
            row.id: row.subgroup_id
            for row in await self.session.execute(
                select(Assignment.id, Assignment.subgroup_id).where(Assignment.class_id == class_group.id)
            )
        }
        members: dict[int, set[int]] = defaultdict(set)
        for subgroup_id, student_id in await self.session.execute(
            select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
                SubgroupMember.subgroup_id.in_({g for g in assignments.values() if g is not None})
            )
        ):
            members[student_id].add(subgroup_id)
        lessons = [
            (lesson_id, assignment_id, day)
            for lesson_id, assignment_id, day in await self.session.execute(
                select(Lesson.id, Lesson.assignment_id, Lesson.date).where(
                    Lesson.assignment_id.in_(assignments),
                    Lesson.date.between(first, last),
                    or_(
                        Lesson.attendance_taken_at.is_not(None),
                        Lesson.id.in_(select(Absence.lesson_id).where(Absence.student_id.in_(ids))),
                    ),
                )
            )
            if day in school_days
        ]
        absences: dict[tuple[int, int], AbsenceReason | None] = {
            (student_id, lesson_id): reason
            for student_id, lesson_id, reason in await self.session.execute(
                select(Absence.student_id, Absence.lesson_id, Absence.reason).where(
                    Absence.student_id.in_(ids), Absence.lesson_id.in_([lesson[0] for lesson in lessons])
                )
            )
        }
        rows, unreasoned = [], 0
        for number, student in enumerate(students, 1):
            had: dict[date, list[int]] = defaultdict(list)  # the student's lessons of each day in the class
            for lesson_id, assignment_id, day in lessons:
                subgroup = assignments[assignment_id]
                there = any(stay.covers(day) for stay in stays[student.id])
                if there and (subgroup is None or subgroup in members[student.id]):
                    had[day].append(lesson_id)
            missed = Missed()
            for day_lessons in had.values():
                reasons = [absences[(student.id, x)] for x in day_lessons if (student.id, x) in absences]
                valid = sum(r in VALID_REASONS for r in reasons)
                unreasoned += sum(r is None for r in reasons)
                whole = len(reasons) == len(day_lessons)
                missed += Missed(
                    days=int(whole),
                    days_valid=int(whole and valid == len(reasons)),
                    lessons=len(reasons),
                    lessons_valid=valid,
                )
            rows.append(StudentAttendance(number, student.id, student.person.full_name, missed))
        return ClassAttendance(
            class_id=class_group.id,
            class_name=class_group.name,
            school=school.name,
            first=first,
            last=last,
            title="",
            school_days=timetable_days,
            rows=tuple(rows),
            total=sum((r.missed for r in rows), Missed()),
            unreasoned=unreasoned,
            made_on=today,
        )

    # ---- shared -------------------------------------------------------------------------------------------

    async def _class(self, actor: Actor, class_id: int) -> tuple[ClassGroup, School, date]:
        class_group = await led_class(self.session, actor, class_id)  # ACC-4, ROLE-2: refuses anyone else
        school = await self.session.get_one(School, class_group.school_id)
        return class_group, school, school_today(self.clock, school)

    async def _period(
        self, class_group: ClassGroup, periods: Sequence[StudyPeriod], today: date, period_id: int | None
    ) -> StudyPeriod:
        """The period asked for, of the class's year and grade (a forged id is refused); by default the period
        today is in, in a vacation the one that ended last."""
        if period_id is not None:
            for p in periods:
                if p.id == period_id:
                    return p
            raise NotFound("period.not_found")
        if not periods:
            raise NotFound("period.not_found")
        for p in periods:
            if p.starts_on <= today <= p.ends_on:
                return p
        past = [p for p in periods if p.starts_on <= today]
        return past[-1] if past else periods[0]


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += DAY
