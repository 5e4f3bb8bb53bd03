"""The bot blocked (Telegram) or stopped (MAX) in a person's private chat: their pushes stop at once, not at the
next one that fails, until they write again. The bot added to a group is PrivateChatsOnly's to answer."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated

from services.accounts import CurrentUser
from services.container import Services


async def on_membership(event: ChatMemberUpdated, services: Services, user: CurrentUser) -> None:
    # One school's own bot (SCHOOL_BOTS) blocked leaves the others' pushes as they are: its own simply fail.
    private = event.chat.type == ChatType.PRIVATE
    if private and event.new_chat_member.status == ChatMemberStatus.KICKED and user.scope is None:
        await services.accounts.stopped(user.account_id)


def build_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership)
    return router
