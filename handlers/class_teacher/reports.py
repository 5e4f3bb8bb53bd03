"""/class → «📊 Отчёты» (REP-2, REP-4): the class teacher's reports of their class — the results of a period or of
the year, the summary sheet of marks, the attendance of a period or of a month. A report, then its period (or
month), then PDF or XLSX: the figures in the chat and the file sent. Every tap goes through the service, which
re-checks that the class is the teacher's (ACC-4, REP-5) and that the period is the class's."""

from __future__ import annotations

import asyncio
from datetime import date
from html import escape

from aiogram import Router
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.models import Role
from services.reports.classes import ReportChoices
from ui.callbacks import ClassReport, ClassReportCB, ReportsMenuCB
from ui.filters import RoleFilter
from ui.i18n import N_
from ui.reports.classes import (
    attendance_document,
    attendance_summary,
    month_name,
    results_document,
    results_summary,
    sheet_summary,
    summary_document,
)
from ui.reports.document import Document, Format
from ui.reports.render import file_name, render
from ui.reports.student import card_caption, card_document
from ui.screens import Screen

from .class_screen import back_to_class

REPORTS = {
    ClassReport.results: N_("Period results"),
    ClassReport.summary: N_("Summary sheet"),
    ClassReport.attendance: N_("Attendance for a period"),
    ClassReport.month: N_("Attendance for a month"),
    ClassReport.cards: N_("A student's report card"),
}
WITH_YEAR = (ClassReport.results, ClassReport.summary)  # the year's marks as well as a period's


def chosen(data: ClassReportCB) -> bool:
    if data.kind is ClassReport.cards:
        return data.student != 0
    if data.kind is ClassReport.month:
        return data.month != 0
    return data.period != 0 or (data.year and data.kind in WITH_YEAR)


