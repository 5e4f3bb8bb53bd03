"""/control (REP-3, ROLE-2): the journal's control for the deputy director or the administrator, for the whole
school or one class. The lessons of a week (this week up to today, or an earlier one) that lack attendance, topic
or homework, by teacher; and the subjects of the current period where students have fewer marks than an
objective period mark needs (PER-4). One message that the buttons edit in place."""
from __future__ import annotations

from datetime import timedelta
from html import escape
from itertools import groupby

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ControlCB
from bot.formatting import short_date, split_text
from bot.menus import menu_filter
from handlers.screens import chat_of, parse_day, show_screen, tapped
from handlers.teacher.today import MISSING
from services.accounts import CurrentUser
from services.container import Services
from services.control import AccumulationGap, ControlReport, LessonGap, TeacherGaps

SHOWN_PER_TEACHER = 10  # of the whole school; a class's report lists every lesson
CLASSES_PER_ROW = 4


async def cmd_control(message: Message, user: CurrentUser, services: Services, state: FSMContext, bot: Bot):
    await show_report(bot, message.chat.id, user, services, state, ControlCB())


async def on_report(query: CallbackQuery, callback_data: ControlCB, user: CurrentUser, services: Services,
                    state: FSMContext, bot: Bot):
    await show_report(bot, chat_of(query), user, services, state, callback_data, tapped(query))


async def on_classes(query: CallbackQuery, callback_data: ControlCB, user: CurrentUser, services: Services,
                     state: FSMContext, bot: Bot):
    classes = await services.control.classes(user.actor)
    buttons = [InlineKeyboardButton(text=c.name, callback_data=ControlCB(cls=c.id, week=callback_data.week)
                                    .pack()) for c in classes]
    rows = [[InlineKeyboardButton(text=_("Whole school"), callback_data=ControlCB(week=callback_data.week).pack())]]
    rows += [buttons[i:i + CLASSES_PER_ROW] for i in range(0, len(buttons), CLASSES_PER_ROW)]
    await show_screen(bot, chat_of(query), [_("Journal control: choose a class.")],
                      InlineKeyboardMarkup(inline_keyboard=rows), state, tapped(query))


async def show_report(bot: Bot, chat_id: int, user: CurrentUser, services: Services, state: FSMContext,
                      wanted: ControlCB, message: Message | None = None) -> None:
    week = parse_day(wanted.week) if wanted.week else None  # a forged date is refused
    report = await services.control.report(user.actor, wanted.cls or None, week)  # re-checks the role
    await show_screen(bot, chat_id, split_text(report_text(report, user.locale)), report_keyboard(report), state,
                      message)


# ---- the report --------------------------------------------------------------------------------------------

def report_text(report: ControlReport, locale: str) -> str:
    scope = escape(report.class_name) if report.class_name else _("whole school")
    blocks = ["<b>{}</b>\n{}".format(_("Journal control: {scope}").format(scope=scope), _("Week {start} – {end}").format(
        start=short_date(report.date_from, locale), end=short_date(report.date_to, locale)))]
    blocks.append(lessons_block(report, locale))
    blocks.append(accumulation_block(report))
    return "\n\n".join(blocks)


def lessons_block(report: ControlReport, locale: str) -> str:
    if not report.teachers:
        return "✅ " + _("Every lesson has its attendance, topic and homework.")
    blocks = ["<b>" + _("Lessons without attendance, topic or homework: {count}").format(
        count=report.lessons_missing) + "</b>"]
    shown = SHOWN_PER_TEACHER if report.class_id is None else None
    blocks += [teacher_block(teacher, shown, locale) for teacher in report.teachers]
    return "\n\n".join(blocks)


def teacher_block(teacher: TeacherGaps, shown: int | None, locale: str) -> str:
    lines = [f"<b>{escape(teacher.teacher)}</b> — {len(teacher.lessons)}"]
    lines += ["• " + gap_line(gap, locale) for gap in teacher.lessons[:shown]]
    if shown is not None and len(teacher.lessons) > shown:
        lines.append(_("… and {count} more: choose a class to see all").format(count=len(teacher.lessons) - shown))
    return "\n".join(lines)


def gap_line(gap: LessonGap, locale: str) -> str:
    """«24 нояб., 3-й урок, 5А (Англ. 1), Английский язык: посещаемость, тема, задание»."""
    group = f" ({gap.subgroup})" if gap.subgroup else ""
    missing = ", ".join(_(MISSING[part]) for part in MISSING if part in gap.missing)
    return "{}, {}: {}".format(
        _("{day}, lesson {number}").format(day=short_date(gap.date, locale), number=gap.number),
        escape(f"{gap.class_name}{group}, {gap.subject}"), missing)


def accumulation_block(report: ControlReport) -> str:
    """A class's report names each subject's teacher and minimum; the whole school's, a line per class."""
    gaps = report.accumulation
    if not gaps:
        return "✅ " + _("Every student has enough marks for an objective period mark.")
    periods = ", ".join(sorted({gap.period_name for gap in gaps}))
    lines = ["<b>" + _("Too few marks for an objective period mark, {period}:").format(
        period=escape(periods)) + "</b>"]
    if report.class_id is None:
        lines.append(_("How many students are short of the minimum, by class and subject:"))
        for class_name, found in groupby(gaps, key=lambda gap: gap.class_name):
            lines.append("• {}: {}".format(escape(class_name), ", ".join(
                "{} {}".format(escape(subject_name(gap)), _("{failing} of {count}").format(
                    failing=gap.failing, count=gap.students)) for gap in found)))
        return "\n".join(lines)
    for gap in gaps:
        lines.append("• {}, {} — {}: {}".format(
            escape(gap.class_name), escape(subject_name(gap)), escape(gap.teacher),
            _("marks needed: {required}; short of it: {failing} of {count}").format(
                required=gap.required, failing=gap.failing, count=gap.students)))
    return "\n".join(lines)


def subject_name(gap: AccumulationGap) -> str:
    return f"{gap.subject} ({gap.subgroup})" if gap.subgroup else gap.subject


def report_keyboard(report: ControlReport) -> InlineKeyboardMarkup:
    """Weeks back and forth (not past today), the choice of a class, and back to the whole school."""
    cls = report.class_id or 0
    this_week = "" if report.current_week else report.date_from.isoformat()
    weeks = [InlineKeyboardButton(text=_("◀ Previous week"), callback_data=ControlCB(
        cls=cls, week=(report.date_from - timedelta(days=7)).isoformat()).pack())]
    if not report.current_week:
        following = report.date_from + timedelta(days=7)
        weeks.append(InlineKeyboardButton(text=_("Next week ▶"), callback_data=ControlCB(
            cls=cls, week="" if following + timedelta(days=6) >= report.today else following.isoformat()).pack()))
    scope = [InlineKeyboardButton(text=_("Choose a class"),
                                  callback_data=ControlCB(cls=cls, week=this_week, view="classes").pack())]
    if report.class_id is not None:
        scope.append(InlineKeyboardButton(text=_("Whole school"), callback_data=ControlCB(week=this_week).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[weeks, scope])


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_control, menu_filter("control"))
    router.callback_query.register(on_classes, ControlCB.filter(F.view == "classes"))
    router.callback_query.register(on_report, ControlCB.filter(F.view == "report"))
    return router
