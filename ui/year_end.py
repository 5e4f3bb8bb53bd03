"""/yearend's screens (PER-5, DATA-4): the classes, a class's decisions, a student's choices, the order typed, the
confirmation, and the conditionally promoted with what they still owe."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.access import ClassRef
from services.models import YearDecisionKind
from services.text import clean_text
from services.year_end import ClassDecisions, ConditionalStudent, StudentDecision
from ui.callbacks import YearEndCB, YearEndStep
from ui.formatting import short_date
from ui.i18n import N_, gettext

CLASSES_PER_ROW = 4

# The council's decisions as the personal file and the movement book word them.
DECISION_NAMES = {
    YearDecisionKind.PROMOTED: N_("promoted"),
    YearDecisionKind.CONDITIONAL: N_("promoted conditionally"),
    YearDecisionKind.REPEAT: N_("left to repeat the year"),
    YearDecisionKind.GRADUATED: N_("certificate issued"),
}

Changes = Mapping[int, YearDecisionKind]  # the decisions the deputy changed on the screen, by student


def shown(row: StudentDecision, changes: Changes) -> YearDecisionKind:
    """What the screen shows for a student: the change, else the recorded decision, else the suggestion."""
    return changes.get(row.student_id) or row.recorded or row.suggested


def to_write(sheet: ClassDecisions, changes: Changes) -> dict[int, YearDecisionKind]:
    """The decisions «Save» writes: the changed ones and those not recorded yet."""
    return {
        row.student_id: shown(row, changes)
        for row in sheet.students
        if (row.student_id in changes and changes[row.student_id] != row.recorded) or row.recorded is None
    }


def decision_name(kind: YearDecisionKind, locale: str) -> str:
    return gettext(DECISION_NAMES[kind], locale)


def classes_keyboard(classes: list[ClassRef]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in classes:
        builder.button(text=c.name, callback_data=YearEndCB(step=YearEndStep.sheet, cls=c.id))
    builder.adjust(CLASSES_PER_ROW)
    builder.row(
        InlineKeyboardButton(
            text=_("Conditionally promoted"), callback_data=YearEndCB(step=YearEndStep.conditional).pack()
        )
    )
    return builder.as_markup()


def classes_text(classes: list[ClassRef]) -> str:
    if not classes:
        return _("There are no classes this year.")
    return _("Year's end: choose a class to record the pedagogical council's decisions.")


def student_line(number: int, row: StudentDecision, changes: Changes, locale: str) -> str:
    kind = shown(row, changes)
    line = f"{number}. {escape(row.full_name)} — {decision_name(kind, locale)}"
    debts = row.recorded_debts if row.student_id not in changes and row.recorded else row.debts
    if kind == YearDecisionKind.CONDITIONAL and debts:
        line += " (" + _("debt: {subjects}").format(subjects=escape(", ".join(debts))) + ")"
    elif debts and kind != YearDecisionKind.CONDITIONAL:
        line += " · " + _("year marks of 2 or «n/a»: {subjects}").format(subjects=escape(", ".join(debts)))
    if row.student_id in changes and changes[row.student_id] != row.recorded:
        return line + " ✏️"
    if row.recorded is not None and row.order_date is not None:
        return (
            line
            + " ✅ "
            + _("order № {number} of {date}").format(
                number=escape(row.order_number), date=short_date(row.order_date, locale)
            )
        )
    return line


def sheet_text(sheet: ClassDecisions, changes: Changes, locale: str) -> str:
    head = (
        "<b>" + _("Year's end {year}: {class_name}").format(year=sheet.year_name, class_name=sheet.class_name) + "</b>"
    )
    if not sheet.students:
        return head + "\n" + _("The class has no students.")
    lines = [head, *(student_line(i, row, changes, locale) for i, row in enumerate(sheet.students, 1)), ""]
    lines.append(_("✅ recorded by an order; ✏️ changed by you; the rest are suggested from the year marks."))
    return "\n".join(lines)


def sheet_keyboard(sheet: ClassDecisions, changes: Changes) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if to_write(sheet, changes):
        label = _("Approve all as suggested") if not changes else _("Approve as shown")
        builder.button(text=label, callback_data=YearEndCB(step=YearEndStep.approve, cls=sheet.class_id))
    if sheet.students:
        builder.button(
            text=_("Change a student's decision"),
            callback_data=YearEndCB(step=YearEndStep.students, cls=sheet.class_id),
        )
    builder.button(text=_("◀ Classes"), callback_data=YearEndCB(step=YearEndStep.classes))
    builder.adjust(1)
    return builder.as_markup()


def students_keyboard(sheet: ClassDecisions) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for i, row in enumerate(sheet.students, 1):
        builder.button(
            text=f"{i}. {row.full_name}",
            callback_data=YearEndCB(step=YearEndStep.student, cls=sheet.class_id, student=row.student_id),
        )
    builder.button(text=_("◀ Back"), callback_data=YearEndCB(step=YearEndStep.sheet, cls=sheet.class_id))
    builder.adjust(1)
    return builder.as_markup()


def student_text(sheet: ClassDecisions, row: StudentDecision, locale: str) -> str:
    text = _("{name}, {class_name}: choose the council's decision.").format(
        name=escape(row.full_name), class_name=sheet.class_name
    )
    if row.debts:
        text += "\n" + _("Year marks of 2 or «n/a»: {subjects}").format(subjects=escape(", ".join(row.debts)))
    return text


def student_keyboard(sheet: ClassDecisions, row: StudentDecision) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in sheet.allowed:
        if kind == YearDecisionKind.CONDITIONAL and not row.debts:
            continue  # a conditional promotion names the subjects of debt
        builder.button(
            text=_(DECISION_NAMES[kind]),
            callback_data=YearEndCB(step=YearEndStep.decide, cls=sheet.class_id, student=row.student_id, decision=kind),
        )
    builder.button(text=_("◀ Back"), callback_data=YearEndCB(step=YearEndStep.students, cls=sheet.class_id))
    builder.adjust(1)
    return builder.as_markup()


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=YearEndCB(step=YearEndStep.cancel))
    return builder.as_markup()


def order_prompt(sheet: ClassDecisions) -> str:
    return _("{class_name}: write the number and date of the director's order, e.g. «45-у от 18.06.2027».").format(
        class_name=sheet.class_name
    )


_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?$")
_NUMBER_NOISE = re.compile(r"^(?:приказ|order)?\s*(?:№|no\.?|n)?\s*|\s*(?:от|of|dated)?\s*$", re.IGNORECASE)


def parse_order(text: str) -> tuple[str, date] | None:
    """«45-у от 18.06.2027», «№ 45 18.06.2027» → («45-у», the date); None when either is missing."""
    cleaned = clean_text(text, one_line=True)
    match = _DATE.search(cleaned)
    if match is None:
        return None
    try:
        day = date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    number = _NUMBER_NOISE.sub("", cleaned[: match.start()]).strip(" ,;")
    return (number, day) if number else None


def order_unreadable() -> str:
    return _("Write the order's number, then its date as DD.MM.YYYY, e.g. «45-у от 18.06.2027».")


def confirm_text(
    sheet: ClassDecisions, written: Mapping[int, YearDecisionKind], order: tuple[str, date], locale: str
) -> str:
    counts = Counter(written.values())
    lines = [
        "<b>" + _("Record the pedagogical council's decisions?") + "</b>",
        _("{class_name}, order № {number} of {date}").format(
            class_name=sheet.class_name, number=escape(order[0]), date=short_date(order[1], locale)
        ),
    ]
    lines += [f"• {decision_name(kind, locale)}: {counts[kind]}" for kind in DECISION_NAMES if counts[kind]]
    return "\n".join(lines)


def confirm_keyboard(class_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Save"), callback_data=YearEndCB(step=YearEndStep.save, cls=class_id))
    builder.button(text=_("Cancel"), callback_data=YearEndCB(step=YearEndStep.cancel))
    builder.adjust(2)
    return builder.as_markup()


def saved_text(sheet: ClassDecisions, locale: str) -> str:
    return "✅ " + _("The decisions are recorded.") + "\n\n" + sheet_text(sheet, {}, locale)


def conditional_text(students: list[ConditionalStudent], locale: str) -> str:
    head = "<b>" + _("Conditionally promoted") + "</b>"
    if not students:
        return head + "\n" + _("No student is promoted conditionally.")
    lines = [head]
    for s in students:
        order = _("order № {number} of {date}").format(
            number=escape(s.order_number), date=short_date(s.order_date, locale)
        )
        if s.cleared:
            state = "✅ " + _("debt cleared: {subjects}").format(subjects=escape(", ".join(s.debts)))
        else:
            state = _("owes: {subjects}").format(subjects=escape(", ".join(s.left)))
        lines.append(f"{s.class_name} {escape(s.full_name)} — {state} ({s.year_name}, {order})")
    return "\n".join(lines)


def conditional_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("◀ Classes"), callback_data=YearEndCB(step=YearEndStep.classes))
    return builder.as_markup()
