"""/announce (issue 6, item 4): the deputy director or the administrator to the whole school, a grade, a class or a
class's parents (ROLE-2); a class teacher to their own class or its parents (ACC-4). The audience from buttons,
the text, photos or PDF files, a preview with how many accounts it reaches, then «Send». The draft lives in the
FSM only; «Send» writes the outbox event, which the pushes worker delivers. Every step re-checks the audience
through the service: a forged button is refused and nothing is written."""
from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import AnnounceAudienceCB, AnnounceStepCB
from ui.errors_text import error_text
from ui.filters import RoleFilter, not_for_others
from ui.menus import menu_filter
from ui.pushes.texts_announcements import audience_label, render_announcement
from ui.states import AnnouncementForm as Form
from handlers.drafts import new_draft_id
from handlers.file_drafts import FileStep, cmd_cancel, on_cancel
from ui.screens import chat_lock
from services.accounts import CurrentUser
from services.announcements import MAX_FILES, TEXT_MAX, Audience, Scope, check_text
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.attachments import AttachmentIn
from services.models import AttachmentKind, Role

log = logging.getLogger(__name__)

GRADES_PER_ROW = 4


# ---- keyboards and texts ---------------------------------------------------------------------------------

def _label(audience: Audience, locale: str) -> str:
    """A button's label: «Вся школа», «5А: ученики и родители», «Родители 5А»."""
    text = audience_label({"scope": audience.scope.value, "grade": audience.grade, "title": audience.title}, locale)
    return text[:1].upper() + text[1:]


def _cancel() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Cancel"), callback_data=AnnounceStepCB(action="cancel").pack())


def _pick(audience: Audience) -> AnnounceAudienceCB:
    return AnnounceAudienceCB(scope=audience.scope.value, grade=audience.grade or 0, cls=audience.class_id or 0)


def top_keyboard(audiences: list[Audience], locale: str) -> InlineKeyboardMarkup:
    """The administration: the school and a button per grade; a class teacher: their classes at once."""
    school = next((a for a in audiences if a.scope == Scope.SCHOOL), None)
    if school is None:
        return classes_keyboard(audiences, locale, back=False)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_label(school, locale), callback_data=_pick(school))
    for audience in audiences:
        if audience.scope == Scope.GRADE:
            keyboard.button(text=_("Grade {grade} ▸").format(grade=audience.grade),
                            callback_data=AnnounceStepCB(action="grade", grade=audience.grade))
    keyboard.adjust(1, GRADES_PER_ROW)
    keyboard.row(_cancel())
    return keyboard.as_markup()


def classes_keyboard(audiences: list[Audience], locale: str, *, back: bool) -> InlineKeyboardMarkup:
    """The grade as a whole first, if it is offered; then a row per class: with its parents, and its parents only."""
    keyboard = InlineKeyboardBuilder()
    for audience in audiences:
        keyboard.button(text=_label(audience, locale), callback_data=_pick(audience))
    whole_grade = any(a.scope == Scope.GRADE for a in audiences)
    keyboard.adjust(*((1, 2) if whole_grade else (2,)))
    if back:
        keyboard.row(InlineKeyboardButton(text=_("◀ Back"), callback_data=AnnounceStepCB(action="top").pack()),
                     _cancel())
    else:
        keyboard.row(_cancel())
    return keyboard.as_markup()


def step_keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """The step's buttons and «Отмена», in one row."""
    row = [InlineKeyboardButton(text=text, callback_data=AnnounceStepCB(action=action).pack())
           for text, action in buttons]
    return InlineKeyboardMarkup(inline_keyboard=[[*row, _cancel()]])


def files_keyboard(count: int) -> InlineKeyboardMarkup:
    return step_keyboard((_("Done") if count else _("Continue without files"), "done"))


def text_prompt(audience: dict, locale: str) -> str:
    return (_("To: {audience}").format(audience=audience_label(audience, locale)) + "\n\n"
            + _("Write the announcement as one message (at most {max} characters).").format(max=TEXT_MAX))


def files_prompt() -> str:
    return _("Attach photos or PDF files (at most {max}): send them here, one by one or several at once. "
             "Then tap «Done».").format(max=MAX_FILES)


def preview_text(payload: dict, recipients: int, files: list[dict], locale: str) -> str:
    names = [_("photo") if f["kind"] == AttachmentKind.PHOTO.value else escape(f["file_name"] or _("file"))
             for f in files]
    lines = [
        "<b>" + _("Check the announcement before sending it") + "</b>",
        _("To: {audience}").format(audience=audience_label(payload["audience"], locale)),
        _("Recipients linked to the bot: {count}").format(count=recipients),
        _("Files: {files}").format(files=", ".join(names)) if names else _("Files: none"),
    ]
    if not recipients:
        lines.append(_("Nobody in this audience has linked the bot yet."))
    return "\n".join(lines) + "\n\n" + render_announcement(payload, locale)


def _draft_audience(data: dict) -> Audience:
    chosen = data["audience"]
    return Audience(Scope(chosen["scope"]), chosen.get("grade"), chosen.get("class_id"))


def _draft_files(data: dict) -> list[AttachmentIn]:
    return [AttachmentIn(**{**f, "kind": AttachmentKind(f["kind"])}) for f in data.get("files", [])]


# ---- the audience ------------------------------------------------------------------------------------------

async def cmd_announce(message: Message, user: CurrentUser, services: Services, state: FSMContext):
    audiences = await services.announcements.audiences(user.actor)  # refuses anyone else
    await state.clear()
    await state.set_state(Form.audience)
    await message.answer(_("New announcement. Whom is it for?"), reply_markup=top_keyboard(audiences, user.locale))


