"""The text of a timetable change (SUB-2): a substitute teaches a class's lessons of a subject for some days, or
the substitution was taken back. Dates written out, never «tomorrow»: a push held by quiet hours is read later."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from services.models import EventKind
from services.pushes.payloads import TimetableChanged
from ui.formatting import iso_dates_text
from ui.i18n import Translator


def timetable_changed(payload: TimetableChanged, _: Translator) -> str:
    """«🔁 Замена уроков: 5А, Математика, 25 нояб.» and who teaches them."""
    group = f" ({escape(payload.subgroup)})" if payload.subgroup else ""
    what = f"{escape(payload.class_name)}{group}, {escape(payload.subject)}"
    days = iso_dates_text(payload.starts_on, payload.ends_on, _.locale)
    if payload.cancelled:
        return (
            "🔁 <b>"
            + _("Substitution cancelled: {what}, {days}").format(what=what, days=days)
            + "</b>\n"
            + _("The lessons are taught by {teacher}, as in the timetable.").format(teacher=escape(payload.teacher))
        )
    return (
        "🔁 <b>"
        + _("Substitute teacher: {what}, {days}").format(what=what, days=days)
        + "</b>\n"
        + _("The lessons are taught by {substitute} (in the timetable: {teacher}).").format(
            substitute=escape(payload.substitute), teacher=escape(payload.teacher)
        )
    )


RENDERERS: dict[EventKind, Callable[[TimetableChanged, Translator], str]] = {
    EventKind.TIMETABLE_CHANGED: timetable_changed,
}
