"""Writing the audit log (DATA-3) and the outbox (pushes) inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import AlreadySaved
from .models import Absence, AuditEntry, CorrectionRequest, FinalMark, Mark, OutboxEvent, SavedDraft
from .pushes.payloads import Payload, stored


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


# Why the changes written now are made, when not by their author's own hand: set by audit_cause() around them.
_cause: ContextVar[str | None] = ContextVar("audit_cause", default=None)

# The rows whose student and lesson an entry of that entity may name, when its snapshots do not (an absence's reason).
_ROWS: dict[str, type] = {
    "mark": Mark,
    "absence": Absence,
    "final_mark": FinalMark,
    "correction_request": CorrectionRequest,
}


@contextmanager
def audit_cause(cause: str) -> Iterator[None]:
    """The entries written inside are marked with `cause`: «correction:12» (J-10), «order:…» (PER-5)."""
    token = _cause.set(cause)
    try:
        yield
    finally:
        _cause.reset(token)


def _whose(session: AsyncSession, entity: str, entity_id: int | None, values: dict) -> tuple[Any, Any]:
    """DATA-3: the student and the lesson an entry is about, from its snapshots, else from its row if the session
    holds it (never a query: audit() is called inside the change's transaction, synchronously)."""
    student_id, lesson_id = values.get("student_id"), values.get("lesson_id")
    if entity == "student":
        student_id = entity_id
    elif entity == "lesson":
        lesson_id = entity_id
    model = _ROWS.get(entity)
    if model is not None and entity_id is not None and (student_id is None or lesson_id is None):
        row = session.sync_session.identity_map.get(session.sync_session.identity_key(model, entity_id))
        student_id = student_id if student_id is not None else getattr(row, "student_id", None)
        lesson_id = lesson_id if lesson_id is not None else getattr(row, "lesson_id", None)
    return student_id, lesson_id


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
    cause: str | None = None,
) -> None:
    student_id, lesson_id = _whose(session, entity, entity_id, {**(before or {}), **(after or {})})
    session.add(
        AuditEntry(
            school_id=school_id,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            student_id=student_id,
            lesson_id=lesson_id,
            cause=cause or _cause.get(),
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
