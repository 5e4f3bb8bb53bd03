"""The figures every results report shares (REP-2): how many «5», «4», «3», «2» and «н/а», the quality of knowledge
and the success rate, as schools count them:

- quality of knowledge («качество знаний») = students with «4» or «5» / students × 100;
- success rate («успеваемость») = students without «2» (or «1») and without «н/а» / students × 100;
- a student without the mark yet counts among the students (so an unfinished sheet shows low figures, not false
  high ones) and is shown in `unmarked`; «зач.» and «осв.» count as success, not as quality.

Over several subjects (a class's total), a student counts in quality when every subject is «4» or «5», and in
success when none is «2» or «н/а»."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..final_marks import Outcome
from ..models import FinalResult


@dataclass(frozen=True)
class Results:
    students: int
    fives: int = 0
    fours: int = 0
    threes: int = 0
    twos: int = 0  # «2» and «1»
    not_attested: int = 0
    unmarked: int = 0
    average: float | None = None  # of the numeric marks, two decimals

    @property
    def quality(self) -> float | None:
        """Per cent, one decimal; None for no students."""
        return round(100 * (self.fives + self.fours) / self.students, 1) if self.students else None

    @property
    def success(self) -> float | None:
        passed = self.students - self.twos - self.not_attested - self.unmarked
        return round(100 * passed / self.students, 1) if self.students else None


def results_of(outcomes: Sequence[Outcome | None]) -> Results:
    """One subject's results: a student's mark in it each (None: not set yet)."""
    values = [o.value for o in outcomes if o is not None and o.numeric and o.value is not None]
    return Results(
        students=len(outcomes),
        fives=sum(v == 5 for v in values),
        fours=sum(v == 4 for v in values),
        threes=sum(v == 3 for v in values),
        twos=sum(v <= 2 for v in values),
        not_attested=sum(o is not None and o.result is FinalResult.NOT_ATTESTED for o in outcomes),
        unmarked=sum(o is None for o in outcomes),
        average=round(sum(values) / len(values), 2) if values else None,
    )


def total_of(by_student: Sequence[Sequence[Outcome | None]]) -> Results:
    """All subjects together: each student's marks in every subject; a student counts once, by their lowest; the
    average is of every numeric mark."""
    values = [m.value for marks in by_student for m in marks if m is not None and m.numeric and m.value is not None]
    counted = results_of([lowest(marks) for marks in by_student])
    return replace(counted, average=round(sum(values) / len(values), 2) if values else None)


def lowest(marks: Sequence[Outcome | None]) -> Outcome | None:
    """The mark that decides a student's place over several subjects: «н/а» or a missing mark before any mark, the
    lowest mark before a higher one; «зач.»/«осв.» only when nothing else is there."""
    if any(m is None for m in marks):
        return None
    if any(m is not None and m.result is FinalResult.NOT_ATTESTED for m in marks):
        return Outcome(FinalResult.NOT_ATTESTED)
    numeric = [m for m in marks if m is not None and m.numeric]
    if numeric:
        return min(numeric, key=lambda m: m.value or 0)
    return marks[0] if marks else None
