"""/absence end to end: the period's attendance (DIA-1, ABS-2) and sending, listing and withdrawing an absence
document (ABS-1, ABS-4), for a parent of two (ACC-2) and a student (ACC-1), with every refusal on the way."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import select

from services.absences import AbsenceService
from services.access import load_actor
from services.db import write_transaction
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    AcademicYear,
    Attachment,
    AttachmentKind,
    DocumentKind,
    DocumentStatus,
)
from tests.factories import MONDAY, TODAY
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, failing_inserts, plain, read_by_another_process, span
from ui.callbacks import AbsenceChildCB, AbsenceDocAction, AbsenceDocCB
from ui.typed_dates import DatesError, parse_dates

MB = 1024 * 1024
PDF = b"%PDF-1.4\n% a doctor's note\n%%EOF\n"
FIRST, LAST = date(2026, 11, 25), date(2026, 11, 27)  # a document's days, typed «25.11–27.11»: Wednesday to Friday
DAYS, SHORT_DAYS = span(FIRST, LAST), span(FIRST, LAST, with_year=False)


# ---- helpers ----------------------------------------------------------------------------------------------


def last(who) -> str:
    return plain(who.last_text())


def buttons(who) -> list[str]:
    return [plain(b) for b in who.buttons()]


async def tap(who, label: str) -> dict:
    [shown] = [b for b in who.buttons() if plain(b) == label] or [label]
    return await who.tap(shown)


async def sends_photo(emulator, who, size: int | None = None) -> dict:
    emulator.user_sends_photo(TOKEN, who.id, PHOTO, size=size)
    return await emulator.wait_for_bot_message(TOKEN, who.id)


async def sends_document(emulator, who, name: str, mime: str, data: bytes = PDF, size: int | None = None) -> dict:
    emulator.user_sends_document(TOKEN, who.id, data, name, mime_type=mime, size=size)
    return await emulator.wait_for_bot_message(TOKEN, who.id)


async def sends_media(emulator, who, kind: str) -> dict:
    """A video, a voice message or a sticker, as the person's messenger delivers it."""
    emulator.user_sends_media(TOKEN, who.id, kind)
    return await emulator.wait_for_bot_message(TOKEN, who.id)


async def documents(sessions) -> list[AbsenceDocument]:
    async with sessions() as session:
        return list((await session.scalars(select(AbsenceDocument).order_by(AbsenceDocument.id))).all())


async def attachments(sessions) -> list[Attachment]:
    async with sessions() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def open_form(who, *, child: str | None = None) -> None:
    """/absence → «Отправить справку» (→ the child) → the dates prompt."""
    await who.press("Пропуски")
    await tap(who, "📎 Отправить справку")
    if child is not None:
        await tap(who, child)
    assert "За какие дни?" in last(who)


# ---- the whole flow ---------------------------------------------------------------------------------------


async def fill_form_for_one_day(father, emulator) -> None:
    """25 November, illness, no comment, one photo: the form stops at its summary, «Отправить» not tapped."""
    await open_form(father)
    await father.send("25.11")
    await tap(father, "Болезнь")
    await tap(father, "Пропустить")
    await sends_photo(emulator, father)
    await tap(father, "Готово")


