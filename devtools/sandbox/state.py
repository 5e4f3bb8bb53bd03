"""What the emulator remembers, per bot token: chats and their history, updates, webhook, commands, files."""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from typing import Any

from devtools.sandbox.errors import BLOCKED, CHAT_NOT_FOUND, DEACTIVATED, bad_request, forbidden

# Telegram leaves these out unless a bot asks for them in allowed_updates.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


def now() -> int:
    return int(time.time())


class Pulse:
    """Wakes every waiter when something changes; waiters then re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate, timeout: float) -> bool:
        """True as soon as predicate() holds, False when `timeout` seconds pass first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return bool(predicate())
        return True


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document": a file_id is refused as the other kind
    data: bytes
    size: int  # may exceed len(data): tests pretend big files without allocating them
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    photo: list[dict] = field(default_factory=list)  # the PhotoSize array this size belongs to


@dataclass
class StoredMessage:
    message: dict[str, Any]  # the Message object as the Bot API returns it now
    outgoing: bool  # sent by the bot
    reply_markup: dict | None = None  # as given, reply keyboards included (the API echoes only inline ones)
    deleted: bool = False

    def as_seen(self) -> dict[str, Any]:
        """The message as the user sees it: a copy, with whatever keyboard came with it."""
        seen = copy.deepcopy(self.message)
        if self.reply_markup is not None:
            seen["reply_markup"] = copy.deepcopy(self.reply_markup)
        return seen


@dataclass
class Chat:
    user: dict[str, Any]  # the Telegram User on the other side of this private chat ({} for a group)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    deactivated: bool = False  # the user deleted their Telegram account
    events: list[dict] = field(default_factory=list)  # bot messages as sent or edited, in order
    cursor: int = 0  # how far wait_for_bot_message has read `events`
    actions: list[str] = field(default_factory=list)  # sendChatAction calls
    group: dict[str, Any] | None = None  # a group's, supergroup's or channel's Chat object; None: a private chat

    @property
    def id(self) -> int:
        return self.group["id"] if self.group else self.user["id"]

    def as_chat(self) -> dict[str, Any]:
        if self.group:
            return copy.deepcopy(self.group)
        chat = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if self.user.get(key):
                chat[key] = self.user[key]
        return chat

    def add(self, stored: StoredMessage) -> StoredMessage:
        self.messages[stored.message["message_id"]] = stored
        return stored

    def take_message_id(self) -> int:
        # Private chats number messages from both sides in one sequence.
        self.next_message_id += 1
        return self.next_message_id - 1

    def find(self, message_id: int) -> StoredMessage | None:
        stored = self.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    def record_event(self, stored: StoredMessage) -> None:
        self.events.append(stored.as_seen())


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    message_id: int | None
    data: str | None
    answer: dict[str, Any] | None = None


@dataclass
class BotState:
    token: str
    user: dict[str, Any]  # the bot itself, as getMe answers
    chats: dict[int, Chat] = field(default_factory=dict)
    updates: list[dict] = field(default_factory=list)  # not yet confirmed by getUpdates' offset
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    webhook: Webhook | None = None
    commands: dict[tuple, list[dict]] = field(default_factory=dict)  # (scope key, language) -> commands
    files: dict[str, StoredFile] = field(default_factory=dict)  # by file_id, several ids per photo
    file_paths: dict[str, StoredFile] = field(default_factory=dict)
    callbacks: dict[str, CallbackQuery] = field(default_factory=dict)
    next_file_number: int = 1
    poll_generation: int = 0  # a newer getUpdates ends the one waiting
    changed: Pulse = field(default_factory=Pulse)

    @property
    def id(self) -> int:
        return self.user["id"]

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict | None:
        """Queue an update unless the bot's allowed_updates leaves this kind out (Telegram drops it)."""
        if not self.wants(kind):
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.changed.fire()
        return update

    def wants(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_UPDATES

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: confirm every update below it; a negative one keeps only the last -offset."""
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def chat(self, chat_id: int | str) -> Chat:
        """The chat a method addresses, refused as Telegram refuses an unknown or blocked one."""
        chat = self.find_chat(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.deactivated:
            raise forbidden(DEACTIVATED)
        if chat.blocked:
            raise forbidden(BLOCKED)
        return chat

    def find_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            return next((c for c in self.chats.values() if (c.user.get("username") or "").lower() == name), None)
        return self.chats.get(chat_id)

    def new_file_number(self) -> int:
        self.next_file_number += 1
        return self.next_file_number - 1
