"""A waiting prompt ends when the user goes somewhere else: a command or a menu button cancels the text the bot
was waiting for, says so in one line, and what is typed afterwards is never taken for it."""

from __future__ import annotations

from sqlalchemy import select

from services.models import DocumentStatus, Lesson, Mark
from tests.flows.conftest import open_card, type_marks
from tests.flows.test_documents_flow import borisova_sends_a_note, open_inbox, state_of

CANCELLED = "Предыдущий шаг отменён, из него ничего не сохранено."
HINT = "Отправьте /help, чтобы узнать, что умеет бот."


async def test_a_command_ends_the_decline_comment_prompt_ABS_2(bot_world, linked, emulator, clock):
    """The class teacher taps «Отклонить», looks at /class instead, then types «Прогулял»: the document is not
    declined with that comment, and the family is told nothing."""
    school, sessions = bot_world
    doc_id = await borisova_sends_a_note(sessions, clock, school)
    math = await linked(school.staff["math"])
    await open_inbox(math, emulator, replies=2)
    await math.tap("❌ Отклонить")
    assert math.last_text().endswith("Напишите, почему документ отклонён: семья увидит этот комментарий.")
    shown = len(math.texts())
    await math.send("/class", replies=2)
    assert math.texts()[shown] == CANCELLED
    assert math.last_text().startswith("Мой класс: 5А")
    await math.send("Прогулял")
    assert math.last_text() == HINT
    assert (await state_of(sessions, doc_id))[:3] == (DocumentStatus.PENDING, None, "")


async def test_a_menu_button_ends_the_topic_prompt_J_14(bot_world, linked):
    """The teacher opens «Тема», goes to «Отметки за период» on the keyboard, and types a note to herself: it does
    not become the lesson's topic."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    shown = len(math.texts())
    await math.press("Отметки за период", replies=2)  # the step cancelled, then the period sheet
    assert math.texts()[shown] == CANCELLED
    await math.send("купить тетради")
    assert math.last_text() == HINT
    async with sessions() as session:
        assert await session.scalar(select(Lesson.topic)) == ""


async def test_a_command_drops_typed_marks_not_saved_J_5(bot_world, linked):
    """Marks typed into the draft and not saved are dropped by /today, which says so; later lines are not marks."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await type_marks(math, "Алексеев 5", "Контрольная работа")
    shown = len(math.texts())
    await math.send("/today", replies=2)
    assert math.texts()[shown] == CANCELLED
    await math.send("Алексеев 4")
    assert math.last_text() == HINT
    async with sessions() as session:
        assert (await session.scalars(select(Mark))).all() == []


async def test_cancel_and_ordinary_answers_are_not_taken_for_another_command(bot_world, linked):
    """/cancel says «Отменено.» as before, without the extra line; a typed topic is still a topic."""
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    shown = len(math.texts())
    await math.send("/cancel")
    assert math.texts()[shown:] == ["Отменено."]
    await open_card(math)
    await math.tap("Тема")
    await math.send("Сложение дробей")
    async with sessions() as session:
        assert await session.scalar(select(Lesson.topic)) == "Сложение дробей"
