"""Building Message objects for both sides of a chat."""

from __future__ import annotations

import re
from typing import Any

from devtools.sandbox.errors import bad_request
from devtools.sandbox.formatting import utf16_len
from devtools.sandbox.state import BotState, Chat, StoredMessage, now

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


def bot_as_sender(state: BotState) -> dict[str, Any]:
    return {key: state.user[key] for key in ("id", "is_bot", "first_name", "username")}


def new_message(chat: Chat, sender: dict[str, Any] | None, content: dict[str, Any]) -> dict[str, Any]:
    """`sender` None: a channel's post, or a post signed by a chat (content has its sender_chat)."""
    message = {"message_id": chat.take_message_id(), "chat": chat.as_chat(), "date": now()}
    if sender is not None:
        message["from"] = sender
    message.update(content)
    return message


def add_bot_message(state: BotState, chat: Chat, content: dict, reply_markup: dict | None) -> StoredMessage:
    """Store what the bot sent; the API's answer carries only an inline keyboard, as Telegram's does."""
    content = {key: value for key, value in content.items() if value is not None}
    message = new_message(chat, bot_as_sender(state), content)
    if reply_markup and "inline_keyboard" in reply_markup:
        message["reply_markup"] = reply_markup
    stored = chat.add(StoredMessage(message, outgoing=True, reply_markup=reply_markup))
    chat.record_event(stored)
    state.changed.fire()
    return stored


def add_user_message(chat: Chat, content: dict, sender: dict[str, Any] | None = None) -> StoredMessage:
    """A message to the bot: in a private chat from its user; in a group from `sender`."""
    return chat.add(StoredMessage(new_message(chat, sender if chat.group else chat.user, content), outgoing=False))


def text_content(text: str) -> dict[str, Any]:
    """A user's text as Telegram delivers it: /commands are marked with bot_command entities."""
    content: dict[str, Any] = {"text": text}
    entities = [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND.finditer(text)
    ]
    if entities:
        content["entities"] = entities
    return content


def reply_to(chat: Chat, parameters: dict | None) -> dict[str, Any]:
    """The reply_to_message field for reply_parameters / reply_to_message_id."""
    if not parameters or not parameters.get("message_id"):
        return {}
    target = chat.find(int(parameters["message_id"]))
    if target is None:
        if parameters.get("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    replied = dict(target.message)
    replied.pop("reply_to_message", None)  # Telegram nests only one level
    return {"reply_to_message": replied}
