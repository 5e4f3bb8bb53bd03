"""/marks end to end: the period's marks by subject with dates and work types, both averages and the change
against the previous period (DIA-1, J-5), the period mark (PER-2), "what is needed" for a period mark
(PER-3, DIA-4), earlier periods (PER-1), a parent of two children in different classes, a forged button for
another family's child (ACC-2), English, and a long report split rather than cut."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select

from services.access import load_actor
from services.journal import JournalService
from services.models import Assignment, Subject, TimetableEntry
from services.period_marks import PeriodMarkService
from tests.factories import LAST_TUESDAY, MONDAY, TODAY, open_lesson
from tests.flows.conftest import TOKEN
from ui.callbacks import MarkGoalCB, MarksPeriodCB

Q1_MONDAY, Q1_TUESDAY = date(2026, 10, 19), date(2026, 10, 20)


async def give_marks(
    sessions, clock, school, staff: str, assignment: str, day: date, number: int, marks: list[tuple[str, str, int]]
) -> None:
    """The teacher marks the lesson: (student, work type, value), one journal entry each."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher, lesson = await open_lesson(journal, school, staff, assignment, day, number)
        for student, work_type, value in marks:
            await journal.add_marks(
                teacher, lesson.lesson_id, school.work_types[work_type], [(school.students[student], value)]
            )


async def a_term_of_marks(sessions, clock, school) -> None:
    """Артём (5А): math in both quarters with a period mark for the first; Russian in the second; no English.
    Ксения (5Б): one 5 in math."""
    clock.at(Q1_TUESDAY)  # the first quarter, while its lessons are still open (J-9)
    await give_marks(sessions, clock, school, "math", "math5A", Q1_MONDAY, 1, [("alekseev", "answer", 4)])
    await give_marks(
        sessions, clock, school, "math", "math5A", Q1_TUESDAY, 2, [("alekseev", "answer", 3), ("alekseev", "test", 5)]
    )
    async with sessions() as session:
        await PeriodMarkService(session, clock).set_mark(
            await load_actor(session, school.staff["math"]),
            school.assignments["math5A"],
            school.q1,
            school.students["alekseev"],
            4,
        )
    clock.at(TODAY)
    await give_marks(
        sessions, clock, school, "math", "math5A", MONDAY, 1, [("alekseev", "answer", 4), ("alekseev", "test", 5)]
    )
    await give_marks(
        sessions,
        clock,
        school,
        "russian",
        "rus5A",
        LAST_TUESDAY,
        1,
        [("alekseev", "answer", 3), ("alekseev", "answer", 2)],
    )
    await give_marks(sessions, clock, school, "russian", "rus5A", TODAY, 1, [("alekseev", "test", 4)])
    await give_marks(sessions, clock, school, "russian", "math5B", TODAY, 2, [("alekseeva", "answer", 5)])


def button_rows(user) -> list[list[str]]:
    markup = user.emulator.last_message(TOKEN, user.id).get("reply_markup") or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


async def subject_id(sessions, name: str) -> int:
    async with sessions() as session:
        return await session.scalar(select(Subject.id).where(Subject.name == name))


# By hand. Math, 2nd quarter: 4 (weight 1), 5 (weight 2): simple 9/2 = 4.50, weighted 14/3 = 4.67;
# 1st quarter: 4, 3 (weight 1), 5 (weight 2): simple 12/3 = 4.00, weighted 17/4 = 4.25, so ▲ 4.67 - 4.25 = 0.42.
# Russian: 3, 2 (weight 1), 4 (weight 2): simple 9/3 = 3.00, weighted 13/4 = 3.25.
ARTYOM_Q2 = (
    "Оценки: Артём Алексеев, 5А\n"
    "2 четверть (5 нояб. – 28 дек.)\n"
    "\n"
    "Английский язык — оценок пока нет\n"
    "Математика — 4,67 (2 оценки)\n"
    "Русский язык — 3,25 (3 оценки)\n"
    "\n"
    "Средние баллы — взвешенные. Нажмите на предмет, чтобы увидеть его оценки и что нужно для оценки за период."
)
ARTYOM_Q2_MATH = (
    "Математика\n"
    "Артём Алексеев, 5А · 2 четверть (5 нояб. – 28 дек.)\n"
    "\n"
    "23 нояб.: 4 (Ответ на уроке), 5 (Контрольная работа, вес 2)\n"
    "Средний балл 4,50, взвешенный 4,67 · ▲ 0,42 к прошлому периоду (4,25)\n"
    "\n"
    "Что нужно для оценки за период?\n"
    "На какую оценку за 2 четверть вы рассчитываете?"
)
GOALS = ["«3» ≥ 2,50", "«4» ≥ 3,50", "«5» ≥ 4,50"]


