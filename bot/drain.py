"""SIGTERM finishes the updates in hand: a reply under way is sent before the bot's session closes.

aiogram handles each update in a task of its own (polling) or in the background of the webhook request,
and on shutdown it closes the bot's session without waiting for those tasks. The dispatcher's shutdown
hooks run before that close, so one of them waits here until no update is left in hand.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject

from bot.middlewares import Handler

log = logging.getLogger(__name__)

# A reply takes well under a second; this is for a slow Telegram, and stays far inside systemd's 90 s
# before it kills (Docker waits only 10 s unless its stop_grace_period says more).
DRAIN_TIMEOUT = 20.0


class UpdatesInHand(BaseMiddleware):
    """Counts the updates being handled; on the dispatcher's shutdown, waits until none is left."""

    def __init__(self, timeout: float = DRAIN_TIMEOUT) -> None:
        self.timeout = timeout
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def setup(self, dp: Dispatcher) -> None:
        """Register before the other outer middlewares, so that the whole handling is counted."""
        dp.update.outer_middleware(self)
        # A failed update is answered by the errors handler, which runs after the update's own middlewares.
        dp.errors.outer_middleware(self)
        dp.shutdown.register(self.finish)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._in_hand += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._idle.set()

    async def finish(self) -> None:
        if not self._in_hand:
            return
        log.info("Finishing %d update(s) in hand", self._in_hand)
        try:
            await asyncio.wait_for(self._until_idle(), self.timeout)
        except TimeoutError:
            log.warning("Stopping with %d update(s) still in hand after %.0f s", self._in_hand, self.timeout)

    async def _until_idle(self) -> None:
        # Between a failed update's middlewares and its errors handler the count touches zero and rises
        # again before the loop runs anything else: the waiter wakes up to a busy count and waits on.
        while self._in_hand:
            await self._idle.wait()
