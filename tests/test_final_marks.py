"""Year, exam and final marks (PER-2, PER-3), results without a number, the revision by the director's order (PER-5)
and the subjects a student owes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from services.access import load_actor, system_actor
from services.errors import Forbidden, InvalidInput, Locked, NotFound
from services.final_marks import FinalMarkService, Outcome, debts_of, suggest_final, suggest_year
from services.models import (
    Assignment,
    AuditEntry,
    EventKind,
    Exam,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    MarkRevision,
    OutboxEvent,
    School,
)
from services.period_marks import PeriodMarkService
from services.pushes.payloads import FinalMarkRevised, payload_of
from services.revisions import RevisionService
from tests.factories import build_school

LAST_DAY = date(2026, 12, 28)  # the mini school's last period (2 четверть) ends
AFTER = date(2026, 12, 29)
LATE = date(2027, 1, 5)  # past the teacher's seven days: only by order
M = Outcome.mark
NA, PASSED, EXEMPT = (Outcome(FinalResult.NOT_ATTESTED), Outcome(FinalResult.PASSED), Outcome(FinalResult.EXEMPT))


def test_the_year_mark_suggested_is_the_mean_of_the_period_marks_rounded_half_up_PER_3():
    assert suggest_year([M(4), M(5)]) == M(5)  # 4.5 → 5
    assert suggest_year([M(3), M(4), M(4), M(4)]) == M(4)  # 3.75
    assert suggest_year([M(3), M(4), M(3), M(3)]) == M(3)  # 3.25
    assert suggest_year([M(4), None]) is None  # a period mark missing: nothing to suggest yet
    assert suggest_year([M(5), NA]) == NA
    assert suggest_year([EXEMPT, M(4)]) == M(4)  # an exempt period does not count
    assert suggest_year([PASSED, PASSED]) == PASSED
    assert suggest_year([EXEMPT, EXEMPT]) == EXEMPT


def test_the_final_mark_suggested_from_the_year_and_exam_marks_PER_3():
    assert suggest_final(M(4), None, has_exam=False) == M(4)
    assert suggest_final(M(4), None, has_exam=True) is None  # the exam's mark is not known yet
    assert suggest_final(M(4), M(5), has_exam=True) == M(5)  # 4.5 → 5
    assert suggest_final(M(3), M(4), has_exam=True) == M(4)
    assert suggest_final(M(4), NA, has_exam=True) is None  # the teacher decides
    assert suggest_final(PASSED, PASSED, has_exam=True) == PASSED


async def period_marks(session, school, assignment: str, marks: dict[str, tuple[int | None, int | None]]) -> None:
    """Period marks of both quarters (None: «н/а»), as the teachers set them during the year."""
    subject_id = (await session.get(Assignment, school.assignments[assignment])).subject_id
    for key, values in marks.items():
        for period_id, value in zip((school.q1, school.q2), values, strict=True):
            session.add(
                FinalMark(
                    student_id=school.students[key],
                    subject_id=subject_id,
                    year_id=school.year_id,
                    period_id=period_id,
                    kind=FinalMarkKind.PERIOD,
                    value=value,
                    result=FinalResult.MARK if value is not None else FinalResult.NOT_ATTESTED,
                )
            )
    await session.commit()


async def test_the_teacher_sets_year_marks_after_the_last_period_PER_2(session, clock, school):
    await period_marks(session, school, "math5A", {"alekseev": (4, 5), "borisova": (3, 3), "vasiliev": (5, None)})
    teacher = await load_actor(session, school.staff["math"])
    finals = FinalMarkService(session, clock)
    math, alekseev = school.assignments["math5A"], school.students["alekseev"]

    clock.at(date(2026, 12, 27))
    with pytest.raises(InvalidInput) as early:
        await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(5))
    assert early.value.code == "final.not_yet"

    clock.at(AFTER)
    sheet = await finals.sheet(teacher, math)
    assert sheet.period_names == ("1 четверть", "2 четверть") and sheet.kinds == (
        FinalMarkKind.YEAR,
        FinalMarkKind.FINAL,
    )
    assert sheet.open(FinalMarkKind.YEAR) and not sheet.open(FinalMarkKind.EXAM)
    suggested = {row.name.split()[0]: row.year_suggested for row in sheet.rows}
    assert suggested == {"Алексеев": M(5), "Борисова": M(3), "Васильев": NA, "Григорьева": None}

    assert await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(5))
    assert not await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(5))  # a second tap
    await finals.set_mark(teacher, math, school.students["vasiliev"], FinalMarkKind.YEAR, NA)
    await finals.set_mark(teacher, math, school.students["borisova"], FinalMarkKind.YEAR, EXEMPT)
    row = (await finals.sheet(teacher, math)).row(alekseev)
    assert row.year == M(5) and row.final_suggested == M(5)  # no exam: the final mark is the year's

    stored = {
        (m.student_id, m.value, m.result)
        for m in await session.scalars(select(FinalMark).where(FinalMark.kind == FinalMarkKind.YEAR))
    }
    assert stored == {
        (alekseev, 5, FinalResult.MARK),
        (school.students["vasiliev"], None, FinalResult.NOT_ATTESTED),
        (school.students["borisova"], None, FinalResult.EXEMPT),
    }
    assert await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "final_mark"))

    with pytest.raises(InvalidInput) as off_scale:
        await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(6))
    assert off_scale.value.code == "mark.out_of_scale"
    with pytest.raises(InvalidInput) as no_exam:
        await finals.set_mark(teacher, math, alekseev, FinalMarkKind.EXAM, M(5))
    assert no_exam.value.code == "final.no_exam"
    with pytest.raises(Forbidden):  # another teacher's subject
        await finals.set_mark(
            await load_actor(session, school.staff["russian"]), math, alekseev, FinalMarkKind.YEAR, M(3)
        )

    clock.at(LATE)
    with pytest.raises(Locked):  # PER-5 from now on
        await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(4))


async def test_a_school_offers_only_the_results_without_a_number_it_gives_PER_2(session, clock, school):
    await period_marks(session, school, "math5A", {"alekseev": (4, 5)})
    own = await session.get(School, school.school_id)
    own.final_results = "not_attested"  # `schoolbot settings final_results=н/а`
    await session.commit()
    teacher = await load_actor(session, school.staff["math"])
    finals = FinalMarkService(session, clock)
    clock.at(AFTER)
    assert (await finals.sheet(teacher, school.assignments["math5A"])).results == (FinalResult.NOT_ATTESTED,)
    with pytest.raises(InvalidInput) as refused:
        await finals.set_mark(
            teacher, school.assignments["math5A"], school.students["alekseev"], FinalMarkKind.YEAR, PASSED
        )
    assert refused.value.code == "final.bad_result"
    assert await finals.set_mark(
        teacher, school.assignments["math5A"], school.students["alekseev"], FinalMarkKind.YEAR, NA
    )


async def test_an_exam_mark_from_the_exam_day_and_the_final_mark_from_both_PER_2(session, clock, school):
    await period_marks(session, school, "math5A", {"alekseev": (4, 4)})
    subject_id = (await session.get(Assignment, school.assignments["math5A"])).subject_id
    session.add(
        Exam(
            school_id=school.school_id, year_id=school.year_id, grade=5, subject_id=subject_id, held_on=date(2027, 1, 2)
        )
    )
    await session.commit()
    teacher = await load_actor(session, school.staff["math"])
    finals = FinalMarkService(session, clock)
    math, alekseev = school.assignments["math5A"], school.students["alekseev"]

    clock.at(AFTER)
    await finals.set_mark(teacher, math, alekseev, FinalMarkKind.YEAR, M(4))
    with pytest.raises(InvalidInput):  # before the exam's day
        await finals.set_mark(teacher, math, alekseev, FinalMarkKind.EXAM, M(5))
    clock.at(date(2027, 1, 2))
    await finals.set_mark(teacher, math, alekseev, FinalMarkKind.EXAM, M(5))
    row = (await finals.sheet(teacher, math)).row(alekseev)
    assert row.final_suggested == M(5)  # (4 + 5) / 2 = 4.5 → 5
    await finals.set_mark(teacher, math, alekseev, FinalMarkKind.FINAL, PASSED)
    assert (await finals.sheet(teacher, math)).row(alekseev).final == PASSED


async def test_a_period_mark_n_a_keeps_its_meaning_and_debts_are_year_marks_of_2_or_n_a(session, clock, school):
    teacher = await load_actor(session, school.staff["math"])
    clock.at(date(2026, 12, 20))
    await PeriodMarkService(session, clock).set_mark(
        teacher, school.assignments["math5A"], school.q2, school.students["vasiliev"], None
    )
    mark = await session.scalar(select(FinalMark))
    assert (mark.value, mark.result) == (None, FinalResult.NOT_ATTESTED)

    await period_marks(session, school, "rus5A", {"vasiliev": (2, 2)})
    clock.at(AFTER)
    finals = FinalMarkService(session, clock)
    vasiliev = school.students["vasiliev"]
    await finals.set_mark(teacher, school.assignments["math5A"], vasiliev, FinalMarkKind.YEAR, NA)
    russian = await load_actor(session, school.staff["russian"])
    await finals.set_mark(russian, school.assignments["rus5A"], vasiliev, FinalMarkKind.YEAR, M(2))
    await finals.set_mark(
        await load_actor(session, school.staff["eng2"]),
        school.assignments["eng5A2"],
        vasiliev,
        FinalMarkKind.YEAR,
        M(3),
    )

    assert [name for _id, name in await debts_of(session, vasiliev, school.year_id)] == ["Математика", "Русский язык"]
    assert await debts_of(session, school.students["alekseev"], school.year_id) == []


# ---- PER-5: revision by the director's order ----------------------------------------------------------------


@pytest.fixture
async def closed_quarter(session, clock, school):
    """Alekseev's first-quarter mark in math is 2; the quarter is over."""
    await period_marks(session, school, "math5A", {"alekseev": (2, 4)})
    clock.at(date(2026, 12, 1))
    return await session.scalar(
        select(FinalMark.id).where(
            FinalMark.period_id == school.q1, FinalMark.student_id == school.students["alekseev"]
        )
    )