async def test_parent_of_two_sends_a_document_for_the_other_child_then_withdraws_it_ABS_1_ABS_4_ACC_2(
    bot_world, linked, emulator
):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])  # the profile shows Артём (5А)
    await mother.press("Пропуски")
    assert last(mother) == ("Пропуски: Алексеев Артём, 5А\n\n2 четверть: пропусков нет.\n\nСправок пока не отправляли.")
    assert buttons(mother) == ["📎 Отправить справку"]

    await tap(mother, "📎 Отправить справку")
    assert last(mother) == "Для кого справка?"
    assert buttons(mother) == ["Артём, 5А", "Ксения, 5Б", "Отмена"]
    await tap(mother, "Ксения, 5Б")
    assert last(mother).startswith("Справка для: Алексеева Ксения, 5Б.\n\nЗа какие дни?")
    assert buttons(mother) == ["Сегодня", "Вчера", "Отмена"]

    await mother.send("25.11–27.11")  # from tomorrow on: future days are allowed
    assert last(mother) == f"Дни: {DAYS}\n\nПо какой причине ученик отсутствует?"
    assert buttons(mother) == [
        "Болезнь",
        "Семейные обстоятельства",
        "Соревнования, олимпиада",
        "Другая причина",
        "Отмена",
    ]
    await tap(mother, "Болезнь")
    assert buttons(mother) == ["Пропустить", "Отмена"]
    await mother.send("Температура, <вызывали врача>")
    assert last(mother).startswith("Приложите фото или PDF-файлы справки (не более 10)")
    assert buttons(mother) == ["Продолжить без файлов", "Отмена"]

    reply = await sends_photo(emulator, mother)
    assert reply["text"] == "Приложено файлов: 1 из 10. Пришлите ещё или нажмите «Готово»."
    assert buttons(mother) == ["Готово", "Отмена"]
    reply = await sends_document(emulator, mother, "справка.pdf", "application/pdf")
    assert reply["text"] == "Приложено файлов: 2 из 10. Пришлите ещё или нажмите «Готово»."
    assert await documents(sessions) == []  # nothing is written before «Отправить»

    await tap(mother, "Готово")
    assert last(mother) == (
        "Проверьте справку перед отправкой\n"
        "Ученик: Алексеева Ксения, 5Б\n"
        f"Дни: {DAYS}\n"
        "Причина: Болезнь\n"
        "Комментарий: Температура, <вызывали врача>\n"
        "Файлы: фото, справка.pdf"
    )
    assert buttons(mother) == ["Отправить", "Отмена"]
    answer = await tap(mother, "Отправить")
    assert answer["text"] == "Отправлено."

    [doc] = await documents(sessions)
    assert (doc.student_id, doc.submitted_by, doc.date_from, doc.date_to, doc.kind, doc.comment, doc.status) == (
        school.students["alekseeva"],
        school.parents["alekseeva_mother"],
        date(2026, 11, 25),
        date(2026, 11, 27),
        DocumentKind.ILLNESS,
        "Температура, <вызывали врача>",
        DocumentStatus.PENDING,
    )
    files = await attachments(sessions)
    assert [(f.document_id, f.kind) for f in files] == [
        (doc.id, AttachmentKind.PHOTO),
        (doc.id, AttachmentKind.DOCUMENT),
    ]
    assert (files[1].file_name, files[1].mime_type) == ("справка.pdf", "application/pdf")
    assert all(f.telegram_file_id for f in files)

    assert plain(mother.texts()[-2]).startswith(
        "✅ Отправлено классному руководителю. Ответ появится в /absence.\nУченик: Алексеева Ксения, 5Б"
    )
    # The status list of the child the document is for: pending, with the ABS-3 deadline (two working days).
    assert last(mother) == (
        "Пропуски: Алексеева Ксения, 5Б\n\n2 четверть: пропусков нет.\n\n"
        "Отправленные справки\n"
        f"{SHORT_DAYS} · Болезнь · 2 файла\n"
        "⏳ на рассмотрении: классный руководитель ответит до 26 нояб."
    )
    assert buttons(mother) == ["📎 Отправить справку", f"Отозвать: {SHORT_DAYS}"]

    answer = await tap(mother, f"Отозвать: {SHORT_DAYS}")
    assert answer["text"] == "Справка отозвана."
    assert last(mother).endswith(f"{SHORT_DAYS} · Болезнь · 2 файла\n↩️ отозвана")
    assert buttons(mother) == ["📎 Отправить справку"]
    [doc] = await documents(sessions)
    assert doc.status == DocumentStatus.WITHDRAWN
    # Артём's screen shows nothing of his sister's document.
    await mother.send("/absence")
    assert "Справок пока не отправляли." in last(mother)


async def test_a_student_sees_the_documents_sent_for_them_but_cannot_send_one_ABS_1(bot_world, linked, caplog, clock):
    """A student's word is not the family's: the class teacher would read it as «Со слов семьи». The student sees
    their absences and the documents their parents sent, with no button to send one; a forged tap is refused."""
    school, sessions = bot_world
    async with sessions() as session:
        mother = await load_actor(session, school.parents["alekseeva_mother"])
        await AbsenceService(session, clock).submit_document(
            mother, school.students["alekseev"], TODAY, TODAY, DocumentKind.ILLNESS
        )
    student = await linked(school.student_persons["alekseev"])
    await student.press("Пропуски")
    assert last(student) == (
        "Пропуски: Алексеев Артём, 5А\n\n2 четверть: пропусков нет.\n\n"
        "Отправленные справки\n"
        "24 нояб. · Болезнь\n"
        "⏳ на рассмотрении: классный руководитель ответит до 26 нояб.\n\n"
        "Справки о пропусках отправляют родители."
    )
    assert buttons(student) == []  # nothing to send, and his mother's document is hers to withdraw
    with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
        new = AbsenceDocCB(action=AbsenceDocAction.new, student=school.students["alekseev"])
        answer = await student.tap_raw(new.pack())
    assert answer["text"] == "Справки о пропусках отправляют родители: попросите их отправить справку в боте."
    assert answer["show_alert"] is True
    assert any("document.parents_send" in r.getMessage() for r in caplog.records)
    assert "Справка для" not in "\n".join(student.texts())  # no form was opened
    assert len(await documents(sessions)) == 1


