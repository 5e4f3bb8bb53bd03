"""The user's side of a chat: what a person does in the Telegram app, turned into updates (a private chat unless
said otherwise; a group's or a channel's to check that the bot keeps out of them)."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from devtools.sandbox import files
from devtools.sandbox.markup import inline_buttons
from devtools.sandbox.messages import add_user_message, text_content
from devtools.sandbox.state import BotState, CallbackQuery, Chat, StoredMessage, now


def ensure_user(state: BotState, user_id: int, **profile: Any) -> Chat:
    """The private chat with this user, created on first contact; given profile fields are updated."""
    chat = state.chats.get(user_id)
    if chat is None:
        chat = state.chats[user_id] = Chat({"id": user_id, "is_bot": False, "first_name": f"User {user_id}"})
    chat.user.update({key: value for key, value in profile.items() if value is not None})
    return chat


def ensure_group(state: BotState, chat_id: int, title: str, kind: str) -> Chat:
    """A group, supergroup or channel (a negative id) the bot is in."""
    chat = state.chats.get(chat_id)
    if chat is None:
        chat = state.chats[chat_id] = Chat({}, group={"id": chat_id, "type": kind, "title": title})
    return chat


def posts_in_group(
    state: BotState, chat_id: int, user_id: int | None, text: str, sender_chat: dict | None = None
) -> dict:
    """A text in a group: by the user, or (user_id None) on behalf of `sender_chat`, with no `from`, as a
    channel's post is (in a channel, a channel_post update)."""
    chat = state.chats[chat_id]
    sender = None if user_id is None else ensure_user(state, user_id).user
    content = {**text_content(text), **({"sender_chat": sender_chat} if sender_chat else {})}
    message = add_user_message(chat, content, sender).message
    chat.cursor = len(chat.events)
    state.enqueue("channel_post" if chat.group["type"] == "channel" else "message", copy.deepcopy(message))
    return copy.deepcopy(message)


def sends(state: BotState, user_id: int, content: dict, profile: dict) -> dict:
    chat = _active_chat(state, user_id, profile)
    message = add_user_message(chat, content).message
    state.enqueue("message", copy.deepcopy(message))
    return copy.deepcopy(message)


def sends_text(state: BotState, user_id: int, text: str, profile: dict) -> dict:
    return sends(state, user_id, text_content(text), profile)


def sends_document(
    state: BotState,
    user_id: int,
    data: bytes,
    file_name: str,
    mime_type: str,
    caption: str | None,
    size: int | None,
    profile: dict,
) -> dict:
    stored = files.store(state, "document", data, size=size, file_name=file_name, mime_type=mime_type)
    return sends(state, user_id, _with_caption({"document": files.document(stored)}, caption), profile)


def sends_photo(
    state: BotState, user_id: int, data: bytes, size: int | None, caption: str | None, profile: dict
) -> dict:
    photo = files.store_photo(state, data, size=size)
    return sends(state, user_id, _with_caption({"photo": photo}, caption), profile)


def media(kind: str) -> dict:
    """A message's video, voice or sticker (`kind`), with made-up file ids: the bot is not meant to fetch them."""
    found = {
        "video": {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4", "file_size": 2 * 1024 * 1024},
        "voice": {"duration": 3, "file_size": 9000},
        "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
    }[kind]
    return {kind: {"file_id": f"{kind}-{secrets.token_urlsafe(12)}", "file_unique_id": f"AgAD-{kind}", **found}}


def taps(state: BotState, user_id: int, message_id: int, data: str) -> str:
    """Tap an inline button the user can see; refuse anything else, so tests cannot tap the invisible."""
    chat = state.chats.get(user_id)
    stored = chat.find(message_id) if chat else None
    if stored is None or not stored.outgoing:
        raise LookupError(f"user {user_id} sees no bot message {message_id}")
    offered = [b.get("callback_data") for b in inline_buttons(stored.message.get("reply_markup"))]
    if data not in offered:
        raise LookupError(f"message {message_id} has no button with callback_data {data!r}; it has {offered}")
    return _callback(state, _active_chat(state, user_id, {}), stored, message_id, data)


def sends_callback_raw(
    state: BotState, user_id: int, message_id: int, data: str, profile: dict, chat_id: int | None = None
) -> str:
    """A forged or stale callback: whatever message id and data, as a modified client could send; from a
    message in a group with `chat_id`."""
    chat = _active_chat(state, user_id, profile)
    if chat_id is not None:
        chat = state.chats[chat_id]
    return _callback(state, chat, chat.find(message_id), message_id, data, ensure_user(state, user_id).user)


def set_blocked(state: BotState, user_id: int, blocked: bool) -> None:
    """Block or unblock the bot; Telegram tells the bot with a my_chat_member update."""
    chat = ensure_user(state, user_id)
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    bot = {key: state.user[key] for key in ("id", "is_bot", "first_name", "username")}
    state.enqueue(
        "my_chat_member",
        {
            "chat": chat.as_chat(),
            "from": chat.user,
            "date": now(),
            "old_chat_member": _member(bot, old),
            "new_chat_member": _member(bot, new),
        },
    )


def _member(bot: dict, status: str) -> dict:
    return {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}


def _active_chat(state: BotState, user_id: int, profile: dict) -> Chat:
    chat = ensure_user(state, user_id, **profile)
    if chat.deactivated:
        raise RuntimeError(f"user {user_id} has deleted their account")
    if chat.blocked:
        raise RuntimeError(f"user {user_id} has blocked the bot; call unblock() first")
    chat.cursor = len(chat.events)  # the bot's answer to this action is what the test waits for next
    return chat


def _callback(
    state: BotState, chat: Chat, stored: StoredMessage | None, message_id: int, data: str, sender: dict | None = None
) -> str:
    sender = sender or chat.user
    query_id = str(secrets.randbits(62))
    message = copy.deepcopy(stored.message) if stored else {"chat": chat.as_chat(), "message_id": message_id, "date": 0}
    state.callbacks[query_id] = CallbackQuery(query_id, sender["id"], message_id, data)
    state.enqueue(
        "callback_query",
        {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": str(state.id * 1_000_003 + chat.id),
            "data": data,
        },
    )
    return query_id


def _with_caption(content: dict, caption: str | None) -> dict:
    return {**content, "caption": caption} if caption else content
