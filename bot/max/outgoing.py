"""What the bot sends, as MAX wants it: pure functions from aiogram's arguments to MAX's request parts.

- the chat: aiogram's X < 0 is the dialog with MAX user -X (`?user_id=`), X > 0 the group chat -X (`?chat_id=`);
- the keyboard: an inline keyboard's callback_data → `callback` buttons, its url → `link` buttons; a reply keyboard →
  `message` buttons under the message (a tap posts the button's text as the user's message, as Telegram's reply
  keyboard does); ReplyKeyboardRemove → none;
- an edit without a keyboard sends `attachments: []` (Telegram drops the keyboard then; MAX would keep it);
- a text longer than MAX's 4000 characters → several messages, cut at line ends, each with its tags closed.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels import to_max
from ui.formatting import split_text

TEXT_LIMIT = 4000  # MAX's limit for one message's text

Json = dict[str, Any]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply | None


def recipient(chat_id: int | str) -> Json:
    """The query of POST /messages for aiogram's chat `chat_id`."""
    number = int(chat_id)  # a "@channel" name has no MAX equivalent: ValueError
    return {"user_id": to_max(number)} if number < 0 else {"chat_id": to_max(number)}


def text_format(parse_mode: str | None) -> str | None:
    """MAX's `format` of aiogram's parse_mode."""
    if not parse_mode:
        return None
    return "html" if parse_mode.lower() == "html" else "markdown"


def keyboard(markup: Markup) -> Json | None:
    """MAX's inline_keyboard attachment of an aiogram markup; None when there is no keyboard to show."""
    rows: list[list[Json]] = []
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            buttons = []
            for button in row:
                if button.callback_data is not None:
                    buttons.append({"type": "callback", "text": button.text, "payload": button.callback_data})
                elif button.url:
                    buttons.append({"type": "link", "text": button.text, "url": button.url})
            rows.append(buttons)
    elif isinstance(markup, ReplyKeyboardMarkup):
        for reply_row in markup.keyboard:
            buttons = []
            for key in reply_row:
                text = key if isinstance(key, str) else key.text
                kind = "request_contact" if not isinstance(key, str) and key.request_contact else "message"
                buttons.append({"type": kind, "text": text})
            rows.append(buttons)
    rows = [row for row in rows if row]
    if not rows:
        return None
    return {"type": "inline_keyboard", "payload": {"buttons": rows}}


def attachments(markup: Markup, *, editing: bool = False, files: list[Json] | None = None) -> list[Json] | None:
    """The `attachments` of a message: its files, then its keyboard. A new message without either gets None (no
    field); an edit gets [] (the old keyboard goes, as in Telegram)."""
    found = list(files or [])
    if (board := keyboard(markup)) is not None:
        found.append(board)
    if found or editing:
        return found
    return None


def message_body(
    text: str | None,
    *,
    parse_mode: str | None,
    markup: Markup = None,
    editing: bool = False,
    files: list[Json] | None = None,
    notify: bool = True,
    reply_to: str | None = None,
) -> Json:
    """MAX's NewMessageBody."""
    body: Json = {"text": text, "format": text_format(parse_mode) if text else None}
    found = attachments(markup, editing=editing, files=files)
    if found is not None:
        body["attachments"] = found
    if not notify:
        body["notify"] = False
    if reply_to:
        body["link"] = {"type": "reply", "mid": reply_to}
    return body


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def split_message(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` as messages of at most `limit` characters, cut at line ends (ui/formatting.split_text, never inside a
    tag or an entity); a tag left open at a cut is closed at the end of its part and opened again at the start of the
    next, so that each part is valid HTML on its own."""
    if len(text) <= limit:
        return [text]
    parts = split_text(text, limit - 100)  # room for the tags closed and opened again at a cut
    balanced = []
    carried: list[tuple[str, str]] = []  # (name, opening tag) still open, outermost first
    for part in parts:
        opened = "".join(tag for _name, tag in carried)
        open_now = list(carried)
        for match in _TAG.finditer(part):
            closing, name = match.group(1), match.group(2).lower()
            if not closing:
                open_now.append((name, match.group(0)))
            else:
                for i in range(len(open_now) - 1, -1, -1):
                    if open_now[i][0] == name:
                        del open_now[i]
                        break
        closed = "".join(f"</{name}>" for name, _tag in reversed(open_now))
        balanced.append(opened + part + closed)
        carried = open_now
    return balanced
