"""Several schools' own bots in one process (SCHOOL_BOTS): each bot serves its own school only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject

from bot.middlewares import Handler


class SchoolScope(BaseMiddleware):
    """After UserMiddleware: the user as their bot's school sees them (CurrentUser.within). A person linked in
    another school is, in this school's bot, as if not linked; codes of other schools are refused here."""

    def __init__(self, schools: Mapping[int, int]) -> None:
        self.schools = schools  # bot id → school id

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("user")
        if user is not None:
            data["user"] = user.within(self.schools[data["bot"].id])
        return await handler(event, data)


def serve_schools(dp: Dispatcher, bots: Mapping[int, Bot]) -> None:
    """`bots`: school id → its own bot, all run by `dp`."""
    dp.update.outer_middleware(SchoolScope({bot.id: school for school, bot in bots.items()}))
