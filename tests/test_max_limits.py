"""MAX's limits kept by the bot's limiter (bot/pushes/limiter.py): replies to one chat at most 2 a second, every
request of the bot counted against its 30 a second. Played against the MAX emulator with its limits on, which
answers 429 past them; the pace itself is measured by bench/max.py."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.channels import from_max
from bot.max import MemoryRefs, create_max_bot
from bot.pushes.limiter import SharedLimits, limiter_for
from devtools.sandbox.max import MaxAPIEmulator
from services.models import Channel

TOKEN = "max-limits-token"
USER = 5_000_001


@pytest.fixture
async def max_emulator():
    async with MaxAPIEmulator() as emulator:
        emulator.limits(enabled=True, per_second=30, per_chat_per_second=2)
        emulator.add_user(TOKEN, USER, first_name="Тест")
        yield emulator


async def test_six_replies_at_once_to_one_chat_arrive_without_a_429(max_emulator):
    bot = create_max_bot(TOKEN, api_url=max_emulator.base_url, refs=MemoryRefs())
    try:
        with pytest.raises(TelegramRetryAfter):  # without the limiter, MAX refuses the third in a second
            await asyncio.gather(*(bot.send_message(from_max(USER), f"без ограничителя {n}") for n in range(3)))
        await asyncio.sleep(1.1)
        bot.session.middleware(SharedLimits())
        await asyncio.gather(*(bot.send_message(from_max(USER), f"ответ {n}") for n in range(6)))
    finally:
        await bot.session.close()
    texts = [m["text"] for m in max_emulator.messages(TOKEN, USER)]
    assert sorted(t for t in texts if t.startswith("ответ")) == [f"ответ {n}" for n in range(6)]


async def test_maxs_limiter_counts_replies_per_chat_and_telegrams_does_not():
    in_max, in_telegram = limiter_for("1:max", Channel.MAX), limiter_for("2:telegram")
    assert (in_max.per_second, in_max.per_chat_per_second, in_max.replies_per_chat) == (30, 2, True)
    assert (in_telegram.per_second, in_telegram.per_chat_per_second, in_telegram.replies_per_chat) == (30, 1, False)
