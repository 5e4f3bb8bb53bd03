"""The school keeps the files themselves (ABS-4, DATA-1): a document's and a homework's files are downloaded into the
school's file store when they arrive, with their size and type, and another bot (a new token, a restore on another
server) shows them from there, since Telegram's file ids belong to the bot that received them."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from services.models import Attachment, AttachmentKind
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, TelegramUser, code_for, open_absence_files, open_card, polling_bot

PDF = b"%PDF-1.4\n% a doctor's note\n%%EOF\n"
NEW_TOKEN = "654321:NEW-token"  # another bot: the first one's file ids mean nothing to it


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def attachments(sessions) -> list[Attachment]:
    async with sessions() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def sends(emulator, who, upload) -> None:
    upload(who.id)
    await emulator.wait_for_bot_message(TOKEN, who.id)


async def test_a_documents_files_are_kept_and_a_new_bot_shows_them_from_the_kept_bytes_ABS_4_DATA_1(
    bot_world, linked, emulator, file_store, clock
):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"])
    await open_absence_files(father)
    await sends(emulator, father, lambda user_id: emulator.user_sends_photo(TOKEN, user_id, PHOTO))
    await sends(
        emulator,
        father,
        lambda user_id: emulator.user_sends_document(TOKEN, user_id, PDF, "справка.pdf", mime_type="application/pdf"),
    )
    await father.tap("Готово")
    await father.tap("Отправить")

    kept = await attachments(sessions)
    assert [(f.kind, f.size, f.mime_type, f.sha256, f.telegram_bot_id) for f in kept] == [
        (AttachmentKind.PHOTO, len(PHOTO), "image/png", sha(PHOTO), 123456),
        (AttachmentKind.DOCUMENT, len(PDF), "application/pdf", sha(PDF), 123456),
    ]
    assert [file_store.get(f.sha256) for f in kept] == [PHOTO, PDF]
    assert file_store.path(sha(PDF)) == file_store.root / sha(PDF)[:2] / sha(PDF)[2:]

    async with polling_bot(emulator, sessions, clock, files=file_store, token=NEW_TOKEN):
        teacher = TelegramUser(emulator, 700_900_001, "ru", token=NEW_TOKEN)
        await teacher.send("/start " + await code_for(sessions, clock, school.staff["math"]))
        await teacher.tap("Принимаю")
        await teacher.press("Документы")
        photo, document, card = [await emulator.wait_for_bot_message(NEW_TOKEN, teacher.id) for _ in range(3)]
        new_bot = emulator.state(NEW_TOKEN)
        assert new_bot.files[photo["photo"][-1]["file_id"]].data == PHOTO
        assert new_bot.files[document["document"]["file_id"]].data == PDF
        assert document["document"]["file_name"] == "справка.pdf"
        assert card["text"].endswith("📎 2 файла выше")

        # The new bot's own file ids are recorded: the next time it sends them, not the bytes again.
        assert [(f.telegram_file_id, f.telegram_bot_id) for f in await attachments(sessions)] == [
            (photo["photo"][-1]["file_id"], 654321),
            (document["document"]["file_id"], 654321),
        ]
        uploads = len(emulator.calls(NEW_TOKEN, "sendDocument"))
        await teacher.press("Документы")
        [await emulator.wait_for_bot_message(NEW_TOKEN, teacher.id) for _ in range(3)]
        assert emulator.calls(NEW_TOKEN, "sendDocument")[uploads:][0]["document"] == document["document"]["file_id"]


async def test_homework_files_are_kept_with_their_size_and_type_J_4(bot_world, linked, emulator, file_store):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Домашнее задание")
    await math.send("С. 45, № 112")
    await sends(
        emulator,
        math,
        lambda user_id: emulator.user_sends_document(
            TOKEN, user_id, PDF, "упражнения.pdf", mime_type="application/pdf"
        ),
    )
    [kept] = await attachments(sessions)
    assert (kept.size, kept.mime_type, kept.sha256) == (len(PDF), "application/pdf", sha(PDF))
    assert file_store.get(kept.sha256) == PDF
