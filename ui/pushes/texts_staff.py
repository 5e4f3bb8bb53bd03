"""The scheduled reminders to staff (services/reminders/staff.py): what is still to do, each line a lesson, a
work, a document or a student, and the command that leads there. Dates are written out, never «today»: a
reminder held by quiet hours is read later."""

from __future__ import annotations

import html
from datetime import date
from itertools import groupby

from babel.dates import format_date

from services.models import EventKind
from services.pushes.payloads import (
    AbsenceDeadlines,
    AbsentLine,
    FailingLine,
    FinalsMissing,
    HomeworkMissing,
    LessonLine,
    LessonsUnfilled,
    PeriodFailing,
    ReportReady,
    ScheduledReport,
    WeekUnreasoned,
    WorksUnmarked,
)
from ui.final_marks import KINDS
from ui.formatting import iso_dates_text, short_iso_date
from ui.i18n import Translator
from ui.labels import MISSING


def _title(line: LessonLine | FailingLine) -> str:
    """«5А (Англ. 1), Английский язык», as /today names a lesson."""
    group = f" ({line.subgroup})" if line.subgroup else ""
    return html.escape(f"{line.class_name}{group}, {line.subject}")


def _due(due: str, day: str, _: Translator) -> str:
    if due < day:  # ISO dates compare as dates
        return "⚠️ " + _("was due {date}").format(date=short_iso_date(due, _.locale))
    return _("by {date}").format(date=short_iso_date(due, _.locale))


def _more(count: int, _: Translator) -> list[str]:
    if count <= 0:
        return []
    return [_.ngettext("…and {count} more line", "…and {count} more lines", count).format(count=count)]


def _bullets(lines: list[str]) -> list[str]:
    return ["• " + line for line in lines]


def homework_missing(payload: HomeworkMissing, _: Translator) -> str:
    """J-2: «⏰ 24 нояб.: домашнее задание нужно задать до 16:00» and the lessons still without it."""
    lines = [
        "⏰ <b>"
        + _("{day}: homework is due by {time}.").format(
            day=short_iso_date(payload.day, _.locale), time=payload.deadline
        )
        + "</b> "
        + _("Not set yet:")
    ]
    lines += _bullets(
        [_("Lesson {number}: {lesson}").format(number=item.number, lesson=_title(item)) for item in payload.lessons]
    )
    lines += _more(payload.more, _)
    lines.append(_("Set it, or choose «Not set» if there is none: /today"))
    return "\n".join(lines)


def lessons_unfilled(payload: LessonsUnfilled, _: Translator) -> str:
    """J-1: the day's lessons without attendance or topic, each with what it lacks."""
    lines = ["📋 <b>" + _("{day}: lessons not filled in").format(day=short_iso_date(payload.day, _.locale)) + "</b>"]
    lines += _bullets(
        [
            "{}: {}".format(
                _("Lesson {number}: {lesson}").format(number=item.number, lesson=_title(item)),
                ", ".join(_(MISSING[part]) for part in MISSING if part in item.missing),
            )
            for item in payload.lessons
        ]
    )
    lines += _more(payload.more, _)
    lines.append(_("Attendance and the topic are entered on the day of the lesson: /today"))
    return "\n".join(lines)


def works_unmarked(payload: WorksUnmarked, _: Translator) -> str:
    """J-11: written works still without marks, each with its due date."""
    lines = ["📝 <b>" + _("Written works without marks") + "</b>"]
    lines += _bullets(
        [
            "{}: {} — «{}», {}".format(
                _("{day}, lesson {number}").format(day=short_iso_date(item.date, _.locale), number=item.number),
                _title(item),
                html.escape(item.work),
                _due(item.due, payload.day, _),
            )
            for item in payload.works
        ]
    )
    lines += _more(payload.more, _)
    lines.append(
        _.ngettext(
            "Written works are marked within {days} day: /today",
            "Written works are marked within {days} days: /today",
            payload.days,
        ).format(days=payload.days)
    )
    return "\n".join(lines)


def _absence(item: AbsentLine, _: Translator) -> str:
    """«Борисова Вера, 5А: 24 нояб., 2 урока»."""
    return "{}, {}: {}".format(
        html.escape(item.student),
        html.escape(item.class_name),
        _.ngettext("{day}, {count} lesson", "{day}, {count} lessons", item.lessons).format(
            day=short_iso_date(item.date, _.locale), count=item.lessons
        ),
    )


