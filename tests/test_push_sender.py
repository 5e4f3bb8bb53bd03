"""Pushes within Telegram's limits: bot/pushes/limiter.py and bot/pushes/sender.py against the local Bot API
emulator over HTTP, with an unmodified aiogram Bot. The tests with limits on take about a second each
(Telegram's one-second windows); backoff pauses are shortened."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter

from bot.pushes.limiter import RateLimiter, SharedLimits, limiter_for
from bot.pushes.sender import RetryPolicy, Status, send
from devtools.sandbox import BotAPIEmulator
from tests.files import png
from ui.formatting import MESSAGE_LIMIT

TOKEN = "5151:push-TEST_token_0123456789abcdefghij"
USER = 2001
FAST = RetryPolicy(first_pause=0.01, max_pause=0.05, attempts=4)


def make_bot(emulator: BotAPIEmulator, timeout: float = 5) -> Bot:
    # HTML by default, as in production (bot/runtime.py).
    return Bot(
        TOKEN,
        session=AiohttpSession(api=emulator.api_server(), timeout=timeout),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@pytest.fixture
async def bot(emulator):
    bot = make_bot(emulator)
    yield bot
    await bot.session.close()


def roomy() -> RateLimiter:
    """For pushes of several parts where the limits are not the point: 1 a second per chat would make
    each part wait a second."""
    return RateLimiter(per_chat_per_second=100)


def texts(emulator: BotAPIEmulator, chat_id: int) -> list[str]:
    return [m.get("text", m.get("caption")) for m in emulator.messages(TOKEN, chat_id)]


# --- within the limits ---------------------------------------------------------------------------


async def test_sixty_pushes_to_thirty_chats_all_arrive_in_order_and_telegram_refuses_none(emulator, bot):
    chats = range(3001, 3031)
    for chat_id in chats:
        emulator.add_user(TOKEN, chat_id)
    emulator.limits(enabled=True)  # Telegram's: 30 a second, 1 a second per chat
    limiter = RateLimiter()

    outcomes = await asyncio.gather(
        *(send(bot, limiter, chat_id, f"Mark {n} for chat {chat_id}") for n in (1, 2) for chat_id in chats)
    )

    assert [o.status for o in outcomes] == [Status.SENT] * 60
    assert sum(o.retries_429 for o in outcomes) == 0
    for chat_id in chats:
        assert texts(emulator, chat_id) == [f"Mark 1 for chat {chat_id}", f"Mark 2 for chat {chat_id}"]


async def test_sixty_pushes_to_three_chats_arrive_in_the_order_they_were_asked(emulator, bot):
    chats = (3101, 3102, 3103)
    for chat_id in chats:
        emulator.add_user(TOKEN, chat_id)
    # 20 a chat at Telegram's 1 a second would take 20 s; the per-chat rule is the same at 10.
    emulator.limits(enabled=True, per_second=30, per_chat_per_second=10)
    limiter = RateLimiter(per_second=30, per_chat_per_second=10)

    outcomes = await asyncio.gather(*(send(bot, limiter, chat_id, f"Push {n}") for n in range(20) for chat_id in chats))

    assert {o.status for o in outcomes} == {Status.SENT}
    assert sum(o.retries_429 for o in outcomes) == 0
    for chat_id in chats:
        assert texts(emulator, chat_id) == [f"Push {n}" for n in range(20)]


async def test_one_limiter_per_bot_token():
    assert limiter_for(TOKEN) is limiter_for(TOKEN)
    assert limiter_for(TOKEN) is not limiter_for("5152:other-token")


# --- what a push looks like -----------------------------------------------------------------------


async def test_text_then_files_arrive_in_order_without_link_previews(emulator, bot):
    photo = emulator.user_sends_photo(TOKEN, USER, png(1, 1))["photo"][-1]["file_id"]
    document = emulator.user_sends_document(TOKEN, USER, b"%PDF-1.4 plan", "plan.pdf")["document"]["file_id"]

    outcome = await send(
        bot,
        roomy(),
        USER,
        "<b>Announcement</b>: see https://school.example",
        [{"kind": "photo", "file_id": photo}, {"kind": "document", "file_id": document}],
    )

    assert (outcome.status, outcome.attempts, outcome.undelivered) == (Status.SENT, 3, 0)
    shown = emulator.messages(TOKEN, USER)
    assert [m["message_id"] for m in shown] == outcome.message_ids
    assert shown[0]["text"] == "Announcement: see https://school.example"
    assert shown[0]["entities"][0]["type"] == "bold"
    assert shown[1]["photo"][-1]["file_id"] == photo
    assert shown[2]["document"]["file_id"] == document
    [call] = emulator.calls(TOKEN, "sendMessage")
    assert json.loads(call["link_preview_options"])["is_disabled"] is True


async def test_a_long_text_is_cut_into_several_messages(emulator, bot):
    emulator.add_user(TOKEN, USER)
    lines = [f"{n}. Algebra, homework checked" for n in range(400)]

    outcome = await send(bot, roomy(), USER, "\n".join(lines))

    shown = texts(emulator, USER)
    assert outcome.status is Status.SENT and len(outcome.message_ids) == len(shown) > 1
    assert all(len(text) <= MESSAGE_LIMIT for text in shown)
    assert "\n".join(shown).split("\n") == lines


# --- Telegram's answers ---------------------------------------------------------------------------


async def test_a_429_is_waited_out_and_the_same_message_arrives_once(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 1, status=429)  # retry_after 1

    outcome = await send(bot, RateLimiter(), USER, "New mark: 5")

    assert (outcome.status, outcome.retries_429, outcome.attempts) == (Status.SENT, 1, 2)
    assert texts(emulator, USER) == ["New mark: 5"]


async def test_a_limiter_looser_than_telegram_meets_429_and_each_message_still_arrives_once(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.limits(enabled=True)  # 1 a second per chat
    limiter = RateLimiter(per_chat_per_second=5)

    outcomes = await asyncio.gather(send(bot, limiter, USER, "first"), send(bot, limiter, USER, "second"))

    assert [o.status for o in outcomes] == [Status.SENT, Status.SENT]
    assert sum(o.retries_429 for o in outcomes) == 1
    assert texts(emulator, USER) == ["first", "second"]


async def test_429_again_and_again_gives_up_for_later(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 5, status=429)

    outcome = await send(bot, RateLimiter(), USER, "New mark: 5", policy=RetryPolicy(flood_waits=2))

    assert (outcome.status, outcome.retries_429) == (Status.RETRY_LATER, 2)
    assert texts(emulator, USER) == []


async def test_a_user_who_blocked_the_bot_is_gone_and_gets_nothing(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.block(TOKEN, USER)

    outcome = await send(bot, RateLimiter(), USER, "New mark: 5", policy=FAST)

    assert (outcome.status, outcome.attempts, outcome.message_ids) == (Status.GONE, 1, [])
    assert texts(emulator, USER) == []


async def test_a_deleted_account_and_an_unknown_chat_are_gone(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.deactivate(TOKEN, USER)

    deactivated = await send(bot, RateLimiter(), USER, "New mark: 5", policy=FAST)
    unknown = await send(bot, RateLimiter(), 999_999, "New mark: 5", policy=FAST)

    assert (deactivated.status, deactivated.attempts) == (Status.GONE, 1)
    assert (unknown.status, unknown.attempts) == (Status.GONE, 1)
    assert texts(emulator, USER) == []


async def test_a_push_that_meets_a_blocked_user_after_its_text_is_gone(emulator, bot):
    photo = emulator.user_sends_photo(TOKEN, USER, png(1, 1))["photo"][-1]["file_id"]
    emulator.delay("sendPhoto", 0.3)
    push = asyncio.create_task(
        send(bot, roomy(), USER, "Announcement", [{"kind": "photo", "file_id": photo}], policy=FAST)
    )
    await emulator.wait_for_call(TOKEN, "sendPhoto")
    emulator.block(TOKEN, USER)  # the text went; the photo is on its way

    outcome = await push

    assert outcome.status is Status.GONE and len(outcome.message_ids) == 1
    assert texts(emulator, USER) == ["Announcement"]


async def test_a_refused_text_fails_at_once_and_the_log_keeps_the_text_out(emulator, bot, caplog):
    emulator.add_user(TOKEN, USER)

    with caplog.at_level(logging.INFO, logger="bot.pushes"):
        outcome = await send(bot, RateLimiter(), USER, "Secret <blink>mark</blink>", policy=FAST)

    assert (outcome.status, outcome.attempts) == (Status.FAILED, 1)
    assert texts(emulator, USER) == []
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "can't parse entities" in record.getMessage()
    assert "Secret" not in record.getMessage()


async def test_a_file_refused_after_the_text_went_leaves_the_push_sent_with_one_part_missing(emulator, bot):
    emulator.add_user(TOKEN, USER)

    outcome = await send(
        bot, roomy(), USER, "Announcement", [{"kind": "photo", "file_id": "AgACnot-real"}], policy=FAST
    )

    assert (outcome.status, outcome.undelivered, outcome.attempts) == (Status.SENT, 1, 2)
    assert texts(emulator, USER) == ["Announcement"]


async def test_two_502_answers_are_retried_and_the_message_arrives_once(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 2, status=502)

    outcome = await send(bot, RateLimiter(), USER, "New mark: 5", policy=FAST)

    assert (outcome.status, outcome.attempts, outcome.retries_429) == (Status.SENT, 3, 0)
    assert texts(emulator, USER) == ["New mark: 5"]


async def test_502_for_good_is_left_for_later(emulator, bot):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 100, status=502)

    outcome = await send(bot, RateLimiter(), USER, "New mark: 5", policy=FAST)

    assert (outcome.status, outcome.attempts, outcome.message_ids) == (Status.RETRY_LATER, FAST.attempts, [])
    assert texts(emulator, USER) == []


async def test_a_timeout_is_retried(emulator):
    emulator.add_user(TOKEN, USER)
    emulator.inject_failures("sendMessage", 1, status="timeout")
    bot = make_bot(emulator, timeout=0.5)
    try:
        outcome = await send(bot, RateLimiter(), USER, "New mark: 5", policy=FAST)
    finally:
        await bot.session.close()

    assert (outcome.status, outcome.attempts) == (Status.SENT, 2)
    assert texts(emulator, USER) == ["New mark: 5"]


async def test_replies_and_pushes_share_the_tokens_limit(emulator, bot):
    """Everything the bot sends counts against one limit per token: a reply to a user takes its place in
    the same window as the pushes (SharedLimits on the bot's session), so together they get no 429."""
    chats = list(range(9101, 9107))
    for chat_id in chats:
        emulator.add_user(TOKEN, chat_id)
    emulator.limits(enabled=True, per_second=3, per_chat_per_second=1)
    limiter = limiter_for(TOKEN)
    limiter._all.limit = 3
    with pytest.raises(TelegramRetryAfter):  # without the middleware, six at once overrun the emulator's 3/s
        await asyncio.gather(*(bot.send_message(chat_id, "reply") for chat_id in chats))
    await asyncio.sleep(1.1)
    bot.session.middleware(SharedLimits())
    await asyncio.gather(
        send(bot, limiter, chats[0], "push"),
        send(bot, limiter, chats[1], "push"),
        *(bot.send_message(chat_id, "reply") for chat_id in chats[2:]),
    )
    assert [texts(emulator, chat_id)[-1] for chat_id in chats] == ["push", "push"] + ["reply"] * 4


async def test_a_reply_goes_before_the_pushes_that_wait_for_the_window():
    """A person who taps a button during a fan-out waits for the next free place in the token's window,
    not behind every push queued before the tap."""
    limiter = RateLimiter(per_second=2)
    order: list[str] = []

    async def push(n: int) -> None:
        async with limiter.slot(9200 + n):
            order.append(f"push {n}")

    async def reply() -> None:
        async with limiter.overall():
            order.append("reply")

    pushes = [asyncio.create_task(push(n)) for n in range(4)]
    await asyncio.sleep(0.1)  # two pushes went; the other two wait for the window's next second
    await asyncio.gather(reply(), *pushes)
    assert order == ["push 0", "push 1", "reply", "push 2", "push 3"]
