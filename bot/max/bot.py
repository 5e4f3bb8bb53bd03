"""The MAX bot: aiogram's Bot with a MaxSession, so that the Dispatcher and the handlers serve MAX unchanged.

aiogram's Bot wants a token "<digits>:<rest>" and takes its id from it. A MAX bot's aiogram token is made up,
f"{bot_number}:max", bot_number a stable number of the MAX token (so the conversations' keys, which hold the bot's
id, survive a restart); the MAX token itself lives in the session only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.max.refs import MaxRefs
from bot.max.session import DEFAULT_API_URL, MaxSession
from services.models import Channel


class MaxBot(Bot):
    """A Bot whose updates come from MAX and whose calls go there (bot/channels.channel_of)."""

    channel = Channel.MAX


def bot_number(token: str) -> int:
    """The MAX bot's aiogram id: 12 hex digits of the token's sha256, a positive number below 2**48."""
    return int(hashlib.sha256(token.encode()).hexdigest()[:12], 16) or 1


def create_max_bot(token: str, *, api_url: str = DEFAULT_API_URL, ca_file: Path | None = None, refs: MaxRefs) -> MaxBot:
    """The bot of the MAX token `token`, its replies in HTML like Telegram's bot (bot/runtime.create_bot). The
    session middlewares (SharedLimits, TokenWatch) are the caller's to add, as for Telegram's."""
    session = MaxSession(token, refs=refs, api_url=api_url, ca_file=ca_file)
    return MaxBot(f"{bot_number(token)}:max", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
