"""The MAX session over HTTP (bot/max/session.py, bot/max/webhook.py), against a small stand-in for MAX's API defined
here that records every request: what the bot's aiogram calls become on MAX's side, what MAX's answers and errors
become for aiogram, and the mids kept across a restart in the database."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, SendDice
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiohttp import ClientSession, web

from bot.alerts import TokenWatch
from bot.channels import channel_of
from bot.max import DatabaseRefs, MaxWebhook, MemoryRefs, bot_number, create_max_bot
from bot.max.errors import UnsupportedInMax
from bot.pushes.limiter import SharedLimits
from services.models import Channel

TOKEN = "max-secret-token-123"
USER = {"user_id": 5001, "first_name": "Анна", "is_bot": False}
ME = {"user_id": 9000, "first_name": "Школа", "username": "school_bot", "is_bot": True}


def answer_with(make):
    """An aiohttp handler answering the JSON `make(request)` gives."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(make(request))

    return handler


@dataclass
class Seen:
    verb: str
    path: str
    query: dict[str, str]
    body: Any
    auth: str | None


@dataclass
class FakeMax:
    """MAX's API as the session uses it; `errors` answers the next requests of a path with (status, code, headers)."""

    seen: list[Seen] = field(default_factory=list)
    errors: dict[str, list[tuple[int, str, dict]]] = field(default_factory=dict)
    not_ready: int = 0  # sends with a file token refused as not processed yet
    updates: list[dict] = field(default_factory=list)
    marker: int = 0
    subscriptions: list[dict] = field(default_factory=list)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.record])
        r = app.router
        r.add_get("/me", answer_with(lambda _: ME))
        r.add_patch("/me/commands", answer_with(lambda _: ME))
        r.add_post("/messages", self.send)
        r.add_put("/messages", self.success)
        r.add_delete("/messages", self.success)
        r.add_post("/answers", self.answer)
        r.add_post("/uploads", answer_with(lambda q: {"url": f"{self.url}/upload/{q.query['type']}"}))
        r.add_post("/upload/{type}", self.upload)
        r.add_post("/chats/{chat}/actions", self.success)
        r.add_get("/updates", self.get_updates)
        r.add_get("/subscriptions", answer_with(lambda _: {"subscriptions": self.subscriptions}))
        r.add_post("/subscriptions", self.subscribe)
        r.add_delete("/subscriptions", self.unsubscribe)
        r.add_get("/files/{name}", self.file)
        return app

    @web.middleware
    async def record(self, request: web.Request, handler):
        body: Any = None
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            body = {name: getattr(value, "filename", value) for name, value in form.items()}
        self.seen.append(
            Seen(request.method, request.path, dict(request.query), body, request.headers.get("Authorization"))
        )
        if request.headers.get("Authorization") != TOKEN and not request.path.startswith(("/upload/", "/files/")):
            return web.json_response({"code": "verify.token", "message": "Invalid access_token"}, status=401)
        if queued := self.errors.get(request.path):
            status, code, headers = queued.pop(0)
            return web.json_response({"code": code, "message": code}, status=status, headers=headers)
        return await handler(request)

    def calls(self, verb: str, path: str) -> list[Seen]:
        return [s for s in self.seen if (s.verb, s.path) == (verb, path)]

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.not_ready and any(a.get("type") in ("file", "image") for a in body.get("attachments") or []):
            self.not_ready -= 1
            return web.json_response({"code": "attachment.not.ready", "message": "not processed"}, status=400)
        n = next(self.numbers)
        user = int(request.query["user_id"]) if "user_id" in request.query else None
        recipient = (
            {"chat_id": 123456, "chat_type": "dialog", "user_id": user}
            if user is not None
            else {"chat_id": int(request.query["chat_id"]), "chat_type": "chat"}
        )
        message = {
            "sender": ME,
            "recipient": recipient,
            "timestamp": 1_764_800_000_000,
            "body": {"mid": f"mid.{n:04x}", "seq": 116993690454357000 + n, "text": body.get("text")},
        }
        return web.json_response({"message": message})

    async def file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 the file")

    async def success(self, request: web.Request) -> web.Response:
        return web.json_response({"success": True})

    async def answer(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not body.get("notification") and not body.get("message"):
            return web.json_response({"code": "proto.payload", "message": "empty"}, status=400)
        return web.json_response({"success": True})

    async def upload(self, request: web.Request) -> web.Response:
        if request.match_info["type"] == "image":
            return web.json_response({"photos": {"k1": {"token": "tok-image"}}})
        return web.json_response({"token": "tok-file"})

    async def get_updates(self, request: web.Request) -> web.Response:
        updates, self.updates = self.updates, []
        self.marker += len(updates)
        return web.json_response({"updates": updates, "marker": self.marker})

    async def subscribe(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.subscriptions.append({"url": body["url"], "time": 1, "update_types": body.get("update_types")})
        return web.json_response({"success": True})

    async def unsubscribe(self, request: web.Request) -> web.Response:
        self.subscriptions = [s for s in self.subscriptions if s["url"] != request.query["url"]]
        return web.json_response({"success": True})


@pytest.fixture
async def max_api():
    fake = FakeMax()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def bot(max_api):
    bot = create_max_bot(TOKEN, api_url=max_api.url, refs=MemoryRefs())
    bot.session.not_ready_first_wait = 0.01  # the same doubling, shorter for the test
    bot.session.not_ready_budget = 0.1
    yield bot
    await bot.session.close()


def message_created(text: str, *, seq: int = 700, attachments: list | None = None) -> dict:
    return {
        "update_type": "message_created",
        "timestamp": 1_764_800_000_000,
        "user_locale": "ru",
        "message": {
            "sender": USER,
            "recipient": {"chat_id": 123456, "chat_type": "dialog", "user_id": 9000},
            "timestamp": 1_764_800_000_000,
            "body": {"mid": f"mid.in{seq}", "seq": seq, "text": text, "attachments": attachments},
        },
    }


async def test_the_max_bot_has_a_stable_made_up_id_and_says_it_is_max(bot, max_api):
    assert bot.id == bot_number(TOKEN) == create_max_bot(TOKEN, refs=MemoryRefs()).id
    assert channel_of(bot) is Channel.MAX
    assert TOKEN not in bot.token and TOKEN not in repr(bot.session)
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name) == (bot.id, "school_bot", "Школа")
    assert max_api.seen[-1].auth == TOKEN  # in the header, not in the URL
    assert all(TOKEN not in str(s.query) for s in max_api.seen)


async def test_a_message_goes_to_the_users_dialog_with_its_reply_keyboard_as_message_buttons(bot, max_api):
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="📖 Дневник"), KeyboardButton(text="⭐ Оценки")]])
    sent = await bot.send_message(-5001, "<b>Меню</b>", reply_markup=keyboard)
    (call,) = max_api.calls("POST", "/messages")
    assert call.query == {"user_id": "5001"}
    assert call.body["text"] == "<b>Меню</b>" and call.body["format"] == "html"
    assert call.body["attachments"][0]["payload"]["buttons"] == [
        [{"type": "message", "text": "📖 Дневник"}, {"type": "message", "text": "⭐ Оценки"}]
    ]
    assert isinstance(sent, Message)
    assert (sent.chat.id, sent.message_id, sent.text) == (-5001, 116993690454357001, "<b>Меню</b>")
    await bot.send_message(777, "в группу")
    assert max_api.calls("POST", "/messages")[-1].query == {"chat_id": "-777"}


