"""Year marks and revisions by order end to end: the teacher sets year marks from the period sheet after the year's
last period (PER-2, PER-3); the deputy director revises a closed quarter mark by the director's order in the bot
(PER-5), a second tap enters nothing; the parent gets the push and reads the new mark in /marks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.models import Assignment, FinalMark, FinalMarkKind, FinalResult, MarkRevision
from tests.flows.conftest import plain
from tests.flows.test_pushes_flow import pushes
from ui.callbacks import RevisionCB, RevisionStep


async def period_marks(sessions, school, marks: dict[str, tuple[int, int]]) -> None:
    async with sessions() as session:
        math = await session.get(Assignment, school.assignments["math5A"])
        for key, values in marks.items():
            for period_id, value in zip((school.q1, school.q2), values, strict=True):
                session.add(
                    FinalMark(
                        student_id=school.students[key],
                        subject_id=math.subject_id,
                        year_id=school.year_id,
                        period_id=period_id,
                        kind=FinalMarkKind.PERIOD,
                        value=value,
                    )
                )
        await session.commit()


async def year_marks(sessions) -> dict[int, tuple[int | None, FinalResult]]:
    async with sessions() as session:
        rows = await session.execute(
            select(FinalMark.student_id, FinalMark.value, FinalMark.result).where(FinalMark.kind == FinalMarkKind.YEAR)
        )
        return {student_id: (value, result) for student_id, value, result in rows}


async def test_the_teacher_sets_year_marks_from_the_period_sheet_PER_2_PER_3(bot_world, linked, clock):
    school, sessions = bot_world
    await period_marks(sessions, school, {"alekseev": (4, 5), "borisova": (3, 4)})
    clock.at(date(2026, 12, 29))  # the year's last period ended yesterday
    math = await linked(school.staff["math"])
    await math.press("Отметки за период")
    await math.tap("Годовые и итоговые отметки")
    assert plain(math.last_text()) == (
        "Математика, 5А\n"
        "Годовые и итоговые отметки\n"
        "\n"
        "1. Алексеев Артём Игоревич\n"
        "    4, 5 · Годовая: — · Итоговая: —\n"
        "2. Борисова Вера Олеговна\n"
        "    3, 4 · Годовая: — · Итоговая: —\n"
        "3. Васильев Глеб Денисович\n"
        "    —, — · Годовая: — · Итоговая: —\n"
        "4. Григорьева Дина Ефимовна\n"
        "    —, — · Годовая: — · Итоговая: —\n"
        "\n"
        "Нажмите на ученика, чтобы поставить годовую и итоговую отметки; изменить их можно до 4 янв., потом — только "
        "приказом директора."
    )
    assert math.buttons() == [
        "1 Алексеев → 5",
        "2 Борисова → 4",
        "3 Васильев",
        "4 Григорьева",
        "◀ Отметки за период",
    ]
    await math.tap("1 Алексеев → 5")
    assert math.buttons() == [
        "✓ Годовая",
        "Итоговая",
        "5 (предложено)",
        "4",
        "3",
        "2",
        "н/а",
        "зач.",
        "осв.",
        "◀ Годовые отметки",
    ]
    answer = await math.tap("5 (предложено)")
    assert answer["text"] == "Алексеев Артём Игоревич: годовая отметка 5."
    assert "\nГодовая: 5\nИтоговая: — (предложено: 5)\n" in math.last_text()
    await math.tap("◀ Годовые отметки")
    assert math.buttons()[:2] == ["1 Алексеев: 5 ✅", "2 Борисова → 4"]
    await math.tap("2 Борисова → 4")
    await math.tap("осв.")
    assert await year_marks(sessions) == {
        school.students["alekseev"]: (5, FinalResult.MARK),
        school.students["borisova"]: (None, FinalResult.EXEMPT),
    }

    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/marks")
    assert "Математика — оценок пока нет, за период: 5, годовая: 5\n" in plain(mother.last_text())


async def test_the_deputy_revises_a_closed_quarter_mark_by_order_and_the_parent_is_told_PER_5(
    bot_world, linked, clock, start_worker
):
    school, sessions = bot_world
    await period_marks(sessions, school, {"alekseev": (2, 4)})
    clock.at(date(2026, 12, 1))  # the first quarter is over; the second is not
    mother = await linked(school.parents["alekseeva_mother"])
    deputy = await linked(school.staff["deputy"])
    start_worker()

    await deputy.send("/revise")
    assert deputy.last_text() == "Изменение отметки приказом директора: выберите класс."
    assert deputy.buttons() == ["5А", "5Б"]  # no marks in the first grade
    await deputy.tap("5А")
    await deputy.tap("Математика")
    await deputy.tap("Алексеев Артём Игоревич")
    assert plain(deputy.last_text()) == (
        "Алексеев Артём Игоревич, 5А\n"
        "Математика\n"
        "\n"
        "1 четверть: 2\n"
        "2 четверть: 4 — учитель ещё может её изменить\n"
        "\n"
        "Выберите отметку, которую меняет приказ."
    )
    assert deputy.buttons() == ["1 четверть: 2", "◀ Ученики"]
    await deputy.tap("1 четверть: 2")
    assert deputy.buttons() == ["5", "4", "3", "н/а (не аттестован)", "зач. (зачтено)", "осв.", "◀ Отметки"]
    await deputy.tap("3")
    assert plain(deputy.last_text()).endswith("1 четверть: 2 → 3\n\nПриказ директора: напишите его номер.")
    await deputy.send("45-у")
    assert deputy.last_text() == "Дата приказа (например, 12.06 или 12.06.2027)?"
    await deputy.send("тридцатое")
    assert "тридцатое" in deputy.last_text()
    await deputy.send("30.11.2026")
    await deputy.send("Задолженность ликвидирована")
    assert plain(deputy.last_text()) == (
        "Алексеев Артём Игоревич, 5А\n"
        "Математика\n"
        "\n"
        "1 четверть: 2 → 3\n"
        "Приказ № 45-у от 30 нояб.\n"
        "Причина: Задолженность ликвидирована\n"
        "\n"
        "Семья получит уведомление. Внести изменение?"
    )
    answers = await deputy.double_tap("Внести")  # both taps in flight at once: entered once
    assert "Внесено." in [a.get("text") for a in answers]
    assert "1 четверть: 2 → 3, по приказу." in deputy.last_text()

    async with sessions() as session:
        [revision] = (await session.scalars(select(MarkRevision))).all()
        assert (revision.old_value, revision.new_value, revision.order_number, revision.reason) == (
            2,
            3,
            "45-у",
            "Задолженность ликвидирована",
        )
        assert revision.order_date == date(2026, 11, 30) and revision.applied_by == school.staff["deputy"]
        mark = await session.get(FinalMark, revision.final_mark_id)
        assert mark.value == 3

    assert await pushes(mother) == ["Артём Алексеев\n✏️ Математика, 1 четверть: 3 (было 2), приказ № 45-у от 30 нояб."]
    await mother.send("/marks")
    await mother.tap("1 четверть")
    assert "Математика — оценок пока нет, за период: 3\n" in plain(mother.last_text())


async def test_a_teacher_cannot_reach_the_revision_PER_5(bot_world, linked, clock):
    school, sessions = bot_world
    await period_marks(sessions, school, {"alekseev": (2, 4)})
    clock.at(date(2026, 12, 1))
    math = await linked(school.staff["math"])
    await math.send("/revise")
    assert "выберите класс" not in (math.last_text() or "")
    async with sessions() as session:
        mark_id = await session.scalar(select(FinalMark.id).where(FinalMark.period_id == school.q1))
    for forged in (
        RevisionCB(step=RevisionStep.classes),
        RevisionCB(step=RevisionStep.order, student=school.students["alekseev"], subject=1, mark=mark_id, value=5),
        RevisionCB(step=RevisionStep.confirm),
    ):
        answer = await math.tap_raw(forged.pack())
        assert "выберите" not in (answer.get("text") or "")
    async with sessions() as session:
        assert (await session.get(FinalMark, mark_id)).value == 2
        assert (await session.scalars(select(MarkRevision))).all() == []
