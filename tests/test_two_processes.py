"""Two `schoolbot run --webhook` processes on one PostgreSQL and one Redis, behind one webhook address (a round-robin
balancer, devtools/processes.py), each with the pushes' worker and the scheduler, the local Bot API as Telegram:

- no double reminder: the end-of-day reminders fire in both schedulers at once and run in one process, the leader
  (services/leader.py);
- no lost draft: a teacher's taps on an attendance roster go to the two processes in turn (the draft is in Redis),
  and the save holds them all (one tap after another: taps in flight at once in two processes need the draft's
  lock to be shared too);
- no double push: the absences saved reach each parent once, though both processes' workers claim deliveries.

Long polling would not do: Telegram gives one getUpdates consumer per token, so several processes mean a webhook.
The bot runs by the real clock (a subprocess), so the demo school is generated around today.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from devtools.processes import Balancer, BotProcesses, free_ports
from services.access import system_actor
from services.db import create_engine, create_session_factory
from services.demo import TIMEZONE, generate_demo
from services.invites import InviteService
from services.migrate import upgrade
from services.models import (
    Absence,
    Account,
    Assignment,
    Delivery,
    DeliveryStatus,
    Guardianship,
    Lesson,
    OutboxEvent,
    Person,
    Student,
    utcnow,
)
from tests.conftest import PG_URL, _pg_admin, server_answers
from tests.flows.conftest import TelegramUser
from ui.callbacks import LessonCB, LessonPart

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
# A bot of its own: its conversations in Redis are the keys fsm:515015:*, and the webhook's shared secret and count of
# processes schoolbot:webhook:515015:*, removed at the end.
TOKEN = "515015:TWO-processes"
PROCESSES = 2
# The reminders fire this long after the processes are started, and at least three times as long as the setup took
# (a measure of how busy the machine is; starting two processes takes about as long): both are serving by then.
REMINDERS_AFTER = timedelta(seconds=10)
END_OF_DAY_JOBS = ("lessons_unfilled", "works_unmarked", "absence_deadlines", "period_failing")
ABSENT = 4


def _not_here() -> str | None:
    """Why this test cannot run here: it needs PostgreSQL (a leader, SKIP LOCKED) and Redis (shared drafts)."""
    wanted = os.environ.get("SCHOOLBOT_TEST_BACKENDS")
    if wanted and "postgresql" not in wanted:
        return f"SCHOOLBOT_TEST_BACKENDS={wanted}: two processes need PostgreSQL"
    pg, redis = make_url(PG_URL), urlsplit(REDIS_URL)
    if not server_answers(pg.host or "127.0.0.1", pg.port or 5432):
        return f"no PostgreSQL answers at {pg.host}:{pg.port or 5432}"
    if not server_answers(redis.hostname or "127.0.0.1", redis.port or 6379):
        return f"no Redis answers at {redis.hostname}:{redis.port or 6379}"
    return None


pytestmark = pytest.mark.skipif(_not_here() is not None, reason=_not_here() or "")


@pytest.fixture
async def database_url():
    """A database of this test's own on the PostgreSQL server, dropped at the end."""
    name = f"schoolbot_procs_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def redis_url():
    yield REDIS_URL
    bot_id = TOKEN.split(":")[0]
    async with Redis.from_url(REDIS_URL) as redis:
        keys = [
            key
            for pattern in (f"fsm:{bot_id}:*", f"schoolbot:webhook:{bot_id}:*")
            async for key in redis.scan_iter(pattern)
        ]
        if keys:
            await redis.delete(*keys)


async def link(sessions, emulator, person_id: int, school_id: int, user_id: int) -> TelegramUser:
    """A person linked to a new Telegram user by a code (the bot's /start would do the same), without quiet hours:
    the processes read the real clock, which may be night in the school's zone."""
    async with sessions() as session:
        invites = InviteService(session, utcnow)
        [issued] = await invites.for_person(system_actor(school_id), person_id, timedelta(days=1))
        await invites.accept(user_id, issued.code)
    async with sessions() as session:
        await session.execute(update(Account).where(Account.id == user_id).values(quiet_from=time(0), quiet_to=time(0)))
        await session.commit()
    return TelegramUser(emulator, user_id, "ru", TOKEN)


async def a_recent_lesson(sessions, today) -> Lesson:
    """A lesson of the last week (the latest day with lessons), its teacher known: its attendance may be changed."""
    async with sessions() as session:
        return (
            await session.scalars(
                select(Lesson)
                .where(Lesson.date <= today, Lesson.date > today - timedelta(days=7), Lesson.teacher_id.is_not(None))
                .order_by(Lesson.date.desc(), Lesson.lesson_number, Lesson.id)
                .limit(1)
            )
        ).one()


async def settle(sessions, accounts: list[int]) -> None:
    """Until every outbox event is planned and every delivery due to `accounts` is sent."""
    for _ in range(100):
        async with sessions() as session:
            unplanned = await session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
            )
            due = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.account_id.in_(accounts),
                    Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                    Delivery.due_at <= utcnow(),
                )
            )
        if not unplanned and not due:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the pushes did not settle within 10 s")


async def sent_to(sessions, account_id: int) -> int:
    async with sessions() as session:
        return await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.account_id == account_id, Delivery.status == DeliveryStatus.SENT)
        )


async def absent_ids(sessions, lesson_id: int) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(Absence.student_id).where(Absence.lesson_id == lesson_id)))


