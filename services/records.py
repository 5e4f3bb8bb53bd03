"""Writing the audit log (DATA-3) and the outbox (pushes) inside the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import AlreadySaved
from .models import AuditEntry, OutboxEvent, SavedDraft
from .pushes.payloads import Payload, stored


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def audit(
    session: AsyncSession,
    *,
    school_id: int | None,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    session.add(
        AuditEntry(
            school_id=school_id,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


async def save_once(session: AsyncSession, draft_id: str | None) -> None:
    """First in a save's transaction: the draft's id is written with what it saves, and a second save of the same
    draft (another tap, another process, a retry) is refused by the key, AlreadySaved, whichever commits first.
    A draft without an id (made before drafts had one) is saved as before."""
    if draft_id is None:
        return
    session.add(SavedDraft(id=draft_id))
    try:
        await session.flush()
    except IntegrityError:
        raise AlreadySaved("draft.saved") from None


def emit(session: AsyncSession, school_id: int, payload: Payload) -> None:
    """Queue a domain event; it is committed, or dropped, together with the change that caused it."""
    session.add(OutboxEvent(school_id=school_id, kind=payload.kind, payload=stored(payload)))


async def emit_once(session: AsyncSession, school_id: int, key: str, payload: Payload) -> bool:
    """A scheduled reminder, unless one with this key is already written (the same job run twice a day,
    or by two schedulers at once). True if written."""
    if await session.scalar(select(OutboxEvent.id).where(OutboxEvent.key == key)) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(OutboxEvent(school_id=school_id, kind=payload.kind, key=key, payload=stored(payload)))
    except IntegrityError:
        return False
    return True
