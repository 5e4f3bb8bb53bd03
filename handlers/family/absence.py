"""/absence: the child's attendance this period and the absence documents sent for them (DIA-1, ABS-1, ABS-2).

The screen is in absence_screen, the form that sends a document in absence_form; build_router() joins them.
"""
from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from ui.callbacks import AbsenceDocCB
from ui.i18n import N_
from ui.menus import menu_filter
from ui.states import AbsenceDocumentForm
from services.accounts import CurrentUser
from services.container import Services
from services.errors import Conflict
from services.models import DocumentStatus

from . import absence_form
from .absence_screen import render_screen

log = logging.getLogger(__name__)

ALREADY = {
    DocumentStatus.ACCEPTED: N_("The class teacher has already accepted this document: it can no longer be withdrawn."),
    DocumentStatus.DECLINED: N_("The class teacher has already declined this document: it can no longer be withdrawn."),
    DocumentStatus.WITHDRAWN: N_("This document is already withdrawn."),
}


async def send_screen(message: Message, services: Services, user: CurrentUser, student_id: int) -> None:
    parts, keyboard = await render_screen(services, user, student_id)
    for part in parts[:-1]:
        await message.answer(part)
    await message.answer(parts[-1], reply_markup=keyboard)


async def cmd_absence(message: Message, user: CurrentUser, services: Services, state: FSMContext):
    """Also the way out of a half-filled form: the screen starts afresh, and the draft is dropped."""
    if await state.get_state() in AbsenceDocumentForm.__all_states_names__:
        await state.clear()
    await send_screen(message, services, user, user.student_id)


async def on_withdraw(query: CallbackQuery, callback_data: AbsenceDocCB, user: CurrentUser, services: Services,
                      callback_answer: CallbackAnswer):
    """The service re-checks the sender and the status: another family's id is refused (and logged) by the error
    handler; a document decided meanwhile gets its own reason, and the screen shows the new status."""
    try:
        await services.absences.withdraw_document(user.actor, callback_data.doc)
    except Conflict as err:
        log.info("update refused: %s (%s)", err.code, err.params.get("status"))
        status = DocumentStatus(err.params.get("status", DocumentStatus.ACCEPTED))
        callback_answer.text = _(ALREADY.get(status, ALREADY[DocumentStatus.ACCEPTED]))
        callback_answer.show_alert = True
    else:
        callback_answer.text = _("The document is withdrawn.")
    parts, keyboard = await render_screen(services, user, callback_data.student)
    if len(parts) == 1:
        try:
            await query.message.edit_text(parts[0], reply_markup=keyboard)
        except TelegramBadRequest:  # "message is not modified": nothing changed on the screen
            pass
        return
    await send_screen(query.message, services, user, callback_data.student)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_absence, menu_filter("absence"))
    router.callback_query.register(on_withdraw, AbsenceDocCB.filter(F.action == "withdraw"))
    router.include_router(absence_form.build_router())
    return router
