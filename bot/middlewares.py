"""Per update: one database session with the services, the current user, and their language."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n, I18nMiddleware, gettext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import DEFAULT_LOCALE, DOMAIN, LOCALES, compile_catalogues
from bot.menus import is_menu_choice
from services.clock import Clock
from services.container import Services
from services.files import FileStore

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ServicesMiddleware(BaseMiddleware):
    """Opens one session per update and hands the handlers `services` built on it."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock, store: FileStore):
        self.session_factory = session_factory
        self.clock = clock
        self.store = store

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            data["services"] = Services(session, self.clock, self.store)
            return await handler(event, data)


class UserMiddleware(BaseMiddleware):
    """Loads who is writing: linked persons with their roles, the current child, the language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user = data.get("event_from_user")
        if tg_user is not None:
            services: Services = data["services"]
            default = tg_user.language_code if tg_user.language_code in LOCALES else DEFAULT_LOCALE
            data["user"] = await services.accounts.current_user(tg_user.id, default_locale=default)
        return await handler(event, data)


class CommandsEndPrompts(BaseMiddleware):
    """A command or a menu button ends the text the bot was waiting for (a reason, a topic, a comment, typed
    marks): what the user types after looking elsewhere is never taken for it. Nothing of that step was written
    yet, and the user is told so in one line. /cancel is the flows' own."""

    async def __call__(self, handler: Handler, event: Message, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        user = data.get("user")
        if (state is not None and user is not None and event.text and not event.text.startswith("/cancel")
                and is_menu_choice(event.text, user.locale) and await state.get_state() is not None):
            await state.clear()
            await event.answer(gettext("The step you were on is cancelled; nothing of it was saved."))
        return await handler(event, data)


class UserLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        return user.locale if user is not None else DEFAULT_LOCALE


def make_i18n() -> I18n:
    """aiogram's I18n reads compiled .mo files: they are compiled from the .po files at start."""
    return I18n(path=compile_catalogues(), default_locale=DEFAULT_LOCALE, domain=DOMAIN)


class AnswerCallbacks(CallbackAnswerMiddleware):
    """Every tap is answered, so no button keeps spinning: a handler sets `callback_answer.text` (or
    nothing) and the answer goes after it. A failed handler's answer is the error handler's, with the
    reason, so it is not answered here (Telegram takes one answer per query)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        answer = data["callback_answer"] = self.construct_callback_answer(get_flag(data, "callback_answer"))
        result = await handler(event, data)
        if not answer.disabled and not answer.answered:
            await self.answer(event, answer)
        return result
