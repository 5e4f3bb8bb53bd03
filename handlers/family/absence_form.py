"""Sending an absence document (ABS-1), step by step: the child, the days, the reason, a comment, the files, «Send».

The draft lives in the FSM only; nothing is written until «Send», and then submit_document writes the document
and its files together or not at all. /cancel or «Cancel» leaves at any step. Photos, PDFs and pictures up to 20 MB
are taken, checked by what is inside them, and their bytes kept in the school's file store as they arrive
(handlers.stored_files).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import AbsenceChildCB, AbsenceDocCB, AbsenceKindCB, AbsenceStepCB
from ui.errors_text import error_text
from ui.filters import not_for_others
from ui.formatting import dates_text
from ui.states import AbsenceDocumentForm as Form
from handlers.file_drafts import FileStep, cmd_cancel, on_cancel
from handlers.drafts import new_draft_id
from ui.screens import chat_lock
from ui.typed_dates import DatesError, parse_dates
from services.absences import MAX_FILES, SendContext, check_comment
from services.accounts import CurrentUser
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.attachments import AttachmentIn
from services.models import AttachmentKind, DocumentKind
from services.text import clean_text

from .absence_screen import KINDS, child_name, kind_label, render_screen

log = logging.getLogger(__name__)


# ---- keyboards and texts ---------------------------------------------------------------------------------

def _cancel_row(keyboard: InlineKeyboardBuilder) -> None:
    keyboard.button(text=_("Cancel"), callback_data=AbsenceStepCB(action="cancel"))


def dates_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Today"), callback_data=AbsenceStepCB(action="today"))
    keyboard.button(text=_("Yesterday"), callback_data=AbsenceStepCB(action="yesterday"))
    _cancel_row(keyboard)
    keyboard.adjust(2, 1)
    return keyboard.as_markup()


def kinds_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for kind in KINDS:
        keyboard.button(text=kind_label(kind), callback_data=AbsenceKindCB(kind=kind.value))
    _cancel_row(keyboard)
    keyboard.adjust(2, 2, 1)
    return keyboard.as_markup()


def comment_keyboard() -> InlineKeyboardMarkup:
    return _step_keyboard(_("Skip"), "skip")


def files_keyboard(count: int) -> InlineKeyboardMarkup:
    return _step_keyboard(_("Done") if count else _("Continue without files"), "done")


def confirm_keyboard() -> InlineKeyboardMarkup:
    return _step_keyboard(_("Send"), "send")


def _step_keyboard(text: str, action: str) -> InlineKeyboardMarkup:
    """The step's one button, and «Отмена» beside it."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=text, callback_data=AbsenceStepCB(action=action))
    _cancel_row(keyboard)
    keyboard.adjust(2)
    return keyboard.as_markup()


def dates_prompt(child: str) -> str:
    return (_("Document for {child}.").format(child=child) + "\n\n"
            + _("Which days? Write a date, e.g. 25.11, or a period: 25.11–27.11. Future days are fine too."))


def files_prompt() -> str:
    return _("Attach photos or PDF files of the document (at most {max}): send them here, one by one or "
             "several at once. Then tap «Done».").format(max=MAX_FILES)


def summary_text(data: dict, locale: str, *, sent: bool = False) -> str:
    start, end = date.fromisoformat(data["date_from"]), date.fromisoformat(data["date_to"])
    names = [_("photo") if f["kind"] == AttachmentKind.PHOTO.value else escape(f["file_name"] or _("file"))
             for f in data.get("files", [])]
    comment = data.get("comment", "")
    lines = [
        "<b>" + (_("✅ Sent to the class teacher. The answer will show in /absence.") if sent
                 else _("Check the document before sending it")) + "</b>",
        _("Student: {child}").format(child=data["child"]),
        _("Days: {dates}").format(dates=dates_text(start, end, locale, with_year=True)),
        _("Reason: {kind}").format(kind=kind_label(data["kind"])),
        _("Comment: {comment}").format(comment=escape(comment)) if comment else _("Comment: none"),
        _("Files: {files}").format(files=", ".join(names)) if names else _("Files: none"),
    ]
    return "\n".join(lines)


def _draft_files(data: dict) -> list[AttachmentIn]:
    return [AttachmentIn(**{**f, "kind": AttachmentKind(f["kind"])}) for f in data.get("files", [])]


# ---- the steps ---------------------------------------------------------------------------------------------

