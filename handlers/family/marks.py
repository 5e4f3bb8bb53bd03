"""/marks: the period's marks by subject with dates and work types, the simple and the weighted average, the
change against the previous period and the period mark (DIA-1, J-5, PER-2); then "what is needed": how many
more marks lift the weighted average to the period mark the user aims at (PER-3, DIA-4).

Every button carries the student's id; the service re-checks it, so a forged one is refused."""
from __future__ import annotations

import html
from itertools import groupby

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MarkGoalCB, MarksPeriodCB
from bot.formatting import decimal, short_date, split_text, work_type_name
from bot.menus import menu_filter
from services.accounts import CurrentUser
from services.container import Services
from services.diary import (
    NEW_MARK_WEIGHT,
    MarkGoal,
    MarkItem,
    MarksReport,
    PeriodCard,
    StudentCard,
    SubjectMarks,
    rounds_up_from,
)


async def cmd_marks(message: Message, user: CurrentUser, services: Services, bot: Bot):
    await send_report(bot, message.chat.id, user, services, user.student_id, None)


async def on_period(query: CallbackQuery, callback_data: MarksPeriodCB, user: CurrentUser, services: Services,
                    bot: Bot):
    await send_report(bot, query.message.chat.id, user, services, callback_data.student, callback_data.period)


async def send_report(bot: Bot, chat_id: int, user: CurrentUser, services: Services, student_id: int,
                      period_id: int | None) -> None:
    card = await services.diary.student(user.actor, student_id)
    report = await services.diary.marks(user.actor, student_id, period_id)
    periods = await services.diary.periods(user.actor, student_id)
    parts = split_text(render_report(card, report, periods, user.locale))
    for part in parts[:-1]:
        await bot.send_message(chat_id, part)
    await bot.send_message(chat_id, parts[-1], reply_markup=report_keyboard(report, periods))


def render_report(card: StudentCard, report: MarksReport, periods: list[PeriodCard], locale: str) -> str:
    period = next((p for p in periods if p.period_id == report.period_id), None)
    title = html.escape(report.period_name)
    if period is not None:
        title += f" ({short_date(period.starts_on, locale)} – {short_date(period.ends_on, locale)})"
    blocks = ["<b>{}</b>\n{}".format(
        _("Marks: {name}, {class_name}").format(name=html.escape(f"{card.first_name} {card.last_name}"),
                                                class_name=html.escape(card.class_name)), title)]
    blocks += [subject_block(s, report.period_name, locale) for s in report.subjects]
    if report.subjects:
        blocks.append(_("What is needed for a period mark? Choose a subject:"))
    return "\n\n".join(blocks)


def subject_block(subject: SubjectMarks, period_name: str, locale: str) -> str:
    lines = [f"<b>{html.escape(subject.subject)}</b>"]
    if not subject.marks:
        lines.append(_("No marks yet."))
    for day, marks in groupby(subject.marks, key=lambda m: m.date):
        lines.append("{}: {}".format(short_date(day, locale), ", ".join(mark_text(m, locale) for m in marks)))
    if subject.marks:
        lines.append(_("Average {simple}, weighted {weighted}").format(
            simple=decimal(subject.average, locale), weighted=decimal(subject.weighted_average, locale))
            + change_text(subject, locale))
    if subject.period_mark is not None:
        lines.append(_("Mark for {period}: <b>{mark}</b>").format(period=html.escape(period_name),
                                                                   mark=subject.period_mark))
    return "\n".join(lines)


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
        arrow=arrow, difference=decimal(abs(diff), locale),
        previous=decimal(subject.previous_weighted_average, locale))


def report_keyboard(report: MarksReport, periods: list[PeriodCard]) -> InlineKeyboardMarkup | None:
    """The subjects two a row ("what is needed"), then the periods of the year in a row of their own."""
    keyboard = InlineKeyboardBuilder()
    for s in report.subjects:
        keyboard.button(text=s.subject, callback_data=MarkGoalCB(student=report.student_id, period=report.period_id,
                                                                 subject=s.subject_id))
    keyboard.adjust(2)
    if len(periods) > 1:
        keyboard.row(*(
            InlineKeyboardButton(text=("✓ " if p.period_id == report.period_id else "") + p.name,
                                 callback_data=MarksPeriodCB(student=report.student_id, period=p.period_id).pack())
            for p in periods
        ))
    return keyboard.as_markup() if report.subjects or len(periods) > 1 else None


async def on_goal(query: CallbackQuery, callback_data: MarkGoalCB, user: CurrentUser, services: Services,
                  bot: Bot):
    goal = await services.diary.mark_goal(user.actor, callback_data.student, callback_data.subject,
                                          callback_data.period, callback_data.mark or None)
    text, keyboard = render_goal(goal, user.locale), goal_keyboard(goal, user.locale)
    if goal.mark is None:  # a subject chosen under the marks: its own message, the marks stay
        await bot.send_message(query.message.chat.id, text, reply_markup=keyboard)
        return
    try:
        await query.message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as err:  # the same mark tapped twice: nothing to change
        if "not modified" not in str(err):
            raise


def render_goal(goal: MarkGoal, locale: str) -> str:
    lines = [f"<b>{html.escape(goal.subject)}</b>, {html.escape(goal.period_name)}"]
    if goal.weighted_average is None:
        lines.append(_("No marks yet."))
    else:
        lines.append(_("Weighted average now: {average} ({count}).").format(
            average=decimal(goal.weighted_average, locale),
            count=ngettext("{count} mark", "{count} marks", goal.marks_count).format(count=goal.marks_count)))
    if goal.mark is None:
        lines.append(_("Which mark for {period} do you aim at?").format(period=html.escape(goal.period_name)))
        return "\n".join(lines)
    if goal.reached:
        lines.append(_("That is «{mark}» already: an average from {threshold} rounds to it.").format(
            mark=goal.mark, threshold=decimal(goal.threshold, locale)))
        return "\n".join(lines)
    lines.append(_("«{mark}» needs an average of {threshold} or more:").format(
        mark=goal.mark, threshold=decimal(goal.threshold, locale)))
    for i, (value, count) in enumerate(goal.needed):
        option = ngettext("{count} more mark of {value}", "{count} more marks of {value}", count).format(
            count=count, value=value)
        lines.append("• " + (option if i == 0 else _("or {option}").format(option=option)))
    lines.append("")
    lines.append(_("Each new mark is counted with weight {weight}; the period mark is set by the teacher.").format(
        weight=format_weight(NEW_MARK_WEIGHT, locale)))
    return "\n".join(lines)


def goal_keyboard(goal: MarkGoal, locale: str) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for mark in goal.choices:
        chosen = "✓ " if mark == goal.mark else ""
        keyboard.button(text=f"{chosen}«{mark}» ≥ {decimal(rounds_up_from(mark), locale)}",
                        callback_data=MarkGoalCB(student=goal.student_id, period=goal.period_id,
                                                 subject=goal.subject_id, mark=mark))
    keyboard.adjust(3)
    return keyboard.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_marks, menu_filter("marks"))
    router.callback_query.register(on_period, MarksPeriodCB.filter())
    router.callback_query.register(on_goal, MarkGoalCB.filter())
    return router
