"""/yearend (PER-5, DATA-4; ROLE-2): the deputy director or the administrator records the pedagogical council's
decisions for a class: the students with the decision suggested from their year marks, «Approve all as suggested»
or a student's decision changed, then the order's number and date, then «Save». The changes wait in the FSM data;
nothing is written before «Save», and a second tap on it saves nothing more. «Conditionally promoted» lists those
who still owe a subject."""

from __future__ import annotations

import logging
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.drafts import new_draft_id
from services.container import Services
from services.errors import AlreadySaved, DomainError
from services.models import YearDecisionKind
from ui.callbacks import YearEndCB, YearEndStep
from ui.filters import not_for_others
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen
from ui.states import YearEndForm as Form
from ui.year_end import (
    cancel_keyboard,
    classes_keyboard,
    classes_text,
    conditional_keyboard,
    conditional_text,
    confirm_keyboard,
    confirm_text,
    order_prompt,
    order_unreadable,
    parse_order,
    saved_text,
    sheet_keyboard,
    sheet_text,
    student_keyboard,
    student_text,
    students_keyboard,
    to_write,
)

log = logging.getLogger(__name__)


async def changes_of(screen: Screen) -> dict[int, YearDecisionKind]:
    data = await screen.state.get_data()
    return {int(k): YearDecisionKind(v) for k, v in (data.get("changes") or {}).items()}


async def cmd_yearend(_message: Message, services: Services, screen: Screen):
    classes = await services.year_end.classes(screen.user.actor)  # refuses anyone but the administration
    await screen.state.clear()
    await screen.send(classes_text(classes), classes_keyboard(classes))


async def on_classes(_query: CallbackQuery, services: Services, screen: Screen):
    classes = await services.year_end.classes(screen.user.actor)
    await screen.state.clear()
    await screen.show(classes_text(classes), classes_keyboard(classes))


async def draft_of(screen: Screen, class_id: int) -> None:
    """The class's draft of changes, begun at the first change or approval: a sheet only looked at leaves nothing
    in progress, so the next menu button does not say that something was dropped."""
    data = await screen.state.get_data()
    if await screen.state.get_state() != Form.sheet.state or data.get("cls") != class_id:
        await screen.state.set_state(Form.sheet)
        await screen.state.set_data({"cls": class_id, "changes": {}, "draft": new_draft_id()})


async def sheet_changes(screen: Screen, class_id: int) -> dict[int, YearDecisionKind]:
    """The changes of the class's draft in progress; none for another class's or without one."""
    data = await screen.state.get_data()
    in_draft = await screen.state.get_state() == Form.sheet.state and data.get("cls") == class_id
    return await changes_of(screen) if in_draft else {}


async def on_sheet(_query: CallbackQuery, callback_data: YearEndCB, services: Services, screen: Screen):
    """A class chosen, or back to it from a student (the changes of its draft kept)."""
    sheet = await services.year_end.sheet(screen.user.actor, callback_data.cls)  # re-checks the class's school
    changes = await sheet_changes(screen, sheet.class_id)
    await screen.show(split_text(sheet_text(sheet, changes, screen.locale)), sheet_keyboard(sheet, changes))


async def on_students(_query: CallbackQuery, callback_data: YearEndCB, services: Services, screen: Screen):
    sheet = await services.year_end.sheet(screen.user.actor, callback_data.cls)
    await screen.show(_("Whose decision is to be changed?"), students_keyboard(sheet))


async def on_student(_query: CallbackQuery, callback_data: YearEndCB, services: Services, screen: Screen):
    sheet = await services.year_end.sheet(screen.user.actor, callback_data.cls)
    row = sheet.student(callback_data.student)
    if row is None:  # not a student of this class now: a forged or stale button
        screen.out_of_date()
        return
    await screen.show(student_text(sheet, row, screen.locale), student_keyboard(sheet, row))


async def on_decide(_query: CallbackQuery, callback_data: YearEndCB, services: Services, screen: Screen):
    sheet = await services.year_end.sheet(screen.user.actor, callback_data.cls)
    row = sheet.student(callback_data.student)
    kind = callback_data.decision
    allowed = kind in sheet.allowed and (kind != YearDecisionKind.CONDITIONAL or (row is not None and row.debts))
    if row is None or kind is None or not allowed:
        screen.out_of_date()
        return
    async with screen.lock():
        await draft_of(screen, sheet.class_id)
        changes = await changes_of(screen)
        changes[row.student_id] = kind
        await screen.state.update_data(changes={str(k): v.value for k, v in changes.items()})
    await screen.show(split_text(sheet_text(sheet, changes, screen.locale)), sheet_keyboard(sheet, changes))


