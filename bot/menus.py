"""Each role's command list in Telegram's menu, in the user's language, set for their chat only."""
from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.i18n import N_, gettext
from services.accounts import CurrentUser


# Only commands whose flows exist are listed; each role's flows add theirs here.
EVERYONE = (("help", N_("What the bot can do")), ("language", N_("Language")), ("logout", N_("Log out")))


async def set_commands(bot: Bot, chat_id: int, user: CurrentUser) -> None:
    commands = [BotCommand(command=name, description=gettext(text, user.locale)) for name, text in EVERYONE]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
