"""The school's grading policy (PER-3, PER-4, J-5): the numbers its own regulation on current assessment picks
within the ranges of 004 §2.3 — how many marks a period mark needs, what a valid absence does to that count,
whether written works are obligatory, and from which fraction an average rounds up to the next mark.

School settings (services/models/school.py) with the defaults the journal always had; `GradingPolicy.of(school)`
reads them once, and the functions here take the policy instead of hard-coded numbers."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .db import write_transaction
from .errors import Forbidden, InvalidInput, NotFound
from .models import Absence, ExcusedAbsenceRule, FinalResult, Mark, Role, School, WorkType
from .records import audit, snapshot

ONE_HOUR = range(3, 6)  # PER-4: at least 3–5 marks with 1 lesson a week
MANY_HOURS = range(8, 11)  # and 8–10 with more than 2 lessons a week
ROUND_FROM = (Decimal("0.5"), Decimal("0.9"))  # 0.5: 4.5 -> 5 (the usual rounding); 0.6: 4.6 -> 5


@dataclass(frozen=True)
class GradingPolicy:
    round_from: float = 0.5
    one_hour: int = 3
    many_hours: int = 8
    excused: ExcusedAbsenceRule = ExcusedAbsenceRule.REDUCE
    written_obligatory: bool = True
    # PER-2: the results without a number the school gives («н/а», «зач.», «осв.»), in that order.
    results: tuple[FinalResult, ...] = (FinalResult.NOT_ATTESTED, FinalResult.PASSED, FinalResult.EXEMPT)

    @classmethod
    def of(cls, school: School) -> GradingPolicy:
        return cls(
            round_from=float(school.period_round_from),
            one_hour=school.marks_needed_one_hour,
            many_hours=school.marks_needed_many_hours,
            excused=ExcusedAbsenceRule(school.excused_absences),
            written_obligatory=school.written_works_obligatory,
            results=results_of(school.final_results),
        )


def results_of(stored: str) -> tuple[FinalResult, ...]:
    """The results a school gives, from its setting's stored list, in the order the screens offer them."""
    chosen = {FinalResult(part) for part in stored.split(",") if part}
    return tuple(r for r in (FinalResult.NOT_ATTESTED, FinalResult.PASSED, FinalResult.EXEMPT) if r in chosen)


USUAL = GradingPolicy()  # the defaults: the usual rounding, 3 and 8 marks, excused absences reduce the count


def required_marks(policy: GradingPolicy, hours_per_week: int) -> int:
    """PER-4: the school's number with 1 lesson a week and with 3; 2 lessons lie between (3 and 8: 5); more
    lessons need proportionally more (8 at 3 lessons: 11 at 4)."""
    if hours_per_week <= 1:
        return policy.one_hour
    if hours_per_week == 2:
        return (policy.one_hour + policy.many_hours) // 2
    return math.ceil(policy.many_hours * hours_per_week / 3)


def required_for(policy: GradingPolicy, base: int, held: int, excused: int) -> int:
    """PER-4: what lessons missed for a valid reason do to a student's minimum, as the school decided: lower it in
    proportion (the default), exempt the student from it (004 §2.3.2: «не учитывается»), or nothing."""
    if policy.excused is ExcusedAbsenceRule.IGNORE or not excused:
        return base
    if policy.excused is ExcusedAbsenceRule.EXEMPT:
        return 0
    share = (held - excused) / held if held else 1.0
    return math.ceil(base * max(share, 0.0))


def suggested_mark(policy: GradingPolicy, weighted_average: float | None, school: School) -> int | None:
    """PER-3: the weighted average rounded up from the school's fraction (0.5: 4.5 -> 5, 4.49 -> 4), within the
    scale."""
    if weighted_average is None:
        return None
    return min(max(rounded(policy, weighted_average), school.mark_min), school.mark_max)


def rounded(policy: GradingPolicy, average: float) -> int:
    """An average as a mark, rounded up from the school's fraction (PER-3): period and year marks alike."""
    exact = Decimal(str(average))
    whole = exact.to_integral_value(rounding=ROUND_FLOOR)
    return int(whole) + (1 if exact - whole >= Decimal(str(policy.round_from)) else 0)


async def written_missing(session: AsyncSession, lessons: Any, student_ids: Sequence[int]) -> dict[int, int]:
    """PER-4 («с обязательным учётом … письменных работ»): how many written works of the period each student
    attended but has no mark for. A written work is a lesson of `lessons` (a SELECT of Lesson.id) in which the
    teacher gave at least one mark of a written work type (WorkType.is_written); a student absent from it, for
    any reason, is not asked for that mark."""
    written = (
        select(Mark.lesson_id, Mark.student_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Mark.lesson_id.in_(lessons), WorkType.is_written)
    )
    marked: dict[int, set[int]] = defaultdict(set)
    for lesson_id, student_id in await session.execute(written):
        marked[lesson_id].add(student_id)
    if not marked:
        return {}
    absent: dict[int, set[int]] = defaultdict(set)
    for lesson_id, student_id in await session.execute(
        select(Absence.lesson_id, Absence.student_id).where(
            Absence.lesson_id.in_(list(marked)), Absence.student_id.in_(student_ids)
        )
    ):
        absent[lesson_id].add(student_id)
    missing: dict[int, int] = defaultdict(int)
    for lesson_id, got in marked.items():
        for student_id in student_ids:
            if student_id not in got and student_id not in absent[lesson_id]:
                missing[student_id] += 1
    return dict(missing)


