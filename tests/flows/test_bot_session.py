"""The bot's session keeps aiogram's `Response[T]` models (a Bot API call does not build a pydantic model) and
reads no more of an answer than the bot uses.

aiogram reads each answer into `Response[T]` for the method's return type T; pydantic holds those models
weakly, so without bot/session.py a garbage collection between two calls makes the next one build it again.
"""

from __future__ import annotations

import asyncio
import gc
import json

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData
from aiohttp.payload import BytesPayload
from pydantic._internal import _generics

from bot.config import Settings
from bot.runtime import create_bot
from tests.flows.conftest import TOKEN, TelegramUser

pytestmark = pytest.mark.telegram_only(
    "aiogram's Bot API session; MAX's session is tested in tests/test_max_session.py"
)


@pytest.fixture
def models_built(monkeypatch) -> list[str]:
    """The names of the generic pydantic models built while the test runs."""
    built: list[str] = []
    create = _generics.create_generic_submodel

    def counted(model_name, *args, **kwargs):
        built.append(model_name)
        return create(model_name, *args, **kwargs)

    monkeypatch.setattr(_generics, "create_generic_submodel", counted)
    return built


async def test_bot_api_calls_build_no_response_model_twice(emulator, models_built):
    user = TelegramUser(emulator, 700_999_301, "ru")
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))

    async def calls() -> None:
        await bot.get_me()
        message = await bot.send_message(user.id, "one")
        await bot.edit_message_text("two", chat_id=user.id, message_id=message.message_id)
        await bot.get_updates(timeout=0)

    try:
        await calls()  # the first call of each method may build its model (or find it kept)
        models_built.clear()
        for _ in range(2):
            gc.collect()  # what would drop a model held only by pydantic's weak cache
            await calls()
    finally:
        await bot.session.close()

    assert [name for name in models_built if name.startswith("Response[")] == []


async def test_an_edit_is_checked_but_not_read(emulator):
    """No caller reads an edit's answer: an ok edit returns True (as for an inline message) and the chat shows it;
    Telegram's refusals still raise."""
    user = TelegramUser(emulator, 700_999_302, "ru")
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))
    try:
        message = await bot.send_message(user.id, "one")
        assert await bot.edit_message_text("two", chat_id=user.id, message_id=message.message_id) is True
        assert user.last_text() == "two"
        with pytest.raises(TelegramBadRequest, match="not modified"):
            await bot.edit_message_text("two", chat_id=user.id, message_id=message.message_id)
        with pytest.raises(TelegramBadRequest, match="not found"):
            await bot.edit_message_text("three", chat_id=user.id, message_id=message.message_id + 100)
        assert user.last_text() == "two"
        sent = await bot.send_message(user.id, "four")  # what callers read is still read
        assert sent.text == "four" and sent.message_id > message.message_id
    finally:
        await bot.session.close()


async def test_calls_go_as_json_and_uploads_as_a_form(emulator):
    """A call without files is sent as JSON (aiogram's URL-encoded form quotes a Cyrillic text byte by byte); what
    the chat shows is what was sent, its markup and buttons too. A file still goes in a multipart form."""
    user = TelegramUser(emulator, 700_999_303, "ru")
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ср, 25 нояб. ▶", callback_data="diary:1:2026-11-25")]]
    )
    text = "Дневник: <b>Артём</b> — «5» & 4"
    try:
        body = bot.session.build_form_data(bot, SendMessage(chat_id=user.id, text=text, reply_markup=keyboard))
        assert isinstance(body, BytesPayload) and body.content_type == "application/json"
        assert json.loads(body._value)["reply_markup"] == {
            "inline_keyboard": [[{"text": "ср, 25 нояб. ▶", "callback_data": "diary:1:2026-11-25"}]]
        }
        await bot.send_message(user.id, text, reply_markup=keyboard, parse_mode="HTML")
        assert user.last_text() == "Дневник: Артём — «5» & 4"
        assert user.buttons() == ["ср, 25 нояб. ▶"]
        document = BufferedInputFile(b"%PDF-1.4 homework", filename="задание.pdf")
        assert isinstance(bot.session.build_form_data(bot, SendDocument(chat_id=user.id, document=document)), FormData)
        await bot.send_document(user.id, document, caption="Домашнее задание")
        [sent] = [m for m in emulator.messages(TOKEN, user.id) if m.get("document")]
        assert sent["document"]["file_name"] == "задание.pdf" and sent["caption"] == "Домашнее задание"
    finally:
        await bot.session.close()


