"""/marks: a compact summary first, each subject with its weighted average, the count of marks and the period mark,
and the period switcher (DIA-1, PER-1, PER-2); a tap on a subject opens its marks by date with work types and
weights, both averages and the change against the previous period (J-5), and "what is needed": how many more
marks lift the weighted average to the period mark the user aims at (PER-3, DIA-4). The screens edit one
message in place; «Все предметы» goes back to the summary.

Every button carries the student's id; the service re-checks it, so a forged one is refused."""

from __future__ import annotations

import html
from itertools import groupby

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.accounts import CurrentUser
from services.container import Services
from services.diary import StudentCard
from services.grading import NEW_MARK_WEIGHT, MarkItem, rounds_up_from
from services.report_card import MarkGoal, MarksReport, PeriodCard, SubjectMarks, SubjectReport
from ui.callbacks import MarkGoalCB, MarksPeriodCB, StudentReportCB
from ui.final_marks import kind_title, outcome_text
from ui.formatting import decimal, short_date, split_text, work_type_name
from ui.menus import menu_filter
from ui.screens import Screen


async def cmd_marks(_message: Message, services: Services, screen: Screen):
    text, keyboard = await summary_screen(services, screen.user, screen.user.student_id, None)
    await screen.send(text, keyboard)


async def on_period(_query: CallbackQuery, callback_data: MarksPeriodCB, services: Services, screen: Screen):
    """Another period, or back from a subject: the summary, in the same message."""
    text, keyboard = await summary_screen(services, screen.user, callback_data.student, callback_data.period)
    await show(screen, text, keyboard)


async def on_subject(_query: CallbackQuery, callback_data: MarkGoalCB, services: Services, screen: Screen):
    """A subject's marks and "what is needed" (mark=0: the marks to aim at; else the answer for one), in place."""
    report = await services.report_card.subject_marks(
        screen.user.actor,
        callback_data.student,
        callback_data.subject,
        callback_data.period,
        callback_data.mark or None,
    )
    await show(screen, render_subject(report, screen.locale), subject_keyboard(report.goal, screen.locale))


