"""The keyboard of a prompt's step: its buttons, then the one that leaves the step («Отмена», «◀ Урок»)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder


def step_keyboard(
    *buttons: tuple[str, CallbackData], leave: tuple[str, CallbackData], one_row: bool
) -> InlineKeyboardMarkup:
    """`buttons` and `leave` in one row (`one_row`), or one a row."""
    builder = InlineKeyboardBuilder()
    for text, data in (*buttons, leave):
        builder.button(text=text, callback_data=data)
    builder.adjust(len(buttons) + 1 if one_row else 1)
    return builder.as_markup()
