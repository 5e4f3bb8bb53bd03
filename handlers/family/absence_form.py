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
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.drafts import new_draft_id
from handlers.file_drafts import FileStep, cmd_cancel, draft_files, on_cancel
from services.absences import MAX_FILES, SendContext, check_comment
from services.accounts import CurrentUser
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.models import AttachmentKind, DocumentKind
from services.text import clean_text
from ui.callbacks import AbsenceChildCB, AbsenceDocAction, AbsenceDocCB, AbsenceKindCB, AbsenceStep, AbsenceStepCB
from ui.filters import not_for_others
from ui.formatting import dates_text
from ui.keyboards import step_keyboard
from ui.labels import DOCUMENT_KINDS
from ui.screens import Screen
from ui.states import AbsenceDocumentForm as Form
from ui.typed_dates import DatesError, parse_dates

from .absence_screen import child_name, kind_label, send_screen

log = logging.getLogger(__name__)


# ---- keyboards and texts ---------------------------------------------------------------------------------


def _cancel_row(keyboard: InlineKeyboardBuilder) -> None:
    keyboard.button(text=_("Cancel"), callback_data=AbsenceStepCB(action=AbsenceStep.cancel))


def dates_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Today"), callback_data=AbsenceStepCB(action=AbsenceStep.today))
    keyboard.button(text=_("Yesterday"), callback_data=AbsenceStepCB(action=AbsenceStep.yesterday))
    _cancel_row(keyboard)
    keyboard.adjust(2, 1)
    return keyboard.as_markup()


def kinds_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for kind in DOCUMENT_KINDS:
        keyboard.button(text=kind_label(kind), callback_data=AbsenceKindCB(kind=kind))
    _cancel_row(keyboard)
    keyboard.adjust(2, 2, 1)
    return keyboard.as_markup()


def comment_keyboard() -> InlineKeyboardMarkup:
    return _step_keyboard(_("Skip"), AbsenceStep.skip)


def files_keyboard(count: int) -> InlineKeyboardMarkup:
    return _step_keyboard(_("Done") if count else _("Continue without files"), AbsenceStep.done)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return _step_keyboard(_("Send"), AbsenceStep.send)


def _step_keyboard(text: str, action: AbsenceStep) -> InlineKeyboardMarkup:
    """The step's one button, and «Отмена» beside it."""
    return step_keyboard(
        (text, AbsenceStepCB(action=action)),
        leave=(_("Cancel"), AbsenceStepCB(action=AbsenceStep.cancel)),
        one_row=True,
    )


def dates_prompt(child: str) -> str:
    return (
        _("Document for {child}.").format(child=child)
        + "\n\n"
        + _("Which days? Write a date, e.g. 25.11, or a period: 25.11–27.11. Future days are fine too.")
    )


def files_prompt() -> str:
    return _(
        "Attach photos or PDF files of the document (at most {max}): send them here, one by one or "
        "several at once. Then tap «Done»."
    ).format(max=MAX_FILES)


def summary_text(data: dict, locale: str, *, sent: bool = False) -> str:
    start, end = date.fromisoformat(data["date_from"]), date.fromisoformat(data["date_to"])
    names = [
        _("photo") if f["kind"] == AttachmentKind.PHOTO.value else escape(f["file_name"] or _("file"))
        for f in data.get("files", [])
    ]
    comment = data.get("comment", "")
    lines = [
        "<b>"
        + (
            _("✅ Sent to the class teacher. The answer will show in /absence.")
            if sent
            else _("Check the document before sending it")
        )
        + "</b>",
        _("Student: {child}").format(child=data["child"]),
        _("Days: {dates}").format(dates=dates_text(start, end, locale, with_year=True)),
        _("Reason: {kind}").format(kind=kind_label(data["kind"])),
        _("Comment: {comment}").format(comment=escape(comment)) if comment else _("Comment: none"),
        _("Files: {files}").format(files=", ".join(names)) if names else _("Files: none"),
    ]
    return "\n".join(lines)


# ---- the steps ---------------------------------------------------------------------------------------------


