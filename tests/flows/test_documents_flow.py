"""/documents end to end: the class teacher's inbox of absence documents with their files (ABS-4), accepting with a
reason applied to the absences of the document's days (ABS-2), declining with a comment, and the refusals: a
document decided twice or withdrawn meanwhile (Conflict), another class's document in a forged button (ACC-4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.absences import AbsenceService
from services.access import load_actor
from services.attachments import AttachmentIn
from services.journal import JournalService
from services.models import Absence, AbsenceDocument, AbsenceReason, AttachmentKind, DocumentKind, DocumentStatus
from tests.factories import MONDAY, TODAY
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, plain, span
from ui.callbacks import DocumentCB

CARD = (
    "Борисова Вера Олеговна, 5А\n"
    f"Дни: {span(MONDAY, TODAY)}\n"
    "Со слов семьи: Болезнь\n"
    "Комментарий: Справка из поликлиники\n"
    "Получен 24 нояб., 12:00\n"
    "Рассмотреть до 26 нояб."
)


def families_upload(emulator, person) -> tuple[AttachmentIn, AttachmentIn]:
    """A photo and a PDF sent to the bot: Telegram's file ids are what the document keeps (ABS-4)."""
    sender = person()
    photo = emulator.user_sends_photo(TOKEN, sender.id, PHOTO)["photo"][-1]
    doc = emulator.user_sends_document(TOKEN, sender.id, b"%PDF-1.4 note", "справка.pdf", mime_type="application/pdf")[
        "document"
    ]
    return (
        AttachmentIn(AttachmentKind.PHOTO, photo["file_id"], photo["file_unique_id"], size=photo["file_size"]),
        AttachmentIn(
            AttachmentKind.DOCUMENT,
            doc["file_id"],
            doc["file_unique_id"],
            "справка.pdf",
            "application/pdf",
            doc["file_size"],
        ),
    )


async def borisova_sends_a_note(sessions, clock, school, files=()) -> int:
    """Борисова misses math on Monday and Tuesday; her father sends a note for both days."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher = await load_actor(session, school.staff["math"])
        for day, number in ((MONDAY, 1), (TODAY, 2)):
            view = await journal.open_lesson(teacher, school.assignments["math5A"], day, number)
            await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])
        father = await load_actor(session, school.parents["borisov_father"])
        return await AbsenceService(session, clock).submit_document(
            father, school.students["borisova"], MONDAY, TODAY, DocumentKind.ILLNESS, "Справка из поликлиники", files
        )


async def alekseeva_note(sessions, clock, school) -> int:
    """A note for Алексеева of 5Б: the russian teacher's class."""
    async with sessions() as session:
        mother = await load_actor(session, school.parents["alekseeva_mother"])
        return await AbsenceService(session, clock).submit_document(
            mother, school.students["alekseeva"], TODAY, TODAY, DocumentKind.FAMILY
        )


async def another_note_for_borisova(sessions, clock, school) -> int:
    async with sessions() as session:
        father = await load_actor(session, school.parents["borisov_father"])
        return await AbsenceService(session, clock).submit_document(
            father, school.students["borisova"], TODAY, TODAY, DocumentKind.OTHER
        )


async def state_of(sessions, doc_id: int) -> tuple:
    async with sessions() as session:
        doc = await session.get(AbsenceDocument, doc_id)
        reasons = (await session.scalars(select(Absence.reason).order_by(Absence.id))).all()
        return doc.status, doc.reason, doc.decision_comment, reasons


async def open_inbox(who, emulator, replies: int) -> list[dict]:
    await who.press("Документы")
    return [await emulator.wait_for_bot_message(TOKEN, who.id) for _ in range(replies - 1)]


