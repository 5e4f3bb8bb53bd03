"""BotAPIEmulator: the sandbox server plus the test-side API that plays the user and inspects chats."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sandbox import user
from devtools.sandbox.api import CHAT_SENDING, METHODS, Call
from devtools.sandbox.api.bot_info import scope_key
from devtools.sandbox.control import add_control_routes
from devtools.sandbox.errors import not_found, unauthorized
from devtools.sandbox.limits import FailureInjector, FloodControl
from devtools.sandbox.params import Params
from devtools.sandbox.server import build_app
from devtools.sandbox.state import BotState
from devtools.sandbox.webhook import WebhookDelivery

if TYPE_CHECKING:
    from aiogram.client.telegram import TelegramAPIServer

TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")


class BotAPIEmulator:
    """A local Telegram Bot API. Any well-formed token is a bot; every bot has its own state."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, extra_routes: tuple = ()) -> None:
        """`extra_routes`: callables adding routes to the server's app (the web page's, devtools/sandbox/web.py)."""
        self.host, self.port = host, port
        self.extra_routes = tuple(extra_routes)
        self.stopping = False
        self.flood = FloodControl()
        self.failures = FailureInjector()
        self.delays: dict[str, float] = {}  # method (lower case) -> seconds, see delay()
        self.webhooks = WebhookDelivery(self)
        self.call_log: deque[tuple[str, str, dict]] = deque(maxlen=1000)  # (token, method, params)
        self._bots: dict[str, BotState] = {}
        self._runner: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> BotAPIEmulator:
        # The control routes let a demo play the user over HTTP; tests call the methods below instead.
        # A client that hangs up cancels its call: a delayed one is then never carried out (see delay()).
        self._runner = web.AppRunner(
            build_app(self, add_control_routes, *self.extra_routes), shutdown_timeout=2.0, handler_cancellation=True
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.stopping = True
        self._stopped.set()  # releases calls hanging on an injected "timeout"
        for state in self._bots.values():
            state.changed.fire()  # ends long polls at once
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_server(self) -> TelegramAPIServer:
        """For aiogram: Bot(token, session=AiohttpSession(api=emu.api_server()))."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    # --- the server side -------------------------------------------------------------------

    def state(self, token: str) -> BotState:
        """The bot behind a token, made on first use; a malformed token is refused with 401."""
        if token not in self._bots:
            if not TOKEN.fullmatch(token):
                raise unauthorized()
            bot_id = int(token.split(":")[0])
            self._bots[token] = BotState(
                token,
                {
                    "id": bot_id,
                    "is_bot": True,
                    "first_name": "Sandbox Bot",
                    "username": f"sandbox_{bot_id}_bot",
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                    "can_connect_to_business": False,
                    "has_main_web_app": False,
                },
            )
        return self._bots[token]

    async def execute(self, state: BotState, name: str, params: Params) -> Any:
        """Run one Bot API method (from HTTP or from a webhook's answer)."""
        handler = METHODS.get(name.lower())
        if handler is None:
            raise not_found()
        self.call_log.append((state.token, name, dict(params.values)))
        state.changed.fire()  # for wait_for_call()
        if name.lower() in CHAT_SENDING:
            self.flood.check(state.token, params.values.get("chat_id"))
        if seconds := self.delays.get(name.lower()):
            await asyncio.sleep(seconds)
        return await handler(Call(self, state, params))

    async def hang(self, request: web.Request) -> None:
        """An injected timeout: answer nothing until the client gives up or the emulator stops."""
        while not self.stopping and request.transport is not None and not request.transport.is_closing():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), 0.05)

    # --- trouble on demand -----------------------------------------------------------------

    def limits(self, enabled: bool = True, per_second: int = 30, per_chat_per_second: int = 1) -> None:
        """Telegram's flood limits for sending and editing; over them, 429 with retry_after."""
        self.flood.configure(enabled, per_second, per_chat_per_second)

    def inject_failures(self, method: str, count: int = 1, status: int | str = 502) -> None:
        """The next `count` calls of `method` answer `status` (e.g. 502) or hang ("timeout")."""
        self.failures.add(method, count, status)

    def delay(self, method: str, seconds: float) -> None:
        """Calls of `method` take effect and answer `seconds` late (0: at once again), so a test can act
        while a call is in flight. The call is in the call log at once; a client that hangs up meanwhile
        cancels it, and it never takes effect."""
        self.delays[method.lower()] = seconds

    # --- playing the user ------------------------------------------------------------------

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
        """A user who has started the bot but sent nothing the bot will see."""
        profile = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        }
        return copy.deepcopy(user.ensure_user(self.state(token), user_id, **profile).user)

    def user_sends_text(self, token: str, user_id: int, text: str, **profile: Any) -> dict:
        """The user writes `text`; /commands get bot_command entities. Returns the Message."""
        return user.sends_text(self.state(token), user_id, text, profile)

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
        return user.sends_document(self.state(token), user_id, file_bytes, file_name, mime_type, caption, size, profile)

    def user_sends_photo(
        self,
        token: str,
        user_id: int,
        file_bytes: bytes,
        size: int | None = None,
        caption: str | None = None,
        **profile: Any,
    ) -> dict:
        """`size` is the file_size to report, so a test can pretend a 20 MB photo with a few bytes."""
        return user.sends_photo(self.state(token), user_id, file_bytes, size, caption, profile)

    def user_sends_media(self, token: str, user_id: int, kind: str, **profile: Any) -> dict:
        """A video, a voice message or a sticker (`kind`), as Telegram delivers each: neither a photo nor a document."""
        return user.sends(self.state(token), user_id, user.media(kind), profile)

    def user_taps(self, token: str, user_id: int, message_id: int, callback_data: str) -> str:
        """Tap an inline button of a bot message the user sees; returns the callback query id."""
        return user.taps(self.state(token), user_id, message_id, callback_data)

    def user_sends_callback_raw(
        self, token: str, user_id: int, message_id: int, callback_data: str, chat_id: int | None = None, **profile: Any
    ) -> str:
        """A callback for any message and data, unchecked: forged or stale buttons (in a group with `chat_id`)."""
        return user.sends_callback_raw(self.state(token), user_id, message_id, callback_data, profile, chat_id)

    def add_group(self, token: str, chat_id: int, title: str = "5А", kind: str = "supergroup") -> dict:
        """A group (kind "group" or "supergroup") or a "channel" the bot is in; `chat_id` is negative."""
        return user.ensure_group(self.state(token), chat_id, title, kind).as_chat()

    def user_posts_in_group(
        self, token: str, chat_id: int, user_id: int | None, text: str, sender_chat: dict | None = None
    ) -> dict:
        """A text in a group by the user, or (user_id None) on behalf of `sender_chat` with no `from`; in a
        channel, its post. The bot's answer there is what wait_for_bot_message(token, chat_id) waits for."""
        return user.posts_in_group(self.state(token), chat_id, user_id, text, sender_chat)

    def block(self, token: str, user_id: int) -> None:
        user.set_blocked(self.state(token), user_id, True)

    def unblock(self, token: str, user_id: int) -> None:
        user.set_blocked(self.state(token), user_id, False)

    def deactivate(self, token: str, user_id: int) -> None:
        """The user deletes their Telegram account: the bot is refused with 403 "user is deactivated"."""
        user.ensure_user(self.state(token), user_id).deactivated = True

    # --- what the user sees ----------------------------------------------------------------

    def messages(self, token: str, chat_id: int) -> list[dict]:
        """The bot's messages as the user sees them now: edits applied, deleted ones gone."""
        return [m.as_seen() for m in self._stored(token, chat_id) if m.outgoing]

    def last_message(self, token: str, chat_id: int) -> dict | None:
        found = self.messages(token, chat_id)
        return found[-1] if found else None

    def reply_keyboard(self, token: str, chat_id: int) -> list[list[str]]:
        """The keyboard under the user's input field: the latest one sent, until one removes it.

        It outlives the message that brought it, as in Telegram, so deleted messages count too.
        """
        chat = self.state(token).chats.get(chat_id)
        for stored in reversed(list(chat.messages.values()) if chat else []):
            markup = stored.reply_markup or {}
            if "keyboard" in markup:
                return [[button["text"] for button in row] for row in markup["keyboard"]]
            if "remove_keyboard" in markup:
                return []
        return []

    def history(self, token: str, chat_id: int) -> list[dict]:
        """Both sides of the chat, oldest first, deleted messages left out."""
        return [m.as_seen() for m in self._stored(token, chat_id)]

    def answered_callbacks(self, token: str) -> list[dict]:
        return [copy.deepcopy(q.answer) for q in self.state(token).callbacks.values() if q.answer]

    def commands(self, token: str, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set for exactly this scope and language (as getMyCommands answers)."""
        return copy.deepcopy(self.state(token).commands.get((scope_key(scope), language_code), []))

    def visible_commands(self, token: str, user_id: int, language_code: str = "") -> list[dict]:
        """The menu a user sees in the private chat: the narrowest scope set, language before default."""
        commands = self.state(token).commands
        for scope in ({"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}, None):
            for language in dict.fromkeys((language_code, "")):
                if (scope_key(scope), language) in commands:
                    return copy.deepcopy(commands[(scope_key(scope), language)])
        return []

    def chat_actions(self, token: str, chat_id: int) -> list[str]:
        chat = self.state(token).chats.get(chat_id)
        return list(chat.actions) if chat else []

    def pending_updates(self, token: str) -> list[dict]:
        return copy.deepcopy(self.state(token).updates)

    def calls(self, token: str, method: str | None = None) -> list[dict]:
        """Parameters of the Bot API calls the bot made (the last 1,000 calls of all bots)."""
        return [
            params
            for t, name, params in self.call_log
            if t == token and (method is None or name.lower() == method.lower())
        ]

    async def wait_for_bot_message(self, token: str, chat_id: int, timeout: float = 5.0) -> dict:
        """The next message the bot sent or edited in this chat since the user's last action.

        Each call hands over one sent/edited message, in order, so a reply of two messages takes two
        calls. Raises TimeoutError with the chat's messages when nothing new comes in time.
        """
        state = self.state(token)

        def has_new() -> bool:  # the chat itself may appear only while we wait
            chat = state.chats.get(chat_id)
            return chat is not None and chat.cursor < len(chat.events)

        if not await state.changed.wait_until(has_new, timeout):
            texts = [m.get("text", m.get("caption")) for m in self.messages(token, chat_id)]
            raise TimeoutError(f"the bot sent nothing new to chat {chat_id} in {timeout} s; it shows {texts}")
        chat = state.chats[chat_id]
        chat.cursor += 1
        return copy.deepcopy(chat.events[chat.cursor - 1])

    async def wait_for_callback_answer(self, token: str, callback_query_id: str, timeout: float = 5.0) -> dict:
        state = self.state(token)
        query = state.callbacks[callback_query_id]
        if not await state.changed.wait_until(lambda: query.answer is not None, timeout):
            raise TimeoutError(f"callback query {callback_query_id} was not answered in {timeout} s")
        return copy.deepcopy(query.answer)

    async def wait_for_call(self, token: str, method: str, timeout: float = 5.0, **params: Any) -> dict:
        """The first call of `method` in the log whose parameters include `params` (compared as text, as
        forms send them), waiting for it to come: a delayed call is there while it is still in flight."""

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
        return found()

    def _stored(self, token: str, chat_id: int):
        chat = self.state(token).chats.get(chat_id)
        return [m for m in chat.messages.values() if not m.deleted] if chat else []
