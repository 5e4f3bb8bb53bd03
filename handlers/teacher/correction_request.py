"""J-9/J-10: a change to a lesson more than 14 days old is not written; it becomes a correction request
(«Замена сведений в электронном журнале»). The attendance, marks and topic screens hand their changes to
`offer_correction`, which shows them in words and asks the reason; the typed reason files the request for
the deputy director. «Cancel» or /cancel drops it, nothing sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.drafts import new_draft_id
from services.container import Services
from services.correction_changes import Change, change_of, change_to_json
from services.corrections import REASON_MAX, ChangeView, describe_in
from services.errors import AlreadySaved, DomainError
from services.journal import LessonView
from ui.callbacks import CorrectionFormAction, CorrectionFormCB
from ui.filters import not_for_others
from ui.formatting import split_text, work_type_name
from ui.i18n import gettext
from ui.labels import CORRECTION_CHANGES
from ui.screens import Screen
from ui.states import CorrectionForm

from .lesson import lesson_title, locked_lines, show_card

DRAFT = "correction"  # FSM data: {"lesson": id, "changes": [a Change's JSON], "id": draft id}
RETRY = {"correction.reason_required", "correction.reason_too_long"}  # the teacher types the reason again


def change_lines(changes: Iterable[ChangeView], locale: str) -> list[str]:
    """«• Алексеев Артём Игоревич: поставить отметку 5 (Ответ на уроке)», in the reader's language."""
    lines = []
    for change in changes:
        line = gettext(CORRECTION_CHANGES[change.op], locale).format(
            student=escape(change.student), topic=escape(change.topic), value=change.value, old_value=change.old_value
        )
        if change.work_type and change.op != "delete_mark":
            line += f" ({escape(work_type_name(change.work_type, locale))})"
        lines.append("• " + line)
    return lines


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=CorrectionFormCB(action=CorrectionFormAction.cancel))
    return builder.as_markup()


async def offer_correction(screen: Screen, view: LessonView, changes: list[Change]) -> None:
    """J-9/J-10: the lesson is locked; `changes` become a request once a reason is typed.
    The request is asked in a message of its own: the screen tapped stays as it is."""
    await screen.state.set_state(CorrectionForm.reason)
    await screen.state.update_data(
        {DRAFT: {"lesson": view.lesson_id, "changes": [change_to_json(c) for c in changes], "id": new_draft_id()}}
    )
    text = "\n".join(
        [
            lesson_title(view, screen.locale),
            *locked_lines(view),
            "",
            "<b>" + _("Changes:") + "</b>",
            *change_lines(describe_in(view, changes), screen.locale),
            "",
            _("Write the reason for the correction (at most {max} characters), or tap «Cancel».").format(
                max=REASON_MAX
            ),
        ]
    )
    await replace(screen, tapped=None).show(split_text(text), cancel_keyboard())


async def on_reason(message: Message, screen: Screen, services: Services):
    draft = (await screen.state.get_data())[DRAFT]
    try:
        changes = [change_of(change) for change in draft["changes"]]
        number = await services.corrections.request(
            screen.user.actor, draft["lesson"], changes, message.text, draft=draft.get("id")
        )
    except AlreadySaved:  # the reason sent twice at once: the first message filed the request
        await screen.send(_("Already sent."))
        return
    except DomainError as err:
        if err.code in RETRY:  # the reason is asked again
            await screen.reprompt(err, try_again=False)
            return
        await leave(screen.state)  # the changes themselves are refused: typing again would not help
        await screen.send(screen.refusal(err) + "\n\n" + _("The correction request was not sent."))
        return
    await leave(screen.state)
    await screen.send(_("Request №{number} is sent to the deputy director.").format(number=number))
    await show_card(screen, await services.journal.lesson_view(screen.user.actor, draft["lesson"]))


async def on_cancel(query: CallbackQuery, screen: Screen, services: Services):
    draft = (await screen.state.get_data())[DRAFT]
    await leave(screen.state)
    screen.toast(_("The correction request was not sent."))
    view = await services.journal.lesson_view(screen.user.actor, draft["lesson"])
    await show_card(screen, view)


async def cmd_cancel(message: Message, screen: Screen):
    await leave(screen.state)
    await screen.send(_("Cancelled: the correction request was not sent."))


async def leave(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DRAFT: None})


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"), CorrectionForm.reason)
    router.callback_query.register(
        on_cancel, CorrectionFormCB.filter(F.action == CorrectionFormAction.cancel), CorrectionForm.reason
    )
    router.message.register(on_reason, CorrectionForm.reason, F.text, not_for_others)
    return router
