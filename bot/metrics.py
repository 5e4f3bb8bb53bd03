"""Prometheus metrics of the bot's process, served at /metrics beside /healthz (bot/health.py).

One set per process (METRICS): the dispatcher's middleware counts the updates and times them by their type, the push
worker counts its messages by result and Telegram's 429 answers, the reminder jobs the events they write; the
deliveries waiting are read from the database at each scrape (bot/health.py). Labels are kinds, never people.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# From a quick tap's answer to a report being built.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.updates = Counter("schoolbot_updates", "Updates handled, by type", ["type"], registry=self.registry)
        self.update_seconds = Histogram(
            "schoolbot_update_seconds",
            "Time to handle an update, by type",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pushes = Counter("schoolbot_pushes", "Push messages by result", ["result"], registry=self.registry)
        self.rate_limited = Counter(
            "schoolbot_telegram_429", "Telegram's 429 answers (too many requests) to pushes", registry=self.registry
        )
        self.reminders = Counter(
            "schoolbot_reminders", "Reminder events written, by job", ["job"], registry=self.registry
        )
        self.deliveries_pending = Gauge(
            "schoolbot_deliveries_pending", "Push deliveries due and not sent yet", registry=self.registry
        )
        self.oldest_pending = Gauge(
            "schoolbot_deliveries_oldest_seconds",
            "Age of the oldest push delivery due and not sent yet",
            registry=self.registry,
        )
        self.last_update: float | None = None  # time.monotonic() of the last update handled

    def seconds_since_update(self) -> float | None:
        return None if self.last_update is None else time.monotonic() - self.last_update

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


METRICS = Metrics()


class UpdateMetrics(BaseMiddleware):
    """The dispatcher's first outer middleware: every update counted and timed, whatever becomes of it."""

    def __init__(self, metrics: Metrics = METRICS) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            kind = event.event_type if isinstance(event, Update) else type(event).__name__
        except UpdateTypeLookupError:
            kind = "unknown"
        started = time.monotonic()
        try:
            return await handler(event, data)
        finally:
            ended = time.monotonic()
            self.metrics.updates.labels(kind).inc()
            self.metrics.update_seconds.labels(kind).observe(ended - started)
            self.metrics.last_update = ended
