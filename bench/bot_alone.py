"""The bot's own CPU per /diary and per diary tap: the bot in a process of its own, the emulator not counted.

    python bench/bot_alone.py [--parents 50] [--rounds 5] [--repeats 5] [--database sqlite|postgresql]
                              [--postgres-url URL]

bench/bot_roundtrip.py times the whole benchmark process: the bot, the local Bot API emulator serving its HTTP
requests and the database driver. A tap costs the bot two requests (editMessageText, answerCallbackQuery) where
/diary costs one (sendMessage), so the emulator's share of a tap is larger, and it is no cost of the bot's in
production. Here the bot polls the emulator from a child process (this script with --serve), as bench/bot_roundtrip.py
runs it (create_dispatcher(), the bot's session, the limit of updates in flight, the clock at 24 Nov 2026 12:00 UTC);
the emulator and the users stay in this process. The child's CPU (/proc/<pid>/stat, user + system: the bot, aiogram,
its HTTP client and the database driver; not the PostgreSQL server) is read before and after:

- /diary: each of N parents sends /diary in turn, R rounds; CPU ms per reply;
- a tap: each parent taps the next day («… ▶») on their diary, one tap at a time, R rounds; CPU ms per tap.

Both are measured `--repeats` times in the same child; printed: the median and the range (min–max) of the repeats,
and /proc/loadavg before and after. Beside it, in the same run, a bare aiogram bot in its own child process, without
a database: /diary answered with a fixed text (sendMessage), a tap on its «… ▶» answered by editing the message and
answering the tap (editMessageText + answerCallbackQuery), as the diary does. Both children live through the run
and their repeats alternate (school, bare, school…), so that the ratio is of the same minutes. Not a test: figures,
for the README.

--database postgresql generates the demo into a new database on the server at --postgres-url (dropped at the end),
as bench/processes.py does; sqlite (the default), into a fresh file.

--instructions: each child runs under valgrind's callgrind, instrumented only while a phase is measured
(`callgrind_control`), and what is printed is the instructions per update of each bot's process: the same count
whatever the machine's speed at the minute (which moves by a factor of two here), so the ratio to the bare bot holds
from run to run. A bot under valgrind runs some fifty times slower: `--rounds 1 --repeats 1` is enough (50 updates
of each kind), a few minutes in all.

--profile FILE: the school bot's child runs cProfile over the first repeat's taps only (the parent signals it
before and after: SIGUSR1, SIGUSR2) and writes the stats to FILE (read with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack, suppress
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Dispatcher, F
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bench.bot_roundtrip import BARE_TOKEN, SCHOOL_TOKEN, Polling, clock, link_parents, round_trip, tap_next_day
from bench.demo_db import demo_sessions, scratch_database
from devtools.sandbox import BotAPIEmulator

TICKS = os.sysconf("SC_CLK_TCK")
VALGRIND_SLOWDOWN = 50  # how many times slower a bot runs under callgrind, about


def cpu_seconds(pid: int) -> float:
    """User and system time of the process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the child: one bot polling the emulator ------------------------------------------------------------------------

NEXT = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="25 нояб. ▶", callback_data="next")]])


def bare_dispatcher() -> Dispatcher:
    """A fixed text for any message; /start with a «… ▶» button, whose tap edits the message and answers the tap."""
    dp = Dispatcher()
    taps = 0

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("pong", reply_markup=NEXT)

    @dp.message()
    async def pong(message: Message) -> None:
        await message.answer("pong")

    @dp.callback_query()
    async def tap(query: CallbackQuery) -> None:
        nonlocal taps
        taps += 1
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"pong {taps}", reply_markup=NEXT)
        await query.answer()

    return dp


async def serve(args) -> None:
    from bot.dispatcher import create_dispatcher
    from services.db import create_engine, create_session_factory
    from services.files import FileStore
    from services.freshness import BACKSTOP_SECONDS, Freshness

    class Api:  # what Polling needs of the emulator: its address
        def api_server(self):
            from aiogram.client.telegram import TelegramAPIServer

            return TelegramAPIServer.from_base(args.api)

    if args.serve == "school":
        engine = create_engine(args.database_url)
        # Under valgrind the bot runs some fifty times slower, and what it keeps between updates would expire (the
        # backstop, services/freshness.py) fifty times as often per update: the count would be of cold updates,
        # which a real run hardly sees. Kept as long in updates as a real run keeps them.
        freshness = Freshness(backstop=BACKSTOP_SECONDS * VALGRIND_SLOWDOWN) if args.counted else None
        sessions = create_session_factory(engine, freshness)
        dp = create_dispatcher(sessions, clock, files=FileStore(Path(tempfile.mkdtemp())))
        token, as_run = SCHOOL_TOKEN, True
    else:
        dp, token, as_run = bare_dispatcher(), BARE_TOKEN, False
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # CPU, not waits: the event loop's thread
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, profiler.enable)

        def stop() -> None:
            profiler.disable()
            profiler.dump_stats(args.profile)

        loop.add_signal_handler(signal.SIGUSR2, stop)
    async with Polling(Api(), token, dp, as_run=as_run):  # type: ignore[arg-type]
        await asyncio.Event().wait()


