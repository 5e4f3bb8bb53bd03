"""`schoolbot run` handles at most MAX_UPDATES_IN_FLIGHT updates at once, polling or webhook; the rest wait
at Telegram, and every update is answered in the end.

The emulator holds each sendMessage at a gate, so the updates being answered pile up there; the gate opens
once the limit is reached (and the others have had a moment to arrive, were they not held back).
"""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.runtime import run_polling, run_webhook
from tests.flows.conftest import TOKEN, TelegramUser
from tests.flows.test_webhook import GREETING, free_port

pytestmark = pytest.mark.telegram_only(
    "the updates in flight of a Telegram-served process; the MAX bot shares its runtime"
)

LIMIT = 3
USERS = 10
STARTUP = 30.0


class GatedSends:
    """Wraps the emulator's execute(): sendMessage waits for `gate`; counts those waiting at once."""

    def __init__(self, emulator) -> None:
        self.gate = asyncio.Event()
        self.waiting = self.peak = 0
        self.arrived = asyncio.Condition()
        execute = emulator.execute

        async def gated(state, name, params):
            if name.lower() != "sendmessage":
                return await execute(state, name, params)
            async with self.arrived:
                self.waiting += 1
                self.peak = max(self.peak, self.waiting)
                self.arrived.notify_all()
            try:
                await self.gate.wait()
                return await execute(state, name, params)
            finally:
                self.waiting -= 1

        emulator.execute = gated

    async def until_waiting(self, count: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: self.waiting >= count), STARTUP)


def polling(emulator, tmp_path):
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
        max_updates_in_flight=LIMIT,
    )
    return run_polling(settings, handle_signals=False)


def webhook(emulator, tmp_path):
    port = free_port()
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        webhook_port=port,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
        max_updates_in_flight=LIMIT,
    )
    return run_webhook(settings, handle_signals=False)


@pytest.mark.parametrize("run", [polling, webhook])
async def test_at_most_the_limit_is_handled_at_once_and_all_are_answered(emulator, tmp_path, run):
    sends = GatedSends(emulator)
    strangers = [TelegramUser(emulator, 700_999_401 + i, "ru") for i in range(USERS)]
    bot_task = asyncio.create_task(run(emulator, tmp_path))
    try:
        for stranger in strangers:
            emulator.user_sends_text(TOKEN, stranger.id, "/start")
        await sends.until_waiting(LIMIT)
        await asyncio.sleep(0.5)  # room for more to arrive, if nothing held them back
        sends.gate.set()
        for stranger in strangers:
            reply = await emulator.wait_for_bot_message(TOKEN, stranger.id, STARTUP)
            assert reply["text"].startswith(GREETING)
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)

    assert sends.peak == LIMIT
