"""How long a parent waits for /diary, end to end, and how many replies a second the bot gives.

    python bench/bot_roundtrip.py [--parents 50] [--rounds 5] [--database-url URL]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database, starts the local Bot API emulator
(devtools.sandbox) in this process and runs the real create_dispatcher() polling it over HTTP, as the flow tests
do. N parents of the demo school are linked to emulated Telegram users through InviteService (not the
chat, to keep the setup short). The round trip is from the user's message entering the emulator to the
bot's reply being there (the last part of the diary's screen, the one with the buttons):

- sequential: each parent sends /diary in turn, R rounds; p50 and p95 in ms;
- concurrent: all N parents send /diary at once (asyncio.gather), R rounds; replies per second.

The same is measured for a bare aiogram bot (one handler answering any message with a fixed text, no
database) on the same emulator under another token: the cost of aiogram + emulator + HTTP alone.
Prints a table and the process's peak RSS. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
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
from bot.dispatcher import create_dispatcher
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
    """A dispatcher polling the emulator under `token`, as bot/runtime.py runs it (HTML by default)."""

    def __init__(self, emulator: BotAPIEmulator, token: str, dp: Dispatcher):
        self.dp = dp
        self.bot = Bot(
            token,
            session=AiohttpSession(api=emulator.api_server()),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )

    async def __aenter__(self) -> Polling:
        self.task = asyncio.create_task(self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=1))
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


async def round_trip(emulator: BotAPIEmulator, token: str, user_id: int, text: str, buttons: bool) -> float:
    """Milliseconds from the user's message to the bot's reply; with `buttons`, a reply of several messages
    ends with the one carrying them (the diary's screen)."""
    start = time.perf_counter()
    emulator.user_sends_text(token, user_id, text, language_code="ru")
    message = await emulator.wait_for_bot_message(token, user_id)
    while buttons and not message.get("reply_markup"):
        message = await emulator.wait_for_bot_message(token, user_id)
    return (time.perf_counter() - start) * 1000


async def measure(emulator: BotAPIEmulator, token: str, user_ids: list[int], rounds: int, buttons: bool) -> dict:
    def trip(user_id: int):
        return round_trip(emulator, token, user_id, "/diary", buttons)

    await trip(user_ids[0])  # warm-up: first queries, imports, connections
    sequential = [await trip(u) for _ in range(rounds) for u in user_ids]
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
    }


async def main(args) -> None:
    engine, sessions = await demo_sessions(args.database_url)

    results = {}
    async with BotAPIEmulator() as emulator:
        user_ids = await link_parents(sessions, emulator, args.parents)
        print(f"linked {len(user_ids)} parents; {args.rounds} rounds each, sequential then all at once")
        async with Polling(
            emulator, SCHOOL_TOKEN, create_dispatcher(sessions, clock, files=FileStore(Path(tempfile.mkdtemp())))
        ):
            results["school bot /diary"] = await measure(emulator, SCHOOL_TOKEN, user_ids, args.rounds, buttons=True)
        for user_id in user_ids:
            emulator.add_user(BARE_TOKEN, user_id, first_name="Родитель", language_code="ru")
        async with Polling(emulator, BARE_TOKEN, bare_dispatcher()):
            results["bare aiogram bot"] = await measure(emulator, BARE_TOKEN, user_ids, args.rounds, buttons=False)
    await engine.dispose()

    print(
        f"\n{'bot':20s} {'p50 ms':>8s} {'p95 ms':>8s} {'replies/s':>10s}   "
        f"(sequential: {results['bare aiogram bot']['replies']} round trips; "
        f"concurrent: {len(user_ids)} users at once)"
    )
    for name, r in results.items():
        print(f"{name:20s} {r['p50']:8.1f} {r['p95']:8.1f} {r['per_second']:10.1f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
