"""Journal control for the deputy director and the administrator (REP-3, ROLE-2).

Two questions about the whole school or one class: which lessons of the timetable lack attendance, topic or
homework (J-1..J-3), by teacher; and in which subjects of the current period students are behind the schedule
of marks: fewer than the accumulation rule's minimum (PER-4) times the share of the period's lessons already
held, rounded up (the whole minimum in the period's last week, when the period marks are due). Read in a fixed
number of queries whatever the school's size: the demo school has about a thousand students. The module-level
reads are shared with the staff reminders (services/reminders/staff.py), so that a reminder (sent in the period's
last days, against the whole minimum) and this report never disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from .access import Actor, ClassRef
from .calendar import SchoolCalendar
from .clock import Clock
from .enrolments import stays_between
from .errors import Forbidden, InvalidInput, NotFound
from .grading_policy import GradingPolicy, required_for, required_marks
from .journal import missing_parts
from .models import (
    VALID_REASONS,
    Absence,
    Assignment,
    ClassGroup,
    Enrolment,
    Lesson,
    Mark,
    Person,
    School,
    Student,
    StudentStatus,
    StudyPeriod,
    SubgroupMember,
    Substitution,
    TimetableEntry,
)
from .plan import Completion, Departure, completion, departures
from .staff import Vacancy, vacancies


@dataclass(frozen=True)
class LessonGap:
    """A lesson of the timetable without some of what J-1..J-3 ask for; a lesson never opened lacks all."""

    date: date
    number: int
    class_name: str
    subgroup: str | None
    subject: str
    missing: frozenset[str]  # of "attendance", "topic", "homework"


@dataclass(frozen=True)
class TeacherGaps:
    teacher_id: int
    teacher: str  # «Смирнова Е. В.»
    lessons: tuple[LessonGap, ...]  # by date and lesson number


@dataclass(frozen=True)
class AccumulationGap:
    """PER-4 in one class and subject: how many students have fewer marks than the period mark needs."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str
    teacher: str
    period_name: str
    required: int  # for the subject's weekly hours, before lowering for valid absences
    failing: int
    students: int
    expected: int = 0  # marks expected by today: ceil(required × share), before lowering for valid absences
    share: float = 1.0  # of the period's lessons of the timetable, those held by today (1 in its last week)


@dataclass(frozen=True)
class ControlReport:
    class_id: int | None  # None: the whole school
    class_name: str | None
    date_from: date  # the week's Monday
    date_to: date  # its Sunday, or today in the current week
    today: date
    teachers: tuple[TeacherGaps, ...]  # by name
    accumulation: tuple[AccumulationGap, ...]  # by class and subject
    vacancies: tuple[Vacancy, ...] = ()  # loads of dismissed teachers, classes without a class teacher (ACC-6)

    @property
    def current_week(self) -> bool:
        return self.date_to >= self.today

    @property
    def lessons_missing(self) -> int:
        return sum(len(t.lessons) for t in self.teachers)


@dataclass(frozen=True)
class Unplanned:
    """A subject of a class without a thematic plan loaded (J-14)."""

    class_name: str
    subgroup: str | None
    subject: str
    teacher: str


@dataclass(frozen=True)
class PlanControl:
    """J-14 for the whole school or one class: the week's lessons whose topic departs from the plan, and each
    subject's programme completion by today."""

    class_id: int | None
    class_name: str | None
    date_from: date
    date_to: date
    today: date
    departures: tuple[Departure, ...]
    completion: tuple[Completion, ...]  # by class and subject
    without_plan: tuple[Unplanned, ...]

    @property
    def current_week(self) -> bool:
        return self.date_to >= self.today

    @property
    def behind(self) -> tuple[Completion, ...]:
        return tuple(c for c in self.completion if c.behind)


@dataclass(frozen=True)
class _Week:
    """A control screen's scope (ControlService._week)."""

    school: School
    now: datetime
    today: date
    date_from: date
    date_to: date
    calendar: SchoolCalendar
    class_group: ClassGroup | None
    assignments: dict[int, Assignment]


