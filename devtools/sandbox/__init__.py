"""A local Telegram Bot API emulator: an unmodified aiogram Bot talks to it over HTTP on 127.0.0.1.

    emu = await BotAPIEmulator().start()
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    emu.user_sends_text(token, user_id, "/start")
    reply = await emu.wait_for_bot_message(token, user_id)
    await emu.stop()

`python -m devtools.sandbox --port 8081` runs it alone and prints the base URL.
"""

from devtools.sandbox.emulator import BotAPIEmulator
from devtools.sandbox.errors import ApiError

__all__ = ["ApiError", "BotAPIEmulator"]
