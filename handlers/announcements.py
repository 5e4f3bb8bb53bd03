"""/announce (DIA-4): the deputy director or the administrator to the whole school, a grade, a class or a
class's parents (ROLE-2); a class teacher to their own class or its parents (ACC-4). The audience from buttons,
the text, photos or PDF files, a preview with how many accounts it reaches, then «Send». The draft lives in the
FSM only; «Send» writes the outbox event, which the pushes worker delivers. Every step re-checks the audience
through the service: a forged button is refused and nothing is written."""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.drafts import new_draft_id
from handlers.file_drafts import FileStep, cmd_cancel, draft_files, on_cancel
from services.announcements import MAX_FILES, TEXT_MAX, Audience, Scope, check_text
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.models import AttachmentKind, Role
from services.pushes.payloads import Announcement, AudienceShown
from ui.callbacks import AnnounceAudienceCB, AnnounceStep, AnnounceStepCB
from ui.filters import RoleFilter, not_for_others
from ui.formatting import split_text
from ui.i18n import translator
from ui.keyboards import step_keyboard as ui_step_keyboard
from ui.menus import menu_filter
from ui.pushes.texts_announcements import audience_label, render_announcement
from ui.screens import Screen
from ui.states import AnnouncementForm as Form

log = logging.getLogger(__name__)

GRADES_PER_ROW = 4


# ---- keyboards and texts ---------------------------------------------------------------------------------


def _label(audience: Audience, locale: str) -> str:
    """A button's label: «Вся школа», «5А: ученики и родители», «Родители 5А»."""
    text = audience_label(AudienceShown(audience.scope.value, audience.title, audience.grade), translator(locale))
    return text[:1].upper() + text[1:]


def _cancel() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Cancel"), callback_data=AnnounceStepCB(action=AnnounceStep.cancel).pack())


def _pick(audience: Audience) -> AnnounceAudienceCB:
    return AnnounceAudienceCB(scope=audience.scope, grade=audience.grade or 0, cls=audience.class_id or 0)


def top_keyboard(audiences: list[Audience], locale: str) -> InlineKeyboardMarkup:
    """The administration: the school and a button per grade; a class teacher: their classes at once."""
    school = next((a for a in audiences if a.scope == Scope.SCHOOL), None)
    if school is None:
        return classes_keyboard(audiences, locale, back=False)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_label(school, locale), callback_data=_pick(school))
    for audience in audiences:
        if audience.scope == Scope.GRADE:
            keyboard.button(
                text=_("Grade {grade} ▸").format(grade=audience.grade),
                callback_data=AnnounceStepCB(action=AnnounceStep.grade, grade=audience.grade),
            )
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
        back = InlineKeyboardButton(text=_("◀ Back"), callback_data=AnnounceStepCB(action=AnnounceStep.top).pack())
        keyboard.row(back, _cancel())
    else:
        keyboard.row(_cancel())
    return keyboard.as_markup()


def step_keyboard(*buttons: tuple[str, AnnounceStep]) -> InlineKeyboardMarkup:
    """The step's buttons and «Отмена», in one row."""
    return ui_step_keyboard(
        *((text, AnnounceStepCB(action=action)) for text, action in buttons),
        leave=(_("Cancel"), AnnounceStepCB(action=AnnounceStep.cancel)),
        one_row=True,
    )


def files_keyboard(count: int) -> InlineKeyboardMarkup:
    return step_keyboard((_("Done") if count else _("Continue without files"), AnnounceStep.done))


def text_prompt(audience: dict, locale: str) -> str:
    shown = AudienceShown(audience["scope"], audience["title"], audience["grade"])
    return (
        _("To: {audience}").format(audience=audience_label(shown, translator(locale)))
        + "\n\n"
        + _("Write the announcement as one message (at most {max} characters).").format(max=TEXT_MAX)
    )


def files_prompt() -> str:
    return _(
        "Attach photos or PDF files (at most {max}): send them here, one by one or several at once. Then tap «Done»."
    ).format(max=MAX_FILES)


def preview_text(payload: Announcement, recipients: int, files: list[dict], locale: str) -> str:
    names = [
        _("photo") if f["kind"] == AttachmentKind.PHOTO.value else escape(f["file_name"] or _("file")) for f in files
    ]
    lines = [
        "<b>" + _("Check the announcement before sending it") + "</b>",
        _("To: {audience}").format(audience=audience_label(payload.audience, translator(locale))),
        _("Recipients linked to the bot: {count}").format(count=recipients),
        _("Files: {files}").format(files=", ".join(names)) if names else _("Files: none"),
    ]
    if not recipients:
        lines.append(_("Nobody in this audience has linked the bot yet."))
    return "\n".join(lines) + "\n\n" + render_announcement(payload, translator(locale))


def _draft_audience(data: dict) -> Audience:
    chosen = data["audience"]
    return Audience(Scope(chosen["scope"]), chosen.get("grade"), chosen.get("class_id"))


# ---- the audience ------------------------------------------------------------------------------------------


async def cmd_announce(_message: Message, services: Services, screen: Screen):
    audiences = await services.announcements.audiences(screen.user.actor)  # refuses anyone else
    await screen.state.clear()
    await screen.state.set_state(Form.audience)
    await screen.send(_("New announcement. Whom is it for?"), top_keyboard(audiences, screen.locale))


