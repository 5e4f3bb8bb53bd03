"""MAX's replies and pushes within MAX's limits, beside the same run over Telegram.

    python bench/max.py [--parents 50] [--rounds 3] [--rate 25] [--duration 20] [--grace 5]
                        [--classes 5] [--reply-every 0.1] [--database-url URL] [--quick]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database, as the other benchmarks do, and runs the same bot
twice, one messenger after the other: through the local MAX API (devtools/sandbox/max) with MAX's limits on (30
requests a second per bot, every request counted, the long poll too; 2 messages a second per chat, POST /messages
and POST /answers), then through the local Bot API (devtools/sandbox) with Telegram's on (30 messages a second per
bot, 1 a second per chat for sends and edits). Over either limit the emulator answers 429. Each bot is made as
`schoolbot run` makes it (bot/runtime.create_max, create_bot: the session middlewares SharedLimits and TokenWatch,
so the rate limiter of bot/pushes/limiter.py), polled by create_dispatcher() with MAX_UPDATES_IN_FLIGHT updates at
most at once, the pushes sent by the real PushWorker through the same bot.

Replies. N parents of the demo are linked through InviteService (a code each, in each messenger):
- all N send /diary at once, R rounds: a reply is the diary's screen (the message with the buttons), timed from the
  user's message entering the emulator; then all N tap the diary's next day at once, R rounds, timed until the
  screen is edited. Replies a second, p50 / p95 / p99, and CPU per update (time.process_time() of this whole
  process: bot, emulator, database driver);
- /diary offered at a steady rate (bench/bot_roundtrip.offered_rate: the parents in turn) for --duration s.

Pushes. --classes lessons of 23 Nov (the demo's last school day before 24 Nov), each of another class: every
student of the lesson gets a mark (5) in one save by the lesson's teacher (JournalService.add_marks), and each
student's parents are linked to emulated users of the messenger (Account rows written directly, without quiet
hours, as bench/pushes.py does; one student per family, so that each parent gets one push and none waits for the
gathering window). Timed from the save (OutboxEvent.created_at) to the last parent's push answered
(Delivery.sent_at), one class after the other, each once the last one's pushes are all sent. Meanwhile the
reply parents send /diary in turn, one every --reply-every s (each parent's chat every N × that): the p95 of those
replies while a fan-out is under way says whether replies go first.

The MAX session keeps each message's id in the database (bot/max/refs.DatabaseRefs) through an engine of its own,
as `schoolbot run` makes it (bot/runtime.bot_and_dispatcher): the updates in hand hold the main pool's connections.

The 429 answers are counted at the emulators' rate checks (wrapped in this process; the emulators are unchanged),
with the call each refused; every request let through is timed there too, so the table shows the most requests
the emulator saw in any one second (a sliding window, as it counts) for the bot and for one chat.

Prints the table with the date, the load average and the command. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shlex
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher
from pydantic import SecretStr
from sqlalchemy import delete, func, insert, select

from bench.bot_roundtrip import NOW, clock, round_trip
from bench.demo_db import TODAY, demo_sessions
from bench.pushes import NO_QUIET, clear_outbox, journal_clock
from bot.channels import from_max
from bot.config import Settings
from bot.dispatcher import create_dispatcher
from bot.pushes.worker import PushWorker
from bot.runtime import create_bot, create_max
from devtools.sandbox import BotAPIEmulator
from devtools.sandbox.max import MaxAPIEmulator
from services.access import load_actor, system_actor
from services.accounts import AccountRef
from services.db import create_engine, create_session_factory, write_transaction
from services.files import FileStore
from services.invites import InviteService
from services.journal import JournalService
from services.models import (
    Account,
    Channel,
    Delivery,
    DeliveryStatus,
    Guardianship,
    Lesson,
    Mark,
    OutboxEvent,
    Person,
    PersonAccount,
)
from services.pushes.fanout import _lesson_students

MAX_TOKEN = "bench-max-token"  # a MAX token is any string
TELEGRAM_TOKEN = "123456:BENCH-max"
REPLY_USERS = 700_000_001  # the reply parents' messenger ids from here
PUSH_USERS = 800_000_000  # a push parent's messenger id is this plus the person's id
IN_FLIGHT = Settings.model_fields["max_updates_in_flight"].default


# --- the emulators' rate checks, watched -----------------------------------------------------------


@dataclass
class Meter:
    """Every request an emulator's rate check let through (when, which call), per chat the messages too, and the
    429 answers it gave (by call)."""

    requests: list[tuple[float, str]] = field(default_factory=list)
    chats: dict[Any, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: list[tuple[float, str]] = field(default_factory=list)

    def window(self, start: float, end: float) -> dict:
        """Figures of the requests between `start` and `end` (time.monotonic())."""
        requests = sorted(t for t, _ in self.requests if start <= t <= end)
        per_chat = max(
            (most_in_a_second([t for t in times if start <= t <= end]) for times in self.chats.values()), default=0
        )
        refused = Counter(name for t, name in self.refused if start <= t <= end)
        by_call = Counter(name for t, name in self.requests if start <= t <= end)
        sends = sorted(t for t, name in self.requests if start <= t <= end and name != "GET /updates")
        return {
            "requests": len(requests),
            "max per second": most_in_a_second(requests),
            "max sends per second": most_in_a_second(sends),
            "max per chat": per_chat,
            "429": sum(refused.values()),
            "429 by call": dict(refused),
            "by call": dict(by_call),
        }


def most_in_a_second(times: list[float]) -> int:
    """The most of `times` (sorted) within any one second: the emulators' sliding window."""
    most, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - 1:
            first += 1
        most = max(most, last - first + 1)
    return most


