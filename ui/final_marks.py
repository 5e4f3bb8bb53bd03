"""Year, exam and final marks (PER-2, PER-3): their names, a mark or result as people read it, and the teacher's
year sheet of a class and subject with each student's screen."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.final_marks import FinalRow, FinalSheet, Outcome
from services.models import FinalMarkKind, FinalResult
from ui.callbacks import FinalMarkCB, FinalSheetCB, PeriodSheetCB
from ui.formatting import short_date
from ui.i18n import N_, gettext

PER_ROW = 2
VALUES_PER_ROW = 5

# «н/а», «зач.», «осв.»: how the journal writes results without a number.
RESULTS = {
    FinalResult.NOT_ATTESTED: N_("n/a"),
    FinalResult.PASSED: N_("pass"),
    FinalResult.EXEMPT: N_("exempt"),
}
# A result's meaning in words, beside its button.
RESULTS_LONG = {
    FinalResult.NOT_ATTESTED: N_("n/a (not attested)"),
    FinalResult.PASSED: N_("pass (credit)"),
    FinalResult.EXEMPT: N_("exempt"),
}
KINDS = {
    FinalMarkKind.PERIOD: N_("period mark"),
    FinalMarkKind.YEAR: N_("year mark"),
    FinalMarkKind.EXAM: N_("exam mark"),
    FinalMarkKind.FINAL: N_("final mark"),
}
KIND_TITLES = {
    FinalMarkKind.PERIOD: N_("Period mark"),
    FinalMarkKind.YEAR: N_("Year mark"),
    FinalMarkKind.EXAM: N_("Exam"),
    FinalMarkKind.FINAL: N_("Final mark"),
}


def outcome_text(outcome: Outcome | None, locale: str, *, unset: str = "—") -> str:
    """«5», «н/а», «зач.», «осв.»; `unset` where there is none."""
    if outcome is None:
        return unset
    if outcome.result is FinalResult.MARK:
        return str(outcome.value)
    return gettext(RESULTS[outcome.result], locale)


def result_text(result: FinalResult | str | None, value: int | None, locale: str) -> str:
    """A stored mark (a push's payload): its result and value."""
    if result is None:
        return "—"
    return outcome_text(Outcome(FinalResult(result), value), locale)


def kind_name(kind: FinalMarkKind, locale: str) -> str:
    return gettext(KINDS[kind], locale)


def kind_title(kind: FinalMarkKind, period: str, locale: str) -> str:
    """«2 четверть» for a period mark, «Годовая» for the rest."""
    return escape(period) if kind is FinalMarkKind.PERIOD and period else gettext(KIND_TITLES[kind], locale)


# ---- the teacher's year sheet ----------------------------------------------------------------------------


def title(sheet: FinalSheet) -> str:
    group = f" ({sheet.subgroup})" if sheet.subgroup else ""
    return "<b>{}</b>".format(escape(f"{sheet.subject}, {sheet.class_name}{group}"))


def sheet_text(sheet: FinalSheet, locale: str) -> str:
    lines = [title(sheet), gettext("Year and final marks", locale), ""]
    for number, row in enumerate(sheet.rows, start=1):
        lines.append(f"{number}. {escape(row.name)}")
        lines.append("    " + row_line(sheet, row, locale))
    lines += ["", footer(sheet, locale)]
    return "\n".join(lines)


def row_line(sheet: FinalSheet, row: FinalRow, locale: str) -> str:
    """«4, 5 · Годовая: 5 · Итоговая: —»: the period marks, then the year's."""
    parts = [", ".join(outcome_text(p, locale) for p in row.periods)]
    parts += [f"{gettext(KIND_TITLES[k], locale)}: <b>{outcome_text(row.get(k), locale)}</b>" for k in sheet.kinds]
    return " · ".join(parts)


def footer(sheet: FinalSheet, locale: str) -> str:
    if sheet.today < sheet.year_from:
        return gettext("Year marks are set from {date}, the day the last period ends.", locale).format(
            date=short_date(sheet.year_from, locale)
        )
    if sheet.today > sheet.closes_on:
        return "🔒 " + gettext("Since {date} these marks change only by the director's order.", locale).format(
            date=short_date(sheet.closes_on + timedelta(days=1), locale)
        )
    if not sheet.may_set:
        return gettext("The subject's teacher sets these marks.", locale)
    text = gettext(
        "Tap a student to set the year and final marks; they can be changed until {date}, then only by the "
        "director's order.",
        locale,
    ).format(date=short_date(sheet.closes_on, locale))
    if sheet.exam_on is not None:
        text += " " + gettext("The exam's mark: from {date}.", locale).format(date=short_date(sheet.exam_on, locale))
    return text


def sheet_keyboard(sheet: FinalSheet, locale: str) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if sheet.rows:  # each student's screen: to set the marks while open, to read them before and after
        first = next((kind for kind in sheet.kinds if sheet.open(kind)), FinalMarkKind.YEAR)
        buttons = [
            InlineKeyboardButton(
                text=student_button(number, row, locale),
                callback_data=FinalMarkCB(assignment=sheet.assignment_id, student=row.student_id, kind=first).pack(),
            )
            for number, row in enumerate(sheet.rows, start=1)
        ]
        rows += [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    rows.append([back_to_period(sheet, locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_period(sheet: FinalSheet, locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=gettext("◀ Period marks", locale),
        callback_data=PeriodSheetCB(assignment=sheet.assignment_id, period=sheet.last_period_id).pack(),
    )


def student_button(number: int, row: FinalRow, locale: str) -> str:
    """«1 Алексеев: 5 ✅» once the year mark is set, «2 Борисова → 4» with the suggestion."""
    text = f"{number} {row.name.split()[0]}"
    if row.year is not None:
        return text + ": " + outcome_text(row.year, locale) + " ✅"
    if row.year_suggested is not None:
        return text + " → " + outcome_text(row.year_suggested, locale)
    return text


def student_text(sheet: FinalSheet, row: FinalRow, kind: FinalMarkKind, locale: str) -> str:
    lines = [title(sheet), escape(row.name), ""]
    for name, outcome in zip(sheet.period_names, row.periods, strict=True):
        lines.append(f"{escape(name)}: {outcome_text(outcome, locale)}")
    for each in sheet.kinds:
        line = f"{gettext(KIND_TITLES[each], locale)}: <b>{outcome_text(row.get(each), locale)}</b>"
        suggested = row.suggested(each)
        if suggested is not None and suggested != row.get(each):
            line += " " + gettext("(suggested: {mark})", locale).format(mark=outcome_text(suggested, locale))
        lines.append(line)
    lines.append("")
    if sheet.open(kind):
        lines.append(gettext("Choose the {kind}:", locale).format(kind=kind_name(kind, locale)))
    else:
        lines.append(footer(sheet, locale))
    return "\n".join(lines)


def student_keyboard(sheet: FinalSheet, row: FinalRow, kind: FinalMarkKind, locale: str) -> InlineKeyboardMarkup:
    """The kinds to switch between, then the scale's values (the suggested one first) and the results."""
    rows: list[list[InlineKeyboardButton]] = []
    kinds = [k for k in sheet.kinds if sheet.open(k)]
    if len(kinds) > 1:
        rows.append(
            [
                InlineKeyboardButton(
                    text=("✓ " if k is kind else "") + gettext(KIND_TITLES[k], locale),
                    callback_data=FinalMarkCB(assignment=sheet.assignment_id, student=row.student_id, kind=k).pack(),
                )
                for k in kinds
            ]
        )
    if sheet.open(kind):
        suggested = row.suggested(kind)
        choices = [Outcome.mark(v) for v in range(sheet.mark_max, sheet.mark_min - 1, -1)]
        if suggested in choices:
            choices.remove(suggested)
            choices.insert(0, suggested)
        buttons = [value_button(sheet, row, kind, o, locale) for o in choices]
        rows += [buttons[i : i + VALUES_PER_ROW] for i in range(0, len(buttons), VALUES_PER_ROW)]
        rows.append([value_button(sheet, row, kind, Outcome(result), locale) for result in sheet.results])
    rows.append(
        [
            InlineKeyboardButton(
                text=gettext("◀ Year marks", locale),
                callback_data=FinalSheetCB(assignment=sheet.assignment_id).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def value_button(
    sheet: FinalSheet,
    row: FinalRow,
    kind: FinalMarkKind,
    outcome: Outcome,
    locale: str,
) -> InlineKeyboardButton:
    current, suggested = row.get(kind), row.suggested(kind)
    text = outcome_text(outcome, locale)
    if outcome == suggested:
        text = gettext("{mark} (suggested)", locale).format(mark=text)
    return InlineKeyboardButton(
        text=("✓ " if outcome == current else "") + text,
        callback_data=FinalMarkCB(
            assignment=sheet.assignment_id,
            student=row.student_id,
            kind=kind,
            save=True,
            result=outcome.result,
            value=outcome.value or 0,
        ).pack(),
    )
