"""MAX's rate limits (off by default): requests per second per bot, messages per second per chat."""

from __future__ import annotations

from typing import Any

from devtools.sandbox.limits import FloodControl
from devtools.sandbox.max.errors import too_many_requests


class RateLimits(FloodControl):
    """Sliding one-second windows, as the Telegram emulator's (FloodControl): every request of a bot, and a
    chat's messages. A refused request does not count, so a client that waits Retry-After seconds gets through."""

    refused = staticmethod(too_many_requests)

    def __init__(self) -> None:
        super().__init__()
        self.per_chat_per_second = 2

    def check(self, token: str) -> None:  # type: ignore[override]
        """Count one request of the bot, or raise 429."""
        self._count([(("bot", token), self.per_second)])

    def check_chat(self, token: str, chat_key: Any) -> None:
        """Count one message (a send or a callback answer) to a chat, or raise 429."""
        self._count([(("chat", token, chat_key), self.per_chat_per_second)])
