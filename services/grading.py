"""The marks' arithmetic: the scale (J-8), the simple and the weighted average (J-5), and how many more marks
lift an average to a period mark (PER-3). Pure functions, shared by the diary, the period marks and the pushes."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InvalidInput
from .models import Mark, School

NEW_MARK_WEIGHT = 1.0  # "what is needed" counts each new mark like an answer in class


def rounds_up_from(mark: int, round_from: float = 0.5) -> float:
    """The weighted average from which a period mark of `mark` is reached: with the usual rounding 4.5 -> 5; the
    school may round up from a higher fraction (School.period_round_from, PER-3: 0.6 makes it 4.6 -> 5)."""
    return round(mark - 1 + round_from, 2)


@dataclass(frozen=True)
class MarkItem:
    """A mark as the averages count it: its value, its work type's name and weight, and its lesson's day."""

    value: int
    work_type: str
    weight: float
    date: dt.date

    @classmethod
    def of(cls, mark: Mark, day: dt.date) -> MarkItem:
        return cls(mark.value, mark.work_type.name, float(mark.work_type.weight), day)


def averages(marks: Sequence[MarkItem]) -> tuple[float | None, float | None]:
    """The simple and the weighted average (J-5), two decimals."""
    if not marks:
        return None, None
    simple = sum(m.value for m in marks) / len(marks)
    weights = sum(m.weight for m in marks)
    weighted = sum(m.value * m.weight for m in marks) / weights if weights else simple
    return round(simple, 2), round(weighted, 2)


def marks_needed(marks: Sequence[tuple[int, float]], target: float, value: int, weight: float = 1.0) -> int | None:
    """How many more marks of `value` (with `weight`) lift the weighted average to `target`.

    0 when it is reached already; None when marks of that value can never reach it.
    """
    total = sum(v * w for v, w in marks)
    weights = sum(w for _, w in marks)
    if weights and total / weights >= target:
        return 0
    if value <= target or weight <= 0:
        return None if value < target or weights else 1
    # (total + n*value*weight) / (weights + n*weight) >= target
    n = (target * weights - total) / (weight * (value - target))
    return max(1, math.ceil(round(n, 9)))


def check_mark_value(school: School, grade: int, value: int) -> None:
    """J-8: within the school's scale, and no marks at all in the grades without marks."""
    if grade in school.no_mark_grades:
        raise InvalidInput("mark.no_marks_grade", grade=grade)
    check_scale(school.mark_min, school.mark_max, value)


def check_scale(mark_min: int, mark_max: int, value: int) -> None:
    if not mark_min <= value <= mark_max:
        raise InvalidInput("mark.out_of_scale", value=value, min=mark_min, max=mark_max)
