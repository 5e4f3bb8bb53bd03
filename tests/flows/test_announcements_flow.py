"""/announce end to end: a class teacher writes to their class's parents with a photo, sees the
preview with how many accounts it reaches, sends it, and the outbox holds the event; the deputy director's audience
buttons (ROLE-2); and the refusals: a plain teacher and a parent have no /announce, a class teacher's forged
audience is refused with an alert (ACC-4), a program file and a too long text are refused, nothing is written."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from services.announcements import announcement_recipients
from services.models import EventKind, OutboxEvent
from services.pushes.payloads import payload_of
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, bot_id_of, read_by_another_process
from ui.callbacks import AnnounceAudienceCB, AnnounceStepCB

HELP = "Отправьте /help, чтобы узнать, что умеет бот."


async def announcements(sessions) -> list[OutboxEvent]:
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxEvent).where(OutboxEvent.kind == EventKind.ANNOUNCEMENT).order_by(OutboxEvent.id)
                )
            ).all()
        )


async def test_class_teacher_sends_an_announcement_with_a_photo_to_the_classs_parents_ACC_4(
    bot_world, linked, emulator
):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])  # Артём in 5А, Ксения in 5Б
    father = await linked(school.parents["borisov_father"])  # Вера in 5А
    math = await linked(school.staff["math"])  # the class teacher of 5А
    assert "Объявление" in math.keyboard() and "announce" in math.commands()

    await math.press("Объявление")
    assert math.last_text() == "Новое объявление. Кому его отправить?"
    assert math.buttons() == ["5А: ученики и родители", "Родители 5А", "Отмена"]
    await math.tap("Родители 5А")
    assert math.last_text() == (
        "Кому: родители 5А\n\nНапишите текст объявления одним сообщением (не более 3500 символов)."
    )

    await math.send("Родительское собрание <в пятницу> в 18:00, каб. 12.")
    assert math.last_text().startswith("Приложите фото или PDF-файлы (не более 10)")
    assert math.buttons() == ["Продолжить без файлов", "Отмена"]
    emulator.user_sends_document(TOKEN, math.id, b"MZ\x90\x00", "setup.exe", mime_type="application/x-msdownload")
    reply = await emulator.wait_for_bot_message(TOKEN, math.id)
    assert reply["text"] == (
        "Приложить можно только фото, PDF-файлы и изображения — не видео, голосовые сообщения, "
        "стикеры, архивы или программы.\n\n"
        "Приложено файлов: 0 из 10. Пришлите ещё или нажмите «Готово»."
    )
    sent = emulator.user_sends_photo(TOKEN, math.id, PHOTO)
    reply = await emulator.wait_for_bot_message(TOKEN, math.id)
    assert reply["text"] == "Приложено файлов: 1 из 10. Пришлите ещё или нажмите «Готово»."

    await math.tap("Готово")
    assert math.last_text() == (
        "Проверьте объявление перед отправкой\n"
        "Кому: родители 5А\n"
        "Получателей, подключивших бота: 2\n"
        "Файлы: фото\n"
        "\n"
        "📣 Объявление — родителям 5А\n"
        "Смирнова Елена Викторовна, классный руководитель\n"
        "\n"
        "Родительское собрание <в пятницу> в 18:00, каб. 12."
    )
    assert math.buttons() == ["Отправить", "Отмена"]
    assert await announcements(sessions) == []  # nothing before «Send»

    answer = await math.tap("Отправить")
    assert answer["text"] == "Отправлено."
    assert math.last_text() == "✅ Объявление отправлено: 2 получателя"
    [event] = await announcements(sessions)
    assert event.school_id == school.school_id
    assert event.payload == {
        "audience": {"scope": "class_parents", "title": "5А", "grade": 5, "class_id": school.classes["5А"]},
        "text": "Родительское собрание <в пятницу> в 18:00, каб. 12.",
        "files": [
            {
                "kind": "photo",
                "file_id": sent["photo"][-1]["file_id"],
                "sha256": hashlib.sha256(PHOTO).hexdigest(),  # kept by the school: another bot uploads these bytes
                "bot_id": bot_id_of(emulator),  # the bot the file id belongs to
            }
        ],
        "author": {"person_id": school.staff["math"], "name": "Смирнова Елена Викторовна", "role": "class_teacher"},
    }
    async with sessions() as session:
        assert await announcement_recipients(
            session, payload_of(EventKind.ANNOUNCEMENT, event.payload), school.school_id
        ) == [(mother.account_id, school.students["alekseev"]), (father.account_id, school.students["borisova"])]

    answer = await math.tap_raw(AnnounceStepCB(action="send").pack())  # «Send» again: the draft is gone
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    assert len(await announcements(sessions)) == 1


async def test_deputy_chooses_among_the_school_grades_and_classes_ROLE_2(bot_world, linked):
    school, sessions = bot_world
    await linked(school.parents["alekseeva_mother"])
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Объявление")
    assert deputy.last_text() == "Новое объявление. Кому его отправить?"
    assert deputy.buttons() == ["Вся школа", "Параллель 1 ▸", "Параллель 5 ▸", "Отмена"]
    await deputy.tap("Параллель 5 ▸")
    assert deputy.last_text() == "Параллель 5: кому отправить объявление?"
    assert deputy.buttons() == [
        "Параллель 5-х классов",
        "5А: ученики и родители",
        "Родители 5А",
        "5Б: ученики и родители",
        "Родители 5Б",
        "◀ Назад",
        "Отмена",
    ]
    await deputy.tap("◀ Назад")
    assert deputy.buttons()[0] == "Вся школа"

    await deputy.tap("Вся школа")
    assert deputy.last_text().startswith("Кому: вся школа\n\n")
    await deputy.send("я" * 3501)
    assert deputy.last_text() == (
        "Объявление слишком длинное: 3501 символов, можно не более 3500.\nПопробуйте ещё раз или нажмите «Отмена»."
    )
    await deputy.send("Завтра — день открытых дверей.")
    await deputy.tap("Продолжить без файлов")
    assert deputy.last_text() == (
        "Проверьте объявление перед отправкой\n"
        "Кому: вся школа\n"
        "Получателей, подключивших бота: 1\n"
        "Файлы: нет\n"
        "\n"
        "📣 Объявление школы\n"
        "Волкова Ирина Николаевна, завуч\n"
        "\n"
        "Завтра — день открытых дверей."
    )
    await deputy.tap("Отмена")
    assert deputy.last_text() == "Отменено: ничего не отправлено."
    assert await announcements(sessions) == []

    await deputy.send("/announce")
    await deputy.tap("Параллель 5 ▸")
    await deputy.tap("Параллель 5-х классов")
    await deputy.send("&" * 3500)  # the longest text: 17,500 characters of HTML (&amp;), more than one message
    shown = len(deputy.texts())
    await deputy.tap("Продолжить без файлов")  # the prompt becomes the preview's first message
    preview = deputy.texts()[shown - 1 :]
    assert "Получателей, подключивших бота: 1\n" in preview[0]
    assert preview[0].endswith("Волкова Ирина Николаевна, завуч") and "".join(preview[1:]) == "&" * 3500
    await deputy.tap("Отправить")
    assert deputy.last_text() == "✅ Объявление отправлено: 1 получатель"
    [event] = await announcements(sessions)
    assert event.payload["audience"] == {
        "scope": "grade",
        "title": "",
        "grade": 5,
        "class_ids": [school.classes["5А"], school.classes["5Б"]],
    }


async def test_a_plain_teacher_or_a_parent_has_no_announcements_and_a_forged_audience_is_refused(bot_world, linked):
    school, sessions = bot_world
    forged_5b = AnnounceAudienceCB(scope="class", cls=school.classes["5Б"]).pack()
    for person in (school.staff["eng1"], school.parents["borisov_father"]):
        user = await linked(person)
        assert "Объявление" not in user.keyboard()
        assert "announce" not in user.commands() or not user.menus_per_chat
        await user.send("/announce")
        assert user.last_text() == HELP
        answer = await user.tap_raw(forged_5b)
        assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."

    math = await linked(school.staff["math"])  # leads 5А only
    await math.send("/announce")
    for forged, reason in (
        (forged_5b, "Это не ваш класс."),
        (
            AnnounceAudienceCB(scope="school").pack(),
            "Объявления всей школе или параллели отправляет только заместитель директора или администратор.",
        ),
    ):
        answer = await math.tap_raw(forged)
        assert (answer["text"], answer["show_alert"]) == (reason, True)
    answer = await math.tap_raw("ann:everyone:0:0")  # no such audience: not a button the bot made
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    assert math.last_text() == "Новое объявление. Кому его отправить?"  # the choice stays as it was
    assert await announcements(sessions) == []


async def test_a_second_tap_on_send_in_another_process_sends_nothing_more_and_says_so(bot_world, linked, fsm):
    """Two processes share the drafts (Redis), each takes one of two taps on «Отправить» and reads the form before
    the other's send ends it: the database refuses the second, which says it is sent, not that nothing was."""
    school, sessions = bot_world
    await linked(school.parents["alekseeva_mother"])
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Объявление")
    await deputy.tap("Вся школа")
    await deputy.send("Завтра — день открытых дверей.")
    await deputy.tap("Продолжить без файлов")
    preview = deputy.emulator.last_message(TOKEN, deputy.id)
    as_the_second_process_read_it = await read_by_another_process(fsm, deputy)
    await deputy.tap("Отправить")
    await as_the_second_process_read_it()
    assert (await deputy.tap_late(preview, "Отправить"))["text"] == "Уже отправлено."
    assert len(await announcements(sessions)) == 1
    assert deputy.last_text() == "✅ Объявление отправлено: 1 получатель"
