"""A person's links to messenger accounts (PersonAccount): at most one per channel, so the same person may use
Telegram and MAX at once. A fresh code moves the access within its channel (ACC-8); logging out unlinks that one
account; a withdrawn consent (ACC-7), a revoke, a leaver (ACC-9), a dismissal (ACC-6) end every channel's link.
"Unlinked" means no account on any channel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Channel, Person, PersonAccount
from .records import audit


def has_account(person_id: Any = Person.id) -> ColumnElement[bool]:
    """Whether the person (a column or an id) is linked to an account of any channel."""
    return exists().where(PersonAccount.person_id == person_id)


def persons_of(account_id: int) -> Select[Any]:
    """The ids of the persons linked to an account, for an IN (…) of the same statement."""
    return select(PersonAccount.person_id).where(PersonAccount.account_id == account_id)


async def links_of(session: AsyncSession, person_id: int) -> list[PersonAccount]:
    return list(
        (
            await session.scalars(
                select(PersonAccount).where(PersonAccount.person_id == person_id).order_by(PersonAccount.id)
            )
        ).all()
    )


async def unlink(
    session: AsyncSession,
    person: Person,
    actor_id: int | None,
    *,
    account_id: int | None = None,
) -> list[int]:
    """The person's links ended, each recorded as an unlinking: every channel's, or only the one to `account_id`.
    Returns the accounts that lost the person."""
    ended = []
    for link in await links_of(session, person.id):
        if account_id is not None and link.account_id != account_id:
            continue
        audit(
            session,
            school_id=person.school_id,
            actor_id=actor_id or person.id,
            action="unlink",
            entity="person",
            entity_id=person.id,
            before={"account_id": link.account_id, "channel": link.channel.value},
            after={"account_id": None, "channel": link.channel.value},
        )
        await session.delete(link)
        ended.append(link.account_id)
    if ended:
        await session.flush()
    return ended


async def unlink_all(session: AsyncSession, person_ids: Iterable[int] | Select[Any]) -> None:
    """Every channel's link of these persons ended at once (a leaver, a graduate: ACC-9), unrecorded one by one."""
    ids = person_ids if isinstance(person_ids, Select) else list(person_ids)
    await session.execute(delete(PersonAccount).where(PersonAccount.person_id.in_(ids)))


async def link(session: AsyncSession, person: Person, account_id: int, channel: Channel) -> int | None:
    """ACC-8: the person linked to the account on its channel; the person's previous account of that channel (if
    another) loses it, the other channel's link stays. Returns that previous account."""
    current = await session.scalar(
        select(PersonAccount).where(PersonAccount.person_id == person.id, PersonAccount.channel == channel)
    )
    if current is None:
        session.add(PersonAccount(person_id=person.id, account_id=account_id, channel=channel))
        return None
    previous, current.account_id = current.account_id, account_id
    return None if previous == account_id else previous