def _children_to_offer(user: CurrentUser, student_id: int) -> list[int]:
    """A parent of several children picks one (the service re-checks it; a student sends none, ABS-1)."""
    if student_id in user.actor.children and len(user.actor.children) > 1:
        return sorted(user.actor.children)
    return [student_id]


async def on_new(query: CallbackQuery, callback_data: AbsenceDocCB, user: CurrentUser, services: Services,
                 state: FSMContext):
    await services.absences.send_context(user.actor, callback_data.student)  # ABS-1: may this user send for them
    await state.clear()
    children = _children_to_offer(user, callback_data.student)
    if len(children) == 1:
        await _start_dates(services, user, state, children[0])
        await query.message.answer(dates_prompt((await state.get_data())["child"]), reply_markup=dates_keyboard())
        return
    keyboard = InlineKeyboardBuilder()
    for student_id in children:
        card = await services.diary.student(user.actor, student_id)
        keyboard.button(text=_("{child}, {class_name}").format(child=card.first_name, class_name=card.class_name),
                        callback_data=AbsenceChildCB(student=student_id))
    _cancel_row(keyboard)
    keyboard.adjust(1)
    await state.set_state(Form.child)
    await query.message.answer(_("Which child is the document for?"), reply_markup=keyboard.as_markup())


async def _start_dates(services: Services, user: CurrentUser, state: FSMContext, student_id: int) -> None:
    card = await services.diary.student(user.actor, student_id)
    await state.set_state(Form.dates)
    await state.set_data({"student": student_id, "child": child_name(card), "files": [], "draft": new_draft_id()})


async def on_child(query: CallbackQuery, callback_data: AbsenceChildCB, user: CurrentUser, services: Services,
                   state: FSMContext):
    """The id comes from the client: the service re-checks it (a forged one is refused and logged)."""
    await services.absences.send_context(user.actor, callback_data.student)
    await _start_dates(services, user, state, callback_data.student)
    await query.message.edit_text(dates_prompt((await state.get_data())["child"]), reply_markup=dates_keyboard())


async def _context(services: Services, user: CurrentUser, state: FSMContext) -> SendContext:
    return await services.absences.send_context(user.actor, (await state.get_data())["student"])


async def on_dates_text(message: Message, user: CurrentUser, services: Services, state: FSMContext):
    context = await _context(services, user, state)
    try:
        start, end = parse_dates(message.text, context.today, context.year_starts, context.year_ends)
    except DatesError as err:
        shown = escape(clean_text(message.text, one_line=True)[:40])
        text = (_("There is no such day in the calendar: «{text}».") if err.code == "no_such_date"
                else _("I cannot read «{text}» as a date.")).format(text=shown)
        await message.answer(text + "\n" + _("Write a day as 25.11, or a period as 25.11–27.11 "
                                             "(a year may follow: 25.11.2026)."), reply_markup=dates_keyboard())
        return
    if not await _dates_accepted(message, user, services, start, end, context):
        return
    await state.update_data(date_from=start.isoformat(), date_to=end.isoformat())
    await state.set_state(Form.kind)
    await message.answer(kind_prompt(start, end, user.locale), reply_markup=kinds_keyboard())


async def _dates_accepted(message: Message, user: CurrentUser, services: Services, start: date, end: date,
                          context: SendContext) -> bool:
    """The service's checks (the order of the days, the length, the school year), with a retry on refusal."""
    try:
        await services.absences.check_dates(user.actor, context.student_id, start, end)
    except InvalidInput as err:
        log.info("dates refused: %s", err.code)
        await message.answer(error_text(err.code, err.params, user.locale) + "\n" + _("Try again, or tap «Cancel»."),
                             reply_markup=dates_keyboard())
        return False
    return True


def kind_prompt(start: date, end: date, locale: str) -> str:
    return (_("Days: {dates}").format(dates=dates_text(start, end, locale, with_year=True)) + "\n\n"
            + _("What was the reason for the absence?"))


async def on_dates_button(query: CallbackQuery, callback_data: AbsenceStepCB, user: CurrentUser,
                          services: Services, state: FSMContext):
    context = await _context(services, user, state)
    day = context.today if callback_data.action == "today" else context.today - timedelta(days=1)
    await services.absences.check_dates(user.actor, context.student_id, day, day)  # a refusal is an alert
    await state.update_data(date_from=day.isoformat(), date_to=day.isoformat())
    await state.set_state(Form.kind)
    await query.message.edit_text(kind_prompt(day, day, user.locale), reply_markup=kinds_keyboard())


