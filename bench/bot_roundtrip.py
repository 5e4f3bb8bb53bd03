"""How long a parent waits for /diary, end to end, and how many replies a second the bot gives.

    python bench/bot_roundtrip.py [--parents 50] [--rounds 5] [--database-url URL] [--before]
    python bench/bot_roundtrip.py --rate 100 [--duration 20] [--grace 5] [--parents 50] [--before]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database, starts the local Bot API emulator
(devtools.sandbox) in this process and runs the real create_dispatcher() polling it over HTTP, as the flow tests
do. N parents of the demo school are linked to emulated Telegram users through InviteService (not the
chat, to keep the setup short). The round trip is from the user's message entering the emulator to the
bot's reply being there (the last part of the diary's screen, the one with the buttons):

- sequential: each parent sends /diary in turn, R rounds; p50 and p95 in ms;
- concurrent: all N parents send /diary at once (asyncio.gather), R rounds; replies per second;
- CPU ms per update: time.process_time() of this whole process (bot, emulator and database alike) over the
  sequential round trips, divided by their number;
- a diary tap: then each parent taps the next day («… ▶») on their diary, one tap at a time, R rounds: from the
  tap to its answer (sent once the screen is edited), p50, p95 and CPU ms as above;
- with --rate: instead of both, /diary is offered at a fixed rate (updates a second, the parents in turn) for
  --duration seconds; after --grace seconds more, the share answered, p50/p95/p99 of those answered, and CPU
  ms per answered update.

The school bot runs as `schoolbot run` does: the bot's session (bot/session.py) and at most
MAX_UPDATES_IN_FLIGHT updates handled at once. With --before, as it ran before those: aiogram's own session
and no limit.

The same is measured for a bare aiogram bot (one handler answering any message with a fixed text, no
database) on the same emulator under another token: the cost of aiogram + emulator + HTTP alone.
Prints a table and the process's peak RSS. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.types import Message
from sqlalchemy import select

from bench.demo_db import demo_sessions
from bot.config import Settings
from bot.dispatcher import create_dispatcher
from bot.session import BotSession
from devtools.sandbox import BotAPIEmulator
from services.access import system_actor
from services.files import FileStore
from services.invites import InviteService
from services.models import Guardianship, Person

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCHOOL_TOKEN = "123456:BENCH-school"
BARE_TOKEN = "654321:BENCH-bare"
FIRST_USER_ID = 700_000_001


def clock() -> datetime:
    return NOW


class Polling:
    """A dispatcher polling the emulator under `token`, as bot/runtime.py runs it (HTML by default); with
    `as_run`, with the bot's session and the limit of updates in flight too."""

    def __init__(self, emulator: BotAPIEmulator, token: str, dp: Dispatcher, as_run: bool = False):
        self.dp = dp
        session_class = BotSession if as_run else AiohttpSession
        self.limit = Settings.model_fields["max_updates_in_flight"].default if as_run else None
        self.bot = Bot(
            token,
            session=session_class(api=emulator.api_server()),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )

    async def __aenter__(self) -> Polling:
        self.task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=1, tasks_concurrency_limit=self.limit)
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.dp.stop_polling()
        await asyncio.wait_for(self.task, 5)
        await self.bot.session.close()


def bare_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message()
    async def pong(message: Message) -> None:
        await message.answer("pong")

    return dp


async def link_parents(sessions, emulator: BotAPIEmulator, count: int) -> list[int]:
    """The first `count` parents of the demo, each linked to a new Telegram user; returns the user ids."""
    async with sessions() as session:
        parents = (
            await session.execute(
                select(Person.id, Person.school_id)
                .where(Person.id.in_(select(Guardianship.parent_id)))
                .order_by(Person.id)
                .limit(count)
            )
        ).all()
    user_ids = []
    for user_id, (person_id, school_id) in enumerate(parents, FIRST_USER_ID):
        async with sessions() as session:
            invites = InviteService(session, clock)
            [issued] = await invites.for_person(system_actor(school_id), person_id, timedelta(days=7))
            await invites.accept(user_id, issued.code)
        emulator.add_user(SCHOOL_TOKEN, user_id, first_name="Родитель", language_code="ru")
        user_ids.append(user_id)
    return user_ids


