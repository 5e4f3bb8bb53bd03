"""/movement (DATA-4, ROLE-2): the secretary's (or the administrator's) student movement book. The book's latest
orders a page at a time, and three orders to record step by step:
- leaving: the class, the student, the order's date and number; the student loses access (ACC-9);
- a transfer: the class, the student, the new class of the same year, the date and number;
- an arrival: the class, the typed full name, the birth date (or none), the date and number; then an access code
  for the family (ACC-6).
Nothing is written before «Record» on the summary, and one summary is written once (its draft id). Every step
re-checks the role and the ids through the service: a forged button is refused and writes nothing."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.class_teacher.class_screen import CODE_TTL, send_codes
from handlers.drafts import new_draft_id
from services.container import Services
from services.errors import AlreadySaved, DomainError, InvalidInput
from services.models import MovementKind, Role
from services.movement import (
    Arrival,
    FullName,
    Order,
    Recorded,
    check_birth_date,
    check_order_number,
    parse_full_name,
)
from services.text import clean_text
from ui.callbacks import MoveAction, MoveFlow, MovementCB, MovementDayCB, MovementMonthCB
from ui.date_picker import TODAY
from ui.filters import RoleFilter, not_for_others
from ui.invite_links import InviteLinks
from ui.menus import menu_filter
from ui.movement import (
    birth_keyboard,
    birth_prompt,
    book_keyboard,
    book_text,
    cancel_keyboard,
    classes_keyboard,
    classes_text,
    code_keyboard,
    confirm_keyboard,
    day_keyboard,
    day_prompt,
    name_prompt,
    order_prompt,
    parse_birth_date,
    recorded_text,
    students_keyboard,
    students_text,
    summary_text,
    targets_text,
)
from ui.screens import Screen, parse_day, parse_month
from ui.states import MovementForm as Form
from ui.typed_dates import DatesError, parse_dates

RECORDED = "recorded"  # FSM data after a save: the draft written, so that a late second tap is told the truth
NO_BUTTONS = InlineKeyboardMarkup(inline_keyboard=[])


# ---- the book --------------------------------------------------------------------------------------------


async def cmd_movement(_message: Message, services: Services, screen: Screen):
    page = await services.movement.book(screen.user.actor)
    await screen.send(book_text(page, screen.locale), book_keyboard(page))


async def on_book(_query: CallbackQuery, callback_data: MovementCB, services: Services, screen: Screen):
    page = await services.movement.book(screen.user.actor, callback_data.page)
    await screen.show(book_text(page, screen.locale), book_keyboard(page))


# ---- the class and the student ---------------------------------------------------------------------------


async def on_start(_query: CallbackQuery, callback_data: MovementCB, services: Services, screen: Screen):
    """An order begins: a fresh draft, with the year's dates it may take."""
    start = await services.movement.start(screen.user.actor)
    await screen.state.clear()
    await screen.state.set_data(
        {
            "flow": callback_data.flow.value,
            "draft": new_draft_id(),
            "today": start.dates.today.isoformat(),
            "first": start.dates.first.isoformat(),
            "last": start.dates.last.isoformat(),
        }
    )
    await screen.show(
        classes_text(callback_data.flow, not start.classes), classes_keyboard(start.classes, callback_data.flow)
    )


async def on_class(_query: CallbackQuery, callback_data: MovementCB, services: Services, screen: Screen):
    found = await services.movement.students(screen.user.actor, callback_data.cls)  # another school's: not found
    if not await begun(screen, callback_data.flow):
        return
    await screen.state.update_data({"cls": found.cls.id, "cls_name": found.cls.name})
    if callback_data.flow == MoveFlow.arrival:
        await screen.state.set_state(Form.name)
        await screen.show(name_prompt(found.cls.name), cancel_keyboard())
        return
    await screen.state.set_state(None)
    await screen.show(
        students_text(callback_data.flow, found.cls.name, not found.students),
        students_keyboard(found.students, callback_data.flow),
    )


async def on_student(_query: CallbackQuery, callback_data: MovementCB, services: Services, screen: Screen):
    actor = screen.user.actor
    if callback_data.flow == MoveFlow.transfer:
        choice = await services.movement.transfer_choice(actor, callback_data.student)
        if not await begun(screen, callback_data.flow):
            return
        await chosen(screen, choice.student.id, choice.student.full_name, choice.student.class_name)
        await screen.state.set_state(None)
        await screen.show(
            targets_text(choice.student, not choice.classes),
            classes_keyboard(choice.classes, MoveFlow.transfer, choice.student),
        )
        return
    student = await services.movement.student(actor, callback_data.student)
    if callback_data.flow != MoveFlow.leaving or not await begun(screen, callback_data.flow):
        screen.out_of_date()
        return
    await chosen(screen, student.id, student.full_name, student.class_name)
    await ask_day(screen)


