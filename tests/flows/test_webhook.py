"""`schoolbot run --webhook`: Telegram posts updates to the bot over HTTP, with the secret in a header.

Everything runs on 127.0.0.1: the emulator delivers to the bot's own aiohttp server.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import aiohttp
import pytest
from aiogram.types import Update

from bot.cli import main
from bot.config import Settings
from bot.runtime import run_webhook
from tests.flows.conftest import TOKEN, TelegramUser

pytestmark = pytest.mark.telegram_only("Telegram's webhook and its header; MAX's is tests/flows/test_max_webhook.py")

SECRET = "webhook-Secret_42"
GREETING = "Это электронный журнал и дневник школы."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def webhook_settings(emulator, tmp_path) -> Settings:
    """The bot behind a webhook on a free port of 127.0.0.1, with SECRET, on a database in `tmp_path`."""
    port = free_port()
    return Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        webhook_port=port,
        webhook_secret=SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
    )


def start_update(user_id: int) -> dict:
    """What Telegram would post when the user sends /start."""
    person = {"id": user_id, "is_bot": False, "first_name": "Тест", "language_code": "ru"}
    return {
        "update_id": 990_001,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Тест"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_updates_come_through_the_webhook_only_with_the_secret(emulator, tmp_path):
    settings = webhook_settings(emulator, tmp_path)
    url = settings.webhook_url
    bot_task = asyncio.create_task(run_webhook(settings, handle_signals=False))
    try:
        stranger = TelegramUser(emulator, 700_999_101, "ru")
        await stranger.send("/start")
        assert stranger.last_text().startswith(GREETING)
        hook = emulator.calls(TOKEN, "setWebhook")[-1]
        assert (hook["url"], hook["secret_token"]) == (url, SECRET)
        assert emulator.calls(TOKEN, "getUpdates") == []

        forger = TelegramUser(emulator, 700_999_102, "ru")
        async with aiohttp.ClientSession() as client:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guessed"}, {}):
                async with client.post(url, json=start_update(forger.id), headers=headers) as response:
                    assert response.status == 401
        # A forged update, had it been taken, would be handled before this later one is answered.
        latecomer = TelegramUser(emulator, 700_999_103, "ru")
        await latecomer.send("/start")
        assert latecomer.last_text().startswith(GREETING)
        assert emulator.messages(TOKEN, forger.id) == []
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)

    assert len(emulator.calls(TOKEN, "deleteWebhook")) == 1
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.ClientConnectionError):  # the server is closed too
            async with client.post(url, json=start_update(forger.id)):
                pass


async def test_a_body_that_is_not_an_update_gets_400_and_one_line_in_the_log(emulator, tmp_path, caplog):
    """Not 500 with a traceback; the log says nothing of what was posted (it may be someone's message)."""
    settings = webhook_settings(emulator, tmp_path)
    url = settings.webhook_url
    bot_task = asyncio.create_task(run_webhook(settings, handle_signals=False))
    secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    bodies = [
        b"",
        b'{"update_id": 5, "message": {"text": "Secret-Ivanova',
        b"[]",
        b"{}",
        b"null",
        b'{"update_id": "Secret-Ivanova"}',
        b'{"update_id": 6, "message": {"text": "Secret-Ivanova"}}',
    ]
    try:
        stranger = TelegramUser(emulator, 700_999_104, "ru")
        await stranger.send("/start")  # the server is up
        caplog.clear()
        async with aiohttp.ClientSession() as client:
            for body in bodies:
                async with client.post(url, data=body, headers=secret) as response:
                    assert (response.status, await response.text()) == (400, "Bad Request"), body
        await stranger.send("/start")  # and still serves
        assert stranger.last_text().startswith(GREETING)
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
    refused = [r for r in caplog.records if "webhook" in r.getMessage().lower() and r.levelno >= logging.WARNING]
    assert len(refused) == len(bodies)
    assert not [r for r in caplog.records if r.exc_info or "Secret-Ivanova" in r.getMessage()]


def test_webhook_mode_asks_for_the_url(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no stray .env of the developer's
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.delenv("WEBHOOK_URL", raising=False)

    with pytest.raises(SystemExit) as exited:
        main(["run", "--webhook"])

    assert exited.value.code == 2
    assert "WEBHOOK_URL" in capsys.readouterr().err


async def test_an_update_is_read_once_and_a_tap_without_its_message_s_keyboard(emulator, tmp_path, monkeypatch):
    """aiogram's webhook handler reads each update into its models twice; the bot's reads it once, and a tap's
    update without the tapped message's keyboard and entities (no handler reads them): the tap still edits the
    screen in place."""
    settings = webhook_settings(emulator, tmp_path)
    read: list[Update] = []
    validate = Update.model_validate.__func__

    def counted(cls, data, **kwargs):
        read.append(update := validate(cls, data, **kwargs))
        return update

    monkeypatch.setattr(Update, "model_validate", classmethod(counted))
    bot_task = asyncio.create_task(run_webhook(settings, handle_signals=False))
    try:
        user = TelegramUser(emulator, 700_999_105, "en")
        greeting = await user.send("/language")
        assert greeting["text"] == "Choose the language:" and user.buttons()[0] == "Русский"
        assert len(read) == 1 and read[0].message.text == "/language"
        answer = await user.tap(user.buttons()[0])
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)

    assert len(read) == 2
    tapped = read[1].callback_query.message
    assert tapped.message_id == greeting["message_id"] and (tapped.reply_markup, tapped.entities) == (None, None)
    assert answer["callback_query_id"] == read[1].callback_query.id
    assert emulator.last_message(TOKEN, user.id)["message_id"] == greeting["message_id"]
    assert user.last_text() == "Теперь язык — русский." and user.buttons() == []