def watch_max(emulator: MaxAPIEmulator) -> Meter:
    """MAX's emulator checks every request (rates.check) and then a message's chat (rates.check_chat); the call
    being checked is the last one logged (logged just before, with no await between)."""
    meter, rates = Meter(), emulator.rates
    check, check_chat = rates.check, rates.check_chat

    def last_call() -> str:
        return emulator.call_log[-1][1] if emulator.call_log else "?"

    def bot_wide(token: str) -> None:
        try:
            check(token)
        except Exception:
            meter.refused.append((time.monotonic(), last_call()))
            raise
        meter.requests.append((time.monotonic(), last_call()))

    def chat(token: str, chat_key: Any) -> None:
        try:
            check_chat(token, chat_key)
        except Exception:
            meter.refused.append((time.monotonic(), last_call() + " (per chat)"))
            raise
        meter.chats[chat_key].append(time.monotonic())

    rates.check, rates.check_chat = bot_wide, chat  # type: ignore[method-assign]
    return meter


def watch_telegram(emulator: BotAPIEmulator) -> Meter:
    """Telegram's emulator checks the methods that put something in a chat (sends and edits), per bot and chat."""
    meter, flood = Meter(), emulator.flood
    check = flood.check

    def checked(token: str, chat_id: Any) -> None:
        name = emulator.call_log[-1][1] if emulator.call_log else "?"
        try:
            check(token, chat_id)
        except Exception:
            meter.refused.append((time.monotonic(), name))
            raise
        now = time.monotonic()
        meter.requests.append((now, name))
        meter.chats[str(chat_id)].append(now)

    flood.check = checked  # type: ignore[method-assign]
    return meter


# --- one messenger ---------------------------------------------------------------------------------


@dataclass
class Messenger:
    name: str
    channel: Channel
    emulator: Any
    token: str  # the emulator's name of the bot
    bot: Bot
    meter: Meter

    def account(self, user_id: int) -> AccountRef:
        """The account of the messenger's user `user_id` as the bot's updates name it (bot/channels.py)."""
        if self.channel is Channel.MAX:
            return AccountRef(from_max(user_id), Channel.MAX, user_id)
        return AccountRef(user_id)


def messenger(name: str, emulator: Any, refs_sessions) -> Messenger:
    """The bot as `schoolbot run` makes it; a MAX bot keeps its message ids through `refs_sessions`."""
    if name == "MAX":
        settings = Settings(_env_file=None, max_token=SecretStr(MAX_TOKEN), max_api_url=emulator.base_url)
        bot = create_max(settings, refs_sessions)
        assert bot is not None
        return Messenger(name, Channel.MAX, emulator, MAX_TOKEN, bot, watch_max(emulator))
    bot = create_bot(Settings(_env_file=None, bot_token=TELEGRAM_TOKEN, telegram_api_url=emulator.base_url))
    return Messenger(name, Channel.TELEGRAM, emulator, TELEGRAM_TOKEN, bot, watch_telegram(emulator))


