"""The school's reports for the deputy director and the administrator (REP-2, REP-4, REP-5, ROLE-2).

- results(): the results of a period (or of the year) per class, per grade and for the whole school: how many
  students, how many finished with «5» only, with «4» and «5», with a «3», with a «2», «н/а»; the quality of
  knowledge and the success rate (services/reports/figures.py: a student counts once, by their lowest mark over
  every subject of their class), and the average of every period (year) mark. A class whose average is below the
  school's is flagged (by the average mark, not by the quality: the average moves with every mark, the quality only
  when a student crosses the «4» line).
- final_sheet(): the year's summary sheet of final marks («сводная ведомость итоговых отметок», REP-4), to print,
  sign and archive: per class, its students × subjects with the year marks, and the exam and final marks where the
  grade has an exam in the subject.

A class is read in three statements (its roster on the day, its subgroups, its marks); `progress(done, total)` is
awaited after each class, so that the bot edits a progress message and the command line draws a bar."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Actor
from ..calendar import SchoolCalendar
from ..clock import Clock, school_today
from ..enrolments import enrolled
from ..errors import Forbidden, NotFound
from ..final_marks import Outcome
from ..journal import in_journal_order
from ..models import (
    AcademicYear,
    Assignment,
    ClassGroup,
    Exam,
    FinalMark,
    FinalMarkKind,
    School,
    Student,
    StudyPeriod,
    SubgroupMember,
    Subject,
)
from ..period_marks import PeriodRef, period_ref
from .figures import Results, total_of

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class ClassResults:
    class_id: int
    class_name: str
    grade: int
    period_name: str  # the period whose marks these are; "" for the year's marks
    results: Results
    below_average: bool  # the class's average mark is below the school's


@dataclass(frozen=True)
class GradeResults:
    grade: int
    classes: tuple[ClassResults, ...]
    total: Results  # the grade's students together (total_of over all of them)


@dataclass(frozen=True)
class SchoolResults:
    """REP-2 for the whole school: per grade its classes and its total, then the school's total."""

    school: str
    year_name: str
    period_names: tuple[str, ...]  # the periods the classes' marks are of; () for the year
    year: bool
    made_on: date
    grades: tuple[GradeResults, ...]
    total: Results

    @property
    def classes(self) -> tuple[ClassResults, ...]:
        return tuple(c for g in self.grades for c in g.classes)

    @property
    def below(self) -> tuple[ClassResults, ...]:
        return tuple(c for c in self.classes if c.below_average)


@dataclass(frozen=True)
class YearMarks:
    """A student's marks in one subject at the year's end."""

    year: Outcome | None
    exam: Outcome | None = None
    final: Outcome | None = None


@dataclass(frozen=True)
class FinalSubject:
    subject_id: int
    name: str
    has_exam: bool  # the grade has an exam in it: the exam and final marks are columns of the sheet


@dataclass(frozen=True)
class FinalStudent:
    student_id: int
    name: str
    marks: tuple[YearMarks | None, ...]  # by ClassFinals.subjects; None: the student does not study it


@dataclass(frozen=True)
class ClassFinals:
    class_id: int
    class_name: str
    subjects: tuple[FinalSubject, ...]  # by name
    students: tuple[FinalStudent, ...]  # in journal order
    results: Results  # of the year marks (the final marks where the grade has an exam)


@dataclass(frozen=True)
class FinalSheet:
    """REP-4: the year's summary sheet of final marks, a class a table."""

    school: str
    year_id: int
    year_name: str
    made_on: date
    classes: tuple[ClassFinals, ...]


@dataclass(frozen=True)
class _Scope:
    school: School
    today: date
    calendar: SchoolCalendar


