"""/substitutions end to end (ACC-5, SUB-2): on a Wednesday the deputy director assigns Смирнова to stand in for
Белова's English (5А, Англ. 1) tomorrow; a double tap on «Подтвердить» saves once; Артём's mother is pushed the
change at once; on Thursday Смирнова's /today lists the lesson marked as a substitution and she saves its
attendance; the mother's diary names the substitute. And the refusals: a typed range ending before it starts, a
plain teacher and a parent have no /substitutions, another school's teacher in a forged button is refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from services.models import Absence, Substitution
from tests.factories import TODAY, build_school
from tests.flows.conftest import plain
from ui.callbacks import SubstAction, SubstCB, SubstTeacherCB

WEDNESDAY, THURSDAY = TODAY + timedelta(days=1), TODAY + timedelta(days=2)


async def substitutions(sessions) -> list[Substitution]:
    async with sessions() as session:
        return list((await session.scalars(select(Substitution).order_by(Substitution.id))).all())


async def pushes(user, timeout: float = 8.0) -> list[str]:
    def found() -> list[str]:
        return [plain(t) for t in user.texts() if t and "🔁" in t]

    for _ in range(int(timeout / 0.05)):
        if found():
            break
        await asyncio.sleep(0.05)
    return found()


async def test_the_deputy_assigns_a_substitute_for_tomorrow_who_keeps_the_lesson_and_the_family_is_told_ACC_5(
    bot_world, linked, clock, start_worker
):
    school, sessions = bot_world
    clock.at(WEDNESDAY)
    mother = await linked(school.parents["alekseeva_mother"])  # Артём is in 5А, Англ. 1
    deputy = await linked(school.staff["deputy"])
    math = await linked(school.staff["math"])
    start_worker()
    assert "Замены" in deputy.keyboard() and "substitutions" in deputy.commands()

    await deputy.press("Замены")
    assert deputy.last_text() == "Замены\n\nТекущих и предстоящих замен нет."
    assert deputy.buttons() == ["➕ Назначить замену"]
    await deputy.tap("➕ Назначить замену")
    assert deputy.last_text() == "Какой учитель отсутствует?"
    assert deputy.buttons() == [
        "Белова А. С.",
        "Кузнецов О. П.",
        "Орлов И. А.",
        "Смирнова Е. В.",
        "Соколова М. И.",
        "Отмена",
    ]
    await deputy.tap("Белова А. С.")
    assert deputy.last_text() == (
        "Отсутствует: Белова А. С.\n\n"
        "На какие дни? Нажмите кнопку или напишите день или период: «25.11», «25.11–27.11»."
    )
    assert deputy.buttons() == ["Сегодня", "Завтра", "Отмена"]
    await deputy.send("27.11–26.11")
    assert deputy.last_text() == "Последний день раньше первого.\nПопробуйте ещё раз или нажмите «Отмена»."
    await deputy.send("30.02")
    assert deputy.last_text().startswith("Такого дня в календаре нет: «30.02».")
    await deputy.tap("Завтра")
    assert deputy.last_text() == ("Отсутствует: Белова А. С., 26 нояб.\n\nКакие уроки передать заменяющему учителю?")
    assert deputy.buttons() == ["Все уроки", "5А (Англ. 1), Английский язык", "Отмена"]
    await deputy.tap("Все уроки")
    assert deputy.last_text() == "Кто заменяет?"
    assert deputy.buttons() == [
        "Волкова И. Н.",
        "Кузнецов О. П.",
        "Орлов И. А.",
        "Смирнова Е. В.",
        "Соколова М. И.",
        "Отмена",
    ]
    await deputy.tap("Орлов И. А.")  # teaches the other subgroup at the same time: warned, allowed
    assert deputy.last_text() == (
        "Проверьте замену\n"
        "Отсутствует: Белова А. С.\n"
        "Заменяет: Орлов И. А.\n"
        "Дни: 26 нояб.\n"
        "Уроки: 5А (Англ. 1), Английский язык\n"
        "\n"
        "⚠️ У заменяющего учителя в это время свои уроки:\n"
        "• 26 нояб., 3-й урок: 5А, Английский язык\n"
        "\n"
        "Семьи учеников класса получат уведомление сразу."
    )
    await deputy.tap("Отмена")  # nothing written; the list again
    assert deputy.last_text() == "Замены\n\nТекущих и предстоящих замен нет."
    assert await substitutions(sessions) == []

    await deputy.tap("➕ Назначить замену")
    await deputy.tap("Белова А. С.")
    await deputy.tap("Завтра")
    await deputy.tap("5А (Англ. 1), Английский язык")
    await deputy.tap("Смирнова Е. В.")
    assert deputy.last_text() == (
        "Проверьте замену\n"
        "Отсутствует: Белова А. С.\n"
        "Заменяет: Смирнова Е. В.\n"
        "Дни: 26 нояб.\n"
        "Уроки: 5А (Англ. 1), Английский язык\n"
        "\n"
        "Семьи учеников класса получат уведомление сразу."
    )
    answers = await deputy.double_tap("Подтвердить")
    assert "Замена сохранена." in [a.get("text") for a in answers]
    [row] = await substitutions(sessions)  # saved once
    assert (row.substitute_id, row.starts_on, row.ends_on) == (school.staff["math"], THURSDAY, THURSDAY)
    await asyncio.sleep(0.1)
    assert plain(deputy.last_text()) == (
        "Замены\n\n1. 26 нояб.: 5А (Англ. 1), Английский язык\n    заменяет Смирнова Е. В.; отсутствует Белова А. С."
    )
    assert deputy.buttons() == ["➕ Назначить замену", "✖ Отменить 1"]

    # The family is told at once (SUB-2).
    told = (
        "Артём Алексеев\n🔁 Замена уроков: 5А (Англ. 1), Английский язык, 26 нояб.\n"
        "Уроки ведёт Смирнова Е. В. (по расписанию — Белова А. С.)."
    )
    assert await pushes(mother) == [told]

    # Thursday: the substitute's day lists the lesson with whose it is, and its attendance is saved.
    clock.at(THURSDAY)
    await math.send("/today")
    assert "3. 11:00–11:45 · 5А (Англ. 1), Английский язык (замена; по расписанию — Белова А. С.)" in plain(
        math.last_text()
    )
    await math.tap("⚠️ 3. 5А (Англ. 1), Английский язык")
    await math.tap("Посещаемость")
    await math.tap("1 Алексеев")
    answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    async with sessions() as session:
        [absence] = (await session.scalars(select(Absence))).all()
        assert absence.student_id == school.students["alekseev"]

    for _ in range(160):  # the absence's push comes first, so that it lands before the screens below
        if any("🚪" in (t or "") for t in mother.texts()):
            break
        await asyncio.sleep(0.05)

    # The mother's diary of that day names the substitute.
    await mother.send("/diary")
    assert plain(mother.last_text()) == (
        "Дневник: Артём, 5А\n"
        "Четверг, 26 ноября, сегодня\n"
        "\n"
        "1. 09:00–09:45 Математика\n"
        "Д/з: ещё не внесено\n"
        "\n"
        "3. 11:00–11:45 Английский язык\n"
        "Замена: ведёт Смирнова Е. В.\n"
        "Д/з: ещё не внесено\n"
        "Пропуск (ОТ): причина не указана"
    )
    await mother.send("/schedule")
    assert "3. 11:00–11:45 Английский язык — Смирнова Е. В. (замена)" in plain(mother.last_text())
    assert "3. 11:00–11:45 Английский язык — Белова А. С." in plain(mother.last_text())  # on Tuesday
    await mother.send("/diary")
    # A week later the lesson is Белова's again.
    await mother.tap("Неделя вперёд ▶▶")
    assert "Замена" not in mother.last_text()

    # Cancelled the same day: the list is empty, and the family is told (SUB-2).
    answer = await deputy.tap("✖ Отменить 1")
    assert answer["text"] == "Замена отменена."
    assert deputy.last_text() == "Замены\n\nТекущих и предстоящих замен нет."
    assert await substitutions(sessions) == []
    for _ in range(160):
        if len(await pushes(mother)) == 2:
            break
        await asyncio.sleep(0.05)
    assert (await pushes(mother))[-1] == (
        "Артём Алексеев\n🔁 Замена отменена: 5А (Англ. 1), Английский язык, 26 нояб.\n"
        "Уроки ведёт Белова А. С., как в расписании."
    )


async def test_a_teacher_and_a_parent_have_no_substitutions_and_a_forged_teacher_is_refused_ACC_5(bot_world, linked):
    school, sessions = bot_world
    teacher = await linked(school.staff["math"])
    assert "substitutions" not in teacher.commands() or not teacher.menus_per_chat
    await teacher.send("/substitutions")
    assert teacher.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."  # no such command for them
    answer = await teacher.tap_raw(SubstCB(action=SubstAction.new).pack())
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."  # the deputy's router is not theirs
    assert await substitutions(sessions) == []
    mother = await linked(school.parents["alekseeva_mother"])
    assert "substitutions" not in mother.commands() or not mother.menus_per_chat

    async with sessions() as session:
        other = await build_school(session, "Школа № 8")
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Замены")
    await deputy.tap("➕ Назначить замену")
    answer = await deputy.tap_raw(SubstTeacherCB(teacher=other.staff["eng1"]).pack())
    assert answer["text"] == "В вашей школе нет такого учителя."
    assert deputy.last_text() == "Какой учитель отсутствует?"  # the step waits as it was
