"""Role filters for the role routers: a flow is reachable only from the profile it belongs to.

They route; they do not guard. Every service call re-checks the actor's rights (conventions).
"""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import Message, TelegramObject

from services.accounts import CurrentUser
from services.models import Role
from ui.i18n import gettext
from ui.menus import ENTRIES


class RoleFilter(BaseFilter):
    def __init__(self, *roles: Role):
        self.roles = frozenset(roles)

    async def __call__(self, _event: TelegramObject, user: CurrentUser | None = None) -> bool:
        return user is not None and bool(user.roles & self.roles)


async def not_for_others(message: Message, user: CurrentUser) -> bool:
    """Commands and menu buttons typed mid-form go to their own flows, never into the draft as dates or a comment.
    A coroutine: aiogram runs a plain function filter in a worker thread."""
    text = message.text or ""
    return not text.startswith("/") and text not in {gettext(e.button, user.locale) for e in ENTRIES if e.button}