async def test_a_long_text_is_two_messages_with_the_keyboard_on_the_last(bot, max_api):
    text = "\n".join("я" * 99 for _ in range(50))
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="▶", callback_data="next")]])
    sent = await bot.send_message(-5001, text, reply_markup=markup)
    first, second = max_api.calls("POST", "/messages")
    assert "attachments" not in first.body
    assert second.body["attachments"][0]["payload"]["buttons"] == [
        [{"type": "callback", "text": "▶", "payload": "next"}]
    ]
    assert first.body["text"] + "\n" + second.body["text"] == text
    assert sent.message_id == 116993690454357002  # the last part, which holds the keyboard


async def test_an_edit_after_a_restart_finds_the_mid_in_the_database_and_drops_the_keyboard(max_api, session_factory):
    before = create_max_bot(TOKEN, api_url=max_api.url, refs=DatabaseRefs(session_factory))
    sent = await before.send_message(-5001, "черновик")
    await before.session.close()

    after = create_max_bot(TOKEN, api_url=max_api.url, refs=DatabaseRefs(session_factory))  # a new process
    try:
        edited = await after.edit_message_text("готово", chat_id=-5001, message_id=sent.message_id)
        (put,) = max_api.calls("PUT", "/messages")
        assert put.query == {"message_id": "mid.0001"}
        assert put.body["text"] == "готово" and put.body["attachments"] == []
        assert edited.text == "готово"
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]])
        await after.edit_message_reply_markup(chat_id=-5001, message_id=sent.message_id, reply_markup=markup)
        put = max_api.calls("PUT", "/messages")[-1]
        assert "text" not in put.body and put.body["attachments"][0]["type"] == "inline_keyboard"
        assert await after.delete_message(-5001, sent.message_id) is True
        assert max_api.calls("DELETE", "/messages")[0].query == {"message_id": "mid.0001"}
        with pytest.raises(TelegramBadRequest, match="not found"):  # a message never seen: as Telegram says it
            await after.delete_message(-5001, 12345)
    finally:
        await after.session.close()