async def on_target(_query: CallbackQuery, callback_data: MovementCB, services: Services, screen: Screen):
    choice = await services.movement.transfer_choice(screen.user.actor, callback_data.student)
    target = next((c for c in choice.classes if c.id == callback_data.target), None)
    if target is None or callback_data.flow != MoveFlow.transfer or not await begun(screen, callback_data.flow):
        screen.out_of_date()
        return
    await chosen(screen, choice.student.id, choice.student.full_name, choice.student.class_name)
    await screen.state.update_data({"target": target.id, "target_name": target.name})
    await ask_day(screen)


async def begun(screen: Screen, flow: MoveFlow) -> bool:
    """The order's draft is there (an order of this kind was begun with its button): else the tap is stale."""
    data = await screen.state.get_data()
    if data.get("draft") and data.get("flow") == flow.value:
        return True
    screen.out_of_date()
    return False


async def chosen(screen: Screen, student_id: int, name: str, class_name: str) -> None:
    await screen.state.update_data({"student": student_id, "student_name": name, "cls_name": class_name})


# ---- an arrival's name and birth date --------------------------------------------------------------------


async def on_name(message: Message, screen: Screen):
    try:
        name = parse_full_name(message.text)
    except InvalidInput as err:
        await screen.reprompt(err, cancel_keyboard())
        return
    await screen.state.update_data({"name": name.full, "parts": [name.last, name.first, name.middle]})
    await screen.state.set_state(Form.birth)
    await screen.send(birth_prompt(name.full), birth_keyboard())


async def on_birth(message: Message, screen: Screen):
    today = date.fromisoformat((await screen.state.get_data())["today"])
    try:
        born = check_birth_date(parse_birth_date(message.text), today)
    except InvalidInput as err:
        await screen.reprompt(err, birth_keyboard())
        return
    await screen.state.update_data({"birth": born.isoformat()})
    await ask_day(screen, edit=False)


async def on_skip_birth(_query: CallbackQuery, screen: Screen):
    await screen.state.update_data({"birth": None})
    await ask_day(screen)


# ---- the order's date and number -------------------------------------------------------------------------


async def ask_day(screen: Screen, *, edit: bool = True) -> None:
    data = await screen.state.get_data()
    today, first, last = (date.fromisoformat(data[k]) for k in ("today", "first", "last"))
    await screen.state.set_state(Form.day)
    text, keyboard = day_prompt(first, last, screen.locale), day_keyboard(min(max(today, first), last), screen.locale)
    if edit:
        await screen.show(text, keyboard)
    else:
        await screen.send(text, keyboard)


async def on_month(_query: CallbackQuery, callback_data: MovementMonthCB, screen: Screen):
    await screen.pick(day_keyboard(parse_month(callback_data.month), screen.locale))


async def on_day(_query: CallbackQuery, callback_data: MovementDayCB, screen: Screen):
    data = await screen.state.get_data()
    day = date.fromisoformat(data["today"]) if callback_data.day == TODAY else parse_day(callback_data.day)
    if not data["first"] <= day.isoformat() <= data["last"]:
        screen.toast(screen.refusal(InvalidInput("movement.outside_year")), alert=True)
        return
    await take_day(screen, day, edit=True)


async def on_typed_day(message: Message, screen: Screen):
    data = await screen.state.get_data()
    today, first, last = (date.fromisoformat(data[k]) for k in ("today", "first", "last"))
    try:
        start, end = parse_dates(message.text or "", today, first, last)
    except DatesError:
        start, end = date.min, date.max
    if start != end:
        shown = escape(clean_text(message.text, one_line=True)[:40])
        await screen.reprompt(
            _("I cannot read «{text}» as a date.").format(text=shown) + "\n" + _("Write a day as 25.11 or 25.11.2026."),
            cancel_keyboard(),
        )
        return
    if not first <= start <= last:
        await screen.reprompt(InvalidInput("movement.outside_year"), cancel_keyboard())
        return
    await take_day(screen, start, edit=False)


async def take_day(screen: Screen, day: date, *, edit: bool) -> None:
    await screen.state.update_data({"day": day.isoformat()})
    await screen.state.set_state(Form.order)
    if edit:
        await screen.show(order_prompt(day, screen.locale), cancel_keyboard())
    else:
        await screen.send(order_prompt(day, screen.locale), cancel_keyboard())


