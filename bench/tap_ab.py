"""Two checkouts' school bots measured in the same seconds: CPU per diary tap, batches alternated.

    python bench/tap_ab.py --other PATH [--batches 16] [--parents 50] [--database-url URL]

bench/bot_alone.py measures one checkout; on a machine whose speed moves by a factor of two within minutes, two of
its runs compare only roughly. Here this checkout's bot and another's (PATH: a git worktree of another commit, with
its own `.venv`) poll one Bot API emulator under two tokens, on one demo database, each in a child process as
bench/bot_alone.py runs it (--serve school); after a warm-up (each parent's /diary and a tap), each batch is a tap by
every parent on one bot, then on the other (the order swapped every batch), and each child's CPU
(/proc/<pid>/stat) is read around its batch. Printed: the median and range of each bot's CPU ms per tap, and the
median of this checkout's / the other's per pair of batches. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_alone import cpu_seconds, loadavg
from bench.bot_roundtrip import SCHOOL_TOKEN, link_parents, round_trip, tap_next_day
from bench.demo_db import demo_sessions
from devtools.sandbox import BotAPIEmulator

HERE = Path(__file__).resolve().parent.parent  # this checkout
OTHER_TOKEN = "777777:BENCH-other"

# The child: the checkout's bench/bot_alone.py serving its school bot under a given token.
CHILD = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import bench.bot_alone as alone
alone.SCHOOL_TOKEN = sys.argv[2]
asyncio.run(alone.serve(alone.parser().parse_args(sys.argv[3:])))
"""


async def child(checkout: Path, token: str, api: str, database_url: str) -> asyncio.subprocess.Process:
    python = checkout / ".venv" / "bin" / "python"
    argv = ["--serve", "school", "--api", api, "--database-url", database_url]
    return await asyncio.create_subprocess_exec(str(python), "-c", CHILD, str(checkout), token, *argv)


async def main(args) -> None:
    database_url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    engine, sessions = await demo_sessions(database_url)
    bots = {"this": (HERE, SCHOOL_TOKEN), "other": (Path(args.other).resolve(), OTHER_TOKEN)}
    async with BotAPIEmulator() as emulator:
        users = await link_parents(sessions, emulator, args.parents)
        await engine.dispose()
        for u in users:
            emulator.add_user(OTHER_TOKEN, u, first_name="Родитель", language_code="ru")
        processes = {
            name: await child(path, token, emulator.base_url, database_url) for name, (path, token) in bots.items()
        }
        try:
            for _, token in bots.values():
                for u in users:
                    await round_trip(emulator, token, u, "/diary", buttons=True, timeout=60)
                for u in users:
                    await tap_next_day(emulator, token, u)
            before = loadavg()
            taps: dict[str, list[float]] = {name: [] for name in bots}
            for batch in range(args.batches):
                for name in list(bots) if batch % 2 == 0 else list(bots)[::-1]:
                    pid, token = processes[name].pid, bots[name][1]
                    cpu = cpu_seconds(pid)
                    for u in users:
                        await tap_next_day(emulator, token, u)
                    taps[name].append((cpu_seconds(pid) - cpu) * 1000 / len(users))
            after = loadavg()
        finally:
            for process in processes.values():
                process.terminate()
                await process.wait()

    print(f"\nload average {before} before, {after} after; {args.batches} batches of {len(users)} taps a bot")
    for name, values in taps.items():
        print(
            f"{name:6s} {bots[name][0]}: CPU ms per tap, median {statistics.median(values):.2f} "
            f"({min(values):.2f}–{max(values):.2f})"
        )
    ratios = [mine / theirs for mine, theirs in zip(taps["this"], taps["other"], strict=True)]
    print(f"this / other, median of the batch pairs: {statistics.median(ratios):.3f}")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", required=True, help="another checkout of the project, with its own .venv")
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--database-url", help="the demo's database (default: a fresh SQLite file)")
    return parser


if __name__ == "__main__":
    asyncio.run(main(parser().parse_args()))