class SchoolReports:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def periods(self, actor: Actor) -> list[PeriodRef]:
        """The study periods of the current year, to choose one for results() (REP-5: deputy/admin only)."""
        scope = await self._scope(actor)
        year = scope.calendar.year
        if year is None:
            return []
        return [period_ref(p) for p in sorted(year.periods, key=lambda p: (p.starts_on, p.grade_from, p.id))]

    async def results(
        self, actor: Actor, period_id: int | None = None, year: bool = False, progress: Progress | None = None
    ) -> SchoolResults:
        """REP-2, REP-5: the period's results (period_id None: each class's current period, or the one that ended
        last), or with `year` the year marks'. Grades without marks (J-8) are left out."""
        scope = await self._scope(actor)
        school, today, calendar = scope.school, scope.today, scope.calendar
        academic_year = calendar.year
        if academic_year is None:
            raise NotFound("period.not_found")
        chosen = None
        if period_id is not None and not year:
            chosen = await self.session.get(StudyPeriod, period_id)
            if chosen is None or chosen.year_id != academic_year.id:
                raise NotFound("period.not_found")
        classes = [
            c
            for c in await self._classes(school, academic_year.id)
            if calendar.periods(c.grade) and (chosen is None or chosen.grade_from <= c.grade <= chosen.grade_to)
        ]
        subjects = await self._assignments([c.id for c in classes])
        by_class: list[tuple[ClassGroup, str, list[list[Outcome | None]]]] = []
        for done, class_group in enumerate(classes, start=1):
            periods = calendar.periods(class_group.grade)
            if year:
                period, day = None, min(periods[-1].ends_on, today)
            else:
                period = chosen or calendar.current_or_last_period(today, class_group.grade)
                day = max(period.starts_on, min(period.ends_on, today))
            students = await self._roster(class_group.id, day)
            columns = await self._subjects_of(class_group, subjects[class_group.id], students)
            marks = await self._marks(
                [s.id for s in students],
                academic_year.id,
                FinalMarkKind.YEAR if year else FinalMarkKind.PERIOD,
                period.id if period else None,
            )
            rows = [[Outcome.of(marks.get((s.id, subject_id))) for subject_id in columns[s.id]] for s in students]
            by_class.append((class_group, period.name if period else "", rows))
            if progress is not None:
                await progress(done, len(classes))
        total = total_of([row for _c, _p, rows in by_class for row in rows])
        grades: dict[int, list[tuple[ClassResults, list[list[Outcome | None]]]]] = defaultdict(list)
        for class_group, period_name, rows in by_class:
            results = total_of(rows)
            below = results.average is not None and total.average is not None and results.average < total.average
            grades[class_group.grade].append(
                (ClassResults(class_group.id, class_group.name, class_group.grade, period_name, results, below), rows)
            )
        return SchoolResults(
            school=school.name,
            year_name=academic_year.name,
            period_names=() if year else tuple(dict.fromkeys(name for _c, name, _r in by_class)),
            year=year,
            made_on=today,
            grades=tuple(
                GradeResults(
                    grade=grade,
                    classes=tuple(c for c, _rows in found),
                    total=total_of([row for _c, rows in found for row in rows]),
                )
                for grade, found in sorted(grades.items())
            ),
            total=total,
        )

    async def final_sheet(
        self, actor: Actor, year_id: int | None = None, progress: Progress | None = None
    ) -> FinalSheet:
        """REP-4, REP-5: the summary sheet of the year's final marks (year_id None: the current year)."""
        scope = await self._scope(actor)
        school, today, calendar = scope.school, scope.today, scope.calendar
        academic_year = calendar.year if year_id is None else await self.session.get(AcademicYear, year_id)
        if academic_year is None or academic_year.school_id != school.id:
            raise NotFound("report.no_year")
        periods = list(academic_year.periods)
        classes = [
            c
            for c in await self._classes(school, academic_year.id)
            if any(p.grade_from <= c.grade <= p.grade_to for p in periods)
        ]
        subjects = await self._assignments([c.id for c in classes])
        exams = {
            (grade, subject_id)
            for grade, subject_id in await self.session.execute(
                select(Exam.grade, Exam.subject_id).where(Exam.year_id == academic_year.id)
            )
        }
        names = dict(
            (await self.session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school.id))).all()
        )
        found = []
        for done, class_group in enumerate(classes, start=1):
            last = max(p.ends_on for p in periods if p.grade_from <= class_group.grade <= p.grade_to)
            students = await self._roster(class_group.id, min(last, max(today, academic_year.starts_on)))
            columns = await self._subjects_of(class_group, subjects[class_group.id], students)
            order = sorted({s for ids in columns.values() for s in ids}, key=lambda s: (names.get(s, ""), s))
            marks = await self._year_marks([s.id for s in students], academic_year.id)
            rows = []
            for s in students:
                mine = set(columns[s.id])
                rows.append(
                    FinalStudent(
                        s.id,
                        s.person.full_name,
                        tuple(
                            YearMarks(*(Outcome.of(marks.get((s.id, sid, k))) for k in YEAR_KINDS))
                            if sid in mine
                            else None
                            for sid in order
                        ),
                    )
                )
            counted = [
                [
                    (m.final if (class_group.grade, sid) in exams else m.year) if m else None
                    for sid, m in zip(order, r.marks, strict=True)
                    if m is not None
                ]
                for r in rows
            ]
            found.append(
                ClassFinals(
                    class_id=class_group.id,
                    class_name=class_group.name,
                    subjects=tuple(
                        FinalSubject(sid, names.get(sid, ""), (class_group.grade, sid) in exams) for sid in order
                    ),
                    students=tuple(rows),
                    results=total_of(counted),
                )
            )
            if progress is not None:
                await progress(done, len(classes))
        return FinalSheet(school.name, academic_year.id, academic_year.name, today, tuple(found))

    # ---- reads ------------------------------------------------------------------------------------------------

    async def _scope(self, actor: Actor) -> _Scope:
        """REP-5, ROLE-2: the whole school's reports are the deputy director's and the administrator's."""
        if not actor.oversees(actor.school_id):
            raise Forbidden("report.not_allowed")
        school = await self.session.get_one(School, actor.school_id)
        today = school_today(self.clock, school)
        return _Scope(school, today, await SchoolCalendar.load(self.session, school.id, today))

    async def _classes(self, school: School, year_id: int) -> list[ClassGroup]:
        """The year's classes of the grades with marks (J-8), by grade and letter."""
        classes = await self.session.scalars(
            select(ClassGroup).where(ClassGroup.school_id == school.id, ClassGroup.year_id == year_id)
        )
        return sorted(
            (c for c in classes.unique() if c.grade not in school.no_mark_grades), key=lambda c: (c.grade, c.letter)
        )

    async def _assignments(self, class_ids: Sequence[int]) -> dict[int, list[tuple[int, int | None]]]:
        """Each class's subjects: (subject id, subgroup id or None) per assignment."""
        found: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
        if class_ids:
            for class_id, subject_id, subgroup_id in await self.session.execute(
                select(Assignment.class_id, Assignment.subject_id, Assignment.subgroup_id).where(
                    Assignment.class_id.in_(list(class_ids))
                )
            ):
                found[class_id].append((subject_id, subgroup_id))
        return found

    async def _roster(self, class_id: int, day: date) -> list[Student]:
        """The class on the day (DATA-4): who studied in it then, whatever their status now."""
        return in_journal_order((await self.session.scalars(select(Student).where(enrolled(class_id, day)))).unique())

    async def _subjects_of(
        self, class_group: ClassGroup, assignments: Sequence[tuple[int, int | None]], students: Sequence[Student]
    ) -> dict[int, list[int]]:
        """Each student's subjects in the class: the whole class's, and their own subgroups' (J-13)."""
        subgroups = {sg for _s, sg in assignments if sg is not None}
        members: dict[int, set[int]] = defaultdict(set)
        if subgroups and students:
            for subgroup_id, student_id in await self.session.execute(
                select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
                    SubgroupMember.subgroup_id.in_(subgroups)
                )
            ):
                members[student_id].add(subgroup_id)
        return {
            s.id: list(dict.fromkeys(subject for subject, sg in assignments if sg is None or sg in members[s.id]))
            for s in students
        }

    async def _marks(
        self, student_ids: Sequence[int], year_id: int, kind: FinalMarkKind, period_id: int | None
    ) -> dict[tuple[int, int], FinalMark]:
        if not student_ids:
            return {}
        query = select(FinalMark).where(
            FinalMark.student_id.in_(list(student_ids)), FinalMark.year_id == year_id, FinalMark.kind == kind
        )
        query = query.where(FinalMark.period_id == period_id if period_id else FinalMark.period_id.is_(None))
        return {(m.student_id, m.subject_id): m for m in await self.session.scalars(query)}

    async def _year_marks(
        self, student_ids: Sequence[int], year_id: int
    ) -> dict[tuple[int, int, FinalMarkKind], FinalMark]:
        if not student_ids:
            return {}
        marks = await self.session.scalars(
            select(FinalMark).where(
                FinalMark.student_id.in_(list(student_ids)),
                FinalMark.year_id == year_id,
                FinalMark.kind.in_(YEAR_KINDS),
                FinalMark.period_id.is_(None),
            )
        )
        return {(m.student_id, m.subject_id, m.kind): m for m in marks}


YEAR_KINDS = (FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.FINAL)