async def test_a_tap_answered_without_a_text_sends_nothing_and_with_one_a_notification(bot, max_api):
    assert await bot.answer_callback_query("cb-1") is True
    assert max_api.calls("POST", "/answers") == []
    await bot.answer_callback_query("cb-2", text="Сохранено", show_alert=True)
    (call,) = max_api.calls("POST", "/answers")
    assert call.query == {"callback_id": "cb-2"} and call.body == {"notification": "Сохранено"}


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (403, "chat.denied", TelegramForbiddenError),
        (400, "text.too.long", TelegramBadRequest),
        (404, "not.found", TelegramBadRequest),
        (401, "verify.token", TelegramUnauthorizedError),
        (503, "service.unavailable", TelegramServerError),
    ],
)
async def test_maxs_errors_are_aiograms_exceptions(bot, max_api, status, code, error):
    max_api.errors["/messages"] = [(status, code, {})]
    with pytest.raises(error, match=code.replace(".", r"\.")):
        await bot.send_message(-5001, "x")


async def test_a_chat_or_message_max_does_not_know_is_said_as_telegram_says_it(bot, max_api):
    """400 "… not found": a push to a chat that is gone stops (bot/pushes/sender.py), a screen whose message is gone
    is sent again (ui/screens.py)."""
    max_api.errors["/messages"] = [(404, "not.found", {})]
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-5001, "x")
    sent = await bot.send_message(-5001, "y")
    max_api.errors["/messages"] = [(404, "not.found", {})]
    with pytest.raises(TelegramBadRequest, match="message not found"):
        await bot.edit_message_text("z", chat_id=-5001, message_id=sent.message_id)


async def test_too_many_requests_is_retry_after_with_maxs_seconds_or_one(bot, max_api):
    max_api.errors["/messages"] = [(429, "too.many.requests", {"Retry-After": "3"}), (429, "too.many.requests", {})]
    with pytest.raises(TelegramRetryAfter) as first:
        await bot.send_message(-5001, "x")
    with pytest.raises(TelegramRetryAfter) as second:
        await bot.send_message(-5001, "x")
    assert (first.value.retry_after, second.value.retry_after) == (3, 1)


async def test_the_session_middlewares_see_every_call_and_a_wrong_token_is_unauthorized(max_api):
    class Seen(BaseRequestMiddleware):
        def __init__(self):
            self.methods: list[str] = []
            self.errors: list[str] = []

        async def __call__(self, make_request, bot, method):
            self.methods.append(method.__api_method__)
            try:
                return await make_request(bot, method)
            except Exception as err:
                self.errors.append(type(err).__name__)
                raise

    seen = {}
    for token in (TOKEN, "another-token"):
        bot = create_max_bot(token, api_url=max_api.url, refs=MemoryRefs())
        bot.session.middleware(SharedLimits())  # as bot/runtime.create_bot adds them to Telegram's bot
        bot.session.middleware(TokenWatch())
        bot.session.middleware(seen.setdefault(token, Seen()))
        try:
            if token == TOKEN:
                assert (await bot.send_message(-5001, "через лимиты")).text == "через лимиты"
            else:
                with pytest.raises(TelegramUnauthorizedError):
                    await bot.get_me()
        finally:
            await bot.session.close()
    assert (seen[TOKEN].methods, seen[TOKEN].errors) == (["sendMessage"], [])
    assert (seen["another-token"].methods, seen["another-token"].errors) == (["getMe"], ["TelegramUnauthorizedError"])