# --- this process: the emulator and the users ------------------------------------------------------------------------


class Child:
    def __init__(self, kind: str, api: str, database_url: str, profile: str | None, counted: Path | None) -> None:
        self.argv = [sys.executable, __file__, "--serve", kind, "--api", api, "--database-url", database_url]
        if profile:
            self.argv += ["--profile", profile]
        if counted:  # valgrind runs the child in the same process (pid): /proc and callgrind_control find it
            self.argv[:0] = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={counted}/%p"]
            self.argv.append("--counted")

    async def __aenter__(self) -> Child:
        self.process = await asyncio.create_subprocess_exec(*self.argv, stderr=asyncio.subprocess.DEVNULL)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.process.terminate()
        await self.process.wait()


class Instructions:
    """The instructions a child under callgrind runs in a phase (Child with `counted`)."""

    def __init__(self, pid: int, directory: Path) -> None:
        self.pid, self.directory = pid, directory

    async def control(self, *options: str) -> None:
        process = await asyncio.create_subprocess_exec(
            "callgrind_control",
            *options,
            str(self.pid),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert await process.wait() == 0, f"callgrind_control {options} failed"

    async def start(self) -> None:
        await self.control("--instr=on")
        await self.control("--zero")

    async def stop(self) -> int:
        """The phase's instructions: callgrind's dump since start()."""
        dumps = set(self.directory.iterdir())
        await self.control("--dump")
        await self.control("--instr=off")
        [dump] = set(self.directory.iterdir()) - dumps
        [totals] = [line for line in dump.read_text().splitlines() if line.startswith("totals:")]
        return int(totals.split()[1])


async def diaries(emulator: BotAPIEmulator, token: str, user_ids: list[int], rounds: int, pid: int, bare: bool):
    def trip(user_id: int):
        return round_trip(emulator, token, user_id, "/diary", buttons=not bare)

    cpu, own = cpu_seconds(pid), time.process_time()
    count = len([await trip(u) for _ in range(rounds) for u in user_ids])
    return (cpu_seconds(pid) - cpu) * 1000 / count, (time.process_time() - own) * 1000 / count


async def taps(emulator: BotAPIEmulator, token: str, user_ids: list[int], rounds: int, pid: int):
    cpu, own = cpu_seconds(pid), time.process_time()
    count = len([await tap_next_day(emulator, token, u) for _ in range(rounds) for u in user_ids])
    return (cpu_seconds(pid) - cpu) * 1000 / count, (time.process_time() - own) * 1000 / count


FIGURES = ("diary", "tap", "diary_emulator", "tap_emulator", "diary_instructions", "tap_instructions")


async def measure(emulator, kind: str, user_ids: list[int], args, database_url: str, figures: dict[str, list]):
    """The bot of `kind` in its child process: started and warmed up at the first step, then one repeat of its
    /diary and taps at each next one, appended to `figures`. main() steps the school bot and the bare bot in turn,
    so that the two are measured in the same minutes (the machine's speed moves by a factor of two within a few)."""
    token = SCHOOL_TOKEN if kind == "school" else BARE_TOKEN
    bare = kind == "bare"
    profile = args.profile if kind == "school" else None
    counted = Path(tempfile.mkdtemp()) if args.instructions else None
    wait = 600 if counted else 60  # the child's start under valgrind: minutes
    async with Child(kind, emulator.base_url, database_url, profile, counted) as child:
        pid = child.process.pid
        instructions = Instructions(pid, counted) if counted else None
        # warm-up: the child's start, first queries and connections; the diary screens (or the bare bot's
        # message with «… ▶») the taps go from
        for u in user_ids:
            if bare:
                emulator.user_sends_text(token, u, "/start", language_code="ru")
                await emulator.wait_for_bot_message(token, u, wait)
            else:
                await round_trip(emulator, token, u, "/diary", buttons=True, timeout=wait)
        await tap_next_day(emulator, token, user_ids[0])
        count = args.rounds * len(user_ids)
        for repeat in range(args.repeats):
            yield  # the other bot's turn
            if instructions:
                await instructions.start()
            bot, own = await diaries(emulator, token, user_ids, args.rounds, pid, bare)
            if instructions:
                figures["diary_instructions"].append(await instructions.stop() / count)
            figures["diary"].append(bot)
            figures["diary_emulator"].append(own)
            if bare:  # the last message is a plain «pong» now: the one with «… ▶» again
                for u in user_ids:
                    emulator.user_sends_text(token, u, "/start", language_code="ru")
                    await emulator.wait_for_bot_message(token, u, 5)
            if profile and repeat == 0:
                child.process.send_signal(signal.SIGUSR1)
            if instructions:
                await instructions.start()
            bot, own = await taps(emulator, token, user_ids, args.rounds, pid)
            if instructions:
                figures["tap_instructions"].append(await instructions.stop() / count)
            if profile and repeat == 0:
                child.process.send_signal(signal.SIGUSR2)
                await asyncio.sleep(1)  # the stats written
            figures["tap"].append(bot)
            figures["tap_emulator"].append(own)


async def measure_in_turn(emulator, user_ids: list[int], args, database_url: str) -> dict[str, dict[str, list]]:
    """Both bots' figures, their repeats alternated: school, bare, school, bare… With --instructions one bot after
    the other instead: under valgrind the idle child's long polls would slow the measured one, whose count would take
    in the empty polls of its own that a slower update lets through."""
    results: dict[str, dict[str, list]] = {kind: {key: [] for key in FIGURES} for kind in ("school", "bare")}
    steps = {kind: measure(emulator, kind, user_ids, args, database_url, results[kind]) for kind in results}
    rounds = [[step] for step in steps.values()] if args.instructions else [list(steps.values())]
    try:
        for together in rounds:
            for _ in range(args.repeats + 1):  # the start and warm-up, then each repeat
                for step in together:
                    with suppress(StopAsyncIteration):  # the last repeat done, the child stopped
                        await anext(step)
    finally:
        for step in steps.values():
            await step.aclose()
    return results


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} ({min(values):.2f}–{max(values):.2f})"


