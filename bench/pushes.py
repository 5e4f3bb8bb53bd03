"""A school day of marks pushed to every linked family, within Telegram's limits, with a crash midway.

    python bench/pushes.py [--case day|quiet|class] [--share 1.0] [--save-over 45] [--gather 15]
                           [--restart-at 0.5] [--stop crash|graceful] [--restart-pause 0] [--day YYYY-MM-DD]
                           [--reply-every 0.5] [--times 20] [--database-url URL]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database and links every student and parent of the
school to an emulated Telegram user, in bulk: Account and PersonAccount rows written directly
(InviteService, a transaction and a consent row per person, would take minutes for ~2,000 people; the
pushes read only the link). The accounts have no quiet hours, so that the run does not depend on the hour.

A school day of marks: the demo's marks of one day (by default the last school day before 24 Nov) are
deleted and saved again through JournalService.add_marks, as their teachers, lesson by lesson in the order
of the day's periods, evenly over `--save-over` seconds (a real day's hours compressed: more news a second
than Telegram lets through, so the fan-out runs at the cap; and a child's marks of successive lessons come
seconds apart, within one gathering window, so there are fewer messages a recipient and longer waits than
on a real day). `--share` keeps a part of the day's lessons.

Meanwhile the real PushWorker (real clock, default settings but `--gather`) sends through the bot
`schoolbot run` creates to the local Bot API emulator (devtools.sandbox) with Telegram's limits on: 30
messages a second per bot, 1 a second per chat; over them it answers 429. Every mark is instant news
(the default), so its latency is the gathering window plus the queue.

While the day is sent, teachers tap buttons, one every `--reply-every` seconds (ten teachers in turn):
the bot's answer (a sendMessage through the same bot, so through the same limits) is timed from asking
to Telegram's answer. It shows how long a person waits for a screen while the pushes fill the token's 30
a second.

When `--restart-at` of the expected (mark, recipient) pairs are sent, the worker crashes: its sends in
flight and its task are cancelled at once, so nothing in flight is recorded (`--stop graceful` cancels
only the task: a stop, which lets what is in flight finish). A new worker, with a new rate limiter as a
new process would have, starts at once, or after `--restart-pause` seconds (a process started within a
second of the old one's last messages does not know of them, and meets 429 answers). At the end: lost =
pairs never sent (or never planned); repeated = messages the emulated users hold beyond the messages the
database recorded as sent. `--restart-at 0`: no restart.

`--case quiet` and `--case class` time a push in a quiet moment instead of a whole day: one mark saved
(`quiet`), or a mark for every student of a lesson in one save (`class`), `--times` times, each for other
families, each after the last one's pushes were all sent; no restart, no replies. The latency is from the
save (OutboxEvent.created_at) to Telegram's answer to the sendMessage (Delivery.sent_at, recorded right
after it), so it includes the worker's polling.

Prints a table and the process's peak RSS. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram.exceptions import TelegramRetryAfter
from sqlalchemy import delete, func, insert, select

from bench.demo_db import TODAY, demo_sessions
from bot.config import Settings
from bot.pushes import limiter
from bot.pushes.limiter import RateLimiter
from bot.pushes.worker import PushWorker
from bot.runtime import create_bot
from devtools.sandbox import BotAPIEmulator
from services.access import load_actor
from services.db import write_transaction
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
    PersonAccount,
    Student,
    utcnow,
)
from services.pushes.fanout import _lesson_students

TOKEN = "123456:BENCH-pushes"
ACCOUNT_BASE = 800_000_000  # a person's emulated Telegram id is this plus the person's id
NO_QUIET = clock_time(0, 0)  # quiet_from == quiet_to: no quiet hours
CHECK_EVERY = 0.25  # seconds between looks at the queue
TEACHERS = [ACCOUNT_BASE - n for n in range(1, 11)]  # emulated teachers whose taps get replies meanwhile
STARTED = utcnow()


def journal_clock() -> datetime:
    """The teachers' clock: 24 Nov 2026 whatever the machine's date, so the day's lessons are open (J-9);
    the worker and the stored times (OutboxEvent.created_at, Delivery.sent_at) use the real clock."""
    return datetime.combine(TODAY, clock_time(9, 0), UTC) + (utcnow() - STARTED)


async def clear_outbox(sessions) -> None:
    async with sessions() as session, write_transaction(session):
        await session.execute(delete(Delivery))
        await session.execute(delete(OutboxEvent))


async def day_of_marks(sessions, day: date | None, share: float):
    """The day and its marks, one save per (lesson, work type, teacher, comment), lessons in period order;
    the marks are deleted, to be saved again."""
    async with sessions() as session:
        if day is None:
            day = await session.scalar(
                select(func.max(Lesson.date)).join(Mark, Mark.lesson_id == Lesson.id).where(Lesson.date < TODAY)
            )
        rows = (
            await session.execute(
                select(
                    Mark.id,
                    Mark.lesson_id,
                    Mark.work_type_id,
                    Mark.student_id,
                    Mark.value,
                    Mark.comment,
                    func.coalesce(Mark.created_by, Lesson.teacher_id).label("teacher_id"),
                )
                .join(Lesson, Lesson.id == Mark.lesson_id)
                .where(Lesson.date == day)
                .order_by(Lesson.lesson_number, Lesson.id, Mark.id)
            )
        ).all()
    lessons = list(dict.fromkeys(r.lesson_id for r in rows))
    if share < 1:
        kept = set(random.Random(1).sample(lessons, max(1, round(len(lessons) * share))))
        rows = [r for r in rows if r.lesson_id in kept]
        lessons = [lesson for lesson in lessons if lesson in kept]
    saves: dict[int, dict[tuple, list[tuple[int, int]]]] = {lesson: {} for lesson in lessons}
    for r in rows:
        saves[r.lesson_id].setdefault((r.work_type_id, r.teacher_id, r.comment), []).append((r.student_id, r.value))
    async with sessions() as session, write_transaction(session):
        await session.execute(delete(Mark).where(Mark.id.in_([r.id for r in rows])))
    return day, rows, saves


async def link_families(sessions, emulator: BotAPIEmulator) -> dict[int, list[int]]:
    """Every student and parent linked to an emulated user; returns student id → the family's account ids."""
    async with sessions() as session, write_transaction(session):
        students = (await session.execute(select(Student.id, Student.person_id))).all()
        parents = (await session.execute(select(Guardianship.student_id, Guardianship.parent_id))).all()
        persons = {p for _, p in students} | {p for _, p in parents}
        await session.execute(
            insert(Account),
            [{"id": ACCOUNT_BASE + p, "locale": "ru", "quiet_from": NO_QUIET, "quiet_to": NO_QUIET} for p in persons],
        )
        await session.execute(
            insert(PersonAccount),
            [{"person_id": p, "account_id": ACCOUNT_BASE + p, "channel": Channel.TELEGRAM} for p in persons],
        )
    for person in persons:
        emulator.add_user(TOKEN, ACCOUNT_BASE + person, first_name="Bench", language_code="ru")
    families: dict[int, list[int]] = defaultdict(list)
    for student, person in [*students, *parents]:
        families[student].append(ACCOUNT_BASE + person)
    return families


