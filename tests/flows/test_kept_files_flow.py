"""The school keeps the files themselves (ABS-4, DATA-1): a document's and a homework's files are downloaded into the
school's file store when they arrive, with their size and type, and another bot (a MAX bot, a second token, a restore
on another server) shows them from there, since a messenger's file ids belong to the bot that received them: it
uploads the bytes once and remembers its own id beside the one the file came with."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from services.models import Attachment, AttachmentKind, MessengerRef
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, TelegramUser, code_for, open_absence_files, open_card, polling_bot

PDF = b"%PDF-1.4\n% a doctor's note\n%%EOF\n"
NEW_TOKEN = "654321:NEW-token"  # another bot: the first one's file ids mean nothing to it


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def attachments(sessions) -> list[Attachment]:
    async with sessions() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def refs_of(sessions, bot_id: int) -> dict[str, str]:
    """The file references bot `bot_id` remembered (messenger_refs, kind «file»)."""
    async with sessions() as session:
        rows = await session.execute(
            select(MessengerRef.key, MessengerRef.ref).where(
                MessengerRef.bot_key == bot_id, MessengerRef.kind == "file"
            )
        )
        return dict(rows.all())


def is_file_call(call: dict) -> bool:
    return "photo" in call or "document" in call


def uploaded(emulator, token: str) -> list[tuple[str, bool]]:
    """The bot's sendPhoto and sendDocument calls in order, each with whether it uploaded bytes (a multipart part,
    «attach://…») rather than naming a file id."""
    return [
        (method, (call.get("photo") or call.get("document") or "").startswith("attach://"))
        for token_, method, call in emulator.call_log
        if token_ == token and method.lower() in ("sendphoto", "senddocument")
    ]


async def sends(emulator, who, upload) -> None:
    upload(who.id)
    await emulator.wait_for_bot_message(TOKEN, who.id)


@pytest.mark.telegram_only("a second Telegram bot shows the kept files; across messengers: test_two_messengers_flow.py")
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

        # The attachments keep the ids they came with (bot A's); bot B remembers its own, once, beside them.
        assert [(f.telegram_file_id, f.telegram_bot_id) for f in await attachments(sessions)] == [
            (f.telegram_file_id, 123456) for f in kept
        ]
        assert await refs_of(sessions, 654321) == {
            f"photo:{sha(PHOTO)}": photo["photo"][-1]["file_id"],
            f"document:{sha(PDF)}": document["document"]["file_id"],
        }
        assert await refs_of(sessions, 123456) == {}
        assert uploaded(emulator, NEW_TOKEN) == [("sendPhoto", True), ("sendDocument", True)]

        # Opened again through bot B: by B's remembered ids, nothing uploaded a second time.
        await teacher.press("Документы")
        again = [await emulator.wait_for_bot_message(NEW_TOKEN, teacher.id) for _ in range(3)]
        assert again[0]["photo"][-1]["file_id"] == photo["photo"][-1]["file_id"]
        assert again[1]["document"]["file_id"] == document["document"]["file_id"]
        assert uploaded(emulator, NEW_TOKEN)[2:] == [("sendPhoto", False), ("sendDocument", False)]
        assert emulator.calls(NEW_TOKEN, "sendDocument")[-1]["document"] == document["document"]["file_id"]

    # The same teacher through bot A: A sends the ids the files came with.
    in_a = TelegramUser(emulator, teacher.id, "ru")
    await in_a.send("/start")
    await in_a.press("Документы")
    [await emulator.wait_for_bot_message(TOKEN, in_a.id) for _ in range(3)]
    mine = [c for c in emulator.calls(TOKEN) if c.get("chat_id") in (in_a.id, str(in_a.id)) and is_file_call(c)]
    assert [c.get("photo") or c.get("document") for c in mine] == [f.telegram_file_id for f in kept]
    assert await refs_of(sessions, 123456) == {}


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
