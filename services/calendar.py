"""The school calendar: which days have lessons (PER-1), which period a day is in, the timetable of a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, lazyload

from .db import kept
from .errors import NotFound
from .models import (
    AcademicYear,
    Assignment,
    Bell,
    ClassGroup,
    Holiday,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
    TimetableEntry,
)


@dataclass(frozen=True)
class DayStatus:
    kind: str  # "school_day" | "weekend" | "holiday" | "out_of_year"
    holiday: str | None = None

    @property
    def has_lessons(self) -> bool:
        return self.kind == "school_day"


@dataclass(frozen=True)
class HolidayDates:
    name: str
    starts_on: date
    ends_on: date
    grades: frozenset[str]  # empty: the whole school (Holiday.grades, split)

    def applies_to(self, grade: int) -> bool:
        return not self.grades or str(grade) in self.grades


@dataclass(frozen=True)
class LessonDays:
    """Which days of one school year have lessons and when lessons ring: plain data, so that a process may keep it
    between updates (lesson_days)."""

    year: tuple[date, date] | None  # the first and last day
    holidays: tuple[HolidayDates, ...]
    bells: dict[int, tuple[time, time]]  # lesson number -> starts, ends

    def status(self, day: date, grade: int) -> DayStatus:
        if self.year is None or not (self.year[0] <= day <= self.year[1]):
            return DayStatus("out_of_year")
        for h in self.holidays:
            if h.starts_on <= day <= h.ends_on and h.applies_to(grade):
                return DayStatus("holiday", h.name)
        # Saturdays are school days only where the timetable has lessons on them.
        if day.weekday() == 6:
            return DayStatus("weekend")
        return DayStatus("school_day")

    def bell(self, number: int) -> tuple[time | None, time | None]:
        return self.bells.get(number, (None, None))

    def next_school_day_with(self, after: date, grade: int, weekdays: set[int], limit_days: int = 60) -> date | None:
        """The next day after `after` on which one of the weekdays has lessons, skipping holidays."""
        day = after
        for _ in range(limit_days):
            day += timedelta(days=1)
            if day.weekday() in weekdays and self.status(day, grade).has_lessons:
                return day
        return None


@dataclass(frozen=True)
class SchoolDates:
    """A school's years, holidays and bells, as a process keeps them (lesson_days)."""

    years: tuple[tuple[date, date], ...]  # the latest first
    holidays: tuple[HolidayDates, ...]
    bells: dict[int, tuple[time, time]]

    @classmethod
    async def read(cls, session: AsyncSession, school_id: int) -> SchoolDates:
        years = await session.execute(
            select(AcademicYear.starts_on, AcademicYear.ends_on)
            .where(AcademicYear.school_id == school_id)
            .order_by(AcademicYear.starts_on.desc())
        )
        holidays = await session.scalars(select(Holiday).where(Holiday.school_id == school_id))
        bells = await session.scalars(select(Bell).where(Bell.school_id == school_id))
        return cls(tuple((a, b) for a, b in years), _holidays(holidays), _bells(bells))

    def on(self, day: date) -> LessonDays:
        """The calendar of the year that holds `day`; between years, of the latest one (as SchoolCalendar.load)."""
        year = next((y for y in self.years if y[0] <= day <= y[1]), self.years[0] if self.years else None)
        return LessonDays(year, self.holidays, self.bells)


async def lesson_days(session: AsyncSession, school_id: int, day: date) -> LessonDays:
    """SchoolCalendar's days and bells without the periods, kept per school until a year, a holiday or a bell is
    written (services/freshness.py)."""
    dates = await kept(session, "calendar", school_id, lambda: SchoolDates.read(session, school_id))
    return dates.on(day)


def _holidays(rows: Iterable[Holiday]) -> tuple[HolidayDates, ...]:
    return tuple(
        HolidayDates(h.name, h.starts_on, h.ends_on, frozenset(g.strip() for g in h.grades.split(",") if h.grades))
        for h in rows
    )


def _bells(rows: Iterable[Bell]) -> dict[int, tuple[time, time]]:
    return {b.lesson_number: (b.starts_at, b.ends_at) for b in rows}


class SchoolCalendar:
    """One school's calendar with the year's periods, read once per use case (a handful of small tables)."""

    def __init__(self, year: AcademicYear | None, days: LessonDays):
        self.year = year
        self.days = days

    @classmethod
    async def load(cls, session: AsyncSession, school_id: int, day: date) -> SchoolCalendar:
        # The year with its periods in one statement (joined, not the relationship's second select).
        years = select(AcademicYear).options(joinedload(AcademicYear.periods))
        year = (
            (
                await session.scalars(
                    years.where(
                        AcademicYear.school_id == school_id, AcademicYear.starts_on <= day, AcademicYear.ends_on >= day
                    )
                )
            )
            .unique()
            .first()
        )
        if year is None:  # between years: the nearest one, so the summer still has a calendar
            year = (
                (
                    await session.scalars(
                        years.where(AcademicYear.school_id == school_id).order_by(AcademicYear.starts_on.desc())
                    )
                )
                .unique()
                .first()
            )
        holidays = _holidays(await session.scalars(select(Holiday).where(Holiday.school_id == school_id)))
        bells = _bells(await session.scalars(select(Bell).where(Bell.school_id == school_id)))
        return cls(year, LessonDays((year.starts_on, year.ends_on) if year else None, holidays, bells))

    def status(self, day: date, grade: int) -> DayStatus:
        return self.days.status(day, grade)

    def period(self, day: date, grade: int) -> StudyPeriod | None:
        if self.year is None:
            return None
        return next((p for p in self.year.periods if p.covers(grade, day)), None)

    def periods(self, grade: int) -> list[StudyPeriod]:
        if self.year is None:
            return []
        return [p for p in self.year.periods if p.grade_from <= grade <= p.grade_to]

    def current_or_last_period(self, day: date, grade: int) -> StudyPeriod:
        """The period a day is in; in a vacation, the one that ended last (its marks are the news)."""
        found = self.period(day, grade)
        if found is not None:
            return found
        past = [p for p in self.periods(grade) if p.starts_on <= day]
        if past:
            return past[-1]
        upcoming = self.periods(grade)
        if upcoming:
            return upcoming[0]
        raise NotFound("period.not_found")

    def bell(self, number: int) -> tuple[time | None, time | None]:
        return self.days.bell(number)

    def next_school_day_with(self, after: date, grade: int, weekdays: set[int], limit_days: int = 60) -> date | None:
        return self.days.next_school_day_with(after, grade, weekdays, limit_days)