class ControlService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def classes(self, actor: Actor) -> list[ClassRef]:
        """The classes of the current school year, to choose one for the report."""
        school, now = await self._school(actor)
        calendar = await SchoolCalendar.load(self.session, school.id, now.date())
        query = select(ClassGroup).where(ClassGroup.school_id == school.id)
        if calendar.year is not None:
            query = query.where(ClassGroup.year_id == calendar.year.id)
        classes = (await self.session.scalars(query)).all()
        return [ClassRef(c.id, c.name) for c in sorted(classes, key=lambda c: (c.grade, c.letter))]

    async def report(self, actor: Actor, class_id: int | None = None, week: date | None = None) -> ControlReport:
        """REP-3 for the week that holds `week` (default: this week), up to today."""
        scope = await self._week(actor, class_id, week)
        school, calendar, class_group, assignments = scope.school, scope.calendar, scope.class_group, scope.assignments
        return ControlReport(
            class_id=class_group.id if class_group else None,
            class_name=class_group.name if class_group else None,
            date_from=scope.date_from,
            date_to=scope.date_to,
            today=scope.today,
            teachers=await lesson_gaps(self.session, school.id, assignments, scope.date_from, scope.date_to, scope.now),
            accumulation=await self._accumulation(school, calendar, assignments, scope.today),
            vacancies=tuple(
                await vacancies(self.session, school.id, calendar.year.id, class_id) if calendar.year else ()
            ),
        )

    async def plan_report(self, actor: Actor, class_id: int | None = None, week: date | None = None) -> PlanControl:
        """J-14, REP-3: the thematic plan against the journal, for the week that holds `week` (departures) and the
        year up to today (completion); a handful of statements whatever the school's size."""
        scope = await self._week(actor, class_id, week)
        calendar, class_group, assignments, today = scope.calendar, scope.class_group, scope.assignments, scope.today
        date_from, date_to = scope.date_from, scope.date_to
        done, without = await completion(self.session, calendar, assignments, today)
        return PlanControl(
            class_id=class_group.id if class_group else None,
            class_name=class_group.name if class_group else None,
            date_from=date_from,
            date_to=date_to,
            today=today,
            departures=await departures(self.session, assignments, date_from, date_to),
            completion=done,
            without_plan=tuple(
                Unplanned(
                    class_name=a.class_group.name,
                    subgroup=a.subgroup.name if a.subgroup else None,
                    subject=a.subject.name,
                    teacher=a.teacher.short_name,
                )
                for a in (assignments[i] for i in without)
            ),
        )

    async def _week(self, actor: Actor, class_id: int | None, week: date | None) -> _Week:
        """What a control screen covers: the school's (or one class's) assignments and the week that holds `week`,
        up to today; a week ahead or another school's class is refused."""
        school, now = await self._school(actor)
        today = now.date()
        monday = (week or today) - timedelta(days=(week or today).weekday())
        if monday > today:
            raise InvalidInput("control.future_week")
        calendar = await SchoolCalendar.load(self.session, school.id, today)
        class_group = None
        if class_id is not None:
            class_group = await self.session.get(ClassGroup, class_id)
            if class_group is None or class_group.school_id != school.id:
                raise NotFound("class.not_found")
        assignments = await school_assignments(self.session, school.id, calendar, class_group)
        return _Week(
            school, now, today, monday, min(monday + timedelta(days=6), today), calendar, class_group, assignments
        )

    # ---- the accumulation of marks (PER-4) -----------------------------------------------------------

    async def _accumulation(
        self, school: School, calendar: SchoolCalendar, assignments: dict[int, Assignment], today: date
    ) -> tuple[AccumulationGap, ...]:
        """Per class and subject, the students below PER-4 in the current period (the sheet's rule, read at once
        for every assignment: a handful of grouped queries per study period, none per student)."""
        by_period: dict[int, list[Assignment]] = defaultdict(list)
        periods: dict[int, StudyPeriod] = {}
        policy = GradingPolicy.of(school)
        for a in assignments.values():
            grade = a.class_group.grade
            period = calendar.period(today, grade) or next(
                (p for p in reversed(calendar.periods(grade)) if p.starts_on <= today), None
            )
            if grade in school.no_mark_grades or period is None:
                continue
            periods[period.id] = period
            by_period[period.id].append(a)
        rosters = await roster_ids(self.session, [a for group in by_period.values() for a in group], today)
        result = []
        for period_id, group in by_period.items():
            period = periods[period_id]
            counts = await period_counts(self.session, period, [a.id for a in group])
            shares = await held_shares(self.session, calendar, period, group, today)
            for a in group:
                roster = rosters[a.id]
                failing = len(below_minimum(policy, a, roster, counts, shares[a.id]))
                if failing:
                    required = required_marks(policy, a.hours_per_week)
                    result.append(
                        AccumulationGap(
                            assignment_id=a.id,
                            class_name=a.class_group.name,
                            subgroup=a.subgroup.name if a.subgroup else None,
                            subject=a.subject.name,
                            teacher=a.teacher.short_name,
                            period_name=period.name,
                            required=required,
                            failing=failing,
                            students=len(roster),
                            expected=expected_by_now(required, shares[a.id]),
                            share=shares[a.id],
                        )
                    )
        grade_of = {a.id: (a.class_group.grade, a.class_group.letter) for a in assignments.values()}
        return tuple(sorted(result, key=lambda g: (grade_of[g.assignment_id], g.subject, g.subgroup or "")))

    async def _school(self, actor: Actor) -> tuple[School, datetime]:
        """ROLE-2: the deputy director and the administrator only; the school's local time now."""
        if not actor.oversees(actor.school_id):
            raise Forbidden("control.not_allowed")
        school = await self.session.get_one(School, actor.school_id)
        return school, self.clock().astimezone(ZoneInfo(school.timezone))


