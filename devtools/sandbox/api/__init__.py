"""The Bot API methods the sandbox speaks; importing the modules registers them."""

from devtools.sandbox.api import bot_info, chat_messages, media, updates  # noqa: F401
from devtools.sandbox.api.registry import CHAT_SENDING, METHODS, Call

__all__ = ["CHAT_SENDING", "METHODS", "Call"]
