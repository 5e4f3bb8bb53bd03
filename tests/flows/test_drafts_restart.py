"""Conversations in progress and a restart of the bot: with REDIS_URL a teacher's unsaved attendance roster
is still there when the new process answers the «Сохранить» tapped on the old screen (bot.dispatcher.fsm_storage);
without it the draft is gone, and the teacher is told so instead of «saved» with the toggles lost.

Redis is looked for at TEST_REDIS_URL (default: database 15 of the local server); the Redis test is skipped
when no server answers, as the PostgreSQL runs are."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from redis.asyncio import Redis

from bot.dispatcher import DRAFTS_KEPT, fsm_storage
from tests.conftest import server_answers
from tests.flows.conftest import TelegramUser, code_for, open_card, polling_bot
from tests.flows.test_attendance_flow import absent_names

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_url():
    url = urlparse(REDIS_URL)
    if not server_answers(url.hostname or "127.0.0.1", url.port or 6379):
        pytest.skip(f"no Redis at {REDIS_URL}")
    async with Redis.from_url(REDIS_URL) as redis:
        await redis.flushdb()  # the tests' own database
    yield REDIS_URL
    async with Redis.from_url(REDIS_URL) as redis:
        await redis.flushdb()


async def mark_one_absent(school, sessions, clock, math: TelegramUser) -> None:
    """The maths teacher links, opens today's lesson's roster and marks Борисова absent, without saving."""
    await math.send("/start " + await code_for(sessions, clock, school.staff["math"]))
    await math.tap("Принимаю")
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("2 Борисова")
    assert "Пока не сохранено." in math.last_text()


async def test_an_unsaved_roster_survives_a_restart_with_redis(school_db, emulator, clock, person, redis_url):
    school, sessions = school_db
    math = person()
    async with polling_bot(emulator, sessions, clock, fsm_storage(redis_url)):
        await mark_one_absent(school, sessions, clock, math)
    async with Redis.from_url(redis_url) as redis:  # a draft may hold a child's absence: kept a week at most
        ttls = [await redis.ttl(key) async for key in redis.scan_iter("fsm:*")]
    assert ttls and all(0 < ttl <= DRAFTS_KEPT.total_seconds() for ttl in ttls)

    async with polling_bot(emulator, sessions, clock, fsm_storage(redis_url)):  # a new process
        answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert "Отсутствуют (1): Борисова Вера Олеговна" in math.last_text()
    assert await absent_names(sessions) == ["Борисова"]


async def test_without_redis_a_restart_loses_the_draft_and_the_teacher_is_told(school_db, emulator, clock, person):
    school, sessions = school_db
    math = person()
    async with polling_bot(emulator, sessions, clock):
        await mark_one_absent(school, sessions, clock, math)

    async with polling_bot(emulator, sessions, clock):  # a new process, its memory empty
        answer = await math.tap("Сохранить")
        assert (answer["text"], answer["show_alert"]) == (
            "Отметки на этом экране не сохранены. Вот посещаемость, как она сохранена: отметьте ещё раз.",
            True,
        )
        assert await absent_names(sessions) == []
        assert math.buttons()[:2] == ["1 Алексеев", "2 Борисова"]
        await math.tap("2 Борисова")
        answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert await absent_names(sessions) == ["Борисова"]
