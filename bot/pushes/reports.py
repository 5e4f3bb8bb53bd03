"""The files of a scheduled report (services/reminders/reports.py), made as its push is sent: the journal as it
is then, read with the recipient's own rights (REP-5: a class teacher who no longer leads the class gets no file),
in the recipient's language, a PDF to print and an XLSX, rendered off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date

from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.access import load_actor
from services.clock import Clock
from services.errors import DomainError
from services.pushes.payloads import ReportReady, ScheduledReport
from services.reports.classes import ClassReports
from services.reports.school import SchoolReports
from ui.reports import classes, school
from ui.reports.document import Document, Format
from ui.reports.render import file_name, render

log = logging.getLogger(__name__)


async def report_files(
    sessions: async_sessionmaker[AsyncSession], reports: Sequence[ReportReady], locale: str, clock: Clock
) -> list[BufferedInputFile]:
    files = []
    for report in reports:
        async with sessions() as session:
            try:
                document = await _document(session, clock, report, locale)
            except DomainError as err:  # the recipient may not see it any more: the push goes without it
                log.info("scheduled report %s not made: %s", report.report.value, err.code)
                continue
        for fmt in (Format.PDF, Format.XLSX):
            data = await asyncio.to_thread(render, document, fmt)
            files.append(BufferedInputFile(data, file_name(document, fmt)))
    return files


async def _document(session: AsyncSession, clock: Clock, report: ReportReady, locale: str) -> Document:
    actor = await load_actor(session, report.to_persons[0])
    if report.report is ScheduledReport.SCHOOL_RESULTS:
        return school.results_document(await SchoolReports(session, clock).results(actor, report.period_id), locale)
    assert report.class_id is not None  # a class's report names its class
    reports = ClassReports(session, clock)
    if report.report is ScheduledReport.CLASS_ATTENDANCE:
        month = await reports.month_attendance(actor, report.class_id, date.fromisoformat(report.month))
        return classes.attendance_document(month, locale)
    return classes.results_document(await reports.results(actor, report.class_id, report.period_id), locale)
