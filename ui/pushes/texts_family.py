"""The scheduled pushes to families (services/reminders/family.py): tomorrow's homework, the week's summary and the
forecast of the period marks (DIA-4). The child's name is the heading above them (render.py). Dates are written
out, never «tomorrow»: a push held by quiet hours or the digest is read later."""

from __future__ import annotations

import html

from services.models import AbsenceReason, EventKind
from services.pushes.payloads import HomeworkTomorrow, PeriodForecast, WeeklySummary
from ui.formatting import absence_reason, decimal, short_iso_date
from ui.i18n import Translator

REASONS = (AbsenceReason.ILLNESS.value, AbsenceReason.EXCUSED.value, AbsenceReason.UNEXCUSED.value, "none")


def _more(count: int, _: Translator) -> list[str]:
    if count <= 0:
        return []
    return [_.ngettext("…and {count} more subject", "…and {count} more subjects", count).format(count=count)]


def homework_tomorrow(payload: HomeworkTomorrow, _: Translator) -> str:
    """«📚 Домашнее задание к 25 нояб.» and a line per subject."""
    lines = ["📚 <b>" + _("Homework due {date}").format(date=short_iso_date(payload.due_on, _.locale)) + "</b>"]
    for item in payload.homework:
        line = f"• <b>{html.escape(item.subject)}</b>: {html.escape(item.text)}"
        if item.files:
            line += " " + _.ngettext("(📎 {count} file)", "(📎 {count} files)", item.files).format(count=item.files)
        lines.append(line)
    lines += _more(payload.more, _)
    with_files = any(item.files for item in payload.homework)
    lines.append(_("All of it, with the files: /homework") if with_files else _("All of it: /homework"))
    return "\n".join(lines)


def weekly_summary(payload: WeeklySummary, _: Translator) -> str:
    """The week's marks by subject with the period's averages, and the lessons missed by reason."""
    lines = [
        "📊 <b>"
        + _("The week {start} – {end}").format(
            start=short_iso_date(payload.week_from, _.locale), end=short_iso_date(payload.week_to, _.locale)
        )
        + "</b>"
    ]
    for item in payload.subjects:
        subject, marks = html.escape(item.subject), ", ".join(str(value) for value in item.marks)
        if item.average is None:
            lines.append(f"• {subject}: {marks}")
        else:
            lines.append(
                "• "
                + _("{subject}: {marks}; average {average}").format(
                    subject=subject, marks=marks, average=decimal(item.average, _.locale)
                )
            )
    lines += _more(payload.more, _)
    if not payload.subjects:
        lines.append(_("No marks this week."))
    elif payload.period:
        lines.append(
            _("Averages: weighted, for {period} so far. All marks: /marks").format(period=html.escape(payload.period))
        )
    absences = payload.absences
    total = sum(absences.values())
    if not total:
        lines.append(_("🚪 No lessons missed."))
        return "\n".join(lines)
    reasons = ", ".join(
        f"{absence_reason(reason, _.locale)}: {absences[reason]}" for reason in REASONS if absences.get(reason)
    )
    lines.append(
        _.ngettext("🚪 {count} lesson missed ({reasons})", "🚪 {count} lessons missed ({reasons})", total).format(
            count=total, reasons=reasons
        )
    )
    if absences.get("none"):
        lines.append(_("Tell the class teacher the reason: /absence"))
    return "\n".join(lines)


def period_forecast(payload: PeriodForecast, _: Translator) -> str:
    """DIA-4: each subject's mark as the average rounds it, and ⚠️ where there are too few marks (PER-4)."""
    lines = [
        "🔮 <b>" + _("Forecast of the marks for {period}").format(period=html.escape(payload.period)) + "</b>",
        _("Its last day: {date}").format(date=short_iso_date(payload.ends_on, _.locale)),
    ]
    for item in payload.subjects:
        subject = html.escape(item.subject)
        if item.average is None:
            line = _("{subject}: no marks yet").format(subject=subject)
        else:
            line = _("{subject}: {mark} (average {average})").format(
                subject=subject, mark=item.mark, average=decimal(item.average, _.locale)
            )
        if item.required is not None:
            line += " ⚠️ " + _.ngettext(
                "{count} mark of the {required} needed", "{count} marks of the {required} needed", item.marks
            ).format(count=item.marks, required=item.required)
        lines.append("• " + line)
    lines += _more(payload.more, _)
    if any(item.required is not None for item in payload.subjects):
        lines.append(_("⚠️ Too few marks for an objective period mark."))
    lines.append(_("A forecast from the marks so far: the teacher sets the period mark. What each mark needs: /marks"))
    return "\n".join(lines)


RENDERERS = {
    EventKind.HOMEWORK_TOMORROW: homework_tomorrow,
    EventKind.WEEKLY_SUMMARY: weekly_summary,
    EventKind.PERIOD_FORECAST: period_forecast,
}
