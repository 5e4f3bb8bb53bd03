"""MAX Message objects for both sides of a chat, and the Telegram-shaped view the test-side API hands out."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from devtools.sandbox.files import image_size
from devtools.sandbox.formatting import utf16_len
from devtools.sandbox.max.checks import render_text
from devtools.sandbox.max.errors import bad_payload, not_ready
from devtools.sandbox.max.state import Chat, MaxBotState, StoredMessage, new_mid, now_ms
from devtools.sandbox.state import StoredFile

DOWNLOAD_PREFIX = "download"
# MAX's attachment types -> StoredFile.kind in Telegram's words, so the sandbox page serves MAX's files as it
# serves Telegram's (devtools/sandbox/page.py).
KINDS = {"file": "document", "image": "photo"}
# MAX's markup elements -> Telegram's entity types, for the normalised view.
ENTITY_TYPES = {
    "strong": "bold",
    "emphasized": "italic",
    "underline": "underline",
    "strikethrough": "strikethrough",
    "monospaced": "code",
    "link": "text_link",
}


def store_file(
    state: MaxBotState, kind: str, data: bytes, file_name: str | None, size: int | None = None, mime: str | None = None
) -> StoredFile:
    """An uploaded or user-sent file under a fresh token; `kind` is "file" or "image"."""
    token = ("f" if kind == "file" else "i") + secrets.token_urlsafe(24)
    width, height = (image_size(data) or (800, 600)) if kind == "image" else (0, 0)
    if kind == "image" and mime is None:
        mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    stored = StoredFile(
        file_id=token,
        file_unique_id=token,
        kind=KINDS[kind],
        data=data,
        size=len(data) if size is None else size,
        file_path=f"{DOWNLOAD_PREFIX}/{token}",
        file_name=file_name,
        mime_type=mime,
        width=width,
        height=height,
    )
    state.files[token] = stored
    return stored


def attachment_of(stored: StoredFile, base_url: str) -> dict[str, Any]:
    """The attachment object MAX shows for a file or an image."""
    url = f"{base_url}/{stored.file_path}"
    if stored.kind == "photo":
        return {"type": "image", "payload": {"url": url, "token": stored.file_id, "photo_id": _photo_id(stored)}}
    return {
        "type": "file",
        "payload": {"url": url, "token": stored.file_id},
        "filename": stored.file_name or "file",
        "size": stored.size,
    }


def _photo_id(stored: StoredFile) -> int:
    return int.from_bytes(stored.file_id.encode()[:7], "big")


def resolve_attachments(state: MaxBotState, attachments: list[dict], base_url: str) -> list[dict]:
    """A request's attachments as the message keeps them; a token sent too soon after its upload is refused
    with 400 attachment.not.ready as often as the test asked (MaxAPIEmulator.not_ready)."""
    out = []
    for attachment in attachments:
        if attachment["type"] == "inline_keyboard":
            out.append(copy.deepcopy(attachment))
            continue
        token = attachment["payload"]["token"]
        stored = state.files.get(token)
        if stored is None:
            raise bad_payload(f"unknown attachment token {token!r}")
        if stored.kind != KINDS[attachment["type"]]:
            raise bad_payload(f"token {token!r} is not a {attachment['type']}")
        if state.not_ready.get(token, 0) > 0:
            state.not_ready[token] -= 1
            raise not_ready()
        out.append(attachment_of(stored, base_url))
    return out


def body_of(text: str | None, fmt: str | None, attachments: list[dict], seq: int, mid: str) -> dict[str, Any]:
    body: dict[str, Any] = {"mid": mid, "seq": seq}
    if text:
        plain, markup = render_text(text, fmt)
        body["text"] = plain
        if markup:
            body["markup"] = markup
    if attachments:
        body["attachments"] = attachments
    return body


def add_message(
    state: MaxBotState,
    chat: Chat,
    sender: dict[str, Any],
    *,
    outgoing: bool,
    text: str | None,
    fmt: str | None = None,
    attachments: list[dict] | None = None,
    link: dict | None = None,
) -> StoredMessage:
    recipient = chat.recipient()
    if chat.user is not None:
        recipient["user_id"] = chat.user["user_id"] if outgoing else state.id
    message = {
        "sender": copy.deepcopy(sender),
        "recipient": recipient,
        "timestamp": now_ms(),
        "body": body_of(text, fmt, attachments or [], chat.take_seq(), new_mid()),
    }
    if link is not None:
        message["link"] = link
    stored = StoredMessage(message, outgoing)
    chat.messages[stored.seq] = stored
    if outgoing:
        chat.events.append(normalise(state, chat, stored))
        state.changed.fire()
    return stored


def normalise(state: MaxBotState, chat: Chat, stored: StoredMessage) -> dict[str, Any]:
    """The message in Telegram's shape, so the flow-test driver reads both emulators alike: message_id is seq,
    callback buttons carry callback_data = payload, link buttons url; files become document / photo."""
    body = stored.message["body"]
    sender = stored.message.get("sender") or {}
    seen: dict[str, Any] = {
        "message_id": body["seq"],
        "mid": body["mid"],
        "chat": {"id": chat.key, "type": "private" if chat.is_dialog else "group"},
        "date": stored.message["timestamp"] // 1000,
        "from": {
            "id": sender.get("user_id"),
            "is_bot": bool(sender.get("is_bot")),
            "first_name": sender.get("first_name", ""),
        },
    }
    link = stored.message.get("link")
    if link and link.get("type") == "reply":
        seen["reply_to_message"] = {"message_id": link["message"]["seq"], "text": link["message"].get("text", "")}
    text_key = "text"
    for attachment in stored.attachments:
        kind = attachment["type"]
        if kind in ("file", "image"):
            text_key = "caption"
            stored_file = state.files.get(attachment["payload"]["token"])
            if stored_file is None:
                continue
            if kind == "file":
                seen["document"] = {
                    "file_id": stored_file.file_id,
                    "file_unique_id": stored_file.file_unique_id,
                    "file_name": stored_file.file_name,
                    "file_size": stored_file.size,
                }
            else:
                seen["photo"] = [
                    {
                        "file_id": stored_file.file_id,
                        "file_unique_id": stored_file.file_unique_id,
                        "width": stored_file.width,
                        "height": stored_file.height,
                        "file_size": stored_file.size,
                    }
                ]
    if body.get("text"):
        seen[text_key] = body["text"]
        if entities := _entities(body["text"], body.get("markup") or []):
            seen["entities" if text_key == "text" else "caption_entities"] = entities
    if stored.edit_date is not None:
        seen["edit_date"] = stored.edit_date
    rows = []
    for attachment in stored.attachments:
        if attachment["type"] != "inline_keyboard":
            continue
        for row in attachment["payload"]["buttons"]:
            shown = [_telegram_button(button) for button in row if button["type"] in ("callback", "link")]
            if shown:
                rows.append(shown)
    if rows:
        seen["reply_markup"] = {"inline_keyboard": rows}
    return seen


def _entities(text: str, markup: list[dict]) -> list[dict]:
    """MAX's markup (offsets in characters) as Telegram's entities (offsets in UTF-16 code units)."""
    entities = []
    for element in markup:
        kind = ENTITY_TYPES.get(element.get("type", ""))
        if kind is None:
            continue
        start, end = element["from"], element["from"] + element["length"]
        entity: dict[str, Any] = {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        if kind == "text_link":
            entity["url"] = element.get("url", "")
        entities.append(entity)
    return entities


def _telegram_button(button: dict) -> dict[str, str]:
    if button["type"] == "callback":
        return {"text": button["text"], "callback_data": button["payload"]}
    return {"text": button["text"], "url": button["url"]}


def message_buttons(stored: StoredMessage) -> list[list[str]]:
    """The texts of a message's `message` buttons, row by row (MAX's stand-in for a reply keyboard)."""
    rows = []
    for attachment in stored.attachments:
        if attachment["type"] != "inline_keyboard":
            continue
        for row in attachment["payload"]["buttons"]:
            texts = [button["text"] for button in row if button["type"] == "message"]
            if texts:
                rows.append(texts)
    return rows
