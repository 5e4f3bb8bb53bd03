"""Callback data of the inline buttons (aiogram's factories): short prefixes, typed fields."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ConsentCB(CallbackData, prefix="consent"):
    accept: bool


class LanguageCB(CallbackData, prefix="lang"):
    locale: str


class ProfileCB(CallbackData, prefix="profile"):
    person: int
    student: int | None = None  # None: the person's staff work
