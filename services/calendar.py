"""The school calendar: which days have lessons (PER-1), which period a day is in, the timetable of a day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from .errors import NotFound
from .models import AcademicYear, Assignment, Bell, ClassGroup, Holiday, StudyPeriod, TimetableEntry


@dataclass(frozen=True)
class DayStatus:
    kind: str  # "school_day" | "weekend" | "holiday" | "out_of_year"
    holiday: str | None = None

    @property
    def has_lessons(self) -> bool:
        return self.kind == "school_day"


class SchoolCalendar:
    """One school's calendar, read once per use case (a handful of small tables)."""

    def __init__(self, year: AcademicYear | None, holidays: list[Holiday], bells: dict[int, Bell]):
        self.year = year
        self.holidays = holidays
        self.bells = bells

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
        holidays = list((await session.scalars(select(Holiday).where(Holiday.school_id == school_id))).all())
        bells = {b.lesson_number: b for b in (await session.scalars(select(Bell).where(Bell.school_id == school_id)))}
        return cls(year, holidays, bells)

    def status(self, day: date, grade: int) -> DayStatus:
        if self.year is None or not (self.year.starts_on <= day <= self.year.ends_on):
            return DayStatus("out_of_year")
        for h in self.holidays:
            if h.starts_on <= day <= h.ends_on and h.applies_to(grade):
                return DayStatus("holiday", h.name)
        # Saturdays are school days only where the timetable has lessons on them.
        if day.weekday() == 6:
            return DayStatus("weekend")
        return DayStatus("school_day")

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
        b = self.bells.get(number)
        return (b.starts_at, b.ends_at) if b else (None, None)

    def next_school_day_with(self, after: date, grade: int, weekdays: set[int], limit_days: int = 60) -> date | None:
        """The next day after `after` on which one of the weekdays has lessons, skipping holidays."""
        day = after
        for _ in range(limit_days):
            day += timedelta(days=1)
            if day.weekday() in weekdays and self.status(day, grade).has_lessons:
                return day
        return None


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