# ---- refusals on the way ------------------------------------------------------------------------------------


async def test_wrong_dates_are_refused_and_can_be_typed_again(bot_world, linked):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    hint = "Напишите день как 25.11 или период как 25.11–27.11 (можно с годом: 25.11.2026)."
    await father.send("31.11")
    assert last(father) == "Такого дня в календаре нет: «31.11».\n" + hint
    await father.send("в понедельник")
    assert last(father) == "Не получается прочитать дату в «в понедельник».\n" + hint
    await father.send("27.11–25.11")
    assert last(father) == (
        "Последний день (25 ноября 2026 г.) раньше первого (27 ноября 2026 г.).\n"
        "Попробуйте ещё раз или нажмите «Отмена»."
    )
    await father.send("01.06.2027")
    assert last(father).startswith("Даты вне учебного года.")
    assert buttons(father) == ["Сегодня", "Вчера", "Отмена"]  # the buttons stay for the retry
    await father.send("23.11.2026")
    assert last(father).startswith("Дни: 23 нояб. 2026 г.")
    assert await documents(sessions) == []


async def test_big_files_and_other_kinds_are_refused_and_the_flow_goes_on_ABS_4(bot_world, linked, emulator):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await tap(father, "Вчера")
    await tap(father, "Семейные обстоятельства")
    await tap(father, "Пропустить")

    too_big = (
        "Этот файл — 21 МБ, а бот принимает файлы не больше 20 МБ. Пришлите фото или скан поменьше или разделите PDF."
    )
    wrong_kind = (
        "Приложить можно только фото, PDF-файлы и изображения — не видео, голосовые сообщения, стикеры, "
        "архивы или программы."
    )
    reply = await sends_photo(emulator, father, size=20 * MB + 1)
    assert reply["text"] == too_big + "\n\nПриложено файлов: 0 из 10. Пришлите ещё или нажмите «Готово»."
    assert buttons(father) == ["Продолжить без файлов", "Отмена"]
    reply = await sends_document(emulator, father, "scan.pdf", "application/pdf", size=25 * MB)
    assert reply["text"].startswith("Этот файл — 25 МБ")

    for kind in ("video", "voice", "sticker"):
        reply = await sends_media(emulator, father, kind)
        assert reply["text"].startswith(wrong_kind), kind
    for name, mime in (
        ("clip.mp4", "video/mp4"),
        ("setup.exe", "application/x-msdownload"),
        ("scans.zip", "application/zip"),
    ):
        reply = await sends_document(emulator, father, name, mime, data=b"MZ\x90\x00")
        assert reply["text"].startswith(wrong_kind), name
    assert await documents(sessions) == []

    reply = await sends_photo(emulator, father, size=3 * MB)  # a good one is still taken
    assert reply["text"] == "Приложено файлов: 1 из 10. Пришлите ещё или нажмите «Готово»."
    await tap(father, "Готово")
    assert last(father).endswith("Файлы: фото")
    await tap(father, "Отправить")
    [doc] = await documents(sessions)
    assert (doc.date_from, doc.date_to, doc.kind) == (MONDAY, MONDAY, DocumentKind.FAMILY)
    assert [f.kind for f in await attachments(sessions)] == [AttachmentKind.PHOTO]


