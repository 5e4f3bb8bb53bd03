"""An announcement's photo reaches parents on another bot (DATA-1): a teacher sends it through bot A, the parents
have linked through bot B (a second token here; MAX's bot in production: either way a bot whose file ids are its own).
B's worker uploads the school's kept bytes once, remembers the id they got and sends that to the next parent; A's
worker sends the id the photo came with; a payload written before files were kept goes by its id, as it did."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, update

from services.db import write_transaction
from services.models import EventKind, OutboxEvent
from tests.files import PHOTO
from tests.flows.conftest import TOKEN, TelegramUser, code_for, plain, polling_bot
from tests.flows.test_kept_files_flow import refs_of, uploaded
from tests.flows.test_pushes_flow import statuses

pytestmark = pytest.mark.telegram_only("two Telegram bots; a file across messengers is in test_two_messengers_flow.py")

TOKEN_B = "654321:NEW-token"
BOT_A, BOT_B = 123456, 654321


async def sessions_scalars(sessions, query) -> list:
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def announce_photo(math: TelegramUser, emulator) -> str:
    """The class teacher of 5А sends «Собрание» with a photo to the class's parents; the photo's id (bot A's)."""
    await math.press("Объявление")
    await math.tap("Родители 5А")
    await math.send("Собрание в пятницу в 18:00")
    sent = emulator.user_sends_photo(TOKEN, math.id, PHOTO)
    await emulator.wait_for_bot_message(TOKEN, math.id)
    await math.tap("Готово")
    await math.tap("Отправить")
    return sent["photo"][-1]["file_id"]


async def test_an_announcements_photo_sent_through_bot_a_reaches_parents_on_bot_b_uploaded_once(
    bot_world, linked, emulator, clock, file_store, start_worker
):
    school, sessions = bot_world
    math = await linked(school.staff["math"])  # on bot A
    async with polling_bot(emulator, sessions, clock, files=file_store, token=TOKEN_B):
        parents = []
        for key, uid in (("alekseeva_mother", 730_000_001), ("borisov_father", 730_000_002)):
            parent = TelegramUser(emulator, uid, "ru", token=TOKEN_B)
            await parent.send("/start " + await code_for(sessions, clock, school.parents[key]))
            await parent.tap("Принимаю")
            parents.append(parent)
    a_id = await announce_photo(math, emulator)
    before = len(uploaded(emulator, TOKEN_B))

    start_worker(TOKEN_B)

    assert await statuses(sessions) == {parent.id: ["sent"] for parent in parents}
    photos = []
    for parent in parents:
        text, photo = emulator.messages(TOKEN_B, parent.id)[-2:]
        assert plain(text["text"]).endswith("Собрание в пятницу в 18:00")
        photos.append(photo["photo"][-1]["file_id"])
    sha = hashlib.sha256(PHOTO).hexdigest()
    b_id = (await refs_of(sessions, BOT_B))[f"photo:{sha}"]
    assert photos == [b_id, b_id] and b_id != a_id
    assert emulator.state(TOKEN_B).files[b_id].data == PHOTO
    # One upload for the first parent, B's own id for the next; A's id never offered to B.
    assert uploaded(emulator, TOKEN_B)[before:] == [("sendPhoto", True), ("sendPhoto", False)]
    assert a_id not in [c["photo"] for c in emulator.calls(TOKEN_B, "sendPhoto")]
    assert await refs_of(sessions, BOT_A) == {}
    [event] = await sessions_scalars(sessions, select(OutboxEvent).where(OutboxEvent.kind == EventKind.ANNOUNCEMENT))
    assert event.payload["files"] == [{"kind": "photo", "file_id": a_id, "sha256": sha, "bot_id": BOT_A}]


async def test_bot_a_sends_its_own_id_and_an_old_payload_goes_by_its_id(bot_world, linked, emulator, start_worker):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    father = await linked(school.parents["borisov_father"])
    math = await linked(school.staff["math"])
    a_id = await announce_photo(math, emulator)
    # As written before files were kept: no sha256, no bot (read and written at once: test_kept_values).
    async with sessions() as session, write_transaction(session):
        event = await session.scalar(select(OutboxEvent).where(OutboxEvent.kind == EventKind.ANNOUNCEMENT))
        old = {**event.payload, "files": [{"kind": "photo", "file_id": a_id}]}
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == event.id).values(payload=old))
    a_id_2 = await announce_photo(math, emulator)  # a new one, with its sha256 and bot

    start_worker()

    assert await statuses(sessions) == {mother.id: ["sent", "sent"], father.id: ["sent", "sent"]}
    for parent in (mother, father):
        shown = [m["photo"][-1]["file_id"] for m in emulator.messages(TOKEN, parent.id) if "photo" in m]
        assert shown == [a_id, a_id_2]
    assert not any(uploading for _m, uploading in uploaded(emulator, TOKEN))
    assert await refs_of(sessions, BOT_A) == {}