class Polling:
    """The dispatcher polling the messenger's emulator, as `schoolbot run` does."""

    def __init__(self, m: Messenger, dp: Dispatcher) -> None:
        self.m, self.dp = m, dp

    async def __aenter__(self) -> Polling:
        self.task = asyncio.create_task(
            self.dp.start_polling(
                self.m.bot, handle_signals=False, polling_timeout=1, tasks_concurrency_limit=IN_FLIGHT
            )
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.dp.stop_polling()
        await asyncio.wait_for(self.task, 5)


async def reply_parents(sessions, count: int) -> list[int]:
    """The first `count` parents of the demo (person ids)."""
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Person.id)
                    .where(Person.id.in_(select(Guardianship.parent_id)))
                    .order_by(Person.id)
                    .limit(count)
                )
            ).all()
        )


async def link_by_code(sessions, m: Messenger, persons: list[int]) -> list[int]:
    """Each person linked in the messenger through a fresh code (InviteService); returns the messenger's user ids."""
    user_ids = []
    for user_id, person_id in enumerate(persons, REPLY_USERS):
        async with sessions() as session:
            school_id = await session.scalar(select(Person.school_id).where(Person.id == person_id))
            invites = InviteService(session, clock)
            [issued] = await invites.for_person(system_actor(school_id), person_id, timedelta(days=7))
            await invites.accept(m.account(user_id), issued.code)
        m.emulator.add_user(m.token, user_id, first_name="Родитель", language_code="ru")
        user_ids.append(user_id)
    return user_ids


# --- replies ---------------------------------------------------------------------------------------


def pct(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(len(values) * share) - 1))] if values else float("nan")


ANSWER_WITHIN = 15.0  # seconds: a reply later than this is counted as not given


async def diary(m: Messenger, user_id: int) -> float | None:
    """Milliseconds from /diary to the diary's screen; None when it does not come (the bot failed, or said sorry)."""
    try:
        return await round_trip(m.emulator, m.token, user_id, "/diary", buttons=True, timeout=ANSWER_WITHIN)
    except TimeoutError:
        return None


async def tap_next_day(m: Messenger, user_id: int) -> float | None:
    """Milliseconds from a tap on the diary's «… ▶» (the next day) to the screen edited; None when the user has no
    diary screen to tap or the edit does not come."""
    message = m.emulator.last_message(m.token, user_id)
    if message is None or not message.get("reply_markup"):
        return None
    [data] = [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"].endswith(" ▶") and not b["text"].endswith("▶▶")
    ]
    start = time.perf_counter()
    m.emulator.user_taps(m.token, user_id, message["message_id"], data)
    try:
        while not (await m.emulator.wait_for_bot_message(m.token, user_id, ANSWER_WITHIN)).get("reply_markup"):
            pass
    except TimeoutError:
        return None
    return (time.perf_counter() - start) * 1000


async def at_once(m: Messenger, user_ids: list[int], rounds: int) -> dict:
    """All parents send /diary at once, R rounds, then all tap the next day at once, R rounds. Replies a second:
    those answered over the rounds' times (each round's until its last answer)."""
    await diary(m, user_ids[0])  # warm-up: first queries, connections
    await asyncio.sleep(1.1)  # out of the warm-up's second
    result = {}
    trips = {"diary": lambda u: diary(m, u), "tap": lambda u: tap_next_day(m, u)}
    for what, trip in trips.items():
        latencies: list[float] = []
        busy, asked = 0.0, 0
        cpu, moment = time.process_time(), time.monotonic()
        for _ in range(rounds):
            answers = [a for a in await asyncio.gather(*(trip(u) for u in user_ids)) if a is not None]
            latencies += answers
            asked += len(user_ids)
            busy += max(answers, default=0.0) / 1000
            await asyncio.sleep(1.1)  # the next round out of this one's second
        result[what] = {
            "latencies": latencies,
            "answered": len(latencies) / asked,
            "per_second": len(latencies) / busy if busy else float("nan"),
            "cpu_ms": (time.process_time() - cpu) * 1000 / max(1, len(latencies)),
            "limits": m.meter.window(moment, time.monotonic()),
        }
    return result


