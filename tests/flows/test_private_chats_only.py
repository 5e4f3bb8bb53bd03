"""Private chats only: nothing of a child is ever posted in a group. A linked parent's /marks or a teacher's /today in a
class's chat, a button tapped there, an edited message, a channel's post or a post signed by a channel (no `from`):
the group hears one line, at most once an hour, and sees nothing else; the bot being added to a group says the
same line once."""

from __future__ import annotations

import logging
import time

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from bot.dispatcher import create_dispatcher
from tests.flows.conftest import TOKEN
from tests.flows.test_marks_flow import a_term_of_marks
from ui.callbacks import DiaryCB

pytestmark = pytest.mark.telegram_only(
    "Telegram's groups, supergroups and channels (a command to @the_bot, a post signed by a channel); MAX's group "
    "chats stop at the same door (bot.middlewares.PrivateChatsOnly reads the chat's type from either)"
)

CLASS_CHAT, CHANNEL = -100_500_001, -100_500_002
LINE = "Бот работает только в личных сообщениях: напишите ему — @sandbox_123456_bot."


def group_texts(emulator, chat_id: int = CLASS_CHAT) -> list[str]:
    return [m["text"] for m in emulator.messages(TOKEN, chat_id)]


async def test_commands_in_a_class_chat_get_one_line_and_nothing_of_the_child(bot_world, linked, emulator, clock):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    emulator.add_group(TOKEN, CLASS_CHAT)

    emulator.user_posts_in_group(TOKEN, CLASS_CHAT, mother.id, "/marks")
    assert (await emulator.wait_for_bot_message(TOKEN, CLASS_CHAT))["text"] == LINE
    emulator.user_posts_in_group(TOKEN, CLASS_CHAT, math.id, "/today@sandbox_123456_bot")
    emulator.user_posts_in_group(TOKEN, CLASS_CHAT, mother.id, "Марина, что задали?")
    emulator.user_posts_in_group(
        TOKEN, CLASS_CHAT, None, "/diary", sender_chat={"id": CHANNEL, "type": "channel", "title": "Новости школы"}
    )
    answer = await mother.tap_raw(DiaryCB(student=school.students["alekseev"], day="today").pack(), chat_id=CLASS_CHAT)
    assert answer["text"] == LINE  # seen by the one who tapped only

    await mother.send("/marks")  # the private chat works as before, and by now the group is done with
    assert "Математика" in mother.last_text()
    assert group_texts(emulator) == [LINE]  # once an hour: no second line, no marks, no lessons
    assert [(c["chat_id"], c["text"]) for c in emulator.calls(TOKEN) if str(CLASS_CHAT) in str(c)] == [
        (str(CLASS_CHAT), LINE)
    ]  # the only call about the group: no menu, no commands set for it


async def test_a_post_signed_by_a_channel_has_no_from_and_is_not_an_error(bot_world, emulator, caplog):
    """It crashed in the fallback (on_text() got no user and no state): now it stops at the door."""
    emulator.add_group(TOKEN, CLASS_CHAT)
    emulator.user_posts_in_group(
        TOKEN, CLASS_CHAT, None, "/start", sender_chat={"id": CHANNEL, "type": "channel", "title": "Новости школы"}
    )
    assert (await emulator.wait_for_bot_message(TOKEN, CLASS_CHAT))["text"] == LINE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_bot_added_to_a_group_says_the_line_once_and_other_updates_are_dropped(
    school_db, emulator, clock, file_store
):
    """Kinds of update the bot does not ask for (an edit, a channel's post) still stop at the door if they come."""
    _school, sessions = school_db
    emulator.add_group(TOKEN, CLASS_CHAT)
    emulator.add_group(TOKEN, CHANNEL, kind="channel")
    bot = Bot(TOKEN, session=AiohttpSession(api=emulator.api_server()))
    dp = create_dispatcher(sessions, clock, files=file_store)
    assert "my_chat_member" in dp.resolve_used_update_types()
    parent = {"id": 700_600_001, "is_bot": False, "first_name": "Мама", "language_code": "en"}
    me = {"id": 123456, "is_bot": True, "first_name": "Sandbox Bot", "username": "sandbox_123456_bot"}
    chat = {"id": CLASS_CHAT, "type": "supergroup", "title": "5А"}
    channel = {"id": CHANNEL, "type": "channel", "title": "Новости"}
    command = {"text": "/marks", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    updates = [
        {
            "my_chat_member": {
                "chat": chat,
                "from": parent,
                "date": int(time.time()),
                "old_chat_member": {"user": me, "status": "left"},
                "new_chat_member": {"user": me, "status": "member"},
            }
        },
        {"edited_message": {"message_id": 7, "date": 0, "edit_date": 1, "chat": chat, "from": parent, **command}},
        {"message": {"message_id": 8, "date": 0, "chat": chat, "from": parent, **command}},
        {"channel_post": {"message_id": 9, "date": 0, "chat": channel, "sender_chat": channel, **command}},
        {
            "edited_channel_post": {
                "message_id": 9,
                "date": 0,
                "edit_date": 1,
                "chat": channel,
                "sender_chat": channel,
                **command,
            }
        },
    ]
    try:
        for number, update in enumerate(updates, 1):
            await dp.feed_raw_update(bot, {"update_id": number, **update})
    finally:
        await bot.session.close()
    assert group_texts(emulator) == ["The bot works in private chats only: write to it at @sandbox_123456_bot."]
    assert group_texts(emulator, CHANNEL) == [LINE]
