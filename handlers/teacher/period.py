"""/period (PER-2..PER-5): the period marks of a class and subject the teacher keeps. The sheet shows each
student's marks of the period, the weighted average, the suggested mark (the average rounded half up), the period
mark if set, and ⚠ where the accumulation rule is not met (PER-4). A tap on a student offers the scale's values,
the suggested one first; «Set the suggested marks» sets them, after a confirmation, for every student still
without a period mark — except those with ⚠: a mark on too few marks is set one by one, after a look at them,
and such a student may be left «н/а» (not attested). A mark set more than a week before the period's end is asked
about first: the marks of the rest of the period would not count.

After the period's end the sheet only reads: a period mark is then changed by the director's order (PER-5,
/revise). The last period's sheet leads to the year, exam and final marks (handlers/teacher/final_marks.py).
Grade 1 gets no marks (J-8), so its classes are not offered. Every id in a button is re-checked by the service."""

from __future__ import annotations

from html import escape
from itertools import groupby

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.family.marks import mark_text
from services.container import Services
from services.final_marks import Outcome
from services.models import FinalResult
from services.period_marks import PeriodChoice, PeriodRow, PeriodSheet
from ui.callbacks import FinalSheetCB, PeriodBulkCB, PeriodMarkCB, PeriodSheetCB
from ui.errors_text import error_text
from ui.final_marks import outcome_text
from ui.formatting import decimal, fraction, short_date, split_text
from ui.labels import EXCUSED_ABSENCES
from ui.menus import menu_filter
from ui.screens import Screen

PER_ROW = 2  # student buttons carry a name and a mark
VALUES_PER_ROW = 5  # a scale of 2 to 5 in one row; a longer one in several


async def cmd_period(message: Message, screen: Screen, services: Services):
    choices = await services.period_marks.choices(screen.user.actor)
    if len(choices) == 1:  # nothing to choose from
        await show_sheet(screen, services, choices[0].assignment_id, choices[0].current_period_id)
        return
    await show_choices(screen, choices)


async def on_choices(query: CallbackQuery, screen: Screen, services: Services):
    """«◀ Classes» (assignment=0)."""
    await show_choices(screen, await services.period_marks.choices(screen.user.actor))


async def on_sheet(query: CallbackQuery, callback_data: PeriodSheetCB, screen: Screen, services: Services):
    await show_sheet(screen, services, callback_data.assignment, callback_data.period)


async def on_student(query: CallbackQuery, callback_data: PeriodMarkCB, screen: Screen, services: Services):
    sheet = await services.period_marks.sheet(screen.user.actor, callback_data.assignment, callback_data.period)
    row = sheet.row(callback_data.student)  # refuses a student who is not in the class or subgroup
    await screen.show(split_text(student_text(sheet, row, screen.locale)), student_keyboard(sheet, row))


async def on_set(query: CallbackQuery, callback_data: PeriodMarkCB, screen: Screen, services: Services):
    """PER-2: the service refuses another's class, a value off the scale, and a closed period (PER-5)."""
    value = None if callback_data.not_attested else callback_data.value
    if not callback_data.confirm:
        sheet = await services.period_marks.sheet(screen.user.actor, callback_data.assignment, callback_data.period)
        row = sheet.row(callback_data.student)  # refuses a student who is not in the class or subgroup
        on_scale = value is None or sheet.mark_min <= value <= sheet.mark_max  # off it: the service refuses
        if sheet.open and sheet.early and on_scale and not same_mark(row, value):  # weeks of marks may still come
            await screen.show(
                split_text(early_text(sheet, row, value, screen.locale)), early_keyboard(sheet, callback_data)
            )
            return
    await services.period_marks.set_mark(
        screen.user.actor, callback_data.assignment, callback_data.period, callback_data.student, value
    )
    sheet = await show_sheet(screen, services, callback_data.assignment, callback_data.period)
    screen.toast(
        _("{name}: period mark {mark}.").format(name=sheet.row(callback_data.student).name, mark=shown_mark(value))
    )


async def on_bulk_ask(query: CallbackQuery, callback_data: PeriodBulkCB, screen: Screen, services: Services):
    sheet = await services.period_marks.sheet(screen.user.actor, callback_data.assignment, callback_data.period)
    due = [row for row in sheet.rows if bulk_due(row)]
    if not sheet.open or not due:  # set meanwhile, or the period is over: the sheet as it is now
        screen.toast(_("No suggested marks are left to set."))
        await show_sheet(screen, services, sheet.assignment_id, sheet.period_id)
        return
    await screen.show(split_text(bulk_text(sheet, due, screen.locale)), bulk_keyboard(sheet))


