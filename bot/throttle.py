"""A per-user flood limit: past `limit` updates in a second, a user's updates are dropped until the second
is over, and they are told once. It runs before the database is touched, so a flood costs one dict lookup
per update, and nobody else waits for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import Handler
from services.accounts import AccountService
from ui.i18n import DEFAULT_LOCALE, LOCALES, gettext

WINDOW = 1.0  # seconds
FORGET_AFTER = 10_000  # users tracked before the idle ones are forgotten


@dataclass
class _Window:
    started: float
    count: int = 0
    warned: bool = False


class ThrottleMiddleware(BaseMiddleware):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        limit: int,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.session_factory = session_factory
        self.limit = limit
        self.monotonic = monotonic
        self.windows: dict[int, _Window] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self._allowed(user.id):
            return await handler(event, data)
        window = self.windows[user.id]
        if not window.warned:
            window.warned = True
            await self._warn(data["bot"], event, user)
        elif isinstance(event, Update) and event.callback_query is not None:
            await event.callback_query.answer()  # a dropped tap still stops its button spinning
        return None

    def _allowed(self, user_id: int) -> bool:
        now = self.monotonic()
        window = self.windows.get(user_id)
        if window is None or now - window.started >= WINDOW:
            if len(self.windows) >= FORGET_AFTER:
                self.windows = {k: w for k, w in self.windows.items() if now - w.started < WINDOW}
            window = self.windows[user_id] = _Window(now)
        window.count += 1
        return window.count <= self.limit

    async def _warn(self, bot: Bot, event: TelegramObject, user: User) -> None:
        async with self.session_factory() as session:
            fallback = user.language_code if user.language_code in LOCALES else DEFAULT_LOCALE
            locale = await AccountService(session).locale(user.id, fallback)
        text = gettext("Too many messages at once. Wait a second, and the bot will answer again.", locale)
        query: CallbackQuery | None = event.callback_query if isinstance(event, Update) else None
        if query is not None:
            await query.answer(text, show_alert=True)
        else:
            await bot.send_message(user.id, text)
