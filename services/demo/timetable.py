"""A weekly timetable without clashes: no teacher in two places, no class in two places at once; the two
subgroups of a class learn at the same lesson with their two teachers (J-13).

Each class gets a fixed shape of its week (lessons 1..n on each of Mon-Fri, the days as even as the
hours allow, never more than its grade's maximum), so its days have no gaps. The lessons are first
dealt into the shape, a subject spread over different days, then a min-conflicts search swaps two
lessons of one class at a time until no teacher is anywhere twice; the swaps keep the class's shape.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

DAYS = 5
MAX_LESSON = 7
HARD = 100  # a teacher clash weighs this much more than a subject twice on one day
MAX_STEPS = 20_000
MAX_TRIES = 20


@dataclass(frozen=True)
class Unit:
    """What takes one lesson of a class: a subject with its teacher, or the two subgroups' teachers."""

    subject: str
    teachers: tuple[int, ...]
    hours: int


@dataclass(frozen=True)
class ClassWeek:
    units: tuple[Unit, ...]
    max_lessons: int


class NoTimetable(Exception):
    pass


def slot(day: int, lesson: int) -> int:
    return day * MAX_LESSON + lesson - 1


def build_timetable(classes: Sequence[ClassWeek], rng: random.Random) -> list[dict[int, int]]:
    """Per class: slot (day * 7 + lesson - 1) -> the index of the unit taught then."""
    for _ in range(MAX_TRIES):
        solver = _Solver(classes, rng)
        if solver.solve():
            return solver.schedule
    raise NoTimetable("no timetable without clashes was found")


