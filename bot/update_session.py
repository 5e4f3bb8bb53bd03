"""The database session of the update being handled, for what runs within its handling but outside the handlers:
a reply that waits for its turn under the messenger's limits (bot/pushes/limiter.py) first ends the update's
read transaction, so that it holds no database connection meanwhile. MAX takes 2 messages a second to a chat: a
flood's answers wait seconds, and each held a connection that a neighbour's update then waited for."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.db import end_reads

UPDATE_SESSION: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


async def end_update_reads() -> None:
    session = UPDATE_SESSION.get()
    if session is not None:
        await end_reads(session)
