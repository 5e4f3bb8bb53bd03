"""MAX's updates as aiogram's: pure functions from MAX's JSON to aiogram's `Update` (and to what the session keeps).

Every MAX id is negated (bot/channels.from_max): a user u is `User(id=-u)`, the dialog with u is
`Chat(id=-u, type="private")` (not MAX's chat id of that dialog, which differs), a group chat c is
`Chat(id=-c, type="group")`. `message_id` is MAX's `seq`; its string `mid`, needed to edit or delete the message, is
kept beside (refs_of). A file's `file_id` is MAX's token; its address is kept beside.

- message_created → message (a file → document, an image → photo; their text is the caption);
- message_callback → callback_query (the tapped message may be None: MAX leaves it out once it is deleted);
- bot_started → the message "/start <payload>" (message_id 0), as Telegram's deep links arrive;
- bot_stopped → my_chat_member, member → kicked, as Telegram tells of a blocked bot;
- any other kind → None (the bot does not ask for them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.types import Update

from bot.channels import from_max
from bot.max.refs import mid_key

UPDATE_TYPES = ("message_created", "message_callback", "bot_started", "bot_stopped")

Json = dict[str, Any]


@dataclass
class IncomingRefs:
    """What an update tells that the session keeps (bot/max/refs.py): "<chat>:<seq>" → mid, file token → address,
    "<chat>" → MAX's chat id of the dialog."""

    mids: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    dialogs: dict[str, str] = field(default_factory=dict)


def to_update(raw: Json, *, update_id: int, bot_id: int, bot: Bot | None = None) -> Update | None:
    """aiogram's Update of MAX's update `raw`, or None for a kind the bot does not handle; `bot_id` is the aiogram id
    of the bot that received it (the member in my_chat_member), `bot` mounts it (aiogram's shortcuts)."""
    data = update_data(raw, update_id=update_id, bot_id=bot_id)
    if data is None:
        return None
    return Update.model_validate(data, context={"bot": bot} if bot is not None else {})


def update_data(raw: Json, *, update_id: int, bot_id: int) -> Json | None:
    """to_update() as the JSON of Telegram's Bot API."""
    kind = raw.get("update_type")
    locale = raw.get("user_locale")
    if kind == "message_created" and raw.get("message"):
        return {"update_id": update_id, "message": message_data(raw["message"], locale=locale)}
    if kind == "message_callback" and raw.get("callback"):
        callback = raw["callback"]
        user = user_data(callback["user"], locale=locale)
        tapped = raw.get("message")
        query: Json = {
            "id": str(callback["callback_id"]),
            "from": user,
            "chat_instance": str(user["id"]),
            "data": callback.get("payload"),
        }
        if tapped:
            query["message"] = message_data(tapped, partner=callback["user"]["user_id"])
        return {"update_id": update_id, "callback_query": query}
    if kind == "bot_started" and raw.get("user"):
        user = user_data(raw["user"], locale=locale)
        payload = (raw.get("payload") or "").strip()
        return {
            "update_id": update_id,
            "message": {
                "message_id": 0,
                "date": seconds(raw.get("timestamp")),
                "chat": private_chat(raw["user"]),
                "from": user,
                "text": f"/start {payload}" if payload else "/start",
            },
        }
    if kind == "bot_stopped" and raw.get("user"):
        me = {"id": bot_id, "is_bot": True, "first_name": "bot"}
        return {
            "update_id": update_id,
            "my_chat_member": {
                "chat": private_chat(raw["user"]),
                "from": user_data(raw["user"], locale=locale),
                "date": seconds(raw.get("timestamp")),
                "old_chat_member": {"status": "member", "user": me},
                "new_chat_member": {"status": "kicked", "user": me, "until_date": 0},
            },
        }
    return None


def message_data(message: Json, *, locale: str | None = None, partner: int | None = None) -> Json:
    """A MAX Message as Telegram's; `partner` is the MAX user of the dialog when the message does not say it."""
    body = message.get("body") or {}
    sender = message.get("sender")
    data: Json = {
        "message_id": int(body.get("seq") or 0),
        "date": seconds(message.get("timestamp")),
        "chat": chat_data(message, partner=partner),
    }
    if sender:
        data["from"] = user_data(sender, locale=None if sender.get("is_bot") else locale)
    text = body.get("text")
    files = files_data(body.get("attachments") or [])
    data.update(files)
    if text:
        data["caption" if files else "text"] = text
    return data