async def test_marks_summary_first_and_a_subject_on_a_tap_DIA_1_J_5(bot_world, clock, linked):
    """/marks is a short summary (subject — weighted average (count), the period mark); a tap on a subject shows
    its marks by date with work types and weights, averages and the change, in the same message; and back."""
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Оценки")
    assert mother.last_text() == ARTYOM_Q2
    assert button_rows(mother) == [
        ["Английский язык", "Математика"],
        ["Русский язык"],
        ["📊 Табель и динамика"],  # the student's reports (REP-1)
        ["1 четверть", "✓ 2 четверть"],
    ]
    count = len(mother.texts())

    await mother.tap("Математика")
    assert mother.last_text() == ARTYOM_Q2_MATH
    assert button_rows(mother) == [GOALS, ["← Все предметы"]]
    await mother.tap("← Все предметы")
    assert mother.last_text() == ARTYOM_Q2

    await mother.tap("1 четверть")  # PER-1, PER-2: the first quarter, with its period mark
    assert mother.last_text() == (
        "Оценки: Артём Алексеев, 5А\n"
        "1 четверть (1 сент. – 24 окт.)\n"
        "\n"
        "Английский язык — оценок пока нет\n"
        "Математика — 4,25 (3 оценки), за период: 4\n"
        "Русский язык — оценок пока нет\n"
        "\n"
        "Средние баллы — взвешенные. Нажмите на предмет, чтобы увидеть его оценки и что нужно для оценки за период."
    )
    assert mother.buttons()[-2:] == ["✓ 1 четверть", "2 четверть"]
    await mother.tap("Математика")
    assert mother.last_text() == (
        "Математика\n"
        "Артём Алексеев, 5А · 1 четверть (1 сент. – 24 окт.)\n"
        "\n"
        "19 окт.: 4 (Ответ на уроке)\n"
        "20 окт.: 3 (Ответ на уроке), 5 (Контрольная работа, вес 2)\n"
        "Средний балл 4,00, взвешенный 4,25\n"
        "Оценка за 1 четверть: 4\n"
        "\n"
        "Что нужно для оценки за период?\n"
        "На какую оценку за 1 четверть вы рассчитываете?"
    )
    await mother.tap("← Все предметы")  # back to the quarter it came from
    assert mother.buttons()[-2:] == ["✓ 1 четверть", "2 четверть"]
    assert len(mother.texts()) == count  # one message all along, edited in place