class _Solver:
    def __init__(self, classes: Sequence[ClassWeek], rng: random.Random) -> None:
        self.classes = classes
        self.rng = rng
        self.occ: dict[int, list[int]] = {}
        for week in classes:
            for unit in week.units:
                for t in unit.teachers:
                    self.occ.setdefault(t, [0] * (DAYS * MAX_LESSON))
        self.schedule: list[dict[int, int]] = []
        self.day_count: list[dict[tuple[int, str], int]] = []
        self.allowed: list[dict[str, int]] = []
        self.slots: list[list[int]] = []
        for week in classes:
            self._deal(week)

    # ---- the first deal --------------------------------------------------------------------------

    def _deal(self, week: ClassWeek) -> None:
        rng = self.rng
        total = sum(u.hours for u in week.units)
        base, extra = divmod(total, DAYS)
        if base + (extra > 0) > week.max_lessons:
            raise NoTimetable(f"{total} lessons do not fit into a week of {week.max_lessons} a day")
        long_days = set(rng.sample(range(DAYS), extra))
        lengths = [base + (d in long_days) for d in range(DAYS)]
        per_day: list[list[int]] = [[] for _ in range(DAYS)]
        counts: dict[tuple[int, str], int] = {}
        allowed = {u.subject: math.ceil(u.hours / DAYS) for u in week.units}
        order = sorted(range(len(week.units)), key=lambda i: (-week.units[i].hours, rng.random()))
        for i in order:
            unit = week.units[i]
            for _ in range(unit.hours):
                free = [d for d in range(DAYS) if len(per_day[d]) < lengths[d]]
                day = min(
                    free, key=lambda d: (counts.get((d, unit.subject), 0), len(per_day[d]) - lengths[d], rng.random())
                )
                per_day[day].append(i)
                counts[day, unit.subject] = counts.get((day, unit.subject), 0) + 1
        schedule: dict[int, int] = {}
        for day, units in enumerate(per_day):
            free = list(range(1, len(units) + 1))
            rng.shuffle(units)
            # Busy teachers first, each into the free lesson where their teachers clash least.
            units.sort(key=lambda i: -len(week.units[i].teachers))
            for i in units:
                lesson = min(
                    free, key=lambda n: (sum(self.occ[t][slot(day, n)] for t in week.units[i].teachers), rng.random())
                )
                free.remove(lesson)
                schedule[slot(day, lesson)] = i
                for t in week.units[i].teachers:
                    self.occ[t][slot(day, lesson)] += 1
        self.schedule.append(schedule)
        self.day_count.append(counts)
        self.allowed.append(allowed)
        self.slots.append(sorted(schedule))

    # ---- the search ------------------------------------------------------------------------------

    def clashes(self) -> list[tuple[int, int]]:
        """(class, slot) of every lesson whose teacher is elsewhere at the same time."""
        found = []
        for c, schedule in enumerate(self.schedule):
            for s, i in schedule.items():
                if any(self.occ[t][s] > 1 for t in self.classes[c].units[i].teachers):
                    found.append((c, s))
        return found

    def solve(self) -> bool:
        rng = self.rng
        clashes: list[tuple[int, int]] = []  # counted afresh every 50 steps, and whenever none are left
        for step in range(MAX_STEPS):
            if step % 50 == 0 or not clashes:
                clashes = self.clashes()
                if not clashes:
                    return True
            c, s1 = rng.choice(clashes)
            if rng.random() < 0.05:
                s2 = rng.choice(self.slots[c])
                if s2 != s1:
                    self._swap(c, s1, s2)
                clashes = []
                continue
            best, moves = None, []
            for s2 in self.slots[c]:
                if s2 == s1:
                    continue
                delta = self._delta(c, s1, s2)
                if best is None or delta < best:
                    best, moves = delta, [s2]
                elif delta == best:
                    moves.append(s2)
            if moves and best is not None and (best <= 0 or rng.random() < 0.2):
                self._swap(c, s1, rng.choice(moves))
                clashes = []
        return not self.clashes()

    def _delta(self, c: int, s1: int, s2: int) -> int:
        schedule, units = self.schedule[c], self.classes[c].units
        i1, i2 = schedule[s1], schedule[s2]
        if i1 == i2:
            return 0
        u1, u2 = units[i1], units[i2]
        changes: dict[tuple[int, int], int] = {}
        for t in u1.teachers:
            changes[t, s1] = changes.get((t, s1), 0) - 1
            changes[t, s2] = changes.get((t, s2), 0) + 1
        for t in u2.teachers:
            changes[t, s2] = changes.get((t, s2), 0) - 1
            changes[t, s1] = changes.get((t, s1), 0) + 1
        hard = 0
        for (t, s), d in changes.items():
            if d:
                now = self.occ[t][s]
                hard += max(0, now + d - 1) - max(0, now - 1)
        soft = 0
        d1, d2 = s1 // MAX_LESSON, s2 // MAX_LESSON
        if d1 != d2 and u1.subject != u2.subject:
            counts, allowed = self.day_count[c], self.allowed[c]
            for day, subject, d in (
                (d1, u1.subject, -1),
                (d2, u1.subject, 1),
                (d2, u2.subject, -1),
                (d1, u2.subject, 1),
            ):
                now = counts.get((day, subject), 0)
                soft += max(0, now + d - allowed[subject]) - max(0, now - allowed[subject])
        return HARD * hard + soft

    def _swap(self, c: int, s1: int, s2: int) -> None:
        schedule, units, counts = self.schedule[c], self.classes[c].units, self.day_count[c]
        i1, i2 = schedule[s1], schedule[s2]
        for t in units[i1].teachers:
            self.occ[t][s1] -= 1
            self.occ[t][s2] += 1
        for t in units[i2].teachers:
            self.occ[t][s2] -= 1
            self.occ[t][s1] += 1
        d1, d2 = s1 // MAX_LESSON, s2 // MAX_LESSON
        for day, subject, d in (
            (d1, units[i1].subject, -1),
            (d2, units[i1].subject, 1),
            (d2, units[i2].subject, -1),
            (d1, units[i2].subject, 1),
        ):
            counts[day, subject] = counts.get((day, subject), 0) + d
        schedule[s1], schedule[s2] = i2, i1
