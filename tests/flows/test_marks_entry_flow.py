"""A lesson's marks end to end (J-5..J-8): the work type, then a student and a value, or typed lines with a
preview; «Сохранить» writes all; two marks a day (J-6), a mark for an absent student (J-7), a mark given by
mistake deleted. The refusals: a mark off the scale and a first-grade class (J-8), another teacher's lesson and a
student of another class in forged buttons (ACC-3), and a lesson 15 days old that files a correction instead
(J-9, J-10)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from services.access import load_actor
from services.journal import JournalService
from services.models import CorrectionRequest, Lesson, Mark, Person, Student
from tests.factories import TODAY, enrol_student
from tests.flows.conftest import TOKEN, mark_given_before, open_card, type_marks
from ui.callbacks import LessonCB, MarkEntryCB

LESSON = "Математика, 5А\nВторник, 24 ноября, 2-й урок\n"
HINT = (
    "Нажмите на ученика, затем на отметку. Или пришлите строки: фамилия или номер по списку и отметка, "
    "например:\nИванов 5\n12 4\n\n"
)


async def marks_in_db(sessions) -> list[tuple[str, int, str]]:
    """(surname, value, work type) of every mark, in the order given."""
    async with sessions() as session:
        marks = (await session.scalars(select(Mark).order_by(Mark.id))).all()
        return [((await session.get(Student, m.student_id)).person.last_name, m.value, m.work_type.name) for m in marks]


async def lesson_id_of(teacher) -> int:
    """The lesson of the screen the teacher sees, read from its «◀ Урок» button."""
    message = teacher.emulator.last_message("123456:TEST-token", teacher.id)
    return MarkEntryCB.unpack(teacher.button_data(message, "◀ Урок")).lesson


async def test_tap_a_student_then_a_value_and_save_J_5(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Оценки")
    assert math.last_text() == LESSON + "\nВыберите вид работы:"
    assert math.buttons() == ["Ответ на уроке", "Контрольная работа", "◀ Урок"]
    await math.tap("Ответ на уроке")
    assert math.last_text() == LESSON + "Вид работы: Ответ на уроке\n\n" + HINT + "Пока нет отметок для сохранения."
    assert math.buttons() == ["1 Алексеев", "2 Борисова", "3 Васильев", "4 Григорьева", "◀ Урок"]
    await math.tap("2 Борисова")
    assert math.last_text() == LESSON + "Вид работы: Ответ на уроке\n\n2. Борисова Вера Олеговна\nВыберите отметку:"
    assert math.buttons() == ["2", "3", "4", "5", "◀ К списку"]
    await math.tap("5")
    assert math.last_text().endswith("1 отметка к сохранению:\n2. Борисова Вера Олеговна — 5")
    assert math.buttons() == ["1 Алексеев", "2 Борисова · 5", "3 Васильев", "4 Григорьева", "Сохранить", "◀ Урок"]
    assert await marks_in_db(sessions) == []  # nothing is written before «Сохранить»
    answer = await math.tap("Сохранить")
    assert answer["text"] == "Сохранена 1 отметка."
    assert math.last_text().startswith(LESSON + "\nТема: ")  # back on the card
    assert await marks_in_db(sessions) == [("Борисова", 5, "Ответ на уроке")]


async def test_a_double_tap_on_save_writes_the_marks_once_and_each_tap_is_told_so_J_5(bot_world, linked):
    """Two taps on «Сохранить» in flight at once, and one more arriving late: the marks are written once, and
    every tap hears the truth, that they are saved."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5\nБорисова 4")
    preview = math.emulator.last_message(TOKEN, math.id)
    answers = await math.double_tap("Сохранить")
    assert sorted(answer["text"] for answer in answers) == ["Сохранены 2 отметки.", "Уже сохранено."]
    assert math.last_text().startswith(LESSON + "\nТема: ")  # back on the card
    assert (await math.tap_late(preview, "Сохранить"))["text"] == "Уже сохранено."
    assert await marks_in_db(sessions) == [("Алексеев", 5, "Ответ на уроке"), ("Борисова", 4, "Ответ на уроке")]