async def on_kind(query: CallbackQuery, callback_data: AbsenceKindCB, state: FSMContext,
                  callback_answer: CallbackAnswer):
    if callback_data.kind not in {k.value for k in DocumentKind}:  # not a button the bot made
        callback_answer.text = _("This button is out of date. Send /help for the menu.")
        return
    await state.update_data(kind=callback_data.kind)
    await state.set_state(Form.comment)
    await query.message.edit_text(
        _("Reason: {kind}").format(kind=kind_label(callback_data.kind)) + "\n\n"
        + _("Add a comment for the class teacher (for example, what the doctor said), or tap «Skip»."),
        reply_markup=comment_keyboard())


async def on_comment_text(message: Message, user: CurrentUser, state: FSMContext):
    try:
        comment = check_comment(message.text)
    except InvalidInput as err:
        await message.answer(error_text(err.code, err.params, user.locale), reply_markup=comment_keyboard())
        return
    await state.update_data(comment=comment)
    await state.set_state(Form.files)
    await message.answer(files_prompt(), reply_markup=files_keyboard(0))


async def on_comment_skip(query: CallbackQuery, state: FSMContext):
    await state.update_data(comment="")
    await state.set_state(Form.files)
    await query.message.edit_text(files_prompt(), reply_markup=files_keyboard(0))


FILES = FileStep(Form.files, MAX_FILES, "document.too_many_files", files_keyboard,
                 lambda: _("Send photos or PDF files of the document here, or tap «Done»."))


async def on_done(query: CallbackQuery, user: CurrentUser, state: FSMContext):
    async with chat_lock(query.message.chat.id):  # after the album's last photo is in
        await state.set_state(Form.confirm)
        data = await state.get_data()
    await query.message.edit_text(summary_text(data, user.locale), reply_markup=confirm_keyboard())


async def on_send(query: CallbackQuery, user: CurrentUser, services: Services, state: FSMContext,
                  callback_answer: CallbackAnswer):
    async with chat_lock(query.message.chat.id):
        if await state.get_state() != Form.confirm.state:  # a second tap on «Send»: the first one sent it
            return
        data = await state.get_data()
        try:
            await services.absences.submit_document(
                user.actor, data["student"], date.fromisoformat(data["date_from"]), date.fromisoformat(data["date_to"]),
                DocumentKind(data["kind"]), data.get("comment", ""), _draft_files(data), draft=data.get("draft"))
        except AlreadySaved:  # sent by a tap in another process (the drafts in Redis)
            await state.clear()
            callback_answer.text = _("Already sent.")
            return
        except DomainError as err:
            # Nothing was written (one transaction); the draft cannot be sent as it is, so the form ends here.
            log.info("document refused at sending: %s", err.code)
            await state.clear()
            await query.message.edit_text(error_text(err.code, err.params, user.locale) + "\n\n"
                                          + _("Nothing was sent. Open /absence to start again."))
            return
        await state.clear()
    callback_answer.text = _("Sent.")
    await query.message.edit_text(summary_text(data, user.locale, sent=True))
    parts, keyboard = await render_screen(services, user, data["student"])
    for part in parts[:-1]:
        await query.message.answer(part)
    await query.message.answer(parts[-1], reply_markup=keyboard)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    router.callback_query.register(on_cancel, AbsenceStepCB.filter(F.action == "cancel"), StateFilter(Form))
    router.callback_query.register(on_new, AbsenceDocCB.filter(F.action == "new"))
    router.callback_query.register(on_child, AbsenceChildCB.filter(), Form.child)
    router.message.register(on_dates_text, Form.dates, F.text, not_for_others)
    router.callback_query.register(on_dates_button, AbsenceStepCB.filter(F.action.in_({"today", "yesterday"})),
                                   Form.dates)
    router.callback_query.register(on_kind, AbsenceKindCB.filter(), Form.kind)
    router.message.register(on_comment_text, Form.comment, F.text, not_for_others)
    router.callback_query.register(on_comment_skip, AbsenceStepCB.filter(F.action == "skip"), Form.comment)
    FILES.register(router)
    router.callback_query.register(on_done, AbsenceStepCB.filter(F.action == "done"), Form.files)
    router.callback_query.register(on_send, AbsenceStepCB.filter(F.action == "send"), Form.confirm)
    return router
