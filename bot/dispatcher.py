"""create_dispatcher(): the one Dispatcher the program and the tests run."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels import channel_of
from bot.draft_locks import DraftLocks, draft_locks
from bot.drain import UpdatesInHand
from bot.metrics import UpdateMetrics
from bot.middlewares import (
    AnswerCallbacks,
    CommandsEndPrompts,
    PrivateChatsOnly,
    ScreenMiddleware,
    ServicesMiddleware,
    UserLocaleMiddleware,
    UserMiddleware,
    make_i18n,
)
from bot.throttle import ThrottleMiddleware
from handlers import get_routers
from handlers.common.errors import on_error
from services.clock import Clock
from services.files import FileStore
from services.models import Channel, utcnow
from ui.i18n import DEFAULT_LOCALE
from ui.invite_links import InviteLinks
from ui.menus import every_command

# A person taps a few times a second at most; a script or a stuck key sends dozens.
FLOOD_LIMIT = 20
# A draft left alone this long is forgotten: it may hold a child's absence or a parent's comment.
DRAFTS_KEPT = timedelta(days=7)


def fsm_storage(redis_url: str | None) -> BaseStorage:
    """Where conversations in progress live: this process's memory, or Redis (Settings.redis_url)."""
    if redis_url is None:
        return MemoryStorage()
    from aiogram.fsm.storage.redis import RedisStorage  # here: without REDIS_URL the bot never loads redis

    return RedisStorage.from_url(
        redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True), state_ttl=DRAFTS_KEPT, data_ttl=DRAFTS_KEPT
    )


def create_dispatcher(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock = utcnow,
    storage: BaseStorage | None = None,
    *,
    files: FileStore,
    locks: DraftLocks | None = None,
    invite_links: InviteLinks | None = None,
) -> Dispatcher:
    """`files`: where the bytes of documents and homework files are kept (Settings.files_folder()); `locks`: the
    per-chat draft locks, by default where the drafts are (bot.draft_locks); `invite_links`: the bots a code's links
    lead to (by default the bot the class teacher writes to)."""
    storage = storage or MemoryStorage()
    dp = Dispatcher(
        storage=storage,
        session_factory=session_factory,
        draft_locks=locks or draft_locks(storage),
        invite_links=invite_links,
    )
    UpdatesInHand().setup(dp)
    dp.update.outer_middleware(UpdateMetrics())  # every update counted and timed, whatever becomes of it
    dp.update.outer_middleware(PrivateChatsOnly())  # before anything is read: nothing of a child in a group
    dp.update.outer_middleware(ThrottleMiddleware(session_factory, FLOOD_LIMIT))
    dp.update.outer_middleware(ServicesMiddleware(session_factory, clock, files))
    dp.update.outer_middleware(UserMiddleware())
    UserLocaleMiddleware(make_i18n()).setup(dp)
    dp.message.outer_middleware(CommandsEndPrompts())
    dp.callback_query.middleware(AnswerCallbacks())
    dp.message.middleware(ScreenMiddleware())
    dp.callback_query.middleware(ScreenMiddleware())  # after AnswerCallbacks: the screen holds the tap's answer
    dp.include_routers(*get_routers())
    dp.errors.register(on_error)
    dp.startup.register(commands_in_max)
    return dp


async def commands_in_max(bots: list[Bot]) -> None:
    """MAX keeps one command list per bot, not one per chat and language (ui/menus.show_menu sets those in
    Telegram): a MAX bot lists every command, in the default language; a command of another profile is answered as
    any unknown text is."""
    for bot in bots:
        if channel_of(bot) is Channel.MAX:
            await bot.set_my_commands(every_command(DEFAULT_LOCALE))
