"""/schedule: a child's week, Monday to Saturday, with bell times, subjects and rooms (DIA-1), the
previous and next week edited in place. A week too long for one message comes as several, never cut off."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from services.container import Services
from ui.callbacks import ScheduleCB
from ui.diary import TODAY, week_keyboard, week_text
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen, parse_day


async def cmd_schedule(_message: Message, services: Services, screen: Screen):
    await show_week(screen, services, screen.user.student_id, None)


async def on_week(_query: CallbackQuery, callback_data: ScheduleCB, services: Services, screen: Screen):
    day = None if callback_data.day == TODAY else parse_day(callback_data.day)
    await show_week(screen, services, callback_data.student, day)


async def show_week(screen: Screen, services: Services, student_id: int | None, day: date | None) -> None:
    """The week that holds `day` (without one, the week the timetable opens on); one service call, one check."""
    view = await services.diary.week_screen(screen.user.actor, student_id, day)
    await screen.show(split_text(week_text(view, screen.locale)), week_keyboard(view))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_schedule, menu_filter("schedule"))
    router.callback_query.register(on_week, ScheduleCB.filter())
    return router
