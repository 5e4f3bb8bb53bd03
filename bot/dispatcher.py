"""create_dispatcher(): the one Dispatcher the program and the tests run."""
from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.drain import UpdatesInHand
from bot.middlewares import AnswerCallbacks, ServicesMiddleware, UserLocaleMiddleware, UserMiddleware, make_i18n
from bot.throttle import ThrottleMiddleware
from handlers import get_routers
from handlers.common.errors import on_error
from services.clock import Clock
from services.models import utcnow


# A person taps a few times a second at most; a script or a stuck key sends dozens.
FLOOD_LIMIT = 20


def create_dispatcher(session_factory: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> Dispatcher:
    dp = Dispatcher(storage=MemoryStorage(), session_factory=session_factory)
    UpdatesInHand().setup(dp)
    dp.update.outer_middleware(ThrottleMiddleware(session_factory, FLOOD_LIMIT))
    dp.update.outer_middleware(ServicesMiddleware(session_factory, clock))
    dp.update.outer_middleware(UserMiddleware())
    UserLocaleMiddleware(make_i18n()).setup(dp)
    dp.callback_query.middleware(AnswerCallbacks())
    dp.include_routers(*get_routers())
    dp.errors.register(on_error)
    return dp