async def replay(
    sessions, saves: dict[int, dict[tuple, list[tuple[int, int]]]], save_over: float, refused: Counter
) -> None:
    """The day's lessons saved one after another, evenly over `save_over` seconds, each by its teacher."""
    pace = save_over / max(1, len(saves))
    start = time.perf_counter()
    for number, (lesson_id, groups) in enumerate(saves.items()):
        await asyncio.sleep(max(0.0, start + number * pace - time.perf_counter()))
        for (work_type_id, teacher_id, comment), entries in groups.items():
            async with sessions() as session:
                try:
                    actor = await load_actor(session, teacher_id)
                    await JournalService(session, journal_clock).add_marks(
                        actor, lesson_id, work_type_id, entries, comment
                    )
                except Exception as error:  # noqa: BLE001 (counted and printed: a refusal would make the figures lie)
                    refused[type(error).__name__] += len(entries)


async def replies(bot, every: float, waits: list[float], refused: Counter[str]) -> None:
    """A reply every `every` seconds, the teachers in turn, each timed from asking to Telegram's answer."""
    for n in itertools.count():
        await asyncio.sleep(every)
        asked = time.perf_counter()
        try:
            await bot.send_message(TEACHERS[n % len(TEACHERS)], "Экран урока")
        except TelegramRetryAfter:
            refused["429"] += 1
        else:
            waits.append(time.perf_counter() - asked)


async def count(sessions, query) -> int:
    async with sessions() as session:
        return await session.scalar(query)


SENT = select(func.count(Delivery.id)).where(Delivery.status == DeliveryStatus.SENT)
OPEN = select(func.count(Delivery.id)).where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
UNPLANNED = select(func.count(OutboxEvent.id)).where(OutboxEvent.processed_at.is_(None))


def held(emulator: BotAPIEmulator, accounts: set[int]) -> int:
    """Messages the emulated users hold."""
    return sum(len(emulator.messages(TOKEN, account)) for account in accounts)


