"""The per-chat draft lock (ui.screens.Screen.lock) lives where the drafts do: in this process's memory with
MemoryStorage, in Redis with RedisStorage. With several processes behind one webhook, two taps of one chat may be
handled by two of them: a lock in each one's memory would not make them take turns, and one tap's change of the
draft would be lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram.fsm.storage.base import BaseStorage, KeyBuilder, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from ui.screens import ChatLocks, chat_lock

if TYPE_CHECKING:  # imported where Redis is used: without REDIS_URL the bot never loads redis
    from redis.asyncio import Redis
    from redis.asyncio.lock import Lock

# The longest a lock is held: a file of an absence document or of an announcement fetched from Telegram under it
# (aiogram's request timeout is 60 s), and a few reads. A process that dies holding it leaves that chat waiting
# this long, no longer.
HELD_AT_MOST = 75.0
# A tap waits for a live holder as long as that one may hold the lock, and a little more: by then a lock left by a
# dead process has expired, so the wait ends in a refusal (LockError) only when Redis itself does not answer.
WAITED_AT_MOST = HELD_AT_MOST + 5
# How often a waiting tap asks again. A person taps a few times a second at most: few asks, a short wait.
ASK_EVERY = 0.05

DraftLocks = Callable[[int], ChatLocks]  # bot id -> the locks of that bot's chats


def in_memory(_bot_id: int) -> ChatLocks:
    return chat_lock


class RedisDraftLocks:
    """A Redis lock per bot and chat, named as the storage names that chat's draft (its key builder's "lock")."""

    def __init__(self, redis: Redis, key_builder: KeyBuilder) -> None:
        self.redis, self.key_builder = redis, key_builder

    def __call__(self, bot_id: int) -> ChatLocks:
        from redis.asyncio.lock import Lock

        def lock(chat_id: int) -> Lock:
            # Private chats only (bot.middlewares.PrivateChatsOnly): the user is the chat.
            name = self.key_builder.build(StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id), "lock")
            # A new Lock each time, so its token needs no thread-local place; released late (past HELD_AT_MOST), it
            # is logged rather than failing a tap whose work is done.
            return Lock(
                self.redis,
                name,
                timeout=HELD_AT_MOST,
                sleep=ASK_EVERY,
                blocking_timeout=WAITED_AT_MOST,
                thread_local=False,
                raise_on_release_error=False,
            )

        return lock


def draft_locks(storage: BaseStorage) -> DraftLocks:
    """The locks beside the drafts of `storage`; in Redis on the storage's own connections."""
    redis = redis_of(storage)
    return RedisDraftLocks(redis, storage.key_builder) if redis is not None else in_memory  # type: ignore[attr-defined]


def redis_of(storage: BaseStorage) -> Redis | None:
    """The Redis client of a RedisStorage, None for the memory's: only a RedisStorage makes the bot load redis (4 MB
    of its memory at start, bench/startup.py)."""
    if isinstance(storage, MemoryStorage):
        return None
    from aiogram.fsm.storage.redis import RedisStorage

    return storage.redis if isinstance(storage, RedisStorage) else None
