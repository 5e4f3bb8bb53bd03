"""SIGTERM stops `schoolbot run` gracefully: the reply under way still reaches the user, polling or webhook.

The bot runs as a real process, as systemd or Docker would run it, against the emulator in this test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from bot.config import Settings
from bot.runtime import run_polling
from tests.flows.conftest import TOKEN, TelegramUser
from tests.flows.test_webhook import GREETING, free_port
from ui.errors_text import error_text

pytestmark = pytest.mark.telegram_only("the SIGTERM drain of a Telegram-served process; the MAX bot shares its runtime")

STARTUP = 30.0  # interpreter, imports and migrations on a slow machine
REPLY_DELAY = 1.5


def webhook_env() -> dict[str, str]:
    port = free_port()
    return {"WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook", "WEBHOOK_PORT": str(port)}


@pytest.mark.parametrize(("flags", "mode_env"), [([], dict), (["--webhook"], webhook_env)], ids=["polling", "webhook"])
async def test_sigterm_finishes_the_reply_in_hand_and_exits_cleanly(emulator, tmp_path, flags, mode_env):
    log_path = tmp_path / "bot.log"

    def output() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")

    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
        **mode_env(),
    }
    stranger = TelegramUser(emulator, 700_999_201, "ru")
    emulator.delay("sendMessage", REPLY_DELAY)
    with open(log_path, "wb") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", *flags, env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        emulator.user_sends_text(TOKEN, stranger.id, "/start")
        replying = asyncio.ensure_future(emulator.wait_for_call(TOKEN, "sendMessage", STARTUP, chat_id=stranger.id))
        await asyncio.wait([replying, asyncio.ensure_future(bot.wait())], return_when=asyncio.FIRST_COMPLETED)
        assert replying.done(), "the bot stopped before replying:\n" + output()
        await replying
        assert stranger.texts() == []  # the reply is in flight

        bot.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.wait(), REPLY_DELAY + 5)
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()

    assert code == 0, output()
    texts = stranger.texts()
    assert len(texts) == 1 and texts[0].startswith(GREETING), (texts, output())


async def test_a_refusal_under_way_is_finished_too(emulator, tmp_path):
    """The errors handler answers after the update's own middlewares have returned: it is waited for as well."""
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
    )
    stranger = TelegramUser(emulator, 700_999_202, "ru")
    emulator.delay("sendMessage", REPLY_DELAY)
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        emulator.user_sends_text(TOKEN, stranger.id, "/start NO-SUCH-CODE")
        await emulator.wait_for_call(TOKEN, "sendMessage", STARTUP, chat_id=stranger.id)
        assert stranger.texts() == []  # the refusal is in flight
    finally:
        bot_task.cancel()  # stops as SIGTERM does, through the dispatcher's shutdown
        await asyncio.gather(bot_task, return_exceptions=True)

    assert stranger.texts() == [error_text("invite.invalid", {}, "ru")]