async def test_what_is_needed_for_a_period_mark_PER_3(bot_world, clock, linked):
    """Russian, weighted 13/4 = 3.25. For «5» (4.50): (13 + 5n)/(4 + n) >= 4.5 -> n >= 10; 4s never reach it.
    For «4» (3.50): (13 + 5n)/(4 + n) >= 3.5 -> n >= 2/3 -> 1; (13 + 4n)/(4 + n) >= 3.5 -> n >= 2."""
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/marks")
    count = len(mother.texts())
    await mother.tap("Русский язык")
    marks = (
        "Русский язык\n"
        "Артём Алексеев, 5А · 2 четверть (5 нояб. – 28 дек.)\n"
        "\n"
        "17 нояб.: 3 (Ответ на уроке), 2 (Ответ на уроке)\n"
        "24 нояб.: 4 (Контрольная работа, вес 2)\n"
        "Средний балл 3,00, взвешенный 3,25\n"
        "\n"
        "Что нужно для оценки за период?\n"
    )
    assert mother.last_text() == marks + "На какую оценку за 2 четверть вы рассчитываете?"
    assert mother.buttons() == [*GOALS, "← Все предметы"]

    await mother.tap("«5» ≥ 4,50")
    assert mother.last_text() == marks + (
        "Для «5» нужен средний балл 4,50 или выше:\n"
        "• ещё 10 оценок «5»\n"
        "\n"
        "Каждая новая оценка считается с весом 1; оценку за период выставляет учитель."
    )
    assert mother.buttons() == ["«3» ≥ 2,50", "«4» ≥ 3,50", "✓ «5» ≥ 4,50", "← Все предметы"]
    await mother.tap("«4» ≥ 3,50")
    assert (
        "Для «4» нужен средний балл 3,50 или выше:\n• ещё 1 оценка «5»\n• или ещё 2 оценки «4»\n" in mother.last_text()
    )
    await mother.tap("«3» ≥ 2,50")
    assert mother.last_text().endswith("Это уже «3»: средний балл от 2,50 округляется до неё.")
    answer = await mother.tap("✓ «3» ≥ 2,50")  # the same again: nothing to change, and no error
    assert not answer.get("show_alert")
    assert len(mother.texts()) == count  # answered by editing the one message in place
    await mother.tap("← Все предметы")
    assert mother.last_text() == ARTYOM_Q2

    await mother.tap("Английский язык")  # no marks yet: one 5 or one 4 make a «4»
    await mother.tap("«4» ≥ 3,50")
    assert mother.last_text().startswith(
        "Английский язык\nАртём Алексеев, 5А · 2 четверть (5 нояб. – 28 дек.)\n\n"
        "Оценок пока нет.\n\nЧто нужно для оценки за период?\n"
        "Для «4» нужен средний балл 3,50 или выше:\n"
        "• ещё 1 оценка «5»\n• или ещё 1 оценка «4»\n"
    )


async def test_after_switch_the_other_childs_marks_ACC_2(bot_world, clock, linked):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Сменить профиль")
    await mother.tap("Ксения, 5Б")
    await mother.press("Оценки")
    assert mother.last_text() == (
        "Оценки: Ксения Алексеева, 5Б\n"
        "2 четверть (5 нояб. – 28 дек.)\n"
        "\n"
        "Математика — 5,00 (1 оценка)\n"
        "\n"
        "Средние баллы — взвешенные. Нажмите на предмет, чтобы увидеть его оценки и что нужно для оценки за период."
    )
    await mother.tap("Математика")
    assert "24 нояб.: 5 (Ответ на уроке)\nСредний балл 5,00, взвешенный 5,00\n" in mother.last_text()
    await mother.tap("«5» ≥ 4,50")
    assert mother.last_text().endswith("Это уже «5»: средний балл от 4,50 округляется до неё.")


async def test_forged_buttons_for_another_familys_child_are_refused_and_logged_ACC_2(bot_world, clock, linked, caplog):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    await give_marks(sessions, clock, school, "russian", "rus5A", TODAY, 1, [("borisova", "answer", 5)])
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/marks")
    shown = mother.emulator.messages(TOKEN, mother.id)
    rus = await subject_id(sessions, "Русский язык")
    forged = [
        MarkGoalCB(student=school.students["borisova"], period=school.q2, subject=rus, mark=5).pack(),
        MarkGoalCB(student=school.students["borisova"], period=school.q2, subject=rus).pack(),
        MarksPeriodCB(student=school.students["borisova"], period=school.q1).pack(),
    ]
    for data in forged:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
            answer = await mother.tap_raw(data)
        assert (answer["text"], answer["show_alert"]) == ("Вы видите только своих детей.", True)
        assert any("student.not_yours" in r.getMessage() for r in caplog.records)
    assert mother.emulator.messages(TOKEN, mother.id) == shown  # nothing sent, nothing edited
    assert all(
        int(c["chat_id"]) != mother.id or "Борисова" not in c.get("text", "")
        for c in mother.emulator.calls(TOKEN, "sendMessage")
    )

    # Her own child, but a subject he does not study (1А's reading): refused too.
    reading = await subject_id(sessions, "Литературное чтение")
    answer = await mother.tap_raw(
        MarkGoalCB(student=school.students["alekseev"], period=school.q2, subject=reading).pack()
    )
    assert (answer["text"], answer["show_alert"]) == ("У ученика нет такого предмета.", True)
    assert mother.emulator.messages(TOKEN, mother.id) == shown