def _children_to_offer(user: CurrentUser, student_id: int) -> list[int]:
    """A parent of several children picks one (the service re-checks it; a student sends none, ABS-1)."""
    if student_id in user.actor.children and len(user.actor.children) > 1:
        return sorted(user.actor.children)
    return [student_id]


async def on_new(_query: CallbackQuery, callback_data: AbsenceDocCB, services: Services, screen: Screen):
    await services.absences.send_context(screen.user.actor, callback_data.student)  # ABS-1: may they send for them
    await screen.state.clear()
    children = _children_to_offer(screen.user, callback_data.student)
    if len(children) == 1:
        child = await _start_dates(services, screen, children[0])
        await screen.send(dates_prompt(child), dates_keyboard())
        return
    keyboard = InlineKeyboardBuilder()
    for student_id in children:
        card = await services.diary.student(screen.user.actor, student_id)
        keyboard.button(
            text=_("{child}, {class_name}").format(child=card.first_name, class_name=card.class_name),
            callback_data=AbsenceChildCB(student=student_id),
        )
    _cancel_row(keyboard)
    keyboard.adjust(1)
    await screen.state.set_state(Form.child)
    await screen.send(_("Which child is the document for?"), keyboard.as_markup())


async def _start_dates(services: Services, screen: Screen, student_id: int) -> str:
    """The draft begins with the child; returns the child's name as the form shows it."""
    child = child_name(await services.diary.student(screen.user.actor, student_id))
    await screen.state.set_state(Form.dates)
    await screen.state.set_data({"student": student_id, "child": child, "files": [], "draft": new_draft_id()})
    return child


async def on_child(_query: CallbackQuery, callback_data: AbsenceChildCB, services: Services, screen: Screen):
    """The id comes from the client: the service re-checks it (a forged one is refused and logged)."""
    await services.absences.send_context(screen.user.actor, callback_data.student)
    child = await _start_dates(services, screen, callback_data.student)
    await screen.show(dates_prompt(child), dates_keyboard())


async def _context(services: Services, screen: Screen) -> SendContext:
    return await services.absences.send_context(screen.user.actor, (await screen.state.get_data())["student"])


async def on_dates_text(message: Message, services: Services, screen: Screen):
    context = await _context(services, screen)
    try:
        start, end = parse_dates(message.text, context.today, context.year_starts, context.year_ends)
    except DatesError as err:
        shown = escape(clean_text(message.text, one_line=True)[:40])
        text = (
            _("There is no such day in the calendar: «{text}».")
            if err.code == "no_such_date"
            else _("I cannot read «{text}» as a date.")
        ).format(text=shown)
        await screen.reprompt(
            text + "\n" + _("Write a day as 25.11, or a period as 25.11–27.11 (a year may follow: 25.11.2026)."),
            dates_keyboard(),
            try_again=False,
        )
        return
    if not await _dates_accepted(services, screen, start, end, context):
        return
    await _ask_kind(screen, start, end)


async def _dates_accepted(services: Services, screen: Screen, start: date, end: date, context: SendContext) -> bool:
    """The service's checks (the order of the days, the length, the school year), with a retry on refusal."""
    try:
        await services.absences.check_dates(screen.user.actor, context.student_id, start, end)
    except InvalidInput as err:
        log.info("dates refused: %s", err.code)
        await screen.reprompt(err, dates_keyboard())
        return False
    return True


async def _ask_kind(screen: Screen, start: date, end: date) -> None:
    await screen.state.update_data(date_from=start.isoformat(), date_to=end.isoformat())
    await screen.state.set_state(Form.kind)
    text = (
        _("Days: {dates}").format(dates=dates_text(start, end, screen.locale, with_year=True))
        + "\n\n"
        + _("What was the reason for the absence?")
    )
    await screen.show(text, kinds_keyboard())


async def on_today(_query: CallbackQuery, services: Services, screen: Screen):
    await _one_day(services, screen, days_ago=0)


async def on_yesterday(_query: CallbackQuery, services: Services, screen: Screen):
    await _one_day(services, screen, days_ago=1)


