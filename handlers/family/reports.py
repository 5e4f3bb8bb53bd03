"""/marks' «📊 Табель и динамика» (REP-1): one student's report card («табель») of the period chosen on the marks
screen as a PDF or an XLSX, and the dynamics of the average mark as a picture with the average now and its change
in the caption. The student themselves, or a parent for the child the marks screen shows; the service re-checks
the student of every button (REP-5), so a forged one is refused.

The files are drawn off the event loop (asyncio.to_thread): a PDF of a few pages takes a noticeable moment, and the
bot keeps answering others meanwhile."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.enums import ChatAction
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from ui.callbacks import MarksPeriodCB, StudentReport, StudentReportCB
from ui.reports.document import Format
from ui.reports.render import chart_png, file_name, render
from ui.reports.student import card_caption, card_document, dynamics_caption, dynamics_chart, menu_text
from ui.screens import Screen

FORMATS = {StudentReport.pdf: Format.PDF, StudentReport.xlsx: Format.XLSX}


async def on_menu(_query: CallbackQuery, callback_data: StudentReportCB, services: Services, screen: Screen):
    """The choice of reports, in place of the marks screen, with the average now."""
    dynamics = await services.student_reports.dynamics(screen.user.actor, callback_data.student, callback_data.period)
    await screen.show(menu_text(dynamics, screen.locale), menu_keyboard(callback_data.student, callback_data.period))


async def on_card(_query: CallbackQuery, callback_data: StudentReportCB, services: Services, screen: Screen):
    """The report card as a file (PDF or XLSX), sent under the choice, which stays."""
    card = await services.student_reports.card(screen.user.actor, callback_data.student, callback_data.period)
    document, fmt = card_document(card, screen.locale), FORMATS[callback_data.report]
    await screen.bot.send_chat_action(screen.chat_id, ChatAction.UPLOAD_DOCUMENT)
    data = await asyncio.to_thread(render, document, fmt)
    await screen.bot.send_document(
        screen.chat_id, BufferedInputFile(data, file_name(document, fmt)), caption=card_caption(card, screen.locale)
    )


async def on_chart(_query: CallbackQuery, callback_data: StudentReportCB, services: Services, screen: Screen):
    """The dynamics of the average mark as a picture, its caption saying the average now and its change."""
    dynamics = await services.student_reports.dynamics(screen.user.actor, callback_data.student, callback_data.period)
    chart = dynamics_chart(dynamics, screen.locale)
    await screen.bot.send_chat_action(screen.chat_id, ChatAction.UPLOAD_PHOTO)
    picture = await asyncio.to_thread(chart_png, chart, screen.locale)
    await screen.bot.send_photo(
        screen.chat_id,
        BufferedInputFile(picture, f"average_mark_{dynamics.period.period_id}.png"),
        caption=dynamics_caption(dynamics, screen.locale),
    )


def menu_keyboard(student_id: int, period_id: int) -> InlineKeyboardMarkup:
    """The three reports a row each, and the way back to the marks of the same period."""
    keyboard = InlineKeyboardBuilder()
    for report, text in (
        (StudentReport.pdf, _("Report card (PDF)")),
        (StudentReport.xlsx, _("Report card (XLSX)")),
        (StudentReport.chart, _("Average mark dynamics")),
    ):
        keyboard.button(text=text, callback_data=StudentReportCB(student=student_id, period=period_id, report=report))
    keyboard.adjust(1)
    keyboard.row(
        InlineKeyboardButton(
            text=_("← All subjects"), callback_data=MarksPeriodCB(student=student_id, period=period_id).pack()
        )
    )
    return keyboard.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_menu, StudentReportCB.filter(F.report == StudentReport.menu))
    router.callback_query.register(on_card, StudentReportCB.filter(F.report.in_(set(FORMATS))))
    router.callback_query.register(on_chart, StudentReportCB.filter(F.report == StudentReport.chart))
    return router
