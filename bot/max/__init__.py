"""The MAX messenger for the same Dispatcher and handlers: a MaxBot (aiogram's Bot) whose MaxSession turns
aiogram's methods into MAX's calls and MAX's updates into aiogram's (docs/max-design.md)."""

from bot.max.bot import MaxBot, bot_number, create_max_bot
from bot.max.refs import DatabaseRefs, MaxRefs, MemoryRefs
from bot.max.session import DEFAULT_API_URL, MaxSession
from bot.max.webhook import SECRET_HEADER, MaxWebhook

__all__ = [
    "DEFAULT_API_URL",
    "SECRET_HEADER",
    "DatabaseRefs",
    "MaxBot",
    "MaxRefs",
    "MaxSession",
    "MaxWebhook",
    "MemoryRefs",
    "bot_number",
    "create_max_bot",
]