async def on_bulk_confirm(query: CallbackQuery, callback_data: PeriodBulkCB, screen: Screen, services: Services):
    count = await services.period_marks.set_suggested(screen.user.actor, callback_data.assignment, callback_data.period)
    if count:
        screen.toast(ngettext("{count} period mark set.", "{count} period marks set.", count).format(count=count))
    else:  # a second tap: the first one set them (or someone else did meanwhile)
        screen.toast(_("No suggested marks are left to set."))
    await show_sheet(screen, services, callback_data.assignment, callback_data.period)


# ---- the screens -------------------------------------------------------------------------------------------


async def show_choices(screen: Screen, choices: list[PeriodChoice]) -> None:
    if not choices:
        text = _("None of your classes gets period marks (first-grade classes get no marks).")
        await screen.show([text], InlineKeyboardMarkup(inline_keyboard=[]))
        return
    builder = InlineKeyboardBuilder()
    for choice in choices:
        builder.button(
            text=class_subject(choice.class_name, choice.subgroup, choice.subject),
            callback_data=PeriodSheetCB(assignment=choice.assignment_id, period=choice.current_period_id),
        )
    builder.adjust(1)
    await screen.show([_("Period marks: choose a class and subject.")], builder.as_markup())


async def show_sheet(screen: Screen, services: Services, assignment_id: int, period_id: int) -> PeriodSheet:
    sheet = await services.period_marks.sheet(screen.user.actor, assignment_id, period_id)  # refuses another's class
    await screen.show(split_text(sheet_text(sheet, screen.locale)), sheet_keyboard(sheet))
    return sheet


def shown_mark(value: int | None) -> str:
    """A period mark as the sheet shows it: the value, or «н/а (не аттестован)»."""
    return _("n/a (not attested)") if value is None else str(value)


def row_mark(row: PeriodRow) -> str:
    """The student's period mark as set: a value, «н/а», or «зач.»/«осв.» entered by the director's order."""
    if row.result in (FinalResult.PASSED, FinalResult.EXEMPT):
        return outcome_text(Outcome(row.result), get_i18n().current_locale)
    return shown_mark(row.period_mark)


def same_mark(row: PeriodRow, value: int | None) -> bool:
    """The tap sets what is set already: nothing to ask about."""
    return row.not_attested if value is None else row.period_mark == value


def early_text(sheet: PeriodSheet, row: PeriodRow, value: int | None, locale: str) -> str:
    return "\n".join(
        [
            sheet_title(sheet, locale),
            "",
            "⚠ " + early_line(sheet, locale),
            _("{name}: set the period mark {mark} already?").format(name=escape(row.name), mark=shown_mark(value)),
        ]
    )


def early_line(sheet: PeriodSheet, locale: str) -> str:
    return _("The period ends on {date}, more than a week from now: marks may still come.").format(
        date=short_date(sheet.ends_on, locale)
    )


def early_keyboard(sheet: PeriodSheet, wanted: PeriodMarkCB) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, set it"), callback_data=wanted.model_copy(update={"confirm": True}))
    builder.button(
        text=_("Cancel"),
        callback_data=PeriodMarkCB(assignment=sheet.assignment_id, period=sheet.period_id, student=wanted.student),
    )
    builder.adjust(2)
    return builder.as_markup()


def class_subject(class_name: str, subgroup: str | None, subject: str) -> str:
    group = f" ({subgroup})" if subgroup else ""
    return f"{class_name}{group}, {subject}"


def sheet_title(sheet: PeriodSheet, locale: str) -> str:
    """«Математика, 5А» and «2 четверть: 5 нояб. – 28 дек.»: the head of the sheet and of a student's screen."""
    group = f" ({sheet.subgroup})" if sheet.subgroup else ""
    return "<b>{}</b>\n{}: {} – {}".format(
        escape(f"{sheet.subject}, {sheet.class_name}{group}"),
        escape(sheet.period_name),
        short_date(sheet.starts_on, locale),
        short_date(sheet.ends_on, locale),
    )


def sheet_text(sheet: PeriodSheet, locale: str) -> str:
    lines = [
        sheet_title(sheet, locale),
        ngettext(
            "By the school's rules an objective period mark needs at least {count} mark.",
            "By the school's rules an objective period mark needs at least {count} marks.",
            sheet.required,
        ).format(count=sheet.required),
        policy_line(sheet, locale),
        "",
    ]
    for number, row in enumerate(sheet.rows, start=1):
        lines += row_lines(number, row, locale)
    lines += ["", footer(sheet, locale)]
    return "\n".join(lines)