async def test_an_album_of_ten_photos_is_taken_whole_the_eleventh_refused_and_a_double_send_sends_once(
    bot_world, linked, emulator
):
    """The photos of an album arrive together and are handled at the same time: none may be lost."""
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await tap(father, "Сегодня")
    await tap(father, "Болезнь")
    await tap(father, "Пропустить")
    for _ in range(10):
        emulator.user_sends_photo(TOKEN, father.id, PHOTO)
    replies = [plain((await emulator.wait_for_bot_message(TOKEN, father.id))["text"]) for _ in range(10)]
    assert sorted(replies) == sorted(
        f"Приложено файлов: {n} из 10. Пришлите ещё или нажмите «Готово»." for n in range(1, 11)
    )
    reply = await sends_photo(emulator, father)
    assert reply["text"] == (
        "Не более 10 файлов на документ.\n\nПриложено файлов: 10 из 10. Пришлите ещё или нажмите «Готово»."
    )
    await tap(father, "Готово")
    # A double tap on «Отправить»: two callbacks at once, one document.
    message = emulator.last_message(TOKEN, father.id)
    data = father.button_data(message, "Отправить")
    queries = [emulator.user_taps(TOKEN, father.id, message["message_id"], data) for _ in range(2)]
    for query in queries:
        await emulator.wait_for_callback_answer(TOKEN, query)
    [doc] = await documents(sessions)
    assert len({f.telegram_file_id for f in await attachments(sessions) if f.document_id == doc.id}) == 10


async def test_a_second_tap_on_send_in_another_process_sends_nothing_more_and_says_so_ABS_1(
    bot_world, linked, emulator, fsm
):
    """Two processes share the drafts (Redis), each takes one of two taps on «Отправить» and reads the form before
    the other's send ends it: the database refuses the second, which says it is sent, not that nothing was."""
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await fill_form_for_one_day(father, emulator)
    summary = emulator.last_message(TOKEN, father.id)
    as_the_second_process_read_it = await read_by_another_process(fsm, father)
    await tap(father, "Отправить")
    await as_the_second_process_read_it()
    assert (await father.tap_late(summary, "Отправить"))["text"] == "Уже отправлено."
    assert len(await documents(sessions)) == 1
    assert not [text for text in father.texts() if "Ничего не отправлено" in text]


async def test_cancel_at_any_step_saves_nothing(bot_world, linked, emulator):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await father.send("25.11")
    await tap(father, "Болезнь")
    await father.send("Кашель")
    await sends_photo(emulator, father)
    await father.send("/cancel")
    assert last(father) == "Отменено: ничего не отправлено."
    await father.send("26.11")  # the form is gone: this is just stray text now
    assert last(father) == "Отправьте /help, чтобы узнать, что умеет бот."

    await open_form(father)  # the «Отмена» button, at the last step
    await tap(father, "Сегодня")
    await tap(father, "Другая причина")
    await tap(father, "Пропустить")
    await tap(father, "Продолжить без файлов")
    await tap(father, "Отмена")
    assert last(father) == "Отменено: ничего не отправлено."
    assert buttons(father) == []
    assert await documents(sessions) == [] and await attachments(sessions) == []


async def test_absence_command_mid_form_drops_the_draft(bot_world, linked):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await father.send("25.11")
    await father.send("/absence", replies=2)
    assert father.texts()[-2] == "Предыдущий шаг отменён, из него ничего не сохранено."  # said, not silently lost
    assert last(father).startswith("Пропуски: Борисова Вера, 5А")
    await father.send("Кашель")  # no longer a comment of a form
    assert last(father) == "Отправьте /help, чтобы узнать, что умеет бот."
    assert await documents(sessions) == []


async def test_menu_buttons_mid_form_go_to_their_flows_not_into_the_draft(bot_world, linked):
    school, _sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await father.send("Настройки", replies=2)  # the settings flow comes after this one in the router
    assert father.texts()[-2] == "Предыдущий шаг отменён, из него ничего не сохранено."
    assert last(father).startswith("Уведомления: Вера Борисова, 5А")
    await open_form(father)
    await tap(father, "Сегодня")
    await tap(father, "Болезнь")
    await father.send("Настройки", replies=2)  # not the comment
    assert last(father).startswith("Уведомления: Вера Борисова, 5А")


async def test_english_speaking_parent_reads_the_screen_and_the_refusals_in_english(bot_world, linked, emulator):
    school, _sessions = bot_world
    father = await linked(school.parents["borisov_father"], language_code="en")
    await father.press("Absences")
    assert last(father) == "Absences: Борисова Вера, 5А\n\n2 четверть: no absences.\n\nNo documents sent yet."
    await tap(father, "📎 Send a document")
    await father.send("25.11–27.11")
    assert last(father).startswith(f"Days: {span(FIRST, LAST, locale='en')}")
    await tap(father, "Illness")
    await tap(father, "Skip")
    reply = await sends_photo(emulator, father, size=21 * MB)
    assert plain(reply["text"]).startswith("This file is 21 MB: the bot takes files of at most 20 MB.")
    reply = await sends_media(emulator, father, "sticker")
    assert reply["text"].startswith("Only photos, PDF files and pictures can be attached")
    await father.send("/cancel")
    assert last(father) == "Cancelled: nothing was sent."


