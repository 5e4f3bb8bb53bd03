"""`schoolbot run`: the bot with long polling, on Telegram or on a local Bot API by TELEGRAM_API_URL."""
from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.config import Settings
from bot.dispatcher import create_dispatcher
from services.db import create_engine, create_session_factory
from services.migrate import upgrade


def create_bot(settings: Settings) -> Bot:
    session = None
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.bot_token.get_secret_value(), session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def run_polling(settings: Settings, *, handle_signals: bool = True) -> None:
    """Brings the database up to date, then polls until stopped (SIGTERM finishes the updates in hand)."""
    settings.ensure_sqlite_folder()
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    bot = create_bot(settings)
    try:
        dp = create_dispatcher(create_session_factory(engine))
        await dp.start_polling(bot, handle_signals=handle_signals)
    finally:
        await bot.session.close()
        await engine.dispose()