def absence_deadlines(payload: AbsenceDeadlines, _: Translator) -> str:
    """ABS-3: pending documents and absences without a reason, their 2-working-day deadline near or past."""
    lines = ["⏳ <b>" + _("Absence reasons: the deadline is near or past") + "</b>"]
    if payload.documents:
        lines.append(_("Documents waiting for your decision:"))
        lines += _bullets(
            [
                f"{html.escape(item.student)}, {html.escape(item.class_name)}: {iso_dates_text(item.date_from, item.date_to, _.locale)} — {_due(item.due, payload.day, _)}"
                for item in payload.documents
            ]
        )
        lines += _more(payload.more_documents, _)
    if payload.absences or payload.more_absences:
        lines.append(_("Absences without a reason:"))
        lines += _bullets(
            [f"{_absence(item, _)} — {_due(item.due or payload.day, payload.day, _)}" for item in payload.absences]
        )
        lines += _more(payload.more_absences, _)
    lines.append(_("Documents: /documents · absences: /class"))
    return "\n".join(lines)


def week_unreasoned(payload: WeekUnreasoned, _: Translator) -> str:
    """ABS-3, weekly: the week's absences of the class still without a reason."""
    lines = [
        "🗓 <b>"
        + _("Absences of {days} without a reason:").format(
            days=iso_dates_text(payload.week_from, payload.day, _.locale)
        )
        + "</b>"
    ]
    lines += _bullets([_absence(item, _) for item in payload.absences])
    lines += _more(payload.more, _)
    lines.append(_("Set the reasons: /class"))
    return "\n".join(lines)


def period_failing(payload: PeriodFailing, _: Translator) -> str:
    """PER-4: before the period ends, per class and subject, the students with too few marks (have of needed)."""
    lines = [
        "📊 <b>" + _("The period ends soon: too few marks for an objective period mark") + "</b>",
        _("Marks so far, of those needed:"),
    ]
    for (title, period, ends_on), items in groupby(
        payload.students, key=lambda item: (_title(item), item.period, item.ends_on)
    ):
        lines.append(
            "<b>{}</b> — {}".format(
                title,
                _("{period}, until {date}").format(period=html.escape(period), date=short_iso_date(ends_on, _.locale)),
            )
        )
        lines += _bullets(
            [
                _("{name}: {marks} of {required}").format(
                    name=html.escape(item.student), marks=item.marks, required=item.required
                )
                for item in items
            ]
        )
    lines += _more(payload.more, _)
    lines.append(_("Period marks: /period"))
    return "\n".join(lines)


def finals_missing(payload: FinalsMissing, _: Translator) -> str:
    """PER-6: the classes and subjects whose year, exam or final marks are still missing, and for how many."""
    lines = ["🏁 <b>" + _("Final attestation results are due within a day; still missing:") + "</b>"]
    lines += _bullets(
        [
            _.ngettext(
                "{class_name}, {subject}: {kind} — {count} student",
                "{class_name}, {subject}: {kind} — {count} students",
                item.missing,
            ).format(
                class_name=html.escape(item.class_name),
                subject=html.escape(item.subject),
                kind=_(KINDS[item.kind]),
                count=item.missing,
            )
            for item in payload.lines
        ]
    )
    lines += _more(payload.more, _)
    return "\n".join(lines)


def report_ready(payload: ReportReady, _: Translator) -> str:
    """REP-2: what the report in the files below is; the files are made as the push is sent."""
    if payload.report is ScheduledReport.CLASS_ATTENDANCE:
        month = format_date(date.fromisoformat(payload.month), "LLLL y", locale=_.locale)
        title = _("Attendance of {class_name}, {month}").format(class_name=html.escape(payload.class_name), month=month)
    elif payload.report is ScheduledReport.SCHOOL_RESULTS:
        title = _("The school's results: {period}").format(period=html.escape(payload.period_name))
    else:
        title = _("Results of {class_name}: {period}").format(
            class_name=html.escape(payload.class_name), period=html.escape(payload.period_name)
        )
    return "📊 <b>" + title + "</b>\n" + _("The report is in the files below: PDF to print, XLSX for spreadsheets.")


RENDERERS = {
    EventKind.HOMEWORK_MISSING: homework_missing,
    EventKind.LESSONS_UNFILLED: lessons_unfilled,
    EventKind.WORKS_UNMARKED: works_unmarked,
    EventKind.ABSENCE_DEADLINES: absence_deadlines,
    EventKind.WEEK_UNREASONED: week_unreasoned,
    EventKind.PERIOD_FAILING: period_failing,
    EventKind.FINALS_MISSING: finals_missing,
    EventKind.REPORT_READY: report_ready,
}
