"""/movement (DATA-4): the student movement book's pages and the steps of an order, as the secretary sees them."""

from __future__ import annotations

import re
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from services.access import ClassRef
from services.errors import InvalidInput
from services.models import MovementKind
from services.movement import BookPage, Recorded, StudentRef
from ui.callbacks import MoveAction, MoveFlow, MovementCB, MovementDayCB, MovementMonthCB
from ui.date_picker import TODAY, month_keyboard
from ui.i18n import N_, gettext
from ui.keyboards import step_keyboard

# The kinds of order as the book names them (000 §6.2.2).
KIND_NAMES = {
    MovementKind.ENROLMENT: N_("enrolment"),
    MovementKind.TRANSFER: N_("transfer to another class"),
    MovementKind.LEAVING: N_("leaving"),
    MovementKind.PROMOTION: N_("promotion to the next year"),
    MovementKind.REPEAT: N_("kept for a repeat year"),
    MovementKind.GRADUATION: N_("graduation"),
}
FLOW_TITLES = {
    MoveFlow.leaving: N_("Leaving"),
    MoveFlow.transfer: N_("Transfer"),
    MoveFlow.arrival: N_("Arrival"),
}
CLASSES_PER_ROW = 4
_BIRTH = re.compile(r"(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})")


def long_date(day: date, locale: str) -> str:
    """«24 ноября 2026»: an order's date, in full."""
    return format_date(day, "d MMMM y", locale=locale)


def kind_name(kind: MovementKind, locale: str) -> str:
    return gettext(KIND_NAMES[kind], locale)


# ---- the book --------------------------------------------------------------------------------------------


def book_text(page: BookPage, locale: str) -> str:
    lines = ["<b>" + _("Student movement book") + "</b>"]
    if not page.entries:
        lines.append(_("No orders are recorded yet."))
    for entry in page.entries:
        classes = " → ".join(c for c in (entry.from_class, entry.to_class) if c)
        number = _("order №{number}").format(number=escape(entry.order_number)) if entry.order_number else ""
        head = " · ".join(p for p in (long_date(entry.order_date, locale), number, kind_name(entry.kind, locale)) if p)
        lines.append(f"\n{head}\n{escape(entry.student)}" + (f", {classes}" if classes else ""))
    if page.pages > 1:
        lines.append("\n" + _("Page {page} of {pages}").format(page=page.page + 1, pages=page.pages))
    lines.append("\n" + _("To record an order, choose its kind below."))
    return "\n".join(lines)


def book_keyboard(page: BookPage) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    turns = []
    if page.page > 0:
        turns.append(("◀", page.page - 1))
    if page.page + 1 < page.pages:
        turns.append(("▶", page.page + 1))
    if turns:
        keyboard.row(
            *(
                InlineKeyboardButton(text=t, callback_data=MovementCB(action=MoveAction.book, page=p).pack())
                for t, p in turns
            )
        )
    keyboard.row(
        *(
            InlineKeyboardButton(
                text=_(title),
                callback_data=MovementCB(action=MoveAction.start, flow=flow).pack(),
            )
            for flow, title in FLOW_TITLES.items()
        )
    )
    return keyboard.as_markup()


# ---- choosing a class and a student ----------------------------------------------------------------------


def flow_title(flow: MoveFlow) -> str:
    return "<b>" + _(FLOW_TITLES[flow]) + "</b>"


def _cancel() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Cancel"), callback_data=MovementCB(action=MoveAction.cancel).pack())


def classes_keyboard(
    classes: tuple[ClassRef, ...], flow: MoveFlow, student: StudentRef | None = None
) -> InlineKeyboardMarkup:
    """The year's classes: the one to take from (or to enrol in), or, with `student`, the one a transfer goes to."""
    keyboard = InlineKeyboardBuilder()
    for cls in classes:
        data = (
            MovementCB(action=MoveAction.target, flow=flow, cls=student.class_id, student=student.id, target=cls.id)
            if student is not None
            else MovementCB(action=MoveAction.cls, flow=flow, cls=cls.id)
        )
        keyboard.button(text=cls.name, callback_data=data)
    keyboard.adjust(CLASSES_PER_ROW)
    keyboard.row(_cancel())
    return keyboard.as_markup()


def classes_text(flow: MoveFlow, empty: bool) -> str:
    if empty:
        return flow_title(flow) + "\n" + _("There are no classes in this school year.")
    if flow == MoveFlow.arrival:
        return flow_title(flow) + "\n" + _("Which class does the student arrive in?")
    return flow_title(flow) + "\n" + _("Choose the student's class.")


def students_keyboard(students: tuple[StudentRef, ...], flow: MoveFlow) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for student in students:
        keyboard.button(
            text=student.full_name,
            callback_data=MovementCB(action=MoveAction.student, flow=flow, cls=student.class_id, student=student.id),
        )
    keyboard.adjust(1)
    keyboard.row(
        InlineKeyboardButton(text=_("◀ Back"), callback_data=MovementCB(action=MoveAction.start, flow=flow).pack()),
        _cancel(),
    )
    return keyboard.as_markup()


def students_text(flow: MoveFlow, class_name: str, empty: bool) -> str:
    if empty:
        return flow_title(flow) + "\n" + _("Nobody studies in {class_name} now.").format(class_name=escape(class_name))
    return flow_title(flow) + "\n" + _("{class_name}: choose the student.").format(class_name=escape(class_name))