async def main(args) -> None:
    async with AsyncExitStack() as stack:
        if args.database == "postgresql":
            database_url = await stack.enter_async_context(scratch_database(args.postgres_url))
        else:
            database_url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
        engine, sessions = await demo_sessions(database_url)
        async with BotAPIEmulator() as emulator:
            user_ids = await link_parents(sessions, emulator, args.parents)
            await engine.dispose()
            for u in user_ids:
                emulator.add_user(BARE_TOKEN, u, first_name="Родитель", language_code="ru")
            before = loadavg()
            results = await measure_in_turn(emulator, user_ids, args, database_url)
            after = loadavg()

    count = args.rounds * len(user_ids)
    if args.instructions:
        print_instructions(results, args, count, before, after)
        return
    print(
        f"\n{args.database}: the bot's process alone, CPU ms per update, median (min–max) of {args.repeats} repeats of "
        f"{count}; {os.cpu_count()} cores; load average {before} before, {after} after; "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(f"{'bot':12s} {'/diary':>20s} {'diary tap':>20s} {'emulator /diary':>20s} {'emulator tap':>20s}")
    for kind, f in results.items():
        print(
            f"{kind:12s} {spread(f['diary']):>20s} {spread(f['tap']):>20s} "
            f"{spread(f['diary_emulator']):>20s} {spread(f['tap_emulator']):>20s}"
        )
    s, b = results["school"], results["bare"]
    print(
        f"ratio school/bare: /diary {statistics.median(s['diary']) / statistics.median(b['diary']):.1f}×, "
        f"tap {statistics.median(s['tap']) / statistics.median(b['tap']):.1f}×"
    )


def print_instructions(results: dict, args, count: int, before: str, after: str) -> None:
    print(
        f"\n{args.database}: the bot's process alone, instructions per update (valgrind's callgrind), median of "
        f"{args.repeats} repeats of {count}; load average {before} before, {after} after (no matter to the count); "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(f"{'bot':12s} {'/diary':>14s} {'diary tap':>14s}")
    for kind, f in results.items():
        print(
            f"{kind:12s} {statistics.median(f['diary_instructions']):14,.0f} {statistics.median(f['tap_instructions']):14,.0f}"
        )
    s, b = results["school"], results["bare"]
    print(
        f"ratio school/bare: /diary {statistics.median(s['diary_instructions']) / statistics.median(b['diary_instructions']):.2f}×, "
        f"tap {statistics.median(s['tap_instructions']) / statistics.median(b['tap_instructions']):.2f}×"
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
        help="a database on the server to connect to; the benchmark makes its own beside it",
    )
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind, not CPU time")
    parser.add_argument("--profile", help="the school bot's first repeat of taps under cProfile, into this file")
    parser.add_argument("--serve", choices=["school", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)  # the child runs under valgrind
    return parser


if __name__ == "__main__":
    args = parser().parse_args()
    asyncio.run(serve(args) if args.serve else main(args))
