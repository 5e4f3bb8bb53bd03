"""MAX's rate limits (off by default): requests per second per bot, messages per second per chat."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from typing import Any

from devtools.sandbox.max.errors import too_many_requests


class RateLimits:
    """Sliding one-second windows. A refused request does not count, so a client that waits Retry-After
    seconds gets through."""

    def __init__(self) -> None:
        self.enabled = False
        self.per_second = 30
        self.per_chat_per_second = 2
        self._windows: dict[Any, deque[float]] = defaultdict(deque)

    def configure(self, enabled: bool, per_second: int, per_chat_per_second: int) -> None:
        self.enabled, self.per_second, self.per_chat_per_second = enabled, per_second, per_chat_per_second
        self._windows.clear()

    def check(self, token: str) -> None:
        """Count one request of the bot, or raise 429."""
        self._count([(("bot", token), self.per_second)])

    def check_chat(self, token: str, chat_key: Any) -> None:
        """Count one message (a send or a callback answer) to a chat, or raise 429."""
        self._count([(("chat", token, chat_key), self.per_chat_per_second)])

    def _count(self, keys: list[tuple[Any, int]]) -> None:
        if not self.enabled:
            return
        moment = time.monotonic()
        windows = [(self._window(key, moment), limit) for key, limit in keys]
        for window, limit in windows:
            if len(window) >= limit:
                raise too_many_requests(max(1, math.ceil(window[0] + 1 - moment)))
        for window, _ in windows:
            window.append(moment)

    def _window(self, key: Any, moment: float) -> deque[float]:
        window = self._windows[key]
        while window and window[0] <= moment - 1:
            window.popleft()
        return window
