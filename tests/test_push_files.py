"""An announcement's files reach every bot's chats (bot/pushes/sender.py, handlers/stored_files.send_stored): a file
goes by its id to a chat of the bot it came through; another bot (MAX's, a second token) uploads the school's kept
bytes once, remembers the id they got and sends that from then on; a remembered id the messenger refuses is replaced
by a new upload; a payload written before files were kept goes by its id, as it did. Against the local Bot API
emulator with an unmodified aiogram Bot."""

from __future__ import annotations

import asyncio

import pytest

from bot.pushes.limiter import RateLimiter
from bot.pushes.sender import RetryPolicy, Status, send
from services.files import FileStore
from services.models import AttachmentKind
from services.pushes.payloads import FileRef
from tests.files import png
from tests.test_push_sender import TOKEN, make_bot

OTHER_BOT = 777  # the bot the file came through: its ids mean nothing to this one
FAST = RetryPolicy(first_pause=0.01, max_pause=0.05, attempts=4)
PHOTO = png(3, 2)
PDF = b"%PDF-1.4\n% the programme\n%%EOF\n"


class MemoryRefs:
    """The kept bytes in a store and the bots' remembered ids in a dict (FileService keeps them in messenger_refs)."""

    def __init__(self, store: FileStore):
        self.store = store
        self.remembered: dict[tuple[int, str, str], str] = {}
        self.lookups = 0

    async def read(self, sha: str) -> bytes:
        return self.store.get(sha)

    async def file_id_for(self, sha: str, kind: AttachmentKind, bot_id: int) -> str | None:
        self.lookups += 1
        return self.remembered.get((bot_id, kind.value, sha))

    async def remember_file_id(self, sha: str, kind: AttachmentKind, bot_id: int, file_id: str) -> None:
        self.remembered[(bot_id, kind.value, sha)] = file_id


@pytest.fixture
async def bot(emulator):
    bot = make_bot(emulator)
    yield bot
    await bot.session.close()


@pytest.fixture
def refs(tmp_path) -> MemoryRefs:
    return MemoryRefs(FileStore(tmp_path / "files"))


def roomy() -> RateLimiter:
    return RateLimiter(per_chat_per_second=100)


def file_calls(emulator) -> list[tuple[int, str, bool]]:
    """This bot's sendPhoto and sendDocument calls in order: the chat, the method, and whether bytes were uploaded
    (a multipart part, «attach://…») rather than a file id named."""
    return [
        (int(call["chat_id"]), method, (call.get("photo") or call.get("document") or "").startswith("attach://"))
        for token, method, call in emulator.call_log
        if token == TOKEN and method.lower() in ("sendphoto", "senddocument")
    ]


async def test_another_bots_file_is_uploaded_once_then_sent_by_this_bots_remembered_id(emulator, bot, refs):
    sha = refs.store.put(PHOTO)
    doc_sha = refs.store.put(PDF)
    files = [
        FileRef("photo", "AgAC-of-the-other-bot", sha, OTHER_BOT),
        FileRef("document", "BQAC-of-the-other-bot", doc_sha, OTHER_BOT, "программа.pdf"),
    ]
    for chat in (4001, 4002):
        emulator.add_user(TOKEN, chat)

    first = await send(bot, roomy(), 4001, "Announcement", files, kept=refs, policy=FAST)
    second = await send(bot, roomy(), 4002, "Announcement", files, kept=refs, policy=FAST)

    assert (first.status, first.undelivered, second.status, second.undelivered) == (Status.SENT, 0, Status.SENT, 0)
    assert file_calls(emulator) == [
        (4001, "sendPhoto", True),
        (4001, "sendDocument", True),
        (4002, "sendPhoto", False),
        (4002, "sendDocument", False),
    ]
    state = emulator.state(TOKEN)
    photo_id = refs.remembered[(bot.id, "photo", sha)]
    doc_id = refs.remembered[(bot.id, "document", doc_sha)]
    assert (state.files[photo_id].data, state.files[doc_id].data) == (PHOTO, PDF)
    for chat in (4001, 4002):
        _text, photo, document = emulator.messages(TOKEN, chat)
        assert photo["photo"][-1]["file_id"] == photo_id
        assert (document["document"]["file_id"], document["document"]["file_name"]) == (doc_id, "программа.pdf")


async def test_a_whole_class_at_once_makes_one_upload(emulator, bot, refs):
    sha = refs.store.put(PHOTO)
    chats = range(4101, 4106)
    for chat in chats:
        emulator.add_user(TOKEN, chat)
    photo = [FileRef("photo", "AgAC-of-the-other-bot", sha, OTHER_BOT)]

    outcomes = await asyncio.gather(
        *(send(bot, roomy(), chat, "Announcement", photo, kept=refs, policy=FAST) for chat in chats)
    )

    assert [o.status for o in outcomes] == [Status.SENT] * 5
    assert sorted(uploaded for _chat, _method, uploaded in file_calls(emulator)) == [False] * 4 + [True]
    assert {int(chat) for chat, _m, _u in file_calls(emulator)} == set(chats)


async def test_a_remembered_id_the_messenger_refuses_is_replaced_by_an_upload(emulator, bot, refs):
    sha = refs.store.put(PHOTO)
    refs.remembered[(bot.id, "photo", sha)] = "AgACnot-real"  # a restore on another server, a bot re-created
    emulator.add_user(TOKEN, 4201)

    outcome = await send(
        bot, roomy(), 4201, "Announcement", [FileRef("photo", "AgAC-other", sha, OTHER_BOT)], kept=refs, policy=FAST
    )

    assert (outcome.status, outcome.undelivered, len(outcome.message_ids)) == (Status.SENT, 0, 2)
    assert emulator.calls(TOKEN, "sendPhoto")[0]["photo"] == "AgACnot-real"
    assert file_calls(emulator) == [(4201, "sendPhoto", False), (4201, "sendPhoto", True)]
    new = refs.remembered[(bot.id, "photo", sha)]
    assert new != "AgACnot-real" and emulator.state(TOKEN).files[new].data == PHOTO


async def test_this_bots_own_file_and_an_old_payload_go_by_their_id(emulator, bot, refs):
    own = emulator.user_sends_photo(TOKEN, 4301, PHOTO)["photo"][-1]["file_id"]
    sha = refs.store.put(PHOTO)
    old_row = {"kind": "photo", "file_id": own}  # written before files were kept: no sha256, no bot

    mine = await send(bot, roomy(), 4301, "A", [FileRef("photo", own, sha, bot.id)], kept=refs, policy=FAST)
    old = await send(bot, roomy(), 4301, "B", [old_row], kept=refs, policy=FAST)

    assert (mine.status, mine.undelivered, old.status, old.undelivered) == (Status.SENT, 0, Status.SENT, 0)
    assert [c["photo"] for c in emulator.calls(TOKEN, "sendPhoto")] == [own, own]
    assert refs.lookups == 0 and refs.remembered == {}


async def test_without_the_store_another_bots_file_is_refused_and_the_text_still_goes(emulator, bot):
    emulator.add_user(TOKEN, 4401)

    outcome = await send(
        bot, roomy(), 4401, "Announcement", [FileRef("photo", "AgAC-other", "ab" * 32, OTHER_BOT)], policy=FAST
    )

    assert (outcome.status, outcome.undelivered) == (Status.SENT, 1)
    assert [m.get("text") for m in emulator.messages(TOKEN, 4401)] == ["Announcement"]