def month_of(data: ClassReportCB) -> date:
    return date(data.month // 100, data.month % 100, 1)


async def on_report(_query: CallbackQuery, callback_data: ClassReportCB, services: Services, screen: Screen):
    data = callback_data
    choices = await services.class_reports.choices(screen.user.actor, data.cls)  # refuses another's class (ACC-4)
    if data.kind is ClassReport.menu:
        await show_menu(screen, choices)
    elif data.kind is ClassReport.cards and not chosen(data):
        await show_students(screen, services, choices)
    elif not chosen(data):
        await show_periods(screen, choices, data.kind)
    elif data.kind is ClassReport.month and month_of_choices(data, choices) is None:
        screen.out_of_date()  # a month the buttons never offered
    elif data.fmt is None:
        await show_formats(screen, choices, data)
    else:
        await send_report(screen, services, choices, data)


def month_of_choices(data: ClassReportCB, choices: ReportChoices) -> date | None:
    return next((m for m in choices.months if m.year * 100 + m.month == data.month), None)


async def show_menu(screen: Screen, choices: ReportChoices) -> None:
    keyboard = InlineKeyboardBuilder()
    for kind, label in REPORTS.items():
        if kind in WITH_YEAR and not choices.marks:
            continue  # a grade without marks (J-8): its attendance only
        keyboard.button(text=_(label), callback_data=ClassReportCB(cls=choices.class_id, kind=kind))
    back_from(keyboard, choices)
    keyboard.adjust(1)
    head = "<b>" + _("Reports: {name}").format(name=escape(choices.class_name)) + "</b>"
    await screen.show(head + "\n" + _("Choose a report."), keyboard.as_markup())


async def show_periods(screen: Screen, choices: ReportChoices, kind: ClassReport) -> None:
    keyboard = InlineKeyboardBuilder()
    if kind is ClassReport.month:
        for month in choices.months:
            label = month_name(month, screen.locale)
            keyboard.button(
                text=label[:1].upper() + label[1:],
                callback_data=ClassReportCB(cls=choices.class_id, kind=kind, month=month.year * 100 + month.month),
            )
        question = _("Which month?")
    else:
        for period in choices.periods:
            mark = "• " if period.period_id == choices.current_period_id else ""
            keyboard.button(
                text=mark + period.name,
                callback_data=ClassReportCB(cls=choices.class_id, kind=kind, period=period.period_id),
            )
        if kind in WITH_YEAR:
            keyboard.button(text=_("Year"), callback_data=ClassReportCB(cls=choices.class_id, kind=kind, year=True))
        question = _("Which period?")
    keyboard.button(text=_("◀ Reports"), callback_data=ClassReportCB(cls=choices.class_id, kind=ClassReport.menu))
    keyboard.adjust(2)
    await screen.show(heading(choices, kind) + "\n" + question, keyboard.as_markup())


async def show_students(screen: Screen, services: Services, choices: ReportChoices) -> None:
    """Whose report card: the class's students today."""
    keyboard = InlineKeyboardBuilder()
    for student_id, name in await services.class_reports.students(screen.user.actor, choices.class_id):
        keyboard.button(
            text=name, callback_data=ClassReportCB(cls=choices.class_id, kind=ClassReport.cards, student=student_id)
        )
    keyboard.button(text=_("◀ Reports"), callback_data=ClassReportCB(cls=choices.class_id, kind=ClassReport.menu))
    keyboard.adjust(1)
    await screen.show(heading(choices, ClassReport.cards) + "\n" + _("Whose?"), keyboard.as_markup())


async def show_formats(screen: Screen, choices: ReportChoices, data: ClassReportCB) -> None:
    keyboard = InlineKeyboardBuilder()
    for fmt in Format:
        keyboard.button(text=fmt.value.upper(), callback_data=data.model_copy(update={"fmt": fmt}))
    keyboard.button(
        text=_("◀ Back"), callback_data=ClassReportCB(cls=choices.class_id, kind=data.kind)
    )  # the choice of a period
    keyboard.adjust(2)
    when = escape(chosen_label(screen, choices, data))
    await screen.show(heading(choices, data.kind) + f", {when}\n" + _("Which file?"), keyboard.as_markup())


def heading(choices: ReportChoices, kind: ClassReport) -> str:
    return "<b>" + escape(_(REPORTS[kind])) + "</b>: " + escape(choices.class_name)


def chosen_label(screen: Screen, choices: ReportChoices, data: ClassReportCB) -> str:
    if data.kind is ClassReport.month:
        return month_name(month_of(data), screen.locale)
    if data.year:
        return _("year")
    period = choices.current_period_id if data.kind is ClassReport.cards else data.period  # a card: today's period
    return next((p.name for p in choices.periods if p.period_id == period), "")


def back_from(keyboard: InlineKeyboardBuilder, choices: ReportChoices) -> None:
    """Back to /class for the class's own teacher; to /reports for the deputy director or the administrator."""
    if choices.own:
        back_to_class(keyboard, choices.class_id)
    else:
        keyboard.button(text=_("◀ Reports"), callback_data=ReportsMenuCB())


async def send_report(screen: Screen, services: Services, choices: ReportChoices, data: ClassReportCB) -> None:
    """The figures in the chat, then the file: drawn off the event loop (a PDF takes a moment)."""
    text, document = await report_of(screen, services, data)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("◀ Reports"), callback_data=ClassReportCB(cls=data.cls, kind=ClassReport.menu))
    back_from(keyboard, choices)
    keyboard.adjust(1)
    await screen.show(escape(text), keyboard.as_markup())
    fmt = data.fmt or Format.PDF
    content = await asyncio.to_thread(render, document, fmt)
    await screen.bot.send_document(
        screen.chat_id, BufferedInputFile(content, file_name(document, fmt)), caption=escape(document.title)
    )


async def report_of(screen: Screen, services: Services, data: ClassReportCB) -> tuple[str, Document]:
    actor, locale = screen.user.actor, screen.locale
    period = data.period or None
    reports = services.class_reports
    if data.kind is ClassReport.cards:  # the student's service re-checks that the asker may see them (REP-5)
        card = await services.student_reports.card(actor, data.student)
        return card_caption(card, locale), card_document(card, locale)
    if data.kind is ClassReport.results:
        results = await reports.results(actor, data.cls, period, year=data.year)
        return results_summary(results, locale), results_document(results, locale)
    if data.kind is ClassReport.summary:
        sheet = await reports.summary_sheet(actor, data.cls, period, data.year)
        return sheet_summary(sheet, locale), summary_document(sheet, locale)
    if data.kind is ClassReport.month:
        attendance = await reports.month_attendance(actor, data.cls, month_of(data))
    else:
        attendance = await reports.period_attendance(actor, data.cls, period)
    return attendance_summary(attendance, locale), attendance_document(attendance, locale)


def build_router() -> Router:
    """The class teacher's own class, or any class of the school for the deputy director and the administrator
    (REP-5; the service checks which)."""
    router = Router(name=__name__)
    router.callback_query.filter(RoleFilter(Role.CLASS_TEACHER, Role.DEPUTY, Role.ADMIN))
    router.callback_query.register(on_report, ClassReportCB.filter())
    return router