@dataclass(frozen=True)
class SchoolDays:
    """Which days one school has lessons, grade by grade: a school day of the calendar (PER-1: within the year,
    no holiday of that grade) on a weekday of the grade's timetable, so that a Saturday counts only where the
    timetable has lessons on it. The one test the jobs and the reminders use; read in four queries."""

    calendar: SchoolCalendar
    weekdays: dict[int, frozenset[int]]  # grade -> weekdays with lessons in the timetable in force

    @classmethod
    async def load(cls, session: AsyncSession, school_id: int, day: date) -> SchoolDays:
        calendar = await SchoolCalendar.load(session, school_id, day)
        found: dict[int, set[int]] = defaultdict(set)
        if calendar.year is not None:
            for grade, weekday in await session.execute(
                timetable_valid(day, ClassGroup.grade, TimetableEntry.weekday)
                .select_from(TimetableEntry)
                .join(Assignment, Assignment.id == TimetableEntry.assignment_id)
                .join(ClassGroup, ClassGroup.id == Assignment.class_id)
                .where(Assignment.school_id == school_id, ClassGroup.year_id == calendar.year.id)
                .distinct()
            ):
                found[grade].add(weekday)
        return cls(calendar, {grade: frozenset(days) for grade, days in found.items()})

    def has_lessons(self, day: date, grade: int) -> bool:
        return day.weekday() in self.weekdays.get(grade, ()) and self.calendar.status(day, grade).has_lessons

    def any_lessons(self, first: date, last: date | None = None) -> bool:
        """Some grade has lessons on some day from `first` to `last` (`first` alone by default)."""
        day = first
        while day <= (last or first):
            if any(self.has_lessons(day, grade) for grade in self.weekdays):
                return True
            day += timedelta(days=1)
        return False

    def days_left(self, day: date, last: date, grade: int, up_to: int) -> int:
        """The grade's school days from `day` to `last`, both counted; counting stops past `up_to`."""
        left = 0
        while day <= last and left <= up_to:
            left += self.has_lessons(day, grade)
            day += timedelta(days=1)
        return left


def timetable_valid(day: date, *columns):
    """The weekly timetable in force on a day (any weekday)."""
    return select(*(columns or (TimetableEntry,))).where(
        TimetableEntry.valid_from <= day,
        or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= day),
    )


def timetable_on(day: date):
    """The timetable entries of that very day."""
    return timetable_valid(day).where(TimetableEntry.weekday == day.weekday())


@dataclass(frozen=True)
class Taught:
    """An assignment as the diary shows it."""

    id: int
    subgroup_id: int | None
    subject: str
    teacher: str  # Person.short_name


@dataclass(frozen=True)
class Slot:
    """A timetable row."""

    assignment_id: int
    weekday: int
    lesson_number: int
    room: str
    valid_from: date
    valid_to: date | None

    def valid(self, first: date, last: date) -> bool:
        """In force on some day from `first` to `last`."""
        return self.valid_from <= last and (self.valid_to is None or self.valid_to >= first)


@dataclass(frozen=True)
class ClassTimetable:
    """A class's assignments, every timetable row of them and who is in which subgroup: plain data, kept per class
    until one of those is written (services/freshness.py)."""

    assignments: tuple[Taught, ...]
    slots: tuple[Slot, ...]
    members: dict[int, frozenset[int]]  # subgroup id -> student ids

    @classmethod
    async def of(cls, session: AsyncSession, class_id: int) -> ClassTimetable:
        return await kept(session, "timetable", class_id, lambda: cls._read(session, class_id))

    @classmethod
    async def _read(cls, session: AsyncSession, class_id: int) -> ClassTimetable:
        assignments: dict[int, Taught] = {}
        slots = []
        for a, e in await session.execute(
            select(Assignment, TimetableEntry)
            .outerjoin(TimetableEntry, TimetableEntry.assignment_id == Assignment.id)
            .where(Assignment.class_id == class_id)
            .order_by(Assignment.id, TimetableEntry.id)
            .options(lazyload(TimetableEntry.assignment))
        ):
            assignments[a.id] = Taught(a.id, a.subgroup_id, a.subject.name, a.teacher.short_name)
            if e is not None:
                slots.append(Slot(e.assignment_id, e.weekday, e.lesson_number, e.room, e.valid_from, e.valid_to))
        members: dict[int, set[int]] = defaultdict(set)
        for subgroup_id, student_id in await session.execute(
            select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
            .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
            .where(Subgroup.class_id == class_id)
        ):
            members[subgroup_id].add(student_id)
        return cls(tuple(assignments.values()), tuple(slots), {k: frozenset(v) for k, v in members.items()})

    def of_student(self, student_id: int) -> dict[int, Taught]:
        """The assignments the student attends: the whole class's, and their own subgroups' (J-13)."""
        return {
            a.id: a
            for a in self.assignments
            if a.subgroup_id is None or student_id in self.members.get(a.subgroup_id, ())
        }
