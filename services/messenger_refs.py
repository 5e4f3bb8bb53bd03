"""The references a messenger gave a bot and the bot needs again (services/models/messengers.MessengerRef).

Written once per message or file the messenger tells of, read when the bot edits, deletes or downloads it. Keys are
unique per (bot, kind): writing a key again replaces its reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .db import write_transaction
from .models import MessengerRef
from .models.base import utcnow


async def remember(session: AsyncSession, bot_key: int, kind: str, refs: Mapping[str, str]) -> None:
    """Keeps `refs` (key → reference) of `kind` for the bot `bot_key`, in one transaction; a key kept already gets
    the new reference."""
    if not refs:
        return
    rows = [
        {"bot_key": bot_key, "kind": kind, "key": key, "ref": ref, "created_at": utcnow()} for key, ref in refs.items()
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(MessengerRef).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["bot_key", "kind", "key"],
        set_={"ref": statement.excluded.ref, "created_at": statement.excluded.created_at},
    )
    async with write_transaction(session):
        await session.execute(statement)


async def recall(session: AsyncSession, bot_key: int, kind: str, key: str) -> str | None:
    """The reference kept for `key`, or None."""
    found = await session.scalar(
        select(MessengerRef.ref).where(
            MessengerRef.bot_key == bot_key, MessengerRef.kind == kind, MessengerRef.key == key
        )
    )
    await session.commit()  # no read transaction left open between the bot's requests
    return found


async def forget_older_than(session: AsyncSession, moment: datetime) -> int:
    """Forgets the references kept before `moment` (of every bot); how many were forgotten."""
    async with write_transaction(session):
        result = await session.execute(delete(MessengerRef).where(MessengerRef.created_at < moment))
    return getattr(result, "rowcount", 0) or 0
