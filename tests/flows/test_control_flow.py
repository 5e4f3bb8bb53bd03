"""/control end to end (REP-3, ROLE-2): the deputy director's report of the lessons without attendance, topic or
homework by teacher, and of the subjects failing the accumulation rule (PER-4); weeks back and forth, one class;
and the refusals: a plain teacher gets no report, and a forged button is answered with a reason."""

from __future__ import annotations

from datetime import timedelta

from services.access import load_actor
from services.journal import JournalService
from tests.factories import MONDAY, TODAY
from tests.flows.conftest import plain
from ui.callbacks import ControlCB

EVERYTHING = "посещаемость, тема, задание"
PLAN_BUTTONS = ("Выполнение программы", "Темы не по плану")  # J-14: tests/flows/test_plan_flow.py


async def keep_some_lessons(sessions, clock, school) -> None:
    """Math: Monday's lesson complete, today's with attendance only; Russian in 5А: three marks for Alekseev."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])
        monday = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
        await journal.save_attendance(math, monday.lesson_id, [])
        await journal.set_topic(math, monday.lesson_id, "§1. Тема 1")
        await journal.set_homework(math, monday.lesson_id, "№ 12, 14")
        today = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
        await journal.save_attendance(math, today.lesson_id, [])
        russian = await load_actor(session, school.staff["russian"])
        for weeks in range(3):
            lesson = await journal.open_lesson(russian, school.assignments["rus5A"], TODAY - timedelta(weeks=weeks), 1)
            await journal.add_marks(
                russian, lesson.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)]
            )


SCHEDULE_RULE = (
    "Ожидается к сегодняшнему дню: минимум отметок для объективной отметки за период, умноженный на долю "
    "уже прошедших уроков периода, с округлением вверх; в последнюю неделю периода — весь минимум."
)


async def test_deputy_sees_a_short_summary_and_opens_each_list_REP_3_PER_4(bot_world, linked, clock):
    """A phone's screen: how many lessons lack what, how many subjects are behind the schedule of marks; each
    list a tap away."""
    school, sessions = bot_world
    await keep_some_lessons(sessions, clock, school)
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Контроль журнала")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: вся школа\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Уроки без посещаемости, темы или задания: 7\n"
        "Не заполнено: посещаемость — 6, тема — 7, задание — 7\n"
        "5 учителей\n"
        "\n"
        "Отстают от графика отметок, 2 четверть: 5 предметов\n" + SCHEDULE_RULE
    )
    assert deputy.buttons() == [
        "Уроки по учителям (7)",
        "Отстают от графика (5)",
        *PLAN_BUTTONS,
        "◀ Прошлая неделя",
        "Выбрать класс",
    ]

    await deputy.tap("Уроки по учителям (7)")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: вся школа\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Уроки без посещаемости, темы или задания: 7\n"
        "\n"
        "Белова А. С. — 1\n"
        f"• 24 нояб., 3-й урок, 5А (Англ. 1), Английский язык: {EVERYTHING}\n"
        "\n"
        "Кузнецов О. П. — 2\n"
        f"• 24 нояб., 1-й урок, 5А, Русский язык: {EVERYTHING}\n"
        f"• 24 нояб., 2-й урок, 5Б, Математика: {EVERYTHING}\n"
        "\n"
        "Орлов И. А. — 1\n"
        f"• 24 нояб., 3-й урок, 5А (Англ. 2), Английский язык: {EVERYTHING}\n"
        "\n"
        "Смирнова Е. В. — 1\n"
        "• 24 нояб., 2-й урок, 5А, Математика: тема, задание\n"
        "\n"
        "Соколова М. И. — 2\n"
        f"• 23 нояб., 1-й урок, 1А, Литературное чтение: {EVERYTHING}\n"
        f"• 24 нояб., 1-й урок, 1А, Литературное чтение: {EVERYTHING}"
    )
    assert deputy.buttons() == ["◀ Сводка"]
    await deputy.tap("◀ Сводка")
    await deputy.tap("Отстают от графика (5)")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: вся школа\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Отстают от графика отметок, 2 четверть: 5 предметов\n" + SCHEDULE_RULE + "\n"
        "\n"
        "• 5А, Английский язык (Англ. 1): к сегодняшнему дню ожидается 2 из 5; отстают: 2 из 2\n"
        "• 5А, Английский язык (Англ. 2): к сегодняшнему дню ожидается 2 из 5; отстают: 2 из 2\n"
        "• 5А, Математика: к сегодняшнему дню ожидается 6 из 14; отстают: 4 из 4\n"
        "• 5А, Русский язык: к сегодняшнему дню ожидается 2 из 3; отстают: 3 из 4\n"
        "• 5Б, Математика: к сегодняшнему дню ожидается 4 из 8; отстают: 2 из 2"
    )
    await deputy.tap("◀ Сводка")

    await deputy.tap("◀ Прошлая неделя")
    text = plain(deputy.last_text())
    assert text.startswith(
        "Контроль журнала: вся школа\nНеделя 16 нояб. – 22 нояб.\n\nУроки без посещаемости, темы или задания: 17\n"
    )
    assert deputy.buttons() == [
        "Уроки по учителям (17)",
        "Отстают от графика (5)",
        *PLAN_BUTTONS,
        "◀ Прошлая неделя",
        "Следующая неделя ▶",
        "Выбрать класс",
    ]
    await deputy.tap("Следующая неделя ▶")
    assert plain(deputy.last_text()).startswith("Контроль журнала: вся школа\nНеделя 23 нояб. – 24 нояб.\n")

    await deputy.tap("Выбрать класс")
    assert deputy.last_text() == "Контроль журнала: выберите класс."
    assert deputy.buttons() == ["Вся школа", "1А", "5А", "5Б"]
    await deputy.tap("5Б")
    assert plain(deputy.last_text()) == (
        "Контроль журнала: 5Б\n"
        "Неделя 23 нояб. – 24 нояб.\n"
        "\n"
        "Уроки без посещаемости, темы или задания: 1\n"
        "Не заполнено: посещаемость — 1, тема — 1, задание — 1\n"
        "1 учитель\n"
        "\n"
        "Отстают от графика отметок, 2 четверть: 1 предмет\n" + SCHEDULE_RULE
    )
    assert deputy.buttons() == [
        "Уроки по учителям (1)",
        "Отстают от графика (1)",
        *PLAN_BUTTONS,
        "◀ Прошлая неделя",
        "Выбрать класс",
        "Вся школа",
    ]
    await deputy.tap("Отстают от графика (1)")
    assert plain(deputy.last_text()).endswith(
        "• 5Б, Математика — Кузнецов О. П.: к сегодняшнему дню ожидается 4 из 8; отстают: 2 из 2"
    )
    await deputy.tap("◀ Сводка")
    await deputy.tap("Вся школа")
    assert deputy.last_text().startswith("Контроль журнала: вся школа\n")


async def test_marks_are_judged_against_the_part_of_the_period_held_and_the_whole_minimum_in_its_last_week_PER_4(
    bot_world, linked, clock
):
    """Russian in 5А asks for 3 marks in the quarter; two by 24 November are on schedule, not in its last week."""
    school, sessions = bot_world
    async with sessions() as session:
        journal = JournalService(session, clock)
        russian = await load_actor(session, school.staff["russian"])
        for weeks in range(2):
            lesson = await journal.open_lesson(russian, school.assignments["rus5A"], TODAY - timedelta(weeks=weeks), 1)
            await journal.add_marks(
                russian,
                lesson.lesson_id,
                school.work_types["answer"],
                [(school.students[key], 5) for key in ("alekseev", "borisova", "vasiliev", "grigorieva")],
            )
    deputy = await linked(school.staff["deputy"])
    await deputy.send("/control")
    await deputy.tap("Отстают от графика (4)")
    assert "Русский язык" not in deputy.last_text()  # two of three, with less than two thirds of the quarter held

    clock.at(TODAY.replace(month=12, day=22))  # the quarter ends on 28 December: the whole minimum is due
    await deputy.send("/control")
    await deputy.tap("Отстают от графика (5)")
    assert "• 5А, Русский язык: к сегодняшнему дню ожидается 3 из 3; отстают: 4 из 4" in plain(deputy.last_text())


async def test_the_administrator_has_the_report_too_ROLE_2(bot_world, linked):
    school, _sessions = bot_world
    admin = await linked(school.staff["admin"])
    await admin.send("/control")
    assert plain(admin.last_text()).startswith(
        "Контроль журнала: вся школа\nНеделя 23 нояб. – 24 нояб.\n\nУроки без посещаемости, темы или задания: 8\n"
    )


async def test_a_teacher_gets_no_report_and_forged_buttons_are_refused_ROLE_2(bot_world, linked):
    school, _sessions = bot_world
    for key in ("math", "russian"):  # a teacher, and a class teacher
        teacher = await linked(school.staff[key])
        assert "Контроль журнала" not in teacher.keyboard()
        await teacher.send("/control")
        assert teacher.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
        answer = await teacher.tap_raw(ControlCB(cls=school.classes["5А"]).pack())
        assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    deputy = await linked(school.staff["deputy"])
    await deputy.send("/control")
    for forged, reason in (
        (ControlCB(week="2026-13-01"), "В кнопке нет правильной даты. Отправьте команду ещё раз."),
        (ControlCB(week=(TODAY + timedelta(days=6)).isoformat()), "Эта неделя ещё не началась."),
        (ControlCB(cls=999), "Такого класса нет."),
    ):
        answer = await deputy.tap_raw(forged.pack())
        assert (answer["text"], answer["show_alert"]) == (reason, True)
