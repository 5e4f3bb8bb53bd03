"""Screens that move in place: a text of one or several messages whose buttons edit it, and the values a
button carries (a date) read back safely. Shared by the family's diary and timetable and the staff's journal."""
from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import date, datetime
from weakref import WeakValueDictionary

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from services.errors import InvalidInput

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # what a button may ask for
SCREENS = "screens"  # FSM data: the message ids of each screen of several messages, by its last one's id
KEEP_SCREENS = 10

# Updates run concurrently: quick taps, an album's photos, a double tap on «Send». One lock per chat keeps a
# draft's read-modify-write in the FSM data whole (the locks go away when nobody holds them).
_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()


def chat_lock(chat_id: int) -> asyncio.Lock:
    lock = _locks.get(chat_id)
    if lock is None:
        lock = _locks[chat_id] = asyncio.Lock()
    return lock


async def show_screen(bot: Bot, chat_id: int, parts: list[str], keyboard: InlineKeyboardMarkup,
                      state: FSMContext, tapped_message: Message | None = None) -> None:
    """A screen: the parts of a text as messages, the keyboard under the last.

    Without `tapped_message` the screen is sent. With it (the message whose button was tapped), the screen
    that message ends is edited in place: its messages take the new parts, an extra part is sent after
    them, and messages left over are deleted. Which messages make a screen of several is kept in the FSM
    data; without it (the data cleared), the tapped message alone is the screen."""
    data = await state.get_data()
    screens: dict[str, list[int]] = dict(data.get(SCREENS, {}))
    old = screens.pop(str(tapped_message.message_id), [tapped_message.message_id]) if tapped_message else []
    ids = []
    for i, text in enumerate(parts):
        markup = keyboard if i == len(parts) - 1 else None
        if i < len(old):
            ids.append(await _edit(bot, chat_id, old[i], text, markup))
        else:
            ids.append((await bot.send_message(chat_id, text, reply_markup=markup)).message_id)
    for message_id in old[len(parts):]:
        with suppress(TelegramBadRequest):  # too old to delete: it stays, without buttons
            await bot.delete_message(chat_id, message_id)
    if len(ids) > 1:
        screens[str(ids[-1])] = ids
    if screens != data.get(SCREENS, {}):
        await state.update_data({SCREENS: dict(list(screens.items())[-KEEP_SCREENS:])})


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int:
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except TelegramBadRequest as err:
        if "not modified" in err.message:  # a double tap, or today again: the screen is right already
            return message_id
        if "not found" not in err.message and "can't be edited" not in err.message:
            raise
        return (await bot.send_message(chat_id, text, reply_markup=markup)).message_id  # deleted meanwhile
    return message_id


async def show_picker(bot: Bot, query: CallbackQuery, keyboard: InlineKeyboardMarkup,
                      callback_answer: CallbackAnswer) -> None:
    """A date picker takes the place of a day's buttons; the day stays in view until one is picked."""
    message = tapped(query)
    if message is None:
        await bot.send_message(chat_of(query), _("Pick a day:"), reply_markup=keyboard)
        return
    try:
        await message.edit_reply_markup(reply_markup=keyboard)
    except TelegramBadRequest as err:
        if "not modified" not in err.message:  # not modified: a double tap, the picker is there already
            raise
    callback_answer.text = _("Pick a day.")


async def on_noop(_query: CallbackQuery):
    """A calendar's title, weekday names and empty cells: answered (by the middleware), nothing else."""


def parse_day(value: str) -> date:
    """A date from a button; a forged or broken one is refused, not a crash."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("diary.bad_date") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput("diary.bad_date")
    return day


def parse_month(value: str) -> date:
    return parse_day(f"{value}-01")


def tapped(query: CallbackQuery) -> Message | None:
    """The message of the button, if the bot can still edit it."""
    return query.message if isinstance(query.message, Message) else None


def chat_of(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message is not None else query.from_user.id