async def test_class_teacher_sees_the_document_with_its_files_and_accepts_it_for_illness_ABS_2_ABS_4(
    bot_world, linked, emulator, person, clock
):
    school, sessions = bot_world
    photo, pdf = families_upload(emulator, person)
    doc_id = await borisova_sends_a_note(sessions, clock, school, [photo, pdf])
    math = await linked(school.staff["math"])
    before = len(emulator.messages(TOKEN, math.id))
    await open_inbox(math, emulator, replies=4)
    shown = emulator.messages(TOKEN, math.id)[before:]
    assert [plain(m.get("text") or m.get("caption")) for m in shown] == [
        "Документы о пропусках: 5А\n1 документ на рассмотрении, сначала давние.",
        f"📎 Борисова Вера Олеговна, {span(MONDAY, TODAY, with_year=False)}",
        f"📎 Борисова Вера Олеговна, {span(MONDAY, TODAY, with_year=False)}",
        CARD + "\n📎 2 файла выше",
    ]
    assert shown[1]["photo"][-1]["file_id"] == photo.telegram_file_id  # the family's own files, by file id
    assert shown[2]["document"]["file_id"] == pdf.telegram_file_id
    assert math.buttons() == ["✅ Принять", "❌ Отклонить"]

    await math.tap("✅ Принять")
    assert plain(math.last_text()) == (
        CARD + "\n📎 2 файла выше\n\nКакую причину проставить в журнале пропускам этих дней?"
    )
    assert math.buttons() == ["Уважительная причина", "По болезни", "Неуважительная причина", "◀ Назад"]
    answer = await math.tap("По болезни")
    assert answer["text"] == "Принято."
    assert plain(math.last_text()).endswith("✅ Принят: по болезни. Причина проставлена в 2 пропусках.")
    assert math.buttons() == []
    assert await state_of(sessions, doc_id) == (
        DocumentStatus.ACCEPTED,
        AbsenceReason.ILLNESS,
        "",
        [AbsenceReason.ILLNESS, AbsenceReason.ILLNESS],
    )

    await math.press("Документы")
    assert math.last_text() == "Документы о пропусках: 5А\nНовых документов нет."


async def test_class_teacher_declines_with_a_comment_ABS_2(bot_world, linked, emulator, clock):
    school, sessions = bot_world
    doc_id = await borisova_sends_a_note(sessions, clock, school)
    math = await linked(school.staff["math"])
    await open_inbox(math, emulator, replies=2)
    assert plain(math.last_text()) == CARD  # no files: no line about them

    await math.tap("❌ Отклонить")
    assert plain(math.last_text()) == CARD + "\n\n✍️ Напишите, почему документ отклонён: семья увидит этот комментарий."
    assert math.buttons() == ["Отмена"]
    await math.tap("Отмена")  # changed her mind: the card is back, nothing written
    assert math.buttons() == ["✅ Принять", "❌ Отклонить"]
    await math.send("Нужна справка")  # no longer a comment: the state is gone
    assert math.last_text() == "Отправьте /help, чтобы узнать, что умеет бот."
    assert (await state_of(sessions, doc_id))[0] == DocumentStatus.PENDING

    await open_inbox(math, emulator, replies=2)
    await math.tap("❌ Отклонить")
    reply = await math.send("Нет" * 501)  # too long: said so, nothing written, and she may write it again
    assert reply["text"] == "Комментарий слишком длинный: 1503 символов, можно не более 1000."
    assert (await state_of(sessions, doc_id))[0] == DocumentStatus.PENDING
    reply = await math.send("Нужна справка от врача, <не> заявление", replies=2)
    assert plain(reply["text"]) == CARD + "\n\n❌ Отклонён: Нужна справка от врача, <не> заявление"
    assert await state_of(sessions, doc_id) == (
        DocumentStatus.DECLINED,
        None,
        "Нужна справка от врача, <не> заявление",
        [None, None],
    )
    card = emulator.messages(TOKEN, math.id)[-2]
    assert "reply_markup" not in card or not card["reply_markup"].get("inline_keyboard")  # its «Отмена» is gone


