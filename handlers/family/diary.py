"""/diary: a child's day (DIA-1) in one message that the buttons edit in place: the day before and after,
a week back and ahead, today, and a date picker (ui/date_picker.py, shared with /today). The child comes in
every button; the service re-checks it (ACC-1, ACC-2), so a forged one is refused before anything is shown."""
from __future__ import annotations

from datetime import date

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from ui.callbacks import DiaryCB, DiaryMonthCB
from ui.formatting import split_text
from ui.menus import menu_filter
from services.accounts import CurrentUser
from ui.screens import chat_of, parse_day, parse_month, show_picker, show_screen, tapped
from services.container import Services

from ui.diary import TODAY, day_keyboard, day_text, picker_keyboard


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
    await services.diary.student(user.actor, callback_data.student)  # refuses another family's child
    month, shown = parse_month(callback_data.month), parse_day(callback_data.day)
    await show_picker(bot, query, picker_keyboard(callback_data.student, month, shown, user.locale), callback_answer)


async def show_day(bot: Bot, chat_id: int, user: CurrentUser, services: Services, state: FSMContext,
                   student_id: int, day: date, today: date, message: Message | None = None) -> None:
    card = await services.diary.student(user.actor, student_id)
    diary_day = await services.diary.day(user.actor, student_id, day)
    await show_screen(bot, chat_id, split_text(day_text(card, diary_day, today, user.locale)),
                      day_keyboard(student_id, day, today, user.locale), state, message)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_diary, menu_filter("diary"))
    router.callback_query.register(on_day, DiaryCB.filter())
    router.callback_query.register(on_month, DiaryMonthCB.filter())
    return router
