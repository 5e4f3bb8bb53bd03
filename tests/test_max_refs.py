"""The durable store of what MAX gave the bot (bot/max/refs.DatabaseRefs on services/messenger_refs): a key written
again gets the new reference, each bot and each kind has its own keys, and old references can be forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot import jobs
from bot.max.refs import FILE_URL, MID, DatabaseRefs, MemoryRefs
from services import messenger_refs
from services.models import MessengerRef
from services.models.base import utcnow


async def test_a_reference_is_kept_per_bot_and_kind_and_replaced_when_written_again(session_factory):
    refs = DatabaseRefs(session_factory)
    await refs.remember(1, MID, {"-5001:700": "mid.a", "-5001:701": "mid.b"})
    await refs.remember(2, MID, {"-5001:700": "mid.other-bot"})
    await refs.remember(1, FILE_URL, {"-5001:700": "https://files/x"})
    await refs.remember(1, MID, {"-5001:700": "mid.a2"})
    await refs.remember(1, MID, {})  # nothing to keep: no transaction at all
    assert await refs.recall(1, MID, "-5001:700") == "mid.a2"
    assert await refs.recall(1, MID, "-5001:701") == "mid.b"
    assert await refs.recall(2, MID, "-5001:700") == "mid.other-bot"
    assert await refs.recall(1, FILE_URL, "-5001:700") == "https://files/x"
    assert await refs.recall(1, MID, "-5001:999") is None
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(MessengerRef)) == 4


async def test_old_references_are_forgotten(session_factory):
    refs = DatabaseRefs(session_factory)
    await refs.remember(1, MID, {"-5001:700": "mid.a"})
    async with session_factory() as session:
        assert await messenger_refs.forget_older_than(session, utcnow() - timedelta(days=1)) == 0
        assert await messenger_refs.forget_older_than(session, utcnow() + timedelta(seconds=1)) == 1
    assert await refs.recall(1, MID, "-5001:700") is None


async def test_the_memory_store_answers_the_same():
    refs = MemoryRefs()
    await refs.remember(1, MID, {"k": "a"})
    await refs.remember(1, MID, {"k": "b"})
    assert (await refs.recall(1, MID, "k"), await refs.recall(2, MID, "k")) == ("b", None)


async def test_the_nightly_job_forgets_what_is_older_than_thirty_days(session_factory):
    """A screen a month old, tapped, is sent again (its id forgotten); a newer one is still edited in place."""
    async with session_factory() as session:
        await messenger_refs.remember(session, 7, "max.mid", {"old": "mid.1", "new": "mid.2"})
        await session.execute(
            update(MessengerRef).where(MessengerRef.key == "old").values(created_at=utcnow() - timedelta(days=31))
        )
        await session.commit()
    assert await jobs.forget_old_refs(session_factory) == 1
    async with session_factory() as session:
        assert await messenger_refs.recall(session, 7, "max.mid", "old") is None
        assert await messenger_refs.recall(session, 7, "max.mid", "new") == "mid.2"
