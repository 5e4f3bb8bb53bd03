"""/diary end to end (DIA-1): a child's day with times, topics, homework, «не задано» only where the teacher said so
and «ещё не внесено» where nothing was entered yet (J-3), marks with
their work types (J-5) and absences with their reasons (J-12, ABS-2); one message edited in place; a date
picker; weekends and holidays (PER-1); only one's own children, at any hour (ACC-1, ACC-2, DIA-2); long days
split into several messages, never cut off."""

from __future__ import annotations

import logging

from sqlalchemy import select

from services.absences import AbsenceService
from services.access import load_actor
from services.journal import JournalService
from services.models import Absence, AbsenceReason
from tests.factories import MONDAY, TODAY, open_lesson
from tests.flows.conftest import TOKEN
from ui.callbacks import DiaryCB, DiaryMonthCB

ARTYOM_TODAY = """Дневник: Артём, 5А
Вторник, 24 ноября, сегодня

1. 09:00–09:45 Русский язык
Д/з: ещё не внесено
Пропуск (ОТ): по болезни

2. 10:00–10:45 Математика
Д/з: не задано
К уроку: №12, с. 30

3. 11:00–11:45 Английский язык
Д/з: ещё не внесено"""


async def keep_journal(bot_world, clock) -> None:
    """Monday and Tuesday as the teachers keep them, through the same services the teachers' bot uses."""
    school, sessions = bot_world
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])  # also 5А's class teacher
        russian = await load_actor(session, school.staff["russian"])  # teaches 5А Russian and 5Б math
        mon = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
        await journal.set_topic(math, mon.lesson_id, "Дроби")
        await journal.set_homework(math, mon.lesson_id, "№12, с. 30")  # due on Tuesday's math
        await journal.add_marks(math, mon.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 4)])
        await journal.add_marks(math, mon.lesson_id, school.work_types["test"], [(school.students["alekseev"], 5)])
        tue = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
        await journal.set_homework(math, tue.lesson_id, None)  # J-3: «не задано», said by the teacher
        rus = await journal.open_lesson(russian, school.assignments["rus5A"], TODAY, 1)
        await journal.save_attendance(russian, rus.lesson_id, [school.students["alekseev"]])  # J-12: «ОТ» only
        absence_id = await session.scalar(select(Absence.id).where(Absence.lesson_id == rus.lesson_id))
        await AbsenceService(session, clock).set_reason(math, absence_id, AbsenceReason.ILLNESS)  # ABS-2
        other = await journal.open_lesson(russian, school.assignments["math5B"], TODAY, 2)
        await journal.set_topic(russian, other.lesson_id, "Уравнения")
        await journal.add_marks(
            russian, other.lesson_id, school.work_types["test"], [(school.students["alekseeva"], 3)]
        )


def screen(user) -> dict:
    return user.emulator.last_message(TOKEN, user.id)


def bot_messages(user) -> int:
    return len(user.emulator.messages(TOKEN, user.id))


async def test_parent_of_two_sees_each_childs_day_after_switching_DIA_1_ACC_2(bot_world, linked, clock):
    school, _ = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Дневник")
    assert mother.last_text() == ARTYOM_TODAY
    assert mother.buttons() == [
        "◀ пн, 23 нояб.",
        "ср, 25 нояб. ▶",
        "◀◀ Неделя назад",
        "Неделя вперёд ▶▶",
        "📅 Выбрать дату",
    ]  # no «Сегодня»: it is today already
    await mother.send("/switch")
    await mother.tap("Ксения, 5Б")
    await mother.send("/diary")
    assert (
        mother.last_text()
        == """Дневник: Ксения, 5Б
Вторник, 24 ноября, сегодня

2. 10:00–10:45 Математика
Тема: Уравнения
Д/з: ещё не внесено
Оценка: 3 (Контрольная работа)"""
    )


async def test_the_diary_answers_at_night_as_by_day_DIA_2(bot_world, linked, clock):
    """Quiet hours (21:00–08:00) hold pushes, not the diary: a parent asking at 03:00 gets the day at once."""
    school, _ = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"])
    clock.at(TODAY, hour=3)
    await mother.press("Дневник")
    assert mother.last_text() == ARTYOM_TODAY


