"""/healthz and /metrics of `schoolbot run` with polling (HEALTH_PORT), against the local Bot API: the database, the
time since the last update, the push backlog and the last backup's age; 200 when healthy, 503 when not."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.config import Settings
from bot.metrics import METRICS
from bot.runtime import run_polling
from services.db import create_engine, create_session_factory
from services.models import Delivery, EventKind, OutboxEvent
from tests.factories import waiting_push
from tests.flows.conftest import TOKEN, TelegramUser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def get(port: int, path: str) -> tuple[int, str, dict | None]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        body = await response.text()
        is_json = response.content_type == "application/json"
        return response.status, body, (await response.json() if is_json else None)


async def answering(port: int) -> None:
    for _ in range(200):
        try:
            await get(port, "/healthz")
            return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError("the health server did not start")


@pytest.fixture
async def running(emulator, db_url, tmp_path):
    """`schoolbot run` (polling) with /healthz on a port of its own; no push worker, so a delivery stays pending."""
    port = free_port()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=db_url,
        health_port=port,
        run_pushes=False,
        run_scheduler=False,
        backup_dirs=(tmp_path / "one", tmp_path / "two"),
    )
    task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        await answering(port)
        yield port, settings
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_healthz_reports_each_field_and_200_when_all_is_well(running, emulator):
    port, _settings = running
    stranger = TelegramUser(emulator, 700_888_001, "ru")
    await stranger.send("/start")
    status, _, body = await get(port, "/healthz")
    assert status == 200, body
    assert body["database"] == "ok" and body["telegram"] == "ok" and body["status"] == "ok"
    assert 0 <= body["seconds_since_last_update"] < 30
    assert body["outbox"] == {"pending": 0, "oldest_seconds": None}
    assert body["last_backup_seconds"] is None  # no backup yet: not a fault on a new deployment


async def test_metrics_count_the_start_and_its_latency(running, emulator):
    port, _settings = running
    before = METRICS.registry.get_sample_value("schoolbot_updates_total", {"type": "message"}) or 0
    stranger = TelegramUser(emulator, 700_888_002, "ru")
    await stranger.send("/start")
    await asyncio.sleep(0.1)  # the middleware counts as the handling ends, just after the reply
    status, text, _ = await get(port, "/metrics")
    assert status == 200
    assert METRICS.registry.get_sample_value("schoolbot_updates_total", {"type": "message"}) == before + 1
    assert 'schoolbot_updates_total{type="message"}' in text
    assert 'schoolbot_update_seconds_bucket{le="+Inf",type="message"}' in text
    assert "schoolbot_deliveries_pending 0.0" in text


async def test_a_push_waiting_eleven_minutes_and_a_stale_backup_make_it_503(running, db_url, tmp_path):
    port, settings = running
    now = datetime.now(UTC)
    engine = create_engine(db_url)
    async with create_session_factory(engine)() as session:
        school = await waiting_push(session, 700_888_003, now - timedelta(minutes=11))
        # A delivery waiting for its digest time tomorrow is not a backlog.
        later = OutboxEvent(school_id=school.id, kind=next(iter(EventKind)), payload={}, processed_at=now)
        session.add(later)
        await session.flush()
        session.add(Delivery(event_id=later.id, account_id=700_888_003, due_at=now + timedelta(days=1)))
        await session.commit()
    await engine.dispose()
    status, _, body = await get(port, "/healthz")
    assert status == 503
    assert body["outbox"]["pending"] == 1
    assert 660 <= body["outbox"]["oldest_seconds"] < 700  # 11 minutes = 660 s, and the seconds the test took
    _, text, _ = await get(port, "/metrics")
    assert "schoolbot_deliveries_pending 1.0" in text

    # The backlog gone, a backup of 27 hours ago in the first folder: stale (a nightly one is at most 26 h old).
    engine = create_engine(db_url)
    async with create_session_factory(engine)() as session:
        await session.execute(Delivery.__table__.delete())
        await session.commit()
    await engine.dispose()
    folder = settings.backup_dirs[0]
    folder.mkdir(parents=True)
    (folder / f"school-{now - timedelta(hours=27):%Y%m%d-%H%M%S}.sqlite3").write_bytes(b"")
    status, _, body = await get(port, "/healthz")
    assert status == 503 and 27 * 3600 <= body["last_backup_seconds"] < 27 * 3600 + 60
    (folder / f"school-{now - timedelta(hours=1):%Y%m%d-%H%M%S}.sqlite3").write_bytes(b"")
    status, _, body = await get(port, "/healthz")
    assert status == 200 and 3600 <= body["last_backup_seconds"] < 3660


async def test_with_a_webhook_both_are_served_beside_it(emulator, db_url):
    """`run --webhook`: /healthz and /metrics on the webhook's own server, HEALTH_PORT not needed."""
    from bot.runtime import run_webhook

    port = free_port()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        webhook_port=port,
        webhook_secret="health-Secret_1",
        database_url=db_url,
        run_pushes=False,
        run_scheduler=False,
    )
    task = asyncio.create_task(run_webhook(settings, handle_signals=False))
    try:
        await answering(port)
        stranger = TelegramUser(emulator, 700_888_004, "ru")
        await stranger.send("/start")
        status, _, body = await get(port, "/healthz")
        assert status == 200 and body["database"] == "ok" and body["seconds_since_last_update"] is not None
        status, text, _ = await get(port, "/metrics")
        assert status == 200 and 'schoolbot_updates_total{type="message"}' in text
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