async def test_a_failure_at_sending_leaves_no_document_and_sending_again_works(bot_world, linked, emulator):
    """The database fails while the files are written: the document written a moment before goes too (one
    transaction), the user is told, and «Отправить» works once the database is well again."""
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await fill_form_for_one_day(father, emulator)
    async with failing_inserts(sessions, "attachments"):
        answer = await tap(father, "Отправить")
        assert answer["text"] == "Извините, что-то пошло не так. Попробуйте чуть позже."
        assert await documents(sessions) == [] and await attachments(sessions) == []
    await tap(father, "Отправить")  # the draft is still there
    [doc] = await documents(sessions)
    assert [f.document_id for f in await attachments(sessions)] == [doc.id]


async def test_a_refusal_at_sending_ends_the_form_and_writes_nothing(bot_world, linked, emulator):
    """The school's calendar changes while the form is open: the days are outside the school year now."""
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await fill_form_for_one_day(father, emulator)
    async with sessions() as session, write_transaction(session):  # read and written at once (test_kept_values)
        year = await session.get(AcademicYear, school.year_id)
        year.ends_on = TODAY
    await tap(father, "Отправить")
    assert last(father) == "Даты вне учебного года.\n\nНичего не отправлено. Откройте /absence, чтобы начать заново."
    assert buttons(father) == []
    assert await documents(sessions) == [] and await attachments(sessions) == []


# ---- forged buttons -----------------------------------------------------------------------------------------


async def test_forged_withdraw_of_another_familys_document_is_refused_and_logged(bot_world, linked, caplog, clock):
    school, sessions = bot_world
    async with sessions() as session:
        father = await load_actor(session, school.parents["borisov_father"])
        theirs = await AbsenceService(session, clock).submit_document(
            father, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS
        )
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Пропуски")
    screen = last(mother)
    forged = AbsenceDocCB(action=AbsenceDocAction.withdraw, student=school.students["alekseev"], doc=theirs).pack()
    with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
        answer = await mother.tap_raw(forged)
    assert answer["text"] == "Такого документа нет."
    assert answer["show_alert"] is True
    assert any("document.not_found" in r.getMessage() for r in caplog.records)
    [doc] = await documents(sessions)
    assert doc.status == DocumentStatus.PENDING
    assert last(mother) == screen  # nothing of theirs shown, nothing changed


async def test_forged_child_is_refused_and_logged_ACC_2(bot_world, linked, caplog):
    school, _sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Пропуски")
    with caplog.at_level(logging.INFO, logger="handlers.common.errors"):
        new = AbsenceDocCB(action=AbsenceDocAction.new, student=school.students["borisova"])
        answer = await mother.tap_raw(new.pack())
        assert answer["text"] == "Вы видите только своих детей."
        await tap(mother, "📎 Отправить справку")
        answer = await mother.tap_raw(AbsenceChildCB(student=school.students["borisova"]).pack())
        assert answer["text"] == "Вы видите только своих детей."
    assert sum("student.not_yours" in r.getMessage() for r in caplog.records) == 2
    assert last(mother) == "Для кого справка?"  # still the picker, nothing of the other family
    assert "Борисова" not in "\n".join(mother.texts())


async def test_withdrawing_a_decided_document_says_why_and_shows_the_decision(bot_world, linked, clock):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_form(father)
    await tap(father, "Вчера")
    await tap(father, "Болезнь")
    await tap(father, "Пропустить")
    await tap(father, "Продолжить без файлов")
    await tap(father, "Отправить")
    [doc] = await documents(sessions)
    async with sessions() as session:  # the class teacher accepts it meanwhile, while the father still sees it
        teacher = await load_actor(session, school.staff["math"])
        await AbsenceService(session, clock).decide_document(teacher, doc.id, accept=True, reason=AbsenceReason.ILLNESS)
    answer = await tap(father, "Отозвать: 23 нояб.")  # the screen still offers it
    assert answer["text"] == "Классный руководитель уже принял эту справку: отозвать её нельзя."
    assert answer["show_alert"] is True
    assert last(father).endswith("23 нояб. · Болезнь\n✅ принята: по болезни")
    assert buttons(father) == ["📎 Отправить справку"]
    [doc] = await documents(sessions)
    assert doc.status == DocumentStatus.ACCEPTED