async def recorded_messages(sessions) -> int:
    """One message carries all the deliveries recorded with its (account, sent_at)."""
    async with sessions() as session:
        return len(
            (
                await session.execute(
                    select(Delivery.account_id, Delivery.sent_at)
                    .where(Delivery.status == DeliveryStatus.SENT)
                    .distinct()
                )
            ).all()
        )


async def restart(
    kind: str,
    worker: PushWorker,
    task: asyncio.Task,
    sessions,
    emulator: BotAPIEmulator,
    accounts: set[int],
    bot,
    gather: timedelta,
    pause: float,
) -> tuple[PushWorker, asyncio.Task, dict]:
    """The worker crashes (or stops), then a new one starts; what was left in flight, counted."""
    if kind == "crash":  # nothing in flight gets recorded; a stop (cancelling run()) lets it finish first
        for sending in list(worker._in_flight.values()):
            sending.cancel()
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    await worker.idle()
    async with sessions() as session:
        sending = (
            await session.execute(
                select(func.count(Delivery.id), func.count(func.distinct(Delivery.account_id))).where(
                    Delivery.status == DeliveryStatus.SENDING
                )
            )
        ).one()
    left = {
        "sent": await count(sessions, SENT),
        "in flight": sending[0],
        "in flight accounts": sending[1],
        "reached unrecorded": held(emulator, accounts) - await recorded_messages(sessions),
    }
    await asyncio.sleep(pause)
    # A new process starts with an empty limiter, for its pushes and its replies alike.
    limiter._limiters[asyncio.get_running_loop()][bot.token] = RateLimiter()
    restarted = PushWorker(bot, sessions, gather=gather)
    return restarted, asyncio.create_task(restarted.run()), left


async def run_day(
    args, sessions, emulator: BotAPIEmulator, families: dict[int, list[int]], saves, expected: int
) -> dict:
    bot = create_bot(Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=emulator.base_url))
    accounts = {a for family in families.values() for a in family}
    gather = timedelta(seconds=args.gather)
    workers = [PushWorker(bot, sessions, gather=gather)]
    task = asyncio.create_task(workers[0].run())
    refused: Counter[str] = Counter()
    saving = asyncio.create_task(replay(sessions, saves, args.save_over, refused))
    reply_waits: list[float] = []
    replies_refused: Counter[str] = Counter()
    replying = asyncio.create_task(replies(bot, args.reply_every, reply_waits, replies_refused))
    started = time.perf_counter()
    stopped = None
    try:
        while time.perf_counter() - started < args.timeout:
            await asyncio.sleep(CHECK_EVERY)
            if stopped is None and args.restart_at and await count(sessions, SENT) >= args.restart_at * expected:
                worker, task, stopped = await restart(
                    args.stop, workers[-1], task, sessions, emulator, accounts, bot, gather, args.restart_pause
                )
                workers.append(worker)
            if saving.done() and not await count(sessions, UNPLANNED) and not await count(sessions, OPEN):
                break
        saving.result()
    finally:
        for running in (task, replying):
            running.cancel()
            with suppress(asyncio.CancelledError):
                await running
        await bot.session.close()
    return {
        "workers": workers,
        "stopped": stopped,
        "refused": refused,
        "held": held(emulator, accounts),
        "reply waits": sorted(reply_waits),
        "replies refused": replies_refused["429"],
        "left": await count(sessions, OPEN) + await count(sessions, UNPLANNED),
    }


async def figures(sessions, families: dict[int, list[int]]) -> dict:
    async with sessions() as session:
        events = (await session.execute(select(OutboxEvent.id, OutboxEvent.payload, OutboxEvent.created_at))).all()
        deliveries = (
            await session.execute(select(Delivery.event_id, Delivery.account_id, Delivery.status, Delivery.sent_at))
        ).all()
    saved_at = {event_id: created for event_id, _, created in events}
    expected = {(event_id, account) for event_id, payload, _ in events for account in families[payload["student_id"]]}
    sent = [d for d in deliveries if d.status is DeliveryStatus.SENT]
    messages = {(d.account_id, d.sent_at) for d in sent}
    latency = sorted((d.sent_at - saved_at[d.event_id]).total_seconds() for d in sent)
    per_account = Counter(account for account, _ in messages)
    news_per_account = Counter(d.account_id for d in sent)
    moments = sorted(moment for _, moment in messages)
    return {
        "marks": len(events),
        "expected": len(expected),
        "planned": len(deliveries),
        "sent": len(sent),
        "lost": len(expected - {(d.event_id, d.account_id) for d in sent}),
        "messages": len(messages),
        "span": (moments[-1] - moments[0]).total_seconds() if moments else 0.0,
        "recipients": len(per_account),
        "latency": latency,
        "per_account": per_account,
        "news_per_account": news_per_account,
    }


