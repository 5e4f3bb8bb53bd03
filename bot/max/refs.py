"""Where the MAX session keeps what MAX gave it and it needs again (bot/max/session.py).

MAX edits and deletes a message by its string `mid`, while aiogram knows it by (chat, message_id = MAX's seq);
MAX's dialog with a user has a chat id of its own (for the typing indicator); a file is downloaded from the address
the update carried with its token. Kept for every message sent and received, across restarts and processes
(DatabaseRefs); MemoryRefs for tests and a quick local run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import messenger_refs

MID = "max.mid"  # "<aiogram chat id>:<seq>" → mid
FILE_URL = "max.url"  # file token → its download address
DIALOG = "max.dialog"  # "<aiogram chat id>" → MAX's chat id of that dialog


class MaxRefs(Protocol):
    """Keys by bot (its aiogram id, bot/max/bot.py) and kind (the constants above)."""

    async def remember(self, bot_key: int, kind: str, refs: Mapping[str, str]) -> None: ...

    async def recall(self, bot_key: int, kind: str, key: str) -> str | None: ...


def mid_key(chat_id: int, seq: int) -> str:
    return f"{chat_id}:{seq}"


class MemoryRefs:
    """In this process only: lost on restart."""

    def __init__(self) -> None:
        self.kept: dict[tuple[int, str, str], str] = {}

    async def remember(self, bot_key: int, kind: str, refs: Mapping[str, str]) -> None:
        for key, ref in refs.items():
            self.kept[bot_key, kind, key] = ref

    async def recall(self, bot_key: int, kind: str, key: str) -> str | None:
        return self.kept.get((bot_key, kind, key))


class DatabaseRefs:
    """In the bot's database (table messenger_refs), through a session of its own per call."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def remember(self, bot_key: int, kind: str, refs: Mapping[str, str]) -> None:
        if refs:
            async with self.sessions() as session:
                await messenger_refs.remember(session, bot_key, kind, refs)

    async def recall(self, bot_key: int, kind: str, key: str) -> str | None:
        async with self.sessions() as session:
            return await messenger_refs.recall(session, bot_key, kind, key)