async def test_the_deputy_revises_a_closed_quarter_mark_by_order_PER_5(session, clock, school, closed_quarter):
    deputy = await load_actor(session, school.staff["deputy"])
    revisions = RevisionService(session, clock)
    finals = await revisions.student_finals(deputy, school.students["alekseev"], await math_id(session, school))
    assert [(m.period, m.outcome, m.revisable) for m in finals.marks] == [
        ("1 четверть", M(2), True),
        ("2 четверть", M(4), False),  # its teacher still sets it
    ]

    done = await revisions.revise(
        deputy, closed_quarter, M(3), " 45-у ", date(2026, 11, 30), "Задолженность ликвидирована"
    )
    again = await revisions.revise(
        deputy, closed_quarter, M(3), "45-у", date(2026, 11, 30), "Задолженность ликвидирована"
    )

    assert done.applied and (done.old, done.new) == (M(2), M(3)) and not again.applied
    mark = await session.get(FinalMark, closed_quarter)
    assert (mark.value, mark.result) == (3, FinalResult.MARK)
    [revision] = (await session.scalars(select(MarkRevision))).all()
    assert (revision.old_value, revision.old_result, revision.new_value, revision.order_number) == (
        2,
        FinalResult.MARK,
        3,
        "45-у",
    )
    assert (revision.order_date, revision.applied_by) == (date(2026, 11, 30), school.staff["deputy"])
    events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == EventKind.FINAL_MARK_REVISED))).all()
    assert len(events) == 1  # one push, whatever the taps
    payload = payload_of(events[0].kind, events[0].payload)
    assert isinstance(payload, FinalMarkRevised)
    assert (payload.student_id, payload.period, payload.value, payload.old_value) == (
        school.students["alekseev"],
        "1 четверть",
        3,
        2,
    )
    [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "revise"))).all()
    assert entry.before == {"value": 2, "result": "mark"} and entry.after["order_number"] == "45-у"

    # A later order changes it again; the history keeps both.
    await revisions.revise(deputy, closed_quarter, NA, "52", date(2026, 12, 1), "Решение педсовета")
    history = (await session.scalars(select(MarkRevision).order_by(MarkRevision.id))).all()
    assert [(r.old_value, r.new_value, r.new_result) for r in history] == [
        (2, 3, FinalResult.MARK),
        (3, None, FinalResult.NOT_ATTESTED),
    ]


