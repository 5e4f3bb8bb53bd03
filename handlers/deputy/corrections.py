"""/corrections (J-10, ROLE-2): the deputy director's or administrator's pending correction requests, each with
what the rule says it records (the request's date, the class, the teacher, the lesson's date, the subject, the
changes in words, the reason), to apply or to decline with a comment. Either way it is recorded and the teacher
is told in their own language."""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.teacher.correction_request import change_lines
from services.container import Services
from services.corrections import COMMENT_MAX, CorrectionView
from services.errors import DomainError, InvalidInput
from services.models import CorrectionStatus
from ui.callbacks import CorrectionDecideCB, CorrectionDecision
from ui.filters import not_for_others
from ui.formatting import day_title, short_date, split_text
from ui.i18n import gettext
from ui.menus import menu_filter
from ui.screens import Screen
from ui.states import DeclineCorrectionForm as Form

log = logging.getLogger(__name__)

DECLINING = "declining"  # FSM data: the request whose decline comment is typed
SHOWN = 10  # the oldest requests shown at once; the next ones after these are decided


def lesson_line(view: CorrectionView, locale: str) -> str:
    return gettext("{day}, lesson {number}", locale).format(
        day=day_title(view.lesson_date, locale), number=view.lesson_number
    )


def class_name(view: CorrectionView) -> str:
    return escape(view.class_name + (f" ({view.subgroup})" if view.subgroup else ""))


def request_text(view: CorrectionView, locale: str) -> str:
    """J-10's fields, one a line."""
    return "\n".join(
        [
            "<b>"
            + _("Correction request №{number} of {date}").format(
                number=view.id, date=short_date(view.requested_on, locale)
            )
            + "</b>",
            _("Teacher: {name}").format(name=escape(view.teacher)),
            _("Class: {class_name}").format(class_name=class_name(view)),
            _("Subject: {subject}").format(subject=escape(view.subject)),
            _("Lesson: {lesson}").format(lesson=lesson_line(view, locale)),
            _("Changes:"),
            *change_lines(view.described, locale),
            _("Reason: {reason}").format(reason=escape(view.reason)),
        ]
    )


def decide_keyboard(request_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Apply"), callback_data=CorrectionDecideCB(request=request_id, action=CorrectionDecision.apply)
    )
    builder.button(
        text=_("Decline"), callback_data=CorrectionDecideCB(request=request_id, action=CorrectionDecision.decline)
    )
    return builder.as_markup()


def decision_text(view: CorrectionView, locale: str) -> str:
    """What the teacher reads, in the teacher's language."""
    head = (
        gettext("✅ Your correction request №{number} is applied.", locale)
        if view.status == CorrectionStatus.APPLIED
        else gettext("❌ Your correction request №{number} is declined.", locale)
    ).format(number=view.id)
    lines = [
        head,
        "",
        f"<b>{escape(view.subject)}, {class_name(view)}</b>",
        lesson_line(view, locale),
        *change_lines(view.described, locale),
    ]
    if view.decision_comment:
        lines.append(gettext("Comment: {comment}", locale).format(comment=escape(view.decision_comment)))
    return "\n".join(lines)


async def tell_teacher(screen: Screen, services: Services, view: CorrectionView) -> bool:
    """The decision to the teacher's account on this bot's messenger; False when none took it (not linked, or the bot is blocked)."""
    told = False
    for chat in await services.corrections.teacher_chats(screen.user.actor, view.id, screen.user.account.channel):
        try:
            await screen.bot.send_message(chat.chat_id, decision_text(view, chat.locale))
            told = True
        except TelegramAPIError as err:
            log.info("correction %s: the teacher's chat took no message (%s)", view.id, type(err).__name__)
    return told


def not_told() -> str:
    return _("The teacher has not linked the bot: tell them yourself.")


async def cmd_corrections(_message: Message, services: Services, screen: Screen):
    requests = await services.corrections.pending(screen.user.actor)
    if not requests:
        await screen.send(_("No correction requests are waiting for a decision."))
        return
    count = len(requests)
    head = ngettext(
        "{count} correction request is waiting for a decision.",
        "{count} correction requests are waiting for a decision.",
        count,
    ).format(count=count)
    if count > SHOWN:
        head += " " + _("The oldest {shown} are below.").format(shown=SHOWN)
    await screen.send(head)
    for view in requests[:SHOWN]:
        await screen.show(split_text(request_text(view, screen.locale)), decide_keyboard(view.id))


async def on_apply(_query: CallbackQuery, callback_data: CorrectionDecideCB, services: Services, screen: Screen):
    view = await services.corrections.decide(screen.user.actor, callback_data.request, apply=True)
    told = await tell_teacher(screen, services, view)
    text = request_text(view, screen.locale) + "\n\n✅ " + _("Applied: the journal is changed.")
    if not told:
        text += "\n" + not_told()
    await screen.show(split_text(text), InlineKeyboardMarkup(inline_keyboard=[]))
    screen.toast(_("Applied."))


async def on_decline(_query: CallbackQuery, callback_data: CorrectionDecideCB, services: Services, screen: Screen):
    view = await services.corrections.to_decide(screen.user.actor, callback_data.request)  # a decided one says so
    await screen.state.set_state(Form.comment)
    await screen.state.update_data({DECLINING: view.id})
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Cancel"), callback_data=CorrectionDecideCB(request=view.id, action=CorrectionDecision.cancel)
    )
    prompt = _("Why is request №{number} declined? Write a comment for the teacher (at most {max} characters).")
    await screen.send(prompt.format(number=view.id, max=COMMENT_MAX), builder.as_markup())


async def on_comment(message: Message, services: Services, screen: Screen):
    request_id = (await screen.state.get_data())[DECLINING]
    try:
        view = await services.corrections.decide(screen.user.actor, request_id, apply=False, comment=message.text)
    except DomainError as err:
        if not isinstance(err, InvalidInput):  # decided by someone else meanwhile: nothing to comment on
            await leave(screen.state)
        raise
    await leave(screen.state)
    told = await tell_teacher(screen, services, view)
    await screen.send(
        "❌ " + _("Request №{number} is declined.").format(number=view.id) + ("" if told else "\n" + not_told())
    )


async def on_decline_cancel(_query: CallbackQuery, screen: Screen):
    await leave(screen.state)
    await screen.show(
        _("Not declined: the request is still waiting for a decision."), InlineKeyboardMarkup(inline_keyboard=[])
    )


async def leave(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DECLINING: None})


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_corrections, menu_filter("corrections"))
    router.callback_query.register(on_apply, CorrectionDecideCB.filter(F.action == CorrectionDecision.apply))
    router.callback_query.register(on_decline, CorrectionDecideCB.filter(F.action == CorrectionDecision.decline))
    router.callback_query.register(
        on_decline_cancel, CorrectionDecideCB.filter(F.action == CorrectionDecision.cancel), Form.comment
    )
    router.message.register(on_comment, Form.comment, F.text, not_for_others)
    return router
