"""The user's side of MAX: what a person does in the app, turned into updates (a dialog unless said otherwise)."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from devtools.sandbox.max.messages import add_message, attachment_of, message_buttons, normalise, store_file
from devtools.sandbox.max.state import DIALOG_OFFSET, Callback, Chat, MaxBotState, StoredMessage, now_ms


def ensure_user(state: MaxBotState, user_id: int, **profile: Any) -> Chat:
    """The dialog with this user, made on first contact; given profile fields are updated
    (language_code becomes the user_locale of the user's updates)."""
    chat = state.chats.get(user_id)
    if chat is None:
        chat = state.chats[user_id] = Chat(
            key=user_id,
            chat_id=user_id + DIALOG_OFFSET,
            user={"user_id": user_id, "first_name": f"User {user_id}", "is_bot": False},
        )
    assert chat.user is not None
    locale = profile.pop("language_code", None)
    if locale is not None:
        chat.locale = locale
    chat.user.update({key: value for key, value in profile.items() if value is not None})
    # As live MAX sends a User: last_name "" when none, a display name, the last activity in ms.
    chat.user.setdefault("last_name", "")
    chat.user["name"] = " ".join(part for part in (chat.user["first_name"], chat.user["last_name"]) if part)
    chat.user["last_activity_time"] = now_ms()
    return chat


def ensure_group(state: MaxBotState, chat_id: int, title: str) -> Chat:
    if chat_id >= 0:
        raise ValueError(f"MAX group chat ids are negative, not {chat_id}")
    chat = state.chats.get(chat_id)
    if chat is None:
        chat = state.chats[chat_id] = Chat(key=chat_id, chat_id=chat_id, title=title)
    return chat


def active_dialog(state: MaxBotState, user_id: int, profile: dict) -> Chat:
    chat = ensure_user(state, user_id, **profile)
    if chat.deactivated:
        raise RuntimeError(f"user {user_id} is gone")
    if chat.blocked:
        raise RuntimeError(f"user {user_id} has stopped the bot; call unblock() or user_starts() first")
    chat.cursor = len(chat.events)  # the bot's answer to this action is what the test waits for next
    return chat


def _locale(chat: Chat) -> dict[str, Any]:
    return {"user_locale": chat.locale} if chat.locale else {}


def sends(state: MaxBotState, user_id: int, text: str | None, attachments: list[dict] | None, profile: dict) -> dict:
    chat = active_dialog(state, user_id, profile)
    assert chat.user is not None
    stored = add_message(state, chat, chat.user, outgoing=False, text=text, attachments=attachments)
    state.enqueue("message_created", {"message": copy.deepcopy(stored.message), **_locale(chat)})
    return normalise(state, chat, stored)


def sends_document(
    state: MaxBotState,
    base_url: str,
    user_id: int,
    data: bytes,
    file_name: str,
    mime_type: str,
    caption: str | None,
    size: int | None,
    profile: dict,
) -> dict:
    stored = store_file(state, "file", data, file_name, size=size, mime=mime_type)
    return sends(state, user_id, caption, [attachment_of(stored, base_url)], profile)


def sends_photo(
    state: MaxBotState, base_url: str, user_id: int, data: bytes, size: int | None, caption: str | None, profile: dict
) -> dict:
    stored = store_file(state, "image", data, None, size=size)
    return sends(state, user_id, caption, [attachment_of(stored, base_url)], profile)


def sends_media(state: MaxBotState, base_url: str, user_id: int, kind: str, profile: dict) -> dict:
    """A video, a voice message (MAX's audio) or a sticker, with MAX's attachment of each."""
    token = secrets.token_urlsafe(24)
    url = f"{base_url}/media/{token}"
    attachments = {
        "video": {"type": "video", "payload": {"url": url, "token": token}, "width": 640, "height": 360, "duration": 5},
        "voice": {"type": "audio", "payload": {"url": url, "token": token}},
        "sticker": {"type": "sticker", "payload": {"url": url, "code": token}, "width": 512, "height": 512},
    }
    return sends(state, user_id, None, [attachments[kind]], profile)


def taps(state: MaxBotState, user_id: int, seq: int, payload: str) -> str:
    """Tap a callback button the user can see; refuse anything else, so tests cannot tap the invisible."""
    chat = state.chats.get(user_id)
    stored = chat.messages.get(seq) if chat else None
    if chat is None or stored is None or stored.deleted or not stored.outgoing:
        raise LookupError(f"user {user_id} sees no bot message {seq}")
    offered = [b.get("payload") for b in stored.buttons() if b.get("type") == "callback"]
    if payload not in offered:
        raise LookupError(f"message {seq} has no callback button with payload {payload!r}; it has {offered}")
    return _callback(state, active_dialog(state, user_id, {}), stored, seq, payload, chat.user)


def taps_message_button(state: MaxBotState, user_id: int, text: str, profile: dict) -> dict:
    """A `message` button of the bot's latest message that has any: its text is posted as the user's."""
    offered = menu(state, user_id)
    if text not in [label for row in offered for label in row]:
        raise LookupError(f"user {user_id} sees no message button {text!r}; the menu is {offered}")
    return sends(state, user_id, text, None, profile)


def menu(state: MaxBotState, chat_key: int) -> list[list[str]]:
    """The `message` buttons of the latest bot message that has any (deleted messages left out)."""
    chat = state.chats.get(chat_key)
    for stored in reversed(chat.visible() if chat else []):
        if stored.outgoing and (rows := message_buttons(stored)):
            return rows
    return []


def sends_callback_raw(
    state: MaxBotState, user_id: int, seq: int, payload: str, profile: dict, chat_id: int | None = None
) -> str:
    """A forged or stale callback: any message and payload; `message` is null when there is no such message."""
    chat = active_dialog(state, user_id, profile)
    user = chat.user
    if chat_id is not None:
        chat = state.chats[chat_id]
    stored = chat.messages.get(seq)
    return _callback(state, chat, None if stored is None or stored.deleted else stored, seq, payload, user)


def _callback(
    state: MaxBotState, chat: Chat, stored: StoredMessage | None, seq: int, payload: str, user: dict | None
) -> str:
    assert user is not None
    callback_id = secrets.token_hex(12)
    state.callbacks[callback_id] = Callback(callback_id, user["user_id"], chat.key, seq, payload)
    locale = state.chats[user["user_id"]].locale
    state.enqueue(
        "message_callback",
        {
            "callback": {
                "callback_id": callback_id,
                "payload": payload,
                "timestamp": now_ms(),
                "user": copy.deepcopy(user),
            },
            "message": copy.deepcopy(stored.message) if stored else None,
            **({"user_locale": locale} if locale else {}),
        },
    )
    return callback_id


def starts(state: MaxBotState, user_id: int, payload: str | None, profile: dict) -> dict:
    """The user opens the bot (a deep link's `start` payload, or none): bot_started; a stopped bot is back."""
    if payload is not None and len(payload) > 128:
        raise ValueError("a deep link's payload is at most 128 characters")
    chat = ensure_user(state, user_id, **profile)
    chat.blocked = False
    active_dialog(state, user_id, {})
    return state.enqueue(
        "bot_started",
        {"chat_id": chat.chat_id, "user": copy.deepcopy(chat.user), "payload": payload, **_locale(chat)},
    )


def stops(state: MaxBotState, user_id: int) -> None:
    """The user stops the bot: bot_stopped, and sends to the dialog answer 403 chat.denied."""
    chat = ensure_user(state, user_id)
    if chat.blocked:
        return
    chat.blocked = True
    state.enqueue("bot_stopped", {"chat_id": chat.chat_id, "user": copy.deepcopy(chat.user), **_locale(chat)})


def posts_in_group(state: MaxBotState, chat_id: int, user_id: int | None, text: str) -> dict:
    """A text in a group chat by the user (user_id None: by no one known, as a channel's post)."""
    chat = state.chats[chat_id]
    sender = ensure_user(state, user_id).user if user_id is not None else {}
    stored = add_message(state, chat, sender or {}, outgoing=False, text=text)
    if not sender:
        stored.message.pop("sender")
    chat.cursor = len(chat.events)
    state.enqueue("message_created", {"message": copy.deepcopy(stored.message)})
    return normalise(state, chat, stored)
