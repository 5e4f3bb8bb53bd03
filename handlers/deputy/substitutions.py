"""/substitutions (ACC-5, ROLE-2): the deputy director or the administrator lists the current and coming
substitutions, cancels one, or assigns a substitute: the absent teacher → the days (a button or typed) → all of
their classes or one class and subject → the substitute → the summary (with the substitute's own lessons at the
same time, if any) → «Confirm». The choices wait in the FSM data; every step re-checks them through the service
(a forged teacher of another school is refused), and «Confirm» writes once (the draft's id)."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.drafts import new_draft_id
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.substitutions import Draft, Overview
from ui import substitutions as view
from ui.callbacks import SubstAction, SubstCB, SubstClassCB, SubstTeacherCB, SubstWhoCB
from ui.filters import not_for_others
from ui.menus import menu_filter
from ui.screens import Screen, parse_day
from ui.states import SubstitutionForm as Form
from ui.typed_dates import DatesError, parse_dates


def _draft(data: dict) -> Draft:
    return Draft(
        teacher_id=data["teacher"],
        starts_on=parse_day(data["first"]),
        ends_on=parse_day(data["last"]),
        assignment_id=data.get("assignment"),
        substitute_id=data.get("substitute"),
    )


async def show_overview(screen: Screen, services: Services) -> None:
    overview = await services.substitutions.overview(screen.user.actor)  # refuses anyone but the administration
    await show_list(screen, overview)


async def show_list(screen: Screen, overview: Overview) -> None:
    await screen.show(view.overview_text(overview, screen.locale), view.overview_keyboard(overview))


async def cmd_substitutions(_message: Message, services: Services, screen: Screen):
    await screen.state.clear()
    await show_overview(screen, services)


async def on_list(_query: CallbackQuery, services: Services, screen: Screen):
    await screen.state.clear()
    await show_overview(screen, services)


async def on_cancel_item(_query: CallbackQuery, callback_data: SubstCB, services: Services, screen: Screen):
    """A substitution taken back; a second tap finds it gone and is told so (substitution.not_found)."""
    overview = await services.substitutions.cancel(screen.user.actor, callback_data.item)
    screen.toast(_("Substitution cancelled."))
    await show_list(screen, overview)


# ---- the form --------------------------------------------------------------------------------------------------


async def on_new(_query: CallbackQuery, services: Services, screen: Screen):
    absentees = await services.substitutions.absent_candidates(screen.user.actor)
    await screen.state.set_state(Form.teacher)
    await screen.state.set_data({"draft": new_draft_id(), "today": absentees.today.isoformat()})
    await screen.show(view.absent_prompt(), view.absent_keyboard(list(absentees.teachers)))


async def on_teacher(_query: CallbackQuery, callback_data: SubstTeacherCB, services: Services, screen: Screen):
    teacher = await services.substitutions.teacher(screen.user.actor, callback_data.teacher)  # another school's: no
    await screen.state.update_data(teacher=teacher.person_id, teacher_name=teacher.name)
    await screen.state.set_state(Form.dates)
    await screen.show(view.dates_prompt(teacher.name), view.dates_keyboard())


async def on_dates_button(_query: CallbackQuery, callback_data: SubstCB, services: Services, screen: Screen):
    data = await screen.state.get_data()
    day = parse_day(data["today"]) + timedelta(days=1 if callback_data.action == SubstAction.tomorrow else 0)
    await chosen_dates(screen, services, day, day)


async def on_dates_typed(message: Message, services: Services, screen: Screen):
    data = await screen.state.get_data()
    try:
        first, last = parse_dates(message.text or "", parse_day(data["today"]))
    except DatesError as err:
        await screen.reprompt(
            view.unreadable_dates(message.text or "", err.code), view.dates_keyboard(), try_again=False
        )
        return
    await chosen_dates(screen, services, first, last)


async def chosen_dates(screen: Screen, services: Services, first: date, last: date) -> None:
    data = await screen.state.get_data()
    try:
        taught = await services.substitutions.taught(screen.user.actor, data["teacher"], first, last)
    except InvalidInput as err:  # ends before it starts, outside the school year: the step waits
        await screen.reprompt(err, view.dates_keyboard())
        return
    await screen.state.update_data(first=first.isoformat(), last=last.isoformat())
    await screen.state.set_state(Form.assignment)
    await screen.show(
        view.classes_prompt(data["teacher_name"], first, last, screen.locale), view.classes_keyboard(taught)
    )


async def on_class(_query: CallbackQuery, callback_data: SubstClassCB, services: Services, screen: Screen):
    data = await screen.state.get_data()
    data["assignment"] = callback_data.assignment or None
    candidates = await services.substitutions.substitutes(screen.user.actor, _draft(data))  # a forged class: no
    await screen.state.update_data(assignment=data["assignment"])
    await screen.state.set_state(Form.substitute)
    await screen.show(view.substitute_prompt(), view.substitute_keyboard(candidates))


async def on_substitute(_query: CallbackQuery, callback_data: SubstWhoCB, services: Services, screen: Screen):
    data = await screen.state.get_data()
    data["substitute"] = callback_data.substitute
    preview = await services.substitutions.preview(screen.user.actor, _draft(data))  # re-checks everything
    await screen.state.update_data(substitute=callback_data.substitute)
    await screen.state.set_state(Form.confirm)
    await screen.show(view.preview_text(preview, screen.locale), view.confirm_keyboard())


async def on_confirm(_query: CallbackQuery, services: Services, screen: Screen):
    state = screen.state
    async with screen.lock():
        if await state.get_state() != Form.confirm.state:  # a second tap: the first one saved it
            screen.toast(_("Already saved."))
            return
        data = await state.get_data()
        await state.clear()
        try:
            overview = await services.substitutions.assign(screen.user.actor, _draft(data), data.get("draft"))
        except AlreadySaved:  # saved by a tap in another process
            screen.toast(_("Already saved."))
            return
        except DomainError as err:
            # Nothing was written (one transaction): the form ends with the reason.
            await screen.show(
                screen.refusal(err) + "\n\n" + _("Nothing was saved. Send /substitutions to start again."),
                view.back_keyboard(),
            )
            return
    screen.toast(_("Substitution saved."))
    await show_list(screen, overview)


async def on_stop(_query: CallbackQuery, services: Services, screen: Screen):
    await screen.state.clear()
    await show_overview(screen, services)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_substitutions, menu_filter("substitutions"))
    router.callback_query.register(on_list, SubstCB.filter(F.action == SubstAction.list))
    router.callback_query.register(on_stop, SubstCB.filter(F.action == SubstAction.stop))
    router.callback_query.register(on_cancel_item, SubstCB.filter(F.action == SubstAction.cancel))
    router.callback_query.register(on_new, SubstCB.filter(F.action == SubstAction.new))
    router.callback_query.register(on_teacher, SubstTeacherCB.filter(), Form.teacher)
    router.callback_query.register(
        on_dates_button, SubstCB.filter(F.action.in_({SubstAction.today, SubstAction.tomorrow})), Form.dates
    )
    router.message.register(on_dates_typed, Form.dates, F.text, not_for_others)
    router.callback_query.register(on_class, SubstClassCB.filter(), Form.assignment)
    router.callback_query.register(on_substitute, SubstWhoCB.filter(), Form.substitute)
    router.callback_query.register(on_confirm, SubstCB.filter(F.action == SubstAction.confirm), Form.confirm)
    return router
