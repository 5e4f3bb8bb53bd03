"""/schedule: a child's week, Monday to Saturday, with bell times, subjects and rooms (DIA-1), the
previous and next week edited in place. A week too long for one message comes as several, never cut off."""
from __future__ import annotations

from datetime import date

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from ui.callbacks import ScheduleCB
from ui.formatting import split_text
from ui.menus import menu_filter
from services.accounts import CurrentUser
from services.container import Services

from ui.screens import chat_of, parse_day, show_screen, tapped
from ui.diary import TODAY, shown_week, week_keyboard, week_text


async def cmd_schedule(message: Message, user: CurrentUser, services: Services, state: FSMContext, bot: Bot):
    today = await services.diary.today(user.actor, user.student_id)
    await show_week(bot, message.chat.id, user, services, state, user.student_id, shown_week(today), today)


async def on_week(query: CallbackQuery, callback_data: ScheduleCB, user: CurrentUser, services: Services,
                  state: FSMContext, bot: Bot):
    today = await services.diary.today(user.actor, callback_data.student)  # refuses another family's child
    day = shown_week(today) if callback_data.day == TODAY else parse_day(callback_data.day)
    await show_week(bot, chat_of(query), user, services, state, callback_data.student, day, today, tapped(query))


async def show_week(bot: Bot, chat_id: int, user: CurrentUser, services: Services, state: FSMContext,
                    student_id: int, day: date, today: date, message: Message | None = None) -> None:
    card = await services.diary.student(user.actor, student_id)
    days = await services.diary.week(user.actor, student_id, day)
    await show_screen(bot, chat_id, split_text(week_text(card, days, today, user.locale)),
                      week_keyboard(student_id, days[0].date, shown_week(today)), state, message)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_schedule, menu_filter("schedule"))
    router.callback_query.register(on_week, ScheduleCB.filter())
    return router