async def school_assignments(
    session: AsyncSession, school_id: int, calendar: SchoolCalendar, class_group: ClassGroup | None = None
) -> dict[int, Assignment]:
    """The teaching load of one class, or of the whole school in the calendar's year, by id."""
    query = (
        select(Assignment)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
        .where(Assignment.school_id == school_id)
    )
    if class_group is not None:
        query = query.where(Assignment.class_id == class_group.id)
    elif calendar.year is not None:
        query = query.where(ClassGroup.year_id == calendar.year.id)
    return {a.id: a for a in (await session.scalars(query)).unique()}


def taught_by(assignment: Assignment, day: date, lesson: Lesson | None, substitutes: Sequence[Substitution]) -> int:
    """Who keeps a lesson's record (ACC-5): who wrote it, else that day's substitute, else the assignment's teacher."""
    if lesson is not None and lesson.teacher_id:
        return lesson.teacher_id
    return next(
        (s.substitute_id for s in substitutes if s.assignment_id == assignment.id and s.starts_on <= day <= s.ends_on),
        assignment.teacher_id,
    )


async def substitutions(
    session: AsyncSession, ids: Sequence[int], date_from: date, date_to: date
) -> Sequence[Substitution]:
    """The substitutions (ACC-5) of these assignments that overlap the dates."""
    return (
        await session.scalars(
            select(Substitution).where(
                Substitution.assignment_id.in_(ids),
                Substitution.starts_on <= date_to,
                Substitution.ends_on >= date_from,
            )
        )
    ).all()


# ---- lessons without attendance, topic or homework ------------------------------------------------


