"""MAX ↔ aiogram, the pure part (bot/max/updates.py, bot/max/outgoing.py): every kind of update the bot handles
becomes the aiogram Update a Telegram user's would, with MAX's ids negated; aiogram's keyboards and long texts
become what MAX takes."""

from __future__ import annotations

import re

import pytest
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.max.outgoing import TEXT_LIMIT, attachments, message_body, recipient, split_message
from bot.max.updates import refs_of, to_update

USER = {"user_id": 5001, "first_name": "Анна", "last_name": "Петрова", "username": "anna", "is_bot": False}
BOT = {"user_id": 9000, "first_name": "Школа", "username": "school_bot", "is_bot": True}


def incoming(text="привет", attachments=None, seq=700):
    return {
        "sender": USER,
        "recipient": {"chat_id": 123456, "chat_type": "dialog", "user_id": 9000},
        "timestamp": 1_764_800_000_000,
        "body": {"mid": "mid.aa01", "seq": seq, "text": text, "attachments": attachments},
    }


def sent_by_bot(seq=800):
    return {
        "sender": BOT,
        "recipient": {"chat_id": 123456, "chat_type": "dialog", "user_id": 5001},
        "timestamp": 1_764_800_000_000,
        "body": {"mid": "mid.bb02", "seq": seq, "text": "Дневник"},
    }


def test_a_message_in_a_dialog_is_a_private_message_with_the_ids_negated_and_the_locale_kept():
    update = to_update(
        {"update_type": "message_created", "timestamp": 1, "message": incoming(), "user_locale": "en"},
        update_id=7,
        bot_id=42,
    )
    message = update.message
    assert update.update_id == 7
    assert message.message_id == 700
    assert message.text == "привет"
    assert (message.chat.id, message.chat.type) == (-5001, "private")  # the user's id, not MAX's dialog chat id
    assert message.from_user.id == -5001
    assert message.from_user.language_code == "en"
    assert (message.from_user.first_name, message.from_user.username) == ("Анна", "anna")
    assert message.date.timestamp() == 1_764_800_000


def test_a_message_in_a_group_chat_is_a_group_message_with_a_positive_id():
    raw = incoming()
    raw["recipient"] = {"chat_id": -777, "chat_type": "chat"}
    message = to_update({"update_type": "message_created", "message": raw}, update_id=1, bot_id=42).message
    assert (message.chat.id, message.chat.type) == (777, "group")
    assert message.from_user.id == -5001


def test_a_file_is_a_document_and_an_image_a_photo_by_their_tokens_and_the_text_their_caption():
    raw = incoming(
        text="справка",
        attachments=[
            {"type": "file", "payload": {"url": "https://files/x", "token": "tok-f"}, "filename": "a.pdf", "size": 12},
            {"type": "image", "payload": {"url": "https://files/y", "token": "tok-i", "photo_id": 77}},
        ],
    )
    message = to_update({"update_type": "message_created", "message": raw}, update_id=1, bot_id=42).message
    assert (message.document.file_id, message.document.file_name, message.document.file_size) == ("tok-f", "a.pdf", 12)
    assert [p.file_id for p in message.photo] == ["tok-i"]
    assert message.caption == "справка" and message.text is None
    refs = refs_of({"update_type": "message_created", "message": raw})
    assert refs.urls == {"tok-f": "https://files/x", "tok-i": "https://files/y"}
    assert refs.mids == {"-5001:700": "mid.aa01"}
    assert refs.dialogs == {"-5001": "123456"}


def test_a_tap_is_a_callback_query_on_the_bots_message_in_the_users_chat():
    raw = {
        "update_type": "message_callback",
        "timestamp": 1,
        "callback": {"callback_id": "cb-1", "payload": "diary:2026-11-25", "timestamp": 1, "user": USER},
        "message": sent_by_bot(),
        "user_locale": "ru",
    }
    query = to_update(raw, update_id=3, bot_id=42).callback_query
    assert (query.id, query.data) == ("cb-1", "diary:2026-11-25")
    assert query.from_user.id == -5001 and query.from_user.language_code == "ru"
    assert query.message.message_id == 800
    assert query.message.chat.id == -5001  # the user of the dialog, not the bot who sent it
    assert refs_of(raw).mids == {"-5001:800": "mid.bb02"}


def test_a_tap_on_a_deleted_message_has_no_message():
    raw = {
        "update_type": "message_callback",
        "callback": {"callback_id": "cb-2", "payload": "x", "user": USER},
        "message": None,
    }
    query = to_update(raw, update_id=1, bot_id=42).callback_query
    assert query.message is None and query.data == "x"
    assert refs_of(raw).mids == {}