async def run_moments(
    args, sessions, emulator: BotAPIEmulator, families: dict[int, list[int]], saves
) -> list[tuple[int, int]]:
    """Saves one at a time in a quiet moment, each once the last one's pushes are all sent (see the docstring);
    returns (saved marks, still unsent at the timeout) per save."""
    bot = create_bot(Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=emulator.base_url))
    worker = PushWorker(bot, sessions, gather=timedelta(seconds=args.gather))
    task = asyncio.create_task(worker.run())
    done: list[tuple[int, int]] = []
    told: set[int] = set()  # the accounts already told: each save is news for other families, quiet ones
    try:
        await asyncio.sleep(1.0)  # the worker started and idle: a quiet moment
        for lesson_id, groups in saves.items():
            if len(done) >= args.times:
                break
            (work_type_id, teacher_id, comment), entries = max(groups.items(), key=lambda g: len(g[1]))
            if args.case == "class":  # every student of the lesson, as a teacher marking a whole test
                async with sessions() as session:
                    entries = [(student, 5) for student in await _lesson_students(session, lesson_id)]
            entries = [e for e in entries if not told & set(families[e[0]])]
            if args.case == "quiet":
                entries = entries[:1]
            if not entries:
                continue
            told.update(account for student, _ in entries for account in families[student])
            async with sessions() as session:
                actor = await load_actor(session, teacher_id)
                await JournalService(session, journal_clock).add_marks(actor, lesson_id, work_type_id, entries, comment)
            started = time.perf_counter()
            while time.perf_counter() - started < args.timeout / args.times:
                await asyncio.sleep(0.05)
                if not await count(sessions, UNPLANNED) and not await count(sessions, OPEN):
                    break
            done.append((len(entries), await count(sessions, OPEN) + await count(sessions, UNPLANNED)))
            await asyncio.sleep(0.5)
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
    return done