def chat_data(message: Json, *, partner: int | None = None) -> Json:
    """The aiogram chat of a MAX message: a dialog is the chat of the user in it who is not the bot."""
    recipient = message.get("recipient") or {}
    sender = message.get("sender") or {}
    if recipient.get("chat_type", "dialog") == "dialog":
        user_id = recipient.get("user_id") if sender.get("is_bot") else sender.get("user_id")
        if user_id is None:
            user_id = partner if partner is not None else recipient.get("chat_id")
        chat: Json = {"id": from_max(int(user_id)), "type": "private"}
        if not sender.get("is_bot") and sender.get("first_name"):
            chat["first_name"] = sender["first_name"]
        return chat
    kind = "channel" if recipient.get("chat_type") == "channel" else "group"
    return {"id": from_max(int(recipient["chat_id"])), "type": kind}


def private_chat(user: Json) -> Json:
    return {"id": from_max(int(user["user_id"])), "type": "private", "first_name": first_name(user)}


def user_data(user: Json, *, locale: str | None = None) -> Json:
    data: Json = {
        "id": from_max(int(user["user_id"])),
        "is_bot": bool(user.get("is_bot")),
        "first_name": first_name(user),
    }
    for name in ("last_name", "username"):
        if user.get(name):
            data[name] = user[name]
    if locale:
        data["language_code"] = locale
    return data


def first_name(user: Json) -> str:
    return user.get("first_name") or user.get("name") or str(user.get("user_id", ""))


def files_data(attachments: list[Json]) -> Json:
    """The first file as a document, the images as one photo's sizes; other attachments (keyboards…) are left."""
    data: Json = {}
    photos = []
    for attachment in attachments:
        payload = attachment.get("payload") or {}
        token = payload.get("token")
        if not token:
            continue
        if attachment.get("type") == "file" and "document" not in data:
            document: Json = {"file_id": token, "file_unique_id": token}
            if attachment.get("filename"):
                document["file_name"] = attachment["filename"]
            if attachment.get("size") is not None:
                document["file_size"] = attachment["size"]
            data["document"] = document
        elif attachment.get("type") == "image":
            unique = str(payload.get("photo_id") or token)
            photos.append({"file_id": token, "file_unique_id": unique, "width": 0, "height": 0})
    if photos:
        data["photo"] = photos
    return data


def refs_of(raw: Json) -> IncomingRefs:
    """What the session keeps from MAX's update `raw` (or from a sent message's answer, `{"message": ...}`)."""
    refs = IncomingRefs()
    message = raw.get("message")
    partner = None
    if raw.get("callback"):
        partner = raw["callback"]["user"]["user_id"]
    if message:
        add_message_refs(refs, message, partner=partner)
    if raw.get("update_type") == "bot_started" and raw.get("user") and raw.get("chat_id") is not None:
        refs.dialogs[str(from_max(int(raw["user"]["user_id"])))] = str(raw["chat_id"])
    return refs


def add_message_refs(refs: IncomingRefs, message: Json, *, partner: int | None = None) -> None:
    body = message.get("body") or {}
    chat = chat_data(message, partner=partner)
    if body.get("mid") and body.get("seq") is not None:
        refs.mids[mid_key(chat["id"], int(body["seq"]))] = str(body["mid"])
    recipient = message.get("recipient") or {}
    if chat["type"] == "private" and recipient.get("chat_id") is not None:
        refs.dialogs[str(chat["id"])] = str(recipient["chat_id"])
    for attachment in body.get("attachments") or []:
        payload = attachment.get("payload") or {}
        if payload.get("token") and payload.get("url"):
            refs.urls[str(payload["token"])] = str(payload["url"])


def seconds(timestamp_ms: Any) -> int:
    """MAX's time (milliseconds) as Telegram's (seconds)."""
    return int(timestamp_ms or 0) // 1000