async def round_trip(
    emulator: BotAPIEmulator, token: str, user_id: int, text: str, buttons: bool, timeout: float = 5.0
) -> float:
    """Milliseconds from the user's message to the bot's reply; with `buttons`, a reply of several messages
    ends with the one carrying them (the diary's screen). A reply not there within `timeout` s is an error."""
    start = time.perf_counter()
    emulator.user_sends_text(token, user_id, text, language_code="ru")
    message = await emulator.wait_for_bot_message(token, user_id, timeout)
    while buttons and not message.get("reply_markup"):
        message = await emulator.wait_for_bot_message(token, user_id, timeout)
    return (time.perf_counter() - start) * 1000


async def tap_next_day(emulator: BotAPIEmulator, token: str, user_id: int) -> float:
    """Milliseconds from a tap on the diary's «… ▶» (the next day) to the tap's answer, which the bot sends once the
    screen is edited."""
    message = emulator.last_message(token, user_id)
    assert message is not None and message.get("reply_markup"), "no diary screen to tap"
    [data] = [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"].endswith(" ▶") and not b["text"].endswith("▶▶")
    ]
    start = time.perf_counter()
    query = emulator.user_taps(token, user_id, message["message_id"], data)
    await emulator.wait_for_callback_answer(token, query)
    return (time.perf_counter() - start) * 1000


async def measure_taps(emulator: BotAPIEmulator, token: str, user_ids: list[int], rounds: int) -> dict:
    """Each user taps the next day on their diary, one tap at a time."""
    await tap_next_day(emulator, token, user_ids[0])
    cpu = time.process_time()
    taps = sorted([await tap_next_day(emulator, token, u) for _ in range(rounds) for u in user_ids])
    cpu = time.process_time() - cpu
    return {
        "p50": statistics.median(taps),
        "p95": taps[int(len(taps) * 0.95) - 1],
        "per_second": float("nan"),
        "replies": len(taps),
        "cpu_ms": cpu * 1000 / len(taps),
    }


async def measure(emulator: BotAPIEmulator, token: str, user_ids: list[int], rounds: int, buttons: bool) -> dict:
    def trip(user_id: int):
        return round_trip(emulator, token, user_id, "/diary", buttons)

    await trip(user_ids[0])  # warm-up: first queries, imports, connections
    cpu = time.process_time()
    sequential = [await trip(u) for _ in range(rounds) for u in user_ids]
    cpu = time.process_time() - cpu
    started = time.perf_counter()
    for _ in range(rounds):
        await asyncio.gather(*(trip(u) for u in user_ids))
    elapsed = time.perf_counter() - started
    sequential.sort()
    return {
        "p50": statistics.median(sequential),
        "p95": sequential[int(len(sequential) * 0.95) - 1],
        "per_second": rounds * len(user_ids) / elapsed,
        "replies": len(sequential),
        "cpu_ms": cpu * 1000 / len(sequential),
    }


