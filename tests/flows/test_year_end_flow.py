"""/yearend end to end (PER-5, DATA-4; ROLE-2): the deputy director records a class's council decisions in the
bot: the suggestions from the year marks, one student's decision changed, the order typed, «Save» tapped twice and
saved once; the conditionally promoted listed with their debt; a teacher's forged button finds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from services.models import AuditEntry, FinalMark, FinalMarkKind, Subject, YearDecision, YearDecisionKind
from tests.flows.conftest import plain
from ui.callbacks import YearEndCB, YearEndStep


async def fail_borisova_in_math(sessions, school) -> None:
    async with sessions() as session:
        math = await session.scalar(
            select(Subject.id).where(Subject.school_id == school.school_id, Subject.name == "Математика")
        )
        session.add(
            FinalMark(
                student_id=school.students["borisova"],
                subject_id=math,
                year_id=school.year_id,
                kind=FinalMarkKind.YEAR,
                value=2,
            )
        )
        await session.commit()


async def test_the_deputy_records_a_class_decisions_PER_5_DATA_4(bot_world, linked):
    school, sessions = bot_world
    await fail_borisova_in_math(sessions, school)
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Итоги года")
    assert deputy.last_text() == "Итоги года: выберите класс, чтобы внести решения педагогического совета."
    assert deputy.buttons() == ["1А", "5А", "5Б", "Условно переведённые"]

    await deputy.tap("5А")
    assert plain(deputy.last_text()) == (
        "Итоги 2026/2027 учебного года: 5А\n"
        "1. Алексеев Артём Игоревич — переведён\n"
        "2. Борисова Вера Олеговна — условно переведён (задолженность: Математика)\n"
        "3. Васильев Глеб Денисович — переведён\n"
        "4. Григорьева Дина Ефимовна — переведён\n"
        "\n"
        "✅ — записано приказом; ✏️ — изменено вами; остальное предложено по годовым отметкам."
    )
    assert deputy.buttons() == ["Утвердить всех как предложено", "Изменить решение по ученику", "◀ Классы"]

    await deputy.tap("Изменить решение по ученику")
    await deputy.tap("3. Васильев Глеб Денисович")
    assert deputy.buttons() == ["переведён", "оставлен на повторный курс", "◀ Назад"]  # no debt: no conditional
    await deputy.tap("оставлен на повторный курс")
    assert "3. Васильев Глеб Денисович — оставлен на повторный курс ✏️" in deputy.last_text()
    await deputy.tap("Утвердить как показано")
    assert "напишите номер и дату приказа" in deputy.last_text()

    await deputy.send("от 18 июня")  # no date as DD.MM.YYYY: asked again, nothing written
    assert "ДД.ММ.ГГГГ" in deputy.last_text()
    await deputy.send("45-у от 18.06.2027")
    assert (
        plain(deputy.last_text())
        == (
            "Записать решения педагогического совета?\n"
            "5А, приказ № 45-у от 18 июн. 2027 г.\n"
            "• переведён: 2\n"
            "• условно переведён: 1\n"
            "• оставлен на повторный курс: 1"
        )
        or "5А, приказ № 45-у" in deputy.last_text()
    )
    answers = await deputy.double_tap("Сохранить")
    assert "Сохранено." in [a.get("text") for a in answers]
    assert "Решения записаны." in deputy.last_text()
    assert "1. Алексеев Артём Игоревич — переведён ✅ приказ № 45-у" in deputy.last_text()

    async with sessions() as session:
        rows = {d.student_id: d for d in await session.scalars(select(YearDecision))}
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year_decision")
        )
    assert len(rows) == 4 and audited == 4  # saved once
    assert rows[school.students["vasiliev"]].decision == YearDecisionKind.REPEAT
    assert rows[school.students["borisova"]].decision == YearDecisionKind.CONDITIONAL
    assert {(r.order_number, r.order_date) for r in rows.values()} == {("45-у", date(2027, 6, 18))}
    assert deputy.buttons() == ["Изменить решение по ученику", "◀ Классы"]  # nothing left to approve

    # A recorded decision changed by a later order: only that student's is written again.
    await deputy.tap("Изменить решение по ученику")
    await deputy.tap("3. Васильев Глеб Денисович")
    await deputy.tap("переведён")
    await deputy.tap("Утвердить как показано")
    await deputy.send("47-у от 25.06.2027")
    assert plain(deputy.last_text()).endswith("• переведён: 1")
    await deputy.tap("Сохранить")
    async with sessions() as session:
        vasiliev = await session.scalar(
            select(YearDecision).where(YearDecision.student_id == school.students["vasiliev"])
        )
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year_decision")
        )
    assert (vasiliev.decision, vasiliev.order_number, audited) == (YearDecisionKind.PROMOTED, "47-у", 5)

    await deputy.tap("◀ Классы")
    await deputy.tap("Условно переведённые")
    assert "5А Борисова Вера Олеговна — задолженность: Математика (2026/2027, приказ № 45-у" in plain(
        deputy.last_text()
    )


async def test_a_teacher_and_a_forged_student_find_nothing_PER_5(bot_world, linked):
    school, sessions = bot_world
    teacher = await linked(school.staff["math"])  # the class teacher of 5А
    assert "Итоги года" not in teacher.keyboard()
    answer = await teacher.tap_raw(YearEndCB(step=YearEndStep.sheet, cls=school.classes["5А"]).pack())
    assert answer.get("text"), answer  # answered as a button not theirs
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Итоги года")
    await deputy.tap("5А")
    # A student of another class in a forged button: out of date, nothing changed.
    forged = YearEndCB(
        step=YearEndStep.decide,
        cls=school.classes["5А"],
        student=school.students["zaitsev"],
        decision=YearDecisionKind.REPEAT,
    ).pack()
    answer = await deputy.tap_raw(forged)
    assert answer.get("text")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(YearDecision)) == 0
