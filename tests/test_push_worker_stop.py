"""A push worker stops when it is stopped, and leaves nothing of its own running: the program's shutdown, and every
test's, closes the database right after (bot/pushes/worker.py)."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot

from bot.pushes.worker import PushWorker


async def idle_worker(session_factory) -> tuple[PushWorker, asyncio.Task]:
    """A worker with nothing to send, waiting to be woken by its planning (its poll far away)."""
    worker = PushWorker(Bot("4242:stop-TEST_token"), session_factory, poll=60)
    task = asyncio.create_task(worker.run())
    for _ in range(200):
        if worker._planned._waiters:  # the sending loop waits for the planning's word
            return worker, task
        await asyncio.sleep(0.01)
    pytest.fail("the worker did not come to wait")


async def test_a_worker_stopped_as_its_planning_wakes_it_stops(session_factory):
    worker, task = await idle_worker(session_factory)
    worker._planned.set()  # news planned, and the stop, in the same turn of the loop
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert done == {task}
    await asyncio.sleep(0.1)
    left = [t.get_coro().__qualname__ for t in asyncio.all_tasks() if "PushWorker" in t.get_coro().__qualname__]
    assert left == [], "a loop of the worker went on after it was stopped"
    await worker.bot.session.close()


async def test_a_delivery_still_ending_when_the_worker_stops_has_ended_when_it_returns(session_factory, monkeypatch):
    monkeypatch.setattr("bot.pushes.worker.STOP_GRACE", 0.05)
    worker, task = await idle_worker(session_factory)
    ended = asyncio.Event()

    async def delivery_that_rolls_back() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # its transaction rolled back, as a cancelled delivery's is
            ended.set()
            raise

    worker._in_flight[1] = asyncio.create_task(delivery_that_rolls_back())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert ended.is_set(), "the worker returned with a delivery of its own still running"
    await worker.bot.session.close()