async def steady(m: Messenger, user_ids: list[int], args) -> dict:
    """/diary at `args.rate` a second, the parents in turn, for `args.duration` s; replies counted until `args.grace`
    s after. As bench/bot_roundtrip.offered_rate, but its warm-up a second before the first /diary of the same
    parent: in Telegram's emulator, two replies to one chat within a second are one too many."""
    await diary(m, user_ids[0])  # warm-up
    await asyncio.sleep(1.1)
    state = m.emulator.state(m.token)
    seen = {u: len(state.chats[u].events) if u in state.chats else 0 for u in user_ids}
    sent: dict[int, list[float]] = {u: [] for u in user_ids}
    latencies: list[float] = []

    def collect() -> bool:
        now = time.perf_counter()
        for user_id in user_ids:
            chat = state.chats.get(user_id)
            if chat is None:
                continue
            replies = sum(1 for event in chat.events[seen[user_id] :] if event.get("reply_markup"))
            latencies.extend((now - at) * 1000 for at in sent[user_id][:replies])
            del sent[user_id][:replies]
            seen[user_id] = len(chat.events)
        return False

    async def collector() -> None:
        while True:
            await state.changed.wait_until(collect, 3600)

    collecting = asyncio.create_task(collector())
    moment, cpu, started = time.monotonic(), time.process_time(), time.perf_counter()
    offered = int(args.rate * args.duration)
    for i in range(offered):
        await asyncio.sleep(max(0.0, started + i / args.rate - time.perf_counter()))
        user_id = user_ids[i % len(user_ids)]
        sent[user_id].append(time.perf_counter())
        m.emulator.user_sends_text(m.token, user_id, "/diary", language_code="ru")
    await asyncio.sleep(max(0.0, started + args.duration + args.grace - time.perf_counter()))
    collect()
    cpu = time.process_time() - cpu
    collecting.cancel()
    return {
        "offered": offered,
        "answered": len(latencies) / offered,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "p99": pct(latencies, 0.99),
        "cpu_ms": cpu * 1000 / max(1, len(latencies)),
        "limits": m.meter.window(moment, time.monotonic()),
    }


# --- pushes ----------------------------------------------------------------------------------------


@dataclass
class ClassSave:
    lesson_id: int
    work_type_id: int
    teacher_id: int
    entries: list[tuple[int, int]]  # (student, mark)
    parents: dict[int, list[int]]  # student -> parents


async def class_saves(sessions, count: int, avoid: set[int]) -> list[ClassSave]:
    """`count` lessons of the last school day before TODAY, each of another class, with their marks deleted (to be
    saved again); one student per family, no parent among `avoid` (the reply parents)."""
    async with sessions() as session:
        day = await session.scalar(
            select(func.max(Lesson.date)).join(Mark, Mark.lesson_id == Lesson.id).where(Lesson.date < TODAY)
        )
        rows = (
            await session.execute(
                select(Lesson.id, Lesson.assignment_id, Mark.work_type_id, Lesson.teacher_id)
                .join(Mark, Mark.lesson_id == Lesson.id)
                .where(Lesson.date == day)
                .order_by(Lesson.lesson_number, Lesson.id)
            )
        ).all()
        guardians: dict[int, list[int]] = defaultdict(list)
        for student, parent in (await session.execute(select(Guardianship.student_id, Guardianship.parent_id))).all():
            guardians[student].append(parent)
        saves: list[ClassSave] = []
        classes: set[int] = set()
        for lesson_id, _assignment, work_type_id, teacher_id in rows:
            lesson = await session.get(Lesson, lesson_id)
            assert lesson is not None
            class_id = lesson.assignment.class_id
            if class_id in classes or lesson.assignment.subgroup_id is not None:
                continue
            students = await _lesson_students(session, lesson_id)
            told: set[int] = set()
            entries, parents = [], {}
            for student in students:
                family = guardians.get(student, [])
                if not family or told & set(family) or avoid & set(family):
                    continue
                told.update(family)
                entries.append((student, 5))
                parents[student] = family
            if len(entries) < len(students) * 0.8:
                continue
            classes.add(class_id)
            saves.append(ClassSave(lesson_id, work_type_id, teacher_id, entries, parents))
            if len(saves) == count:
                break
    async with sessions() as session, write_transaction(session):
        await session.execute(delete(Mark).where(Mark.lesson_id.in_([s.lesson_id for s in saves])))
    return saves


