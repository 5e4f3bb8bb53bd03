"""MaxAPIEmulator: a local MAX Bot API (the contract's wire protocol) plus the test-side API that plays the
user and inspects chats, with the names and meanings of BotAPIEmulator's so one flow-test driver drives both."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
from collections import deque
from typing import Any

from aiohttp import web

from devtools.sandbox.limits import FailureInjector
from devtools.sandbox.max import users
from devtools.sandbox.max.errors import unauthorized
from devtools.sandbox.max.messages import normalise
from devtools.sandbox.max.rates import RateLimits
from devtools.sandbox.max.server import build_app
from devtools.sandbox.max.state import MaxBotState
from devtools.sandbox.max.webhook import Deliveries


class MaxAPIEmulator:
    """A local MAX Bot API on 127.0.0.1. Every token is a bot of its own, made on first use (or by add_bot),
    unless the test refused it with reject_token(): then its calls answer 401 verify.token."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, extra_routes: tuple = ()) -> None:
        """`extra_routes`: callables adding routes to the server's app, as BotAPIEmulator's (the sandbox page's
        page_routes(config), devtools/sandbox/page.py, or add_control_routes, devtools/sandbox/control.py)."""
        self.host, self.port = host, port
        self.extra_routes = tuple(extra_routes)
        self.stopping = False
        self.rates = RateLimits()
        self.failures = FailureInjector()
        self.webhooks = Deliveries()
        self.uploads: dict[str, tuple[str, str]] = {}  # upload id -> (bot token, "file" | "image")
        self.not_ready_count = 0
        self.call_log: deque[tuple[str, str, dict]] = deque(maxlen=1000)  # (token, "VERB /path", params)
        self._bots: dict[str, MaxBotState] = {}
        self._rejected: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> MaxAPIEmulator:
        self._runner = web.AppRunner(
            build_app(self, *self.extra_routes), shutdown_timeout=2.0, handler_cancellation=True
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.stopping = True
        self._stopped.set()
        for state in self._bots.values():
            state.changed.fire()  # ends long polls at once
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MaxAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- bots ------------------------------------------------------------------------------------

    def add_bot(self, token: str, user_id: int | None = None, username: str | None = None) -> dict:
        """A bot with this token (made if new; given fields set); returns what GET /me answers."""
        self._rejected.discard(token)
        state = self.state(token)
        if user_id is not None:
            state.me["user_id"] = user_id
        if username is not None:
            state.me["username"] = username
        return copy.deepcopy(state.me)

    def reject_token(self, token: str) -> None:
        """Calls with this token answer 401 verify.token from now on (add_bot accepts it again)."""
        self._rejected.add(token)

    def state(self, token: str) -> MaxBotState:
        """The bot behind a token, made on first use (tests read `.files[token].data` of sent files)."""
        if token not in self._bots:
            bot_id = int(hashlib.sha256(token.encode()).hexdigest()[:10], 16)
            self._bots[token] = MaxBotState(
                token,
                {"user_id": bot_id, "first_name": "Sandbox Bot", "username": f"sandbox_{bot_id}_bot", "is_bot": True},
            )
        return self._bots[token]

    def bots(self) -> list[MaxBotState]:
        return list(self._bots.values())

    def bot_for_header(self, header: str | None) -> MaxBotState:
        """The bot of an Authorization header (the bare token, no "Bearer"); 401 when absent or rejected."""
        if not header or header in self._rejected:
            raise unauthorized()
        return self.state(header)

    def log_call(self, state: MaxBotState, name: str, params: dict) -> None:
        self.call_log.append((state.token, name, params))
        state.changed.fire()  # for wait_for_call()

    async def hang(self, request: web.Request) -> None:
        """An injected timeout: answer nothing until the client gives up or the emulator stops."""
        while not self.stopping and request.transport is not None and not request.transport.is_closing():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), 0.05)

    # --- trouble on demand ------------------------------------------------------------------------

    def limits(self, enabled: bool = True, per_second: int = 30, per_chat_per_second: int = 2) -> None:
        """MAX's rates: `per_second` requests per bot, `per_chat_per_second` messages (POST /messages and
        POST /answers) per chat; over them, 429 too.many.requests with Retry-After. Off by default."""
        self.rates.configure(enabled, per_second, per_chat_per_second)

    def inject_failures(self, method_path: str, count: int = 1, status: int | str = 502) -> None:
        """The next `count` calls of `method_path` ("POST /messages", "POST /chats/{chat_id}/actions" or a
        concrete path) answer `status` (429 as MAX's rate limit) or hang ("timeout")."""
        self.failures.add(method_path, count, status)

    def not_ready(self, count: int) -> None:
        """The next `count` sends with each file or image uploaded from now on answer 400 attachment.not.ready."""
        self.not_ready_count = count

    # --- playing the user -------------------------------------------------------------------------

    def add_user(
        self,
        token: str,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict:
        """A user who has a dialog with the bot but sent nothing the bot will see; returns the MAX User."""
        profile = {"first_name": first_name, "last_name": last_name, "username": username}
        chat = users.ensure_user(self.state(token), user_id, language_code=language_code, **profile)
        return copy.deepcopy(chat.user)  # type: ignore[arg-type]

    def user_sends_text(self, token: str, user_id: int, text: str, **profile: Any) -> dict:
        """The user writes `text` (message_created). Returns the message in Telegram's shape."""
        return users.sends(self.state(token), user_id, text, None, profile)

    def user_sends_document(
        self,
        token: str,
        user_id: int,
        file_bytes: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        size: int | None = None,
        **profile: Any,
    ) -> dict:
        """A file attachment with a token and a URL the emulator serves; `size`: the file is that big, as declared and
        as downloaded (its bytes, then zeros)."""
        return users.sends_document(
            self.state(token), self.base_url, user_id, file_bytes, file_name, mime_type, caption, size, profile
        )

    def user_sends_photo(
        self,
        token: str,
        user_id: int,
        file_bytes: bytes,
        size: int | None = None,
        caption: str | None = None,
        **profile: Any,
    ) -> dict:
        """`size`: the image's download is that big (its bytes, then zeros); MAX declares no image's size."""
        return users.sends_photo(self.state(token), self.base_url, user_id, file_bytes, size, caption, profile)

    def user_sends_media(self, token: str, user_id: int, kind: str, **profile: Any) -> dict:
        """A video, a voice message or a sticker (`kind`), as MAX attaches each: what is neither a file nor an image."""
        return users.sends_media(self.state(token), self.base_url, user_id, kind, profile)

    def user_taps(self, token: str, user_id: int, message_id: int, callback_data: str) -> str:
        """Tap a callback button (payload `callback_data`) of the bot message with seq `message_id` the user
        sees; returns the callback_id. A button the user cannot see is refused with LookupError."""
        return users.taps(self.state(token), user_id, message_id, callback_data)

    def user_taps_message_button(self, token: str, user_id: int, text: str, **profile: Any) -> dict:
        """Tap a `message` button of the menu (reply_keyboard()): its text is posted as the user's message."""
        return users.taps_message_button(self.state(token), user_id, text, profile)

    def user_sends_callback_raw(
        self, token: str, user_id: int, message_id: int, callback_data: str, chat_id: int | None = None, **profile: Any
    ) -> str:
        """A callback for any message and payload, unchecked: forged or stale buttons (in a group with `chat_id`)."""
        return users.sends_callback_raw(self.state(token), user_id, message_id, callback_data, profile, chat_id)

    def user_starts(self, token: str, user_id: int, payload: str | None = None, **profile: Any) -> dict:
        """The user opens the bot by a deep link https://max.ru/<bot>?start=<payload>: bot_started."""
        return users.starts(self.state(token), user_id, payload, profile)

    def block(self, token: str, user_id: int) -> None:
        """The user stops the bot: bot_stopped; sends to them answer 403 chat.denied."""
        users.stops(self.state(token), user_id)

    def unblock(self, token: str, user_id: int) -> None:
        """The user starts the stopped bot again: bot_started without a payload."""
        chat = users.ensure_user(self.state(token), user_id)
        if chat.blocked:
            users.starts(self.state(token), user_id, None, {})

    def deactivate(self, token: str, user_id: int) -> None:
        """The user is gone: sends to them answer 403 chat.denied."""
        users.ensure_user(self.state(token), user_id).deactivated = True

    def add_group(self, token: str, chat_id: int, title: str = "5А", kind: str = "chat") -> dict:
        """A group chat (a negative chat_id) the bot is in; `kind` is accepted for BotAPIEmulator's callers."""
        chat = users.ensure_group(self.state(token), chat_id, title)
        return {"id": chat.key, "type": "group", "title": chat.title}

    def user_posts_in_group(
        self, token: str, chat_id: int, user_id: int | None, text: str, sender_chat: dict | None = None
    ) -> dict:
        """A text in a group chat by the user (user_id None: no sender; `sender_chat` has no MAX meaning)."""
        return users.posts_in_group(self.state(token), chat_id, user_id, text)

    # --- what the user sees ------------------------------------------------------------------------

    def messages(self, token: str, chat_id: int) -> list[dict]:
        """The bot's messages in Telegram's shape as the user sees them now: edits applied, deleted ones gone.
        `chat_id` is the user's id for a dialog (as in BotAPIEmulator), the chat's for a group."""
        state = self.state(token)
        chat = state.chats.get(chat_id)
        return [normalise(state, chat, m) for m in chat.visible() if m.outgoing] if chat else []

    def last_message(self, token: str, chat_id: int) -> dict | None:
        found = self.messages(token, chat_id)
        return found[-1] if found else None

    def reply_keyboard(self, token: str, chat_id: int) -> list[list[str]]:
        """MAX has no reply keyboard: the bot's menu is the `message` buttons of its latest message that has any."""
        return users.menu(self.state(token), chat_id)

    def history(self, token: str, chat_id: int) -> list[dict]:
        """Both sides of the chat, oldest first, deleted messages left out."""
        state = self.state(token)
        chat = state.chats.get(chat_id)
        return [normalise(state, chat, m) for m in chat.visible()] if chat else []

    def wire_messages(self, token: str, chat_id: int) -> list[dict]:
        """Both sides of the chat as MAX's Message objects (not normalised), deleted ones left out."""
        chat = self.state(token).chats.get(chat_id)
        return [copy.deepcopy(m.message) for m in chat.visible()] if chat else []

    def answered_callbacks(self, token: str) -> list[dict]:
        """Each answered callback as wait_for_callback_answer() reads it."""
        return [_as_read(c) for c in self.state(token).callbacks.values() if c.answer]

    def commands(self, token: str, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The bot's one command list in Telegram's shape ({"command", "description"}); scope and language
        are accepted and ignored: MAX has one list per bot."""
        return [{"command": c["name"], "description": c["description"]} for c in self.state(token).commands]

    def visible_commands(self, token: str, user_id: int, language_code: str = "") -> list[dict]:
        return self.commands(token)

    def chat_actions(self, token: str, chat_id: int) -> list[str]:
        """MAX's action names ("typing_on", "sending_file", ...), in order."""
        chat = self.state(token).chats.get(chat_id)
        return list(chat.actions) if chat else []

    def pending_updates(self, token: str) -> list[dict]:
        return [copy.deepcopy(q.update) for q in self.state(token).updates]

    def calls(self, token: str, method: str | None = None) -> list[dict]:
        """The query and body parameters of the bot's calls; `method` is like "POST /messages"."""
        return [
            params
            for t, name, params in self.call_log
            if t == token and (method is None or name.lower() == method.lower())
        ]

    async def wait_for_bot_message(self, token: str, chat_id: int, timeout: float = 5.0) -> dict:
        """The next message the bot sent or edited in this chat since the user's last action (Telegram's
        shape); one per call, in order. TimeoutError with the chat's messages when nothing comes in time."""
        state = self.state(token)

        def has_new() -> bool:
            chat = state.chats.get(chat_id)
            return chat is not None and chat.cursor < len(chat.events)

        if not await state.changed.wait_until(has_new, timeout):
            texts = [m.get("text", m.get("caption")) for m in self.messages(token, chat_id)]
            raise TimeoutError(f"the bot sent nothing new to chat {chat_id} in {timeout} s; it shows {texts}")
        chat = state.chats[chat_id]
        chat.cursor += 1
        return copy.deepcopy(chat.events[chat.cursor - 1])

    def callback_handled(self, token: str, callback_id: str) -> None:
        """The bot says it is done with a tap (tell_when_taps_handled): a tap the bot did not
        answer (MAX has no empty answer, its screen's edit is the answer) counts as answered with no text."""
        callback = self.state(token).callbacks.get(callback_id)
        if callback is not None and callback.answer is None:
            callback.answer = {"callback_query_id": callback_id, "silent": True}
            self.state(token).changed.fire()

    def tell_when_taps_handled(self, dp: Any, token: str) -> None:
        """The harness of the tests and of the browser sandbox: MAX takes no empty answer to a tap (the bot edits the
        screen, or says nothing), so that a tap knows when the bot is done with it, this emulator is told once the
        update's handling, errors too, has ended (callback_handled). `dp` is the bot's aiogram Dispatcher."""
        feed = dp.feed_update

        async def feed_and_tell(bot, update, **kwargs):
            try:
                return await feed(bot, update, **kwargs)
            finally:
                if update.callback_query is not None:  # another messenger's tap is none of this emulator's
                    self.callback_handled(token, update.callback_query.id)

        dp.feed_update = feed_and_tell

    def callback_asked(self, token: str, callback_id: str, show_alert: bool) -> None:
        """The bot's aiogram asked for an alert (the tests' harness): MAX shows a notification either way."""
        callback = self.state(token).callbacks.get(callback_id)
        if callback is not None:
            callback.show_alert = show_alert

    async def wait_for_callback_answer(self, token: str, callback_id: str, timeout: float = 5.0) -> dict:
        """The answer as Telegram's test side reads it: its notification as "text" (None without), and
        "show_alert" as the bot asked for it."""
        state = self.state(token)
        callback = state.callbacks[callback_id]
        if not await state.changed.wait_until(lambda: callback.answer is not None, timeout):
            raise TimeoutError(f"callback {callback_id} was not answered in {timeout} s")
        return _as_read(callback)

    async def wait_for_call(self, token: str, method: str, timeout: float = 5.0, **params: Any) -> dict:
        """The first call of `method` ("POST /messages") whose parameters include `params` (compared as text)."""

        def found() -> dict | None:
            return next(
                (
                    call
                    for call in self.calls(token, method)
                    if all(key in call and str(call[key]) == str(value) for key, value in params.items())
                ),
                None,
            )

        if not await self.state(token).changed.wait_until(lambda: found() is not None, timeout):
            raise TimeoutError(f"the bot made no call of {method} with {params} in {timeout} s")
        return found()  # type: ignore[return-value]


def _as_read(callback) -> dict:
    """An answer as Telegram's test side reads it: {"callback_query_id", "text" (the notification, None without),
    "show_alert" (as the bot asked), and "message" when the answer replaced the tapped one}."""
    answer = copy.deepcopy(callback.answer)
    return {**answer, "text": answer.get("text"), "show_alert": callback.show_alert}
