"""A local MAX Bot API emulator, beside the Telegram one (devtools/sandbox): the contract's wire protocol on
127.0.0.1, and a test-side API with BotAPIEmulator's names, so one flow-test driver drives either.

    emu = await MaxAPIEmulator().start()
    emu.add_user(token, 5001, language_code="ru")
    emu.user_sends_text(token, 5001, "/start")          # a message_created update
    reply = await emu.wait_for_bot_message(token, 5001)  # Telegram's shape: message_id = seq, chat.id = 5001
    await emu.stop()

The bot side speaks MAX: `Authorization: <token>`, GET /updates, POST /messages?user_id=5001 (the dialog's
chat_id is 5001 + 10**12, not the user's id), ...
"""

from devtools.sandbox.max.emulator import MaxAPIEmulator
from devtools.sandbox.max.errors import MaxError

__all__ = ["MaxAPIEmulator", "MaxError"]
