"""What the MAX emulator remembers, per bot token: chats (dialogs and groups), updates, subscriptions, uploads."""

from __future__ import annotations

import copy
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from devtools.sandbox.max.errors import denied, not_found
from devtools.sandbox.state import Pulse, StoredFile

# A dialog's chat_id differs from its user's id on MAX (a client that mixes them up must fail here too).
DIALOG_OFFSET = 10**12
# seq is an int64 that increases within a chat; live values are this large (docs/max-design.md §2).
FIRST_SEQ = 116_993_690_454_357_274
SEQ_STEP = 1_000_003


def now_ms() -> int:
    return int(time.time() * 1000)


def new_mid() -> str:
    return "mid." + secrets.token_hex(16)


@dataclass
class StoredMessage:
    message: dict[str, Any]  # MAX's Message object as the API returns it now
    outgoing: bool  # sent by the bot
    deleted: bool = False
    edit_date: int | None = None  # seconds, when last edited

    @property
    def seq(self) -> int:
        return self.message["body"]["seq"]

    @property
    def mid(self) -> str:
        return self.message["body"]["mid"]

    @property
    def attachments(self) -> list[dict]:
        return self.message["body"].get("attachments") or []

    def buttons(self) -> list[dict]:
        """Every button of the message's inline keyboard, row by row."""
        return [
            button
            for attachment in self.attachments
            if attachment.get("type") == "inline_keyboard"
            for row in attachment["payload"]["buttons"]
            for button in row
        ]


@dataclass
class Chat:
    """A dialog with one user (key = the user's id) or a group chat (key = its negative chat_id)."""

    key: int  # how the test-side API names this chat
    chat_id: int  # MAX's chat_id
    user: dict[str, Any] | None = None  # the MAX User of a dialog
    locale: str | None = None  # the dialog user's language_code, sent as user_locale
    title: str | None = None  # a group's
    messages: dict[int, StoredMessage] = field(default_factory=dict)  # by seq
    next_seq: int = FIRST_SEQ
    blocked: bool = False  # the user stopped the bot
    deactivated: bool = False  # the user is gone
    events: list[dict] = field(default_factory=list)  # bot messages as sent or edited (normalised), in order
    cursor: int = 0  # how far wait_for_bot_message has read `events`
    actions: list[str] = field(default_factory=list)

    @property
    def is_dialog(self) -> bool:
        return self.user is not None

    def recipient(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "chat_type": "dialog" if self.is_dialog else "chat"}

    def take_seq(self) -> int:
        self.next_seq += SEQ_STEP
        return self.next_seq - SEQ_STEP

    def visible(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]


@dataclass
class Callback:
    id: str
    user_id: int
    chat_key: int
    seq: int | None
    payload: str
    answer: dict[str, Any] | None = None
    # MAX has no alert, only a notification: what the bot's aiogram asked for, told by the tests' harness, so that a
    # flow written for Telegram reads the answer as it meant it.
    show_alert: bool = False


@dataclass
class Subscription:
    url: str
    update_types: list[str] | None
    secret: str | None
    time: int = field(default_factory=now_ms)

    def wants(self, update: dict) -> bool:
        return not self.update_types or update["update_type"] in self.update_types


@dataclass
class Queued:
    position: int  # the marker that names this update
    update: dict[str, Any]


@dataclass
class MaxBotState:
    token: str
    me: dict[str, Any]  # the bot itself, as GET /me answers
    chats: dict[int, Chat] = field(default_factory=dict)  # by key
    updates: list[Queued] = field(default_factory=list)  # not yet confirmed by a marker or delivered
    next_position: int = 1
    subscriptions: list[Subscription] = field(default_factory=list)
    commands: list[dict] = field(default_factory=list)  # [{"name", "description"}], one list per bot
    files: dict[str, StoredFile] = field(default_factory=dict)  # by token: uploads and the users' files
    not_ready: dict[str, int] = field(default_factory=dict)  # token -> sends still to refuse
    callbacks: dict[str, Callback] = field(default_factory=dict)
    poll_generation: int = 0
    changed: Pulse = field(default_factory=Pulse)

    @property
    def id(self) -> int:
        return self.me["user_id"]

    def sender(self) -> dict[str, Any]:
        """The bot as a message's sender (live MAX adds its display name and last activity)."""
        me = {key: self.me[key] for key in ("user_id", "first_name", "username", "is_bot")}
        return {**me, "last_activity_time": now_ms(), "name": self.me["first_name"]}

    def enqueue(self, update_type: str, payload: dict[str, Any]) -> dict:
        update = {"update_type": update_type, "timestamp": now_ms(), **payload}
        self.updates.append(Queued(self.next_position, update))
        self.next_position += 1
        self.changed.fire()
        return copy.deepcopy(update)

    def confirm(self, marker: int) -> None:
        """A marker confirms every update before it: they are gone for good."""
        self.updates = [q for q in self.updates if q.position >= marker]

    def chat_by_id(self, chat_id: int) -> Chat:
        """The chat a request names by MAX chat_id; 404 for an unknown one."""
        found = next((c for c in self.chats.values() if c.chat_id == chat_id), None)
        if found is None:
            raise not_found("chat")
        return found

    def dialog(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None or not chat.is_dialog:
            raise not_found("chat")
        return chat

    def writable(self, chat: Chat) -> Chat:
        """Refuse a dialog whose user stopped the bot or is gone, as MAX does (403 chat.denied)."""
        if chat.deactivated:
            raise denied("user is gone")
        if chat.blocked:
            raise denied("bot was stopped by the user")
        return chat

    def find_mid(self, mid: str) -> tuple[Chat, StoredMessage]:
        for chat in self.chats.values():
            for stored in chat.messages.values():
                if stored.mid == mid and not stored.deleted:
                    return chat, stored
        raise not_found("message")
