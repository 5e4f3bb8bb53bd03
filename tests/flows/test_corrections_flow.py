"""Corrections end to end (J-9, J-10, ROLE-2): a topic given to a lesson 15 days old becomes a correction request
with its reason; the deputy director sees it in /corrections with the fields J-10 names and applies it, or the
administrator declines it with a comment; the teacher is told in their own language. Refusals: a too long
reason, a request dropped by «Cancel» or /cancel, a decision made twice, a teacher's /corrections and a
teacher's forged decision."""

from __future__ import annotations

from sqlalchemy import func, select

from services.access import load_actor
from services.correction_changes import AddMark, ChangeMark, SetAbsent, SetTopic
from services.corrections import CorrectionService
from services.journal import JournalService
from services.models import (
    Absence,
    AuditEntry,
    CorrectionRequest,
    CorrectionStatus,
    Lesson,
    Mark,
)
from tests.factories import OLD, TODAY
from tests.flows.conftest import TOKEN, plain
from ui.callbacks import CorrectionDecideCB

TITLE = "Математика, 5А\nПонедельник, 9 ноября, 1-й урок\n\n"
LOCKED = "🔒 Прошло больше 14 дней: изменения уйдут заместителю директора заявкой на исправление."


async def requests(sessions) -> list[CorrectionRequest]:
    async with sessions() as session:
        return list((await session.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id))).all())


async def old_lesson(sessions, clock, school, *, mark: int | None = None) -> tuple[int, int | None]:
    """The math lesson of 9 November, kept on its day (a mark for Алексеев if asked), seen today: locked."""
    clock.at(OLD)
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher = await load_actor(session, school.staff["math"])
        lesson_id = (await journal.open_lesson(teacher, school.assignments["math5A"], OLD, 1)).lesson_id
        mark_ids = (
            await journal.add_marks(
                teacher, lesson_id, school.work_types["answer"], [(school.students["alekseev"], mark)]
            )
            if mark
            else [None]
        )
    clock.at(TODAY)
    return lesson_id, mark_ids[0]


async def file_request(sessions, clock, school, lesson_id: int, changes: list[dict], reason: str) -> int:
    async with sessions() as session:
        teacher = await load_actor(session, school.staff["math"])
        return await CorrectionService(session, clock).request(teacher, lesson_id, changes, reason)


