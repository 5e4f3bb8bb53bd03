"""Several processes sending for one token keep one rate limit (bot.pushes.limiter.SharedWindow): two RateLimiters,
as two processes have, count in one window in Redis. What they let through is counted in one-second windows of
the fake sends' start times; nothing is timed beyond that."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis

from bot.config import Settings
from bot.pushes.limiter import KEY, RateLimiter, SharedWindow
from bot.runtime import run_polling
from tests.flows.conftest import TOKEN, TelegramUser
from tests.redis_db import REDIS_URL, redis  # noqa: F401 (a fixture)

LIMIT = 5  # a second, per token: Telegram's 30 made small, so that the test takes a second or two


async def sends(limiter: RateLimiter, count: int, chat_id: int | None = None) -> list[float]:
    """`count` requests at once through `limiter` (pushes to `chat_id`, or replies): when each started."""
    started: list[float] = []

    async def one() -> None:
        async with limiter.slot(chat_id) if chat_id is not None else limiter.overall():
            started.append(asyncio.get_running_loop().time())

    await asyncio.gather(*(one() for _ in range(count)))
    return started


def most_in_a_second(started: list[float]) -> int:
    started = sorted(started)
    return max(sum(1 for t in started[i:] if t - first < 1.0) for i, first in enumerate(started))


async def two_processes(limiters: list[RateLimiter], count: int, chat_id: int | None = None) -> list[float]:
    each = await asyncio.gather(*(sends(limiter, count, chat_id) for limiter in limiters))
    return [t for started in each for t in started]


async def test_two_processes_share_the_tokens_limit_in_redis(redis):  # noqa: F811
    client, prefix = redis
    limiters = [RateLimiter(per_second=LIMIT, shared=SharedWindow(client, prefix)) for _ in range(2)]
    started = await two_processes(limiters, LIMIT)
    assert len(started) == 2 * LIMIT
    assert most_in_a_second(started) == LIMIT


async def test_without_redis_each_process_lets_its_whole_limit_through():
    started = await two_processes([RateLimiter(per_second=LIMIT) for _ in range(2)], LIMIT)
    assert most_in_a_second(started) == 2 * LIMIT


async def test_pushes_to_one_chat_from_two_processes_go_one_a_second(redis):  # noqa: F811
    client, prefix = redis
    limiters = [RateLimiter(per_second=LIMIT, shared=SharedWindow(client, prefix)) for _ in range(2)]
    started = await two_processes(limiters, 1, chat_id=4242)
    assert most_in_a_second(started) == 1
    assert most_in_a_second(await two_processes([RateLimiter() for _ in range(2)], 1, chat_id=4242)) == 2


async def test_a_reply_goes_before_the_pushes_that_wait_for_the_shared_window(redis):  # noqa: F811
    """Within a process the replies still go first when the places are taken by another process."""
    client, prefix = redis
    other, this = (RateLimiter(per_second=2, shared=SharedWindow(client, prefix)) for _ in range(2))
    await sends(other, 2)  # the other process took the second's places
    order: list[str] = []

    async def push(n: int) -> None:
        async with this.slot(9200 + n):
            order.append(f"push {n}")

    async def reply() -> None:
        async with this.overall():
            order.append("reply")

    pushes = [asyncio.create_task(push(n)) for n in range(2)]
    await asyncio.sleep(0.1)  # the pushes wait for the shared window's next second
    await asyncio.gather(reply(), *pushes)
    assert order[0] == "reply"


async def test_redis_unreachable_the_local_limits_keep_answering_and_it_is_said_once(caplog):
    async with Redis.from_url("redis://127.0.0.1:1/0") as nowhere:  # nothing listens on port 1
        limiter = RateLimiter(per_second=LIMIT, shared=SharedWindow(nowhere, "unreachable"))
        with caplog.at_level(logging.WARNING, logger="bot.pushes.limiter"):
            started = await sends(limiter, 2 * LIMIT)
    assert len(started) == 2 * LIMIT
    assert most_in_a_second(started) == LIMIT
    assert [r.getMessage() for r in caplog.records] == [
        "Redis does not answer (ConnectionError): the rate limits are this process's alone until it does"
    ]


async def test_run_with_redis_counts_the_replies_in_the_shared_window(emulator, tmp_path, redis):  # noqa: F811
    """`schoolbot run` with REDIS_URL: a reply takes its place in the token's window in Redis (bot.runtime)."""
    client, _prefix = redis
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
        redis_url=REDIS_URL,
    )
    window = f"{KEY}:{TOKEN.split(':')[0]}"
    stranger = TelegramUser(emulator, 700_999_101, "ru")
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        await stranger.send("/start")
        assert await client.zcard(window) >= 1
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
        keys = [key async for key in client.scan_iter(f"fsm:*:{stranger.id}:*")]
        await client.delete(window, *keys)
