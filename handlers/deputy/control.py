"""/control (REP-3, ROLE-2): the journal's control for the deputy director or the administrator, for the whole
school or one class. The lessons of a week (this week up to today, or an earlier one) that lack attendance, topic
or homework, by teacher; and the subjects of the current period where students are behind the schedule of marks
(PER-4 counted against the share of the period already held). A short summary first, each list a tap away; one
message that the buttons edit in place."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.container import Services
from services.control import AccumulationGap, ControlReport, LessonGap, TeacherGaps
from ui.callbacks import ControlCB, ControlView
from ui.formatting import short_date, split_text
from ui.labels import MISSING
from ui.menus import menu_filter
from ui.screens import Screen, parse_day

SHOWN_PER_TEACHER = 10  # of the whole school; a class's report lists every lesson
CLASSES_PER_ROW = 4


async def cmd_control(_message: Message, services: Services, screen: Screen):
    await show_summary(screen, services, ControlCB())


async def on_summary(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    await show_summary(screen, services, callback_data)


async def on_lessons(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    report = await load_report(screen, services, callback_data)
    await screen.show(split_text(lessons_text(report, screen.locale)), list_keyboard(report))


async def on_marks(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    report = await load_report(screen, services, callback_data)
    await screen.show(split_text(marks_text(report, screen.locale)), list_keyboard(report))


async def on_classes(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    classes = await services.control.classes(screen.user.actor)
    buttons = [
        InlineKeyboardButton(text=c.name, callback_data=ControlCB(cls=c.id, week=callback_data.week).pack())
        for c in classes
    ]
    rows = [[InlineKeyboardButton(text=_("Whole school"), callback_data=ControlCB(week=callback_data.week).pack())]]
    rows += [buttons[i : i + CLASSES_PER_ROW] for i in range(0, len(buttons), CLASSES_PER_ROW)]
    await screen.show(_("Journal control: choose a class."), InlineKeyboardMarkup(inline_keyboard=rows))


async def load_report(screen: Screen, services: Services, wanted: ControlCB) -> ControlReport:
    week = parse_day(wanted.week) if wanted.week else None  # a forged date is refused
    return await services.control.report(screen.user.actor, wanted.cls or None, week)  # re-checks the role


async def show_summary(screen: Screen, services: Services, wanted: ControlCB) -> None:
    report = await load_report(screen, services, wanted)
    await screen.show(split_text(summary_text(report, screen.locale)), report_keyboard(report))


# ---- the summary, then each list ---------------------------------------------------------------------------


def title(report: ControlReport, locale: str) -> str:
    scope = escape(report.class_name) if report.class_name else _("whole school")
    return "<b>{}</b>\n{}".format(
        _("Journal control: {scope}").format(scope=scope),
        _("Week {start} – {end}").format(
            start=short_date(report.date_from, locale), end=short_date(report.date_to, locale)
        ),
    )


def summary_text(report: ControlReport, locale: str) -> str:
    """Short enough for a phone: how many of each kind, the lists a tap away."""
    blocks = [title(report, locale)]
    if not report.teachers:
        blocks.append("✅ " + _("Every lesson has its attendance, topic and homework."))
    else:
        lessons = [gap for teacher in report.teachers for gap in teacher.lessons]
        counts = [
            _("{part} — {count}").format(part=_(MISSING[part]), count=sum(part in gap.missing for gap in lessons))
            for part in MISSING
            if part != "marks"
        ]
        blocks.append(
            "\n".join(
                [
                    "<b>"
                    + _("Lessons without attendance, topic or homework: {count}").format(count=len(lessons))
                    + "</b>",
                    _("Missing: {parts}").format(parts=", ".join(counts)),
                    ngettext("{count} teacher", "{count} teachers", len(report.teachers)).format(
                        count=len(report.teachers)
                    ),
                ]
            )
        )
    blocks.append(behind_head(report) + "\n" + schedule_rule())
    if report.vacancies:
        blocks.append(vacancies_block(report, locale))
    return "\n\n".join(blocks)


def vacancies_block(report: ControlReport, locale: str) -> str:
    """ACC-6: «7А · Алгебра — нет учителя с 10.12», «7А — нет классного руководителя»."""
    lines = ["<b>" + _("Needs a teacher") + "</b>"]
    for v in report.vacancies:
        place = " · ".join(p for p in (v.class_name, v.subject, v.subgroup) if p)
        if v.subject is None:
            gap = _("no class teacher from {date}") if v.since else _("no class teacher")
        else:
            gap = _("no teacher from {date}")
        since = v.since.strftime("%d.%m") if v.since else ""
        lines.append(f"{escape(place)} — {gap.format(date=since)}")
    return "\n".join(lines)


def behind_head(report: ControlReport) -> str:
    gaps = report.accumulation
    if not gaps:
        return "✅ " + _("Every subject has the marks expected by now.")
    periods = ", ".join(sorted({gap.period_name for gap in gaps}))
    return (
        "<b>"
        + _("Behind the schedule of marks, {period}: {count}").format(
            period=escape(periods),
            count=ngettext("{count} subject", "{count} subjects", len(gaps)).format(count=len(gaps)),
        )
        + "</b>"
    )


def schedule_rule() -> str:
    return _(
        "Marks expected by today: the minimum for an objective period mark times the share of the period's "
        "lessons already held, rounded up; in the period's last week, the whole minimum."
    )


def lessons_text(report: ControlReport, locale: str) -> str:
    return title(report, locale) + "\n\n" + lessons_block(report, locale)


def marks_text(report: ControlReport, locale: str) -> str:
    return "\n\n".join(
        [
            title(report, locale),
            behind_head(report) + "\n" + schedule_rule(),
            "\n".join(behind_line(gap, report.class_id is None) for gap in report.accumulation),
        ]
    )


def lessons_block(report: ControlReport, locale: str) -> str:
    if not report.teachers:
        return "✅ " + _("Every lesson has its attendance, topic and homework.")
    blocks = [
        "<b>"
        + _("Lessons without attendance, topic or homework: {count}").format(count=report.lessons_missing)
        + "</b>"
    ]
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
        escape(f"{gap.class_name}{group}, {gap.subject}"),
        missing,
    )


def behind_line(gap: AccumulationGap, whole_school: bool) -> str:
    """«• 5А, Математика — Смирнова Е. В.: к сегодняшнему дню 3 отметки из 8; отстают 4 из 4»."""
    teacher = "" if whole_school else " — " + escape(gap.teacher)
    return "• {}, {}{}: {}".format(
        escape(gap.class_name),
        escape(subject_name(gap)),
        teacher,
        _("expected by today {expected} of {required}; behind: {failing} of {count}").format(
            expected=gap.expected, required=gap.required, failing=gap.failing, count=gap.students
        ),
    )


def subject_name(gap: AccumulationGap) -> str:
    return f"{gap.subject} ({gap.subgroup})" if gap.subgroup else gap.subject


def report_keyboard(report: ControlReport) -> InlineKeyboardMarkup:
    """Each list a tap away; weeks back and forth (not past today), the choice of a class, the whole school."""
    cls = report.class_id or 0
    this_week = "" if report.current_week else report.date_from.isoformat()
    lists = []
    if report.teachers:
        lists.append(
            InlineKeyboardButton(
                text=_("Lessons by teacher ({count})").format(count=report.lessons_missing),
                callback_data=ControlCB(cls=cls, week=this_week, view=ControlView.lessons).pack(),
            )
        )
    if report.accumulation:
        lists.append(
            InlineKeyboardButton(
                text=_("Behind schedule ({count})").format(count=len(report.accumulation)),
                callback_data=ControlCB(cls=cls, week=this_week, view=ControlView.marks).pack(),
            )
        )
    weeks = [
        InlineKeyboardButton(
            text=_("◀ Previous week"),
            callback_data=ControlCB(cls=cls, week=(report.date_from - timedelta(days=7)).isoformat()).pack(),
        )
    ]
    if not report.current_week:
        following = report.date_from + timedelta(days=7)
        weeks.append(
            InlineKeyboardButton(
                text=_("Next week ▶"),
                callback_data=ControlCB(
                    cls=cls, week="" if following + timedelta(days=6) >= report.today else following.isoformat()
                ).pack(),
            )
        )
    scope = [
        InlineKeyboardButton(
            text=_("Choose a class"), callback_data=ControlCB(cls=cls, week=this_week, view=ControlView.classes).pack()
        )
    ]
    if report.class_id is not None:
        scope.append(InlineKeyboardButton(text=_("Whole school"), callback_data=ControlCB(week=this_week).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row for row in (lists, weeks, scope) if row])


def list_keyboard(report: ControlReport) -> InlineKeyboardMarkup:
    this_week = "" if report.current_week else report.date_from.isoformat()
    back = ControlCB(cls=report.class_id or 0, week=this_week)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("◀ Summary"), callback_data=back.pack())]]
    )


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_control, menu_filter("control"))
    router.callback_query.register(on_summary, ControlCB.filter(F.view == ControlView.report))
    router.callback_query.register(on_lessons, ControlCB.filter(F.view == ControlView.lessons))
    router.callback_query.register(on_marks, ControlCB.filter(F.view == ControlView.marks))
    router.callback_query.register(on_classes, ControlCB.filter(F.view == ControlView.classes))
    return router
