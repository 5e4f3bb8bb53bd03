"""/reports → the school's reports (REP-2, REP-4, REP-5, ROLE-2): «Итоги по школе» of a period or of the year,
and «Сводная ведомость итоговых отметок»; then PDF or XLSX.

A whole school's report takes a while (every class is read), so it is made in the background: the tap is answered
at once with a progress message, which is edited as the classes are done (at most every EDIT_EVERY seconds, within
Telegram's limits for edits), then the file is sent and the message says it is ready. The work runs in an asyncio
task on a database session of its own (services.container.own_services on the dispatcher's `session_factory`):
the update's session closes when the handler returns. One report at a time per chat: a second tap meanwhile is
told that it is being prepared. The service checks the actor's right (REP-5) before any class is read."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.access import Actor
from services.clock import Clock
from services.container import Services, Sessions, own_services
from services.errors import DomainError
from services.files import FileStore
from ui.callbacks import ClassReport, ClassReportCB, ReportFormat, ReportsMenuCB, SchoolReport, SchoolReportCB
from ui.errors_text import error_text
from ui.reports.document import Document, Format
from ui.reports.render import file_name, render
from ui.reports.school import (
    busy_text,
    failed_text,
    final_document,
    final_summary,
    preparing_text,
    progress_text,
    ready_text,
    results_document,
    results_summary,
)
from ui.screens import Screen

log = logging.getLogger(__name__)

EDIT_EVERY = 2.0  # seconds between two edits of the progress message
RUNNING: dict[int, asyncio.Task] = {}  # the report in the making, by chat: one at a time (this process's)


async def on_periods(_query: CallbackQuery, services: Services, screen: Screen):
    """«Итоги по школе»: the period (each class's current one, one of the year's, or the year marks)."""
    periods = await services.school_reports.periods(screen.user.actor)  # refuses anyone but the administration
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Current period"), callback_data=SchoolReportCB(kind=SchoolReport.results, chosen=True))
    for period in periods:
        builder.button(
            text=period.name,
            callback_data=SchoolReportCB(kind=SchoolReport.results, chosen=True, period=period.period_id),
        )
    builder.button(
        text=_("Year marks"), callback_data=SchoolReportCB(kind=SchoolReport.results, chosen=True, year=True)
    )
    builder.button(text=_("◀ Reports"), callback_data=ReportsMenuCB())
    builder.adjust(1)
    await screen.show(_("School results: choose a period."), builder.as_markup())


async def on_classes(_query: CallbackQuery, services: Services, screen: Screen):
    """«Отчёты класса»: any class of the school, then its reports as its class teacher has them (REP-5)."""
    classes = await services.control.classes(screen.user.actor)  # refuses anyone but the administration
    builder = InlineKeyboardBuilder()
    for ref in classes:
        builder.button(text=ref.name, callback_data=ClassReportCB(cls=ref.id, kind=ClassReport.menu))
    builder.adjust(4)
    builder.row(InlineKeyboardButton(text=_("◀ Reports"), callback_data=ReportsMenuCB().pack()))
    await screen.show(_("Class reports: choose a class."), builder.as_markup())


async def on_formats(_query: CallbackQuery, callback_data: SchoolReportCB, services: Services, screen: Screen):
    await services.school_reports.periods(screen.user.actor)  # the role re-checked before the next step
    builder = InlineKeyboardBuilder()
    for fmt in (ReportFormat.pdf, ReportFormat.xlsx):
        builder.button(text=fmt.value.upper(), callback_data=callback_data.model_copy(update={"fmt": fmt}))
    builder.button(text=_("◀ Reports"), callback_data=ReportsMenuCB())
    builder.adjust(2, 1)
    await screen.show(_("Which file: PDF to print, or XLSX for a spreadsheet?"), builder.as_markup())


async def on_make(
    _query: CallbackQuery, callback_data: SchoolReportCB, services: Services, screen: Screen, session_factory: Sessions
):
    """Answers at once; the report is made in a task of its own."""
    running = RUNNING.get(screen.chat_id)
    if running is not None and not running.done():
        screen.toast(busy_text(screen.locale), alert=True)
        return
    await services.school_reports.periods(screen.user.actor)  # a refusal is said now, not in the background
    message = await screen.send(preparing_text(screen.locale))
    job = SchoolJob(
        bot=screen.bot,
        chat_id=screen.chat_id,
        message_id=message.message_id,
        actor=screen.user.actor,
        locale=screen.locale,
        wanted=callback_data,
        sessions=session_factory,
        clock=services.clock,
        store=services.store,
        last_edit=time.monotonic(),
    )
    task = asyncio.create_task(job.run(), name=f"school-report-{screen.chat_id}")
    RUNNING[screen.chat_id] = task
    task.add_done_callback(lambda done: RUNNING.pop(job.chat_id, None) if RUNNING.get(job.chat_id) is done else None)


@dataclass
class SchoolJob:
    """A whole school's report in the making: what it needs once the update is over."""

    bot: Bot
    chat_id: int
    message_id: int
    actor: Actor
    locale: str
    wanted: SchoolReportCB
    sessions: Sessions
    clock: Clock
    store: FileStore
    last_edit: float = 0.0

    async def run(self) -> None:
        try:
            document, summary = await self.make()
            fmt = Format(self.wanted.fmt.value)
            data = await asyncio.to_thread(render, document, fmt)
            await self.bot.send_document(
                self.chat_id, BufferedInputFile(data, file_name(document, fmt)), caption=summary
            )
            await self.edit(ready_text(self.locale))
        except DomainError as err:
            await self.edit(error_text(err.code, err.params, self.locale))
        except asyncio.CancelledError:  # the bot stops: the message says so, not «готовлю» for ever
            await self.edit(failed_text(self.locale))
            raise
        except Exception:
            log.exception("the school's report for chat %s failed", self.chat_id)
            await self.edit(failed_text(self.locale))

    async def make(self) -> tuple[Document, str]:
        async with own_services(self.sessions, self.clock, self.store) as services:
            reports = services.school_reports
            if self.wanted.kind is SchoolReport.finals:
                sheet = await reports.final_sheet(self.actor, None, self.progress)
                return final_document(sheet, self.locale), final_summary(sheet, self.locale)
            period = None if self.wanted.year or not self.wanted.period else self.wanted.period
            results = await reports.results(self.actor, period, self.wanted.year, self.progress)
            return results_document(results, self.locale), results_summary(results, self.locale)

    async def progress(self, done: int, total: int) -> None:
        """After each class: the message edited, not more often than every EDIT_EVERY seconds."""
        now = time.monotonic()
        if done < total and now - self.last_edit >= EDIT_EVERY:
            self.last_edit = now
            await self.edit(progress_text(done, total, self.locale))

    async def edit(self, text: str) -> None:
        with suppress(TelegramAPIError):  # deleted by the user meanwhile, or the same text: nothing to do
            await self.bot.edit_message_text(text=text, chat_id=self.chat_id, message_id=self.message_id)


async def stop_reports() -> None:
    """On the bot's stop (before its session closes): the reports in the making are cancelled, each message saying
    it could not be made, so that nothing is left half done when the process ends."""
    tasks = [task for task in RUNNING.values() if not task.done()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.shutdown.register(stop_reports)
    results, none = SchoolReport.results, ReportFormat.none
    router.callback_query.register(on_classes, SchoolReportCB.filter(F.kind == SchoolReport.classes))
    router.callback_query.register(on_periods, SchoolReportCB.filter((F.kind == results) & ~F.chosen & (F.fmt == none)))
    router.callback_query.register(on_formats, SchoolReportCB.filter(F.fmt == none))
    router.callback_query.register(on_make, SchoolReportCB.filter())
    return router