async def on_order(message: Message, screen: Screen):
    try:
        number = check_order_number(message.text)
    except InvalidInput as err:
        await screen.reprompt(err, cancel_keyboard())
        return
    await screen.state.update_data({"order": number})
    await screen.state.set_state(Form.confirm)
    await screen.send(summary_text(await screen.state.get_data(), screen.locale), confirm_keyboard())


# ---- recording it ----------------------------------------------------------------------------------------


async def on_save(_query: CallbackQuery, services: Services, screen: Screen):
    state = screen.state
    async with screen.lock():
        data = await state.get_data()
        if await state.get_state() != Form.confirm.state:  # a second tap: the first one recorded it
            if data.get(RECORDED):
                screen.toast(_("Already recorded."))
            else:
                screen.out_of_date()
            return
        await state.clear()
        try:
            recorded = await write(services, screen, data)
        except AlreadySaved:  # recorded by a tap in another process (the drafts in Redis)
            screen.toast(_("Already recorded."))
            return
        except DomainError as err:
            # Nothing was written (one transaction): the order cannot be recorded as it is, so the form ends here.
            await screen.show(
                screen.refusal(err) + "\n\n" + _("Nothing was recorded. Send /movement to start again."), NO_BUTTONS
            )
            return
        await state.update_data({RECORDED: data["draft"]})
    screen.toast(_("Recorded."))
    arrived = recorded.kind == MovementKind.ENROLMENT
    await screen.show(
        recorded_text(recorded, screen.locale), code_keyboard(recorded.student.person_id) if arrived else NO_BUTTONS
    )


async def write(services: Services, screen: Screen, data: dict) -> Recorded:
    """The summary's order, as the service takes it; the service checks every value again."""
    actor, day, number = screen.user.actor, date.fromisoformat(data["day"]), data["order"]
    flow = MoveFlow(data["flow"])
    if flow == MoveFlow.arrival:
        born = date.fromisoformat(data["birth"]) if data.get("birth") else None
        arrival = Arrival(data["cls"], FullName(*data["parts"]), born, day, number)
        return await services.movement.arrive(actor, arrival, draft=data["draft"])
    kind = MovementKind.LEAVING if flow == MoveFlow.leaving else MovementKind.TRANSFER
    order = Order(kind, data["student"], day, number, data.get("target"))
    return await services.movement.enter(actor, order, draft=data["draft"])


async def on_code(
    _query: CallbackQuery,
    callback_data: MovementCB,
    services: Services,
    screen: Screen,
    invite_links: InviteLinks | None = None,
):
    """ACC-6: the arrived student's code, in a message of its own without buttons (never into the log)."""
    codes = await services.invites.for_person(screen.user.actor, callback_data.student, CODE_TTL)
    await send_codes(screen, codes, invite_links)
    screen.toast(_("The code is below."))


async def on_cancel(_query: CallbackQuery, screen: Screen):
    await screen.state.clear()
    await screen.show(_("Cancelled: nothing was recorded."), NO_BUTTONS)


async def cmd_cancel(_message: Message, screen: Screen):
    await screen.state.clear()
    await screen.send(_("Cancelled: nothing was recorded."))


async def on_not_text(_message: Message, screen: Screen):
    await screen.reprompt(_("Type it as text, please."), cancel_keyboard(), try_again=False)


def build_router() -> Router:
    router = Router(name=__name__)
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.SECRETARY, Role.ADMIN))  # ROLE-2
    router.message.register(cmd_movement, menu_filter("movement"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(Form))
    for action, handler in (
        (MoveAction.book, on_book),
        (MoveAction.start, on_start),
        (MoveAction.cls, on_class),
        (MoveAction.student, on_student),
        (MoveAction.target, on_target),
        (MoveAction.code, on_code),
        (MoveAction.cancel, on_cancel),
    ):
        router.callback_query.register(handler, MovementCB.filter(F.action == action))
    router.callback_query.register(on_skip_birth, MovementCB.filter(F.action == MoveAction.skip), Form.birth)
    router.callback_query.register(on_save, MovementCB.filter(F.action == MoveAction.save))
    router.callback_query.register(on_day, MovementDayCB.filter(), Form.day)
    router.callback_query.register(on_month, MovementMonthCB.filter(), Form.day)
    typed = (F.text, not_for_others)
    router.message.register(on_name, Form.name, *typed)
    router.message.register(on_birth, Form.birth, *typed)
    router.message.register(on_typed_day, Form.day, *typed)
    router.message.register(on_order, Form.order, *typed)
    router.message.register(on_not_text, StateFilter(Form.name, Form.birth, Form.day, Form.order), not_for_others)
    return router