async def lesson_gaps(
    session: AsyncSession,
    school_id: int,
    assignments: dict[int, Assignment],
    date_from: date,
    date_to: date,
    now: datetime | None = None,
    calendar: SchoolCalendar | None = None,
) -> tuple[TeacherGaps, ...]:
    """The timetable's lessons of the dates (and those recorded off it) that lack attendance, topic or homework,
    by the teacher who keeps them (ACC-5), in four queries. With `now`, today's lessons count once they are over;
    without it every lesson of the dates counts (a reminder before a deadline). `calendar`: one already read for
    the dates."""
    ids = list(assignments)
    calendar = calendar or await SchoolCalendar.load(session, school_id, date_from)
    entries = (
        (
            await session.scalars(
                select(TimetableEntry).where(
                    TimetableEntry.assignment_id.in_(ids),
                    TimetableEntry.valid_from <= date_to,
                    or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= date_from),
                )
            )
        )
        .unique()
        .all()
    )
    lessons = {
        (lsn.assignment_id, lsn.date, lsn.lesson_number): lsn
        for lsn in (
            await session.scalars(
                select(Lesson).where(Lesson.assignment_id.in_(ids), Lesson.date.between(date_from, date_to))
            )
        ).unique()
    }
    substitutes = await substitutions(session, ids, date_from, date_to)
    slots = set(lessons)  # a lesson recorded off the timetable counts too
    day = date_from
    while day <= date_to:
        for e in entries:
            if (
                e.weekday == day.weekday()
                and e.valid_from <= day
                and (e.valid_to is None or e.valid_to >= day)
                and calendar.status(day, assignments[e.assignment_id].class_group.grade).has_lessons
            ):
                slots.add((e.assignment_id, day, e.lesson_number))
        day += timedelta(days=1)
    gaps: dict[int, list[LessonGap]] = defaultdict(list)
    for assignment_id, day, number in slots:
        if now is not None and day == now.date() and not ended(calendar, number, now):
            continue
        lesson = lessons.get((assignment_id, day, number))
        # REP-3 asks about attendance, topic and homework; marks are not due at every lesson.
        missing = missing_parts(lesson, 1) - {"marks"}
        if not missing:
            continue
        a = assignments[assignment_id]
        gaps[taught_by(a, day, lesson, substitutes)].append(
            LessonGap(
                date=day,
                number=number,
                class_name=a.class_group.name,
                subgroup=a.subgroup.name if a.subgroup else None,
                subject=a.subject.name,
                missing=missing,
            )
        )
    names = {
        p.id: p.short_name for p in (await session.scalars(select(Person).where(Person.id.in_(list(gaps))))).unique()
    }
    result = [
        TeacherGaps(
            teacher_id=t,
            teacher=names.get(t, ""),
            lessons=tuple(sorted(found, key=lambda g: (g.date, g.number, g.class_name))),
        )
        for t, found in gaps.items()
    ]
    return tuple(sorted(result, key=lambda t: (t.teacher, t.teacher_id)))


# ---- the accumulation of marks (PER-4) -----------------------------------------------------------


@dataclass(frozen=True)
class PeriodCounts:
    """Within one study period: marks per (assignment, student), lessons with attendance per assignment, and
    lessons missed for a valid reason per (assignment, student)."""

    marks: dict[tuple[int, int], int]
    held: dict[int, int]
    excused: dict[tuple[int, int], int]


async def roster_ids(session: AsyncSession, assignments: Sequence[Assignment], day: date) -> dict[int, list[int]]:
    """The active students enrolled on `day` in each assignment's class, or in its subgroup (J-13), in two queries:
    one who left or moved drops out from that day, one who came counts from theirs (DATA-4, ACC-9)."""
    students: dict[int, list[int]] = defaultdict(list)
    for student_id, class_id in await session.execute(
        select(Enrolment.student_id, Enrolment.class_id)
        .join(Student, Student.id == Enrolment.student_id)
        .where(
            Enrolment.class_id.in_({a.class_id for a in assignments}),
            stays_between(day, day),
            Student.status == StudentStatus.ACTIVE,
        )
        .order_by(Enrolment.student_id)
    ):
        students[class_id].append(student_id)
    members: dict[int, set[int]] = defaultdict(set)
    for subgroup_id, student_id in await session.execute(
        select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
            SubgroupMember.subgroup_id.in_({a.subgroup_id for a in assignments if a.subgroup_id})
        )
    ):
        members[subgroup_id].add(student_id)
    return {
        a.id: [s for s in students[a.class_id] if a.subgroup_id is None or s in members[a.subgroup_id]]
        for a in assignments
    }