async def test_typed_lines_preview_and_save_two_a_day_and_absent_J_6_J_7(bot_world, linked, clock):
    school, sessions = bot_world
    async with sessions() as session:  # a namesake in the class, and Васильев absent from the lesson
        person = Person(school_id=school.school_id, last_name="Васильев", first_name="Игорь")
        session.add(person)
        await session.flush()
        await enrol_student(session, school.school_id, person.id, school.classes["5А"])
        await session.commit()
        teacher = await load_actor(session, school.staff["math"])
        journal = JournalService(session, clock)
        view = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
        await journal.save_attendance(teacher, view.lesson_id, [school.students["vasiliev"]])
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [(school.students["borisova"], 5)]
        )
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5\nборисова в. 4\n3 3\nВасильев 4\nПетров 5\n40 4\nпять", "Контрольная работа")
    assert math.last_text() == (
        LESSON + "Вид работы: Контрольная работа\n\n" + HINT + "Уже поставлено за урок:\n"
        "2. Борисова Вера Олеговна — 5 (Ответ на уроке)\n"
        "\n"
        "3 отметки к сохранению:\n"
        "1. Алексеев Артём Игоревич — 5\n"
        "2. Борисова Вера Олеговна — 4\n"
        "3. Васильев Глеб Денисович — 3\n"
        "\n"
        "Не принятые строки:\n"
        "«Васильев 4»: подходят несколько учеников (3 Васильев Глеб Денисович, 4 Васильев Игорь): "
        "напишите номер по списку\n"
        "«Петров 5»: такого ученика нет на уроке\n"
        "«40 4»: в списке нет номера 40\n"
        "«пять»: напишите фамилию или номер по списку, затем отметку"
    )
    await math.send("4 4")  # the next message adds to the draft
    assert "4 отметки к сохранению:" in math.last_text() and "Не принятые" not in math.last_text()
    answer = await math.tap("Сохранить")
    assert answer["text"] == "Сохранены 4 отметки."
    assert await marks_in_db(sessions) == [
        ("Борисова", 5, "Ответ на уроке"),
        ("Алексеев", 5, "Контрольная работа"),
        ("Борисова", 4, "Контрольная работа"),  # J-6: the second mark of the day
        ("Васильев", 3, "Контрольная работа"),  # J-7: absent, still marked
        ("Васильев", 4, "Контрольная работа"),
    ]
    await math.send("Алексеев 5")  # the draft is gone: text is not taken as marks any more
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."


