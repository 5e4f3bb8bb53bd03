"""The messengers' flood limits, kept on our side: Telegram's about 30 messages a second per bot and 1 a second per
chat; MAX's 30 requests a second per bot, whatever they are, and 2 messages a second per chat, replies too.

Telegram counts a request when it arrives; we only know when ours start and end. So a request counts
from the moment it is let through until one second after its answer came back: however the network
delays it, no two requests Telegram counts in one second were let through in a window we did not see.
A request answered 429 or 5xx does not count; one that timed out does (it may have arrived).

With several processes sending for one token (REDIS_URL), each request also takes a place in the token's window
kept in Redis (SharedWindow), and a push in its chat's: together they stay within Telegram's limits.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod

from bot.channels import channel_of
from bot.update_session import end_update_reads
from services.freshness import redis_faults
from services.models import Channel

if TYPE_CHECKING:
    from redis.asyncio import Redis

WINDOW = 1.0  # seconds
SWEEP_FROM = 1024  # chats remembered before idle ones are forgotten
# Bot API methods that put a message in a chat, which Telegram's limits count.
MESSAGE_METHODS = ("send", "edit", "copy", "forward")
_in_slot: ContextVar[bool] = ContextVar("in_push_slot", default=False)
log = logging.getLogger(__name__)


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


# The windows every process counts in (REDIS_URL): a sorted set per token (and per chat), one member per request,
# scored by when its place frees: a second after the request ended, or IN_FLIGHT_AT_MOST after it started while it
# is in flight. A script takes a place or says how long to wait, atomically, by Redis's clock, so the processes
# share one window whatever their own clocks say. (An INCR on a key per second would be simpler, but it lets twice
# the limit through across a second's boundary, and it cannot count a request until a second after it ends.)
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local limit, in_flight, window, ask_every = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now + in_flight, ARGV[1])
    redis.call('EXPIRE', KEYS[1], math.ceil(in_flight + window))
    return '0'
end
local wait = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]) - now
if wait > window then wait = ask_every end  -- the first place is in flight: when it ends is not known
return tostring(wait)
"""
# A request counted: its place frees a second after now. Not counted (429, 5xx): its place is free now.
_END = """
if ARGV[2] == '0' then return redis.call('ZREM', KEYS[1], ARGV[1]) end
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1e6 + tonumber(ARGV[3]), ARGV[1])
"""
# Longer in flight is rare (a big file); such a request is then counted by its own process only. A process that
# dies with requests in flight leaves their places taken this long.
IN_FLIGHT_AT_MOST = 10.0
ASK_EVERY = 0.05  # seconds: how often to ask again while the places are all taken by requests in flight
ASK_REDIS_AGAIN = 5.0  # seconds after Redis did not answer: meanwhile the local limits alone


class SharedWindow:
    """A token's windows in Redis under `name`: the token's own and one per chat, shared by every process."""

    def __init__(self, redis: Redis, name: str) -> None:
        self.name = name
        self.faults = redis_faults()
        self._take = redis.register_script(_TAKE)
        self._end = redis.register_script(_END)
        self._ids = count()
        self._process = uuid.uuid4().hex
        self._down_until: float | None = None  # Redis did not answer: not asked again before then

    def place(self) -> str:
        """A name for one request's place, unique across processes."""
        return f"{self._process}:{next(self._ids)}"

    async def take(self, chat_id: int | None, limit: int, place: str) -> float:
        """0 when `place` is taken in the window of the token (`chat_id` None) or of a chat, else the seconds to
        wait before asking again. Redis not answering: 0, the local limits alone keep Telegram's."""
        now = asyncio.get_running_loop().time()
        if self._down_until is not None and now < self._down_until:
            return 0
        try:
            wait = float(await self._take([self._key(chat_id)], [place, limit, IN_FLIGHT_AT_MOST, WINDOW, ASK_EVERY]))
        except self.faults as err:
            if self._down_until is None:
                log.warning(
                    "Redis does not answer (%s): the rate limits are this process's alone until it does",
                    type(err).__name__,
                )
            self._down_until = now + ASK_REDIS_AGAIN
            return 0
        if self._down_until is not None:
            log.warning("Redis answers again: the rate limits are shared with the other processes")
            self._down_until = None
        return wait

    async def end(self, chat_id: int | None, place: str, counted: bool) -> None:
        if self._down_until is not None:
            return  # the place, if taken, frees IN_FLIGHT_AT_MOST after it was
        with suppress(*self.faults):  # as above; take() says that Redis is down
            await self._end([self._key(chat_id)], [place, int(counted), WINDOW])

    def _key(self, chat_id: int | None) -> str:
        return self.name if chat_id is None else f"{self.name}:{chat_id}"


