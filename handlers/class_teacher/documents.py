"""/documents: the class teacher's inbox of absence documents (ABS-1..ABS-4, ACC-4), oldest first. Each one comes
with its photos and scans above it, what the family said, when it arrived and the day it is due for review (ABS-3).
«Accept» asks for the reason (ABS-2), which the service applies to the absences of the document's days within the
edit window (J-9), naming the older ones it left;
«Decline» asks the class teacher to write why (required): the family sees it."""
from __future__ import annotations

from contextlib import suppress
from datetime import date
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import DocumentCB
from ui.filters import not_for_others
from ui.formatting import absence_reason, dates_text, short_date, split_text
from ui.menus import menu_filter
from ui.states import DocumentDecline
from handlers.family.absence_screen import kind_label
from ui.screens import chat_of, show_screen, tapped
from handlers.stored_files import send_kept
from services.absences import DocumentDecision, DocumentView
from services.access import ClassRef
from services.accounts import CurrentUser
from services.container import Services
from services.errors import DomainError, InvalidInput
from services.text import clean_text

from .class_screen import REASONS, applied_text, parse_reason, reason_button


async def cmd_documents(message: Message, user: CurrentUser, services: Services, state: FSMContext, bot: Bot):
    """Also the way out of a half-written decline: the inbox starts afresh."""
    if await state.get_state() == DocumentDecline.comment.state:
        await state.clear()
    today = await services.journal.today(user.actor)
    for led in await services.class_absences.led_classes(user.actor):
        docs = await services.absences.inbox(user.actor, led.id)
        await message.answer(inbox_head(led, docs))
        for doc in docs:
            await send_files(bot, message.chat.id, services, user, doc)
            await message.answer(card_text(doc, user.locale, today), reply_markup=card_keyboard(doc.id))


def inbox_head(led: ClassRef, docs: list[DocumentView]) -> str:
    head = "<b>" + _("Absence documents: {class_name}").format(class_name=escape(led.name)) + "</b>\n"
    if not docs:
        return head + _("No documents to review.")
    return head + ngettext("{count} document to review, oldest first.", "{count} documents to review, oldest first.",
                           len(docs)).format(count=len(docs))


async def send_files(bot: Bot, chat_id: int, services: Services, user: CurrentUser, doc: DocumentView) -> None:
    """ABS-4: each file (by its file id, or the school's kept copy), above the document's card."""
    caption = "📎 " + escape(doc.student_name) + ", " + dates_text(doc.date_from, doc.date_to, user.locale)
    for file in await services.absences.document_files(user.actor, doc.id):
        await send_kept(bot, chat_id, services, file, caption)


def card_text(doc: DocumentView, locale: str, today: date | None = None) -> str:
    """With `today`, an overdue review (ABS-3) is flagged."""
    due = _("Review by {date}").format(date=short_date(doc.review_due, locale))
    if today is not None and doc.review_due < today:
        due += " ⚠️ " + _("overdue")
    lines = [
        "<b>{}, {}</b>".format(escape(doc.student_name), escape(doc.class_name)),
        _("Days: {dates}").format(dates=dates_text(doc.date_from, doc.date_to, locale, with_year=True)),
        _("The family says: {kind}").format(kind=kind_label(doc.kind)),
        _("Comment: {comment}").format(comment=escape(doc.comment)) if doc.comment else _("Comment: none"),
        _("Received {date}, {time}").format(date=short_date(doc.arrived_at.date(), locale),
                                            time=f"{doc.arrived_at:%H:%M}"),
        due,
    ]
    if doc.files:
        lines.append("📎 " + ngettext("{count} file above", "{count} files above", len(doc.files)).format(
            count=len(doc.files)))
    return "\n".join(lines)


def card_keyboard(doc_id: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("✅ Accept"), callback_data=DocumentCB(doc=doc_id, action="accept"))
    keyboard.button(text=_("❌ Decline"), callback_data=DocumentCB(doc=doc_id, action="decline"))
    keyboard.adjust(2)
    return keyboard.as_markup()


async def show_card(query: CallbackQuery, state: FSMContext, bot: Bot, text: str,
                    keyboard: InlineKeyboardMarkup | None) -> None:
    await show_screen(bot, chat_of(query), split_text(text), keyboard or InlineKeyboardMarkup(inline_keyboard=[]),
                      state, tapped(query))


# ---- accept with a reason (ABS-2) -------------------------------------------------------------------------

