"""Per update: private chats only, then one database session with the services, the current user, and their
language."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels import account_ref
from bot.update_session import UPDATE_SESSION
from services.clock import Clock
from services.container import Services
from services.db import freshness_of
from services.files import FileStore
from ui.i18n import DEFAULT_LOCALE, DOMAIN, LOCALES, compile_catalogues, gettext
from ui.menus import is_menu_choice
from ui.screens import Screen

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
log = logging.getLogger(__name__)

# A group hears "write to me privately" at most this often (seconds): once for a burst of tries.
TELL_GROUP_EVERY = 3600.0
JOINED = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR}


class PrivateChatsOnly(BaseMiddleware):
    """Nothing of a child is ever posted in a group: the bot answers people in their private chats only, and
    an update from a group or a channel, or with no person behind it (a post on behalf of a channel), goes no
    further, before anything is read from the database.

    Where it works is said in one line: to a command addressed to the bot there, or on being added there, at
    most once an hour per chat, so a class's chat is not answered on every try; a tap on a button there gets
    it as the tap's answer, which only the person who tapped sees."""

    def __init__(self, every: float = TELL_GROUP_EVERY, monotonic: Callable[[], float] = time.monotonic):
        self.every = every
        self.monotonic = monotonic
        self.told: dict[int, float] = {}  # chat id -> when

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        if chat is not None and chat.type == ChatType.PRIVATE and user is not None:
            return await handler(event, data)
        # A tap under a message deleted since (MAX says no more of it): whatever follows goes to the person's own
        # chat with the bot (screens.chat_of), nowhere else.
        if chat is None and user is not None and isinstance(event, Update) and event.callback_query is not None:
            return await handler(event, data)
        if not isinstance(event, Update):
            return None
        bot: Bot = data["bot"]
        locale = user.language_code if user is not None and user.language_code in LOCALES else DEFAULT_LOCALE
        try:
            if event.callback_query is not None:
                await event.callback_query.answer(await self._line(bot, locale), show_alert=True)
            elif chat is not None and (self._joined(event) or await self._addressed(event, bot)) and self._due(chat.id):
                await bot.send_message(chat.id, await self._line(bot, locale))
        except TelegramAPIError as err:  # not allowed to write there, a tap too old: nothing else to do
            log.info(
                "chat %s: could not say that the bot works in private chats (%s)", chat and chat.id, type(err).__name__
            )
        return None

    @staticmethod
    async def _line(bot: Bot, locale: str) -> str:
        me = await bot.me()  # asked once, then kept by aiogram
        return gettext("The bot works in private chats only: write to it at @{username}.", locale).format(
            username=me.username
        )

    @staticmethod
    def _joined(event: Update) -> bool:
        member = event.my_chat_member
        return (
            member is not None
            and member.new_chat_member.status in JOINED
            and member.old_chat_member.status not in JOINED
        )

    @staticmethod
    async def _addressed(event: Update, bot: Bot) -> bool:
        """A command for this bot: «/marks», or «/marks@this_bot» (not another bot's)."""
        message: Message | None = (
            event.message or event.edited_message or event.channel_post or event.edited_channel_post
        )
        text = (message.text or message.caption or "") if message is not None else ""
        if not text.startswith("/"):
            return False
        _command, _, mention = text.split(maxsplit=1)[0].partition("@")
        return not mention or mention.lower() == ((await bot.me()).username or "").lower()

    def _due(self, chat_id: int) -> bool:
        now = self.monotonic()
        if now - self.told.get(chat_id, -self.every) < self.every:
            return False
        if len(self.told) >= 10_000:  # forget the chats told long ago
            self.told = {k: t for k, t in self.told.items() if now - t < self.every}
        self.told[chat_id] = now
        return True


class ServicesMiddleware(BaseMiddleware):
    """Opens one session per update and hands the handlers `services` built on it; first, what other processes
    changed that this one keeps (services/freshness.py: one Redis round trip where Redis is configured)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock, store: FileStore):
        self.session_factory = session_factory
        self.clock = clock
        self.store = store
        self.freshness = freshness_of(session_factory)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        await self.freshness.refresh()  # before the session's transaction begins, so its snapshot is not older
        async with self.session_factory() as session:
            data["services"] = Services(session, self.clock, self.store)
            token = UPDATE_SESSION.set(session)
            try:
                return await handler(event, data)
            finally:
                UPDATE_SESSION.reset(token)


class UserMiddleware(BaseMiddleware):
    """Loads who is writing: linked persons with their roles, the current child, the language; the account with
    its messenger (bot/channels.py), for the services that create one."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user = data.get("event_from_user")
        if tg_user is not None:
            services: Services = data["services"]
            default = tg_user.language_code if tg_user.language_code in LOCALES else DEFAULT_LOCALE
            account = account_ref(data.get("bot"), tg_user.id)
            data["user"] = await services.accounts.current_user(account, default_locale=default)
        return await handler(event, data)


class CommandsEndPrompts(BaseMiddleware):
    """A command or a menu button ends the text the bot was waiting for (a reason, a topic, a comment, typed
    marks): what the user types after looking elsewhere is never taken for it. Nothing of that step was written
    yet, and the user is told so in one line. /cancel is the flows' own."""

    async def __call__(self, handler: Handler, event: Message, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        user = data.get("user")
        if (
            state is not None
            and user is not None
            and event.text
            and not event.text.startswith("/cancel")
            and is_menu_choice(event.text, user.locale)
            and await state.get_state() is not None
        ):
            await state.clear()
            await event.answer(gettext("The step you were on is cancelled; nothing of it was saved.", user.locale))
        return await handler(event, data)


class ScreenMiddleware(BaseMiddleware):
    """Hands the handlers of messages and taps `screen`: where and to whom they answer (ui.screens.Screen), with the
    chat's draft lock from the dispatcher's `draft_locks` (bot.draft_locks)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user, state = data.get("user"), data.get("state")
        if user is not None and state is not None and isinstance(event, (Message, CallbackQuery)):
            bot: Bot = data["bot"]
            screen = Screen.of(event, bot, user, state, data.get("callback_answer"))
            screen.locks = data["draft_locks"](bot.id)
            data["screen"] = screen
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
