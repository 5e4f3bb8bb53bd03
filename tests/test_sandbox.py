"""The Bot API sandbox (devtools/sandbox): an unmodified aiogram Bot against the local emulator.

Everything runs on 127.0.0.1; every wait is bounded by a few seconds.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiohttp import web

from tests.files import png

TOKEN = "4242:sandbox-TEST_token_0123456789abcdefghij"
USER = 1001
WAIT = 5.0


@pytest.fixture
async def bot(emulator):
    bot = Bot(TOKEN, session=AiohttpSession(api=emulator.api_server(), timeout=5))
    yield bot
    await bot.session.close()


def tiny_router() -> Router:
    """Echo, and a /menu whose inline button is answered by editing the menu message."""
    router = Router()

    @router.message(F.text == "/menu")
    async def menu(message: Message) -> None:
        button = InlineKeyboardButton(text="Confirm", callback_data="confirm")
        await message.answer("Confirm the marks?", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    @router.callback_query(F.data == "confirm")
    async def confirmed(query: CallbackQuery) -> None:
        await query.message.edit_text("Marks confirmed")
        await query.answer("Saved")

    return router


@pytest.fixture
async def polling(emulator, bot):
    dp = Dispatcher()
    dp.include_router(tiny_router())
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=2))
    yield dp
    await asyncio.wait_for(dp.stop_polling(), WAIT)
    await asyncio.wait_for(task, WAIT)


async def test_a_text_reaches_the_handler_and_the_reply_is_in_the_chat(emulator, polling):
    sent = emulator.user_sends_text(TOKEN, USER, "hello", first_name="Анна", language_code="ru")

    reply = await emulator.wait_for_bot_message(TOKEN, USER, timeout=WAIT)

    assert reply["text"] == "echo: hello"
    assert [m["text"] for m in emulator.history(TOKEN, USER)] == ["hello", "echo: hello"]
    assert reply["message_id"] == sent["message_id"] + 1
    assert emulator.last_message(TOKEN, USER)["text"] == "echo: hello"


async def test_a_command_carries_a_bot_command_entity(emulator):
    message = emulator.user_sends_text(TOKEN, USER, "/start INVITE42")

    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_tapping_the_button_edits_the_message_in_place_and_answers_the_callback(emulator, polling):
    emulator.user_sends_text(TOKEN, USER, "/menu")
    menu = await emulator.wait_for_bot_message(TOKEN, USER, timeout=WAIT)
    assert menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "confirm"

    query_id = emulator.user_taps(TOKEN, USER, menu["message_id"], "confirm")
    edited = await emulator.wait_for_bot_message(TOKEN, USER, timeout=WAIT)
    answer = await emulator.wait_for_callback_answer(TOKEN, query_id, timeout=WAIT)

    assert edited["message_id"] == menu["message_id"] and edited["text"] == "Marks confirmed"
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard, as on Telegram
    assert [m["text"] for m in emulator.messages(TOKEN, USER)] == ["Marks confirmed"]
    assert answer["text"] == "Saved"
    assert emulator.answered_callbacks(TOKEN) == [answer]


async def test_a_test_cannot_tap_a_button_the_user_never_saw_but_can_forge_one(emulator, bot):
    emulator.add_user(TOKEN, USER)
    menu = await bot.send_message(
        USER,
        "Menu",
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]),
    )

    with pytest.raises(LookupError):
        emulator.user_taps(TOKEN, USER, menu.message_id, "delete_everything")
    forged = emulator.user_sends_callback_raw(TOKEN, USER, menu.message_id, "delete_everything")

    [update] = emulator.pending_updates(TOKEN)
    assert update["callback_query"]["id"] == forged
    assert update["callback_query"]["data"] == "delete_everything"


async def test_editing_to_the_same_content_is_refused_as_not_modified(emulator, bot):
    emulator.add_user(TOKEN, USER)
    message = await bot.send_message(USER, "<b>5</b> marks", parse_mode="HTML")

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>5</b> marks", chat_id=USER, message_id=message.message_id, parse_mode="HTML")
    assert message.entities[0].type == "bold"


async def test_a_document_upload_comes_back_through_get_file_and_download(emulator, bot):
    emulator.add_user(TOKEN, USER)
    content = b"%PDF-1.4 report card\n" * 100

    message = await bot.send_document(USER, BufferedInputFile(content, filename="report.pdf"), caption="Term 1")
    file = await bot.get_file(message.document.file_id)
    downloaded = await bot.download(file, timeout=5)

    assert downloaded.read() == content
    assert message.document.file_name == "report.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.document.file_unique_id and file.file_size == len(content)
    assert emulator.last_message(TOKEN, USER)["caption"] == "Term 1"


async def test_a_photo_can_be_resent_by_file_id_but_a_big_one_cannot_be_downloaded(emulator, bot):
    small = emulator.user_sends_photo(TOKEN, USER, png(1, 1))
    big = emulator.user_sends_photo(TOKEN, USER, png(1, 1), size=25 * 1024 * 1024)

    resent = await bot.send_photo(USER, small["photo"][-1]["file_id"])
    assert resent.photo[-1].file_id == small["photo"][-1]["file_id"]
    assert (resent.photo[-1].width, resent.photo[-1].height) == (1, 1)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big["photo"][-1]["file_id"])
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(USER, "AgACnot-a-real-id")


async def test_commands_are_kept_per_chat_scope_and_language(emulator, bot):
    scope = BotCommandScopeChat(chat_id=USER)
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="marks", description="Оценки")], scope=scope, language_code="ru")
    await bot.set_my_commands([BotCommand(command="marks", description="Marks")], scope=scope)

    ru = await bot.get_my_commands(scope=scope, language_code="ru")
    assert [(c.command, c.description) for c in ru] == [("marks", "Оценки")]
    assert emulator.commands(TOKEN, scope={"type": "chat", "chat_id": USER}) == [
        {"command": "marks", "description": "Marks"}
    ]
    assert emulator.commands(TOKEN) == [{"command": "start", "description": "Start"}]
    assert emulator.visible_commands(TOKEN, USER, "ru")[0]["description"] == "Оценки"
    assert emulator.visible_commands(TOKEN, 2002, "ru")[0]["command"] == "start"

    await bot.delete_my_commands(scope=scope, language_code="ru")
    assert await bot.get_my_commands(scope=scope, language_code="ru") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_text_over_4096_characters_is_too_long(emulator, bot):
    emulator.add_user(TOKEN, USER)

    await bot.send_message(USER, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "я" * 4097)
    assert len(emulator.messages(TOKEN, USER)) == 1


async def test_html_is_checked_loosely(emulator, bot):
    emulator.add_user(TOKEN, USER)

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "line<br>break", parse_mode="HTML")
    ok = await bot.send_message(
        USER, "<i>2 &lt; 3</i> &amp; <a href='https://school.example'>site</a>", parse_mode="HTML"
    )
    assert ok.text == "2 < 3 & site"
    assert [e.type for e in ok.entities] == ["italic", "text_link"]


async def test_with_limits_on_a_burst_of_40_messages_meets_retry_after(emulator, bot):
    chats = range(5000, 5040)
    for chat_id in chats:
        emulator.add_user(TOKEN, chat_id)
    emulator.limits(enabled=True, per_second=30, per_chat_per_second=1)

    results = await asyncio.gather(*(bot.send_message(c, "Homework is due") for c in chats), return_exceptions=True)

    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert refused and all(r.retry_after >= 1 for r in refused)
    assert all(isinstance(r, Message) for r in results if r not in refused)
    assert sum(len(emulator.messages(TOKEN, c)) for c in chats) == len(results) - len(refused)


async def test_limits_per_chat(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.limits(enabled=True)

    await bot.send_message(USER, "one")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(USER, "two")
    assert refused.value.retry_after >= 1


async def test_an_injected_502_is_a_server_error_once(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 1, status=502)

    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "first try")
    await bot.send_message(USER, "second try")
    assert [m["text"] for m in emulator.messages(TOKEN, USER)] == ["second try"]


async def test_an_injected_timeout_hangs_past_the_client_timeout(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 1, status="timeout")

    started = time.monotonic()
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER, "lost", request_timeout=1)
    assert time.monotonic() - started < 3
    assert emulator.messages(TOKEN, USER) == []


async def test_a_delayed_call_is_in_flight_for_a_while_and_a_client_that_hangs_up_cancels_it(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.delay("sendMessage", 0.5)

    started = time.monotonic()
    await bot.send_message(USER, "slow")
    assert time.monotonic() - started >= 0.5

    abandoned = asyncio.create_task(bot.send_message(USER, "abandoned"))
    await emulator.wait_for_call(TOKEN, "sendMessage", text="abandoned")
    assert [m["text"] for m in emulator.messages(TOKEN, USER)] == ["slow"]  # logged, not yet in the chat
    abandoned.cancel()  # the client closes the connection of a cancelled request
    await asyncio.gather(abandoned, return_exceptions=True)
    # Sent later and delayed as long, so the abandoned call would be in the chat by the time this one is.
    await bot.send_message(USER, "after")
    assert [m["text"] for m in emulator.messages(TOKEN, USER)] == ["slow", "after"]

    emulator.delay("sendMessage", 0)
    started = time.monotonic()
    await bot.send_message(USER, "quick")
    assert time.monotonic() - started < 0.5


async def test_long_polling_answers_as_soon_as_an_update_arrives(emulator, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=10, allowed_updates=["message"]))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    emulator.user_sends_text(TOKEN, USER, "ping")
    emulator.block(TOKEN, 3003)  # a my_chat_member update, which allowed_updates leaves out

    updates = await asyncio.wait_for(poll, WAIT)

    assert time.monotonic() - started < 2  # far below the 10 s poll timeout
    assert [u.message.text for u in updates] == ["ping"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []


async def test_a_webhook_with_a_secret_receives_updates_with_the_header(emulator, bot):
    received: asyncio.Queue = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        await received.put((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret-Token_1")
        emulator.user_sends_text(TOKEN, USER, "via webhook")

        secret, update = await asyncio.wait_for(received.get(), WAIT)

        assert secret == "s3cret-Token_1"
        assert update["message"]["text"] == "via webhook"
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        assert (await bot.get_webhook_info()).pending_update_count == 0
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
    finally:
        await runner.cleanup()


async def test_a_webhook_must_be_https_unless_local(bot):
    with pytest.raises(TelegramBadRequest, match="HTTPS"):
        await bot.set_webhook("http://school.example/hook")


async def test_a_blocked_user_is_forbidden_and_an_unknown_chat_not_found(emulator, bot):
    emulator.user_sends_text(TOKEN, USER, "/start")
    emulator.block(TOKEN, USER)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "Your marks")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "Anyone?")
    kinds = [next(k for k in u if k != "update_id") for u in emulator.pending_updates(TOKEN)]
    assert kinds == ["message", "my_chat_member"]


async def test_groups_and_channels_posts_with_and_without_from(emulator, bot):
    """Over the control API, as a demo plays it: a member's command in a group, a post on behalf of a channel."""
    url = f"{emulator.base_url}/sandbox/bot{TOKEN}/groups/-100777/text"
    channel = {"id": -100778, "type": "channel", "title": "Новости"}
    async with aiohttp.ClientSession() as client:
        for body in ({"user_id": USER, "text": "/marks"}, {"text": "Собрание", "sender_chat": channel}):
            async with client.post(url, json=body) as response:
                assert response.status == 200
    emulator.add_group(TOKEN, -100778, "Новости", kind="channel")
    emulator.user_posts_in_group(TOKEN, -100778, None, "Пост", sender_chat=channel)

    member, signed, post = await bot.get_updates(timeout=0)
    assert (member.message.chat.type, member.message.from_user.id, member.message.text) == (
        "supergroup",
        USER,
        "/marks",
    )
    assert (signed.message.from_user, signed.message.sender_chat.id) == (None, -100778)
    assert (post.channel_post.chat.type, post.channel_post.text) == ("channel", "Пост")
    await bot.send_message(-100777, "ok")
    assert [m["text"] for m in emulator.messages(TOKEN, -100777)] == ["ok"]