@pytest.mark.parametrize(("payload", "text"), [("invite-ABC123", "/start invite-ABC123"), (None, "/start")])
def test_bot_started_is_the_start_command_with_its_deep_link_payload(payload, text):
    raw = {"update_type": "bot_started", "timestamp": 5000, "chat_id": 123456, "user": USER, "payload": payload}
    raw["user_locale"] = "ru"
    message = to_update(raw, update_id=1, bot_id=42).message
    assert message.text == text
    assert (message.message_id, message.chat.id, message.chat.type) == (0, -5001, "private")
    assert message.from_user.language_code == "ru"
    assert refs_of(raw).dialogs == {"-5001": "123456"}


def test_bot_stopped_is_the_bot_kicked_from_the_users_chat():
    raw = {"update_type": "bot_stopped", "timestamp": 5000, "chat_id": 123456, "user": USER}
    member = to_update(raw, update_id=1, bot_id=42).my_chat_member
    assert member.chat.id == -5001 and member.from_user.id == -5001
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")
    assert member.new_chat_member.user.id == 42


def test_a_kind_the_bot_does_not_handle_is_none():
    assert to_update({"update_type": "message_edited", "message": incoming()}, update_id=1, bot_id=42) is None


@pytest.mark.parametrize(("chat_id", "query"), [(-5001, {"user_id": 5001}), (777, {"chat_id": -777})])
def test_a_chat_is_sent_to_by_maxs_own_id(chat_id, query):
    assert recipient(chat_id) == query


def test_a_reply_keyboard_becomes_message_buttons_under_the_message():
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📖 Дневник"), KeyboardButton(text="⭐ Оценки")], [KeyboardButton(text="⚙")]]
    )
    assert attachments(markup) == [
        {
            "type": "inline_keyboard",
            "payload": {
                "buttons": [
                    [{"type": "message", "text": "📖 Дневник"}, {"type": "message", "text": "⭐ Оценки"}],
                    [{"type": "message", "text": "⚙"}],
                ]
            },
        }
    ]


def test_an_inline_keyboard_becomes_callback_and_link_buttons():
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="▶", callback_data="diary:1")],
            [InlineKeyboardButton(text="Сайт", url="https://school.example")],
        ]
    )
    assert attachments(markup)[0]["payload"]["buttons"] == [
        [{"type": "callback", "text": "▶", "payload": "diary:1"}],
        [{"type": "link", "text": "Сайт", "url": "https://school.example"}],
    ]


def test_no_keyboard_on_a_new_message_but_an_empty_list_on_an_edit():
    assert attachments(None) is None
    assert attachments(ReplyKeyboardRemove()) is None
    assert message_body("x", parse_mode="HTML") == {"text": "x", "format": "html"}
    assert message_body("x", parse_mode="HTML", editing=True)["attachments"] == []


def test_a_short_text_is_one_part():
    assert split_message("<b>Итого</b>\nвсё") == ["<b>Итого</b>\nвсё"]


def test_a_5000_character_text_is_two_parts_at_a_line_end_each_within_the_limit():
    lines = [f"{i:04d} " + "я" * 94 for i in range(50)]  # 50 lines of 99 characters
    text = "\n".join(lines)
    assert len(text) == 4999
    parts = split_message(text)
    assert len(parts) == 2
    assert all(len(p) <= TEXT_LIMIT for p in parts)
    assert "\n".join(parts) == text  # cut between lines, nothing lost
    assert all(p.split("\n")[0] in lines for p in parts)


def test_a_tag_open_across_a_cut_is_closed_and_opened_again_never_cut_inside():
    text = "<b>" + "\n".join(f'строка {i} <a href="https://x.example/{i}">ссылка</a>' for i in range(200)) + "</b>"
    parts = split_message(text)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= TEXT_LIMIT
        assert part.startswith("<b>") and part.endswith("</b>")
        assert part.count("<a ") == part.count("</a>")
        assert not re.search(r"<[^>]*$", part) and not re.search(r"^[^<]*>", part)  # no tag cut in two


def test_the_keyboard_goes_on_the_last_part_only():
    """What the session sends for a long text (bot/max/session._send_message): the parts, the markup on the last."""
    text = "\n".join("я" * 99 for _ in range(50))
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]])
    parts = split_message(text)
    bodies = [
        message_body(part, parse_mode="HTML", markup=markup if i == len(parts) - 1 else None)
        for i, part in enumerate(parts)
    ]
    assert [("attachments" in body) for body in bodies] == [False, True]
