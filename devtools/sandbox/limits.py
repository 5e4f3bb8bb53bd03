"""Trouble on demand: Telegram's flood limits (off by default) and injected failures."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from typing import Any

from devtools.sandbox.errors import too_many_requests

TIMEOUT = "timeout"


class FloodControl:
    """Sliding one-second windows: per bot across all chats, and per bot and chat.

    A refused request does not count, so a client that waits retry_after seconds gets through.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.per_second = 30
        self.per_chat_per_second = 1
        self._windows: dict[Any, deque[float]] = defaultdict(deque)

    def configure(self, enabled: bool, per_second: int, per_chat_per_second: int) -> None:
        self.enabled, self.per_second, self.per_chat_per_second = enabled, per_second, per_chat_per_second
        self._windows.clear()

    # The 429 of the API the emulator speaks (MAX's emulator has its own, devtools/sandbox/max/rates.py).
    refused = staticmethod(too_many_requests)

    def check(self, token: str, chat_id: Any) -> None:
        """Count one message to `chat_id`, or raise 429 with the seconds until a slot frees."""
        self._count([(token, self.per_second), ((token, str(chat_id)), self.per_chat_per_second)])

    def _count(self, keys: list[tuple[Any, int]]) -> None:
        """One more request in each window of `keys` (a key and its limit a second), or none if one is full."""
        if not self.enabled:
            return
        moment = time.monotonic()
        windows = [(self._window(key, moment), limit) for key, limit in keys]
        for window, limit in windows:
            if len(window) >= limit:
                raise self.refused(max(1, math.ceil(window[0] + 1 - moment)))
        for window, _ in windows:
            window.append(moment)

    def _window(self, key: Any, moment: float) -> deque[float]:
        window = self._windows[key]
        while window and window[0] <= moment - 1:
            window.popleft()
        return window


class FailureInjector:
    """The next N calls of a method answer an HTTP error or hang (status "timeout")."""

    def __init__(self) -> None:
        self._planned: dict[str, deque[int | str]] = defaultdict(deque)

    def add(self, method: str, count: int, status: int | str) -> None:
        if status != TIMEOUT and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f'status must be an HTTP error code or "{TIMEOUT}", not {status!r}')
        self._planned[method.lower()].extend([status] * count)

    def take(self, method: str) -> int | str | None:
        planned = self._planned.get(method.lower())
        return planned.popleft() if planned else None

    def clear(self) -> None:
        self._planned.clear()