async def test_marks_in_english(bot_world, clock, linked):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"], language_code="en")
    await mother.press("Marks")
    assert mother.last_text() == (
        "Marks: Артём Алексеев, 5А\n"
        "2 четверть (5 Nov – 28 Dec)\n"
        "\n"
        "Английский язык — no marks yet\n"
        "Математика — 4.67 (2 marks)\n"
        "Русский язык — 3.25 (3 marks)\n"
        "\n"
        "Weighted averages. Tap a subject for its marks and what is needed for a period mark."
    )
    await mother.tap("Математика")
    assert mother.last_text() == (
        "Математика\n"
        "Артём Алексеев, 5А · 2 четверть (5 Nov – 28 Dec)\n"
        "\n"
        "23 Nov: 4 (Answer in class), 5 (Test, weight 2)\n"
        "Average 4.50, weighted 4.67 · ▲ 0.42 against the previous period (4.25)\n"
        "\n"
        "What is needed for a period mark?\n"
        "Which mark for 2 четверть do you aim at?"
    )
    await mother.tap("← All subjects")
    await mother.tap("1 четверть")
    assert "Математика — 4.25 (3 marks), period mark: 4\n" in mother.last_text()
    await mother.tap("2 четверть")
    await mother.tap("Русский язык")
    await mother.tap("«4» ≥ 3.50")
    assert mother.last_text().endswith(
        "What is needed for a period mark?\n"
        "«4» needs an average of 3.50 or more:\n"
        "• 1 more mark of 5\n"
        "• or 2 more marks of 4\n"
        "\n"
        "Each new mark is counted with weight 1; the period mark is set by the teacher."
    )


async def test_many_subjects_one_short_summary_and_each_subject_whole_on_a_tap(bot_world, clock, linked):
    """15 subjects with 16 marks each were a report far over 4,096 characters, split in several messages: now the
    summary is one short message, and each subject's sixteen marks are in the screen a tap on it opens."""
    school, sessions = bot_world
    async with sessions() as session:
        for i in range(12):
            subject = Subject(school_id=school.school_id, name=f"Предмет {i + 1:02d}")
            session.add(subject)
            await session.flush()
            a = Assignment(
                school_id=school.school_id,
                teacher_id=school.staff["math"],
                class_id=school.classes["5А"],
                subject_id=subject.id,
                hours_per_week=1,
            )
            session.add(a)
            await session.flush()
            school.assignments[f"extra{i}"] = a.id
            session.add(
                TimetableEntry(assignment_id=a.id, weekday=i % 5, lesson_number=4 + i // 5, valid_from=date(2026, 9, 1))
            )
        await session.commit()
    for i in range(12):  # last week's lesson of each, with sixteen marks (J-6: several a day are allowed)
        await give_marks(
            sessions,
            clock,
            school,
            "math",
            f"extra{i}",
            MONDAY - timedelta(days=7 - i % 5),
            4 + i // 5,
            [("alekseev", "answer", 2 + (i + n) % 4) for n in range(16)],
        )
    mother = await linked(school.parents["alekseeva_mother"])
    before = len(mother.texts())
    await mother.send("/marks")
    [summary] = mother.texts()[before:]
    lines = summary.split("\n\n")[1].splitlines()
    assert len(lines) == 15 and len(summary) < 1500
    assert lines[0] == "Английский язык — оценок пока нет"
    assert all(line.startswith("Предмет") and line.endswith("(16 оценок)") for line in lines[2:14])
    assert len(mother.buttons()) == 15 + 1 + 2  # subjects, «📊» (REP-1), then the two quarters
    await mother.tap("Предмет 07")
    assert mother.last_text().count("(Ответ на уроке)") == 16
    assert len(mother.texts()) == before + 1