async def on_accept(query: CallbackQuery, callback_data: DocumentCB, user: CurrentUser, services: Services,
                    state: FSMContext, bot: Bot):
    doc = await services.absences.pending_document(user.actor, callback_data.doc)  # ACC-4, and still pending
    keyboard = InlineKeyboardBuilder()
    for reason in REASONS:
        keyboard.button(text=reason_button(reason, user.locale),
                        callback_data=DocumentCB(doc=doc.id, action="reason", reason=reason.value))
    keyboard.button(text=_("◀ Back"), callback_data=DocumentCB(doc=doc.id, action="back"))
    keyboard.adjust(1)
    text = card_text(doc, user.locale) + "\n\n" + _("Which reason goes into the journal for the absences of these days?")
    await show_card(query, state, bot, text, keyboard.as_markup())


async def on_reason(query: CallbackQuery, callback_data: DocumentCB, user: CurrentUser, services: Services,
                    state: FSMContext, bot: Bot, callback_answer: CallbackAnswer):
    """A second tap, or a document withdrawn meanwhile: the service's Conflict, and nothing changes."""
    reason = parse_reason(callback_data.reason)
    doc = await services.absences.pending_document(user.actor, callback_data.doc)
    decision = await services.absences.decide_document(user.actor, doc.id, accept=True, reason=reason)
    callback_answer.text = _("Accepted.")
    head = "✅ " + _("Accepted: {reason}.").format(reason=absence_reason(reason, user.locale))
    await show_card(query, state, bot, card_text(doc, user.locale) + "\n\n" + head + " "
                    + decision_text(decision, user.locale), None)


def decision_text(decision: DocumentDecision, locale: str) -> str:
    """J-9: the absences past the edit window kept their reason; the class teacher is told which, and how else."""
    if not decision.locked:
        return applied_text(decision.applied)
    locked = "🔒 " + ngettext(
        "{count} absence ({days}) was not changed: more than {window} days have passed, and only a correction "
        "request to the deputy director can change it.",
        "{count} absences ({days}) were not changed: more than {window} days have passed, and only a correction "
        "request to the deputy director can change them.", decision.locked).format(
        count=decision.locked, days=", ".join(short_date(day, locale) for day in decision.locked_days),
        window=decision.edit_window_days)
    return (applied_text(decision.applied) + "\n" if decision.applied else "") + locked


async def on_back(query: CallbackQuery, callback_data: DocumentCB, user: CurrentUser, services: Services,
                  state: FSMContext, bot: Bot):
    if await state.get_state() == DocumentDecline.comment.state:
        await state.clear()
    doc = await services.absences.pending_document(user.actor, callback_data.doc)
    today = await services.journal.today(user.actor)
    await show_card(query, state, bot, card_text(doc, user.locale, today), card_keyboard(doc.id))


# ---- decline with a comment -------------------------------------------------------------------------------

async def on_decline(query: CallbackQuery, callback_data: DocumentCB, user: CurrentUser, services: Services,
                     state: FSMContext, bot: Bot):
    doc = await services.absences.pending_document(user.actor, callback_data.doc)
    await state.set_state(DocumentDecline.comment)
    await state.update_data(decline_doc=doc.id, decline_card=query.message.message_id if query.message else None)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Cancel"), callback_data=DocumentCB(doc=doc.id, action="back"))
    text = card_text(doc, user.locale) + "\n\n✍️ " + _("Write why the document is declined: the family will see it.")
    await show_card(query, state, bot, text, keyboard.as_markup())


async def on_decline_comment(message: Message, user: CurrentUser, services: Services, state: FSMContext, bot: Bot):
    data = await state.get_data()
    try:
        doc = await services.absences.pending_document(user.actor, data["decline_doc"])
        await services.absences.decide_document(user.actor, doc.id, accept=False, comment=message.text)
    except InvalidInput:
        raise  # too long: the teacher writes it again, the state stays
    except DomainError:
        await state.clear()  # decided or withdrawn meanwhile: nothing more to write here
        raise
    await state.clear()
    if data.get("decline_card"):
        with suppress(TelegramBadRequest):  # too old to edit: its «Cancel» then says it is decided
            await bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=data["decline_card"])
    decision = "❌ " + _("Declined: {comment}").format(comment=escape(clean_text(message.text)))
    await message.answer(card_text(doc, user.locale) + "\n\n" + decision)


async def cmd_cancel(message: Message, state: FSMContext):
    await state.clear()
    await message.answer(_("Cancelled: the document still waits for your decision in /documents."))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_documents, menu_filter("documents"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(DocumentDecline))
    router.message.register(on_decline_comment, DocumentDecline.comment, F.text, not_for_others)
    router.callback_query.register(on_accept, DocumentCB.filter(F.action == "accept"))
    router.callback_query.register(on_reason, DocumentCB.filter(F.action == "reason"))
    router.callback_query.register(on_decline, DocumentCB.filter(F.action == "decline"))
    router.callback_query.register(on_back, DocumentCB.filter(F.action == "back"))
    return router
