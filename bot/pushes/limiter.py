"""Telegram's flood limits, kept on our side: about 30 messages a second per bot and 1 a second per chat.

Telegram counts a request when it arrives; we only know when ours start and end. So a request counts
from the moment it is let through until one second after its answer came back: however the network
delays it, no two requests Telegram counts in one second were let through in a window we did not see.
A request answered 429 or 5xx does not count; one that timed out does (it may have arrived).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod

WINDOW = 1.0  # seconds
SWEEP_FROM = 1024  # chats remembered before idle ones are forgotten
# Bot API methods that put a message in a chat, which Telegram's limits count.
MESSAGE_METHODS = ("send", "edit", "copy", "forward")
_in_slot: ContextVar[bool] = ContextVar("in_push_slot", default=False)


class _Window:
    """Requests of the last second (by when they ended) plus those in flight, against a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self.ended: deque[float] = deque()
        self.not_before = 0.0  # a pause asked for by Telegram's retry_after
        self.released = asyncio.Event()

    def wait_time(self, now: float) -> float | None:
        """Seconds until one more request may start: 0 at once, None until one in flight ends."""
        while self.ended and self.ended[0] <= now - WINDOW:
            self.ended.popleft()
        if now < self.not_before:
            return self.not_before - now
        if self.in_flight + len(self.ended) < self.limit:
            return 0
        if self.in_flight >= self.limit:
            return None
        return self.ended[0] + WINDOW - now

    async def room(self) -> None:
        """Waits until wait_time() is 0; the caller takes the room before it awaits anything else."""
        loop = asyncio.get_running_loop()
        while (delay := self.wait_time(loop.time())) != 0:
            if delay is None:
                await self.released.wait()
            else:
                await asyncio.sleep(delay)

    def end(self, now: float | None) -> None:
        """A request in flight is over; `now` None when it never started, so it does not count."""
        self.in_flight -= 1
        if now is not None:
            self.ended.append(now)
        self.released.set()  # wakes the waiters of this event; later ones wait on a new one
        self.released = asyncio.Event()

    def idle(self, now: float) -> bool:
        return self.in_flight == 0 and self.wait_time(now) == 0 and not self.ended


@dataclass
class _Chat:
    window: _Window
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # tasks inside turn() or slot() for this chat


class RateLimiter:
    """One per bot token (see limiter_for), shared by every task that sends for it.

    `async with limiter.slot(chat_id):` wraps each request. `async with limiter.turn(chat_id):` wraps a
    whole push of several requests so that pushes to one chat go one after another, in the order they
    asked (asyncio's locks are first come, first served), and a resent message keeps its place.

    Replies (`overall()`) go before the pushes: a push takes a free place in the bot-wide window only
    while no reply waits for one, so a person tapping a button during a fan-out waits for the next free
    place, not behind every push queued before.
    """

    def __init__(self, per_second: int = 30, per_chat_per_second: int = 1) -> None:
        self.per_chat_per_second = per_chat_per_second
        self._all = _Window(per_second)
        self._all_lock = asyncio.Lock()  # first come, first served among the pushes
        self._replies_waiting = 0
        self._no_reply_waits = asyncio.Event()
        self._no_reply_waits.set()
        self._chats: dict[int, _Chat] = {}
        self._sweep_at = SWEEP_FROM

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Waits until one request to `chat_id` may start and counts it until a second after it ends."""
        async with self._using(chat_id) as chat:
            await chat.window.room()
            chat.window.in_flight += 1
            try:
                async with self._all_lock:
                    while True:
                        await self._no_reply_waits.wait()
                        await self._all.room()
                        if self._no_reply_waits.is_set():
                            break  # else a reply came while we waited for the room: it goes first
                    self._all.in_flight += 1
            except BaseException:  # cancelled while waiting: the chat's room is given back
                chat.window.end(None)
                raise
            counted = True
            held = _in_slot.set(True)
            try:
                yield
            except (TelegramRetryAfter, TelegramServerError):
                counted = False  # refused without being carried out: it took no place in Telegram's window
                raise
            finally:
                _in_slot.reset(held)
                ended = asyncio.get_running_loop().time() if counted else None
                chat.window.end(ended)
                self._all.end(ended)

    @asynccontextmanager
    async def overall(self) -> AsyncIterator[None]:
        """One request outside the pushes (a reply to a user's tap): counted in the bot-wide window only.
        A person waiting for an answer is not held to one message a second, nor queued behind the pushes."""
        self._replies_waiting += 1
        self._no_reply_waits.clear()
        try:
            await self._all.room()
            self._all.in_flight += 1
        finally:
            self._replies_waiting -= 1
            if not self._replies_waiting:
                self._no_reply_waits.set()
        counted = True
        try:
            yield
        except (TelegramRetryAfter, TelegramServerError):
            counted = False
            raise
        finally:
            self._all.end(asyncio.get_running_loop().time() if counted else None)

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """The chat to ourselves: other pushes to it wait until this one is done."""
        async with self._using(chat_id) as chat, chat.turn:
            yield

    def pause(self, chat_id: int, seconds: float) -> None:
        """Nothing starts for `seconds` (Telegram's retry_after after a 429): to `chat_id`, and, since a 429
        does not say whether the chat or the whole bot was over the limit, to any chat (the bot-wide window
        of a process that just started knows nothing of what the last one sent)."""
        until = asyncio.get_running_loop().time() + seconds
        for window in (self._chat(chat_id).window, self._all):
            window.not_before = max(window.not_before, until)

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= self._sweep_at:
                self._sweep()
            chat = self._chats[chat_id] = _Chat(_Window(self.per_chat_per_second))
        return chat

    @asynccontextmanager
    async def _using(self, chat_id: int) -> AsyncIterator[_Chat]:
        chat = self._chat(chat_id)
        chat.users += 1
        try:
            yield chat
        finally:
            chat.users -= 1

    def _sweep(self) -> None:
        """Forgets chats nobody is using and nothing limits any more; amortised over the chats added."""
        now = asyncio.get_running_loop().time()
        self._chats = {
            chat_id: chat for chat_id, chat in self._chats.items() if chat.users or not chat.window.idle(now)
        }
        self._sweep_at = max(SWEEP_FROM, 2 * len(self._chats))


# Per event loop too: asyncio's locks and events belong to one loop (tests run a loop each).
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, RateLimiter]] = WeakKeyDictionary()


def limiter_for(token: str) -> RateLimiter:
    """The one limiter of a bot token in this process, made on first use with Telegram's limits.

    Call it from the running event loop."""
    limiters = _limiters.setdefault(asyncio.get_running_loop(), {})
    if token not in limiters:
        limiters[token] = RateLimiter()
    return limiters[token]


class SharedLimits(BaseRequestMiddleware):
    """`bot.session.middleware(SharedLimits())`: the bot's replies count against the same 30 a second as
    its pushes, so that the two together stay within Telegram's limit for the token."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod):
        if _in_slot.get() or not method.__api_method__.lower().startswith(MESSAGE_METHODS):
            return await make_request(bot, method)
        async with limiter_for(bot.token).overall():
            return await make_request(bot, method)
