"""Role filters for the role routers: a flow is reachable only from the profile it belongs to.

They route; they do not guard. Every service call re-checks the actor's rights (conventions).
"""
from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject

from services.accounts import CurrentUser
from services.models import Role


class RoleFilter(BaseFilter):
    def __init__(self, *roles: Role):
        self.roles = frozenset(roles)

    async def __call__(self, _event: TelegramObject, user: CurrentUser | None = None) -> bool:
        return user is not None and bool(user.roles & self.roles)
