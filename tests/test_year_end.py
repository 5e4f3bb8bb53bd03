"""The year's end (PER-5, DATA-4, ACC-9): the council's decisions per student, suggested from the year marks and
recorded by the deputy director with the order; the new year made from them; the conditionally promoted followed
until the debt is cleared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from services.access import load_actor, system_actor
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.final_marks import Outcome
from services.models import (
    AcademicYear,
    AuditEntry,
    ClassGroup,
    Enrolment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Holiday,
    Movement,
    MovementKind,
    Person,
    PersonAccount,
    Student,
    StudentStatus,
    StudyPeriod,
    Subject,
    YearDecision,
    YearDecisionKind,
)
from services.new_year import NewYearService
from services.revisions import RevisionService
from services.year_end import YearEndService
from tests.factories import account_of, add_link, build_school

P, C, R, G = (
    YearDecisionKind.PROMOTED,
    YearDecisionKind.CONDITIONAL,
    YearDecisionKind.REPEAT,
    YearDecisionKind.GRADUATED,
)
NEXT_START, NEXT_END = date(2027, 9, 1), date(2028, 5, 31)


@pytest.fixture
def june(clock):
    clock.at(date(2027, 6, 20))
    return clock


async def subject_id(session, school, name: str) -> int:
    return await session.scalar(select(Subject.id).where(Subject.school_id == school.school_id, Subject.name == name))


async def year_mark(session, school, student: str, subject: str, value: int | None) -> None:
    subject = await subject_id(session, school, subject)
    student_id = school.students[student]
    mark = await session.scalar(
        select(FinalMark).where(
            FinalMark.student_id == student_id, FinalMark.subject_id == subject, FinalMark.kind == FinalMarkKind.YEAR
        )
    )
    if mark is None:
        mark = FinalMark(student_id=student_id, subject_id=subject, year_id=school.year_id, kind=FinalMarkKind.YEAR)
        session.add(mark)
    mark.value = value  # None: «н/а»
    mark.result = FinalResult.MARK if value is not None else FinalResult.NOT_ATTESTED
    await session.commit()


async def deputy(session, school):
    return await load_actor(session, school.staff["deputy"])


async def test_suggestions_follow_the_year_marks_PER_5(session, june, school):
    await year_mark(session, school, "borisova", "Математика", 2)
    await year_mark(session, school, "vasiliev", "Русский язык", None)  # «н/а» is a debt too
    await year_mark(session, school, "grigorieva", "Математика", 4)
    sheet = await YearEndService(session, june).sheet(await deputy(session, school), school.classes["5А"])
    by_name = {s.full_name.split()[0]: s for s in sheet.students}
    assert [s.full_name.split()[0] for s in sheet.students] == ["Алексеев", "Борисова", "Васильев", "Григорьева"]
    assert by_name["Алексеев"].suggested == P and by_name["Алексеев"].debts == ()
    assert by_name["Борисова"].suggested == C and by_name["Борисова"].debts == ("Математика",)
    assert by_name["Васильев"].suggested == C and by_name["Васильев"].debts == ("Русский язык",)
    assert by_name["Григорьева"].suggested == P
    assert sheet.allowed == (P, C, R) and not sheet.decided


async def test_final_grades_suggest_the_certificate_DATA_4(session, june, school):
    class_group = await session.get(ClassGroup, school.classes["5Б"])
    class_group.grade = 11
    await session.commit()
    await year_mark(session, school, "zaitsev", "Математика", 2)
    sheet = await YearEndService(session, june).sheet(await deputy(session, school), school.classes["5Б"])
    assert {s.full_name.split()[0]: s.suggested for s in sheet.students} == {"Алексеева": G, "Зайцев": R}
    assert sheet.allowed == (G, R)


async def test_recording_the_class_as_suggested_with_one_change_PER_5(session, june, school):
    await year_mark(session, school, "borisova", "Математика", 2)
    service = YearEndService(session, june)
    actor = await deputy(session, school)
    sheet = await service.record(
        actor, school.classes["5А"], "№ 45-у", date(2027, 6, 18), {school.students["vasiliev"]: R}, draft="d1"
    )
    assert sheet.decided
    rows = {d.student_id: d for d in await session.scalars(select(YearDecision))}
    assert rows[school.students["alekseev"]].decision == P
    assert rows[school.students["borisova"]].decision == C
    assert rows[school.students["borisova"]].debts == [await subject_id(session, school, "Математика")]
    assert rows[school.students["vasiliev"]].decision == R
    assert {r.order_number for r in rows.values()} == {"№ 45-у"}
    assert len(rows) == 4
    audited = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year_decision")
    )
    assert audited == 4
    # Saved once: the same draft again is refused; the same decisions without a draft change nothing.
    from services.errors import AlreadySaved

    with pytest.raises(AlreadySaved):
        await service.record(actor, school.classes["5А"], "№ 45-у", date(2027, 6, 18), draft="d1")
    await service.record(actor, school.classes["5А"], "№ 45-у", date(2027, 6, 18), {school.students["vasiliev"]: R})
    assert await session.scalar(select(func.count()).select_from(YearDecision)) == 4
    assert (
        await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year_decision"))
        == 4
    )


async def test_recording_refusals_PER_5(session, june, school, session_factory):
    service = YearEndService(session, june)
    actor = await deputy(session, school)
    teacher = await load_actor(session, school.staff["math"])  # the class teacher of 5А, not the administration
    with pytest.raises(Forbidden):
        await service.record(teacher, school.classes["5А"], "№ 1", date(2027, 6, 18))
    with pytest.raises(Forbidden):
        await service.sheet(teacher, school.classes["5А"])
    with pytest.raises(NotFound):  # a student of another class: a forged id
        await service.record(actor, school.classes["5А"], "№ 1", date(2027, 6, 18), {school.students["zaitsev"]: R})
    with pytest.raises(NotFound):
        await service.record(actor, school.classes["5А"], "№ 1", date(2027, 6, 18), only=[999999])
    with pytest.raises(InvalidInput):  # a conditional promotion needs a debt
        await service.record(actor, school.classes["5А"], "№ 1", date(2027, 6, 18), {school.students["alekseev"]: C})
    with pytest.raises(InvalidInput):  # no certificate in the 5th grade
        await service.record(actor, school.classes["5А"], "№ 1", date(2027, 6, 18), {school.students["alekseev"]: G})
    with pytest.raises(InvalidInput):
        await service.record(actor, school.classes["5А"], " ", date(2027, 6, 18))
    # Another school's class.
    other = await build_school(session, "Школа № 8")
    with pytest.raises(NotFound):
        await service.record(actor, other.classes["5А"], "№ 1", date(2027, 6, 18))
    with pytest.raises(NotFound):
        await service.sheet(actor, other.classes["5А"])
    assert await session.scalar(select(func.count()).select_from(YearDecision)) == 0


async def test_one_student_recorded_alone_DATA_4(session, june, school):
    service = YearEndService(session, june)
    actor = system_actor(school.school_id)  # the command line
    sheet = await service.record(
        actor,
        school.classes["5А"],
        "№ 2",
        date(2027, 6, 18),
        {school.students["alekseev"]: R},
        only=[school.students["alekseev"]],
    )
    assert [s.recorded for s in sheet.students] == [R, None, None, None]


async def decide_all(session, school, clock) -> None:
    service = YearEndService(session, clock)
    actor = await deputy(session, school)
    await year_mark(session, school, "borisova", "Математика", 2)
    await service.record(actor, school.classes["5А"], "№ 45", date(2027, 6, 18), {school.students["vasiliev"]: R})
    await service.record(actor, school.classes["5Б"], "№ 45", date(2027, 6, 18))
    await service.record(actor, school.classes["1А"], "№ 45", date(2027, 6, 18))


async def test_the_new_year_refuses_while_decisions_are_missing_DATA_4(session, june, school):
    service = NewYearService(session, june)
    admin = system_actor(school.school_id)
    await YearEndService(session, june).record(
        await deputy(session, school), school.classes["5А"], "№ 45", date(2027, 6, 18)
    )
    with pytest.raises(Conflict) as refused:
        await service.start(admin, "2027/2028", NEXT_START, NEXT_END)
    assert refused.value.params["classes"] == "5Б, 1А" or refused.value.params["classes"] == "1А, 5Б"
    assert await session.scalar(select(func.count()).select_from(AcademicYear)) == 1
    with pytest.raises(Forbidden):
        await service.start(await deputy(session, school), "2027/2028", NEXT_START, NEXT_END)
    # A dry run says what would happen and writes nothing.
    plan = await service.start(admin, "2027/2028", NEXT_START, NEXT_END, dry_run=True)
    assert plan.missing and not plan.done and plan.classes == ("2А", "6А", "6Б")
    assert await session.scalar(select(func.count()).select_from(AcademicYear)) == 1
    # --promote-rest promotes those without a decision.
    plan = await service.start(admin, "2027/2028", NEXT_START, NEXT_END, promote_rest=True)
    assert plan.done
    zaitsev = await session.get(Student, school.students["zaitsev"])
    assert (await session.get(ClassGroup, zaitsev.class_id)).name == "6Б"


async def test_the_new_year_moves_everyone_by_the_decisions_DATA_4_ACC_9(session, june, school):
    grade = await session.get(ClassGroup, school.classes["5Б"])  # 5Б plays an 11th grade: it graduates
    grade.grade = 11
    await session.commit()
    await decide_all(session, school, june)
    zaitsev_person = await session.get(Person, school.student_persons["zaitsev"])
    await session.execute(delete(PersonAccount).where(PersonAccount.person_id == zaitsev_person.id))  # no account
    await session.commit()
    service = NewYearService(session, june)
    admin = system_actor(school.school_id)
    plan = await service.start(admin, "2027/2028", NEXT_START, NEXT_END)
    assert plan.done and plan.source_name == "2026/2027"
    assert plan.count(MovementKind.PROMOTION) == 4 and plan.count(MovementKind.REPEAT) == 1
    assert plan.count(MovementKind.GRADUATION) == 2
    year = await session.scalar(select(AcademicYear).where(AcademicYear.name == "2027/2028"))
    periods = (await session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == year.id))).all()
    assert sorted((p.name, p.starts_on) for p in periods) == [
        ("1 четверть", date(2027, 9, 1)),
        ("2 четверть", date(2027, 11, 5)),
    ]
    holidays = (await session.scalars(select(Holiday).where(Holiday.starts_on >= NEXT_START))).all()
    assert {h.starts_on for h in holidays} == {date(2027, 10, 25), date(2027, 12, 29)}
    classes = {c.name: c for c in await session.scalars(select(ClassGroup).where(ClassGroup.year_id == year.id))}
    assert set(classes) == {"2А", "6А", "5А"}  # 5Б (an 11th) has none; 5А for the repeater
    assert classes["6А"].class_teacher_id == school.staff["math"]
    assert classes["2А"].class_teacher_id == school.staff["primary"]

    async def placed(key):
        student = await session.get(Student, school.students[key])
        await session.refresh(student)
        cls = await session.get(ClassGroup, student.class_id)
        return cls.name, cls.year_id == year.id, student.status

    assert await placed("alekseev") == ("6А", True, StudentStatus.ACTIVE)
    assert await placed("borisova") == ("6А", True, StudentStatus.ACTIVE)  # conditionally
    assert await placed("vasiliev") == ("5А", True, StudentStatus.ACTIVE)  # repeats the 5th grade
    assert await placed("ivanov") == ("2А", True, StudentStatus.ACTIVE)
    assert (await placed("zaitsev"))[2] == StudentStatus.GRADUATED
    # The movement book: one entry per student, by the decision's order.
    moves = {m.student_id: m for m in await session.scalars(select(Movement))}
    assert moves[school.students["alekseev"]].kind == MovementKind.PROMOTION
    assert moves[school.students["alekseev"]].order_number == "№ 45"
    assert moves[school.students["vasiliev"]].kind == MovementKind.REPEAT
    assert moves[school.students["zaitsev"]].kind == MovementKind.GRADUATION
    assert moves[school.students["zaitsev"]].order_number == "№ 45"
    # Stays: the old class to the 31st of August, the new one from the new year's first day; a graduate's ends.
    stays = (
        await session.scalars(
            select(Enrolment).where(Enrolment.student_id == school.students["alekseev"]).order_by(Enrolment.starts_on)
        )
    ).all()
    assert [(s.class_id, s.starts_on, s.ends_on) for s in stays] == [
        (school.classes["5А"], date(2026, 9, 1), date(2027, 8, 31)),
        (classes["6А"].id, NEXT_START, None),
    ]
    graduate = await session.scalar(select(Enrolment).where(Enrolment.student_id == school.students["zaitsev"]))
    assert graduate.ends_on == date(2027, 6, 17)  # the day before the order
    # ACC-9: the graduate acts as nobody's student now; the parent of a promoted child still has the child.
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    assert mother.children == frozenset({school.students["alekseev"]})  # alekseeva (5Б) graduated
    # The old year's classes stay.
    assert await session.get(ClassGroup, school.classes["5А"]) is not None
    # Idempotent: a second run finds the year and changes nothing.
    again = await service.start(admin, "2027/2028", NEXT_START, NEXT_END)
    assert again.exists and not again.done
    assert await session.scalar(select(func.count()).select_from(Movement)) == 7
    assert await session.scalar(select(func.count()).select_from(AcademicYear)) == 2


async def test_a_graduate_loses_access_ACC_9(session, june, school):
    from services.invites import InviteService
    from services.models import Account, InviteCode

    session.add(Account(id=5550001))
    await session.flush()
    person = await session.get(Person, school.student_persons["zaitsev"])
    add_link(session, person.id, 5550001)
    await session.commit()
    await InviteService(session, june).for_person(system_actor(school.school_id), person.id, timedelta(days=14))
    grade = await session.get(ClassGroup, school.classes["5Б"])
    grade.grade = 11
    await session.commit()
    await decide_all(session, school, june)
    await NewYearService(session, june).start(system_actor(school.school_id), "2027/2028", NEXT_START, NEXT_END)
    assert await account_of(session, person.id) is None
    codes = (await session.scalars(select(InviteCode).where(InviteCode.person_id == person.id))).all()
    assert codes and all(c.revoked_at is not None for c in codes)


async def test_conditionally_promoted_until_the_debt_is_cleared_PER_5(session, june, school):
    await year_mark(session, school, "borisova", "Математика", 2)
    await year_mark(session, school, "borisova", "Русский язык", None)
    service = YearEndService(session, june)
    actor = await deputy(session, school)
    await service.record(actor, school.classes["5А"], "№ 45", date(2027, 6, 18))
    [owing] = await service.conditional(actor)
    assert owing.full_name.startswith("Борисова") and owing.left == ("Математика", "Русский язык")
    assert not owing.cleared
    await year_mark(session, school, "borisova", "Математика", 3)  # revised by order after the retake
    [owing] = await service.conditional(actor)
    assert owing.left == ("Русский язык",) and owing.debts == ("Математика", "Русский язык")
    await year_mark(session, school, "borisova", "Русский язык", 4)
    [owing] = await service.conditional(actor)
    assert owing.cleared
    # It is followed in the new year too, in the new class.
    await service.record(actor, school.classes["5Б"], "№ 45", date(2027, 6, 18))
    await service.record(actor, school.classes["1А"], "№ 45", date(2027, 6, 18))
    await NewYearService(session, june).start(system_actor(school.school_id), "2027/2028", NEXT_START, NEXT_END)
    [owing] = await service.conditional(actor)
    assert owing.class_name == "6А" and owing.year_name == "2026/2027"
    with pytest.raises(Forbidden):
        await service.conditional(await load_actor(session, school.staff["math"]))


async def test_a_debt_is_cleared_by_order_after_the_new_year_PER_5(session, june, school):
    """The conditionally promoted student's last-year mark is reached from their new class in /revise: its subject
    is offered before the new year's load exists, the mark named with its year; once revised, the debt is cleared."""
    await decide_all(session, school, june)  # Борисова: conditionally, owing Математика
    await NewYearService(session, june).start(system_actor(school.school_id), "2027/2028", NEXT_START, NEXT_END)
    june.at(date(2027, 9, 10))
    actor = await deputy(session, school)
    revisions = RevisionService(session, june)
    new_class = (await session.get(Student, school.students["borisova"])).class_id
    assert "6А" in [c.name for c in (await revisions.classes(actor)).items]  # the new year's classes
    assert [s.name for s in (await revisions.subjects(actor, new_class)).items] == ["Математика"]
    math = await subject_id(session, school, "Математика")
    finals = await revisions.student_finals(actor, school.students["borisova"], math)
    [owed] = [m for m in finals.marks if m.kind is FinalMarkKind.YEAR]
    assert (owed.year, owed.outcome, owed.revisable) == ("2026/2027", Outcome.mark(2), True)
    await revisions.revise(actor, owed.final_mark_id, Outcome.mark(3), "12-у", date(2027, 9, 9), "Пересдача")
    [owing] = await YearEndService(session, june).conditional(actor)
    assert owing.cleared and owing.class_name == "6А"
    # The command line names last year's mark by its year (needed once this year has one too); a wrong year finds none.
    with pytest.raises(NotFound):
        await revisions.find_mark(actor, "Борисова Вера", "Математика", FinalMarkKind.YEAR, None, "2025/2026")
    assert (
        await revisions.find_mark(actor, "Борисова Вера", "Математика", FinalMarkKind.YEAR, None, "2026/2027")
        == owed.final_mark_id
    )