async def test_a_document_decided_twice_or_withdrawn_changes_nothing(bot_world, linked, emulator, clock):
    school, sessions = bot_world
    doc_id = await borisova_sends_a_note(sessions, clock, school)
    math = await linked(school.staff["math"])
    await open_inbox(math, emulator, replies=2)
    await math.tap("✅ Принять")
    second_tap = math.button_data(emulator.last_message(TOKEN, math.id), "Неуважительная причина")
    await math.tap("По болезни")
    answer = await math.tap_raw(second_tap)  # the other button of the same screen, tapped a moment later
    assert answer["text"] == "По этому документу уже принято решение."
    assert await state_of(sessions, doc_id) == (
        DocumentStatus.ACCEPTED,
        AbsenceReason.ILLNESS,
        "",
        [AbsenceReason.ILLNESS, AbsenceReason.ILLNESS],
    )

    other = await another_note_for_borisova(sessions, clock, school)
    await open_inbox(math, emulator, replies=2)
    async with sessions() as session:  # the father takes it back while the card is open
        father = await load_actor(session, school.parents["borisov_father"])
        await AbsenceService(session, clock).withdraw_document(father, other)
    answer = await math.tap("❌ Отклонить")
    assert answer["text"] == "По этому документу уже принято решение."
    assert (await state_of(sessions, other))[0] == DocumentStatus.WITHDRAWN


async def test_another_classs_document_in_a_forged_button_is_refused_ACC_4(bot_world, linked, emulator, clock):
    school, sessions = bot_world
    foreign = await alekseeva_note(sessions, clock, school)  # 5Б's
    math = await linked(school.staff["math"])  # leads 5А
    await math.press("Документы")
    for data in (
        DocumentCB(doc=foreign, action="reason", reason="illness"),
        DocumentCB(doc=foreign, action="accept"),
        DocumentCB(doc=foreign, action="decline"),
    ):
        answer = await math.tap_raw(data.pack())
        assert answer["text"] == "Это не ваш класс."
    answer = await math.tap_raw(DocumentCB(doc=foreign + 100, action="reason", reason="illness").pack())
    assert answer["text"] == "Такого документа нет."
    await math.send("Отклоняю")  # no decline was started: not taken as a comment
    assert (await state_of(sessions, foreign))[:2] == (DocumentStatus.PENDING, None)

    russian = await linked(school.staff["russian"])  # 5Б's own class teacher sees it; a forged reason is refused
    await open_inbox(russian, emulator, replies=2)
    answer = await russian.tap_raw(f"ctd:{foreign}:reason:holiday")  # no such reason: not a button the bot made
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    assert (await state_of(sessions, foreign))[0] == DocumentStatus.PENDING


async def test_accepting_a_document_leaves_absences_past_the_edit_window_and_says_so_J_9_J_10(
    bot_world, linked, emulator, clock
):
    """The reason goes only where the class teacher may set it; the older day is named, with the way to change it."""
    school, sessions = bot_world
    old_day = date(2026, 11, 5)  # 19 days before TODAY: past the school's 14
    async with sessions() as session:
        clock.at(old_day)
        journal, teacher = JournalService(session, clock), await load_actor(session, school.staff["math"])
        view = await journal.open_lesson(teacher, school.assignments["math5A"], old_day, 1)
        await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])
        clock.at(TODAY)
        view = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
        await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])
        father = await load_actor(session, school.parents["borisov_father"])
        doc_id = await AbsenceService(session, clock).submit_document(
            father, school.students["borisova"], old_day, TODAY, DocumentKind.ILLNESS
        )
    math = await linked(school.staff["math"])
    await open_inbox(math, emulator, replies=2)
    await math.tap("✅ Принять")
    await math.tap("По болезни")
    assert plain(math.last_text()).endswith(
        "✅ Принят: по болезни. Причина проставлена в 1 пропуске.\n"
        "🔒 Не изменён 1 пропуск (5 нояб.): прошло больше 14 дн., изменить его можно только заявкой на исправление "
        "через завуча."
    )
    assert await state_of(sessions, doc_id) == (
        DocumentStatus.ACCEPTED,
        AbsenceReason.ILLNESS,
        "",
        [None, AbsenceReason.ILLNESS],
    )
