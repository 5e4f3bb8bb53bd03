"""The delivery worker: plans the outbox into deliveries and sends what is due, within Telegram's limits.

Two loops in one task group: planning (fast, every `poll` seconds) and sending (many accounts at a time,
paced by the token's shared limiter), so that a school-wide fan-out does not hold back a new mark's push.
What planning made due at once is claimed right after it, not at the sending loop's next poll.
A third loop renews the leases of the claims in hand and sends again what a worker that is gone left in flight
(services/pushes/queue.py), so several workers (one per bot process, on PostgreSQL) share one queue.
With several schools' own bots (SCHOOL_BOTS), one worker per bot sends its school's news (PushWorker.per_bot).
A worker sends only to the accounts of its bot's messenger (bot/channels.py: Telegram's, or MAX's).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from datetime import timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels import channel_of
from bot.metrics import METRICS
from services.clock import Clock
from services.db import write_transaction
from services.files import FileStore, KeptFiles
from services.models import utcnow
from services.pushes.fanout import plan_pending
from services.pushes.queue import LEASE, Outgoing, Result, claim_due, record, recover, renew
from ui.pushes.render import render

from .limiter import limiter_for
from .reports import report_files
from .sender import Status, send

log = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds for the messages in flight to finish when the worker stops

RESULTS = {
    Status.SENT: Result.SENT,
    Status.GONE: Result.GONE,
    Status.FAILED: Result.FAILED,
    Status.RETRY_LATER: Result.RETRY_LATER,
}


class PushWorker:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        gather: timedelta = timedelta(seconds=15),
        poll: float = 0.5,
        accounts_at_once: int = 60,
        schools: frozenset[int] | None = None,
        files: FileStore | None = None,
    ):
        """`schools`: only these schools' news (a school's own bot); None: every school's. `files`: the school's file
        store, whose kept bytes this bot uploads when a file's reference is another bot's (None: sent by reference)."""
        self.bot, self.session_factory, self.clock, self.schools = bot, session_factory, clock, schools
        self.kept = None if files is None else KeptFiles(session_factory, files)
        self.channel = channel_of(bot)  # only the accounts of the bot's messenger
        self.gather, self.poll, self.accounts_at_once = gather, poll, accounts_at_once
        self.limiter = limiter_for(bot.token, self.channel)
        self._in_flight: dict[int, asyncio.Task] = {}
        self._claimed: dict[int, list[int]] = {}  # account -> the deliveries of its message in flight
        self._planned = asyncio.Event()  # set by planning: the sending loop looks at once
        self.plans = True  # one worker plans for all of a process's bots, and wakes each of them (_wakes)
        self._wakes = [self._planned]
        self.stats: Counter[str] = Counter()  # messages by result, and Telegram's 429 answers: for the logs and bench

    @classmethod
    def per_bot(
        cls,
        bots: Iterable[tuple[int | None, Bot]],
        session_factory: async_sessionmaker[AsyncSession],
        **options,
    ) -> list[PushWorker]:
        """One worker for each bot (pairs of a school id and its bot, None for the bot of every school), each sending
        through its bot and within its token's limits; the first plans the news of all and wakes the others."""
        workers = [
            cls(bot, session_factory, schools=None if school is None else frozenset({school}), **options)
            for school, bot in bots
        ]
        for other in workers[1:]:
            other.plans = False
            workers[0]._wakes.append(other._planned)
        return workers

    async def run(self) -> None:
        """Until cancelled. What is in flight when cancelled is left SENDING and sent again once its lease runs out
        (by this worker's next start or another worker)."""
        # Recovering is of every school's and every channel's deliveries: once per process, by the planning worker.
        if self.plans:
            await self.recover_once()
        try:
            await asyncio.gather(*([self._planning()] if self.plans else []), self._sending(), self._leasing())
        finally:
            # Stopping: what is being sent is let finish and be recorded, for a while; the rest is sent again
            # once its lease runs out.
            if self._in_flight:
                await asyncio.wait(list(self._in_flight.values()), timeout=STOP_GRACE)
            # The rest is cancelled and waited for: nothing of a stopped worker goes on writing behind it, into a
            # database its process is closing.
            late = list(self._in_flight.values())
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def recover_once(self) -> None:
        async with self.session_factory() as session, write_transaction(session):
            again = await recover(session, self.clock())
        if again:
            log.warning("Sending again %d deliveries left in flight by a worker that stopped", again)

    async def plan_once(self) -> int:
        async with self.session_factory() as session, write_transaction(session):
            return await plan_pending(session, self.clock(), self.gather)

    async def send_once(self) -> int:
        """Claims what is due for accounts not already being sent to, and starts sending; returns how many."""
        room = self.accounts_at_once - len(self._in_flight)
        if room <= 0:
            return 0
        async with self.session_factory() as session, write_transaction(session):
            batch = await claim_due(
                session, self.clock(), room, frozenset(self._in_flight), self.schools, channel=self.channel
            )
        for outgoing in batch:
            task = asyncio.create_task(self._deliver(outgoing))
            self._in_flight[outgoing.account_id] = task
            self._claimed[outgoing.account_id] = [item.delivery_id for item in outgoing.items]
            task.add_done_callback(lambda _, account=outgoing.account_id: self._done(account))
        return len(batch)

    def _done(self, account_id: int) -> None:
        self._in_flight.pop(account_id, None)
        self._claimed.pop(account_id, None)

    async def idle(self) -> None:
        """Waits for everything started to be recorded (tests and the benchmark)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _planning(self) -> None:
        while True:
            try:
                if await self.plan_once():
                    for planned in self._wakes:
                        planned.set()
                    continue
            except Exception:
                log.exception("Planning pushes failed")
            await asyncio.sleep(self.poll)

    async def _sending(self) -> None:
        while True:
            try:
                started = await self.send_once()
            except Exception:
                log.exception("Claiming pushes failed")
                started = 0
            if not started:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that comes as the
                # event is set, and this loop would then run on after the worker was stopped.
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.poll):
                        await self._planned.wait()
                self._planned.clear()
            elif len(self._in_flight) >= self.accounts_at_once:
                await asyncio.wait(list(self._in_flight.values()), return_when=asyncio.FIRST_COMPLETED)

    async def _leasing(self) -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            try:
                if held := [i for ids in self._claimed.values() for i in ids]:
                    async with self.session_factory() as session, write_transaction(session):
                        await renew(session, held, self.clock())
                if self.plans:
                    await self.recover_once()
            except Exception:
                log.exception("Renewing the pushes' claims failed")

    async def _deliver(self, outgoing: Outgoing) -> None:
        try:
            message = render(outgoing)
            if message is None:
                result = Result.NOTHING
            else:
                uploads = await report_files(self.session_factory, message.reports, outgoing.locale, self.clock)
                outcome = await send(
                    self.bot,
                    self.limiter,
                    outgoing.account_id,
                    message.text,
                    message.files,
                    uploads=uploads,
                    kept=self.kept,
                )
                result = RESULTS[outcome.status]
                self.stats["429"] += outcome.retries_429
                METRICS.rate_limited.inc(outcome.retries_429)
        except Exception:
            log.exception("Sending a push to account %d failed", outgoing.account_id)
            result = Result.RETRY_LATER
        async with self.session_factory() as session, write_transaction(session):
            await record(session, outgoing, result, self.clock(), self.schools)
        self.stats[result.value] += 1
        METRICS.pushes.labels(result.value).inc()