async def test_the_reason_sent_twice_at_once_files_one_request_J_10(bot_world, linked, clock):
    """The reason sent again before the bot answered (a double tap on «Send» in Telegram): one request, and no
    message says it was not sent."""
    school, sessions = bot_world
    await old_lesson(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.send("/today 09.11")
    await math.tap("⚠️ 1. 5А, Математика")
    await math.tap("Тема")
    await math.send("Сравнение дробей")
    for _ in range(2):
        math.emulator.user_sends_text(TOKEN, math.id, "Забыла записать тему в день урока")
    for _ in range(3):  # the first: «sent» and the card; the second: its own answer
        await math.emulator.wait_for_bot_message(TOKEN, math.id)
    assert len(await requests(sessions)) == 1
    assert [text for text in math.texts() if text.startswith("Заявка №")] == [
        "Заявка №1 отправлена заместителю директора."
    ]
    assert not [text for text in math.texts() if "не отправлена" in text]


async def test_topic_of_a_lesson_15_days_old_goes_as_a_request_the_deputy_applies_J_9_J_10(bot_world, linked, clock):
    school, sessions = bot_world
    lesson_id, _ = await old_lesson(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.send("/today 09.11")
    await math.tap("⚠️ 1. 5А, Математика")
    assert math.last_text().endswith(LOCKED)
    await math.tap("Тема")
    assert math.last_text().endswith(LOCKED)
    await math.send("Сравнение дробей")
    assert math.last_text() == TITLE + (
        LOCKED + "\n"
        "\n"
        "Изменения:\n"
        "• тема: «Сравнение дробей»\n"
        "\n"
        "Напишите причину исправления (не более 1000 символов) или нажмите «Отмена»."
    )
    assert math.buttons() == ["Отмена"]
    await math.send("x" * 1001)
    assert math.last_text() == "Причина слишком длинная: не более 1000 символов."
    assert await requests(sessions) == []

    await math.send("Забыла записать тему в день урока", replies=2)
    assert math.texts()[-2] == "Заявка №1 отправлена заместителю директора."
    assert math.last_text().startswith(TITLE + "Тема: пока не указана\n")  # nothing written before the decision
    [req] = await requests(sessions)
    assert (req.lesson_id, req.requested_by, req.lesson_date, req.status, req.changes, req.reason) == (
        lesson_id,
        school.staff["math"],
        OLD,
        CorrectionStatus.PENDING,
        [{"op": "set_topic", "topic": "Сравнение дробей"}],
        "Забыла записать тему в день урока",
    )

    deputy = await linked(school.staff["deputy"])
    assert "Заявки" in deputy.keyboard()
    await deputy.send("Заявки", replies=2)
    assert deputy.texts()[-2] == "1 заявка на исправление ждёт решения."
    request_text = (
        "Заявка на исправление №1 от 24 нояб.\n"
        "Учитель: Смирнова Елена Викторовна\n"
        "Класс: 5А\n"
        "Предмет: Математика\n"
        "Урок: Понедельник, 9 ноября, 1-й урок\n"
        "Изменения:\n"
        "• тема: «Сравнение дробей»\n"
        "Причина: Забыла записать тему в день урока"
    )
    assert plain(deputy.last_text()) == request_text
    assert deputy.buttons() == ["Применить", "Отклонить"]
    answer = await deputy.tap("Применить")
    assert answer["text"] == "Применено."
    assert plain(deputy.last_text()) == request_text + "\n\n✅ Применена: журнал исправлен."
    assert deputy.buttons() == []
    assert math.last_text() == (
        "✅ Ваша заявка №1 на исправление применена.\n"
        "\n"
        "Математика, 5А\n"
        "Понедельник, 9 ноября, 1-й урок\n"
        "• тема: «Сравнение дробей»"
    )
    async with sessions() as session:
        lesson = await session.get(Lesson, lesson_id)
        req = await session.get(CorrectionRequest, req.id)
        assert lesson.topic == "Сравнение дробей"
        assert (req.status, req.decided_by) == (CorrectionStatus.APPLIED, school.staff["deputy"])
        topic_audit = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "lesson"))).one()
        assert (topic_audit.actor_id, topic_audit.after["topic"]) == (school.staff["deputy"], "Сравнение дробей")

    # Decided twice: refused, nothing changes.
    for action in ("apply", "decline"):
        answer = await deputy.tap_raw(CorrectionDecideCB(request=req.id, action=action).pack())
        assert (answer["text"], answer["show_alert"]) == ("По этой заявке уже принято решение.", True)
    async with sessions() as session:
        decisions = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "correction_request", AuditEntry.action == "decide")
        )
        assert decisions == 1
        assert (await session.get(CorrectionRequest, req.id)).status == CorrectionStatus.APPLIED
    await deputy.send("/corrections")
    assert deputy.last_text() == "Заявок на исправление, ждущих решения, нет."