def policy_line(sheet: PeriodSheet, locale: str) -> str:
    """The rest of the school's rules in force (PER-3, PER-4): the rounding, valid absences, written works."""
    policy = sheet.policy
    lines = [
        _("Rounded up from {fraction} ({average} → {mark}).").format(
            fraction=fraction(policy.round_from, locale),
            average=fraction(sheet.mark_max - 1 + policy.round_from, locale),
            mark=sheet.mark_max,
        ),
        _(EXCUSED_ABSENCES[policy.excused]),
    ]
    if policy.written_obligatory:
        lines.append(_("Every written work the student sat needs a mark."))
    return " ".join(lines)


def row_lines(number: int, row: PeriodRow, locale: str) -> list[str]:
    head = f"{number}. {escape(row.name)}"
    if row.has_period_mark:
        head += " — " + _("period mark <b>{mark}</b>").format(mark=row_mark(row))
    if not row.marks:
        summary = _("no marks")
    else:
        summary = "{} · {}".format(
            ", ".join(str(m.value) for m in row.marks),
            _("average {average} → {suggested}").format(
                average=decimal(row.weighted_average, locale), suggested=row.suggested
            ),
        )
    lines = [head, "    " + summary]
    if len(row.marks) < row.required:
        lines.append("    ⚠ " + accumulation_text(row))
    if row.written_missing:
        lines.append("    ⚠ " + written_text(row))
    return lines


def written_text(row: PeriodRow) -> str:
    """«нет отметки за 1 письменную работу» (PER-4: written works are obligatory, if the school says so)."""
    return ngettext(
        "no mark for {count} written work", "no mark for {count} written works", row.written_missing
    ).format(count=row.written_missing)


def accumulation_text(row: PeriodRow) -> str:
    """«3 из 8 отметок» (PER-4)."""
    return ngettext("{count} of {required} mark", "{count} of {required} marks", row.required).format(
        count=len(row.marks), required=row.required
    )


def footer(sheet: PeriodSheet, locale: str) -> str:
    if sheet.closed:
        return "🔒 " + error_text("period.closed", {"period": sheet.period_name, "ends_on": sheet.ends_on}, locale)
    if sheet.upcoming:
        return error_text("period.not_started", {"period": sheet.period_name}, locale)
    if not sheet.may_set:
        return _("The subject's teacher sets these marks.")
    return _(
        "Tap a student to set or change the period mark. «Set the suggested marks» sets them for everyone "
        "still without a period mark, except the students marked ⚠: set theirs one by one."
    )