async def on_top(query: CallbackQuery, user: CurrentUser, services: Services, state: FSMContext):
    audiences = await services.announcements.audiences(user.actor)
    await state.set_state(Form.audience)
    await query.message.edit_text(_("New announcement. Whom is it for?"),
                                  reply_markup=top_keyboard(audiences, user.locale))


async def on_grade(query: CallbackQuery, callback_data: AnnounceStepCB, user: CurrentUser, services: Services,
                   state: FSMContext, callback_answer: CallbackAnswer):
    found = [a for a in await services.announcements.audiences(user.actor) if a.grade == callback_data.grade]
    if not any(a.scope == Scope.GRADE for a in found):  # not a button the bot made for this user
        callback_answer.text = _("This button is out of date. Send /help for the menu.")
        return
    await state.set_state(Form.audience)
    await query.message.edit_text(_("Grade {grade}: whom is the announcement for?").format(grade=callback_data.grade),
                                  reply_markup=classes_keyboard(found, user.locale, back=True))


async def on_audience(query: CallbackQuery, callback_data: AnnounceAudienceCB, user: CurrentUser,
                      services: Services, state: FSMContext):
    """The ids come from the client: the service re-checks them (another class is refused with an alert)."""
    audience = await services.announcements.check_audience(
        user.actor, Audience(callback_data.scope, callback_data.grade or None, callback_data.cls or None))
    chosen = {"scope": audience.scope.value, "grade": audience.grade, "class_id": audience.class_id,
              "title": audience.title}
    await state.set_state(Form.text)
    await state.set_data({"audience": chosen, "files": [], "draft": new_draft_id()})
    await query.message.edit_text(text_prompt(chosen, user.locale), reply_markup=step_keyboard())


# ---- the text and the files ------------------------------------------------------------------------------

async def on_text(message: Message, user: CurrentUser, state: FSMContext):
    try:
        text = check_text(message.text)
    except InvalidInput as err:
        await message.answer(error_text(err.code, err.params, user.locale) + "\n"
                             + _("Try again, or tap «Cancel»."), reply_markup=step_keyboard())
        return
    await state.update_data(text=text)
    await state.set_state(Form.files)
    await message.answer(files_prompt(), reply_markup=files_keyboard(0))


async def on_other_in_text(message: Message):
    await message.answer(_("Send the announcement's text first: photos and files come next."),
                         reply_markup=step_keyboard())


FILES = FileStep(Form.files, MAX_FILES, "announcement.too_many_files", files_keyboard,
                 lambda: _("Send photos or PDF files here, or tap «Done»."))


# ---- the preview and sending -----------------------------------------------------------------------------

async def on_done(query: CallbackQuery, user: CurrentUser, services: Services, state: FSMContext):
    async with chat_lock(query.message.chat.id):  # after the album's last photo is in
        data = await state.get_data()
        preview = await services.announcements.preview(user.actor, _draft_audience(data), data["text"],
                                                       _draft_files(data))
        await state.update_data(recipients=preview.recipients)
        await state.set_state(Form.confirm)
    await query.message.edit_text(preview_text(preview.payload, preview.recipients, data["files"], user.locale),
                                  reply_markup=step_keyboard((_("Send"), "send")))


async def on_send(query: CallbackQuery, user: CurrentUser, services: Services, state: FSMContext,
                  callback_answer: CallbackAnswer):
    async with chat_lock(query.message.chat.id):
        if await state.get_state() != Form.confirm.state:  # a second tap on «Send»: the first one sent it
            return
        data = await state.get_data()
        await state.clear()
        try:
            await services.announcements.send(user.actor, _draft_audience(data), data["text"], _draft_files(data),
                                              draft=data.get("draft"))
        except AlreadySaved:  # sent by a tap in another process (the drafts in Redis)
            callback_answer.text = _("Already sent.")
            return
        except DomainError as err:
            # Nothing was written (one transaction); the draft cannot be sent as it is, so the form ends here.
            log.info("announcement refused at sending: %s", err.code)
            await query.message.edit_text(error_text(err.code, err.params, user.locale) + "\n\n"
                                          + _("Nothing was sent. Send /announce to start again."))
            return
    callback_answer.text = _("Sent.")
    await query.message.edit_reply_markup(reply_markup=None)
    count = data["recipients"]
    await query.message.answer("✅ " + ngettext("Announcement sent: {count} recipient",
                                               "Announcement sent: {count} recipients", count).format(count=count))


def build_router() -> Router:
    router = Router(name=__name__)
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.DEPUTY, Role.ADMIN, Role.CLASS_TEACHER))
    router.message.register(cmd_announce, menu_filter("announce"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    router.callback_query.register(on_cancel, AnnounceStepCB.filter(F.action == "cancel"), StateFilter(Form))
    router.callback_query.register(on_top, AnnounceStepCB.filter(F.action == "top"))
    router.callback_query.register(on_grade, AnnounceStepCB.filter(F.action == "grade"))
    router.callback_query.register(on_audience, AnnounceAudienceCB.filter())
    router.message.register(on_text, Form.text, F.text, not_for_others)
    router.message.register(on_other_in_text, Form.text, not_for_others)
    FILES.register(router)
    router.callback_query.register(on_done, AnnounceStepCB.filter(F.action == "done"), Form.files)
    router.callback_query.register(on_send, AnnounceStepCB.filter(F.action == "send"), Form.confirm)
    return router
