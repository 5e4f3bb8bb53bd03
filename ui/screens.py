"""Screens that move in place: a text of one or several messages whose buttons edit it, and the values a
button carries (a date) read back safely. Shared by the family's diary and timetable and the staff's journal.

`Screen` is how a handler answers: every handler of a message or a tap gets one as `screen`
(bot.middlewares.ScreenMiddleware), with the bot, the chat, the person, the FSM state and the tapped message,
instead of a train of parameters; refusals inside a prompt go through `Screen.reprompt`, an unknown or stale
button through `Screen.out_of_date`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from weakref import WeakValueDictionary

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from services.accounts import CurrentUser
from services.errors import DomainError, InvalidInput
from ui.errors_text import error_text
from ui.i18n import N_

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # what a button may ask for
SCREENS = "screens"  # FSM data: the message ids of each screen of several messages, by its last one's id
KEEP_SCREENS = 10

# Updates run concurrently: quick taps, an album's photos, a double tap on «Send». One lock per chat keeps a
# draft's read-modify-write in the FSM data whole. With the drafts in Redis and several processes, the composition
# root hands the Screen locks kept there (bot.draft_locks); else they are this process's.
ChatLocks = Callable[[int], AbstractAsyncContextManager[object]]  # chat id -> its lock, to hold with `async with`


class LocksInMemory:
    """An asyncio.Lock per chat, in a process's memory; a lock goes away when nobody holds it."""

    def __init__(self) -> None:
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    def __call__(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock


chat_lock = LocksInMemory()  # this process's
# show_screen's own, apart from chat_lock, which handlers hold around their drafts when they show a screen.
_showing = LocksInMemory()


async def show_screen(
    bot: Bot,
    chat_id: int,
    parts: list[str],
    keyboard: InlineKeyboardMarkup,
    state: FSMContext,
    tapped_message: Message | None = None,
) -> None:
    """A screen: the parts of a text as messages, the keyboard under the last.

    Without `tapped_message` the screen is sent. With it (the message whose button was tapped), the screen
    that message ends is edited in place: its messages take the new parts, an extra part is sent after
    them, and messages left over are deleted. Which messages make a screen of several is kept in the FSM
    data; without it (the data cleared), the tapped message alone is the screen. A chat's screens are shown one at
    a time: a tap on the last message of a screen of several waits until that screen's messages are all kept."""
    async with _showing(chat_id):
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
        for message_id in old[len(parts) :]:
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


async def show_picker(
    bot: Bot, query: CallbackQuery, keyboard: InlineKeyboardMarkup, callback_answer: CallbackAnswer
) -> None:
    """A date picker takes the place of a day's buttons; the day stays in view until one is picked."""
    await _show_picker(bot, chat_of(query), tapped(query), keyboard, callback_answer)


async def _show_picker(
    bot: Bot,
    chat_id: int,
    message: Message | None,
    keyboard: InlineKeyboardMarkup,
    callback_answer: CallbackAnswer | None,
) -> None:
    if message is None:
        await bot.send_message(chat_id, _("Pick a day:"), reply_markup=keyboard)
        return
    try:
        await message.edit_reply_markup(reply_markup=keyboard)
    except TelegramBadRequest as err:
        if "not modified" not in err.message:  # not modified: a double tap, the picker is there already
            raise
    if callback_answer is not None:
        callback_answer.text = _("Pick a day.")


async def on_noop(_query: CallbackQuery):
    """A calendar's title, weekday names and empty cells: answered (by the middleware), nothing else."""


def parse_day(value: str) -> date:
    """A date from a button; a forged or broken one is refused, not a crash."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar day: no time, no zone
    except ValueError:
        raise InvalidInput("diary.bad_date") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput("diary.bad_date")
    return day


def parse_month(value: str) -> date:
    return parse_day(f"{value}-01")


OUT_OF_DATE = N_("This button is out of date. Send /help for the menu.")
TRY_AGAIN = N_("Try again, or tap «Cancel».")


@dataclass
class Screen:
    """Where and to whom a handler answers: the bot, the chat, the person (with their language), the FSM state,
    and for a tap the message whose button it was and the tap's answer."""

    bot: Bot
    chat_id: int
    user: CurrentUser
    state: FSMContext
    tapped: Message | None = None  # the message of the tapped button, while the bot can still edit it
    callback_answer: CallbackAnswer | None = None  # None for a message
    locks: ChatLocks = chat_lock

    @classmethod
    def of(
        cls,
        event: Message | CallbackQuery,
        bot: Bot,
        user: CurrentUser,
        state: FSMContext,
        callback_answer: CallbackAnswer | None = None,
    ) -> Screen:
        if isinstance(event, CallbackQuery):
            return cls(bot, chat_of(event), user, state, tapped(event), callback_answer)
        return cls(bot, event.chat.id, user, state)

    @property
    def locale(self) -> str:
        return self.user.locale

    def lock(self) -> AbstractAsyncContextManager[object]:
        """Held around a read-modify-write of the FSM data (a draft), as taps run concurrently."""
        return self.locks(self.chat_id)

    async def show(self, parts: str | list[str], keyboard: InlineKeyboardMarkup) -> None:
        """The screen in place of the tapped message (show_screen), or sent when there is none."""
        await show_screen(
            self.bot, self.chat_id, [parts] if isinstance(parts, str) else parts, keyboard, self.state, self.tapped
        )

    async def pick(self, keyboard: InlineKeyboardMarkup) -> None:
        """A date picker in place of the tapped message's buttons (show_picker)."""
        await _show_picker(self.bot, self.chat_id, self.tapped, keyboard, self.callback_answer)

    async def send(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=keyboard)

    def toast(self, text: str, *, alert: bool = False) -> None:
        """The tap's answer: a line on top of the chat, or a box to close with `alert`. Nothing for a message."""
        if self.callback_answer is not None:
            self.callback_answer.text = text
            self.callback_answer.show_alert = alert

    def out_of_date(self) -> None:
        """A button the bot did not make, or made for a step that is over: said in one way everywhere."""
        self.toast(_(OUT_OF_DATE))

    def refusal(self, error: DomainError) -> str:
        """The service's reason for a refusal, in the reader's language."""
        return error_text(error.code, error.params, self.locale)

    async def reprompt(
        self, refusal: DomainError | str, keyboard: InlineKeyboardMarkup | None = None, *, try_again: bool = True
    ) -> None:
        """A refusal inside a prompt: the reason, then (with `try_again`) that the prompt still waits; the state
        is left as it is, so the next message is taken for the same step."""
        text = self.refusal(refusal) if isinstance(refusal, DomainError) else refusal
        if try_again:
            text += "\n" + _(TRY_AGAIN)
        await self.send(text, keyboard)


def tapped(query: CallbackQuery) -> Message | None:
    """The message of the button, if the bot can still edit it."""
    return query.message if isinstance(query.message, Message) else None


def chat_of(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message is not None else query.from_user.id