async def on_approve(_query: CallbackQuery, callback_data: YearEndCB, services: Services, screen: Screen):
    sheet = await services.year_end.sheet(screen.user.actor, callback_data.cls)
    if not to_write(sheet, await sheet_changes(screen, sheet.class_id)):
        screen.out_of_date()
        return
    await draft_of(screen, sheet.class_id)
    await screen.state.set_state(Form.order)
    await screen.show(order_prompt(sheet), cancel_keyboard())


async def on_order(message: Message, services: Services, screen: Screen):
    order = parse_order(message.text or "")
    if order is None:
        await screen.reprompt(order_unreadable(), cancel_keyboard(), try_again=False)
        return
    data = await screen.state.get_data()
    sheet = await services.year_end.sheet(screen.user.actor, data["cls"])
    await screen.state.update_data(order=[order[0], order[1].isoformat()])
    await screen.state.set_state(Form.confirm)
    written = to_write(sheet, await changes_of(screen))
    await screen.send(confirm_text(sheet, written, order, screen.locale), confirm_keyboard(sheet.class_id))


async def on_save(_query: CallbackQuery, services: Services, screen: Screen):
    state = screen.state
    async with screen.lock():
        if await state.get_state() != Form.confirm.state:  # a second tap on «Save»: the first one saved
            return
        data = await state.get_data()
        await state.clear()
        changes = {int(k): YearDecisionKind(v) for k, v in data["changes"].items()}
        try:
            sheet = await services.year_end.record(
                screen.user.actor,
                data["cls"],
                data["order"][0],
                date.fromisoformat(data["order"][1]),
                changes,
                draft=data["draft"],
            )
        except AlreadySaved:  # saved by a tap in another process (the drafts in Redis)
            screen.toast(_("Already saved."))
            return
        except DomainError as err:  # nothing was written (one transaction)
            log.info("year-end decisions refused at saving: %s", err.code)
            await screen.show(
                screen.refusal(err) + "\n\n" + _("Nothing was recorded. Send /yearend to start again."),
                InlineKeyboardMarkup(inline_keyboard=[]),
            )
            return
        # The class's screen stays live: another change starts a new draft (draft_of).
    screen.toast(_("Saved."))
    await screen.show(split_text(saved_text(sheet, screen.locale)), sheet_keyboard(sheet, {}))


async def on_cancel(_query: CallbackQuery, screen: Screen):
    await screen.state.clear()
    await screen.show(_("Cancelled: nothing was recorded."), InlineKeyboardMarkup(inline_keyboard=[]))


async def cmd_cancel(_message: Message, screen: Screen):
    await screen.state.clear()
    await screen.send(_("Cancelled: nothing was recorded."))


async def on_conditional(_query: CallbackQuery, services: Services, screen: Screen):
    students = await services.year_end.conditional(screen.user.actor)
    await screen.show(conditional_text(students, screen.locale), conditional_keyboard())


def build_router() -> Router:
    router = Router(name=__name__)
    step = YearEndCB.filter
    router.message.register(cmd_yearend, menu_filter("yearend"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    router.callback_query.register(on_cancel, step(F.step == YearEndStep.cancel))
    router.callback_query.register(on_classes, step(F.step == YearEndStep.classes))
    router.callback_query.register(on_conditional, step(F.step == YearEndStep.conditional))
    router.callback_query.register(on_sheet, step(F.step == YearEndStep.sheet))
    router.callback_query.register(on_students, step(F.step == YearEndStep.students))
    router.callback_query.register(on_student, step(F.step == YearEndStep.student))
    router.callback_query.register(on_decide, step(F.step == YearEndStep.decide))
    router.callback_query.register(on_approve, step(F.step == YearEndStep.approve))
    router.message.register(on_order, Form.order, F.text, not_for_others)
    router.callback_query.register(on_save, step(F.step == YearEndStep.save))
    return router
