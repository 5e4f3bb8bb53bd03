"""Alerts to the school's administrators (ADMIN_CHAT_IDS) through the bot, in the emulator: a failed nightly backup
(DATA-1), an unhandled error once per kind an hour and without personal data, a push backlog, a refused token."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot

from bot import jobs
from bot.alerts import Alerts, TokenWatch, configure_alerts
from bot.config import Settings
from bot.health import Health
from bot.runtime import run_polling
from services.db import create_engine, create_session_factory
from tests.factories import waiting_push
from tests.flows.conftest import TOKEN, TelegramUser, make_bot

ADMIN = 700_777_001
OTHER_TOKEN = "654321:OTHER-token"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def admin_bot(emulator):
    TelegramUser(emulator, ADMIN, "ru")  # the administrator has started the bot
    bot = make_bot(emulator)
    yield bot
    await bot.session.close()
    configure_alerts(None)


async def test_a_failed_nightly_backup_reaches_the_administrators_chat_DATA_1(emulator, db_url, tmp_path):
    """As `schoolbot run` wires it: the backup job fails (its first folder cannot be made: a file is in the way),
    the administrator reads why and what to do; the job still fails, for the scheduler's log."""
    TelegramUser(emulator, ADMIN, "ru")
    (tmp_path / "a-file").write_text("")
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=db_url,
        admin_chat_ids=[ADMIN],
        run_pushes=False,
        run_scheduler=False,
        backup_dirs=(tmp_path / "a-file" / "primary", tmp_path / "two"),
    )
    running = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        await emulator.wait_for_call(TOKEN, "getUpdates")
        engine = create_engine(db_url)
        with pytest.raises(NotADirectoryError):
            await jobs.backup(settings, create_session_factory(engine))
        await engine.dispose()
        message = await emulator.wait_for_bot_message(TOKEN, ADMIN)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert message["text"].startswith("⚠️ schoolbot: ночное резервное копирование не удалось (")
    assert "schoolbot check" in message["text"]


async def test_an_unhandled_error_is_told_once_an_hour_per_kind_without_its_message(emulator, admin_bot):
    clock = Clock()
    alerts = Alerts([admin_bot], [ADMIN], "en", clock=clock)

    def failing(name: str) -> Exception:
        try:
            raise ValueError(f"mark of {name}")  # a message that may name a person: never in an alert
        except ValueError as exc:
            return exc

    assert await alerts.error(failing("Иванов Пётр"))
    assert not await alerts.error(failing("Петрова Анна"))  # the same kind within the hour
    clock.now += 3599
    assert not await alerts.error(failing("Петрова Анна"))
    assert await alerts.error(KeyError("other kind"))  # another class: its own alert
    clock.now += 2  # an hour and a second after the first
    assert await alerts.error(failing("Сидоров Иван"))
    texts = [m["text"] for m in emulator.messages(TOKEN, ADMIN)]
    assert len(texts) == 3
    assert texts[0].startswith("⚠️ schoolbot: an unhandled error ValueError at tests/test_alerts.py:")
    assert " in failing. " in texts[0]
    assert not any(name in "".join(texts) for name in ("Иванов", "Петрова", "Сидоров", "mark of"))


async def test_an_error_in_the_log_becomes_an_alert(emulator, admin_bot, caplog):
    """What the program logs with its exception (a failed update, a job, the push worker) reaches the
    administrators through the handler `schoolbot run` installs."""
    from bot.alerts import ErrorsToAlerts

    alerts = Alerts([admin_bot], [ADMIN], "en")
    handler = ErrorsToAlerts(alerts)
    logger = logging.getLogger("tests.alerts")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError("the journal of 5А")
        except RuntimeError:
            logger.exception("update 7 failed")
        message = await emulator.wait_for_bot_message(TOKEN, ADMIN)
    finally:
        logger.removeHandler(handler)
    assert message["text"].startswith("⚠️ schoolbot: an unhandled error RuntimeError at tests/test_alerts.py:")
    assert "5А" not in message["text"]


async def test_a_backlog_older_than_ten_minutes_is_told(emulator, admin_bot, session_factory, tmp_path):
    now = datetime.now(UTC)
    async with session_factory() as session:
        await waiting_push(session, 700_777_009, now - timedelta(minutes=9))
        await session.commit()
    alerts = Alerts([admin_bot], [ADMIN], "en")
    await Health(session_factory, tmp_path, alerts=alerts).watch_once()
    assert emulator.messages(TOKEN, ADMIN) == []  # 9 minutes: not yet
    later = Health(session_factory, tmp_path, alerts=alerts, clock=lambda: now + timedelta(minutes=3))
    await later.watch_once()  # 12 minutes
    [message] = emulator.messages(TOKEN, ADMIN)
    assert message["text"].startswith("⚠️ schoolbot: 1 pushes wait to be sent, the oldest for 12 minutes.")


async def test_a_refused_token_is_told_through_another_bot(emulator, admin_bot):
    """A revoked token cannot send its own alert: the process's other bot (SCHOOL_BOTS) does."""
    TelegramUser(emulator, ADMIN, "en", token=OTHER_TOKEN)
    other = Bot(OTHER_TOKEN, session=admin_bot.session.__class__(api=emulator.api_server()))
    alerts = Alerts([admin_bot, other], [ADMIN], "en")
    configure_alerts(alerts)
    admin_bot.session.middleware(TokenWatch())
    emulator.inject_failures("getMe", 1, 401)
    with pytest.raises(Exception, match="Unauthorized"):
        await admin_bot.get_me()
    message = await emulator.wait_for_bot_message(OTHER_TOKEN, ADMIN)
    await other.session.close()
    assert message["text"].startswith("⚠️ schoolbot: Telegram refuses the token of the bot 123456:")
    assert alerts.refused == {123456}