async def link_in_bulk(sessions, m: Messenger, persons: set[int]) -> dict[int, int]:
    """Person -> account id, each linked in the messenger (Account and PersonAccount rows, no quiet hours)."""
    accounts = {p: m.account(PUSH_USERS + p) for p in persons}
    async with sessions() as session, write_transaction(session):
        await session.execute(
            insert(Account),
            [
                {
                    "id": ref.id,
                    "channel": ref.channel,
                    "external_id": ref.messenger_id,
                    "locale": "ru",
                    "quiet_from": NO_QUIET,
                    "quiet_to": NO_QUIET,
                }
                for ref in accounts.values()
            ],
        )
        await session.execute(
            insert(PersonAccount),
            [{"person_id": p, "account_id": ref.id, "channel": ref.channel} for p, ref in accounts.items()],
        )
    for ref in accounts.values():
        m.emulator.add_user(m.token, ref.messenger_id, first_name="Родитель", language_code="ru")
    return {p: ref.id for p, ref in accounts.items()}


async def replies_meanwhile(
    m: Messenger, user_ids: list[int], every: float, waits: list[tuple[float, float]], failed: Counter
) -> None:
    """/diary from the reply parents in turn, one every `every` s, each timed on its own (start, ms)."""
    pending: set[asyncio.Task] = set()

    async def one(user_id: int) -> None:
        started = time.monotonic()
        try:
            waits.append((started, await round_trip(m.emulator, m.token, user_id, "/diary", True, timeout=30)))
        except TimeoutError:
            failed["no reply in 30 s"] += 1

    try:
        n = 0
        while True:
            user_id = user_ids[n % len(user_ids)]
            n += 1
            task = asyncio.create_task(one(user_id))
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(every)
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def fan_outs(m: Messenger, sessions, saves: list[ClassSave], user_ids: list[int], args) -> dict:
    """Each class's marks saved, one class after another once the last one's pushes are all sent, while the reply
    parents send /diary."""
    persons = {p for s in saves for family in s.parents.values() for p in family}
    accounts = await link_in_bulk(sessions, m, persons)
    ours = list(accounts.values())
    worker = PushWorker(m.bot, sessions)
    working = asyncio.create_task(worker.run())
    waits: list[tuple[float, float]] = []
    failed: Counter[str] = Counter()
    await asyncio.sleep(1.0)  # the worker started and idle
    replying = asyncio.create_task(replies_meanwhile(m, user_ids, args.reply_every, waits, failed))
    spans, runs = [], []
    try:
        await asyncio.sleep(2.0)  # the replies going on before the first save
        for save in saves:
            expected = sum(len(family) for family in save.parents.values())
            async with sessions() as session:
                actor = await load_actor(session, save.teacher_id)
                await JournalService(session, journal_clock).add_marks(
                    actor, save.lesson_id, save.work_type_id, save.entries, None
                )
            start = time.monotonic()
            sent = 0
            while time.monotonic() - start < 120:
                await asyncio.sleep(0.02)
                async with sessions() as session:
                    sent = await session.scalar(
                        select(func.count(Delivery.id))
                        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
                        .where(
                            Delivery.status == DeliveryStatus.SENT,
                            Delivery.account_id.in_(ours),
                            OutboxEvent.payload["lesson_id"].as_integer() == save.lesson_id,
                        )
                    )
                if sent >= expected:
                    break
            end = time.monotonic()
            spans.append((start, end))
            runs.append({"marks": len(save.entries), "parents": expected, "sent": sent})
            await asyncio.sleep(1.5)  # a quiet moment between the classes, out of the last one's second
    finally:
        for task in (replying, working):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxEvent.payload, OutboxEvent.created_at, Delivery.sent_at)
                .join(Delivery, Delivery.event_id == OutboxEvent.id)
                .where(Delivery.status == DeliveryStatus.SENT, Delivery.account_id.in_(ours))
            )
        ).all()
    by_lesson: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for payload, created, sent_at in rows:
        by_lesson[payload["lesson_id"]].append((created, sent_at))
    last, rates = [], []
    for save in saves:
        pairs = by_lesson.get(save.lesson_id, [])
        if not pairs:
            continue
        saved = min(c for c, _ in pairs)
        sent_times = sorted(s for _, s in pairs)
        last.append((sent_times[-1] - saved).total_seconds())
        span = (sent_times[-1] - sent_times[0]).total_seconds()
        if span > 0:
            rates.append((len(sent_times) - 1) / span)
    limits = [m.meter.window(start, end + 1.0) for start, end in spans]
    during = [ms for started, ms in waits if any(start <= started <= end for start, end in spans)]
    return {
        "runs": runs,
        "last": last,
        "rates": rates,
        "max per second": max(w["max per second"] for w in limits),
        "max sends per second": max(w["max sends per second"] for w in limits),
        "max per chat": max(w["max per chat"] for w in limits),
        "429": sum(w["429"] for w in limits),
        "429 by call": sum((Counter(w["429 by call"]) for w in limits), Counter()),
        "by call": sum((Counter(w["by call"]) for w in limits), Counter()),
        "replies during": during,
        "replies in all": len(waits),
        "replies failed": failed,
        "worker": dict(worker.stats),
        "all 429": len(m.meter.refused),
    }


