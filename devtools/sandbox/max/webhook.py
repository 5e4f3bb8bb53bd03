"""Webhook delivery: queued updates are POSTed one at a time, in order, to every subscription that wants them,
with the header X-Max-Bot-Api-Secret when a secret was given. A failing receiver is retried (within seconds
here, for hours on MAX); an update leaves the queue once every subscription took it."""

from __future__ import annotations

import asyncio

import aiohttp

from devtools.sandbox.max.state import MaxBotState, Queued, Subscription

SECRET_HEADER = "X-Max-Bot-Api-Secret"
RETRY_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)
DELIVERY_TIMEOUT = 10.0


class Deliveries:
    """One delivery task per subscribed bot. A task ends when it is no longer the bot's current one (a
    cancellation that meets a wake-up can be swallowed by asyncio.wait_for on Python 3.11, so the task
    checks for itself too)."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[asyncio.Task, MaxBotState]] = {}
        self._session: aiohttp.ClientSession | None = None
        self.errors: list[str] = []  # the receivers' failures, newest last

    def start(self, state: MaxBotState) -> None:
        running = self._tasks.get(state.token)
        if running is None or running[0].done():
            self._tasks[state.token] = (asyncio.create_task(self._run(state)), state)

    def stop(self, token: str) -> None:
        running = self._tasks.pop(token, None)
        if running is not None:
            running[0].cancel()
            running[1].changed.fire()

    async def close(self) -> None:
        tasks = [task for task, _ in self._tasks.values()]
        for token in list(self._tasks):
            self.stop(token)
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _current(self, state: MaxBotState) -> bool:
        running = self._tasks.get(state.token)
        return running is not None and running[0] is asyncio.current_task()

    async def _run(self, state: MaxBotState) -> None:
        failures = 0
        delivered: set[str] = set()  # urls that took the head of the queue
        head: Queued | None = None
        while self._current(state) and state.subscriptions:
            await state.changed.wait_until(
                lambda: bool(state.updates) or not state.subscriptions or not self._current(state), 3600
            )
            if not self._current(state) or not state.subscriptions or not state.updates:
                continue
            if state.updates[0] is not head:
                head, delivered = state.updates[0], set()
            pending = [s for s in state.subscriptions if s.url not in delivered and s.wants(head.update)]
            for subscription in pending:
                if await self._deliver(subscription, head.update):
                    delivered.add(subscription.url)
            if all(s.url in delivered or not s.wants(head.update) for s in state.subscriptions):
                failures = 0
                if state.updates and state.updates[0] is head:
                    state.updates.pop(0)
                    state.changed.fire()
            else:
                await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1

    async def _deliver(self, subscription: Subscription, update: dict) -> bool:
        headers = {SECRET_HEADER: subscription.secret} if subscription.secret else {}
        try:
            async with self._client().post(
                subscription.url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT),
            ) as resp:
                if 200 <= resp.status < 300:
                    return True
                self.errors.append(f"{subscription.url}: {resp.status} {resp.reason}")
        except (TimeoutError, aiohttp.ClientError) as err:
            self.errors.append(f"{subscription.url}: {type(err).__name__}")
        return False

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session
