"""/today end to end: the teacher's lessons of the day with what is missing (J-1, J-2), substitutions (ACC-5),
the lesson card, days back and ahead, a typed date, and the refusals: another teacher's lesson in a forged
button (ACC-3) and a broken date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from services.access import load_actor
from services.journal import JournalService
from services.models import Lesson, Substitution
from tests.factories import TODAY
from tests.flows.conftest import open_card
from ui.callbacks import LessonSlotCB


async def test_teacher_sees_the_days_lessons_with_what_is_missing_J_1_J_2(bot_world, linked, clock):
    school, sessions = bot_world
    async with sessions() as session:  # the math teacher has kept yesterday's lesson but for the marks
        journal = JournalService(session, clock)
        teacher = await load_actor(session, school.staff["math"])
        lesson = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY - timedelta(days=1), 1)
        await journal.save_attendance(teacher, lesson.lesson_id, [])
        await journal.set_topic(teacher, lesson.lesson_id, "§1. Тема 1")
        await journal.set_homework(teacher, lesson.lesson_id, None)
    russian = await linked(school.staff["russian"])
    assert "Уроки" in russian.keyboard() and "today" in russian.commands()
    await russian.press("Уроки")
    assert russian.last_text() == (
        "Уроки: Вторник, 24 ноября, сегодня\n"
        "\n"
        "1. 09:00–09:45 · 5А, Русский язык\n"
        "    Не заполнено: посещаемость, тема, задание, отметки\n"
        "2. 10:00–10:45 · 5Б, Математика\n"
        "    Не заполнено: посещаемость, тема, задание, отметки"
    )
    assert russian.buttons() == ["⚠️ 1. 5А, Русский язык", "⚠️ 2. 5Б, Математика", "◀", "Сегодня", "▶", "📅 Выбрать дату"]

    math = await linked(school.staff["math"])
    await math.send("/today 23.11")
    assert math.last_text() == (
        "Уроки: Понедельник, 23 ноября\n\n1. 09:00–09:45 · 5А, Математика\n    Не заполнено: отметки"
    )
    await math.tap("▶")
    assert math.last_text().startswith("Уроки: Вторник, 24 ноября, сегодня\n\n2. 10:00–10:45 · 5А, Математика")
    await math.tap("▶")
    assert math.last_text() == (  # tomorrow: nothing is missing yet
        "Уроки: Среда, 25 ноября\n\n1. 09:00–09:45 · 5А, Математика"
    )
    await math.send("/today 31.02")
    assert math.last_text() == "Это не дата: напишите ДД.ММ, например /today 10.11."


async def test_substitute_sees_and_opens_the_absent_teachers_lesson_ACC_5(bot_world, linked):
    school, sessions = bot_world
    async with sessions() as session:
        session.add(
            Substitution(
                assignment_id=school.assignments["eng5A1"],
                substitute_id=school.staff["math"],
                starts_on=TODAY,
                ends_on=TODAY + timedelta(days=4),
            )
        )
        await session.commit()
    math = await linked(school.staff["math"])
    await math.send("/today")
    assert "3. 11:00–11:45 · 5А (Англ. 1), Английский язык (замена; по расписанию — Белова А. С.)" in math.last_text()
    await math.tap("⚠️ 3. 5А (Англ. 1), Английский язык")
    assert math.last_text() == (
        "Английский язык, 5А (Англ. 1)\n"
        "Вторник, 24 ноября, 3-й урок\n"
        "\n"
        "Тема: пока не указана\n"
        "Домашнее задание: пока не задано\n"
        "Посещаемость: пока не отмечена\n"
        "Отметки: пока нет"
    )
    assert math.buttons() == ["Посещаемость", "Оценки", "Тема", "Домашнее задание", "История", "◀ Уроки дня"]
    await math.tap("◀ Уроки дня")
    assert math.last_text().startswith("Уроки: Вторник, 24 ноября, сегодня")


async def test_forged_lesson_of_another_teacher_is_refused_and_nothing_is_created_ACC_3(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await math.send("/today")
    forged = LessonSlotCB(assignment=school.assignments["rus5A"], day=TODAY.isoformat(), number=1).pack()
    answer = await math.tap_raw(forged)
    assert answer["text"] == "Вы не ведёте этот класс или предмет." and answer["show_alert"]
    broken = LessonSlotCB(assignment=school.assignments["math5A"], day="2026-02-31", number=2).pack()
    answer = await math.tap_raw(broken)
    assert answer["text"] == "В кнопке нет правильной даты. Отправьте команду ещё раз." and answer["show_alert"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Lesson)) == 0


async def test_teacher_jumps_to_a_day_by_typing_it_or_picking_it_in_a_month(bot_world, linked):
    """16 days back in one step: «16.11» typed on /today, or the month picker the diary has."""
    school, _sessions = bot_world
    math = await linked(school.staff["math"])
    await math.press("Уроки")
    await math.send("09.11")
    assert (
        math.last_text() == "Уроки: Понедельник, 9 ноября\n\n1. 09:00–09:45 · 5А, Математика\n"
        "    Не заполнено: посещаемость, тема, задание, отметки"
    )
    await math.send("9/11.2026")
    assert math.last_text().startswith("Уроки: Понедельник, 9 ноября\n")
    await math.send("31.02")
    assert math.last_text() == "Это не дата: напишите ДД.ММ, например /today 10.11."

    await math.press("Уроки")
    shown = math.last_text()
    answer = await math.tap("📅 Выбрать дату")
    assert answer["text"] == "Выберите день."
    assert math.last_text() == shown  # the day stays in view while picking
    buttons = math.buttons()
    assert buttons[:10] == ["◀", "Ноябрь 2026", "▶", "пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    assert "[24]" in buttons and buttons[-2:] == ["↩ Назад", "Сегодня"]
    assert (await math.tap("пн"))["text"] is None  # a weekday's name only shows
    await math.tap("9")
    assert math.last_text().startswith("Уроки: Понедельник, 9 ноября\n")
    await math.tap("📅 Выбрать дату")
    await math.tap("◀")
    assert "Октябрь 2026" in math.buttons()
    await math.tap("↩ Назад")
    assert math.last_text().startswith("Уроки: Понедельник, 9 ноября\n")
    await math.tap("📅 Выбрать дату")
    await math.tap("Сегодня")
    assert math.last_text().startswith("Уроки: Вторник, 24 ноября, сегодня\n")


async def test_a_typed_date_goes_to_the_prompt_that_waits_for_it(bot_world, linked):
    """The topic prompt waits: «16.11» is the topic's text, not a jump to 16 November."""
    school, _sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    await math.send("16.11")
    assert "16 ноября" not in math.last_text() and "16.11" in math.last_text(), math.last_text()
