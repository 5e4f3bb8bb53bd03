"""Accounts per channel: one person may be linked on Telegram and on MAX at once (one account per channel). A fresh
code moves the access within its channel (ACC-8); logging out unlinks that account only; a withdrawn consent (ACC-7)
and the administrator's revoke end every channel's link; each account gets its own pushes by its own preferences,
and each messenger's worker claims only its own accounts' deliveries. The migration keeps every old account and
link as Telegram's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select, text

from services.access import load_actor, system_actor
from services.accounts import AccountRef, AccountService
from services.db import create_engine, create_session_factory
from services.invites import InviteService
from services.journal import JournalService
from services.migrate import run_alembic, upgrade
from services.models import (
    Account,
    AuditEntry,
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationSetting,
    NotifyKind,
    NotifyMode,
    PersonAccount,
)
from services.preferences import PreferenceService
from services.pushes.fanout import plan_pending
from services.pushes.queue import claim_due, recover
from tests.factories import TODAY, account_of, build_school, open_lesson

WEEK = timedelta(days=7)
TG_MOTHER = 6_000_000_001
MAX_MOTHER = AccountRef(-5, Channel.MAX, 5)  # MAX user 5, as the bot sees them (bot/channels.py)
MAX_OTHER = AccountRef(-6, Channel.MAX, 6)
BEFORE = "f1a2b3c4d5e6"  # the revision before accounts per channel


@pytest.fixture
def invites(session, clock):
    return InviteService(session, clock)


async def redeem(invites, school, person_id: int, account: AccountRef | int) -> None:
    [code] = await invites.for_person(system_actor(school.school_id), person_id, WEEK)
    await invites.accept(account, code.code)


async def links(session, person_id: int) -> dict[Channel, int]:
    await session.commit()
    rows = await session.execute(
        select(PersonAccount.channel, PersonAccount.account_id).where(PersonAccount.person_id == person_id)
    )
    return dict(rows.all())


async def test_a_person_linked_on_telegram_then_on_max_keeps_both(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    assert await links(session, mother) == {Channel.TELEGRAM: TG_MOTHER, Channel.MAX: MAX_MOTHER.id}
    stored = await session.get_one(Account, MAX_MOTHER.id)
    assert (stored.channel, stored.external_id) == (Channel.MAX, 5)
    telegram = await session.get_one(Account, TG_MOTHER)
    assert (telegram.channel, telegram.external_id) == (Channel.TELEGRAM, TG_MOTHER)
    # Each account acts as the mother.
    for account in (AccountRef(TG_MOTHER), MAX_MOTHER):
        user = await AccountService(session).current_user(account)
        assert user.actor is not None and user.actor.person_id == mother
        assert user.account == account
    # Linked on any channel: not among those without access.
    unlinked = await invites.unlinked(await load_actor(session, school.staff["math"]), school.classes["5А"])
    assert mother not in {u.person_id for u in unlinked}


async def test_linked_on_max_only_is_not_unlinked(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    teacher = await load_actor(session, school.staff["math"])
    assert mother in {u.person_id for u in await invites.unlinked(teacher, school.classes["5А"])}
    await redeem(invites, school, mother, MAX_MOTHER)
    assert mother not in {u.person_id for u in await invites.unlinked(teacher, school.classes["5А"])}


async def test_a_second_code_on_the_same_channel_moves_the_access_and_leaves_the_other_channel_ACC_8(
    session, invites, school
):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    await redeem(invites, school, mother, MAX_OTHER)
    assert await links(session, mother) == {Channel.TELEGRAM: TG_MOTHER, Channel.MAX: MAX_OTHER.id}
    assert (await AccountService(session).current_user(MAX_MOTHER)).actor is None  # the old MAX account lost it
    link_entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "link").order_by(AuditEntry.id))
    ).all()
    assert link_entries[-1].before == {"account_id": MAX_MOTHER.id, "channel": "max"}
    assert link_entries[-1].after == {"account_id": MAX_OTHER.id, "channel": "max"}


async def test_logout_on_max_leaves_the_telegram_link(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    assert await invites.logout(MAX_MOTHER.id) == 1
    assert await links(session, mother) == {Channel.TELEGRAM: TG_MOTHER}
    assert (await AccountService(session).current_user(AccountRef(TG_MOTHER))).actor is not None


async def test_a_withdrawn_consent_ends_every_channel_ACC_7(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    await invites.withdraw_consent(MAX_MOTHER.id, mother)  # from either account
    assert await links(session, mother) == {}
    unlinks = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "unlink"))).all()
    assert {e.before["channel"] for e in unlinks} == {"telegram", "max"}


async def test_a_consent_is_withdrawn_only_from_an_account_linked_to_the_person(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    from services.errors import NotFound

    with pytest.raises(NotFound):
        await invites.withdraw_consent(MAX_MOTHER.id, mother)
    assert await links(session, mother) == {Channel.TELEGRAM: TG_MOTHER}


async def test_the_administrators_revoke_ends_every_channel_ACC_8(session, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    assert await invites.unlink_person(system_actor(school.school_id), mother) is True
    assert await links(session, mother) == {}
    assert await invites.unlink_person(system_actor(school.school_id), mother) is False  # nothing left to cut


async def give_mark(session, clock, school) -> None:
    journal = JournalService(session, clock)
    teacher, view = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
    await journal.add_marks(teacher, view.lesson_id, school.work_types["test"], [(school.students["alekseev"], 5)])
    await plan_pending(session, clock(), timedelta(seconds=15))
    await session.commit()


async def planned(session) -> dict[int, Delivery]:
    await session.rollback()
    return {d.account_id: d for d in await session.scalars(select(Delivery).order_by(Delivery.id))}


async def test_a_mark_reaches_each_linked_account_by_its_own_preferences(session, clock, invites, school):
    mother, son = school.parents["alekseeva_mother"], school.students["alekseev"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    on_max = await AccountService(session).current_user(MAX_MOTHER)
    await PreferenceService(session, clock).set_mode(on_max, son, NotifyKind.MARKS, NotifyMode.DIGEST)
    await give_mark(session, clock, school)
    found = await planned(session)
    assert set(found) == {TG_MOTHER, MAX_MOTHER.id}
    assert found[TG_MOTHER].digest is False and found[TG_MOTHER].due_at == found[TG_MOTHER].created_at  # INSTANT
    assert found[MAX_MOTHER.id].digest is True  # MAX's own choice
    # The choice is the MAX account's: Telegram's has none stored.
    stored = (await session.execute(select(NotificationSetting.account_id, NotificationSetting.mode))).all()
    assert stored == [(MAX_MOTHER.id, NotifyMode.DIGEST)]


async def test_an_account_muted_on_one_channel_still_hears_on_the_other(session, clock, invites, school):
    mother, son = school.parents["alekseeva_mother"], school.students["alekseev"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    on_telegram = await AccountService(session).current_user(TG_MOTHER)
    await PreferenceService(session, clock).set_mode(on_telegram, son, NotifyKind.MARKS, NotifyMode.OFF)
    await give_mark(session, clock, school)
    found = await planned(session)
    # The student has no account here: only the mother's MAX account hears of the mark.
    assert set(found) == {MAX_MOTHER.id} and found[MAX_MOTHER.id].digest is False


async def test_each_channel_claims_only_its_own_accounts_deliveries(session, clock, invites, school):
    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, TG_MOTHER)
    await redeem(invites, school, mother, MAX_MOTHER)
    await give_mark(session, clock, school)
    telegram = await claim_due(session, clock())  # Telegram's by default: today's workers
    await session.commit()
    assert [o.account_id for o in telegram] == [TG_MOTHER]
    assert await claim_due(session, clock(), channel=Channel.TELEGRAM) == []
    on_max = await claim_due(session, clock(), channel=Channel.MAX)
    await session.commit()
    assert [o.account_id for o in on_max] == [MAX_MOTHER.id]
    assert {d.status for d in (await planned(session)).values()} == {DeliveryStatus.SENDING}
    # A lease run out: recovering one channel leaves the other's in flight.
    later = clock() + timedelta(hours=1)
    assert await recover(session, later, Channel.MAX) == 1
    await session.commit()
    found = await planned(session)
    assert (found[TG_MOTHER].status, found[MAX_MOTHER.id].status) == (DeliveryStatus.SENDING, DeliveryStatus.PENDING)


async def test_the_migration_keeps_every_account_and_link_as_telegrams(db_url):
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            school = await build_school(session)
        await run_alembic(engine, command.downgrade, BEFORE)
        mother, father = school.parents["alekseeva_mother"], school.parents["borisov_father"]
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO telegram_accounts (id, locale, is_active, digest_time, quiet_from, quiet_to, created_at)"
                    " VALUES (:id, 'en', :active, '19:00:00', '21:00:00', '08:00:00', '2026-11-01 10:00:00')"
                ),
                [{"id": 777, "active": True}, {"id": 778, "active": False}, {"id": 779, "active": True}],
            )
            await conn.execute(
                text("UPDATE persons SET account_id = :account WHERE id = :person"),
                [{"account": 777, "person": mother}, {"account": 778, "person": father}],
            )
            await conn.execute(
                text(
                    "INSERT INTO notification_settings (account_id, student_id, kind, mode)"
                    " VALUES (777, :student, 'marks', 'off')"
                ),
                {"student": school.students["alekseev"]},
            )
        await upgrade(engine)
        if engine.dialect.name == "sqlite":  # persons' constraint removed in place: the file is sound
            async with engine.connect() as conn:
                assert (await conn.execute(text("PRAGMA integrity_check"))).scalars().all() == ["ok"]
                assert (await conn.execute(text("PRAGMA foreign_key_check"))).all() == []
        async with create_session_factory(engine)() as session:
            accounts = {a.id: a for a in await session.scalars(select(Account))}
            assert {i: (a.channel, a.external_id, a.locale, a.is_active) for i, a in accounts.items()} == {
                777: (Channel.TELEGRAM, 777, "en", True),
                778: (Channel.TELEGRAM, 778, "en", False),
                779: (Channel.TELEGRAM, 779, "en", True),
            }
            assert await account_of(session, mother) == 777 and await account_of(session, father) == 778
            assert await session.scalar(select(NotificationSetting.mode)) is NotifyMode.OFF
            user = await AccountService(session).current_user(777)
            assert user.actor is not None and user.actor.person_id == mother
            # The unique key per channel holds; a MAX account may have the same messenger id as a Telegram one.
            session.add(Account(id=-777, channel=Channel.MAX, external_id=777))
            await session.commit()
        # Down again: Telegram's links go back to persons; MAX's have no place there.
        await run_alembic(engine, command.downgrade, BEFORE)
        async with engine.connect() as conn:
            back = dict((await conn.execute(text("SELECT id, account_id FROM persons"))).all())
            kept = sorted((await conn.execute(text("SELECT id FROM telegram_accounts"))).scalars())
        assert back[mother] == 777 and back[father] == 778
        assert kept == [777, 778, 779]
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            assert await account_of(session, mother) == 777
    finally:
        await engine.dispose()


async def test_the_bots_middleware_hands_the_services_the_account_of_its_messenger(session, clock, invites, school):
    """A MAX bot's update (bot/channels.py: the user's id negated) is read as the MAX account; a Telegram bot's as
    Telegram's, as before."""
    from aiogram.types import User

    from bot.middlewares import UserMiddleware
    from services.container import Services

    class MaxLikeBot:
        channel = Channel.MAX

    mother = school.parents["alekseeva_mother"]
    await redeem(invites, school, mother, MAX_MOTHER)
    seen = {}

    async def handler(_event, data):
        seen["user"] = data["user"]

    for bot, user_id in ((MaxLikeBot(), -5), (None, TG_MOTHER)):
        data = {
            "bot": bot,
            "event_from_user": User(id=user_id, is_bot=False, first_name="Ольга", language_code="ru"),
            "services": Services(session, clock, store=None),
        }
        await UserMiddleware()(handler, None, data)
        seen[user_id] = seen.pop("user")
    assert seen[-5].account == MAX_MOTHER and seen[-5].actor is not None and seen[-5].actor.person_id == mother
    assert seen[TG_MOTHER].account == AccountRef(TG_MOTHER, Channel.TELEGRAM, TG_MOTHER)
    assert seen[TG_MOTHER].actor is None  # not linked on Telegram
    # The language chosen on MAX is the MAX account's.
    await AccountService(session).set_locale(seen[-5].account, "en")
    assert await AccountService(session).locale(MAX_MOTHER.id) == "en"
    assert await AccountService(session).locale(TG_MOTHER) == "ru"