async def test_navigation_edits_the_one_message_in_place(bot_world, linked, clock):
    school, _ = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    diary_id, count = screen(mother)["message_id"], bot_messages(mother)

    await mother.tap("◀ пн, 23 нояб.")
    assert screen(mother)["message_id"] == diary_id and bot_messages(mother) == count
    assert (
        mother.last_text()
        == """Дневник: Артём, 5А
Понедельник, 23 ноября

1. 09:00–09:45 Математика
Тема: Дроби
Д/з к 24 нояб.: №12, с. 30
Оценки: 4 (Ответ на уроке), 5 (Контрольная работа)"""
    )
    assert "Сегодня" in mother.buttons()

    await mother.tap("Неделя вперёд ▶▶")
    assert mother.last_text().startswith("Дневник: Артём, 5А\nПонедельник, 30 ноября\n\n1. 09:00–09:45 Математика")
    assert "Д/з" not in mother.last_text()  # a lesson still to come: its homework is not due to be set yet
    await mother.tap("Сегодня")
    assert mother.last_text() == ARTYOM_TODAY
    assert screen(mother)["message_id"] == diary_id and bot_messages(mother) == count
    assert screen(mother).get("edit_date")


async def test_a_double_tap_is_not_an_error(bot_world, linked):
    """The same day asked again leaves the message as it is and says nothing alarming."""
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    before = screen(mother)
    answer = await mother.tap_raw(DiaryCB(student=school.students["alekseev"], day="today").pack())
    assert not answer["show_alert"] and answer["text"] is None
    # The same text and buttons (MAX takes the same edit and marks it edited; Telegram refuses it as not modified).
    assert (screen(mother)["text"], screen(mother)["reply_markup"]) == (before["text"], before["reply_markup"])