async def test_a_document_is_uploaded_then_sent_again_while_max_says_it_is_not_ready(bot, max_api):
    max_api.not_ready = 2
    sent = await bot.send_document(-5001, BufferedInputFile(b"%PDF-1.4", filename="report.pdf"), caption="Отчёт")
    assert max_api.calls("POST", "/uploads")[0].query == {"type": "file"}
    assert max_api.calls("POST", "/upload/file")[0].body == {"data": "report.pdf"}
    sends = max_api.calls("POST", "/messages")
    assert len(sends) == 3  # two refused as not ready, the third taken
    assert sends[-1].body["attachments"] == [{"type": "file", "payload": {"token": "tok-file"}}]
    assert sends[-1].body["text"] == "Отчёт"
    assert sent.chat.id == -5001
    assert (sent.document.file_id, sent.document.file_name, sent.caption) == ("tok-file", "report.pdf", "Отчёт")
    again = await bot.send_document(-5001, sent.document.file_id)  # by the token MAX gave: no upload
    assert len(max_api.calls("POST", "/uploads")) == 1
    assert max_api.calls("POST", "/messages")[-1].body["attachments"] == [
        {"type": "file", "payload": {"token": "tok-file"}}
    ]
    assert again.document.file_id == "tok-file"


async def test_a_file_still_not_ready_after_the_waiting_budget_is_a_bad_request(bot, max_api):
    max_api.not_ready = 100
    with pytest.raises(TelegramBadRequest, match="attachment"):
        await bot.send_photo(-5001, BufferedInputFile(b"\x89PNG", filename="chart.png"))
    assert max_api.calls("POST", "/uploads")[0].query == {"type": "image"}
    sent = max_api.calls("POST", "/messages")
    assert sent[0].body["attachments"] == [{"type": "image", "payload": {"token": "tok-image"}}]
    assert 1 < len(sent) < 10


async def test_updates_are_read_from_the_marker_and_numbered_for_aiograms_offset(bot, max_api):
    max_api.marker = 40
    max_api.updates = [
        message_created("первое", seq=701),
        {"update_type": "message_edited", "timestamp": 1, "message": {}},  # not asked for: skipped
        message_created("второе", seq=702),
    ]
    updates = await bot(GetUpdates(timeout=0))
    first_call = max_api.calls("GET", "/updates")[0]
    assert "marker" not in first_call.query
    assert set(first_call.query["types"].split(",")) == {
        "message_created",
        "message_callback",
        "bot_started",
        "bot_stopped",
    }
    assert [u.message.text for u in updates] == ["первое", "второе"]
    assert [u.message.chat.id for u in updates] == [-5001, -5001]
    assert updates[-1].update_id + 1 == 43  # aiogram's next offset is MAX's marker
    await bot(GetUpdates(offset=updates[-1].update_id + 1, timeout=0))
    assert max_api.calls("GET", "/updates")[1].query["marker"] == "43"


async def test_a_batch_of_only_unhandled_updates_still_moves_the_marker(bot, max_api):
    max_api.updates = [{"update_type": "message_edited", "timestamp": 1, "message": {}}]
    assert await bot(GetUpdates(timeout=0)) == []
    await bot(GetUpdates(timeout=0))  # aiogram asks again with no offset
    assert max_api.calls("GET", "/updates")[1].query["marker"] == "1"