async def on_top(_query: CallbackQuery, services: Services, screen: Screen):
    audiences = await services.announcements.audiences(screen.user.actor)
    await screen.state.set_state(Form.audience)
    await screen.show(_("New announcement. Whom is it for?"), top_keyboard(audiences, screen.locale))


async def on_grade(_query: CallbackQuery, callback_data: AnnounceStepCB, services: Services, screen: Screen):
    found = [a for a in await services.announcements.audiences(screen.user.actor) if a.grade == callback_data.grade]
    if not any(a.scope == Scope.GRADE for a in found):  # not a button the bot made for this user
        screen.out_of_date()
        return
    await screen.state.set_state(Form.audience)
    await screen.show(
        _("Grade {grade}: whom is the announcement for?").format(grade=callback_data.grade),
        classes_keyboard(found, screen.locale, back=True),
    )


async def on_audience(_query: CallbackQuery, callback_data: AnnounceAudienceCB, services: Services, screen: Screen):
    """The ids come from the client: the service re-checks them (another class is refused with an alert)."""
    audience = await services.announcements.check_audience(
        screen.user.actor, Audience(callback_data.scope, callback_data.grade or None, callback_data.cls or None)
    )
    chosen = {
        "scope": audience.scope.value,
        "grade": audience.grade,
        "class_id": audience.class_id,
        "title": audience.title,
    }
    await screen.state.set_state(Form.text)
    await screen.state.set_data({"audience": chosen, "files": [], "draft": new_draft_id()})
    await screen.show(text_prompt(chosen, screen.locale), step_keyboard())


# ---- the text and the files ------------------------------------------------------------------------------


async def on_text(message: Message, screen: Screen):
    try:
        text = check_text(message.text)
    except InvalidInput as err:
        await screen.reprompt(err, step_keyboard())
        return
    await screen.state.update_data(text=text)
    await screen.state.set_state(Form.files)
    await screen.send(files_prompt(), files_keyboard(0))


async def on_other_in_text(_message: Message, screen: Screen):
    await screen.send(_("Send the announcement's text first: photos and files come next."), step_keyboard())


FILES = FileStep(
    Form.files,
    MAX_FILES,
    "announcement.too_many_files",
    files_keyboard,
    lambda: _("Send photos or PDF files here, or tap «Done»."),
)


# ---- the preview and sending -----------------------------------------------------------------------------


async def on_done(_query: CallbackQuery, services: Services, screen: Screen):
    async with screen.lock():  # after the album's last photo is in
        data = await screen.state.get_data()
        preview = await services.announcements.preview(
            screen.user.actor, _draft_audience(data), data["text"], draft_files(data)
        )
        await screen.state.update_data(recipients=preview.recipients)
        await screen.state.set_state(Form.confirm)
    # The longest text escaped (3,500 «&» are 17,500 characters of «&amp;») is more than one message of MAX's.
    await screen.show(
        split_text(preview_text(preview.payload, preview.recipients, data["files"], screen.locale)),
        step_keyboard((_("Send"), AnnounceStep.send)),
    )


async def on_send(_query: CallbackQuery, services: Services, screen: Screen):
    state = screen.state
    async with screen.lock():
        if await state.get_state() != Form.confirm.state:  # a second tap on «Send»: the first one sent it
            return
        data = await state.get_data()
        await state.clear()
        try:
            await services.announcements.send(
                screen.user.actor, _draft_audience(data), data["text"], draft_files(data), draft=data.get("draft")
            )
        except AlreadySaved:  # sent by a tap in another process (the drafts in Redis)
            screen.toast(_("Already sent."))
            return
        except DomainError as err:
            # Nothing was written (one transaction); the draft cannot be sent as it is, so the form ends here.
            log.info("announcement refused at sending: %s", err.code)
            await screen.show(
                screen.refusal(err) + "\n\n" + _("Nothing was sent. Send /announce to start again."),
                InlineKeyboardMarkup(inline_keyboard=[]),
            )
            return
    screen.toast(_("Sent."))
    if screen.tapped is not None:  # the preview keeps its text, without «Send»
        await screen.tapped.edit_reply_markup(reply_markup=None)
    count = data["recipients"]
    await screen.send(
        "✅ "
        + ngettext("Announcement sent: {count} recipient", "Announcement sent: {count} recipients", count).format(
            count=count
        )
    )


def build_router() -> Router:
    router = Router(name=__name__)
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.DEPUTY, Role.ADMIN, Role.CLASS_TEACHER))
    router.message.register(cmd_announce, menu_filter("announce"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    router.callback_query.register(on_cancel, AnnounceStepCB.filter(F.action == AnnounceStep.cancel), StateFilter(Form))
    router.callback_query.register(on_top, AnnounceStepCB.filter(F.action == AnnounceStep.top))
    router.callback_query.register(on_grade, AnnounceStepCB.filter(F.action == AnnounceStep.grade))
    router.callback_query.register(on_audience, AnnounceAudienceCB.filter())
    router.message.register(on_text, Form.text, F.text, not_for_others)
    router.message.register(on_other_in_text, Form.text, not_for_others)
    FILES.register(router)
    router.callback_query.register(on_done, AnnounceStepCB.filter(F.action == AnnounceStep.done), Form.files)
    router.callback_query.register(on_send, AnnounceStepCB.filter(F.action == AnnounceStep.send), Form.confirm)
    return router