async def test_date_picker_weekend_and_holiday_PER_1(bot_world, linked):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    diary_id, text, count = screen(mother)["message_id"], mother.last_text(), bot_messages(mother)

    answer = await mother.tap("📅 Выбрать дату")
    assert answer["text"] == "Выберите день."
    assert mother.last_text() == text  # the day stays in view while picking
    buttons = mother.buttons()
    assert buttons[:10] == ["◀", "Ноябрь 2026", "▶", "пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    assert "[24]" in buttons and "30" in buttons and "31" not in buttons
    assert buttons[-2:] == ["↩ Назад", "Сегодня"]
    assert (await mother.tap("Ноябрь 2026"))["text"] is None  # the title only shows

    await mother.tap("28")
    assert mother.last_text() == "Дневник: Артём, 5А\nСуббота, 28 ноября\n\nВыходной: уроков нет."
    await mother.tap("вс, 29 нояб. ▶")
    assert mother.last_text().endswith("Воскресенье, 29 ноября\n\nВыходной: уроков нет.")

    await mother.tap("📅 Выбрать дату")
    await mother.tap("▶")
    assert "Декабрь 2026" in mother.buttons()
    await mother.tap("30")
    assert mother.last_text() == "Дневник: Артём, 5А\nСреда, 30 декабря\n\nЗимние каникулы: уроков нет."
    await mother.tap("📅 Выбрать дату")
    await mother.tap("↩ Назад")
    assert mother.last_text().endswith("Среда, 30 декабря\n\nЗимние каникулы: уроков нет.")
    assert screen(mother)["message_id"] == diary_id and bot_messages(mother) == count


async def test_student_sees_their_own_diary_ACC_1(bot_world, linked, clock):
    school, _ = bot_world
    await keep_journal(bot_world, clock)
    artyom = await linked(school.student_persons["alekseev"])
    await artyom.press("Дневник")
    assert artyom.last_text() == ARTYOM_TODAY
    answer = await artyom.tap_raw(DiaryCB(student=school.students["alekseeva"], day=TODAY.isoformat()).pack())
    assert answer["text"] == "Вы видите только своих детей." and answer["show_alert"]  # not even his sister's
    assert artyom.last_text() == ARTYOM_TODAY


async def test_forged_child_of_another_family_is_refused_and_logged_ACC_2_DIA_2(bot_world, linked, caplog):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    before = screen(mother)
    for forged in (
        DiaryCB(student=school.students["borisova"], day=TODAY.isoformat()),
        DiaryCB(student=school.students["borisova"], day="today"),
        DiaryMonthCB(student=school.students["borisova"], month="2026-11", day=TODAY.isoformat()),
    ):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
            answer = await mother.tap_raw(forged.pack())
        assert answer["text"] == "Вы видите только своих детей."
        assert answer["show_alert"] is True
        assert screen(mother) == before  # nothing shown, nothing edited
        assert any("student.not_yours" in r.getMessage() for r in caplog.records)


async def test_a_broken_date_in_a_button_is_refused_not_a_crash(bot_world, linked, caplog):
    school, _ = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")
    before = screen(mother)
    artyom = school.students["alekseev"]
    for data in (
        f"diary:{artyom}:2026-02-30",
        f"diary:{artyom}:tomorrow",
        f"diary:{artyom}:1900-01-01",
        f"diarym:{artyom}:2026-13:2026-11-24",
        f"diarym:{artyom}:2026-11:0",
    ):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
            answer = await mother.tap_raw(data)
        assert answer["text"] == "В кнопке нет правильной даты. Отправьте команду ещё раз.", data
        assert answer["show_alert"] is True
        assert screen(mother) == before
        assert any("diary.bad_date" in r.getMessage() for r in caplog.records)


async def test_english_dates_and_buttons(bot_world, linked, clock):
    school, _ = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"], language_code="en")
    await mother.send("/diary")
    assert (
        mother.last_text()
        == """Diary: Артём, 5А
Tuesday, 24 November, today

1. 09:00–09:45 Русский язык
Homework: not entered yet
Absent: illness

2. 10:00–10:45 Математика
Homework: not set
For this lesson: №12, с. 30

3. 11:00–11:45 Английский язык
Homework: not entered yet"""
    )
    assert mother.buttons() == ["◀ Mon, 23 Nov", "Wed, 25 Nov ▶", "◀◀ A week back", "A week ahead ▶▶", "📅 Pick a date"]
    await mother.tap("◀ Mon, 23 Nov")
    assert "Homework for 24 Nov: №12, с. 30" in mother.last_text()
    assert "Marks: 4 (Answer in class), 5 (Test)" in mother.last_text()
    await mother.tap("📅 Pick a date")
    assert mother.buttons()[:5] == ["◀", "November 2026", "▶", "Mo", "Tu"]


async def test_a_day_too_long_for_one_message_comes_whole_and_moves_in_place(bot_world, linked, clock):
    """Longer than one message: three long homeworks (J-4 allows 3,000 characters each) make three messages; the buttons
    under the last still move the whole screen: a short day edits the first and drops the rest."""
    school, sessions = bot_world
    homework = {}
    async with sessions() as session:
        journal = JournalService(session, clock)
        for key, number, teacher in (("rus5A", 1, "russian"), ("math5A", 2, "math"), ("eng5A1", 3, "eng1")):
            actor, lesson = await open_lesson(journal, school, teacher, key, TODAY, number)
            homework[key] = " ".join(f"{key}-упр.{i}" for i in range(230))[:2990]
            await journal.set_homework(actor, lesson.lesson_id, homework[key])
    mother = await linked(school.parents["alekseeva_mother"])
    before = bot_messages(mother)
    await mother.send("/diary", replies=3)
    assert bot_messages(mother) == before + 3
    texts = mother.texts()[-3:]
    assert all(len(t) <= 4096 for t in texts)
    joined = "\n".join(texts)
    assert all(text in joined for text in homework.values())
    assert mother.buttons()  # under the last message
    first_id = mother.emulator.messages(TOKEN, mother.id)[-3]["message_id"]

    await mother.tap("◀ пн, 23 нояб.")
    assert bot_messages(mother) == before + 1
    assert screen(mother)["message_id"] == first_id
    assert mother.last_text().startswith("Дневник: Артём, 5А\nПонедельник, 23 ноября")

    await mother.tap("вт, 24 нояб. ▶")
    assert bot_messages(mother) == before + 3
    assert mother.emulator.messages(TOKEN, mother.id)[-3]["message_id"] == first_id
    assert "\n".join(mother.texts()[-3:]) == joined
