"""Alerts to the school's administrators (ADMIN_CHAT_IDS) through the bot itself, not the outbox: an unhandled error,
a failed nightly backup, a push backlog older than BACKLOG_ALERT, a token Telegram refuses.

Each kind is sent at most once an hour (ONCE_PER) per process; an error's kind is its class and where it was raised
(module, function, line). An alert never carries personal data: no message text, no exception's message (it may
quote a name or a mark), no chat id of a user. A token Telegram refuses cannot send anything itself: the alert goes
through another bot of the process (SCHOOL_BOTS) when there is one, and is always logged; /healthz reports it too.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import TelegramMethod

from ui.i18n import translator

log = logging.getLogger(__name__)

ONCE_PER = timedelta(hours=1)
BACKLOG_ALERT = timedelta(minutes=10)
PROJECT = Path(__file__).resolve().parent.parent

P = ParamSpec("P")
R = TypeVar("R")


def where(exc: BaseException) -> str:
    """The innermost frame of the project's own code the exception passed through: «services/journal.py:412 in
    add_marks»; the innermost frame at all when none is the project's."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if Path(f.filename).resolve().is_relative_to(PROJECT) and ".venv" not in f.filename]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return "?"
    path = Path(frame.filename).resolve()
    shown = path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else Path(path.name)
    return f"{shown.as_posix()}:{frame.lineno} in {frame.name}"


class Alerts:
    def __init__(
        self,
        bots: Iterable[Bot],
        chat_ids: Sequence[int],
        locale: str = "ru",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bots, self.chat_ids, self.locale, self.clock = list(bots), list(chat_ids), locale, clock
        self.refused: set[int] = set()  # ids of bots whose token Telegram refused
        self._last: dict[str, float] = {}
        self._tasks: set[asyncio.Task] = set()

    def due(self, key: str) -> bool:
        """True, and remembered, if no alert of this key went within ONCE_PER."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < ONCE_PER.total_seconds():
            return False
        self._last[key] = now
        return True

    async def send(self, key: str, text: str) -> bool:
        """The text to every administrator's chat, once per key an hour; True if it was sent (to any)."""
        if not self.chat_ids or not self.due(key):
            return False
        log.warning("alert %s", key)
        sent = False
        for bot in [b for b in self.bots if b.id not in self.refused][:1]:
            for chat_id in self.chat_ids:
                try:
                    await bot.send_message(chat_id, text, parse_mode=None)
                    sent = True
                except TelegramUnauthorizedError:
                    self.refused.add(bot.id)
                    break
                except Exception:  # an alert that cannot go must not fail what raised it
                    log.warning("alert %s not delivered to an administrator", key, exc_info=True)
        return sent

    async def error(self, exc: BaseException) -> bool:
        _ = translator(self.locale)
        place = where(exc)
        return await self.send(
            f"error:{type(exc).__name__}:{place}",
            _("⚠️ schoolbot: an unhandled error {kind} at {place}. Details are in the bot's log.").format(
                kind=type(exc).__name__, place=place
            ),
        )

    async def backup_failed(self, exc: BaseException) -> bool:
        _ = translator(self.locale)
        return await self.send(
            "backup",
            _(
                "⚠️ schoolbot: the nightly backup failed ({kind}). Run `schoolbot backup` by hand and see the bot's "
                "log; `schoolbot check` checks the backup folders."
            ).format(kind=getattr(exc, "code", None) or type(exc).__name__),
        )

    async def backlog(self, pending: int, oldest: timedelta) -> bool:
        _ = translator(self.locale)
        return await self.send(
            "backlog",
            _(
                "⚠️ schoolbot: {pending} pushes wait to be sent, the oldest for {minutes} minutes. Is the bot "
                "running its push worker (RUN_PUSHES), and does Telegram take its messages?"
            ).format(pending=pending, minutes=int(oldest.total_seconds() // 60)),
        )

    async def token_refused(self, bot: Bot) -> bool:
        self.refused.add(bot.id)
        _ = translator(self.locale)
        log.error("Telegram refuses the token of the bot %d (revoked or replaced in @BotFather)", bot.id)
        return await self.send(
            f"token:{bot.id}",
            _(
                "⚠️ schoolbot: Telegram refuses the token of the bot {bot_id}: it was revoked or replaced in "
                "@BotFather. Put the current token into .env and restart the bot."
            ).format(bot_id=bot.id),
        )

    def soon(self, alert: Awaitable[Any]) -> None:
        """Sends an alert in the background (from code that cannot wait for it); a reference is kept."""
        task = asyncio.ensure_future(alert)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_process: dict[str, Alerts] = {}


def configure_alerts(alerts: Alerts | None) -> None:
    """The process's alerts (bot/runtime.py at start; None when it stops)."""
    _process.pop("alerts", None)
    if alerts is not None:
        _process["alerts"] = alerts


def current() -> Alerts | None:
    return _process.get("alerts")


def alert_on_failure(job: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The nightly backup's job: a failure is told to the administrators, then raised on as before."""

    @wraps(job)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await job(*args, **kwargs)
        except Exception as exc:
            if (alerts := current()) is not None:
                exc.alerted = True  # type: ignore[attr-defined]  # the log handler need not tell it again
                await alerts.backup_failed(exc)
            raise

    return run


class ErrorsToAlerts(logging.Handler):
    """A log record of an error with its exception (an update that failed, a job, the push worker) becomes an
    alert. Records of the alerts themselves are left out."""

    def __init__(self, alerts: Alerts) -> None:
        super().__init__(level=logging.ERROR)
        self.alerts = alerts

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.name == __name__:
            return
        exc = record.exc_info[1]
        # A refused token is told by TokenWatch, in its own words.
        if exc is None or getattr(exc, "alerted", False) or isinstance(exc, TelegramUnauthorizedError):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a thread without the bot's loop: the log has it
        exc.alerted = True  # type: ignore[attr-defined]  # one alert even when logged twice
        self.alerts.soon(self.alerts.error(exc))


class TokenWatch(BaseRequestMiddleware):
    """`bot.session.middleware(TokenWatch())`: any request Telegram answers 401 (polling, a reply, a push) tells the
    administrators, through another bot where there is one."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod):
        try:
            return await make_request(bot, method)
        except TelegramUnauthorizedError:
            if (alerts := current()) is not None and bot.id not in alerts.refused:
                alerts.soon(alerts.token_refused(bot))
            raise
