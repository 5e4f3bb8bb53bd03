"""Two processes behind one webhook, the drafts in Redis: a teacher's taps on a roster land in both at once. With the
per-chat draft lock in Redis (bot.draft_locks, chosen by create_dispatcher beside a RedisStorage) they take turns
and the saved attendance holds every tap; with a lock in each process's memory, taps handled by the two at once
read the same draft and one's toggle is written over by the other's."""

from __future__ import annotations

import asyncio
import tempfile
from itertools import cycle
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.dispatcher import DRAFTS_KEPT, create_dispatcher
from bot.pushes.limiter import SharedLimits
from services.files import FileStore
from services.models import Person
from tests.factories import enrol_student
from tests.flows.conftest import TOKEN, LocalHttpSession, TelegramUser, code_for, open_card, polling_bot
from tests.flows.test_attendance_flow import absent_names
from tests.redis_db import redis  # noqa: F401 (a fixture)
from ui.screens import LocksInMemory

pytestmark = pytest.mark.telegram_only(
    "two Telegram-served processes; the lock is the messenger's chat, whatever it is"
)

# The four of the mini school's 5А and a dozen more: each process has taps waiting for its lock while the other
# holds its own, as under a teacher's quick taps, and both stay under the flood limit (bot.dispatcher.FLOOD_LIMIT).
MORE = 12
STUDENTS = ["1 Алексеев", "2 Борисова", "3 Васильев", "4 Григорьева"] + [f"{5 + i} Ученик{i:02d}" for i in range(MORE)]


async def add_students(school, sessions) -> None:
    async with sessions() as session:
        for i in range(MORE):
            person = Person(school_id=school.school_id, last_name=f"Ученик{i:02d}", first_name="Тест")
            session.add(person)
            await session.flush()
            await enrol_student(session, school.school_id, person.id, school.classes["5А"])
        await session.commit()


def drafts_in(redis_and_prefix) -> RedisStorage:
    client, prefix = redis_and_prefix
    return RedisStorage(
        client,
        key_builder=DefaultKeyBuilder(prefix=prefix, with_bot_id=True),
        state_ttl=DRAFTS_KEPT,
        data_ttl=DRAFTS_KEPT,
    )


async def taps_in_two_processes(
    emulator, sessions, clock, storage: RedisStorage, math: TelegramUser, *, lock_in_memory: bool
) -> list[dict]:
    """The teacher taps every student of the roster at once; the taps are handed in turn to two dispatchers (as a
    load balancer would to two webhook processes), each with its own bot and memory, all handled at once.
    `lock_in_memory`: each process's own draft locks instead of those create_dispatcher keeps beside the drafts."""
    roster = emulator.last_message(TOKEN, math.id)
    # A student's button reads «1 Алексеев», or «1 Алексеев · ОТ» once marked absent (a later round takes it back).
    marked = {
        b["text"].removesuffix(" · ОТ"): b["text"] for row in roster["reply_markup"]["inline_keyboard"] for b in row
    }
    queries = [
        emulator.user_taps(TOKEN, math.id, roster["message_id"], math.button_data(roster, marked[name]))
        for name in STUDENTS
    ]
    updates = emulator.pending_updates(TOKEN)
    emulator.state(TOKEN).confirm(updates[-1]["update_id"] + 1)  # delivered by the webhook, not to a poll
    processes = []
    for _ in range(2):
        bot = Bot(
            TOKEN,
            session=LocalHttpSession(api=emulator.api_server()),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        bot.session.middleware(SharedLimits())
        files = FileStore(Path(tempfile.mkdtemp()))
        memory = LocksInMemory()
        locks = (lambda _bot_id, memory=memory: memory) if lock_in_memory else None
        dp = create_dispatcher(sessions, clock, storage, files=files, locks=locks)
        processes.append((dp, bot))
    try:
        await asyncio.gather(
            *(dp.feed_raw_update(bot, update) for update, (dp, bot) in zip(updates, cycle(processes), strict=False))
        )
    finally:
        for _dp, bot in processes:
            await bot.session.close()
    return [await emulator.wait_for_callback_answer(TOKEN, query) for query in queries]


async def absent_in_draft(storage: RedisStorage, math: TelegramUser) -> int:
    """How many students the roster's draft has absent now."""
    data = await storage.get_data(StorageKey(bot_id=int(TOKEN.split(":")[0]), chat_id=math.id, user_id=math.id))
    [draft] = data["attendance"].values()
    return len(draft["absent"])


async def open_roster(school, sessions, clock, emulator, storage, math: TelegramUser) -> None:
    await add_students(school, sessions)
    async with polling_bot(emulator, sessions, clock, storage):
        await math.send("/start " + await code_for(sessions, clock, school.staff["math"]))
        await math.tap("Принимаю")
        await open_card(math)
        await math.tap("Посещаемость")


async def test_taps_in_two_processes_take_turns_with_the_lock_in_redis(school_db, emulator, clock, person, redis):  # noqa: F811
    school, sessions = school_db
    storage, math = drafts_in(redis), person()
    await open_roster(school, sessions, clock, emulator, storage, math)

    answers = await taps_in_two_processes(emulator, sessions, clock, storage, math, lock_in_memory=False)
    assert len(answers) == len(STUDENTS)  # every tap was answered
    assert await absent_in_draft(storage, math) == len(STUDENTS)

    async with polling_bot(emulator, sessions, clock, drafts_in(redis)):  # the draft as kept, saved
        answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert len(await absent_names(sessions)) == len(STUDENTS)


async def test_with_a_lock_in_each_process_taps_are_lost(school_db, emulator, clock, person, redis):  # noqa: F811
    """What the lock in Redis is for. Whether two taps meet in the draft depends on timing: in a round of taps they
    did in 10 runs of 11 here; three rounds (each toggling every student back) make a miss very unlikely."""
    school, sessions = school_db
    storage, math = drafts_in(redis), person()
    await open_roster(school, sessions, clock, emulator, storage, math)

    kept = []
    for round_ in range(3):
        await taps_in_two_processes(emulator, sessions, clock, storage, math, lock_in_memory=True)
        absent = await absent_in_draft(storage, math)
        kept.append(absent if round_ % 2 == 0 else len(STUDENTS) - absent)  # odd rounds take them back
        if kept[-1] < len(STUDENTS):
            break
    assert kept[-1] < len(STUDENTS), kept