async def _one_day(services: Services, screen: Screen, days_ago: int) -> None:
    context = await _context(services, screen)
    day = context.today - timedelta(days=days_ago)
    await services.absences.check_dates(screen.user.actor, context.student_id, day, day)  # a refusal is an alert
    await _ask_kind(screen, day, day)


async def on_kind(_query: CallbackQuery, callback_data: AbsenceKindCB, screen: Screen):
    await screen.state.update_data(kind=callback_data.kind.value)
    await screen.state.set_state(Form.comment)
    await screen.show(
        _("Reason: {kind}").format(kind=kind_label(callback_data.kind))
        + "\n\n"
        + _("Add a comment for the class teacher (for example, what the doctor said), or tap «Skip»."),
        comment_keyboard(),
    )


async def on_comment_text(message: Message, screen: Screen):
    try:
        comment = check_comment(message.text)
    except InvalidInput as err:
        await screen.reprompt(err, comment_keyboard(), try_again=False)
        return
    await _ask_files(screen, comment)


async def on_comment_skip(_query: CallbackQuery, screen: Screen):
    await _ask_files(screen, "")


async def _ask_files(screen: Screen, comment: str) -> None:
    await screen.state.update_data(comment=comment)
    await screen.state.set_state(Form.files)
    await screen.show(files_prompt(), files_keyboard(0))


FILES = FileStep(
    Form.files,
    MAX_FILES,
    "document.too_many_files",
    files_keyboard,
    lambda: _("Send photos or PDF files of the document here, or tap «Done»."),
)


async def on_done(_query: CallbackQuery, screen: Screen):
    async with screen.lock():  # after the album's last photo is in
        await screen.state.set_state(Form.confirm)
        data = await screen.state.get_data()
    await screen.show(summary_text(data, screen.locale), confirm_keyboard())


async def on_send(_query: CallbackQuery, services: Services, screen: Screen):
    async with screen.lock():
        if await screen.state.get_state() != Form.confirm.state:  # a second tap on «Send»: the first one sent it
            return
        data = await screen.state.get_data()
        try:
            await services.absences.submit_document(
                screen.user.actor,
                data["student"],
                date.fromisoformat(data["date_from"]),
                date.fromisoformat(data["date_to"]),
                DocumentKind(data["kind"]),
                data.get("comment", ""),
                draft_files(data),
                draft=data.get("draft"),
            )
        except AlreadySaved:  # sent by a tap in another process (the drafts in Redis)
            await screen.state.clear()
            screen.toast(_("Already sent."))
            return
        except DomainError as err:
            # Nothing was written (one transaction); the draft cannot be sent as it is, so the form ends here.
            log.info("document refused at sending: %s", err.code)
            await screen.state.clear()
            await screen.show(screen.refusal(err) + "\n\n" + _("Nothing was sent. Open /absence to start again."), None)
            return
        await screen.state.clear()
    screen.toast(_("Sent."))
    await screen.show(summary_text(data, screen.locale, sent=True), None)
    await send_screen(screen, services, data["student"])


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    router.callback_query.register(on_cancel, AbsenceStepCB.filter(F.action == AbsenceStep.cancel), StateFilter(Form))
    router.callback_query.register(on_new, AbsenceDocCB.filter(F.action == AbsenceDocAction.new))
    router.callback_query.register(on_child, AbsenceChildCB.filter(), Form.child)
    router.message.register(on_dates_text, Form.dates, F.text, not_for_others)
    router.callback_query.register(on_today, AbsenceStepCB.filter(F.action == AbsenceStep.today), Form.dates)
    router.callback_query.register(on_yesterday, AbsenceStepCB.filter(F.action == AbsenceStep.yesterday), Form.dates)
    router.callback_query.register(on_kind, AbsenceKindCB.filter(), Form.kind)
    router.message.register(on_comment_text, Form.comment, F.text, not_for_others)
    router.callback_query.register(on_comment_skip, AbsenceStepCB.filter(F.action == AbsenceStep.skip), Form.comment)
    FILES.register(router)
    router.callback_query.register(on_done, AbsenceStepCB.filter(F.action == AbsenceStep.done), Form.files)
    router.callback_query.register(on_send, AbsenceStepCB.filter(F.action == AbsenceStep.send), Form.confirm)
    return router
