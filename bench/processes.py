"""How many /diary replies a second 1, 2 and 4 bot processes give, on one PostgreSQL and one Redis.

    python bench/processes.py [--processes 1 2 4] [--parents 50] [--rounds 5] [--messages-per-second 30]
                              [--postgres-url URL] [--redis-url URL]

Generates the demo (seed 1, around today: the processes read the real clock) into a new database on the PostgreSQL
server (dropped at the end), links N parents to emulated Telegram users (bench/bot_roundtrip.py), and starts the
local Bot API emulator in this process. For each count, that many `schoolbot run --webhook` processes (each with the
pushes' worker and the scheduler, as deployed) serve one webhook address: a round-robin balancer in this process
(devtools/processes.py; Telegram itself posts over up to 40 connections, which a shared port would spread).

All N parents send /diary at once, R rounds after one round of warm-up; a reply is the diary's message with the
buttons. Printed: replies a second, p50 and p95 of the round trips, CPU ms per update of the bot processes (from
/proc) and of this process (emulator, balancer and users). This process shares the machine's cores with the bots:
on 2 cores, more than 2 bot processes only take turns. Not a test: figures, for the README.

The processes keep Telegram's 30 messages a second per token (MESSAGES_PER_SECOND), shared in Redis: replies
to one bot cannot go faster whatever the processes. `--messages-per-second 10000` lifts it (the emulator has no
limit) to show what the processes themselves can do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis

from bench.bot_roundtrip import SCHOOL_TOKEN, link_parents, round_trip, tap_next_day
from bench.demo_db import demo_sessions, scratch_database
from devtools.processes import Balancer, BotProcesses, free_ports
from devtools.sandbox import BotAPIEmulator
from services.demo import TIMEZONE

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes so far (/proc/<pid>/stat, fields 14 and 15)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


async def at_once(emulator: BotAPIEmulator, user_ids: list[int], rounds: int, pids: list[int]) -> dict:
    def trip(user_id: int):
        # All at once on a busy machine, the last replies of a round may take longer than a user would wait.
        return round_trip(emulator, SCHOOL_TOKEN, user_id, "/diary", buttons=True, timeout=60)

    await asyncio.gather(*(trip(u) for u in user_ids))  # warm-up: every process's first queries and connections
    bots, own = cpu_seconds(pids), time.process_time()
    started = time.perf_counter()
    latencies = []
    for _ in range(rounds):
        latencies += await asyncio.gather(*(trip(u) for u in user_ids))
    elapsed = time.perf_counter() - started
    bots, own = cpu_seconds(pids) - bots, time.process_time() - own
    # Then each user taps the next day on their diary, one tap at a time: the bots' CPU per tap.
    tap_cpu = cpu_seconds(pids)
    taps = [await tap_next_day(emulator, SCHOOL_TOKEN, u) for _ in range(rounds) for u in user_ids]
    tap_cpu = cpu_seconds(pids) - tap_cpu
    latencies.sort()
    return {
        "tap_cpu_ms": tap_cpu * 1000 / len(taps),
        "per_second": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "bot_cpu_ms": bots * 1000 / len(latencies),
        "own_cpu_ms": own * 1000 / len(latencies),
    }


async def main(args) -> None:
    results = {}
    try:
        async with scratch_database(args.postgres_url) as database_url:
            engine, sessions = await demo_sessions(database_url, today=datetime.now(ZoneInfo(TIMEZONE)).date())
            async with BotAPIEmulator() as emulator:
                user_ids = await link_parents(sessions, emulator, args.parents)
                await engine.dispose()
                print(f"linked {len(user_ids)} parents; all at once, {args.rounds} rounds")
                env = {
                    **os.environ,
                    "BOT_TOKEN": SCHOOL_TOKEN,
                    "TELEGRAM_API_URL": emulator.base_url,
                    "DATABASE_URL": database_url,
                    "REDIS_URL": args.redis_url,
                    "WEBHOOK_SECRET": uuid.uuid4().hex,
                    "MESSAGES_PER_SECOND": str(args.messages_per_second),
                }
                for count in args.processes:
                    ports = free_ports(count)
                    folder = Path(tempfile.mkdtemp())
                    async with (
                        Balancer(ports) as balancer,
                        BotProcesses(ports, {**env, "WEBHOOK_URL": balancer.url}, folder) as bots,
                    ):
                        await bots.serving()
                        results[count] = await at_once(emulator, user_ids, args.rounds, [p.pid for p in bots.processes])
                    print(f"{count} processes: {results[count]['per_second']:.1f} replies/s")
    finally:
        async with Redis.from_url(args.redis_url) as redis:
            keys = [key async for key in redis.scan_iter(f"fsm:{SCHOOL_TOKEN.split(':')[0]}:*")]
            if keys:
                await redis.delete(*keys)

    print(
        f"\n/diary from {len(user_ids)} users at once, {args.rounds} rounds; PostgreSQL + Redis, webhook behind one "
        f"round-robin address; at most {args.messages_per_second} messages a second per token; {os.cpu_count()} "
        f"cores; {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(
        f"{'processes':>9s} {'replies/s':>10s} {'p50 ms':>8s} {'p95 ms':>8s} {'bot CPU ms':>11s} {'bench CPU ms':>13s}"
        f" {'bot CPU ms a tap':>17s}"
    )
    for count, r in results.items():
        print(
            f"{count:9d} {r['per_second']:10.1f} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['bot_cpu_ms']:11.2f} {r['own_cpu_ms']:13.2f} {r['tap_cpu_ms']:17.2f}"
        )
    print(
        "(CPU ms per update: of all bot processes together, and of this process: emulator, balancer, users; a tap:"
        " each user taps the next day on their diary, one tap at a time)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages-per-second", type=int, default=30)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
        help="a database on the server to connect to; the benchmark makes its own beside it",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    asyncio.run(main(parser.parse_args()))
