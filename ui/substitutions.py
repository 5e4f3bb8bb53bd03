"""/substitutions (ACC-5): the list of current and coming substitutions with a cancel button each, and the form's
steps (the absent teacher, the days, the classes, the substitute, the summary) as texts and keyboards."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.substitutions import Overview, Preview, SubstitutionItem, TaughtItem, TeacherItem
from services.text import clean_text
from ui.callbacks import SubstAction, SubstCB, SubstClassCB, SubstTeacherCB, SubstWhoCB
from ui.formatting import dates_text, short_date

CLASHES_SHOWN = 5
NAMES_PER_ROW = 2


def taught_text(taught: TaughtItem) -> str:
    """«5А (Англ. 1), Английский язык»."""
    group = f" ({taught.subgroup})" if taught.subgroup else ""
    return f"{taught.class_name}{group}, {taught.subject}"


def _stop() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Cancel"), callback_data=SubstCB(action=SubstAction.stop).pack())


# ---- the list ------------------------------------------------------------------------------------------------


def item_line(number: int, item: SubstitutionItem, locale: str) -> str:
    return "{n}. {days}: {taught}\n    {who}".format(
        n=number,
        days=escape(dates_text(item.starts_on, item.ends_on, locale)),
        taught=escape(taught_text(item.taught)),
        who=_("substitute: {substitute}; absent: {teacher}").format(
            substitute=escape(item.substitute), teacher=escape(item.absent)
        ),
    )


def overview_text(overview: Overview, locale: str) -> str:
    title = "<b>" + _("Substitutions") + "</b>"
    if not overview.items:
        return title + "\n\n" + _("No current or coming substitutions.")
    lines = [item_line(n, item, locale) for n, item in enumerate(overview.items, 1)]
    return title + "\n\n" + "\n".join(lines)


def overview_keyboard(overview: Overview) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Assign a substitute"), callback_data=SubstCB(action=SubstAction.new))
    for n, item in enumerate(overview.items, 1):
        builder.button(
            text=_("✖ Cancel {number}").format(number=n), callback_data=SubstCB(action=SubstAction.cancel, item=item.id)
        )
    builder.adjust(1, *([3] * ((len(overview.items) + 2) // 3)))
    return builder.as_markup()


# ---- the form ------------------------------------------------------------------------------------------------


def teachers_keyboard(teachers: list[TeacherItem], pick) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for teacher in teachers:
        builder.button(text=teacher.name, callback_data=pick(teacher.person_id))
    builder.adjust(NAMES_PER_ROW)
    builder.row(_stop())
    return builder.as_markup()


def absent_prompt() -> str:
    return _("Which teacher is absent?")


def absent_keyboard(teachers: list[TeacherItem]) -> InlineKeyboardMarkup:
    return teachers_keyboard(teachers, lambda person_id: SubstTeacherCB(teacher=person_id))


def dates_prompt(teacher: str) -> str:
    return (
        _("Absent: {teacher}").format(teacher=escape(teacher))
        + "\n\n"
        + _("On which days? Tap a button or type a day or a range: «25.11», «25.11–27.11».")
    )


def dates_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Today"), callback_data=SubstCB(action=SubstAction.today).pack()),
                InlineKeyboardButton(text=_("Tomorrow"), callback_data=SubstCB(action=SubstAction.tomorrow).pack()),
            ],
            [_stop()],
        ]
    )


def back_keyboard() -> InlineKeyboardMarkup:
    """After a refusal at the end: back to the list."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("◀ Substitutions"), callback_data=SubstCB(action=SubstAction.list).pack())]
        ]
    )


def unreadable_dates(text: str, code: str) -> str:
    """A typed text that is no day or range (ui/typed_dates.py), said as the absence form says it."""
    shown = escape(clean_text(text, one_line=True)[:40])
    said = (
        _("There is no such day in the calendar: «{text}».")
        if code == "no_such_date"
        else _("I cannot read «{text}» as a date.")
    ).format(text=shown)
    return said + "\n" + _("Write a day as 25.11, or a period as 25.11–27.11 (a year may follow: 25.11.2026).")


def classes_prompt(teacher: str, first: date, last: date, locale: str) -> str:
    return (
        _("Absent: {teacher}, {days}").format(teacher=escape(teacher), days=escape(dates_text(first, last, locale)))
        + "\n\n"
        + _("Which lessons does the substitute take?")
    )


def classes_keyboard(taught: list[TaughtItem]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("All of them"), callback_data=SubstClassCB(assignment=0))
    for item in taught:
        builder.button(text=taught_text(item), callback_data=SubstClassCB(assignment=item.assignment_id))
    builder.adjust(1)
    builder.row(_stop())
    return builder.as_markup()


def substitute_prompt() -> str:
    return _("Who substitutes?")


def substitute_keyboard(teachers: list[TeacherItem]) -> InlineKeyboardMarkup:
    return teachers_keyboard(teachers, lambda person_id: SubstWhoCB(substitute=person_id))


def preview_text(preview: Preview, locale: str) -> str:
    lines = [
        "<b>" + _("Check the substitution") + "</b>",
        _("Absent: {teacher}").format(teacher=escape(preview.absent.name)),
        _("Substitute: {teacher}").format(teacher=escape(preview.substitute.name)),
        _("Days: {days}").format(days=escape(dates_text(preview.starts_on, preview.ends_on, locale))),
        _("Lessons: {lessons}").format(lessons=escape("; ".join(taught_text(t) for t in preview.taught))),
    ]
    if preview.clashes:
        lines.append("")
        lines.append("⚠️ " + _("The substitute has own lessons at the same time:"))
        lines += [
            "• "
            + _("{date}, lesson {number}: {class_name}, {subject}").format(
                date=short_date(c.day, locale),
                number=c.number,
                class_name=escape(c.class_name),
                subject=escape(c.subject),
            )
            for c in preview.clashes[:CLASHES_SHOWN]
        ]
        more = len(preview.clashes) - CLASHES_SHOWN
        if more > 0:
            lines.append(_("…and {count} more").format(count=more))
    if preview.short_notice:
        lines.append("")
        lines.append(_("The families of the class will be told at once."))
    return "\n".join(lines)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Confirm"), callback_data=SubstCB(action=SubstAction.confirm).pack()),
                _stop(),
            ]
        ]
    )
