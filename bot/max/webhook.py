"""MAX's webhook: one update per POST, checked by its secret header, handed to the Dispatcher.

MAX posts each update to the subscribed address with `X-Max-Bot-Api-Secret` (when a secret was given) and wants 200
within 30 seconds, so the update is handled after the answer. As the Telegram webhook does (bot/runtime.UpdatesOnly),
at most as many updates as `slots` allows are in hand at once: the next request is answered only when one of them
ends, and MAX holds the backlog. The body is never logged: it may hold a person's message.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from itertools import count

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.max.session import MaxSession
from bot.max.updates import refs_of, to_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Max-Bot-Api-Secret"


class MaxWebhook:
    """`app.router.add_post(path, MaxWebhook(dp, bot, secret=...).handle)`; `await webhook.drain()` before the
    bot's session closes finishes the updates in hand."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, *, secret: str, slots: asyncio.Semaphore | None = None, **data
    ) -> None:
        if not secret:
            raise ValueError("MAX's webhook needs a secret")
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret.encode()
        self.slots = slots or asyncio.Semaphore(100)
        self.data = data  # passed to the handlers beside the dispatcher's own
        self.numbers = count(1)  # update ids: MAX's webhook gives none
        self.in_hand: set[asyncio.Task] = set()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403, text="Forbidden")
        try:
            raw = await request.json()
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            update = to_update(raw, update_id=next(self.numbers), bot_id=self.bot.id, bot=self.bot)
            refs = refs_of(raw)
        except (KeyError, TypeError, ValueError):  # json's JSONDecodeError and pydantic's ValidationError are
            log.warning(
                "MAX webhook: a request of %d bytes that is not an update, refused with 400",
                request.content_length or 0,
            )
            return web.Response(status=400, text="Bad Request")
        if update is None:
            return web.json_response({"ok": True})  # a kind the bot does not handle
        await self.slots.acquire()  # released when the update's handling ends
        task = asyncio.create_task(self._feed(update, refs), name="max-update")
        self.in_hand.add(task)
        task.add_done_callback(self.in_hand.discard)
        return web.json_response({"ok": True})

    async def _feed(self, update, refs) -> None:
        try:
            session = self.bot.session
            if isinstance(session, MaxSession):
                await session.keep(self.bot, refs)
            await self.dispatcher.feed_update(self.bot, update, **self.data)
        except Exception:
            log.exception("MAX webhook: update %s failed", update.update_id)
        finally:
            self.slots.release()

    async def drain(self) -> None:
        """Waits for the updates in hand."""
        while self.in_hand:
            await asyncio.gather(*self.in_hand, return_exceptions=True)
