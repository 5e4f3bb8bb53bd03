"""`schoolbot run --webhook` in MAX: MAX posts each update to MAX_WEBHOOK_URL with its secret header; the bot listens
there beside Telegram's path, refuses a request without the secret, and unsubscribes as it stops. Everything on
127.0.0.1: the MAX emulator delivers to the bot's own server."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.config import Settings
from bot.runtime import run_webhook
from devtools.sandbox.max import MaxAPIEmulator
from tests.flows.conftest import TOKEN, TelegramUser
from tests.flows.test_webhook import GREETING, free_port

SECRET = "max-webhook-Secret-42"  # letters, digits and dashes: what MAX takes


def started(user_id: int) -> dict:
    """What MAX would post when the user opens the bot."""
    return {
        "update_type": "bot_started",
        "timestamp": 1_764_000_000_000,
        "chat_id": user_id + 10**12,
        "user": {"user_id": user_id, "first_name": "Тест", "is_bot": False},
        "payload": None,
        "user_locale": "ru",
    }


async def test_max_updates_come_through_its_webhook_only_with_the_secret(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/max"
    async with MaxAPIEmulator() as emulator:
        settings = Settings(
            max_token=TOKEN,
            max_api_url=emulator.base_url,
            max_webhook_url=url,
            webhook_port=port,
            webhook_secret=SECRET,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
        )
        bot_task = asyncio.create_task(run_webhook(settings, handle_signals=False))
        try:
            stranger = TelegramUser(emulator, 700_999_201, "ru")
            for _ in range(100):  # the bot subscribes once its server is up
                if emulator.calls(TOKEN, "POST /subscriptions"):
                    break
                await asyncio.sleep(0.05)
            await stranger.send("/start")
            assert stranger.last_text().startswith(GREETING)
            subscribed = emulator.calls(TOKEN, "POST /subscriptions")[-1]
            assert (subscribed["url"], subscribed["secret"]) == (url, SECRET)

            forger = TelegramUser(emulator, 700_999_202, "ru")
            async with aiohttp.ClientSession() as client:
                for headers in ({"X-Max-Bot-Api-Secret": "guessed"}, {}):
                    async with client.post(url, json=started(forger.id), headers=headers) as response:
                        assert response.status == 403
            latecomer = TelegramUser(emulator, 700_999_203, "ru")
            await latecomer.send("/start")
            assert latecomer.last_text().startswith(GREETING)
            assert emulator.messages(TOKEN, forger.id) == []
        finally:
            bot_task.cancel()
            await asyncio.gather(bot_task, return_exceptions=True)
        assert emulator.calls(TOKEN, "DELETE /subscriptions")  # MAX keeps nothing for a bot that stopped