def sheet_keyboard(sheet: PeriodSheet) -> InlineKeyboardMarkup:
    """The students, PER_ROW a row, and «Set the suggested marks» while the period is open; the periods; back."""
    rows: list[list[InlineKeyboardButton]] = []
    if sheet.open:
        buttons = [
            InlineKeyboardButton(
                text=student_button(number, row),
                callback_data=PeriodMarkCB(
                    assignment=sheet.assignment_id, period=sheet.period_id, student=row.student_id
                ).pack(),
            )
            for number, row in enumerate(sheet.rows, start=1)
        ]
        rows += [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
        if any(bulk_due(row) for row in sheet.rows):
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("Set the suggested marks"),
                        callback_data=PeriodBulkCB(assignment=sheet.assignment_id, period=sheet.period_id).pack(),
                    )
                ]
            )
    if len(sheet.periods) > 1:
        rows.append(
            [
                InlineKeyboardButton(
                    text=("✓ " if p.period_id == sheet.period_id else "") + p.name,
                    callback_data=PeriodSheetCB(assignment=sheet.assignment_id, period=p.period_id).pack(),
                )
                for p in sheet.periods
            ]
        )
    if sheet.periods and sheet.periods[-1].period_id == sheet.period_id:  # the year's last period: its marks next
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("Year and final marks"), callback_data=FinalSheetCB(assignment=sheet.assignment_id).pack()
                )
            ]
        )
    rows.append([InlineKeyboardButton(text=_("◀ Classes"), callback_data=PeriodSheetCB(assignment=0, period=0).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def student_button(number: int, row: PeriodRow) -> str:
    """«⚠ 3 Васильев → 4»: the suggestion; «1 Алексеев: 5 ✅»: the mark set."""
    text = f"{number} {row.name.split()[0]}"
    if row.has_period_mark:
        text += f": {row_mark(row)} ✅"
    elif row.suggested is not None:
        text += f" → {row.suggested}"
    return ("⚠ " if not row.meets_accumulation else "") + text


def bulk_due(row: PeriodRow) -> bool:
    """Who «Set the suggested marks» is for: no period mark yet, a suggestion, and enough marks (PER-4)."""
    return not row.has_period_mark and row.suggested is not None and row.meets_accumulation


def student_text(sheet: PeriodSheet, row: PeriodRow, locale: str) -> str:
    lines = [sheet_title(sheet, locale), escape(row.name), ""]
    if not row.marks:
        lines.append(_("No marks in this period yet."))
    for day, marks in groupby(row.marks, key=lambda m: m.date):
        lines.append("{}: {}".format(short_date(day, locale), ", ".join(mark_text(m, locale) for m in marks)))
    if row.marks:
        lines.append(
            _("Weighted average: {average}; suggested mark: <b>{mark}</b>").format(
                average=decimal(row.weighted_average, locale), mark=row.suggested
            )
        )
    if not row.meets_accumulation:
        if len(row.marks) < row.required:
            lines.append(
                "⚠ " + _("{marks}: too few for an objective period mark.").format(marks=accumulation_text(row))
            )
        if row.written_missing:
            lines.append(
                "⚠ "
                + _("{missing}: written works are obligatory for an objective period mark.").format(
                    missing=written_text(row)
                )
            )
        if sheet.open:
            lines.append(_("Without enough marks the student may be left «n/a» (not attested)."))
    lines.append(
        _("Period mark: <b>{mark}</b>").format(mark=row_mark(row))
        if row.has_period_mark
        else _("Period mark: not set yet")
    )
    if sheet.open:
        lines += ["", _("Choose the period mark:")]
    else:
        lines += ["", footer(sheet, locale)]
    return "\n".join(lines)


def student_keyboard(sheet: PeriodSheet, row: PeriodRow) -> InlineKeyboardMarkup:
    """The scale's values, the suggested one first, VALUES_PER_ROW a row; the mark set now is ticked."""
    values = list(range(sheet.mark_max, sheet.mark_min - 1, -1)) if sheet.open else []
    if row.suggested in values:
        values.remove(row.suggested)
        values.insert(0, row.suggested)
    buttons = []
    for value in values:
        text = _("{mark} (suggested)").format(mark=value) if value == row.suggested else str(value)
        buttons.append(
            InlineKeyboardButton(
                text=("✓ " if value == row.period_mark else "") + text,
                callback_data=PeriodMarkCB(
                    assignment=sheet.assignment_id, period=sheet.period_id, student=row.student_id, value=value
                ).pack(),
            )
        )
    rows = [buttons[i : i + VALUES_PER_ROW] for i in range(0, len(buttons), VALUES_PER_ROW)]
    if sheet.open and (not row.meets_accumulation or row.not_attested):  # too few marks: «н/а» (PER-4)
        rows.append(
            [
                InlineKeyboardButton(
                    text=("✓ " if row.not_attested else "") + shown_mark(None),
                    callback_data=PeriodMarkCB(
                        assignment=sheet.assignment_id,
                        period=sheet.period_id,
                        student=row.student_id,
                        not_attested=True,
                    ).pack(),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                text=_("◀ Sheet"),
                callback_data=PeriodSheetCB(assignment=sheet.assignment_id, period=sheet.period_id).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def bulk_text(sheet: PeriodSheet, due: list[PeriodRow], locale: str) -> str:
    question = ngettext(
        "Set the suggested period mark for {count} student?",
        "Set the suggested period marks for {count} students?",
        len(due),
    ).format(count=len(due))
    lines = [sheet_title(sheet, locale), ""] + (["⚠ " + early_line(sheet, locale)] if sheet.early else [])
    lines += [question, ""]
    lines += [f"{escape(row.name)} — <b>{row.suggested}</b>" for row in due]
    skipped = [row for row in sheet.rows if not row.has_period_mark and not row.meets_accumulation]
    if skipped:
        lines += [
            "",
            "⚠ "
            + _(
                "Not set: too few marks for an objective period mark. Set these one by "
                "one after checking them: {names}."
            ).format(names=escape(", ".join(row.name for row in skipped))),
        ]
    return "\n".join(lines)


def bulk_keyboard(sheet: PeriodSheet) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, set them"),
        callback_data=PeriodBulkCB(assignment=sheet.assignment_id, period=sheet.period_id, confirm=True),
    )
    builder.button(
        text=_("Cancel"), callback_data=PeriodSheetCB(assignment=sheet.assignment_id, period=sheet.period_id)
    )
    builder.adjust(2)
    return builder.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_period, menu_filter("period"))
    router.callback_query.register(on_choices, PeriodSheetCB.filter(F.assignment == 0))
    router.callback_query.register(on_sheet, PeriodSheetCB.filter(F.assignment != 0))
    router.callback_query.register(on_student, PeriodMarkCB.filter((F.value == 0) & ~F.not_attested))
    router.callback_query.register(on_set, PeriodMarkCB.filter((F.value != 0) | F.not_attested))
    router.callback_query.register(on_bulk_ask, PeriodBulkCB.filter(~F.confirm))
    router.callback_query.register(on_bulk_confirm, PeriodBulkCB.filter(F.confirm))
    return router
