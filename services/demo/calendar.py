"""The demo school's academic calendar, built around the day the demo is made (PER-1).

The Russian school year: 1 September to 31 May; quarters for grades 1-9 (1 Sep-24 Oct, 5 Nov-28 Dec,
12 Jan-20 Mar, 30 Mar-31 May), half-years for grades 10-11 (1 Sep-28 Dec, 12 Jan-31 May); autumn,
winter and spring holidays between the quarters, an extra February week for grade 1, and the public
holidays 4 Nov, 23 Feb, 8 Mar, 1 May, 9 May (one falling on a weekend also takes the Monday after).

**The shift.** When `today` is a study day of every grade (inside a study period, in no holiday) the
calendar is the true one of the year that contains today. Otherwise (summer, a holiday week, a public
holiday) the whole calendar of the current or the next year is moved by whole weeks, so weekdays stay
as they are, by the smallest shift that makes today a study day of every grade with at least two weeks
of the term behind it; of two equal shifts the later dates win. So on 15 July the year that has just
ended runs seven weeks later and today is in its fourth quarter; on 4 November the year starts on
15 September and today is in the last week of the first quarter. The year keeps its name («2025/2026»).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

MIN_TERM_DAYS = 14  # a shifted calendar puts today at least this far into its term
MAX_SHIFT_WEEKS = 30


@dataclass(frozen=True)
class Period:
    name: str
    kind: str  # «четверть» | «полугодие», as the import sheet says
    grade_from: int
    grade_to: int
    starts: date
    ends: date

    def covers(self, grade: int, day: date) -> bool:
        return self.grade_from <= grade <= self.grade_to and self.starts <= day <= self.ends


@dataclass(frozen=True)
class Vacation:
    name: str
    starts: date
    ends: date
    grades: tuple[int, ...] = ()  # empty: the whole school

    def applies(self, grade: int, day: date) -> bool:
        return self.starts <= day <= self.ends and (not self.grades or grade in self.grades)


@dataclass(frozen=True)
class Calendar:
    year_name: str
    starts: date
    ends: date
    periods: tuple[Period, ...]
    holidays: tuple[Vacation, ...]
    shift_days: int = 0  # how far the dates were moved from the true calendar (see the module doc)

    def shifted(self, days: int) -> Calendar:
        delta = timedelta(days=days)
        return replace(
            self,
            starts=self.starts + delta,
            ends=self.ends + delta,
            shift_days=self.shift_days + days,
            periods=tuple(replace(p, starts=p.starts + delta, ends=p.ends + delta) for p in self.periods),
            holidays=tuple(replace(h, starts=h.starts + delta, ends=h.ends + delta) for h in self.holidays),
        )

    def period(self, grade: int, day: date) -> Period | None:
        return next((p for p in self.periods if p.covers(grade, day)), None)

    def holiday(self, grade: int, day: date) -> Vacation | None:
        return next((h for h in self.holidays if h.applies(grade, day)), None)

    def has_lessons(self, grade: int, day: date) -> bool:
        """A school day (Mon-Fri: the demo timetable has no Saturday) inside the year, not a holiday."""
        return day.weekday() < 5 and self.starts <= day <= self.ends and self.holiday(grade, day) is None

    def is_study_day(self, day: date) -> bool:
        """Inside a study period of every grade and a holiday of none (the weekday does not matter)."""
        return all(self.period(g, day) is not None and self.holiday(g, day) is None for g in range(1, 12))

    def term_days_before(self, day: date) -> int:
        return min((day - p.starts).days for g in range(1, 12) if (p := self.period(g, day)) is not None)


def public_holiday(name: str, day: date) -> Vacation:
    """A public holiday on a Saturday or Sunday also takes the next Monday (the transferred day off)."""
    ends = day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day
    return Vacation(name, day, ends)


def true_calendar(year: int) -> Calendar:
    """The calendar of the school year that starts on 1 September of `year`."""
    d = date
    nxt = year + 1
    first_feb_monday = d(nxt, 2, 12) + timedelta(days=(7 - d(nxt, 2, 12).weekday()) % 7)
    periods = (
        Period("1 четверть", "четверть", 1, 9, d(year, 9, 1), d(year, 10, 24)),
        Period("2 четверть", "четверть", 1, 9, d(year, 11, 5), d(year, 12, 28)),
        Period("3 четверть", "четверть", 1, 9, d(nxt, 1, 12), d(nxt, 3, 20)),
        Period("4 четверть", "четверть", 1, 9, d(nxt, 3, 30), d(nxt, 5, 31)),
        Period("1 полугодие", "полугодие", 10, 11, d(year, 9, 1), d(year, 12, 28)),
        Period("2 полугодие", "полугодие", 10, 11, d(nxt, 1, 12), d(nxt, 5, 31)),
    )
    holidays = (
        Vacation("Осенние каникулы", d(year, 10, 25), d(year, 11, 4)),
        public_holiday("День народного единства", d(year, 11, 4)),
        Vacation("Зимние каникулы", d(year, 12, 29), d(nxt, 1, 11)),
        Vacation("Дополнительные каникулы для 1 классов", first_feb_monday, first_feb_monday + timedelta(days=6), (1,)),
        public_holiday("День защитника Отечества", d(nxt, 2, 23)),
        public_holiday("Международный женский день", d(nxt, 3, 8)),
        Vacation("Весенние каникулы", d(nxt, 3, 21), d(nxt, 3, 29)),
        public_holiday("Праздник Весны и Труда", d(nxt, 5, 1)),
        public_holiday("День Победы", d(nxt, 5, 9)),
    )
    return Calendar(f"{year}/{nxt}", d(year, 9, 1), d(nxt, 5, 31), periods, holidays)


def calendar_for(today: date) -> Calendar:
    """The calendar in which today is a study day: the true one if it is, else shifted (module doc)."""
    year = today.year if today.month >= 9 else today.year - 1
    calendar = true_calendar(year)
    if calendar.is_study_day(today):
        return calendar
    best: tuple[tuple[int, int], Calendar] | None = None
    for base in (true_calendar(year), true_calendar(year + 1)):
        for weeks in range(-MAX_SHIFT_WEEKS, MAX_SHIFT_WEEKS + 1):
            moved = base.shifted(7 * weeks)
            if moved.is_study_day(today) and moved.term_days_before(today) >= MIN_TERM_DAYS:
                rank = (abs(weeks), -weeks)
                if best is None or rank < best[0]:
                    best = (rank, moved)
    assert best is not None, today  # a shift of at most half a year always exists
    return best[1]