class RateLimiter:
    """One per bot token (see limiter_for), shared by every task that sends for it.

    `async with limiter.slot(chat_id):` wraps each request. `async with limiter.turn(chat_id):` wraps a
    whole push of several requests so that pushes to one chat go one after another, in the order they
    asked (asyncio's locks are first come, first served), and a resent message keeps its place.

    Replies (`overall()`) go before the pushes: a push takes a free place in the bot-wide window only
    while no reply waits for one, so a person tapping a button during a fan-out waits for the next free
    place, not behind every push queued before.
    """

    def __init__(
        self,
        per_second: int = 30,
        per_chat_per_second: int = 1,
        shared: SharedWindow | None = None,
        *,
        replies_per_chat: bool = False,
    ) -> None:
        """`shared`: the windows in Redis that the other processes sending for this token count in too;
        `replies_per_chat`: a reply counts in its chat's window too (MAX counts every message to a chat)."""
        self.per_second, self.per_chat_per_second, self.shared = per_second, per_chat_per_second, shared
        self.replies_per_chat = replies_per_chat
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
        place = self.shared.place() if self.shared else ""
        async with self._using(chat_id) as chat:
            await chat.window.room()
            chat.window.in_flight += 1
            in_all = False
            try:
                async with self._all_lock:
                    while True:
                        await self._no_reply_waits.wait()
                        await self._all.room()
                        if self._no_reply_waits.is_set():
                            break  # else a reply came while we waited for the room: it goes first
                    self._all.in_flight += 1
                    in_all = True
                    await self._shared_room(chat_id, self.per_chat_per_second, place)
                    await self._shared_room(None, self.per_second, place, after_replies=True)
            except BaseException:  # cancelled while waiting: the rooms are given back
                chat.window.end(None)
                if in_all:
                    self._all.end(None)
                await self._shared_end(place, False, chat_id)
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
                await self._shared_end(place, counted, chat_id)

    @asynccontextmanager
    async def overall(self, chat_id: int | None = None) -> AsyncIterator[None]:
        """One request outside the pushes (a reply to a user's tap): counted in the bot-wide window, and in the
        window of `chat_id` where replies count per chat (MAX). A person waiting for an answer is not queued behind
        the pushes, nor (in Telegram) held to one message a second."""
        if chat_id is None or not self.replies_per_chat:
            async with self._overall():
                yield
            return
        async with self._using(chat_id) as chat:
            await chat.window.room()
            chat.window.in_flight += 1
            counted = True
            try:
                async with self._overall():
                    yield
            except (TelegramRetryAfter, TelegramServerError):
                counted = False
                raise
            finally:
                chat.window.end(asyncio.get_running_loop().time() if counted else None)

    @asynccontextmanager
    async def _overall(self) -> AsyncIterator[None]:
        place = self.shared.place() if self.shared else ""
        self._replies_waiting += 1
        self._no_reply_waits.clear()
        try:
            await self._all.room()
            self._all.in_flight += 1
            try:
                await self._shared_room(None, self.per_second, place)
            except BaseException:  # cancelled while waiting: the rooms are given back
                self._all.end(None)
                await self._shared_end(place, False)
                raise
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
            await self._shared_end(place, counted)

    async def _shared_room(self, chat_id: int | None, limit: int, place: str, *, after_replies: bool = False) -> None:
        """Takes `place` in the shared window of the token (`chat_id` None) or of a chat. A push asks for the
        token's place only while no reply of this process waits for one: the replies go first here too."""
        if self.shared is None:
            return
        while True:
            if after_replies:
                await self._no_reply_waits.wait()
            if not (wait := await self.shared.take(chat_id, limit, place)):
                return
            await asyncio.sleep(wait)

    async def _shared_end(self, place: str, counted: bool, chat_id: int | None = None) -> None:
        if self.shared is not None:
            if chat_id is not None:
                await self.shared.end(chat_id, place, counted)
            await self.shared.end(None, place, counted)

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
_settings: WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[Redis | None, int]] = WeakKeyDictionary()
KEY = "schoolbot:limits"  # then the bot's id: a token is a secret
TELEGRAM_PER_SECOND = 30
MAX_PER_CHAT_PER_SECOND = 2  # MAX's messages a second to one chat (its 30 a second per bot is Telegram's figure)


def configure_limits(redis: Redis | None, per_second: int = TELEGRAM_PER_SECOND) -> None:
    """The limiters made from now on in the running event loop: with `redis`, counted in Redis too, beside the other
    processes that send for the same tokens (bot.runtime, with REDIS_URL); `per_second` messages a second per token
    (Telegram's 30; more only against a Bot API without that limit, as the benchmarks' emulator). Call it before
    the bot sends anything."""
    _settings[asyncio.get_running_loop()] = (redis, per_second)


def limiter_for(token: str, channel: Channel = Channel.TELEGRAM) -> RateLimiter:
    """The one limiter of a bot token in this process, made on first use with its messenger's limits.

    Call it from the running event loop."""
    loop = asyncio.get_running_loop()
    limiters = _limiters.setdefault(loop, {})
    if token not in limiters:
        redis, per_second = _settings.get(loop, (None, TELEGRAM_PER_SECOND))
        shared = SharedWindow(redis, f"{KEY}:{token.split(':')[0]}") if redis is not None else None
        if channel is Channel.MAX:
            limiters[token] = RateLimiter(per_second, MAX_PER_CHAT_PER_SECOND, shared, replies_per_chat=True)
        else:
            limiters[token] = RateLimiter(per_second, shared=shared)
    return limiters[token]


class SharedLimits(BaseRequestMiddleware):
    """`bot.session.middleware(SharedLimits())`: the bot's replies count against the same 30 a second as
    its pushes, so that the two together stay within the messenger's limit for the token. Telegram counts the
    messages; MAX every request, its long polls too, and a chat's messages."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod):
        in_max = channel_of(bot) is Channel.MAX
        if in_max:  # every request, the long poll too; a tap's answer without a text is not sent there
            counted = not (isinstance(method, AnswerCallbackQuery) and not method.text)
        else:  # Telegram's limits are of messages
            counted = method.__api_method__.lower().startswith(MESSAGE_METHODS)
        if _in_slot.get() or not counted:
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None) if in_max else None
        await end_update_reads()  # a reply waiting for its turn holds no database connection meanwhile
        async with limiter_for(bot.token, channel_of(bot)).overall(chat_id if isinstance(chat_id, int) else None):
            return await make_request(bot, method)