def targets_text(student: StudentRef, empty: bool) -> str:
    who = _("{name}, {class_name}").format(name=escape(student.full_name), class_name=escape(student.class_name))
    if empty:
        return flow_title(MoveFlow.transfer) + "\n" + who + "\n" + _("The school year has no other class.")
    return flow_title(MoveFlow.transfer) + "\n" + who + "\n" + _("Which class does the student move to?")


# ---- the typed steps -------------------------------------------------------------------------------------


def cancel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_cancel()]])


def name_prompt(class_name: str) -> str:
    return (
        flow_title(MoveFlow.arrival)
        + "\n"
        + _("Arrival in {class_name}. Type the student's full name: «Surname Name Patronymic».").format(
            class_name=escape(class_name)
        )
    )


def birth_prompt(name: str) -> str:
    return _("{name}: type the birth date as DD.MM.YYYY, for example 14.03.2015, or skip it.").format(name=escape(name))


def birth_keyboard() -> InlineKeyboardMarkup:
    return step_keyboard(
        (_("Skip"), MovementCB(action=MoveAction.skip)),
        leave=(_("Cancel"), MovementCB(action=MoveAction.cancel)),
        one_row=True,
    )


def parse_birth_date(text: str | None) -> date:
    """«14.03.2015»: a birth date needs its year."""
    match = _BIRTH.fullmatch((text or "").strip())
    if match is None:
        raise InvalidInput("person.bad_birth_date")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput("person.bad_birth_date") from None


def day_prompt(first: date, last: date, locale: str) -> str:
    return _(
        "The order's date (it takes effect that day): pick it below or type it, for example 25.11. "
        "A date from {first} to {last}."
    ).format(first=long_date(first, locale), last=long_date(last, locale))


def day_keyboard(month: date, locale: str) -> InlineKeyboardMarkup:
    keyboard = month_keyboard(
        month,
        locale,
        pick=lambda d: MovementDayCB(day=d.isoformat()),
        turn=lambda m: MovementMonthCB(month=m.strftime("%Y-%m")),
    )
    keyboard.row(
        InlineKeyboardButton(text=_("Today"), callback_data=MovementDayCB(day=TODAY).pack()),
        _cancel(),
    )
    return keyboard.as_markup()


def order_prompt(day: date, locale: str) -> str:
    return _("Order of {date}. Type the order's number, for example «45-у».").format(date=long_date(day, locale))


# ---- the summary and the result --------------------------------------------------------------------------


def summary_text(data: dict, locale: str) -> str:
    """The order as it will be written, from the form's data."""
    flow = MoveFlow(data["flow"])
    lines = ["<b>" + _("Check the order before recording it") + "</b>"]
    if flow == MoveFlow.arrival:
        lines.append(_("Kind: {kind}").format(kind=kind_name(MovementKind.ENROLMENT, locale)))
        lines.append(_("Student: {name}").format(name=escape(data["name"])))
        if data.get("birth"):
            lines.append(_("Born: {date}").format(date=long_date(date.fromisoformat(data["birth"]), locale)))
        lines.append(_("Class: {class_name}").format(class_name=escape(data["cls_name"])))
    else:
        kind = MovementKind.LEAVING if flow == MoveFlow.leaving else MovementKind.TRANSFER
        lines.append(_("Kind: {kind}").format(kind=kind_name(kind, locale)))
        lines.append(_("Student: {name}").format(name=escape(data["student_name"])))
        classes = data["cls_name"] + (f" → {data['target_name']}" if flow == MoveFlow.transfer else "")
        lines.append(_("Class: {class_name}").format(class_name=escape(classes)))
    day = date.fromisoformat(data["day"])
    lines.append(_("Order: №{number} of {date}").format(number=escape(data["order"]), date=long_date(day, locale)))
    if flow == MoveFlow.leaving:
        lines.append(
            _("After leaving the student and their parents no longer see the journal; the records stay in the archive.")
        )
    return "\n".join(lines)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return step_keyboard(
        (_("Record"), MovementCB(action=MoveAction.save)),
        leave=(_("Cancel"), MovementCB(action=MoveAction.cancel)),
        one_row=True,
    )


def recorded_text(recorded: Recorded, locale: str) -> str:
    """What was written, and (ACC-9) what followed from it: no more than the service reports."""
    name = escape(recorded.student.full_name)
    day = long_date(recorded.order_date, locale)
    order = _("order №{number} of {date}").format(number=escape(recorded.order_number), date=day)
    if recorded.kind == MovementKind.ENROLMENT:
        text = _("✅ Recorded: {name} is enrolled in {class_name} from {date} ({order}).").format(
            name=name, class_name=escape(recorded.to_class), date=day, order=order
        )
        return text + "\n" + _("Give the family an access code: the button below, or the class teacher in «My class».")
    if recorded.kind == MovementKind.TRANSFER:
        return _("✅ Recorded: {name} moves from {old} to {new} from {date} ({order}).").format(
            name=name, old=escape(recorded.from_class), new=escape(recorded.to_class), date=day, order=order
        )
    text = _("✅ Recorded: {name} ({class_name}) leaves the school from {date} ({order}).").format(
        name=name, class_name=escape(recorded.from_class), date=day, order=order
    )
    if recorded.access_closed:
        text += "\n" + _(
            "The student's access to the journal is closed, their unused codes no longer work, and their parents "
            "no longer see them in the bot. The records stay in the archive."
        )
    return text


def code_keyboard(person_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("🔑 Give an access code"),
                    callback_data=MovementCB(action=MoveAction.code, student=person_id).pack(),
                )
            ]
        ]
    )
