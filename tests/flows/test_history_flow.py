"""The journal's history end to end (DATA-3): the deputy director opens a student's and a lesson's history from the
menu, in people's words and the school's time, a page at a time; a teacher opens their own lesson's history from its
card; refusals for a forged id (ACC-3, ROLE-2)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update

from services.access import load_actor
from services.journal import JournalService
from services.models import AuditEntry
from tests.factories import TODAY
from tests.flows.conftest import open_card, plain
from ui.callbacks import HistoryCB, HistoryView, LessonHistoryCB

AT = datetime(2026, 11, 24, 11, 5, tzinfo=UTC)  # 14:05 in Moscow


async def keep_math(sessions, clock, school, changes: int = 1) -> int:
    """Today's math lesson 2 in 5А: Alekseev 4, changed to 5 (and back and forth `changes` times), Vasiliev absent;
    every entry stamped 14:05 by the school's clock."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])
        view = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
        [mark] = await journal.add_marks(
            math, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 4)]
        )
        for n in range(changes):
            await journal.change_mark(math, mark, 5 if n % 2 == 0 else 4)
        await journal.save_attendance(math, view.lesson_id, [school.students["vasiliev"]])
        await session.execute(update(AuditEntry).values(at=AT))
        await session.commit()
        return view.lesson_id


async def test_deputy_reads_a_students_and_a_lessons_history_DATA_3(bot_world, linked, clock):
    school, sessions = bot_world
    await keep_math(sessions, clock, school)
    deputy = await linked(school.staff["deputy"])
    await deputy.press("История изменений")
    assert deputy.last_text() == "История изменений в журнале: выберите класс."
    await deputy.tap("5А")
    assert "👤 Алексеев Артём" in deputy.buttons() and "📘 Математика" in deputy.buttons()
    await deputy.tap("👤 Алексеев Артём")
    assert plain(deputy.last_text()) == (
        "История изменений: Алексеев Артём, 5А\n"
        "\n"
        "24.11 14:05 · Смирнова Е. В.: отметка 4 → 5 (Математика, 24 нояб., ответ на уроке)\n"
        "24.11 14:05 · Смирнова Е. В.: отметка 4 (Математика, 24 нояб., ответ на уроке)\n"
        "\n"
        "Страница 1, сначала новые."
    )
    assert deputy.buttons() == ["◀ Класс"]
    await deputy.tap("◀ Класс")
    await deputy.tap("📘 Математика")
    await deputy.tap("24 нояб., 2-й урок")
    assert plain(deputy.last_text()) == (
        "История изменений: Математика, 5А\n"
        "Вторник, 24 ноября, 2-й урок\n"
        "\n"
        "24.11 14:05 · Смирнова Е. В.: посещаемость: ОТ (Васильев Глеб)\n"
        "24.11 14:05 · Смирнова Е. В.: отметка 4 → 5 (Алексеев Артём, ответ на уроке)\n"
        "24.11 14:05 · Смирнова Е. В.: отметка 4 (Алексеев Артём, ответ на уроке)\n"
        "\n"
        "Страница 1, сначала новые."
    )


async def test_pages_of_fifteen_back_and_forth_DATA_3(bot_world, linked, clock):
    school, sessions = bot_world
    await keep_math(sessions, clock, school, changes=16)  # 17 entries of Alekseev's
    deputy = await linked(school.staff["deputy"])
    await deputy.press("История изменений")
    await deputy.tap("5А")
    await deputy.tap("👤 Алексеев Артём")
    assert deputy.last_text().count("\n24.11 14:05 · ") == 15
    assert deputy.buttons() == ["Раньше ▶", "◀ Класс"]
    await deputy.tap("Раньше ▶")
    assert deputy.last_text().count("\n24.11 14:05 · ") == 2 and "Страница 2" in deputy.last_text()
    assert deputy.buttons() == ["◀ Новее", "◀ Класс"]
    await deputy.tap("◀ Новее")
    assert "Страница 1" in deputy.last_text()


async def test_teacher_opens_their_lessons_history_from_its_card_ACC_3(bot_world, linked, clock):
    school, sessions = bot_world
    lesson_id = await keep_math(sessions, clock, school)
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("История")
    assert "отметка 4 → 5 (Алексеев Артём, ответ на уроке)" in math.last_text()
    assert math.buttons() == ["◀ Урок"]
    await math.tap("◀ Урок")
    assert "История" in math.buttons()

    # Another teacher of 5А forges the buttons: the lesson is not theirs, nothing of it is shown.
    russian = await linked(school.staff["russian"])
    await russian.send("/today")
    answer = await russian.tap_raw(LessonHistoryCB(lesson=lesson_id).pack())
    assert answer["text"] == "Вы не ведёте этот класс или предмет."
    assert "Алексеев" not in russian.last_text()
    answer = await russian.tap_raw(HistoryCB(view=HistoryView.student, id=school.students["alekseev"]).pack())
    assert "Алексеев" not in (answer.get("text") or "") and "Алексеев" not in russian.last_text()
    async with sessions() as session:  # reading wrote nothing
        count = select(func.count()).select_from(AuditEntry).where(AuditEntry.lesson_id == lesson_id)
        assert await session.scalar(count) == 3
