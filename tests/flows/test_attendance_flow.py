"""A lesson's attendance end to end (J-12): the roster as buttons, toggles in a draft, one «Сохранить», the saved
state shown again, a class of 35 on one screen; the refusals: another teacher's lesson and a student of another
class in forged buttons (ACC-3), and a lesson 15 days old that offers a correction request instead (J-9, J-10)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from services.access import load_actor
from services.journal import JournalService
from services.models import Absence, AuditEntry, CorrectionRequest, Lesson, Person, School, Student
from tests.factories import TODAY, enrol_student
from tests.flows.conftest import TOKEN, open_card
from ui.callbacks import AttendanceCB, LessonCB

LESSON = "Математика, 5А\nВторник, 24 ноября, 2-й урок\n\n"
HINT = "Нажмите на ученика, чтобы отметить «ОТ» (отсутствует); повторное нажатие снимает отметку.\n\n"


async def absent_names(sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Person.last_name)
            .join(Student, Student.person_id == Person.id)
            .join(Absence, Absence.student_id == Student.id)
            .order_by(Person.last_name)
        )
        return list(rows)


async def test_roster_toggles_saves_and_shows_the_saved_state_J_12(bot_world, linked, clock):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Посещаемость")
    assert math.last_text() == LESSON + HINT + "Посещаемость: все присутствуют"
    assert math.buttons() == ["1 Алексеев", "2 Борисова", "3 Васильев", "4 Григорьева", "Сохранить", "◀ Урок"]

    await math.tap("2 Борисова")
    await math.tap("3 Васильев")
    await math.tap("3 Васильев · ОТ")  # a second tap takes it back
    await math.tap("4 Григорьева")
    assert math.last_text() == (
        LESSON + HINT + "Отсутствуют (2): Борисова Вера Олеговна, Григорьева Дина Ефимовна\nПока не сохранено."
    )
    assert math.buttons()[:4] == ["1 Алексеев", "2 Борисова · ОТ", "3 Васильев", "4 Григорьева · ОТ"]
    assert await absent_names(sessions) == []  # nothing is written before «Сохранить»

    answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert "Отсутствуют (2): Борисова Вера Олеговна, Григорьева Дина Ефимовна" in math.last_text()
    assert math.last_text().startswith(LESSON)  # back on the card
    assert await absent_names(sessions) == ["Борисова", "Григорьева"]

    await math.tap("Посещаемость")  # opened again: what was saved
    assert math.last_text() == (LESSON + HINT + "Отсутствуют (2): Борисова Вера Олеговна, Григорьева Дина Ефимовна")
    await math.tap("1 Алексеев")
    await math.tap("◀ Урок")  # asked first, then the draft is dropped
    await math.tap("Не сохранять")
    assert await absent_names(sessions) == ["Борисова", "Григорьева"]
    await math.tap("Посещаемость")
    assert math.buttons()[:4] == ["1 Алексеев", "2 Борисова · ОТ", "3 Васильев", "4 Григорьева · ОТ"]


async def test_a_double_tap_on_save_writes_attendance_once_and_each_tap_is_told_so_J_12(bot_world, linked):
    """Two taps on «Сохранить» in flight at once, and one more arriving late: the late one must not say the
    roster was not saved, nor apply its toggles again over what a colleague may have saved since."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("2 Борисова")
    roster = math.emulator.last_message(TOKEN, math.id)
    answers = await math.double_tap("Сохранить")
    assert sorted(answer["text"] for answer in answers) == ["Посещаемость сохранена.", "Уже сохранено."]
    assert math.last_text().startswith(LESSON)  # back on the card
    late = await math.tap_late(roster, "Сохранить")
    assert (late["text"], late.get("show_alert", False)) == ("Уже сохранено.", False)
    assert await absent_names(sessions) == ["Борисова"]
    async with sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "absence"))
            == 1
        )


