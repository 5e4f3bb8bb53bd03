"""Two schools' news sent by one bot for both (BOT_TOKEN) or by each school's own bot (SCHOOL_BOTS), through the
local Bot API with Telegram's limits on (30 messages a second per bot, 1 a second per chat).

    python bench/school_bots.py [--per-school 300] [--database-url URL]

The demo of two schools (seed 1, 24 Nov 2026); the parents of `--per-school` students of each school are linked to
emulated users (in bulk, as bench/pushes.py does) and each student's family gets one piece of news (a document
declined, written to the outbox). The real workers (PushWorker.per_bot over the bots create_bots makes, as
`schoolbot run` runs them) then plan and send it all; timed from their start until the last delivery is recorded.
Not a test: figures, for the report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select

from bench.demo_db import demo_sessions
from bot.config import Settings
from bot.pushes.worker import PushWorker
from bot.runtime import create_bots
from devtools.sandbox import BotAPIEmulator
from services.db import write_transaction
from services.models import (
    Account,
    Channel,
    Delivery,
    DeliveryStatus,
    DocumentStatus,
    Guardianship,
    OutboxEvent,
    Person,
    PersonAccount,
    School,
    Student,
)
from services.pushes.payloads import DocumentDecided
from services.records import emit

TOKENS = ("123456:BENCH-school-one", "654321:BENCH-school-two")
ACCOUNT_BASE = 800_000_000  # a person's emulated Telegram id is this plus the person's id
NO_QUIET = clock_time(0, 0)


async def link_parents(sessions, per_school: int) -> dict[int, list[int]]:
    """school id → the students whose parents were linked (the first `per_school` of each school)."""
    chosen: dict[int, list[int]] = {}
    async with sessions() as session, write_transaction(session):
        for school in (await session.scalars(select(School.id).order_by(School.id))).all():
            chosen[school] = list(
                (
                    await session.scalars(
                        select(Student.id)
                        .join(Person, Person.id == Student.person_id)
                        .where(Person.school_id == school)
                        .order_by(Student.id)
                        .limit(per_school)
                    )
                ).all()
            )
        students = [s for group in chosen.values() for s in group]
        parents = set(
            (await session.scalars(select(Guardianship.parent_id).where(Guardianship.student_id.in_(students)))).all()
        )
        await session.execute(
            insert(Account),
            [{"id": ACCOUNT_BASE + p, "locale": "ru", "quiet_from": NO_QUIET, "quiet_to": NO_QUIET} for p in parents],
        )
        await session.execute(
            insert(PersonAccount),
            [{"person_id": p, "account_id": ACCOUNT_BASE + p, "channel": Channel.TELEGRAM} for p in parents],
        )
    return chosen


async def news(sessions, chosen: dict[int, list[int]]) -> None:
    async with sessions() as session, write_transaction(session):
        await session.execute(delete(Delivery))
        await session.execute(delete(OutboxEvent))
        for school, students in chosen.items():
            for student in students:
                emit(
                    session, school, DocumentDecided(document_id=0, student_id=student, status=DocumentStatus.DECLINED)
                )


async def send_all(sessions, emulator: BotAPIEmulator, settings: Settings) -> tuple[int, float]:
    """(messages sent, seconds) by the workers of `settings`' bots."""
    bots = create_bots(settings)
    async with sessions() as session:
        accounts = (await session.scalars(select(Account.id))).all()
    for bot in bots.values():
        for account in accounts:
            emulator.add_user(bot.token, account, first_name="Bench", language_code="ru")
    workers = PushWorker.per_bot(bots.items(), sessions, gather=timedelta(0))
    started = time.perf_counter()
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        while True:
            await asyncio.sleep(0.1)
            async with sessions() as session:
                unplanned = await session.scalar(select(func.count()).where(OutboxEvent.processed_at.is_(None)))
                waiting = await session.scalar(
                    select(func.count()).where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
                )
            if not unplanned and not waiting:
                break
        elapsed = time.perf_counter() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in bots.values():
            await bot.session.close()
    async with sessions() as session:
        sent = await session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.SENT))
    return sent or 0, elapsed


async def main(args) -> None:
    engine, sessions = await demo_sessions(args.database_url, schools=2)
    chosen = await link_parents(sessions, args.per_school)
    one, two = sorted(chosen)
    settings = {
        "one bot (BOT_TOKEN)": Settings(_env_file=None, bot_token=TOKENS[0]),
        "a bot each (SCHOOL_BOTS)": Settings(_env_file=None, school_bots={one: TOKENS[0], two: TOKENS[1]}),
    }
    rows = []
    async with BotAPIEmulator() as emulator:
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)
        for name, setting in settings.items():
            await news(sessions, chosen)
            sent, elapsed = await send_all(
                sessions, emulator, setting.model_copy(update={"telegram_api_url": emulator.base_url})
            )
            rows.append((name, sent, elapsed))
    await engine.dispose()
    print(f"\n{args.per_school} students' families a school, 2 schools; limits 30/s per bot, 1/s per chat")
    print(f"{'':26} {'messages':>9} {'seconds':>8} {'per second':>11}")
    for name, sent, elapsed in rows:
        print(f"{name:26} {sent:9d} {elapsed:8.1f} {sent / elapsed:11.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-school", type=int, default=300)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