async def test_a_revision_is_refused_to_a_teacher_another_school_and_an_open_period_PER_5(
    session, clock, school, closed_quarter
):
    revisions = RevisionService(session, clock)
    order = ("45", date(2026, 11, 30), "Пересдача")
    with pytest.raises(Forbidden):
        await revisions.revise(await load_actor(session, school.staff["math"]), closed_quarter, M(3), *order)
    other = await build_school(session, "Школа № 8")
    await session.commit()
    with pytest.raises(NotFound):  # another school's deputy director finds no such mark
        await revisions.revise(await load_actor(session, other.staff["deputy"]), closed_quarter, M(3), *order)
    deputy = await load_actor(session, school.staff["deputy"])
    q2_mark = await session.scalar(
        select(FinalMark.id).where(
            FinalMark.period_id == school.q2, FinalMark.student_id == school.students["alekseev"]
        )
    )
    with pytest.raises(InvalidInput) as still_open:  # the teacher sets it in /period
        await revisions.revise(deputy, q2_mark, M(5), *order)
    assert still_open.value.code == "revision.period_open"
    with pytest.raises(InvalidInput) as future:
        await revisions.revise(deputy, closed_quarter, M(3), "45", date(2026, 12, 2), "Пересдача")
    assert future.value.code == "revision.order_in_future"
    with pytest.raises(InvalidInput):
        await revisions.revise(deputy, closed_quarter, M(3), "45", date(2026, 11, 30), "  ")
    with pytest.raises(InvalidInput):
        await revisions.revise(deputy, closed_quarter, M(7), *order)
    assert await session.scalar(select(func.count()).select_from(MarkRevision)) == 0
    assert (await session.get(FinalMark, closed_quarter)).value == 2


