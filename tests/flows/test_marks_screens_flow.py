"""The teacher's marks and attendance screens as a teacher uses them: leaving a screen with unsaved marks or
toggles asks first, a draft lost in a restart says so, a save tapped again says it is saved (J-12), the roster
shows the marks the lesson already has and a deletion asks first (J-5, J-6), and typed lines that name two
students or carry «н» are explained."""

from __future__ import annotations

from services.models import Person
from tests.factories import enrol_student
from tests.flows.conftest import TOKEN, code_for, mark_given_before, open_card, polling_bot, type_marks
from tests.flows.test_attendance_flow import absent_names
from tests.flows.test_marks_entry_flow import marks_in_db

ASK_MARKS = "Отметки не сохранены (2). Сохранить их?"
ASK_ATTENDANCE = "Посещаемость не сохранена. Сохранить её?"
LOST = "Отметки на этом экране не сохранены. Выберите вид работы и поставьте их ещё раз."


async def borisova_absent_unsaved(math) -> None:
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("2 Борисова")


async def test_leaving_unsaved_marks_asks_save_or_not_J_5(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5\nБорисова 4")
    await math.tap("◀ Урок")
    assert math.last_text().endswith(ASK_MARKS)
    assert math.buttons() == ["Сохранить", "Не сохранять", "◀ К списку"]
    await math.tap("◀ К списку")  # changed their mind: the draft is still there
    assert "2 отметки к сохранению:" in math.last_text()
    await math.tap("◀ Урок")
    answer = await math.tap("Сохранить")
    assert answer["text"] == "Сохранены 2 отметки."
    assert await marks_in_db(sessions) == [("Алексеев", 5, "Ответ на уроке"), ("Борисова", 4, "Ответ на уроке")]

    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    await math.send("Васильев 3")
    await math.tap("◀ Урок")
    answer = await math.tap("Не сохранять")
    assert answer["text"] == "Не сохранено."
    assert math.last_text().startswith("Математика, 5А\nВторник, 24 ноября, 2-й урок\n\nТема: ")  # the card
    assert len(await marks_in_db(sessions)) == 2

    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    await math.tap("◀ Урок")  # nothing typed: nothing to ask
    assert math.last_text().startswith("Математика, 5А\nВторник, 24 ноября, 2-й урок\n\nТема: ")


async def test_leaving_unsaved_attendance_asks_save_or_not_J_12(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await borisova_absent_unsaved(math)
    await math.tap("◀ Урок")
    assert math.last_text().endswith(ASK_ATTENDANCE)
    assert math.buttons() == ["Сохранить", "Не сохранять", "◀ К списку"]
    await math.tap("◀ К списку")
    assert math.buttons()[1] == "2 Борисова · ОТ"
    await math.tap("◀ Урок")
    answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert await absent_names(sessions) == ["Борисова"]

    await math.tap("Посещаемость")
    await math.tap("1 Алексеев")
    await math.tap("◀ Урок")
    answer = await math.tap("Не сохранять")
    assert answer["text"] == "Не сохранено."
    assert await absent_names(sessions) == ["Борисова"]
    await math.tap("Посещаемость")
    await math.tap("◀ Урок")  # no toggles: straight to the card
    assert "Отсутствуют (1): Борисова Вера Олеговна" in math.last_text()
    assert "Не сохранять" not in math.buttons()


async def test_a_restart_loses_typed_marks_and_the_teacher_is_told(school_db, emulator, clock, person):
    school, sessions = school_db
    math = person()
    async with polling_bot(emulator, sessions, clock):
        await math.send("/start " + await code_for(sessions, clock, school.staff["math"]))
        await math.tap("Принимаю")
        await type_marks(math, "Алексеев 5\nБорисова 4")
    async with polling_bot(emulator, sessions, clock):  # a new process, its memory empty
        answer = await math.tap("Сохранить")
        assert (answer["text"], answer["show_alert"]) == (LOST, True)
        assert "Выберите вид работы:" in math.last_text()
        await math.tap("Ответ на уроке")
        await math.send("Алексеев 5")
        assert (await math.tap("Сохранить"))["text"] == "Сохранена 1 отметка."
    assert await marks_in_db(sessions) == [("Алексеев", 5, "Ответ на уроке")]


async def test_a_second_tap_on_a_saved_roster_says_it_is_saved_J_12(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await borisova_absent_unsaved(math)
    roster = math.emulator.last_message(TOKEN, math.id)
    assert (await math.tap("Сохранить"))["text"] == "Посещаемость сохранена."
    answer = await math.tap_late(roster, "Сохранить")  # the same screen, tapped again
    assert (answer["text"], answer["show_alert"]) == ("Уже сохранено.", False)
    assert await absent_names(sessions) == ["Борисова"]

    await open_card(math, "⚠️ 1. 5А, Математика", "23.11")  # another lesson's roster meanwhile
    await math.tap("Посещаемость")
    answer = await math.tap_late(roster, "Сохранить")  # a late tap on the old screen
    assert (answer["text"], answer["show_alert"]) == ("Уже сохранено.", False)
    answer = await math.tap_late(roster, "2 Борисова · ОТ")  # not taken back without a word either
    assert answer["text"] == "Эта посещаемость уже сохранена. Чтобы изменить её, откройте её снова."
    assert await absent_names(sessions) == ["Борисова"]


async def test_the_roster_shows_the_lessons_marks_and_a_deletion_asks_first_J_6(bot_world, linked, clock):
    school, sessions = bot_world
    await mark_given_before(bot_world, clock, "borisova", 5)
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    assert "Уже поставлено за урок:\n2. Борисова Вера Олеговна — 5 (Ответ на уроке)" in math.last_text()
    assert math.buttons()[:4] == ["1 Алексеев", "2 Борисова (5)", "3 Васильев", "4 Григорьева"]
    await math.send("Борисова 4")
    assert math.buttons()[1] == "2 Борисова (5) · 4"
    await math.tap("2 Борисова (5) · 4")
    await math.tap("🗑 Удалить отметку 5 (Ответ на уроке)")
    assert math.last_text().endswith("Удалить отметку 5 (Ответ на уроке) у ученика Борисова Вера Олеговна?")
    assert math.buttons() == ["Да, удалить", "Не удалять"]
    await math.tap("Не удалять")
    assert "Отметки за урок: 5 (Ответ на уроке)" in math.last_text()
    assert await marks_in_db(sessions) == [("Борисова", 5, "Ответ на уроке")]
    await math.tap("🗑 Удалить отметку 5 (Ответ на уроке)")
    answer = await math.tap("Да, удалить")
    assert answer["text"] == "Отметка удалена."
    assert "Отметки за урок" not in math.last_text()
    assert await marks_in_db(sessions) == []
    await math.tap("◀ К списку")  # the draft's 4 is still there
    assert math.buttons()[1] == "2 Борисова · 4"


async def test_typed_lines_name_two_students_or_carry_n(bot_world, linked):
    school, sessions = bot_world
    async with sessions() as session:
        for last, first in (("Медведев", "Иван"), ("Медведева", "Анна"), ("Цветкова", "Мария")):
            person = Person(school_id=school.school_id, last_name=last, first_name=first)
            session.add(person)
            await session.flush()
            await enrol_student(session, school.school_id, person.id, school.classes["5А"])
        await session.commit()
    math = await linked(school.staff["math"])
    await type_marks(math, "Медвед 3\nЦветкова н\nМедведева 4\nЦвет 5")
    text = math.last_text()
    assert "2 отметки к сохранению:\n6. Медведева Анна — 4\n7. Цветкова Мария — 5" in text
    assert (
        "«Медвед 3»: подходят несколько учеников (5 Медведев Иван, 6 Медведева Анна): напишите номер по списку"
    ) in text
    assert ("«Цветкова н»: «н» — не отметка: отсутствующих отмечают на экране «Посещаемость»") in text


async def test_toggles_left_by_a_command_are_there_when_the_roster_opens_again_J_12(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await borisova_absent_unsaved(math)
    await open_card(math)  # /today: elsewhere without a word
    await math.tap("Посещаемость")
    assert math.buttons()[1] == "2 Борисова · ОТ" and math.last_text().endswith("Пока не сохранено.")
    assert (await math.tap("Сохранить"))["text"] == "Посещаемость сохранена."
    assert await absent_names(sessions) == ["Борисова"]


async def test_a_late_tap_on_saved_marks_after_another_lesson_says_they_are_saved_J_5(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5\nБорисова 4")
    preview = math.emulator.last_message(TOKEN, math.id)
    assert (await math.tap("Сохранить"))["text"] == "Сохранены 2 отметки."
    await open_card(math, "⚠️ 1. 5А, Математика", "23.11")  # another lesson's marks meanwhile
    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    answer = await math.tap_late(preview, "Сохранить")
    assert (answer["text"], answer["show_alert"]) == ("Уже сохранено.", False)
    assert len(await marks_in_db(sessions)) == 2
