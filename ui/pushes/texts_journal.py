"""The pushes of the journal's own events: marks, absences, homework, period marks, absence documents.

Each renders one line (homework: a short block) from the event's payload and the facts read when it was
planned (services/pushes/facts.py); the child's name is the heading above them (render.py).
"""
from __future__ import annotations

import html

from ui.formatting import absence_reason, iso_dates_text, short_iso_date, work_type_name
from ui.i18n import ngettext, translator
from services.models import EventKind



def _lesson(payload: dict, locale: str) -> dict:
    facts = payload.get("facts", {})
    return {"subject": html.escape(facts.get("subject", "")), "date": short_iso_date(facts.get("date"), locale),
            "number": facts.get("number", "?")}


def mark_added(payload: dict, locale: str) -> str:
    _ = translator(locale)
    work_type = work_type_name(payload.get("facts", {}).get("work_type", ""), locale)
    line = _("🆕 {value} in {subject}, {date}").format(value=payload["value"], **_lesson(payload, locale))
    return f"{line} ({html.escape(work_type)})" if work_type else line


def mark_changed(payload: dict, locale: str) -> str:
    _ = translator(locale)
    return _("✏️ Correction: the mark in {subject} for {date} is {value}, not {old}").format(
        value=payload["value"], old=payload.get("old_value", "?"), **_lesson(payload, locale))


def mark_deleted(payload: dict, locale: str) -> str:
    _ = translator(locale)
    return _("✏️ Correction: the mark {old} in {subject} for {date} was removed").format(
        old=payload.get("old_value", "?"), **_lesson(payload, locale))


def absence_recorded(payload: dict, locale: str) -> str:
    _ = translator(locale)
    return _("🚪 Absent from lesson {number}, {subject}, {date}").format(**_lesson(payload, locale))


def absence_removed(payload: dict, locale: str) -> str:
    _ = translator(locale)
    return _("✏️ Correction: present at lesson {number}, {subject}, {date}, not absent").format(
        **_lesson(payload, locale))


def absence_reason_set(payload: dict, locale: str) -> str:
    _ = translator(locale)
    return _("📝 Absence from lesson {number}, {subject}, {date}: {reason}").format(
        reason=absence_reason(payload.get("reason"), locale), **_lesson(payload, locale))


def homework(payload: dict, locale: str) -> str:
    _ = translator(locale)
    facts = payload.get("facts", {})
    head = _("📚 Homework in {subject} for {due}:").format(
        subject=html.escape(facts.get("subject", "")), due=short_iso_date(facts.get("due_on"), locale))
    lines = [head, html.escape(facts.get("homework", ""))]
    if facts.get("files"):
        lines.append(ngettext("📎 {n} file: /homework", "📎 {n} files: /homework", facts["files"], locale)
                     .format(n=facts["files"]))
    return "\n".join(lines)


def period_mark(payload: dict, locale: str) -> str:
    _ = translator(locale)
    facts = payload.get("facts", {})
    value = _("n/a (not attested)") if payload.get("not_attested") else payload["value"]
    return _("🏁 {period}, {subject}: {value}").format(
        period=html.escape(facts.get("period", "")), subject=html.escape(facts.get("subject", "")), value=value)


def document_decided(payload: dict, locale: str) -> str:
    _ = translator(locale)
    facts = payload.get("facts", {})
    days = iso_dates_text(facts.get("date_from"), facts.get("date_to"), locale)
    if payload.get("status") == "accepted":
        applied, locked = payload.get("applied", 0), payload.get("locked", 0)
        text = _("✅ The document for {days} is accepted: {reason}.").format(
            days=days, reason=absence_reason(payload.get("reason"), locale))
        if applied:
            text += " " + ngettext("The reason is set for {n} absence.", "The reason is set for {n} absences.",
                                   applied, locale).format(n=applied)
        if locked:  # J-9: older than the edit window, they keep their reason
            text += " " + ngettext("{n} absence is older than the days for corrections and keeps its reason.",
                                   "{n} absences are older than the days for corrections and keep their reason.",
                                   locked, locale).format(n=locked)
        elif not applied:
            text += " " + _("There were no absences in the journal on those days.")
    else:
        text = _("❌ The document for {days} is declined.").format(days=days)
    comment = facts.get("comment")
    return f"{text}\n{html.escape(comment)}" if comment else text


def document_sent(payload: dict, locale: str) -> str:
    _ = translator(locale)
    facts = payload.get("facts", {})
    return _("📄 A new absence document: {student}, {class_name}. To review: /documents").format(
        student=html.escape(facts.get("student", "")), class_name=html.escape(facts.get("class", "")))


def correction_requested(payload: dict, locale: str) -> str:
    facts = payload.get("facts", {})
    return ngettext(
        "✍️ A correction request: {teacher}, {class_name}, {subject}, {date}, {n} change. To decide: /corrections",
        "✍️ A correction request: {teacher}, {class_name}, {subject}, {date}, {n} changes. To decide: /corrections",
        facts.get("changes", 0), locale).format(
        teacher=html.escape(facts.get("teacher", "")), class_name=html.escape(facts.get("class", "")),
        subject=html.escape(facts.get("subject", "")), date=short_iso_date(facts.get("date"), locale),
        n=facts.get("changes", 0))


RENDERERS = {
    EventKind.MARK_ADDED: mark_added,
    EventKind.MARK_CHANGED: mark_changed,
    EventKind.MARK_DELETED: mark_deleted,
    EventKind.ABSENCE_RECORDED: absence_recorded,
    EventKind.ABSENCE_REMOVED: absence_removed,
    EventKind.ABSENCE_REASON_SET: absence_reason_set,
    EventKind.HOMEWORK_SET: homework,
    EventKind.HOMEWORK_CHANGED: homework,
    EventKind.PERIOD_MARK_SET: period_mark,
    EventKind.DOCUMENT_DECIDED: document_decided,
    EventKind.DOCUMENT_SENT: document_sent,
    EventKind.CORRECTION_REQUESTED: correction_requested,
}