async def test_saving_with_everyone_present_records_attendance_J_12(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("Сохранить")
    assert "Посещаемость: все присутствуют" in math.last_text()
    async with sessions() as session:
        assert (await session.scalar(select(Lesson))).attendance_taken_at is not None


async def test_a_class_of_35_fits_in_one_message_J_12(bot_world, linked, emulator):
    school, sessions = bot_world
    async with sessions() as session:
        for i in range(31):
            person = Person(school_id=school.school_id, last_name=f"Ученик{i:02d}", first_name="Тест")
            session.add(person)
            await session.flush()
            await enrol_student(session, school.school_id, person.id, school.classes["5А"])
        await session.commit()
    math = await linked(school.staff["math"])
    await open_card(math)
    shown = len(math.texts())
    await math.tap("Посещаемость")
    assert len(math.texts()) == shown  # the card became the roster: one message
    rows = math.emulator.last_message("123456:TEST-token", math.id)["reply_markup"]["inline_keyboard"]
    assert [len(row) for row in rows] == [3] * 11 + [2, 1, 1]
    assert rows[11][1]["text"] == "35 Ученик30"
    await math.tap("35 Ученик30")
    await math.tap("Сохранить")
    assert await absent_names(sessions) == ["Ученик30"]


async def test_forged_lesson_or_student_is_refused_and_nothing_written_ACC_3(bot_world, linked, clock):
    school, sessions = bot_world
    async with sessions() as session:
        russian = await load_actor(session, school.staff["russian"])
        rus = await JournalService(session, clock).open_lesson(russian, school.assignments["rus5A"], TODAY, 1)
    math = await linked(school.staff["math"])
    await open_card(math)
    for forged in (
        LessonCB(lesson=rus.lesson_id, part="attendance"),
        AttendanceCB(lesson=rus.lesson_id, action="save"),
        AttendanceCB(lesson=rus.lesson_id, action="toggle", student=school.students["alekseev"]),
    ):
        answer = await math.tap_raw(forged.pack())
        assert answer["text"] == "Вы не ведёте этот класс или предмет." and answer["show_alert"]
    await math.tap("Посещаемость")
    own = AttendanceCB.unpack(math.button_data(math.emulator.last_message("123456:TEST-token", math.id), "◀ Урок"))
    answer = await math.tap_raw(
        AttendanceCB(lesson=own.lesson, action="toggle", student=school.students["zaitsev"]).pack()
    )  # a student of 5Б
    assert answer["text"] == "Этот ученик не из класса или группы урока." and answer["show_alert"]
    await math.tap("Сохранить")
    assert await absent_names(sessions) == []
    async with sessions() as session:
        assert (await session.get(Lesson, rus.lesson_id)).attendance_taken_at is None


async def set_edit_window(sessions, school, days: int) -> None:
    async with sessions() as session:
        await session.execute(update(School).where(School.id == school.school_id).values(edit_window_days=days))
        await session.commit()


async def test_the_lock_follows_the_schools_own_window_J_9(bot_world, linked):
    """A school that imported another «Дней на исправление» has its lessons locked, and said to be, by it."""
    school, sessions = bot_world
    await set_edit_window(sessions, school, 21)
    math = await linked(school.staff["math"])
    await open_card(math, "⚠️ 1. 5А, Математика", (TODAY - timedelta(days=15)).strftime("%d.%m"))
    await math.tap("Посещаемость")
    assert "🔒" not in math.last_text()
    await math.tap("1 Алексеев")
    assert (await math.tap("Сохранить"))["text"] == "Посещаемость сохранена."
    assert await absent_names(sessions) == ["Алексеев"]

    await set_edit_window(sessions, school, 1)
    await math.tap("Посещаемость")
    assert math.last_text().endswith(
        "🔒 Прошло больше 1 дня: изменения уйдут заместителю директора заявкой на исправление."
    )
    assert math.buttons()[-2:] == ["Отправить заявку на исправление", "◀ Урок"]


async def test_lesson_15_days_old_offers_a_correction_request_instead_J_9_J_10(bot_world, linked, clock):
    school, sessions = bot_world
    old_day = TODAY - timedelta(days=15)  # Monday 9 November: math is the first lesson
    math = await linked(school.staff["math"])
    await open_card(math, "⚠️ 1. 5А, Математика", old_day.strftime("%d.%m"))
    await math.tap("Посещаемость")
    assert "🔒 Прошло больше 14 дней" in math.last_text()
    assert math.buttons()[-2:] == ["Отправить заявку на исправление", "◀ Урок"]
    answer = await math.tap("Отправить заявку на исправление")
    assert answer["text"] == "Ничего не изменилось."
    await math.tap("1 Алексеев")
    await math.tap("Отправить заявку на исправление")
    assert "Изменения:\n• Алексеев Артём Игоревич: поставить «ОТ»\n\nНапишите причину" in math.last_text()
    await math.send("Ученик ушёл с урока, отметка не поставлена", replies=2)
    assert "Заявка №1 отправлена заместителю директора." in math.texts()
    assert await absent_names(sessions) == []  # nothing is written: the change waits for the deputy director
    async with sessions() as session:
        request = await session.scalar(select(CorrectionRequest))
        assert request.changes == [{"op": "set_absent", "student_id": school.students["alekseev"]}]