async def main_moments(args) -> None:
    engine, sessions = await demo_sessions(args.database_url)
    await clear_outbox(sessions)
    _, _, saves = await day_of_marks(sessions, args.day, 1.0)
    cpu = time.process_time()
    async with BotAPIEmulator() as emulator:
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)
        families = await link_families(sessions, emulator)
        done = await run_moments(args, sessions, emulator, families, saves)
    result = await figures(sessions, families)
    await engine.dispose()
    latency = result["latency"]
    what = "one mark saved" if args.case == "quiet" else "a class's marks in one save"
    print(f"\n{what}, {len(done)} times, each in a quiet moment; gather {args.gather:g} s; limits 30/s, 1/s per chat")
    for name, value in [
        ("marks a save, mean / max", f"{statistics.mean(n for n, _ in done):.1f} / {max(n for n, _ in done)}"),
        (
            "(mark, recipient) pairs expected / sent / lost",
            f"{result['expected']} / {result['sent']} / {result['lost']}",
        ),
        ("messages recorded as sent", str(result["messages"])),
        (
            "latency saved -> sendMessage answered, p50 / p95 / max",
            f"{pct(latency, 0.5):.2f} / {pct(latency, 0.95):.2f} / {pct(latency, 1):.2f} s",
        ),
        ("CPU time of the run (process_time)", f"{time.process_time() - cpu:.1f} s"),
        ("load average (uptime)", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]:
        print(f"{name:55s} {value}")


def pct(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


async def main(args) -> None:
    wall = time.perf_counter()
    engine, sessions = await demo_sessions(args.database_url)
    await clear_outbox(sessions)
    day, rows, saves = await day_of_marks(sessions, args.day, args.share)
    async with BotAPIEmulator() as emulator:
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)
        families = await link_families(sessions, emulator)
        for teacher in TEACHERS:
            emulator.add_user(TOKEN, teacher, first_name="Teacher", language_code="ru")
        expected = sum(len(families[r.student_id]) for r in rows)
        linked = {a for family in families.values() for a in family}
        print(
            f"day {day}: {len(rows)} marks of {len({r.student_id for r in rows})} students in {len(saves)} lessons "
            f"({sum(len(g) for g in saves.values())} saves), saved over {args.save_over:g} s "
            f"({args.save_over / max(1, len(saves)) * 1000:.0f} ms a lesson)"
        )
        print(
            f"linked {len(linked)} accounts (students and parents); {expected} (mark, recipient) pairs expected; "
            f"gather {args.gather:g} s; limits 30/s, 1/s per chat; "
            + (f"{args.stop} and restart at {args.restart_at:.0%} sent" if args.restart_at else "no restart")
        )
        run = await run_day(args, sessions, emulator, families, saves, expected)
    result = await figures(sessions, families)
    await engine.dispose()

    print()
    for name, value in table(args, rows, run, result):
        print(f"{name:50s} {value}")
    print(f"{'wall time':50s} {time.perf_counter() - wall:.0f} s")
    print(f"{'peak RSS':50s} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def table(args, rows, run: dict, result: dict) -> list[tuple[str, str]]:
    workers, stopped = run["workers"], run["stopped"]
    latency, per_account, news = result["latency"], result["per_account"], result["news_per_account"]
    rate = (run["held"] - 1) / result["span"] if result["span"] else float("nan")  # intervals between sends
    results = sum((Counter({k: v for k, v in w.stats.items() if k != "429"}) for w in workers), Counter())
    lines = [
        (
            "marks saved",
            f"{result['marks']} of {len(rows)}" + (f" (refused: {dict(run['refused'])})" if run["refused"] else ""),
        ),
        (
            "(mark, recipient) pairs expected / planned / sent",
            f"{result['expected']} / {result['planned']} / {result['sent']}",
        ),
        ("messages Telegram took / recorded as sent", f"{run['held']} / {result['messages']}"),
        ("messages a second, first to last send", f"{rate:.1f} (cap 30), over {result['span']:.1f} s"),
        (
            "429 answers",
            " + ".join(str(w.stats["429"]) for w in workers) + (" (before + after the restart)" if stopped else ""),
        ),
        ("worker's results", ", ".join(f"{k} {v}" for k, v in results.items())),
        ("recipients", str(result["recipients"])),
        (
            "messages per recipient, mean / max",
            f"{statistics.mean(per_account.values()):.2f} / {max(per_account.values())}" if per_account else "-",
        ),
        (
            "marks per recipient, mean / max",
            f"{statistics.mean(news.values()):.2f} / {max(news.values())}" if news else "-",
        ),
        (
            "latency saved -> delivered, p50 / p95 / max",
            f"{pct(latency, 0.5):.1f} / {pct(latency, 0.95):.1f} / {pct(latency, 1):.1f} s",
        ),
    ]
    waits = run["reply waits"]
    lines.append(
        (
            f"a reply every {args.reply_every:g} s meanwhile, p50 / p95 / max",
            (
                f"{pct(waits, 0.5) * 1000:.0f} / {pct(waits, 0.95) * 1000:.0f} / {pct(waits, 1) * 1000:.0f} ms"
                f" ({len(waits)} replies, {run['replies refused']} answered 429)"
            ),
        )
    )
    if stopped:
        lines += [
            (f"{args.stop}: pairs sent before it", str(stopped["sent"])),
            (
                f"{args.stop}: left in flight (SENDING)",
                (
                    f"{stopped['in flight']} pairs to {stopped['in flight accounts']} accounts, "
                    f"{stopped['reached unrecorded']} of their messages had reached Telegram"
                ),
            ),
        ]
    lines.append(("lost pairs / repeated messages", f"{result['lost']} / {run['held'] - result['messages']}"))
    if run["left"]:
        lines.append(("still queued at the timeout", str(run["left"])))
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=("day", "quiet", "class"), default="day", help="what is saved and timed")
    parser.add_argument("--times", type=int, default=20, help="saves timed, for --case quiet and class")
    parser.add_argument(
        "--day", type=date.fromisoformat, help=f"the school day replayed (default: the last before {TODAY})"
    )
    parser.add_argument("--share", type=float, default=1.0, help="the part of the day's lessons replayed")
    parser.add_argument("--save-over", type=float, default=45.0, help="seconds over which the day is saved")
    parser.add_argument("--gather", type=float, default=15.0, help="the worker's gathering window, seconds")
    parser.add_argument("--restart-at", type=float, default=0.5, help="restart when this part is sent; 0: never")
    parser.add_argument("--stop", choices=("crash", "graceful"), default="crash", help="how the worker ends")
    parser.add_argument("--restart-pause", type=float, default=0.0, help="seconds before the new worker starts")
    parser.add_argument("--reply-every", type=float, default=0.5, help="seconds between the teacher's replies")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before giving up waiting")
    parser.add_argument("--database-url")
    arguments = parser.parse_args()
    asyncio.run(main(arguments) if arguments.case == "day" else main_moments(arguments))
