"""The performance targets in one table: each beside what this machine does now, and whether it is met.

    python bench/targets.py [--day]

Runs the benchmarks that measure them one after another, as their own commands would (each printed before it
runs, so any row can be measured again alone), reads the figures they print and prints one table: target, figure,
met or not. About six minutes on this project's 2-core machine; `--day` adds the fan-out of a school day's pushes
(`bench/pushes.py`, about two minutes more). The two-process figures are `bench/processes.py`'s (minutes on
PostgreSQL and Redis). Figures move with the machine's speed, which here changes by a factor of two within
minutes: the CPU rows are the medians of several repeats beside the bare aiogram bot of the same run, and
`bench/bot_alone.py --instructions` counts what does not move. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.demo_db import scratch_database

HERE = Path(__file__).resolve().parent
NUMBER = r"([\d.]+)"


def run(*argv: str) -> str:
    """The benchmark's printed figures (it fails loudly if it fails)."""
    print("+ python bench/" + " ".join(argv), file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, str(HERE / argv[0]), *argv[1:]], capture_output=True, text=True, check=True, cwd=HERE.parent
    )
    return done.stdout


def found(pattern: str, text: str) -> tuple[float, ...]:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"no «{pattern}» in the benchmark's output:\n{text}"
    return tuple(float(group) for group in match.groups())


def cpu_rows(database: str) -> list[tuple[str, str, str, bool]]:
    out = run("bot_alone.py", "--database", database, "--repeats", "5")
    diary, tap = found(rf"^school\s+{NUMBER} \(.*?\)\s+{NUMBER} \(", out)
    bare_diary, bare_tap = found(rf"^bare\s+{NUMBER} \(.*?\)\s+{NUMBER} \(", out)
    return [
        (
            f"CPU per /diary, the bot's process, {database}",
            "≤ 4 ms",
            f"{diary:.2f} ms (bare {bare_diary:.2f}: {diary / bare_diary:.1f}×)",
            diary <= 4,
        ),
        (
            f"CPU per diary tap, the bot's process, {database}",
            "≤ 4 ms",
            f"{tap:.2f} ms (bare {bare_tap:.2f}: {tap / bare_tap:.1f}×)",
            tap <= 4,
        ),
    ]


def rate_row(rate: int, postgres_url: str | None, target_p95: float | None) -> tuple[str, str, str, bool]:
    """`rate` /diary a second for 20 s; on PostgreSQL in a database of its own beside `postgres_url`'s."""
    if postgres_url is None:
        out = run("bot_roundtrip.py", "--rate", str(rate))
    else:

        async def in_scratch_database() -> str:
            async with scratch_database(postgres_url) as url:
                return run("bot_roundtrip.py", "--rate", str(rate), "--database-url", url)

        out = asyncio.run(in_scratch_database())
    answered, p50, p95, p99 = found(rf"^school bot /diary\s+{NUMBER}%\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}", out)
    where = "PostgreSQL" if postgres_url else "SQLite"
    figure = f"{answered:.0f}% answered, p50 / p95 / p99 {p50:.1f} / {p95:.1f} / {p99:.1f} ms"
    if target_p95 is None:
        return f"{rate} /diary a second offered, {where}", "all answered", figure, answered == 100
    met = answered == 100 and p95 <= target_p95
    return f"{rate} /diary a second offered, {where}", f"p95 ≤ {target_p95:g} ms", figure, met


def push_row(case: str, times: int, target_p95: float) -> tuple[str, str, str, bool]:
    out = run("pushes.py", "--case", case, "--times", str(times))
    p50, p95, _ = found(
        rf"latency saved -> sendMessage answered, p50 / p95 / max\s+{NUMBER} / {NUMBER} / {NUMBER}", out
    )
    _, _, lost = found(rf"pairs expected / sent / lost\s+{NUMBER} / {NUMBER} / {NUMBER}", out)
    name = "one mark saved → the parent's push" if case == "quiet" else "a class's marks in one save → the pushes"
    figure = f"p50 / p95 {p50:.2f} / {p95:.2f} s, {lost:.0f} lost"
    return name, f"p95 ≤ {target_p95:g} s", figure, p95 <= target_p95 and lost == 0


def fan_out_row() -> tuple[str, str, str, bool]:
    """The bot's 30 a second are shared by the pushes and the replies (first): a teacher taps every 0.5 s throughout."""
    out = run("pushes.py", "--restart-at", "0")
    pushes, _ = found(rf"messages a second, first to last send\s+{NUMBER} \(cap 30\), over {NUMBER} s", out)
    (every,) = found(rf"a reply every {NUMBER} s meanwhile", out)
    sent = pushes + 1 / every
    figure = f"{sent:.1f}: {pushes:.1f} pushes and {1 / every:g} replies a second"
    return "a school day's pushes and the replies meanwhile, a second", "≥ 0.95 of 30", figure, sent >= 0.95 * 30


def start_rows() -> list[tuple[str, str, str, bool]]:
    out = run("startup.py", "--runs", "5")
    wall, _, rss = found(rf"^ratio \(pairs\)\s+{NUMBER}×\s+{NUMBER}×\s+{NUMBER}×", out)
    return [
        ("start until the first getUpdates, against the bare bot", "≤ 1.2×", f"{wall:.2f}×", wall <= 1.2),
        ("RSS then, against the bare bot", "≤ 1.3×", f"{rss:.2f}×", rss <= 1.3),
    ]


def token_row() -> tuple[str, str, str, bool]:
    """A malformed BOT_TOKEN is told in a sentence before aiogram is imported."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(HERE.parent), "BOT_TOKEN": "not-a-token"}
    started = time.perf_counter()
    done = subprocess.run(  # in a folder of its own: no developer's .env, nothing written
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=tempfile.mkdtemp(),
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    sentence = done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    return "a malformed BOT_TOKEN told in a sentence", "< 1 s", f"{took:.2f} s", sentence and took < 1


def main(args) -> None:
    postgres = args.postgres_url
    rows = [*cpu_rows("sqlite"), *cpu_rows("postgresql")]
    rows += [rate_row(25, None, 30), rate_row(25, postgres, 30), rate_row(100, None, None)]
    rows += [push_row("quiet", 20, 1.5), push_row("class", 10, 3)]
    if args.day:
        rows.append(fan_out_row())
    rows += [*start_rows(), token_row()]
    print(f"\n{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {time.ctime()}")
    width = max(len(name) for name, *_ in rows)
    for name, target, figure, met in rows:
        print(f"{name:{width}s}  {target:>14s}  {'met' if met else 'NOT MET':7s}  {figure}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", action="store_true", help="also the fan-out of a school day's pushes")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
        help="a server for the PostgreSQL rows (each benchmark makes its own database beside it)",
    )
    main(parser.parse_args())