# ---- attendance --------------------------------------------------------------------------------------------


async def test_attendance_summary_as_counted_by_hand_DIA_1_ABS_2(bot_world, linked, clock):
    """Артём (5А): math on 16.11 (present), 23.11 and 24.11 (absent); Russian on 24.11 (present); English
    (his subgroup) on 24.11 (absent). The class teacher gives one math absence the reason «illness».
    By hand: math 2 of 3 (1 illness, 1 without), English 1 of 1 (1 without), Russian 0 of 1 (not listed);
    3 in all, 2 still without a reason; by day: Monday 1 (with its reason), Tuesday 2 (without: a document is needed
    for Tuesday)."""
    school, sessions = bot_world
    alekseev = school.students["alekseev"]
    async with sessions() as session:
        journal = JournalService(session, clock)
        for teacher_key, assignment, day, number, absent in (
            ("math", "math5A", date(2026, 11, 16), 1, []),
            ("math", "math5A", MONDAY, 1, [alekseev]),
            ("math", "math5A", TODAY, 2, [alekseev]),
            ("russian", "rus5A", TODAY, 1, []),
            ("eng1", "eng5A1", TODAY, 3, [alekseev]),
        ):
            teacher = await load_actor(session, school.staff[teacher_key])
            view = await journal.open_lesson(teacher, school.assignments[assignment], day, number)
            await journal.save_attendance(teacher, view.lesson_id, absent)
            if day == MONDAY:
                monday_lesson = view.lesson_id
        absence_id = await session.scalar(select(Absence.id).where(Absence.lesson_id == monday_lesson))
        class_teacher = await load_actor(session, school.staff["math"])
        await AbsenceService(session, clock).set_reason(class_teacher, absence_id, AbsenceReason.ILLNESS)

    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Пропуски")
    assert last(mother) == (
        "Пропуски: Алексеев Артём, 5А\n\n"
        "2 четверть\n"
        "Английский язык: 1 из 1 урока (1 без указанной причины)\n"
        "Математика: 2 из 3 уроков (1 по болезни, 1 без указанной причины)\n"
        "Всего 3 пропуска; без причины пока: 2.\n\n"
        "По дням:\n"
        "• 23 нояб., пн: 1 урок\n"
        "• 24 нояб., вт: 2 урока — причина не указана\n\n"
        "Справок пока не отправляли."
    )
    # The sister's screen is her own (ACC-2): nothing of Артём's absences.
    await mother.press("Сменить профиль")
    await tap(mother, "Ксения, 5Б")
    await mother.press("Пропуски")
    assert last(mother).startswith("Пропуски: Алексеева Ксения, 5Б\n\n2 четверть: пропусков нет.")


# ---- typed dates -------------------------------------------------------------------------------------------

YEAR = (date(2026, 9, 1), date(2027, 5, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.11", (date(2026, 11, 25), date(2026, 11, 25))),
        ("25.11–27.11", (date(2026, 11, 25), date(2026, 11, 27))),
        ("25.11 - 27.11", (date(2026, 11, 25), date(2026, 11, 27))),
        ("25–27.11", (date(2026, 11, 25), date(2026, 11, 27))),
        ("с 28.12 по 10.01", (date(2026, 12, 28), date(2027, 1, 10))),  # across the new year, in the school year
        ("25.11.2026", (date(2026, 11, 25), date(2026, 11, 25))),
        ("25.11.", (date(2026, 11, 25), date(2026, 11, 25))),
        ("25/11/26", (date(2026, 11, 25), date(2026, 11, 25))),
        ("1.9", (date(2026, 9, 1), date(2026, 9, 1))),
        ("20.05", (date(2027, 5, 20), date(2027, 5, 20))),  # the end of this school year, not last May
        ("27.11–25.11", (date(2026, 11, 27), date(2026, 11, 25))),  # the service refuses the order
    ],
)
def test_typed_dates_are_read(text, expected):
    assert parse_dates(text, TODAY, *YEAR) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.11", "no_such_date"),
        ("30.02.2027", "no_such_date"),
        ("завтра", "unreadable"),
        ("25.11.2", "unreadable"),
        ("2511", "unreadable"),
    ],
)
def test_typed_dates_that_are_no_dates(text, code):
    with pytest.raises(DatesError) as err:
        parse_dates(text, TODAY, *YEAR)
    assert err.value.code == code