class Roster:
    """The teacher's lesson screen, tapped by its message id: reminders may come in meanwhile."""

    def __init__(self, teacher: TelegramUser, message_id: int) -> None:
        self.teacher, self.message_id = teacher, message_id

    def message(self) -> dict:
        [found] = [
            m for m in self.teacher.emulator.messages(TOKEN, self.teacher.id) if m["message_id"] == self.message_id
        ]
        return found

    async def tap(self, data: str) -> dict:
        emulator = self.teacher.emulator
        query = emulator.user_sends_callback_raw(TOKEN, self.teacher.id, self.message_id, data)
        return await emulator.wait_for_callback_answer(TOKEN, query)


async def test_two_processes_no_double_push_no_double_reminder_no_lost_draft(
    database_url, redis_url, emulator, tmp_path
):
    zone = ZoneInfo(TIMEZONE)
    setup_started = datetime.now(zone)
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = create_session_factory(engine)
    today = datetime.now(zone).date()
    await generate_demo(sessions, seed=1, today=today)
    lesson = await a_recent_lesson(sessions, today)
    users = iter(range(710_000_001, 710_001_000))
    teacher = await link(sessions, emulator, lesson.teacher_id, lesson.school_id, next(users))
    async with sessions() as session:
        guardians = (
            await session.execute(
                select(Guardianship.parent_id, Guardianship.student_id)
                .join(Student, Student.id == Guardianship.student_id)
                .join(Assignment, Assignment.class_id == Student.class_id)
                .where(Assignment.id == lesson.assignment_id)
                .order_by(Guardianship.parent_id)
            )
        ).all()
    parents: dict[int, TelegramUser] = {}
    for parent_id, _ in guardians:
        if parent_id not in parents:
            parents[parent_id] = await link(sessions, emulator, parent_id, lesson.school_id, next(users))
    absent_before = await absent_ids(sessions, lesson.id)

    ports = free_ports(PROCESSES)
    reminders_at = datetime.now(zone) + max(REMINDERS_AFTER, 3 * (datetime.now(zone) - setup_started))
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "FILES_DIR": str(tmp_path / "files"),
        "PUSH_GATHER_SECONDS": "0",
        "REMINDER_END_OF_DAY_AT": reminders_at.time().isoformat(timespec="seconds"),
    }
    async with (
        Balancer(ports) as balancer,
        BotProcesses(ports, {**env, "WEBHOOK_URL": balancer.url}, tmp_path) as bots,
    ):
        await bots.serving()
        assert datetime.now(zone) < reminders_at, "the processes were too slow to start: the reminders are late"

        # No lost draft: the roster's toggles go to the two processes in turn, the save holds them all.
        card = await teacher.send(f"/today {lesson.date:%d.%m}")
        roster = Roster(teacher, card["message_id"])
        await roster.tap(LessonCB(lesson=lesson.id, part=LessonPart.attendance).pack())
        present = [text for text in button_texts(roster.message()) if re.fullmatch(r"\d+ \S+", text)][:ABSENT]
        served_by = []
        for text in present:
            counts = [len(s) for s in balancer.served]
            await roster.tap(TelegramUser.button_data(roster.message(), text))
            served_by += [i for i, s in enumerate(balancer.served) if len(s) > counts[i]]
        assert served_by in ([0, 1] * (ABSENT // 2), [1, 0] * (ABSENT // 2))
        assert "Пока не сохранено." in roster.message()["text"]
        answer = await roster.tap(TelegramUser.button_data(roster.message(), "Сохранить"))
        assert answer["text"] == "Посещаемость сохранена."
        absent_now = await absent_ids(sessions, lesson.id) - absent_before
        async with sessions() as session:
            names = set(
                await session.scalars(
                    select(Person.last_name)
                    .join(Student, Student.person_id == Person.id)
                    .where(Student.id.in_(absent_now))
                )
            )
        assert names == {text.split(" ", 1)[1] for text in present}

        # No double push: each parent of the children marked absent hears of it once, though two workers claim.
        told = {parent_id for parent_id, student_id in guardians if student_id in absent_now}
        assert told
        await settle(sessions, [p.id for p in parents.values()])
        for parent_id, parent in parents.items():
            assert len(parent.texts()) == (1 if parent_id in told else 0), parent.texts()
            assert await sent_to(sessions, parent.id) == len(parent.texts())

        # No double reminder: the end-of-day reminders fire in both processes; the leader alone runs them.
        await asyncio.sleep((reminders_at - datetime.now(zone)).total_seconds())
        async with asyncio.timeout(10):
            while not all(f"Job {job} for" in "".join(bots.logs()) for job in END_OF_DAY_JOBS):
                await asyncio.sleep(0.1)
        await settle(sessions, [teacher.id])
        # One message may carry several of an account's deliveries; one delivery sent twice repeats a message.
        reminders = [m["text"] for m in emulator.messages(TOKEN, teacher.id) if m["message_id"] != roster.message_id]
        assert len(set(reminders)) == len(reminders) <= await sent_to(sessions, teacher.id)

        # Stopping one process leaves the webhook set for the other; the last to stop deletes it. (No WEBHOOK_SECRET
        # is set: the taps served by both above show that the processes share the secret they made.)
        bots.processes[0].terminate()
        await bots.processes[0].wait()
        assert emulator.calls(TOKEN, "deleteWebhook") == []
    assert len(emulator.calls(TOKEN, "deleteWebhook")) == 1
    await engine.dispose()
    ran = [[job for job in END_OF_DAY_JOBS if f"Job {job} for school" in text] for text in bots.logs()]
    assert sorted(ran, key=len) == [[], list(END_OF_DAY_JOBS)], bots.logs()
    leader = [i for i, jobs in enumerate(ran) if jobs]
    assert "now the scheduler's leader" in bots.logs()[leader[0]]


def button_texts(message: dict) -> list[str]:
    return [button["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]