async def test_marks_request_declined_by_the_administrator_and_the_teacher_told_in_english_J_10(
    bot_world, linked, clock
):
    school, sessions = bot_world
    lesson_id, mark_id = await old_lesson(sessions, clock, school, mark=3)
    req_id = await file_request(
        sessions,
        clock,
        school,
        lesson_id,
        [
            ChangeMark(mark_id=mark_id, value=4),
            SetAbsent(student_id=school.students["vasiliev"]),
            AddMark(student_id=school.students["borisova"], value=5, work_type_id=school.work_types["test"]),
        ],
        "Ошибка при выставлении",
    )
    math = await linked(school.staff["math"], language_code="en")
    admin = await linked(school.staff["admin"])
    await admin.send("/corrections", replies=2)
    changes = (
        "• Алексеев Артём Игоревич: исправить отметку 3 на 4\n"
        "• Васильев Глеб Денисович: поставить «ОТ»\n"
        "• Борисова Вера Олеговна: поставить отметку 5 (Контрольная работа)\n"
    )
    assert changes in admin.last_text()
    await admin.tap("Отклонить")
    assert admin.last_text() == (
        "Почему заявка №1 отклонена? Напишите комментарий для учителя (не более 1000 символов)."
    )
    await admin.send("x" * 1001)
    assert admin.last_text() == "Комментарий слишком длинный: 1001 символов, можно не более 1000."
    assert (await requests(sessions))[0].status == CorrectionStatus.PENDING
    await admin.send("Нет оснований: отметка выставлена верно")
    assert admin.last_text() == "❌ Заявка №1 отклонена."
    assert math.last_text() == (
        "❌ Your correction request №1 is declined.\n"
        "\n"
        "Математика, 5А\n"
        "Monday, 9 November, lesson 1\n"
        "• Алексеев Артём Игоревич: change the mark 3 to 4\n"
        "• Васильев Глеб Денисович: set «ОТ» (absent)\n"
        "• Борисова Вера Олеговна: add the mark 5 (Test)\n"
        "Comment: Нет оснований: отметка выставлена верно"
    )
    [req] = await requests(sessions)
    assert (req.id, req.status, req.decided_by, req.decision_comment) == (
        req_id,
        CorrectionStatus.DECLINED,
        school.staff["admin"],
        "Нет оснований: отметка выставлена верно",
    )
    async with sessions() as session:  # the journal is as it was
        assert (await session.scalars(select(Mark.value))).all() == [3]
        assert (await session.scalars(select(Absence.id))).all() == []
    answer = await admin.tap_raw(CorrectionDecideCB(request=req_id, action="apply").pack())
    assert answer["text"] == "По этой заявке уже принято решение."
    async with sessions() as session:
        assert (await session.scalars(select(Mark.value))).all() == [3]


async def test_a_request_dropped_by_cancel_is_not_sent_J_10(bot_world, linked, clock):
    school, sessions = bot_world
    await old_lesson(sessions, clock, school)
    math = await linked(school.staff["math"])
    await math.send("/today 09.11")
    await math.tap("⚠️ 1. 5А, Математика")
    await math.tap("Тема")
    await math.tap("§1. Тема 1")  # the plan's topic, offered as a correction too
    assert "Изменения:\n• тема: «§1. Тема 1»\n" in math.last_text()
    answer = await math.tap("Отмена")
    assert answer["text"] == "Заявка на исправление не отправлена."
    assert math.last_text().startswith(TITLE + "Тема: пока не указана\n")
    await math.tap("Тема")
    await math.send("Дроби")
    await math.send("/cancel")
    assert math.last_text() == "Отменено: заявка на исправление не отправлена."
    await math.send("Причина, которую уже никто не ждёт")
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    assert await requests(sessions) == []


async def test_a_teacher_cannot_see_or_decide_requests_ROLE_2(bot_world, linked, clock):
    school, sessions = bot_world
    lesson_id, _ = await old_lesson(sessions, clock, school)
    req_id = await file_request(sessions, clock, school, lesson_id, [SetTopic(topic="Дроби")], "Забыла тему")
    math = await linked(school.staff["math"])
    assert "Заявки" not in math.keyboard()
    await math.send("/corrections")
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    for action in ("apply", "decline"):
        answer = await math.tap_raw(CorrectionDecideCB(request=req_id, action=action).pack())
        assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    [req] = await requests(sessions)
    assert req.status == CorrectionStatus.PENDING
    async with sessions() as session:
        assert (await session.get(Lesson, lesson_id)).topic == ""
