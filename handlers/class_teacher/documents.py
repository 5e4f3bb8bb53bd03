"""/documents: the class teacher's inbox of absence documents (ABS-1..ABS-4, ACC-4), oldest first. Each one comes
with its photos and scans above it, what the family said, when it arrived and the day it is due for review (ABS-3).
«Accept» asks for the reason (ABS-2), which the service applies to the absences of the document's days within the
edit window (J-9), naming the older ones it left;
«Decline» asks the class teacher to write why (required): the family sees it."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.family.absence_screen import kind_label
from handlers.stored_files import send_kept
from services.absences import DocumentDecision, DocumentView
from services.access import ClassRef
from services.container import Services
from services.errors import DomainError, InvalidInput
from services.text import clean_text
from ui.callbacks import DocumentAction, DocumentCB
from ui.filters import not_for_others
from ui.formatting import absence_reason, dates_text, short_date, split_text
from ui.menus import menu_filter
from ui.screens import Screen
from ui.states import DocumentDecline

from .class_screen import REASONS, applied_text, reason_button


async def cmd_documents(_message: Message, services: Services, screen: Screen):
    """Also the way out of a half-written decline: the inbox starts afresh."""
    user = screen.user
    if await screen.state.get_state() == DocumentDecline.comment.state:
        await screen.state.clear()
    today = await services.journal.today(user.actor)
    for led in await services.class_absences.led_classes(user.actor):
        docs = await services.absences.inbox(user.actor, led.id)
        await screen.send(inbox_head(led, docs))
        for doc in docs:
            await send_files(screen, services, doc)
            await screen.send(card_text(doc, user.locale, today), card_keyboard(doc.id))


def inbox_head(led: ClassRef, docs: list[DocumentView]) -> str:
    head = "<b>" + _("Absence documents: {class_name}").format(class_name=escape(led.name)) + "</b>\n"
    if not docs:
        return head + _("No documents to review.")
    return head + ngettext(
        "{count} document to review, oldest first.", "{count} documents to review, oldest first.", len(docs)
    ).format(count=len(docs))


async def send_files(screen: Screen, services: Services, doc: DocumentView) -> None:
    """ABS-4: each file (by its file id, or the school's kept copy), above the document's card."""
    caption = "📎 " + escape(doc.student_name) + ", " + dates_text(doc.date_from, doc.date_to, screen.locale)
    for file in await services.absences.document_files(screen.user.actor, doc.id):
        await send_kept(screen.bot, screen.chat_id, services, file, caption)


def card_text(doc: DocumentView, locale: str, today: date | None = None) -> str:
    """With `today`, an overdue review (ABS-3) is flagged."""
    due = _("Review by {date}").format(date=short_date(doc.review_due, locale))
    if today is not None and doc.review_due < today:
        due += " ⚠️ " + _("overdue")
    lines = [
        f"<b>{escape(doc.student_name)}, {escape(doc.class_name)}</b>",
        _("Days: {dates}").format(dates=dates_text(doc.date_from, doc.date_to, locale, with_year=True)),
        _("The family says: {kind}").format(kind=kind_label(doc.kind)),
        _("Comment: {comment}").format(comment=escape(doc.comment)) if doc.comment else _("Comment: none"),
        _("Received {date}, {time}").format(
            date=short_date(doc.arrived_at.date(), locale), time=f"{doc.arrived_at:%H:%M}"
        ),
        due,
    ]
    if doc.files:
        lines.append(
            "📎 " + ngettext("{count} file above", "{count} files above", len(doc.files)).format(count=len(doc.files))
        )
    return "\n".join(lines)


def card_keyboard(doc_id: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("✅ Accept"), callback_data=DocumentCB(doc=doc_id, action=DocumentAction.accept))
    keyboard.button(text=_("❌ Decline"), callback_data=DocumentCB(doc=doc_id, action=DocumentAction.decline))
    keyboard.adjust(2)
    return keyboard.as_markup()


async def show_card(screen: Screen, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """The card in place of the tapped one; without `keyboard`, the decision is made and the buttons go."""
    await screen.show(split_text(text), keyboard or InlineKeyboardMarkup(inline_keyboard=[]))


# ---- accept with a reason (ABS-2) -------------------------------------------------------------------------


async def on_accept(_query: CallbackQuery, callback_data: DocumentCB, services: Services, screen: Screen):
    locale = screen.locale
    doc = await services.absences.pending_document(screen.user.actor, callback_data.doc)  # ACC-4, and still pending
    keyboard = InlineKeyboardBuilder()
    for reason in REASONS:
        keyboard.button(
            text=reason_button(reason, locale),
            callback_data=DocumentCB(doc=doc.id, action=DocumentAction.reason, reason=reason),
        )
    keyboard.button(text=_("◀ Back"), callback_data=DocumentCB(doc=doc.id, action=DocumentAction.back))
    keyboard.adjust(1)
    text = card_text(doc, locale) + "\n\n" + _("Which reason goes into the journal for the absences of these days?")
    await show_card(screen, text, keyboard.as_markup())


async def on_reason(_query: CallbackQuery, callback_data: DocumentCB, services: Services, screen: Screen):
    """A second tap, or a document withdrawn meanwhile: the service's Conflict, and nothing changes."""
    actor, locale, reason = screen.user.actor, screen.locale, callback_data.reason
    doc = await services.absences.pending_document(actor, callback_data.doc)
    decision = await services.absences.decide_document(actor, doc.id, accept=True, reason=reason)
    screen.toast(_("Accepted."))
    head = "✅ " + _("Accepted: {reason}.").format(reason=absence_reason(reason, locale))
    await show_card(screen, card_text(doc, locale) + "\n\n" + head + " " + decision_text(decision, locale))


def decision_text(decision: DocumentDecision, locale: str) -> str:
    """J-9: the absences past the edit window kept their reason; the class teacher is told which, and how else."""
    if not decision.locked:
        return applied_text(decision.applied)
    locked = "🔒 " + ngettext(
        "{count} absence ({days}) was not changed: more than {window} days have passed, and only a correction "
        "request to the deputy director can change it.",
        "{count} absences ({days}) were not changed: more than {window} days have passed, and only a correction "
        "request to the deputy director can change them.",
        decision.locked,
    ).format(
        count=decision.locked,
        days=", ".join(short_date(day, locale) for day in decision.locked_days),
        window=decision.edit_window_days,
    )
    return (applied_text(decision.applied) + "\n" if decision.applied else "") + locked


async def on_back(_query: CallbackQuery, callback_data: DocumentCB, services: Services, screen: Screen):
    if await screen.state.get_state() == DocumentDecline.comment.state:
        await screen.state.clear()
    doc = await services.absences.pending_document(screen.user.actor, callback_data.doc)
    today = await services.journal.today(screen.user.actor)
    await show_card(screen, card_text(doc, screen.locale, today), card_keyboard(doc.id))


# ---- decline with a comment -------------------------------------------------------------------------------


async def on_decline(_query: CallbackQuery, callback_data: DocumentCB, services: Services, screen: Screen):
    doc = await services.absences.pending_document(screen.user.actor, callback_data.doc)
    await screen.state.set_state(DocumentDecline.comment)
    await screen.state.update_data(decline_doc=doc.id, decline_card=screen.tapped.message_id if screen.tapped else None)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Cancel"), callback_data=DocumentCB(doc=doc.id, action=DocumentAction.back))
    text = card_text(doc, screen.locale) + "\n\n✍️ " + _("Write why the document is declined: the family will see it.")
    await show_card(screen, text, keyboard.as_markup())


async def on_decline_comment(message: Message, services: Services, screen: Screen):
    actor, state = screen.user.actor, screen.state
    data = await state.get_data()
    try:
        doc = await services.absences.pending_document(actor, data["decline_doc"])
        await services.absences.decide_document(actor, doc.id, accept=False, comment=message.text)
    except InvalidInput:
        raise  # too long: the teacher writes it again, the state stays
    except DomainError:
        await state.clear()  # decided or withdrawn meanwhile: nothing more to write here
        raise
    await state.clear()
    if data.get("decline_card"):
        with suppress(TelegramBadRequest):  # too old to edit: its «Cancel» then says it is decided
            await screen.bot.edit_message_reply_markup(chat_id=screen.chat_id, message_id=data["decline_card"])
    decision = "❌ " + _("Declined: {comment}").format(comment=escape(clean_text(message.text)))
    await screen.send(card_text(doc, screen.locale) + "\n\n" + decision)


async def cmd_cancel(_message: Message, screen: Screen):
    await screen.state.clear()
    await screen.send(_("Cancelled: the document still waits for your decision in /documents."))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_documents, menu_filter("documents"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(DocumentDecline))
    router.message.register(on_decline_comment, DocumentDecline.comment, F.text, not_for_others)
    router.callback_query.register(on_accept, DocumentCB.filter(F.action == DocumentAction.accept))
    router.callback_query.register(
        on_reason, DocumentCB.filter((F.action == DocumentAction.reason) & F.reason.is_not(None))
    )
    router.callback_query.register(on_decline, DocumentCB.filter(F.action == DocumentAction.decline))
    router.callback_query.register(on_back, DocumentCB.filter(F.action == DocumentAction.back))
    return router