async def test_a_received_file_is_downloaded_by_its_token_and_the_typing_goes_to_maxs_dialog(bot, max_api):
    attachment = {
        "type": "file",
        "payload": {"url": f"{max_api.url}/files/a.pdf", "token": "tok-in"},
        "filename": "a.pdf",
    }
    max_api.updates = [message_created("справка", attachments=[attachment])]
    (update,) = await bot(GetUpdates(timeout=0))
    assert update.message.document.file_id == "tok-in"
    data = await bot.download(update.message.document.file_id)
    assert data.read() == b"%PDF-1.4 the file"
    await bot.send_chat_action(-5001, "upload_document")
    (action,) = max_api.calls("POST", "/chats/123456/actions")
    assert action.body == {"action": "sending_file"}
    with pytest.raises(TelegramBadRequest, match="file not found"):
        await bot.get_file("tok-never-seen")


async def test_commands_are_one_list_set_from_the_default_scope_only(bot, max_api):
    commands = [BotCommand(command="diary", description="Дневник")]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=-5001))  # a chat's own: none on MAX
    assert max_api.calls("PATCH", "/me/commands") == []
    await bot.set_my_commands(commands)
    await bot.delete_my_commands()
    assert [c.body for c in max_api.calls("PATCH", "/me/commands")] == [
        {"commands": [{"name": "diary", "description": "Дневник"}]},
        {"commands": []},
    ]


async def test_a_method_with_no_max_equivalent_is_a_clear_error(bot):
    with pytest.raises(UnsupportedInMax, match="SendDice"):
        await bot(SendDice(chat_id=-5001))


async def test_the_webhook_is_one_subscription_with_the_secret(bot, max_api):
    max_api.subscriptions = [{"url": "https://old.example/max", "time": 1}]
    await bot.set_webhook("https://school.example/max", secret_token="s3cret-Value")
    assert max_api.calls("POST", "/subscriptions")[0].body["secret"] == "s3cret-Value"
    assert [s["url"] for s in max_api.subscriptions] == ["https://school.example/max"]
    assert (await bot.get_webhook_info()).url == "https://school.example/max"
    await bot.delete_webhook()
    assert max_api.subscriptions == []


async def test_the_webhook_refuses_a_wrong_secret_and_feeds_the_dispatcher_with_the_right_one(bot, max_api):
    dp = Dispatcher()
    heard: list[tuple[int, str]] = []
    done = asyncio.Event()

    @dp.message()
    async def echo(message: Message) -> None:
        heard.append((message.chat.id, message.text))
        await message.answer("эхо")  # the reply goes back through the MAX session
        done.set()

    webhook = MaxWebhook(dp, bot, secret="right-secret")
    app = web.Application()
    app.router.add_post("/max", webhook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with ClientSession() as http:
            url = f"http://{host}:{port}/max"
            update = message_created("привет", seq=900)
            refused = await http.post(url, json=update, headers={"X-Max-Bot-Api-Secret": "wrong"})
            missing = await http.post(url, json=update)
            bad = await http.post(url, data=b"not json", headers={"X-Max-Bot-Api-Secret": "right-secret"})
            taken = await http.post(url, json=update, headers={"X-Max-Bot-Api-Secret": "right-secret"})
            assert (refused.status, missing.status, bad.status, taken.status) == (403, 403, 400, 200)
        await asyncio.wait_for(done.wait(), 10)
        await webhook.drain()
    finally:
        await runner.cleanup()
    assert heard == [(-5001, "привет")]  # once: the refused ones never reached the dispatcher
    assert max_api.calls("POST", "/messages")[-1].query == {"user_id": "5001"}
    assert await bot.session.refs.recall(bot.id, "max.mid", "-5001:900") == "mid.in900"


def test_the_tls_context_verifies_and_adds_the_given_ca(tmp_path):
    """certifi's and the system's roots, plus the Минцифры CA when given; verification is never turned off."""
    import ssl

    import certifi

    from bot.max.session import ssl_context

    plain = ssl_context()
    with_ca = ssl_context(Path(certifi.where()))
    for context in (plain, with_ca):
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert with_ca.cert_store_stats()["x509_ca"] >= plain.cert_store_stats()["x509_ca"] > 0
    with pytest.raises(FileNotFoundError):  # a CA file that is not there is an error, not an unverified connection
        ssl_context(tmp_path / "missing.pem")