async def offered_rate(
    emulator: BotAPIEmulator, token: str, user_ids: list[int], rate: float, duration: float, grace: float, buttons: bool
) -> dict:
    """/diary at `rate` a second, the users in turn, for `duration` s; replies counted until `grace` s after.

    A reply is the bot's message with buttons (any message for the bare bot); each user's replies are matched
    to their /diary in order."""
    await round_trip(emulator, token, user_ids[0], "/diary", buttons)  # warm-up
    state = emulator.state(token)
    seen = {u: len(state.chats[u].events) if u in state.chats else 0 for u in user_ids}
    sent: dict[int, list[float]] = {u: [] for u in user_ids}
    latencies: list[float] = []

    def collect() -> bool:
        now = time.perf_counter()
        for user_id in user_ids:
            chat = state.chats.get(user_id)
            if chat is None:
                continue
            replies = sum(1 for event in chat.events[seen[user_id] :] if not buttons or event.get("reply_markup"))
            latencies.extend((now - at) * 1000 for at in sent[user_id][:replies])
            del sent[user_id][:replies]
            seen[user_id] = len(chat.events)
        return False

    async def collector() -> None:
        while True:
            await state.changed.wait_until(collect, 3600)

    collecting = asyncio.create_task(collector())
    cpu = time.process_time()
    started = time.perf_counter()
    offered = int(rate * duration)
    for i in range(offered):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        user_id = user_ids[i % len(user_ids)]
        sent[user_id].append(time.perf_counter())
        emulator.user_sends_text(token, user_id, "/diary", language_code="ru")
    await asyncio.sleep(max(0.0, started + duration + grace - time.perf_counter()))
    collect()
    cpu = time.process_time() - cpu
    collecting.cancel()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[max(0, int(len(latencies) * q) - 1)] if latencies else float("nan")

    return {
        "offered": offered,
        "answered": len(latencies) / offered,
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "cpu_ms": cpu * 1000 / max(1, len(latencies)),
    }


def print_rate(results: dict, args) -> None:
    print(
        f"\n{'bot':20s} {'answered':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'CPU ms':>7s}   "
        f"({args.rate:g} updates/s offered for {args.duration:g} s, counted until {args.grace:g} s after)"
    )
    for name, r in results.items():
        print(f"{name:20s} {r['answered']:8.0%} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['cpu_ms']:7.2f}")


async def main(args) -> None:
    engine, sessions = await demo_sessions(args.database_url)

    results = {}
    async with BotAPIEmulator() as emulator:
        user_ids = await link_parents(sessions, emulator, args.parents)
        if args.rate:
            print(f"linked {len(user_ids)} parents; /diary offered at {args.rate:g} a second")
        else:
            print(f"linked {len(user_ids)} parents; {args.rounds} rounds each, sequential then all at once")

        def run(token: str, buttons: bool):
            if args.rate:
                return offered_rate(emulator, token, user_ids, args.rate, args.duration, args.grace, buttons)
            return measure(emulator, token, user_ids, args.rounds, buttons)

        async with Polling(
            emulator,
            SCHOOL_TOKEN,
            create_dispatcher(sessions, clock, files=FileStore(Path(tempfile.mkdtemp()))),
            as_run=not args.before,
        ):
            results["school bot /diary"] = await run(SCHOOL_TOKEN, buttons=True)
            if not args.rate:
                results["school bot diary tap"] = await measure_taps(emulator, SCHOOL_TOKEN, user_ids, args.rounds)
        for user_id in user_ids:
            emulator.add_user(BARE_TOKEN, user_id, first_name="Родитель", language_code="ru")
        async with Polling(emulator, BARE_TOKEN, bare_dispatcher()):
            results["bare aiogram bot"] = await run(BARE_TOKEN, buttons=False)
    await engine.dispose()

    print(f"school bot: {'aiogram session, no limit (--before)' if args.before else 'as schoolbot run'}")
    if args.rate:
        print_rate(results, args)
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        return

    print(
        f"\n{'bot':20s} {'p50 ms':>8s} {'p95 ms':>8s} {'replies/s':>10s} {'CPU ms':>7s}   "
        f"(sequential: {results['bare aiogram bot']['replies']} round trips; "
        f"concurrent: {len(user_ids)} users at once)"
    )
    for name, r in results.items():
        rate = "—" if math.isnan(r["per_second"]) else f"{r['per_second']:.1f}"
        print(f"{name:20s} {r['p50']:8.1f} {r['p95']:8.1f} {rate:>10s} {r['cpu_ms']:7.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--rate", type=float, help="updates a second offered, instead of the round trips")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument("--before", action="store_true", help="aiogram's session and no limit for the school bot")
    asyncio.run(main(parser.parse_args()))
