"""A lesson's topic (J-14) and homework (J-2..J-4) end to end, from the lesson card: the plan's next topic with one
tap, a typed topic, the homework text with photos and PDFs, «не задано» (J-3), editing again the same day, and the
refusals: another teacher's lesson in a forged button (ACC-3), a too long topic or homework, a file over 20 MB,
a kind of file that is not a photo or PDF."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from services.access import load_actor
from services.journal import JournalService
from services.models import Attachment, AttachmentKind, Lesson, PlanTopic
from tests.factories import TODAY
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, open_card, plain
from ui.callbacks import LessonCB, LessonTextCB

MB = 1024 * 1024
PDF = b"%PDF-1.4\n% exercises\n%%EOF\n"
TITLE = "Математика, 5А\nВторник, 24 ноября, 2-й урок\n\n"


async def lesson_row(sessions, lesson_id: int | None = None) -> Lesson:
    async with sessions() as session:
        query = select(Lesson) if lesson_id is None else select(Lesson).where(Lesson.id == lesson_id)
        return (await session.scalars(query)).one()


async def test_topic_from_the_plan_with_one_tap_then_typed_again_J_14(bot_world, linked):
    school, sessions = bot_world
    long_topic = "§1. Натуральные числа и шкалы: обозначение, сравнение, координатный луч и единичный отрезок"
    async with sessions() as session:  # longer than a button: cut on it, saved whole
        await session.execute(
            update(PlanTopic)
            .where(PlanTopic.assignment_id == school.assignments["math5A"], PlanTopic.position == 1)
            .values(topic=long_topic)
        )
        await session.commit()
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    assert math.last_text() == TITLE + (
        "Тема: пока не указана\n"
        f"Следующая тема по тематическому плану: {long_topic}\n"
        "\n"
        "Напишите тему урока сообщением (не более 500 символов).\n"
        "Или нажмите тему из плана ниже."
    )
    shown = "§1. Натуральные числа и шкалы: обозначение, сравнение, коор…"
    assert math.buttons() == [shown, "◀ Урок"]
    await math.tap(shown)
    assert math.last_text().startswith(TITLE + f"Тема: {long_topic}\nДомашнее задание: пока не задано")
    assert (await lesson_row(sessions)).topic == long_topic

    await math.tap("Тема")  # given already: no plan topic offered; a typed one replaces it
    assert math.buttons() == ["◀ Урок"]
    await math.send("Сравнение натуральных чисел")
    assert math.last_text().startswith(TITLE + "Тема: Сравнение натуральных чисел\n")
    assert math.buttons()[:4] == ["Посещаемость", "Оценки", "Тема", "Домашнее задание"]
    assert (await lesson_row(sessions)).topic == "Сравнение натуральных чисел"
    await math.send("Ещё одна строка")  # the step has ended: a stray text is not a topic
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    assert (await lesson_row(sessions)).topic == "Сравнение натуральных чисел"


async def test_too_long_topic_is_refused_and_nothing_saved_J_14(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Тема")
    await math.send("x" * 501)
    assert math.last_text() == "Тема слишком длинная: не более 500 символов."
    assert (await lesson_row(sessions)).topic == ""
    await math.send("Дроби")  # still waiting for the topic
    assert math.last_text().startswith(TITLE + "Тема: Дроби\n")
    await math.tap("Тема")
    await math.tap("◀ Урок")  # leaving the step: a later text is not taken for a topic
    assert math.last_text().startswith(TITLE + "Тема: Дроби\n")
    await math.send("Не тема")
    assert (await lesson_row(sessions)).topic == "Дроби"


async def test_homework_text_then_photos_and_pdf_then_done_and_edited_again_J_2_J_4(bot_world, linked, emulator):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Домашнее задание")
    assert math.last_text() == TITLE + (
        "Домашнее задание: пока не задано\n"
        "\n"
        "Напишите домашнее задание сообщением: что сделать, страницы, номера упражнений, контрольная это или "
        "практическая работа (не более 3000 символов). Потом можно прислать фото и PDF-файлы.\n"
        "Если задания нет, нажмите «Не задано»."
    )
    assert math.buttons() == ["Не задано", "◀ Урок"]
    await math.send("x" * 3001)
    assert math.last_text() == "Домашнее задание слишком длинное: 3001 символов, можно не более 3000."
    assert (await lesson_row(sessions)).homework == ""

    await math.send("С. 45, № 112, 115")
    files_prompt = "Прикреплено файлов: {}. Пришлите фото или PDF-файлы к заданию или нажмите «Готово»."
    assert math.last_text() == "Домашнее задание сохранено.\n" + files_prompt.format(0)
    assert math.buttons() == ["Готово"]
    emulator.user_sends_photo(TOKEN, math.id, PHOTO)
    await emulator.wait_for_bot_message(TOKEN, math.id)
    assert math.last_text() == files_prompt.format(1)
    emulator.user_sends_document(TOKEN, math.id, PDF, "упражнения.pdf", mime_type="application/pdf")
    await emulator.wait_for_bot_message(TOKEN, math.id)
    assert math.last_text() == files_prompt.format(2)

    # Refused, with the reason: over 20 MB, a program, a video; the count stays.
    emulator.user_sends_photo(TOKEN, math.id, PHOTO, size=20 * MB + 1)
    await emulator.wait_for_bot_message(TOKEN, math.id)
    assert math.last_text() == (
        "Этот файл — 21 МБ, а бот принимает файлы не больше 20 МБ. "
        "Пришлите фото или скан поменьше или разделите PDF.\n\n" + files_prompt.format(2)
    )
    emulator.user_sends_document(TOKEN, math.id, b"MZ\x90\x00", "setup.exe", mime_type="application/x-msdownload")
    await emulator.wait_for_bot_message(TOKEN, math.id)
    kind_refusal = (
        "Приложить можно только фото, PDF-файлы и изображения — "
        "не видео, голосовые сообщения, стикеры, архивы или программы.\n\n"
    )
    assert math.last_text() == kind_refusal + files_prompt.format(2)
    emulator.user_sends_media(TOKEN, math.id, "video")
    await emulator.wait_for_bot_message(TOKEN, math.id)
    assert math.last_text() == kind_refusal + files_prompt.format(2)

    await math.tap("Готово")
    assert plain(math.last_text()).startswith(
        TITLE + "Тема: пока не указана\nД/з: С. 45, № 112, 115 (к 25 нояб.)\n📎 2 файла\n"
    )
    lesson = await lesson_row(sessions)
    assert (lesson.homework, lesson.no_homework, lesson.homework_due_on) == (
        "С. 45, № 112, 115",
        False,
        TODAY + timedelta(days=1),
    )
    async with sessions() as session:
        files = (await session.scalars(select(Attachment).order_by(Attachment.id))).all()
    assert [(f.lesson_id, f.kind, f.file_name) for f in files] == [
        (lesson.id, AttachmentKind.PHOTO, ""),
        (lesson.id, AttachmentKind.DOCUMENT, "упражнения.pdf"),
    ]

    await math.tap("Домашнее задание")  # the same day: the new text replaces the old; the files stay
    assert "Д/з: С. 45, № 112, 115 (к 25 нояб.)\n📎 2 файла\n" in plain(math.last_text())
    await math.send("С. 46, № 120")
    await math.tap("Готово")
    assert plain(math.last_text()).startswith(
        TITLE + "Тема: пока не указана\nД/з: С. 46, № 120 (к 25 нояб.)\n📎 2 файла\n"
    )
    assert (await lesson_row(sessions)).homework == "С. 46, № 120"


async def test_no_homework_is_said_explicitly_J_3(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Домашнее задание")
    await math.tap("Не задано")
    assert math.last_text().startswith(TITLE + "Тема: пока не указана\nД/з: не задано\n")
    lesson = await lesson_row(sessions)
    assert (lesson.homework, lesson.no_homework, lesson.homework_due_on) == ("", True, None)


async def test_forged_lesson_of_another_teacher_is_refused_and_nothing_written_ACC_3(bot_world, linked, clock):
    school, sessions = bot_world
    async with sessions() as session:  # the Russian teacher's lesson in 5А today
        russian = await load_actor(session, school.staff["russian"])
        theirs = (
            await JournalService(session, clock).open_lesson(russian, school.assignments["rus5A"], TODAY, 1)
        ).lesson_id
    math = await linked(school.staff["math"])
    await open_card(math)
    refusal = "Вы не ведёте этот класс или предмет."
    for forged in (
        LessonCB(lesson=theirs, part="topic"),
        LessonCB(lesson=theirs, part="homework"),
        LessonTextCB(lesson=theirs, action="plan"),
        LessonTextCB(lesson=theirs, action="nohw"),
    ):
        answer = await math.tap_raw(forged.pack())
        assert (answer["text"], answer["show_alert"]) == (refusal, True)
    answer = await math.tap_raw(LessonCB(lesson=999_999, part="topic").pack())
    assert answer["text"] == "Такого урока нет."
    await math.send("Тема чужого урока")  # no step was opened by the forged buttons
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    lesson = await lesson_row(sessions, theirs)
    assert (lesson.topic, lesson.homework, lesson.no_homework) == ("", "", False)
