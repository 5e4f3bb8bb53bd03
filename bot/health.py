"""/healthz and /metrics: served beside the webhook (the same aiohttp app), or with polling on HEALTH_PORT.

/healthz answers JSON, 200 when healthy and 503 when not:
  database                   "ok" or "unreachable" (a SELECT 1)
  seconds_since_last_update  since this process last handled an update (null before the first): a quiet night is
                             not a fault, so it is reported only
  outbox                     {"pending": deliveries due and not sent, "oldest_seconds": the oldest one's wait}
  last_backup_seconds        age of the newest copy in the first backup folder (null when there is none yet)
  telegram                   "ok", or "token refused" when Telegram answered 401 (bot/alerts.py)
Unhealthy: the database does not answer, a push has waited longer than BACKLOG_ALERT, the newest backup is older
than BACKUP_STALE, or Telegram refuses a token. A periodic watch (watch()) tells the administrators of a backlog.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.alerts import BACKLOG_ALERT, Alerts
from bot.metrics import METRICS, Metrics
from services.backup import BACKUP_NAME
from services.clock import Clock
from services.models import Delivery, DeliveryStatus, utcnow

log = logging.getLogger(__name__)

# A nightly backup a day and two hours old has missed its night.
BACKUP_STALE = timedelta(hours=26)
WATCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: timedelta | None


class Health:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        backup_folder: Path,
        *,
        metrics: Metrics = METRICS,
        alerts: Alerts | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.sessions, self.backup_folder, self.metrics, self.alerts, self.clock = (
            sessions,
            backup_folder,
            metrics,
            alerts,
            clock,
        )

    async def backlog(self) -> Backlog:
        """The deliveries due now and not sent (not those waiting for quiet hours' end or a digest's time)."""
        now = self.clock()
        async with self.sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(Delivery.due_at)).where(
                        Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)), Delivery.due_at <= now
                    )
                )
            ).one()
        return Backlog(count, None if oldest is None else max(now - _aware(oldest), timedelta(0)))

    def last_backup_age(self) -> timedelta | None:
        folder = self.backup_folder
        names = sorted(p.name for p in folder.iterdir() if BACKUP_NAME.match(p.name)) if folder.is_dir() else []
        if not names:
            return None
        taken = datetime.strptime(names[-1].split(".")[0], "school-%Y%m%d-%H%M%S").replace(tzinfo=UTC)
        return self.clock() - taken

    async def report(self) -> tuple[dict, bool]:
        """The /healthz body and whether all is well."""
        healthy = True
        body: dict = {}
        try:
            async with self.sessions() as session:
                await session.execute(text("SELECT 1"))
            body["database"] = "ok"
            backlog = await self.backlog()
        except Exception as err:  # noqa: BLE001 - the probe reports, it does not fail
            log.warning("health: the database does not answer: %s", type(err).__name__)
            body["database"] = "unreachable"
            healthy = False
            backlog = None
        since = self.metrics.seconds_since_update()
        body["seconds_since_last_update"] = None if since is None else round(since, 1)
        body["outbox"] = {
            "pending": None if backlog is None else backlog.pending,
            "oldest_seconds": None
            if backlog is None or backlog.oldest is None
            else int(backlog.oldest.total_seconds()),
        }
        if backlog is not None and backlog.oldest is not None and backlog.oldest > BACKLOG_ALERT:
            healthy = False
        age = await asyncio.to_thread(self.last_backup_age)
        body["last_backup_seconds"] = None if age is None else int(age.total_seconds())
        if age is not None and age > BACKUP_STALE:
            healthy = False
        refused = self.alerts is not None and bool(self.alerts.refused)
        body["telegram"] = "token refused" if refused else "ok"
        healthy = healthy and not refused
        body["status"] = "ok" if healthy else "unhealthy"
        return body, healthy

    async def healthz(self, _: web.Request) -> web.Response:
        body, healthy = await self.report()
        return web.json_response(body, status=200 if healthy else 503, dumps=json.dumps)

    async def scrape(self, _: web.Request) -> web.Response:
        """The metrics, the deliveries waiting read now."""
        try:
            backlog = await self.backlog()
        except Exception:
            log.warning("metrics: the backlog could not be read", exc_info=True)
        else:
            self.metrics.deliveries_pending.set(backlog.pending)
            self.metrics.oldest_pending.set(0 if backlog.oldest is None else backlog.oldest.total_seconds())
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.scrape)

    async def watch_once(self) -> None:
        """A push backlog older than BACKLOG_ALERT told to the administrators (once an hour at most)."""
        backlog = await self.backlog()
        if self.alerts is not None and backlog.oldest is not None and backlog.oldest > BACKLOG_ALERT:
            await self.alerts.backlog(backlog.pending, backlog.oldest)

    async def watch(self, every: timedelta = WATCH_EVERY) -> None:
        while True:
            await asyncio.sleep(every.total_seconds())
            try:
                await self.watch_once()
            except Exception:
                log.warning("health: the backlog watch failed", exc_info=True)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@asynccontextmanager
async def health_server(health: Health, host: str, port: int) -> AsyncIterator[None]:
    """With polling: /healthz and /metrics on host:port while the block runs (port 0: not served)."""
    if not port:
        yield
        return
    app = web.Application()
    health.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("Health and metrics on http://%s:%d/healthz and /metrics", host, port)
        yield
    finally:
        with suppress(Exception):
            await runner.cleanup()