# The settings as the administrator names them (`schoolbot settings key=value`), with their School column.
SETTINGS = (
    "period_round_from",
    "marks_needed_one_hour",
    "marks_needed_many_hours",
    "excused_absences",
    "written_works_obligatory",
    "final_results",
)
# How people write the results without a number (PER-2): «н/а», «зач.», «осв.», or in English.
RESULT_WORDS = {
    "н/а": FinalResult.NOT_ATTESTED,
    "на": FinalResult.NOT_ATTESTED,
    "n/a": FinalResult.NOT_ATTESTED,
    "зач": FinalResult.PASSED,
    "зач.": FinalResult.PASSED,
    "pass": FinalResult.PASSED,
    "осв": FinalResult.EXEMPT,
    "осв.": FinalResult.EXEMPT,
    "exempt": FinalResult.EXEMPT,
}
_YES = {"да", "yes", "true", "on", "1", "вкл"}
_NO = {"нет", "no", "false", "off", "0", "выкл"}
EXCUSED_WORDS = {  # how the administrator and the import's school sheet name the rule
    "reduce": ExcusedAbsenceRule.REDUCE,
    "уменьшают": ExcusedAbsenceRule.REDUCE,
    "exempt": ExcusedAbsenceRule.EXEMPT,
    "освобождают": ExcusedAbsenceRule.EXEMPT,
    "ignore": ExcusedAbsenceRule.IGNORE,
    "не влияют": ExcusedAbsenceRule.IGNORE,
}


def parse_setting(key: str, raw: str) -> Any:
    """One setting's value from the administrator's text; out of range or unknown is refused (InvalidInput)."""
    value = " ".join(raw.strip().casefold().split())
    if key == "period_round_from":
        try:
            number = Decimal(value.replace(",", "."))
        except ArithmeticError:
            number = Decimal(-1)
        if not (number.is_finite() and ROUND_FROM[0] <= number <= ROUND_FROM[1]) or number != round(number, 2):
            raise InvalidInput("policy.bad_round_from", min="0,5", max="0,9")
        return float(number)
    if key in ("marks_needed_one_hour", "marks_needed_many_hours"):
        allowed = ONE_HOUR if key == "marks_needed_one_hour" else MANY_HOURS
        if not value.isdigit() or int(value) not in allowed:
            code = "policy.bad_one_hour" if key == "marks_needed_one_hour" else "policy.bad_many_hours"
            raise InvalidInput(code, min=allowed[0], max=allowed[-1])
        return int(value)
    if key == "excused_absences":
        if value not in EXCUSED_WORDS:
            raise InvalidInput("policy.bad_excused", expected="reduce, exempt, ignore")
        return EXCUSED_WORDS[value]
    if key == "written_works_obligatory":
        if value in _YES:
            return True
        if value in _NO:
            return False
        raise InvalidInput("policy.bad_yes_no", expected="да, нет")
    if key == "final_results":
        return parse_results(value)
    raise InvalidInput("policy.unknown", key=key, known=", ".join(SETTINGS))


def parse_results(value: str) -> str:
    """«н/а, зач.» → the stored list; «нет» or «-» for none; anything else is refused."""
    words = [w.strip() for w in value.casefold().split(",") if w.strip()]
    if words in (["нет"], ["-"], ["none"]):
        return ""
    if not words or any(w not in RESULT_WORDS for w in words):
        raise InvalidInput("policy.bad_results", expected="н/а, зач., осв.")
    return ",".join(r.value for r in results_of(",".join(RESULT_WORDS[w].value for w in words)))


class PolicyService:
    """ROLE-2: the administrator sets the school's grading policy; each change is audited."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def current(self, actor: Actor) -> GradingPolicy:
        return GradingPolicy.of(await self._school(actor))

    async def update(self, actor: Actor, changes: dict[str, str]) -> GradingPolicy:
        """Every value is checked before any is written: one bad value changes nothing."""
        school = await self._school(actor)
        parsed = {key: parse_setting(key, raw) for key, raw in changes.items()}
        async with write_transaction(self.session):
            before = snapshot(school, *SETTINGS)
            for key, value in parsed.items():
                setattr(school, key, value)
            await self.session.flush()
            after = snapshot(school, *SETTINGS)
            if after != before:
                audit(
                    self.session,
                    school_id=school.id,
                    actor_id=actor.person_id or None,
                    action="settings",
                    entity="school",
                    entity_id=school.id,
                    before=before,
                    after=after,
                )
        return GradingPolicy.of(school)

    async def _school(self, actor: Actor) -> School:
        if not actor.has(Role.ADMIN):
            raise Forbidden("policy.not_allowed")
        school = await self.session.get(School, actor.school_id)
        if school is None:
            raise NotFound("policy.no_school")
        return school
