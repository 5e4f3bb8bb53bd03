"""Text messages: send, edit, delete; chat actions; answers to callback queries."""

from __future__ import annotations

import copy
from typing import Any

from devtools.sandbox.api.registry import Call, method
from devtools.sandbox.errors import bad_request
from devtools.sandbox.formatting import format_text, utf16_len
from devtools.sandbox.markup import check_reply_markup
from devtools.sandbox.messages import add_bot_message, reply_to
from devtools.sandbox.params import Params
from devtools.sandbox.state import Chat, StoredMessage, now

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALERT = 200
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "reply_markup")


@method("sendMessage", sends_to_chat=True)
async def send_message(call: Call) -> dict:
    chat = call.state.chat(call.params.chat_id())
    content = formatted_text(call.params)
    markup = check_reply_markup(call.params.get_json("reply_markup"))
    content = {**reply_to(chat, reply_parameters(call.params)), **content}
    return add_bot_message(call.state, chat, content, markup).message


@method("editMessageText", sends_to_chat=True)
async def edit_message_text(call: Call) -> dict:
    chat, stored = editable_message(call)
    if "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    return apply_edit(call, chat, stored, formatted_text(call.params))


@method("editMessageCaption", sends_to_chat=True)
async def edit_message_caption(call: Call) -> dict:
    chat, stored = editable_message(call)
    if "text" in stored.message:
        raise bad_request("there is no caption in the message to edit")
    return apply_edit(call, chat, stored, formatted_caption(call.params))


@method("editMessageReplyMarkup", sends_to_chat=True)
async def edit_message_reply_markup(call: Call) -> dict:
    chat, stored = editable_message(call)
    return apply_edit(call, chat, stored, {})


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = call.state.chat(call.params.chat_id())
    stored = chat.find(call.params.get_int("message_id"))
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    call.state.changed.fire()
    return True


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = call.state.chat(call.params.chat_id())
    action = call.params.get_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query = call.state.callbacks.get(call.params.get_str("callback_query_id"))
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = call.params.get_str("text", None)
    if text and len(text) > MAX_ALERT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "callback_query_id": query.id,
        "text": text,
        "show_alert": call.params.get_bool("show_alert"),
        "url": call.params.get_str("url", None),
        "cache_time": call.params.get_int("cache_time", 0),
    }
    call.state.changed.fire()
    return True


def formatted_text(params: Params) -> dict[str, Any]:
    text, entities = format_text(
        params.get_str("text", ""), params.get_str("parse_mode", None), params.get_json("entities")
    )
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": text, "entities": entities or None}


def formatted_caption(params: Params) -> dict[str, Any]:
    caption, entities = format_text(
        params.get_str("caption", ""), params.get_str("parse_mode", None), params.get_json("caption_entities")
    )
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": caption or None, "caption_entities": entities or None}


def reply_parameters(params: Params) -> dict | None:
    given = params.get_json("reply_parameters")
    if given is None and params.has("reply_to_message_id"):
        given = {
            "message_id": params.get_int("reply_to_message_id"),
            "allow_sending_without_reply": params.get_bool("allow_sending_without_reply"),
        }
    return given


def editable_message(call: Call) -> tuple[Chat, StoredMessage]:
    if call.params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline mode
    chat = call.state.chat(call.params.chat_id())
    stored = chat.find(call.params.get_int("message_id"))
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.outgoing:
        raise bad_request("message can't be edited")
    return chat, stored


def apply_edit(call: Call, chat: Chat, stored: StoredMessage, changes: dict[str, Any]) -> dict:
    """Edit in place. Like Telegram, an edit without reply_markup removes the inline keyboard."""
    markup = check_reply_markup(call.params.get_json("reply_markup"), inline_only=True)
    edited = copy.deepcopy(stored.message)
    for key, value in {**changes, "reply_markup": markup}.items():
        if value is None:
            edited.pop(key, None)
        else:
            edited[key] = value
    if _content(edited) == _content(stored.message):
        raise bad_request(
            "message is not modified: specified new message content and reply markup "
            "are exactly the same as a current content and reply markup of the message"
        )
    edited["edit_date"] = now()
    stored.message, stored.reply_markup = edited, markup
    chat.record_event(stored)
    call.state.changed.fire()
    return edited


def _content(message: dict) -> dict:
    return {key: message.get(key) for key in _CONTENT_KEYS}
