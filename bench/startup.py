"""How long `schoolbot run` takes to start, and how much memory it holds then, beside a bare aiogram bot.

    python bench/startup.py [--runs 5] [--database-url URL]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database and brings it up to date, then starts the local Bot
API emulator (devtools.sandbox) in this process. Each bot is started as a subprocess N times, in turn:

- `python -m bot.cli run` (long polling, TELEGRAM_API_URL pointing at the emulator, on the demo database);
- a bare aiogram bot: a script with one handler answering any message, polling the same emulator.

For each start: the wall time from spawning the process to its first getUpdates reaching the emulator, the CPU
time the process had used by then (user + system, from /proc: steadier than wall time on a loaded machine) and
its RSS at that moment. Prints the median and the range of each, and the ratios: of the medians, and the median
of each start's ratio to the bare start that follows it (the two share the load of that moment). Linux only
(/proc). Not a test: figures, for the README.

--instructions: each start runs under valgrind's callgrind, and what is printed is the instructions each bot ran until
its first getUpdates (`callgrind_control --dump` then): the same count whatever the machine's speed at the minute,
where the times above move with it. A start takes a few minutes under valgrind: `--runs 1` is enough.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_alone import Instructions
from bench.demo_db import demo_sessions
from devtools.sandbox import BotAPIEmulator

ROOT = Path(__file__).resolve().parent.parent
SCHOOL_TOKEN = "123456:BENCH-school"
BARE_TOKEN = "654321:BENCH-bare"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

BARE_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import Message

dp = Dispatcher()


@dp.message()
async def pong(message: Message) -> None:
    await message.answer("pong")


async def main() -> None:
    bot = Bot(
        sys.argv[2],
        session=AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1])),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    await dp.start_polling(bot)


asyncio.run(main())
"""


class Watching(BotAPIEmulator):
    """The emulator, noting when each token's first getUpdates arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.first_poll: dict[str, asyncio.Future[float]] = {}

    def expect_poll(self, token: str) -> asyncio.Future[float]:
        self.first_poll[token] = asyncio.get_running_loop().create_future()
        return self.first_poll[token]

    async def execute(self, state, name, params):
        waiting = self.first_poll.get(state.token)
        if name.lower() == "getupdates" and waiting is not None and not waiting.done():
            waiting.set_result(time.perf_counter())
        return await super().execute(state, name, params)


def cpu_and_rss(pid: int) -> tuple[float, float]:
    """The process's CPU seconds (user + system) and resident MB, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of proc(5))
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20
    return cpu, rss


async def one_start(
    emulator: Watching, token: str, command: list[str], env: dict[str, str], cwd: str, counted: Path | None = None
) -> tuple:
    """(seconds until the first getUpdates, CPU seconds, RSS MB) of a start; with `counted` (a folder), under
    callgrind: the instructions until then."""
    polled = emulator.expect_poll(token)
    started = time.perf_counter()
    if counted:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counted}/%p", *command]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        done, _ = await asyncio.wait(
            [polled, asyncio.ensure_future(process.wait())],
            timeout=900 if counted else 60,
            return_when="FIRST_COMPLETED",
        )
        if polled not in done:
            err = (
                (await process.stderr.read()).decode(errors="replace")[-2000:] if process.returncode is not None else ""
            )
            raise SystemExit(f"{command}: no getUpdates (exit {process.returncode})\n{err}")
        if counted:
            return (await Instructions(process.pid, counted).stop(),)
        cpu, rss = cpu_and_rss(process.pid)
        return polled.result() - started, cpu, rss
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.communicate(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


def summary(values: list[float], unit: str, digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


async def main(args) -> None:
    engine, _ = await demo_sessions(args.database_url)
    await engine.dispose()
    database_url = args.database_url or engine.url.render_as_string(hide_password=False)
    work = tempfile.mkdtemp(prefix="startup-bench-")  # no stray .env of the developer's
    bare_script = Path(work) / "bare_bot.py"
    bare_script.write_text(BARE_BOT)
    results: dict[str, list[tuple[float, float, float]]] = {"schoolbot run": [], "bare aiogram bot": []}
    async with Watching() as emulator:
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
        school_env = {
            **base,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "BOT_TOKEN": SCHOOL_TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "FILES_DIR": str(Path(work) / "files"),
        }
        runs = {
            "schoolbot run": (SCHOOL_TOKEN, [sys.executable, "-m", "bot.cli", "run"], school_env),
            "bare aiogram bot": (BARE_TOKEN, [sys.executable, str(bare_script), emulator.base_url, BARE_TOKEN], base),
        }
        for i in range(args.runs):
            for name, (token, command, env) in runs.items():
                counted = Path(tempfile.mkdtemp(dir=work)) if args.instructions else None
                results[name].append(await one_start(emulator, token, command, env, work, counted))
                shown = "{:,} instructions" if counted else "{:.2f} s, {:.2f} s CPU, {:.0f} MB"
                print(f"run {i + 1} {name}: " + shown.format(*results[name][-1]))

    if args.instructions:
        school, bare = (statistics.median(row[0] for row in rows) for rows in results.values())
        print(f"\ninstructions until the first getUpdates (valgrind's callgrind), median of {args.runs} starts each:")
        print(f"schoolbot run {school:,.0f}, bare aiogram bot {bare:,.0f}: {school / bare:.2f}×")
        return

    print(f"\n{args.runs} starts each; load {os.getloadavg()[0]:.2f} (1 min) at the end")
    print(f"{'bot':18s} {'until first getUpdates':>26s} {'CPU by then':>24s} {'RSS then':>22s}")
    for name, rows in results.items():
        wall, cpu, rss = zip(*rows, strict=True)
        print(f"{name:18s} {summary(wall, 's', 2):>26s} {summary(cpu, 's', 2):>24s} {summary(rss, 'MB', 0):>22s}")
    school, bare = ([statistics.median(c) for c in zip(*results[n], strict=True)] for n in results)
    print(
        f"ratio (medians)    {school[0] / bare[0]:>25.2f}× {school[1] / bare[1]:>23.2f}× {school[2] / bare[2]:>21.2f}×"
    )
    # Each start beside the bare one right after it shares the machine's load of that moment: steadier on a busy one.
    paired = [statistics.median(s[i] / b[i] for s, b in zip(*results.values(), strict=True)) for i in range(3)]
    print(f"ratio (pairs)      {paired[0]:>25.2f}× {paired[1]:>23.2f}× {paired[2]:>21.2f}×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind, not time")
    asyncio.run(main(parser.parse_args()))
