"""A month to pick a day from: shared by the diary (/diary) and the teacher's lessons (/today), each with its
own buttons' data."""

from __future__ import annotations

from calendar import Calendar
from collections.abc import Callable
from datetime import date, timedelta

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date, get_day_names

from ui.callbacks import NoopCB

TODAY = "today"  # in a day's callback data: the school's today when the button is tapped


def picker_keyboard(
    month: date, shown: date, locale: str, *, day: Callable[[str], CallbackData], turn: Callable[[date], CallbackData]
) -> InlineKeyboardMarkup:
    """A month to pick a day from, then back to the day shown, or today. `day(ISO date or TODAY)` opens a day,
    `turn(first of a month)` shows another month."""
    keyboard = month_keyboard(month, locale, pick=lambda d: day(d.isoformat()), turn=turn, marked=shown)
    keyboard.row(
        InlineKeyboardButton(text=_("↩ Back"), callback_data=day(shown.isoformat()).pack()),
        InlineKeyboardButton(text=_("Today"), callback_data=day(TODAY).pack()),
    )
    return keyboard.as_markup()


def month_keyboard(
    month: date,
    locale: str,
    *,
    pick: Callable[[date], CallbackData],
    turn: Callable[[date], CallbackData],
    marked: date | None = None,
) -> InlineKeyboardBuilder:
    """A compact month calendar: «◀ Ноябрь 2026 ▶», the weekday names, then the days, Monday first as
    in the school week; `pick(day)` and `turn(first of a month)` make the buttons' data."""
    first = month.replace(day=1)
    before = (first - timedelta(days=1)).replace(day=1)
    after = (first + timedelta(days=31)).replace(day=1)
    title = format_date(first, "LLLL y", locale=locale)
    noop = NoopCB().pack()
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        InlineKeyboardButton(text="◀", callback_data=turn(before).pack()),
        InlineKeyboardButton(text=title[:1].upper() + title[1:], callback_data=noop),
        InlineKeyboardButton(text="▶", callback_data=turn(after).pack()),
    )
    names = get_day_names("short", locale=locale)
    keyboard.row(*(InlineKeyboardButton(text=names[i], callback_data=noop) for i in range(7)))
    for week in Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        keyboard.row(
            *(
                InlineKeyboardButton(text=f"[{d.day}]" if d == marked else str(d.day), callback_data=pick(d).pack())
                if d.month == first.month
                else InlineKeyboardButton(text=" ", callback_data=noop)
                for d in week
            )
        )
    return keyboard
