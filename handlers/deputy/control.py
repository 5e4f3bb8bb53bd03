"""/control (REP-3, ROLE-2): the journal's control for the deputy director or the administrator, for the whole
school or one class. The lessons of a week (this week up to today, or an earlier one) that lack attendance, topic
or homework, by teacher; and the subjects of the current period where students are behind the schedule of marks
(PER-4 counted against the share of the period already held). A short summary first, each list a tap away; one
message that the buttons edit in place. Two lists read the thematic plan (J-14): the programme's completion by
subject, and the week's lessons whose topic departs from the plan."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.container import Services
from services.control import AccumulationGap, ControlReport, LessonGap, PlanControl, TeacherGaps
from services.plan import Completion, Departure
from ui.callbacks import ControlCB, ControlView
from ui.formatting import short_date, split_text
from ui.labels import MISSING
from ui.menus import menu_filter
from ui.screens import Screen, parse_day

SHOWN_PER_TEACHER = 10  # of the whole school; a class's report lists every lesson
SHOWN_OF_SCHOOL = 30  # departures and subjects without a plan, of the whole school; a class's lists are whole
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


async def on_plan(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    report = await load_plan(screen, services, callback_data)
    await screen.show(split_text(completion_text(report, screen.locale)), plan_keyboard(report))


async def on_topics(_query: CallbackQuery, callback_data: ControlCB, services: Services, screen: Screen):
    report = await load_plan(screen, services, callback_data)
    await screen.show(split_text(departures_text(report, screen.locale)), plan_keyboard(report))


async def load_plan(screen: Screen, services: Services, wanted: ControlCB) -> PlanControl:
    week = parse_day(wanted.week) if wanted.week else None  # a forged date is refused
    return await services.control.plan_report(screen.user.actor, wanted.cls or None, week)  # re-checks the role


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


def title(report: ControlReport | PlanControl, locale: str) -> str:
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


# ---- the thematic plan (J-14) --------------------------------------------------------------------------------


def completion_text(report: PlanControl, locale: str) -> str:
    """Of a class, every subject; of the whole school, the subjects behind the plan (the rest counted)."""
    whole_school = report.class_id is None
    head = "<b>" + _("Programme completion by {date}").format(date=short_date(report.today, locale)) + "</b>"
    rule = _(
        "Given: the lessons with a topic; due by today: the timetable's lessons so far, at most the plan's topics."
    )
    blocks = [title(report, locale), head + "\n" + rule]
    shown = report.behind if whole_school else report.completion
    if not report.completion:
        blocks.append(_("No thematic plan is loaded."))
    elif whole_school and not shown:
        blocks.append("✅ " + _("Every subject is on schedule with its plan."))
    else:
        if whole_school:  # the furthest behind first, as many as a phone's screen takes
            shown = tuple(sorted(shown, key=lambda c: c.percent))
        lines = [completion_line(c) for c in shown[: SHOWN_OF_SCHOOL if whole_school else None]]
        if len(shown) > len(lines):
            lines.append(more_line(len(shown) - len(lines)))
        if whole_school:
            on_time = len(report.completion) - len(shown)
            lines.insert(
                0,
                "<b>"
                + _("Behind the plan: {count}; on schedule: {on_time}").format(count=len(shown), on_time=on_time)
                + "</b>",
            )
        blocks.append("\n".join(lines))
    if report.without_plan:
        missing = report.without_plan[: SHOWN_OF_SCHOOL if whole_school else None]
        lines = ["<b>" + _("No plan loaded: {count}").format(count=len(report.without_plan)) + "</b>"]
        lines += ["• " + escape(f"{u.class_name}, {with_group(u.subject, u.subgroup)} — {u.teacher}") for u in missing]
        if len(report.without_plan) > len(missing):
            lines.append(more_line(len(report.without_plan) - len(missing)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def completion_line(c: Completion) -> str:
    """«• 7А, Алгебра — Иванова И. И.: 34 из 36 (94%); в плане 102»."""
    teacher = " — " + escape(c.teacher)
    return "• {}, {}{}: {}".format(
        escape(c.class_name),
        escape(with_group(c.subject, c.subgroup)),
        teacher,
        _("{given} of {due} ({percent}%); {total} in the plan").format(
            given=c.given, due=c.due, percent=c.percent, total=c.total
        ),
    )


def departures_text(report: PlanControl, locale: str) -> str:
    blocks = [title(report, locale)]
    if not report.departures:
        blocks.append("✅ " + _("Every topic given this week follows the thematic plan."))
        return "\n\n".join(blocks)
    shown = report.departures[: SHOWN_OF_SCHOOL if report.class_id is None else None]
    lines = ["<b>" + _("Topics off the plan: {count}").format(count=len(report.departures)) + "</b>"]
    lines += ["• " + departure_line(d, locale) for d in shown]
    if len(report.departures) > len(shown):
        lines.append(more_line(len(report.departures) - len(shown)))
    blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def departure_line(d: Departure, locale: str) -> str:
    """«24 нояб., урок 2, 5А, Математика — Смирнова Е. В.: «Задачи на движение»; по плану (урок 2 по КТП):
    «§2. Тема 2»»."""
    planned = (
        _("planned (lesson {position}): «{topic}»").format(position=d.position, topic=escape(d.planned))
        if d.planned is not None
        else _("lesson {position} is past the plan's end").format(position=d.position)
    )
    return "{}, {} — {}: «{}»; {}".format(
        _("{day}, lesson {number}").format(day=short_date(d.date, locale), number=d.number),
        escape(f"{d.class_name}, {with_group(d.subject, d.subgroup)}"),
        escape(d.teacher),
        escape(d.topic),
        planned,
    )


def with_group(subject: str, subgroup: str | None) -> str:
    return f"{subject} ({subgroup})" if subgroup else subject


def more_line(count: int) -> str:
    return _("… and {count} more: choose a class to see all").format(count=count)


def plan_keyboard(report: PlanControl) -> InlineKeyboardMarkup:
    """Back to the summary of the same class and week."""
    this_week = "" if report.current_week else report.date_from.isoformat()
    back = ControlCB(cls=report.class_id or 0, week=this_week)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("◀ Summary"), callback_data=back.pack())]]
    )


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
    plan = [
        InlineKeyboardButton(
            text=_("Programme completion"),
            callback_data=ControlCB(cls=cls, week=this_week, view=ControlView.plan).pack(),
        ),
        InlineKeyboardButton(
            text=_("Topics off the plan"),
            callback_data=ControlCB(cls=cls, week=this_week, view=ControlView.topics).pack(),
        ),
    ]
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
    return InlineKeyboardMarkup(inline_keyboard=[row for row in (lists, plan, weeks, scope) if row])


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
    router.callback_query.register(on_plan, ControlCB.filter(F.view == ControlView.plan))
    router.callback_query.register(on_topics, ControlCB.filter(F.view == ControlView.topics))
    return router
