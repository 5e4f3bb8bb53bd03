"""/absence: the child's attendance this period and the absence documents sent for them (DIA-1, ABS-1, ABS-2).

The screen is in absence_screen, the form that sends a document in absence_form; build_router() joins them.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from services.container import Services
from services.errors import Conflict
from services.models import DocumentStatus
from ui.callbacks import AbsenceDocAction, AbsenceDocCB
from ui.i18n import N_
from ui.menus import menu_filter
from ui.screens import Screen
from ui.states import AbsenceDocumentForm

from . import absence_form
from .absence_screen import render_screen, send_parts, send_screen

log = logging.getLogger(__name__)

ALREADY = {
    DocumentStatus.ACCEPTED: N_("The class teacher has already accepted this document: it can no longer be withdrawn."),
    DocumentStatus.DECLINED: N_("The class teacher has already declined this document: it can no longer be withdrawn."),
    DocumentStatus.WITHDRAWN: N_("This document is already withdrawn."),
}


async def cmd_absence(_message: Message, services: Services, screen: Screen):
    """Also the way out of a half-filled form: the screen starts afresh, and the draft is dropped."""
    if await screen.state.get_state() in AbsenceDocumentForm.__all_states_names__:
        await screen.state.clear()
    await send_screen(screen, services, screen.user.student_id)


async def on_withdraw(_query: CallbackQuery, callback_data: AbsenceDocCB, services: Services, screen: Screen):
    """The service re-checks the sender and the status: another family's id is refused (and logged) by the error
    handler; a document decided meanwhile gets its own reason, and the screen shows the new status."""
    try:
        await services.absences.withdraw_document(screen.user.actor, callback_data.doc)
    except Conflict as err:
        log.info("update refused: %s (%s)", err.code, err.params.get("status"))
        status = DocumentStatus(err.params.get("status", DocumentStatus.ACCEPTED))
        screen.toast(_(ALREADY.get(status, ALREADY[DocumentStatus.ACCEPTED])), alert=True)
    else:
        screen.toast(_("The document is withdrawn."))
    parts, keyboard = await render_screen(services, screen.user, callback_data.student)
    if len(parts) == 1:
        await screen.show(parts, keyboard)  # in place of the tapped screen
    else:
        await send_parts(screen, parts, keyboard)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_absence, menu_filter("absence"))
    router.callback_query.register(on_withdraw, AbsenceDocCB.filter(F.action == AbsenceDocAction.withdraw))
    router.include_router(absence_form.build_router())
    return router