async def show(screen: Screen, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """The screen in place of the tapped message; one too long for a message is sent anew, split, never cut."""
    parts = split_text(text)
    if len(parts) > 1:
        for part in parts[:-1]:
            await screen.send(part)
        await screen.send(parts[-1], keyboard)
        return
    await screen.show(text, keyboard)


async def summary_screen(
    services: Services, user: CurrentUser, student_id: int, period_id: int | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    view = await services.report_card.marks_screen(user.actor, student_id, period_id)
    periods = list(view.periods)
    return render_summary(view.student, view.report, periods, user.locale), summary_keyboard(view.report, periods)


def period_title(name: str, period: PeriodCard | None, locale: str) -> str:
    title = html.escape(name)
    if period is not None:
        title += f" ({short_date(period.starts_on, locale)} – {short_date(period.ends_on, locale)})"
    return title


def card_title(card: StudentCard) -> str:
    return _("Marks: {name}, {class_name}").format(
        name=html.escape(f"{card.first_name} {card.last_name}"), class_name=html.escape(card.class_name)
    )


def render_summary(card: StudentCard, report: MarksReport, periods: list[PeriodCard], locale: str) -> str:
    period = next((p for p in periods if p.period_id == report.period_id), None)
    blocks = [f"<b>{card_title(card)}</b>\n{period_title(report.period_name, period, locale)}"]
    if report.subjects:
        blocks.append("\n".join(summary_line(s, locale) for s in report.subjects))
        blocks.append(_("Weighted averages. Tap a subject for its marks and what is needed for a period mark."))
    else:
        blocks.append(_("No subjects in this period."))
    return "\n\n".join(blocks)


def summary_line(subject: SubjectMarks, locale: str) -> str:
    """«Математика — 4,67 (2 оценки), за период: 5»."""
    name = html.escape(subject.subject)
    if not subject.marks:
        line = _("{subject} — no marks yet").format(subject=name)
    else:
        line = _("{subject} — <b>{average}</b> ({count})").format(
            subject=name,
            average=decimal(subject.weighted_average, locale),
            count=ngettext("{count} mark", "{count} marks", len(subject.marks)).format(count=len(subject.marks)),
        )
    if subject.period_outcome is not None:
        line += ", " + _("period mark: <b>{mark}</b>").format(mark=period_mark_text(subject, locale))
    line += "".join(
        f", {kind_title(kind, '', locale).lower()}: <b>{outcome_text(outcome, locale)}</b>"
        for kind, outcome in subject.year_marks
    )
    return line


def period_mark_text(subject: SubjectMarks, locale: str) -> str:
    """The period mark as set: a number, «н/а» (PER-4: too few marks for an objective one), «зач.», «осв.»."""
    if subject.not_attested:
        return _("n/a (not attested)")
    return outcome_text(subject.period_outcome, locale)


def summary_keyboard(report: MarksReport, periods: list[PeriodCard]) -> InlineKeyboardMarkup | None:
    """The subjects two a row, the student's reports of the period (REP-1), then the periods of the year in a row
    of their own."""
    keyboard = InlineKeyboardBuilder()
    for s in report.subjects:
        keyboard.button(
            text=s.subject,
            callback_data=MarkGoalCB(student=report.student_id, period=report.period_id, subject=s.subject_id),
        )
    keyboard.adjust(2)
    if report.subjects:
        keyboard.row(
            InlineKeyboardButton(
                text=_("📊 Report card and dynamics"),
                callback_data=StudentReportCB(student=report.student_id, period=report.period_id).pack(),
            )
        )
    if len(periods) > 1:
        keyboard.row(
            *(
                InlineKeyboardButton(
                    text=("✓ " if p.period_id == report.period_id else "") + p.name,
                    callback_data=MarksPeriodCB(student=report.student_id, period=p.period_id).pack(),
                )
                for p in periods
            )
        )
    return keyboard.as_markup() if report.subjects or len(periods) > 1 else None


def render_subject(report: SubjectReport, locale: str) -> str:
    card, subject = report.student, report.marks
    head = "<b>{}</b>\n{} · {}".format(
        html.escape(subject.subject),
        html.escape(f"{card.first_name} {card.last_name}, {card.class_name}"),
        period_title(report.period.name, report.period, locale),
    )
    return "\n\n".join(
        [
            head,
            "\n".join(subject_lines(subject, report.period.name, locale)),
            "\n".join(goal_lines(report.goal, locale)),
        ]
    )


def subject_lines(subject: SubjectMarks, period_name: str, locale: str) -> list[str]:
    """The subject's marks by date with work types and weights, both averages and the change, the period mark."""
    lines = []
    if not subject.marks:
        lines.append(_("No marks yet."))
    for day, marks in groupby(subject.marks, key=lambda m: m.date):
        lines.append("{}: {}".format(short_date(day, locale), ", ".join(mark_text(m, locale) for m in marks)))
    if subject.marks:
        lines.append(
            _("Average {simple}, weighted {weighted}").format(
                simple=decimal(subject.average, locale), weighted=decimal(subject.weighted_average, locale)
            )
            + change_text(subject, locale)
        )
    if subject.period_outcome is not None:
        lines.append(
            _("Mark for {period}: <b>{mark}</b>").format(
                period=html.escape(period_name), mark=period_mark_text(subject, locale)
            )
        )
    lines += [
        f"{kind_title(kind, '', locale)}: <b>{outcome_text(outcome, locale)}</b>"
        for kind, outcome in subject.year_marks
    ]
    return lines


def mark_text(mark: MarkItem, locale: str) -> str:
    """«5 (Контрольная работа, вес 2)»: the weight is said where it is not the plain 1 (J-5)."""
    what = html.escape(work_type_name(mark.work_type, locale))
    if mark.weight != 1:
        what = _("{work_type}, weight {weight}").format(work_type=what, weight=format_weight(mark.weight, locale))
    return f"<b>{mark.value}</b> ({what})"


def format_weight(weight: float, locale: str) -> str:
    return str(int(weight)) if weight == int(weight) else decimal(weight, locale)


def change_text(subject: SubjectMarks, locale: str) -> str:
    if subject.previous_weighted_average is None or subject.weighted_average is None:
        return ""
    diff = round(subject.weighted_average - subject.previous_weighted_average, 2)
    if diff == 0:
        return " · " + _("as in the previous period")
    arrow = "▲" if diff > 0 else "▼"
    return " · " + _("{arrow} {difference} against the previous period ({previous})").format(
        arrow=arrow, difference=decimal(abs(diff), locale), previous=decimal(subject.previous_weighted_average, locale)
    )


def goal_lines(goal: MarkGoal, locale: str) -> list[str]:
    """ "What is needed", under the subject's marks (which already say the average and the count)."""
    lines = ["<b>" + _("What is needed for a period mark?") + "</b>"]
    if goal.mark is None:
        lines.append(_("Which mark for {period} do you aim at?").format(period=html.escape(goal.period_name)))
        return lines
    if goal.reached:
        lines.append(
            _("That is «{mark}» already: an average from {threshold} rounds to it.").format(
                mark=goal.mark, threshold=decimal(goal.threshold, locale)
            )
        )
        return lines
    lines.append(
        _("«{mark}» needs an average of {threshold} or more:").format(
            mark=goal.mark, threshold=decimal(goal.threshold, locale)
        )
    )
    for i, (value, count) in enumerate(goal.needed):
        option = ngettext("{count} more mark of {value}", "{count} more marks of {value}", count).format(
            count=count, value=value
        )
        lines.append("• " + (option if i == 0 else _("or {option}").format(option=option)))
    lines.append("")
    lines.append(
        _("Each new mark is counted with weight {weight}; the period mark is set by the teacher.").format(
            weight=format_weight(NEW_MARK_WEIGHT, locale)
        )
    )
    return lines


def subject_keyboard(goal: MarkGoal, locale: str) -> InlineKeyboardMarkup:
    """The period marks to aim at, three a row, and the way back to the summary of the same period."""
    keyboard = InlineKeyboardBuilder()
    for mark in goal.choices:
        chosen = "✓ " if mark == goal.mark else ""
        keyboard.button(
            text=f"{chosen}«{mark}» ≥ {decimal(rounds_up_from(mark, goal.round_from), locale)}",
            callback_data=MarkGoalCB(
                student=goal.student_id, period=goal.period_id, subject=goal.subject_id, mark=mark
            ),
        )
    keyboard.adjust(3)
    keyboard.row(
        InlineKeyboardButton(
            text=_("← All subjects"), callback_data=MarksPeriodCB(student=goal.student_id, period=goal.period_id).pack()
        )
    )
    return keyboard.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_marks, menu_filter("marks"))
    router.callback_query.register(on_period, MarksPeriodCB.filter())
    router.callback_query.register(on_subject, MarkGoalCB.filter())
    return router
