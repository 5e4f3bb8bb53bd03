"""`schoolbot run` reaches the bot through TELEGRAM_API_URL alone, with no change in its code."""
from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.runtime import run_polling
from tests.flows.conftest import TOKEN, TelegramUser


async def test_run_polls_the_local_bot_api_and_answers(emulator, tmp_path):
    settings = Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}")
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        stranger = TelegramUser(emulator, 700_999_001, "ru")
        await stranger.send("/start")
        assert stranger.last_text().startswith("Это электронный журнал и дневник школы.")
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
    assert (tmp_path / "data" / "school.db").exists()