# --- the run ---------------------------------------------------------------------------------------


async def run_messenger(name: str, emulator: Any, sessions, refs_sessions, persons: list[int], saves, args) -> dict:
    m = messenger(name, emulator, refs_sessions)
    if name == "MAX":
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=2)
    else:
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)
    user_ids = await link_by_code(sessions, m, persons)
    dp = create_dispatcher(sessions, clock, files=FileStore(Path(tempfile.mkdtemp())))
    result: dict[str, Any] = {}
    try:
        async with Polling(m, dp):
            print(f"{name}: {len(user_ids)} parents linked; at once, {args.rounds} rounds", flush=True)
            result["at once"] = await at_once(m, user_ids, args.rounds)
            print(f"{name}: /diary at {args.rate:g} a second for {args.duration:g} s", flush=True)
            result["steady"] = await steady(m, user_ids, args)
            print(f"{name}: {len(saves)} classes' marks", flush=True)
            await clear_outbox(sessions)
            result["pushes"] = await fan_outs(m, sessions, saves, user_ids, args)
    finally:
        await m.bot.session.close()
    result["all 429"] = len(m.meter.refused)
    result["429 calls"] = Counter(name for _, name in m.meter.refused)
    async with sessions() as session, write_transaction(session):  # the same classes again for the next messenger
        await session.execute(delete(Mark).where(Mark.lesson_id.in_([s.lesson_id for s in saves])))
    await clear_outbox(sessions)
    return result


def ms3(values: list[float]) -> str:
    return f"{pct(values, 0.5):.0f} / {pct(values, 0.95):.0f} / {pct(values, 0.99):.0f} ms"


def answered(r: dict) -> str:
    return f"{r['answered']:.0%}; {r['per_second']:.1f}"


def limits_text(w: dict) -> str:
    return f"{w['max per second']} ({w['max sends per second']}) / {w['max per chat']}; 429: {w['429']}"


LIMITS = "  most requests in 1 s: the bot (not long polls) / one chat; 429s"


def table(results: dict[str, dict], args) -> list[tuple[str, str, str]]:
    def row(figure: str, get: Callable[[dict], str]) -> tuple[str, str, str]:
        return (figure, *(get(results[name]) for name in ("MAX", "Telegram")))

    n, r = args.parents, args.rounds
    return [
        row(
            f"/diary, {n} parents at once ({r} rounds), p50 / p95 / p99",
            lambda x: ms3(x["at once"]["diary"]["latencies"]),
        ),
        row("  answered; replies a second", lambda x: answered(x["at once"]["diary"])),
        row("  CPU per update", lambda x: f"{x['at once']['diary']['cpu_ms']:.2f} ms"),
        row(LIMITS, lambda x: limits_text(x["at once"]["diary"]["limits"])),
        row(f"the next day tapped, {n} at once, p50 / p95 / p99", lambda x: ms3(x["at once"]["tap"]["latencies"])),
        row("  answered; taps answered a second", lambda x: answered(x["at once"]["tap"])),
        row("  CPU per update", lambda x: f"{x['at once']['tap']['cpu_ms']:.2f} ms"),
        row(LIMITS, lambda x: limits_text(x["at once"]["tap"]["limits"])),
        row(
            f"/diary offered at {args.rate:g} a second for {args.duration:g} s: answered, p50 / p95 / p99",
            lambda x: (
                f"{x['steady']['answered']:.0%}, {x['steady']['p50']:.0f} / {x['steady']['p95']:.0f} / "
                f"{x['steady']['p99']:.0f} ms"
            ),
        ),
        row("  replies a second", lambda x: f"{x['steady']['answered'] * x['steady']['offered'] / args.duration:.1f}"),
        row("  CPU per update", lambda x: f"{x['steady']['cpu_ms']:.2f} ms"),
        row(LIMITS, lambda x: limits_text(x["steady"]["limits"])),
        row(
            f"pushes: {len(results['MAX']['pushes']['runs'])} classes' marks, one save each: marks / parents told",
            lambda x: (
                f"{sum(run['marks'] for run in x['pushes']['runs'])} / "
                f"{sum(run['sent'] for run in x['pushes']['runs'])} of {sum(run['parents'] for run in x['pushes']['runs'])}"
            ),
        ),
        row(
            "  save → the class's last parent's push, mean (min–max)",
            lambda x: (
                f"{statistics.mean(x['pushes']['last']):.2f} s "
                f"({min(x['pushes']['last']):.2f}–{max(x['pushes']['last']):.2f})"
            ),
        ),
        row(
            "  pushes a second, first to last of a class, mean",
            lambda x: f"{statistics.mean(x['pushes']['rates']):.1f}" if x["pushes"]["rates"] else "—",
        ),
        row(
            LIMITS,
            lambda x: limits_text(x["pushes"]),
        ),
        row(
            f"  /diary meanwhile (one every {args.reply_every:g} s), p50 / p95 / p99",
            lambda x: ms3(x["pushes"]["replies during"]) + f" ({len(x['pushes']['replies during'])})",
        ),
        row(
            "429 answers in the whole run",
            lambda x: str(x["all 429"]) + (f" {dict(x['429 calls'])}" if x["all 429"] else ""),
        ),
    ]


