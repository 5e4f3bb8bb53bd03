"""The files of a scheduled report (services/reminders/reports.py), made as its push is sent: the journal as it
is then, in the reader's language, rendered off the event loop."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clock import Clock
from services.pushes.payloads import ReportReady


async def report_files(
    sessions: async_sessionmaker[AsyncSession], reports: Sequence[ReportReady], locale: str, clock: Clock
) -> list[BufferedInputFile]:
    if not reports:
        return []
    raise NotImplementedError("made once the class and school reports are merged")
