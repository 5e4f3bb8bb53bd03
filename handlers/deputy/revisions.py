"""/revise (PER-5): a period, year, exam or final mark changed by the director's order. The deputy director or the
administrator picks the class, the subject, the student and the mark (only those its teacher can no longer set),
then the new value, types the order's number, date and reason, and enters it after a summary. The mark and its
new value wait in the FSM data; «Enter» consumes them, so a second tap enters nothing (and the service writes a
mark that is so already only once). Every id in a button is re-checked by the service."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.teacher.lesson import typed_date
from services.container import Services
from services.final_marks import Outcome
from services.models import FinalResult
from services.revisions import ORDER_NUMBER_MAX, REASON_MAX
from ui import revisions as view
from ui.callbacks import RevisionCB, RevisionStep
from ui.filters import not_for_others
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen
from ui.states import RevisionForm as Form

DRAFT = "revision"  # FSM data: the mark, its new value and the order typed so far


async def cmd_revise(message: Message, screen: Screen, services: Services):
    await leave(screen.state)
    text, keyboard = view.classes_screen(await services.revisions.classes(screen.user.actor))
    await screen.show(text, keyboard)


async def on_classes(query: CallbackQuery, screen: Screen, services: Services):
    text, keyboard = view.classes_screen(await services.revisions.classes(screen.user.actor))
    await screen.show(text, keyboard)


async def on_subjects(query: CallbackQuery, callback_data: RevisionCB, screen: Screen, services: Services):
    choice = await services.revisions.subjects(screen.user.actor, callback_data.class_id)
    await screen.show(*view.subjects_screen(choice, callback_data.class_id))


async def on_students(query: CallbackQuery, callback_data: RevisionCB, screen: Screen, services: Services):
    choice = await services.revisions.students(screen.user.actor, callback_data.class_id)
    await screen.show(*view.students_screen(choice, callback_data.class_id, callback_data.subject))


async def on_marks(query: CallbackQuery, callback_data: RevisionCB, screen: Screen, services: Services):
    await leave(screen.state)
    finals = await services.revisions.student_finals(screen.user.actor, callback_data.student, callback_data.subject)
    text, keyboard = view.marks_screen(finals, screen.locale)
    await screen.show(split_text(text), keyboard)


async def on_value(query: CallbackQuery, callback_data: RevisionCB, screen: Screen, services: Services):
    finals = await services.revisions.student_finals(screen.user.actor, callback_data.student, callback_data.subject)
    mark = finals.mark(callback_data.mark)  # refuses a mark that is not this student's in this subject
    if not mark.revisable:
        screen.out_of_date()
        return
    text, keyboard = view.value_screen(finals, mark, screen.locale)
    await screen.show(split_text(text), keyboard)


async def on_order(query: CallbackQuery, callback_data: RevisionCB, screen: Screen, services: Services):
    """The new value chosen: the order is asked for; nothing is written before «Enter»."""
    finals = await services.revisions.student_finals(screen.user.actor, callback_data.student, callback_data.subject)
    mark = finals.mark(callback_data.mark)
    new = new_outcome(callback_data)
    draft = {
        "student": finals.student_id,
        "subject": finals.subject_id,
        "mark": mark.final_mark_id,
        "result": new.result.value,
        "value": new.value,
        "today": finals.today.isoformat(),
    }
    await screen.state.set_state(Form.number)
    await screen.state.update_data({DRAFT: draft})
    await screen.show(split_text(view.number_prompt(finals, mark, new, screen.locale)), view.cancel_keyboard())


async def on_number(message: Message, screen: Screen):
    number = " ".join((message.text or "").split())
    if not number or len(number) > ORDER_NUMBER_MAX:
        await screen.reprompt(_("The order's number: at most {max} characters.").format(max=ORDER_NUMBER_MAX))
        return
    await update_draft(screen.state, number=number)
    await screen.state.set_state(Form.date)
    await screen.send(view.date_prompt(), view.cancel_keyboard())


async def on_date(message: Message, screen: Screen):
    draft = (await screen.state.get_data()).get(DRAFT) or {}
    day = typed_date(message.text or "", date.fromisoformat(draft["today"])) if "today" in draft else None
    if day is None:
        await screen.reprompt(_("I cannot read «{text}» as a date.").format(text=escape((message.text or "")[:40])))
        return
    await update_draft(screen.state, date=day.isoformat())
    await screen.state.set_state(Form.reason)
    await screen.send(view.reason_prompt(), view.cancel_keyboard())


async def on_reason(message: Message, screen: Screen, services: Services):
    reason = " ".join((message.text or "").split())
    if not reason or len(reason) > REASON_MAX:
        await screen.reprompt(_("The reason: at most {max} characters.").format(max=REASON_MAX))
        return
    draft = await update_draft(screen.state, reason=reason)
    finals = await services.revisions.student_finals(screen.user.actor, draft["student"], draft["subject"])
    mark = finals.mark(draft["mark"])
    await screen.state.set_state(Form.confirm)
    text, keyboard = view.confirm_screen(finals, mark, draft_outcome(draft), order_of(draft), screen.locale)
    await screen.send(text, keyboard)


async def on_confirm(query: CallbackQuery, screen: Screen, services: Services):
    draft = (await screen.state.get_data()).get(DRAFT) or {}
    if "reason" not in draft:  # entered already (a second tap), or cancelled
        screen.out_of_date()
        return
    await leave(screen.state)  # consumed before the write: a second tap finds nothing to enter
    number, day, reason = order_of(draft)
    revised = await services.revisions.revise(
        screen.user.actor, draft["mark"], draft_outcome(draft), number, day, reason
    )
    finals = await services.revisions.student_finals(screen.user.actor, draft["student"], draft["subject"])
    await screen.show(
        split_text(view.revised_text(finals, revised, screen.locale)), InlineKeyboardMarkup(inline_keyboard=[])
    )
    screen.toast(_("Entered.") if revised.applied else _("Nothing changed."))


async def on_cancel(query: CallbackQuery, screen: Screen):
    await leave(screen.state)
    await screen.show(_("Cancelled: no mark was changed."), InlineKeyboardMarkup(inline_keyboard=[]))


def new_outcome(data: RevisionCB) -> Outcome:
    if data.result is FinalResult.MARK:
        return Outcome.mark(data.value)
    return Outcome(data.result)


def draft_outcome(draft: dict) -> Outcome:
    return Outcome(FinalResult(draft["result"]), draft["value"])


def order_of(draft: dict) -> tuple[str, date, str]:
    return draft["number"], date.fromisoformat(draft["date"]), draft["reason"]


async def update_draft(state: FSMContext, **values) -> dict:
    draft = {**((await state.get_data()).get(DRAFT) or {}), **values}
    await state.update_data({DRAFT: draft})
    return draft


async def leave(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DRAFT: None})


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_revise, menu_filter("revise"))
    steps = {
        RevisionStep.classes: on_classes,
        RevisionStep.subjects: on_subjects,
        RevisionStep.students: on_students,
        RevisionStep.marks: on_marks,
        RevisionStep.value: on_value,
        RevisionStep.order: on_order,
        RevisionStep.cancel: on_cancel,
    }
    for step, handler in steps.items():
        router.callback_query.register(handler, RevisionCB.filter(F.step == step))
    router.callback_query.register(on_confirm, RevisionCB.filter(F.step == RevisionStep.confirm))
    router.message.register(on_number, Form.number, F.text, not_for_others)
    router.message.register(on_date, Form.date, F.text, not_for_others)
    router.message.register(on_reason, Form.reason, F.text, not_for_others)
    return router
