"""/diary: a child's day (DIA-1) in one message that the buttons edit in place: the day before and after,
a week back and ahead, today, and a date picker. The child comes in every button; the service re-checks it
(ACC-1, ACC-2), so a forged one is refused before anything is shown."""
from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DiaryCB, DiaryMonthCB, NoopCB
from bot.formatting import split_text
from bot.menus import menu_filter
from services.accounts import CurrentUser
from services.container import Services
from services.errors import InvalidInput

from .render_diary import TODAY, day_keyboard, day_text, picker_keyboard

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # what a button may ask for
SCREENS = "screens"  # FSM data: the message ids of each screen of several messages, by its last one's id
KEEP_SCREENS = 10


async def cmd_diary(message: Message, user: CurrentUser, services: Services, state: FSMContext, bot: Bot):
    today = await services.diary.today(user.actor, user.student_id)
    await show_day(bot, message.chat.id, user, services, state, user.student_id, today, today)


async def on_day(query: CallbackQuery, callback_data: DiaryCB, user: CurrentUser, services: Services,
                 state: FSMContext, bot: Bot):
    today = await services.diary.today(user.actor, callback_data.student)  # refuses another family's child
    day = today if callback_data.day == TODAY else parse_day(callback_data.day)
    await show_day(bot, chat_of(query), user, services, state, callback_data.student, day, today, tapped(query))


async def on_month(query: CallbackQuery, callback_data: DiaryMonthCB, user: CurrentUser, services: Services,
                   bot: Bot, callback_answer: CallbackAnswer):
    """The picker takes the place of the day's buttons; the day stays in view until one is picked."""
    await services.diary.student(user.actor, callback_data.student)  # refuses another family's child
    month, shown = parse_month(callback_data.month), parse_day(callback_data.day)
    keyboard = picker_keyboard(callback_data.student, month, shown, user.locale)
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


async def show_day(bot: Bot, chat_id: int, user: CurrentUser, services: Services, state: FSMContext,
                   student_id: int, day: date, today: date, message: Message | None = None) -> None:
    card = await services.diary.student(user.actor, student_id)
    diary_day = await services.diary.day(user.actor, student_id, day)
    await show_screen(bot, chat_id, split_text(day_text(card, diary_day, today, user.locale)),
                      day_keyboard(student_id, day, today, user.locale), state, message)


# ---- shared by the family's screens that move in place (the timetable too) --------------------------

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


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_diary, menu_filter("diary"))
    router.callback_query.register(on_day, DiaryCB.filter())
    router.callback_query.register(on_month, DiaryMonthCB.filter())
    router.callback_query.register(on_noop, NoopCB.filter())
    return router