async def test_the_administrators_command_line_names_the_mark_PER_5(session, clock, school, closed_quarter):
    revisions = RevisionService(session, clock)
    admin = system_actor(school.school_id)
    found = await revisions.find_mark(admin, "Алексеев Артём", "Математика", FinalMarkKind.PERIOD, "1 четверть")
    assert found == closed_quarter
    done = await revisions.revise(admin, found, M(4), "7", date(2026, 11, 1), "Пересдача")
    assert done.applied
    assert (await session.scalar(select(MarkRevision))).applied_by is None
    with pytest.raises(NotFound):
        await revisions.find_mark(admin, "Алексеев Артём", "Математика", FinalMarkKind.YEAR, None)


async def math_id(session, school) -> int:
    return (await session.get(Assignment, school.assignments["math5A"])).subject_id


async def test_a_period_mark_revised_to_a_result_without_a_number_reads_so_everywhere_PER_5(
    session, clock, school, closed_quarter
):
    """«зач.» entered by order: the period sheet and the family's marks say it, never «not set»."""
    from services.report_card import ReportCardService

    deputy = await load_actor(session, school.staff["deputy"])
    await RevisionService(session, clock).revise(deputy, closed_quarter, PASSED, "12", date(2026, 11, 30), "Решение")
    teacher = await load_actor(session, school.staff["math"])
    row = (await PeriodMarkService(session, clock).sheet(teacher, school.assignments["math5A"], school.q1)).row(
        school.students["alekseev"]
    )
    assert row.has_period_mark and row.result is FinalResult.PASSED and row.period_mark is None
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    report = await ReportCardService(session, clock).marks(mother, school.students["alekseev"], school.q1)
    [math] = [s for s in report.subjects if s.subject == "Математика"]
    assert math.period_outcome == PASSED and not math.not_attested