async def period_counts(session: AsyncSession, period: StudyPeriod, ids: Sequence[int]) -> PeriodCounts:
    """What PER-4 reads for these assignments within the period, in three grouped queries."""
    in_period = (Lesson.assignment_id.in_(ids), Lesson.date.between(period.starts_on, period.ends_on))
    # DATA-4: a student's marks of the assignment's subject from every class count, as the period sheet counts them.
    marked = aliased(Assignment)
    marks = {
        (a, s): n
        for a, s, n in await session.execute(
            select(Assignment.id, Mark.student_id, func.count(Mark.id))
            .join(marked, and_(marked.subject_id == Assignment.subject_id, marked.school_id == Assignment.school_id))
            .join(Lesson, Lesson.assignment_id == marked.id)
            .join(Mark, Mark.lesson_id == Lesson.id)
            .where(Assignment.id.in_(ids), Lesson.date.between(period.starts_on, period.ends_on))
            .group_by(Assignment.id, Mark.student_id)
        )
    }
    held = dict(
        (
            await session.execute(
                select(Lesson.assignment_id, func.count(Lesson.id))
                .where(*in_period, Lesson.attendance_taken_at.is_not(None))
                .group_by(Lesson.assignment_id)
            )
        ).all()
    )
    excused = {
        (a, s): n
        for a, s, n in await session.execute(
            select(Lesson.assignment_id, Absence.student_id, func.count(Absence.id))
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(*in_period, Absence.reason.in_(VALID_REASONS))
            .group_by(Lesson.assignment_id, Absence.student_id)
        )
    }
    return PeriodCounts(marks, held, excused)


LAST_WEEK = timedelta(days=7)  # in the period's last week the whole minimum counts: the period marks are due


def expected_by_now(needed: int, share: float) -> int:
    """PER-4 mid-period: the minimum times the share of the period's lessons held so far, rounded up."""
    return math.ceil(needed * share - 1e-9)


async def held_shares(
    session: AsyncSession, calendar: SchoolCalendar, period: StudyPeriod, assignments: Sequence[Assignment], today: date
) -> dict[int, float]:
    """Per assignment, the share of the period's lessons of the timetable that fall on or before today (one
    query); 1 in the period's last week or after it, and where the timetable has no lessons in the period."""
    if today > period.ends_on - LAST_WEEK:
        return {a.id: 1.0 for a in assignments}
    by_id = {a.id: a for a in assignments}
    entries = (
        (
            await session.scalars(
                select(TimetableEntry).where(
                    TimetableEntry.assignment_id.in_(list(by_id)),
                    TimetableEntry.valid_from <= period.ends_on,
                    or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= period.starts_on),
                )
            )
        )
        .unique()
        .all()
    )
    total: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    day = period.starts_on
    while day <= period.ends_on:
        for e in entries:
            if (
                e.weekday == day.weekday()
                and e.valid_from <= day
                and (e.valid_to is None or e.valid_to >= day)
                and calendar.status(day, by_id[e.assignment_id].class_group.grade).has_lessons
            ):
                total[e.assignment_id] += 1
                held[e.assignment_id] += day <= today
        day += timedelta(days=1)
    return {a.id: held[a.id] / total[a.id] if total[a.id] else 1.0 for a in assignments}


def below_minimum(
    policy: GradingPolicy, assignment: Assignment, roster: Sequence[int], counts: PeriodCounts, share: float = 1.0
) -> list[tuple[int, int, int]]:
    """PER-4, as the period sheet counts it: (student id, marks, marks needed) of each student short of it.
    With `share` < 1 (mid-period), the marks expected by now: the minimum times the share, rounded up."""
    base = required_marks(policy, assignment.hours_per_week)
    found = []
    for student_id in roster:
        excused = counts.excused.get((assignment.id, student_id), 0)
        needed = expected_by_now(required_for(policy, base, counts.held.get(assignment.id, 0), excused), share)
        marks = counts.marks.get((assignment.id, student_id), 0)
        if marks < needed:
            found.append((student_id, marks, needed))
    return found


def ended(calendar: SchoolCalendar, number: int, now: datetime) -> bool:
    """Today's lesson counts once it is over; one with no bell known counts at once."""
    _starts, ends = calendar.bell(number)
    return ends is None or ends <= now.time().replace(tzinfo=None)
