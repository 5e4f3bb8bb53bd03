"""/diary: a child's day (DIA-1) in one message that the buttons edit in place: the day before and after,
a week back and ahead, today, and a date picker (ui/date_picker.py, shared with /today). The child comes in
every button; the service re-checks it (ACC-1, ACC-2), so a forged one is refused before anything is shown."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from services.container import Services
from ui.callbacks import DiaryCB, DiaryMonthCB
from ui.diary import TODAY, day_keyboard, day_text, picker_keyboard
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen, parse_day, parse_month


async def cmd_diary(_message: Message, services: Services, screen: Screen):
    await show_day(screen, services, screen.user.student_id, None)


async def on_day(_query: CallbackQuery, callback_data: DiaryCB, services: Services, screen: Screen):
    day = None if callback_data.day == TODAY else parse_day(callback_data.day)
    await show_day(screen, services, callback_data.student, day)


async def on_month(_query: CallbackQuery, callback_data: DiaryMonthCB, services: Services, screen: Screen):
    await services.diary.student(screen.user.actor, callback_data.student)  # refuses another family's child
    month, shown = parse_month(callback_data.month), parse_day(callback_data.day)
    await screen.pick(picker_keyboard(callback_data.student, month, shown, screen.locale))


async def show_day(screen: Screen, services: Services, student_id: int | None, day: date | None) -> None:
    """The day (the school's today without one), in place of the tapped message; one service call, one check."""
    view = await services.diary.day_screen(screen.user.actor, student_id, day)
    await screen.show(split_text(day_text(view, screen.locale)), day_keyboard(view, screen.locale))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_diary, menu_filter("diary"))
    router.callback_query.register(on_day, DiaryCB.filter())
    router.callback_query.register(on_month, DiaryMonthCB.filter())
    return router