async def main(args) -> None:
    wall = time.perf_counter()
    loads = [os.getloadavg()]
    engine, sessions = await demo_sessions(args.database_url)
    await clear_outbox(sessions)
    persons = await reply_parents(sessions, args.parents)
    saves = await class_saves(sessions, args.classes, set(persons))
    print(
        f"{len(saves)} classes of {sum(len(s.entries) for s in saves)} students (one a family), "
        f"{sum(len(f) for s in saves for f in s.parents.values())} parents"
    )
    refs_engine = create_engine(str(engine.url.render_as_string(hide_password=False)))  # as schoolbot run does
    refs_sessions = create_session_factory(refs_engine)
    results = {}
    async with MaxAPIEmulator() as max_emulator:
        results["MAX"] = await run_messenger("MAX", max_emulator, sessions, refs_sessions, persons, saves, args)
    loads.append(os.getloadavg())
    async with BotAPIEmulator() as telegram:
        results["Telegram"] = await run_messenger("Telegram", telegram, sessions, sessions, persons, saves, args)
    loads.append(os.getloadavg())
    await engine.dispose()
    await refs_engine.dispose()

    rows = table(results, args)
    width = max(len(f) for f, _, _ in rows)
    print(f"\n{'figure':{width}s}  {'MAX (30/s, 2/s a chat)':34s}  Telegram (30/s, 1/s a chat)")
    for figure, in_max, in_telegram in rows:
        print(f"{figure:{width}s}  {in_max:34s}  {in_telegram}")
    for name in ("MAX", "Telegram"):
        p = results[name]["pushes"]
        print(
            f"{name}: the fan-outs' requests by call {dict(p['by call'])}; worker {p['worker']}; "
            f"replies meanwhile {p['replies in all']}, failed {dict(p['replies failed'])}"
        )
        for what, phase in (*results[name]["at once"].items(), ("steady", results[name]["steady"])):
            print(f"{name}, {what}: requests by call {phase['limits']['by call']}")
    print(f"\ndate: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (the bot's clock: {NOW:%d %b %Y %H:%M})")
    print(
        "load average (1, 5, 15 min) at the start, after MAX, at the end: "
        + "; ".join(" ".join(f"{x:.2f}" for x in load) for load in loads)
    )
    print(f"command: python {shlex.join(['bench/max.py', *sys.argv[1:]])}")
    print(
        f"wall time {time.perf_counter() - wall:.0f} s; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=50, help="parents sending /diary and tapping")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all the parents at once")
    parser.add_argument("--rate", type=float, default=25.0, help="/diary a second offered")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the offered rate")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds after it for the last replies")
    parser.add_argument("--classes", type=int, default=5, help="classes whose marks are saved, one after another")
    parser.add_argument("--reply-every", type=float, default=0.1, help="seconds between replies during the pushes")
    parser.add_argument("--database-url")
    parser.add_argument("--quick", action="store_true", help="a short run: 1 round, 5 s, 2 classes")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rounds, arguments.duration, arguments.grace, arguments.classes = 1, 5, 3, 2
    asyncio.run(main(arguments))
