"""The scheduled reminders to staff (services/reminders/staff.py): what is still to do, each line a lesson, a
work, a document or a student, and the command that leads there. Dates are written out, never «today»: a
reminder held by quiet hours is read later."""
from __future__ import annotations

import html
from itertools import groupby

from ui.formatting import iso_dates_text, short_iso_date
from ui.i18n import ngettext, translator
from ui.labels import MISSING
from services.models import EventKind



def _title(line: dict) -> str:
    """«5А (Англ. 1), Английский язык», as /today names a lesson."""
    group = f" ({line['subgroup']})" if line.get("subgroup") else ""
    return html.escape(f"{line['class']}{group}, {line['subject']}")


def _due(due: str, day: str, locale: str) -> str:
    _ = translator(locale)
    if due < day:  # ISO dates compare as dates
        return "⚠️ " + _("was due {date}").format(date=short_iso_date(due, locale))
    return _("by {date}").format(date=short_iso_date(due, locale))


def _more(count: int, locale: str) -> list[str]:
    if count <= 0:
        return []
    return [ngettext("…and {count} more line", "…and {count} more lines", count, locale).format(count=count)]


def _bullets(lines: list[str]) -> list[str]:
    return ["• " + line for line in lines]


def homework_missing(payload: dict, locale: str) -> str:
    """J-2: «⏰ 24 нояб.: домашнее задание нужно задать до 16:00» and the lessons still without it."""
    _ = translator(locale)
    lines = ["⏰ <b>" + _("{day}: homework is due by {time}.").format(
        day=short_iso_date(payload["day"], locale), time=payload["deadline"]) + "</b> " + _("Not set yet:")]
    lines += _bullets([_("Lesson {number}: {lesson}").format(number=item["number"], lesson=_title(item))
                       for item in payload["lessons"]])
    lines += _more(payload.get("more", 0), locale)
    lines.append(_("Set it, or choose «Not set» if there is none: /today"))
    return "\n".join(lines)


def lessons_unfilled(payload: dict, locale: str) -> str:
    """J-1: the day's lessons without attendance or topic, each with what it lacks."""
    _ = translator(locale)
    lines = ["📋 <b>" + _("{day}: lessons not filled in").format(day=short_iso_date(payload["day"], locale)) + "</b>"]
    lines += _bullets(["{}: {}".format(
        _("Lesson {number}: {lesson}").format(number=item["number"], lesson=_title(item)),
        ", ".join(_(MISSING[part]) for part in MISSING if part in item["missing"])) for item in payload["lessons"]])
    lines += _more(payload.get("more", 0), locale)
    lines.append(_("Attendance and the topic are entered on the day of the lesson: /today"))
    return "\n".join(lines)


def works_unmarked(payload: dict, locale: str) -> str:
    """J-11: written works still without marks, each with its due date."""
    _ = translator(locale)
    lines = ["📝 <b>" + _("Written works without marks") + "</b>"]
    lines += _bullets(["{}: {} — «{}», {}".format(
        _("{day}, lesson {number}").format(day=short_iso_date(item["date"], locale), number=item["number"]), _title(item),
        html.escape(item["work"]), _due(item["due"], payload["day"], locale)) for item in payload["works"]])
    lines += _more(payload.get("more", 0), locale)
    lines.append(ngettext("Written works are marked within {days} day: /today",
                          "Written works are marked within {days} days: /today", payload["days"], locale)
                 .format(days=payload["days"]))
    return "\n".join(lines)


def _absence(item: dict, locale: str) -> str:
    """«Борисова Вера, 5А: 24 нояб., 2 урока»."""
    return "{}, {}: {}".format(html.escape(item["student"]), html.escape(item["class"]), ngettext(
        "{day}, {count} lesson", "{day}, {count} lessons", item["lessons"], locale).format(
        day=short_iso_date(item["date"], locale), count=item["lessons"]))


def absence_deadlines(payload: dict, locale: str) -> str:
    """ABS-3: pending documents and absences without a reason, their 2-working-day deadline near or past."""
    _ = translator(locale)
    lines = ["⏳ <b>" + _("Absence reasons: the deadline is near or past") + "</b>"]
    if payload["documents"]:
        lines.append(_("Documents waiting for your decision:"))
        lines += _bullets(["{}, {}: {} — {}".format(
            html.escape(item["student"]), html.escape(item["class"]),
            iso_dates_text(item["date_from"], item["date_to"], locale),
            _due(item["due"], payload["day"], locale)) for item in payload["documents"]])
        lines += _more(payload.get("more_documents", 0), locale)
    if payload["absences"] or payload.get("more_absences"):
        lines.append(_("Absences without a reason:"))
        lines += _bullets([f"{_absence(item, locale)} — {_due(item['due'], payload['day'], locale)}"
                           for item in payload["absences"]])
        lines += _more(payload.get("more_absences", 0), locale)
    lines.append(_("Documents: /documents · absences: /class"))
    return "\n".join(lines)


def week_unreasoned(payload: dict, locale: str) -> str:
    """ABS-3, weekly: the week's absences of the class still without a reason."""
    _ = translator(locale)
    lines = ["🗓 <b>" + _("Absences of {days} without a reason:").format(
        days=iso_dates_text(payload["week_from"], payload["day"], locale)) + "</b>"]
    lines += _bullets([_absence(item, locale) for item in payload["absences"]])
    lines += _more(payload.get("more", 0), locale)
    lines.append(_("Set the reasons: /class"))
    return "\n".join(lines)


def period_failing(payload: dict, locale: str) -> str:
    """PER-4: before the period ends, per class and subject, the students with too few marks (have of needed)."""
    _ = translator(locale)
    lines = ["📊 <b>" + _("The period ends soon: too few marks for an objective period mark") + "</b>",
             _("Marks so far, of those needed:")]
    for (title, period, ends_on), items in groupby(
            payload["students"], key=lambda item: (_title(item), item["period"], item["ends_on"])):
        lines.append("<b>{}</b> — {}".format(title, _("{period}, until {date}").format(
            period=html.escape(period), date=short_iso_date(ends_on, locale))))
        lines += _bullets([_("{name}: {marks} of {required}").format(
            name=html.escape(item["student"]), marks=item["marks"], required=item["required"]) for item in items])
    lines += _more(payload.get("more", 0), locale)
    lines.append(_("Period marks: /period"))
    return "\n".join(lines)


RENDERERS = {
    EventKind.HOMEWORK_MISSING: homework_missing,
    EventKind.LESSONS_UNFILLED: lessons_unfilled,
    EventKind.WORKS_UNMARKED: works_unmarked,
    EventKind.ABSENCE_DEADLINES: absence_deadlines,
    EventKind.WEEK_UNREASONED: week_unreasoned,
    EventKind.PERIOD_FAILING: period_failing,
}
