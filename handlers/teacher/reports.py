"""/reports → a class and subject (REP-2, REP-5): «Ведомость класса по предмету» of a period, or «Выполнение
программы»; then PDF or XLSX. One class's report is quick: it is made while the tap waits, drawn off the event
loop, and sent as a file with a short summary. The service re-checks the assignment on every tap: a forged
button for another teacher's class is refused."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.reports.teacher import ReportChoice
from ui.callbacks import ReportFormat, ReportsMenuCB, TeacherReport, TeacherReportCB
from ui.reports.document import Format
from ui.reports.render import file_name, render
from ui.reports.teacher import (
    class_subject,
    programme_document,
    programme_summary,
    subject_sheet_document,
    subject_sheet_summary,
)
from ui.screens import Screen


async def on_assignment(_query: CallbackQuery, callback_data: TeacherReportCB, services: Services, screen: Screen):
    """The reports of one class and subject."""
    choice = await find_choice(services, screen, callback_data.assignment)
    builder = InlineKeyboardBuilder()
    if choice.periods:
        builder.button(
            text=_("Class sheet by subject"),
            callback_data=TeacherReportCB(assignment=choice.assignment_id, kind=TeacherReport.sheet),
        )
    builder.button(
        text=_("Programme completion"),
        callback_data=TeacherReportCB(assignment=choice.assignment_id, kind=TeacherReport.programme),
    )
    builder.button(text=_("◀ Reports"), callback_data=ReportsMenuCB())
    builder.adjust(1)
    title = class_subject(choice.class_name, choice.subgroup, choice.subject)
    await screen.show("<b>{}</b>\n{}".format(title, _("Choose a report.")), builder.as_markup())


async def on_periods(_query: CallbackQuery, callback_data: TeacherReportCB, services: Services, screen: Screen):
    choice = await find_choice(services, screen, callback_data.assignment)
    builder = InlineKeyboardBuilder()
    for period in choice.periods:
        builder.button(
            text=period.name,
            callback_data=TeacherReportCB(
                assignment=choice.assignment_id, kind=TeacherReport.sheet, period=period.period_id
            ),
        )
    builder.button(text=_("◀ Back"), callback_data=TeacherReportCB(assignment=choice.assignment_id))
    builder.adjust(1)
    await screen.show(_("Class sheet by subject: choose a period."), builder.as_markup())


async def on_formats(_query: CallbackQuery, callback_data: TeacherReportCB, services: Services, screen: Screen):
    await find_choice(services, screen, callback_data.assignment)  # another's class is refused before any file
    builder = InlineKeyboardBuilder()
    for fmt in (ReportFormat.pdf, ReportFormat.xlsx):
        builder.button(text=fmt.value.upper(), callback_data=callback_data.model_copy(update={"fmt": fmt}))
    builder.button(text=_("◀ Back"), callback_data=TeacherReportCB(assignment=callback_data.assignment))
    builder.adjust(2, 1)
    await screen.show(_("Which file: PDF to print, or XLSX for a spreadsheet?"), builder.as_markup())


async def on_make(_query: CallbackQuery, callback_data: TeacherReportCB, services: Services, screen: Screen):
    actor, locale = screen.user.actor, screen.locale
    if callback_data.kind is TeacherReport.sheet:
        sheet = await services.teacher_reports.subject_sheet(actor, callback_data.assignment, callback_data.period)
        document, summary = subject_sheet_document(sheet, locale), subject_sheet_summary(sheet, locale)
    else:
        programme = await services.teacher_reports.programme(actor, callback_data.assignment)
        document, summary = programme_document(programme, locale), programme_summary(programme, locale)
    fmt = Format(callback_data.fmt.value)
    data = await asyncio.to_thread(render, document, fmt)
    await screen.bot.send_document(screen.chat_id, BufferedInputFile(data, file_name(document, fmt)), caption=summary)
    screen.toast(_("The report is sent."))


async def find_choice(services: Services, screen: Screen, assignment_id: int) -> ReportChoice:
    return await services.teacher_reports.choice(screen.user.actor, assignment_id)  # refuses another's class


def build_router() -> Router:
    router = Router(name=__name__)
    none, sheet = TeacherReport.none, TeacherReport.sheet
    router.callback_query.register(on_assignment, TeacherReportCB.filter(F.kind == none))
    router.callback_query.register(on_periods, TeacherReportCB.filter((F.kind == sheet) & (F.period == 0)))
    router.callback_query.register(on_formats, TeacherReportCB.filter(F.fmt == ReportFormat.none))
    router.callback_query.register(on_make, TeacherReportCB.filter())
    return router
