"""The deliveries that are due, claimed a whole account at a time, and what became of them.

Once in normal operation: a delivery is claimed (SENDING) and committed before it is sent, and recorded
(SENT, FAILED …) after. A crash in between leaves it SENDING. A claim is a lease: the worker renews it while the
message is in hand (`renew()`), and `recover()` makes a delivery whose lease ran out PENDING again, so what a dead
worker had in flight is sent a second time and nothing else is, however many workers share the queue.

Each messenger's bot sends its own accounts' news: a worker claims (and recovers) only the deliveries whose account
is of its channel (Telegram's or MAX's); a person linked on both gets each account's own deliveries.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Account, Channel, Delivery, DeliveryStatus, EventKind, OutboxEvent, Person, Student

MAX_ATTEMPTS = 6
# A claim not renewed for this long belongs to a worker that is gone. Renewed every LEASE / 3, so a live worker
# keeps its claims through a slow Telegram, and a crashed one's messages go again within LEASE.
LEASE = timedelta(seconds=90)
RETRY_AFTER = timedelta(seconds=30)  # doubled at each attempt that Telegram could not take


@dataclass(frozen=True)
class Item:
    """One piece of news in a message."""

    delivery_id: int
    event_id: int
    kind: EventKind
    payload: dict
    student_id: int | None
    topic: str | None
    digest: bool
    told_before: bool  # this account was already sent news of the same topic: this one corrects it


@dataclass(frozen=True)
class Outgoing:
    """All the due news of one account: one message."""

    account_id: int
    locale: str
    items: tuple[Item, ...]
    names: dict[int, str] = field(default_factory=dict)  # student id → «Никита Иванов», for the headings


class Result(enum.Enum):
    SENT = "sent"
    NOTHING = "nothing"  # the news cancelled out (a mark added, then deleted): nothing was sent
    GONE = "gone"  # the user blocked the bot or is gone: the account stops getting pushes
    FAILED = "failed"  # Telegram refused this message for good
    RETRY_LATER = "retry_later"  # Telegram could not take it now


def _of_channel(channel: Channel):
    return Delivery.account_id.in_(select(Account.id).where(Account.channel == channel))


async def recover(session: AsyncSession, now: datetime, channel: Channel | None = None) -> int:
    """What a worker that is gone left in flight (its lease ran out) is sent again; `channel`: only the deliveries
    of that messenger's accounts (None: every channel's). The caller commits."""
    where = [
        Delivery.status == DeliveryStatus.SENDING,
        or_(Delivery.claimed_at.is_(None), Delivery.claimed_at <= now - LEASE),
    ]
    if channel is not None:
        where.append(_of_channel(channel))
    result = await session.execute(update(Delivery).where(*where).values(status=DeliveryStatus.PENDING))
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result


async def renew(session: AsyncSession, delivery_ids: list[int], now: datetime) -> None:
    """The worker still has these in hand: their leases start again. The caller commits."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.SENDING)
        .values(claimed_at=now)
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    accounts: int = 50,
    busy: frozenset[int] = frozenset(),
    schools: frozenset[int] | None = None,
    channel: Channel = Channel.TELEGRAM,
) -> list[Outgoing]:
    """Up to `accounts` accounts' due news, each account's as one Outgoing, marked SENDING. The caller commits.
    `schools`: only the news of these schools (a school's own bot sends them), None: every school's. `channel`:
    only the accounts of that messenger (the bot's)."""
    query = (
        select(Delivery.id, Delivery.account_id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now, Account.channel == channel)
    )
    if schools is not None:
        query = query.join(OutboxEvent, OutboxEvent.id == Delivery.event_id).where(OutboxEvent.school_id.in_(schools))
    due = (
        await session.execute(
            query.order_by(Delivery.due_at, Delivery.id)
            .limit(accounts * 20)
            .with_for_update(skip_locked=True, of=Delivery)
        )
    ).all()
    chosen: dict[int, list[int]] = {}
    for delivery_id, account_id in due:
        if account_id in busy or (account_id not in chosen and len(chosen) >= accounts):
            continue
        chosen.setdefault(account_id, []).append(delivery_id)
    if not chosen:
        return []
    ids = [i for group in chosen.values() for i in group]
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(status=DeliveryStatus.SENDING, attempts=Delivery.attempts + 1, claimed_at=now)
    )
    rows = (
        await session.execute(
            select(Delivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.event_id)
        )
    ).all()
    told = await _told_before(session, rows)
    locales = dict((await session.execute(select(Account.id, Account.locale).where(Account.id.in_(chosen)))).all())
    names = await _names(session, {d.student_id for d, _ in rows if d.student_id is not None})
    items: dict[int, list[Item]] = {}
    for delivery, event in rows:
        items.setdefault(delivery.account_id, []).append(
            Item(
                delivery.id,
                event.id,
                event.kind,
                event.payload,
                delivery.student_id,
                delivery.topic,
                delivery.digest,
                (delivery.account_id, delivery.topic) in told,
            )
        )
    return [
        Outgoing(
            account_id,
            locales.get(account_id, "ru"),
            tuple(items[account_id]),
            {s: names[s] for s in {i.student_id for i in items[account_id]} if s in names},
        )
        for account_id in chosen
        if account_id in items
    ]


async def record(
    session: AsyncSession, outgoing: Outgoing, result: Result, now: datetime, schools: frozenset[int] | None = None
) -> None:
    """What became of one message; `schools`: those of the bot that sent it (claim_due). The caller commits."""
    ids = [item.delivery_id for item in outgoing.items]
    where = Delivery.id.in_(ids)
    if result is Result.SENT:
        await session.execute(update(Delivery).where(where).values(status=DeliveryStatus.SENT, sent_at=now))
    elif result is Result.NOTHING:
        await session.execute(update(Delivery).where(where).values(status=DeliveryStatus.MERGED))
    elif result is Result.GONE:
        waiting = [
            Delivery.account_id == outgoing.account_id,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
        ]
        if schools is None:
            account = await session.get(Account, outgoing.account_id)
            if account is not None:
                account.is_active = False
        else:  # one school's own bot blocked: the account still hears the other schools' bots
            waiting.append(Delivery.event_id.in_(select(OutboxEvent.id).where(OutboxEvent.school_id.in_(schools))))
        await session.execute(update(Delivery).where(*waiting).values(status=DeliveryStatus.FAILED))
    elif result is Result.FAILED:
        await session.execute(update(Delivery).where(where).values(status=DeliveryStatus.FAILED))
    else:
        for delivery in await session.scalars(select(Delivery).where(where)):
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.due_at = now + RETRY_AFTER * 2 ** (delivery.attempts - 1)


async def _told_before(session: AsyncSession, rows) -> set[tuple[int, str | None]]:
    topics = {d.topic for d, _ in rows if d.topic is not None}
    if not topics:
        return set()
    accounts = {d.account_id for d, _ in rows}
    return set(
        (
            await session.execute(
                select(Delivery.account_id, Delivery.topic).where(
                    Delivery.topic.in_(topics),
                    Delivery.account_id.in_(accounts),
                    Delivery.status == DeliveryStatus.SENT,
                )
            )
        ).all()
    )


async def _names(session: AsyncSession, student_ids: set[int]) -> dict[int, str]:
    if not student_ids:
        return {}
    rows = await session.execute(
        select(Student.id, Person.first_name, Person.last_name)
        .join(Person, Person.id == Student.person_id)
        .where(Student.id.in_(student_ids))
    )
    return {sid: f"{first} {last}" for sid, first, last in rows}