async def test_a_mark_of_7_is_refused_with_the_reason_and_nothing_written_J_8(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 7")
    assert math.last_text().endswith(
        "Пока нет отметок для сохранения.\n\nНе принятые строки:\n«Алексеев 7»: Отметка 7 вне шкалы: от 2 до 5."
    )
    assert "Сохранить" not in math.buttons()
    lesson = await lesson_id_of(math)
    answer = await math.tap_raw(
        MarkEntryCB(lesson=lesson, action="value", student=school.students["alekseev"], value=7).pack()
    )
    assert answer["text"] == "Отметка 7 вне шкалы: от 2 до 5." and answer["show_alert"]
    await math.tap("◀ Урок")
    assert await marks_in_db(sessions) == []


async def test_first_grade_has_no_marks_and_a_forged_button_is_refused_J_8(bot_world, linked):
    school, sessions = bot_world
    primary = await linked(school.staff["primary"])
    await open_card(primary, "⚠️ 1. 1А, Литературное чтение")
    assert "Оценки" not in primary.buttons()
    lesson = LessonCB.unpack(
        primary.button_data(primary.emulator.last_message("123456:TEST-token", primary.id), "Посещаемость")
    ).lesson
    for forged in (
        LessonCB(lesson=lesson, part="marks"),
        MarkEntryCB(lesson=lesson, action="type", work_type=school.work_types["answer"]),
        MarkEntryCB(lesson=lesson, action="value", student=school.students["ivanov"], value=5),
    ):
        answer = await primary.tap_raw(forged.pack())
        assert answer["text"] == "В 1 классе отметки не ставятся." and answer["show_alert"]
    assert await marks_in_db(sessions) == []


async def test_forged_lesson_student_or_work_type_is_refused_ACC_3(bot_world, linked, clock):
    school, sessions = bot_world
    async with sessions() as session:
        russian = await load_actor(session, school.staff["russian"])
        rus = await JournalService(session, clock).open_lesson(russian, school.assignments["rus5A"], TODAY, 1)
    math = await linked(school.staff["math"])
    await open_card(math)
    for forged in (
        LessonCB(lesson=rus.lesson_id, part="marks"),
        MarkEntryCB(lesson=rus.lesson_id, action="type", work_type=school.work_types["answer"]),
        MarkEntryCB(lesson=rus.lesson_id, action="save"),
    ):
        answer = await math.tap_raw(forged.pack())
        assert answer["text"] == "Вы не ведёте этот класс или предмет." and answer["show_alert"]
    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    lesson = await lesson_id_of(math)
    answer = await math.tap_raw(
        MarkEntryCB(lesson=lesson, action="value", student=school.students["zaitsev"], value=5).pack()
    )  # a student of 5Б
    assert answer["text"] == "Этот ученик не из класса или группы урока." and answer["show_alert"]
    answer = await math.tap_raw(MarkEntryCB(lesson=lesson, action="type", work_type=999).pack())
    assert answer["text"] == "Неизвестный вид работы." and answer["show_alert"]
    assert await marks_in_db(sessions) == []


async def test_a_mark_given_by_mistake_is_deleted(bot_world, linked, clock):
    school, sessions = bot_world
    await mark_given_before(bot_world, clock, "alekseev", 2)
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Оценки")
    await math.tap("Ответ на уроке")
    await math.tap("1 Алексеев (2)")
    assert "Отметки за урок: 2 (Ответ на уроке)" in math.last_text()
    await math.tap("🗑 Удалить отметку 2 (Ответ на уроке)")
    answer = await math.tap("Да, удалить")  # asked first (test_marks_screens_flow)
    assert answer["text"] == "Отметка удалена."
    assert "Отметки за урок" not in math.last_text()
    assert await marks_in_db(sessions) == []


async def test_cancel_leaves_the_typed_marks(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5")
    await math.send("/cancel")
    assert math.last_text() == "Отменено: отметки не сохранены."
    await math.send("Борисова 4")
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    assert await marks_in_db(sessions) == []


async def test_lesson_15_days_old_sends_the_marks_as_a_correction_request_J_9_J_10(bot_world, linked):
    school, sessions = bot_world
    old_day = TODAY - timedelta(days=15)
    math = await linked(school.staff["math"])
    await open_card(math, "⚠️ 1. 5А, Математика", old_day.strftime("%d.%m"))
    await math.tap("Оценки")
    await math.tap("Контрольная работа")
    assert "🔒 Прошло больше 14 дней" in math.last_text()
    await math.send("Григорьева 4")
    assert math.buttons()[-2:] == ["Отправить заявку на исправление", "◀ Урок"]
    await math.tap("Отправить заявку на исправление")
    assert "• Григорьева Дина Ефимовна: поставить отметку 4\n" in math.last_text()
    await math.send("Работа была написана, отметка не внесена", replies=2)
    assert "Заявка №1 отправлена заместителю директора." in math.texts()
    assert await marks_in_db(sessions) == []
    async with sessions() as session:
        request = await session.scalar(select(CorrectionRequest))
        assert request.changes == [
            {
                "op": "add_mark",
                "student_id": school.students["grigorieva"],
                "value": 4,
                "work_type_id": school.work_types["test"],
            }
        ]
        assert await session.scalar(select(func.count()).select_from(Lesson)) == 1