async def test_a_tapped_message_is_read_without_its_keyboard_and_entities(emulator):
    """A tap's update carries the tapped message whole, keyboard and entities too, as Telegram sends it (aiogram's
    own session reads them); the bot reads the message's id, chat and text only, and a person's own message keeps
    its entities."""
    user = TelegramUser(emulator, 700_999_304, "ru")
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))
    plain = Bot(TOKEN, session=AiohttpSession(api=bot.session.api))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ср, 25 нояб. ▶", callback_data="diary:1:2026-11-25")]]
    )
    try:
        shown = await bot.send_message(user.id, "<b>Пн, 23 нояб.</b> <i>1. Математика</i>", reply_markup=keyboard)
        emulator.user_taps(TOKEN, user.id, shown.message_id, "diary:1:2026-11-25")
        emulator.user_sends_text(TOKEN, user.id, "/diary")
        [as_sent_tap, as_sent_text] = await plain.get_updates(timeout=0)  # not confirmed: the bot gets them too
        [tap, text] = await bot.get_updates(timeout=0)
    finally:
        await bot.session.close()
        await plain.session.close()

    [[button]] = as_sent_tap.callback_query.message.reply_markup.inline_keyboard
    assert (button.text, button.callback_data) == ("ср, 25 нояб. ▶", "diary:1:2026-11-25")
    assert [e.type for e in as_sent_tap.callback_query.message.entities] == ["bold", "italic"]
    tapped = tap.callback_query.message
    assert (tapped.message_id, tapped.chat.id, tapped.text) == (shown.message_id, user.id, "Пн, 23 нояб. 1. Математика")
    assert (tapped.reply_markup, tapped.entities) == (None, None)
    assert tap.callback_query.data == "diary:1:2026-11-25"
    assert text.message.entities == as_sent_text.message.entities and text.message.entities[0].type == "bot_command"


async def test_a_sent_message_is_read_without_its_keyboard_and_entities(emulator):
    """sendMessage's answer is the message as sent: the bot reads its id (and chat, text) only, not the keyboard and
    the entities it has just sent (aiogram's own session reads them); the chat shows them all."""
    user = TelegramUser(emulator, 700_999_305, "ru")
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))
    plain = Bot(TOKEN, session=AiohttpSession(api=bot.session.api))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ср, 25 нояб. ▶", callback_data="diary:1:2026-11-25")]]
    )
    text = "<b>Пн, 23 нояб.</b> <i>1. Математика</i>"
    try:
        sent = await bot.send_message(user.id, text, reply_markup=keyboard, parse_mode="HTML")
        as_sent = await plain.send_message(user.id, text, reply_markup=keyboard, parse_mode="HTML")
    finally:
        await bot.session.close()
        await plain.session.close()

    assert [e.type for e in as_sent.entities] == ["bold", "italic"]
    assert [[b.text for b in row] for row in as_sent.reply_markup.inline_keyboard] == [["ср, 25 нояб. ▶"]]
    assert (sent.chat.id, sent.text) == (user.id, "Пн, 23 нояб. 1. Математика")
    assert sent.message_id == as_sent.message_id - 1 and (sent.reply_markup, sent.entities) == (None, None)
    [shown, _] = emulator.messages(TOKEN, user.id)[-2:]
    assert shown["message_id"] == sent.message_id and shown["reply_markup"]["inline_keyboard"][0][0]["text"] == (
        "ср, 25 нояб. ▶"
    )
    assert [e["type"] for e in shown["entities"]] == ["bold", "italic"]


@pytest.mark.parametrize(("linger", "pause"), [(True, [0.25]), (False, [])])
async def test_a_session_closes_with_aiogram_s_pause_or_at_once(emulator, monkeypatch, linger, pause):
    """aiogram pauses 250 ms after closing for TLS connections to finish closing; the start's token check closes
    its session without it (the event loop runs on), so the bot polls a quarter of a second sooner."""
    bot = create_bot(Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url))
    await bot.get_me()
    asked = []
    sleep = asyncio.sleep

    async def noted(delay, *args, **kwargs):
        asked.append(delay)
        return await sleep(0)

    monkeypatch.setattr(asyncio, "sleep", noted)
    await bot.session.close(linger=linger)
    monkeypatch.undo()
    assert asked == pause
    assert bot.session._session.closed
