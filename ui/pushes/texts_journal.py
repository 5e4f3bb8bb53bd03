"""The pushes of the journal's own events: marks, absences, homework, period marks, absence documents.

Each renders one line (homework: a short block) from the event's payload and the facts read when it was
planned (services/pushes/facts.py); the child's name is the heading above them (render.py).
"""

from __future__ import annotations

import html

from services.models import DocumentStatus, EventKind
from services.pushes.payloads import (
    AbsenceReasonSet,
    AbsenceRecorded,
    AbsenceRemoved,
    CorrectionRequested,
    DocumentDecided,
    DocumentSent,
    Facts,
    FinalMarkRevised,
    HomeworkSet,
    MarkAdded,
    MarkChanged,
    MarkDeleted,
    PeriodMarkSet,
)
from ui.final_marks import kind_title, result_text
from ui.formatting import absence_reason, iso_dates_text, short_iso_date, work_type_name
from ui.i18n import Translator


def _lesson(facts: Facts, _: Translator) -> dict:
    return {"subject": html.escape(facts.subject), "date": short_iso_date(facts.date, _.locale), "number": facts.number}


def mark_added(payload: MarkAdded, _: Translator) -> str:
    work_type = work_type_name(payload.facts.work_type, _.locale)
    line = _("🆕 {value} in {subject}, {date}").format(value=payload.value, **_lesson(payload.facts, _))
    return f"{line} ({html.escape(work_type)})" if work_type else line


def mark_changed(payload: MarkChanged, _: Translator) -> str:
    return _("✏️ Correction: the mark in {subject} for {date} is {value}, not {old}").format(
        value=payload.value, old=_or_unknown(payload.old_value), **_lesson(payload.facts, _)
    )


def mark_deleted(payload: MarkDeleted, _: Translator) -> str:
    return _("✏️ Correction: the mark {old} in {subject} for {date} was removed").format(
        old=_or_unknown(payload.old_value), **_lesson(payload.facts, _)
    )


def _or_unknown(value: int | None) -> int | str:
    return "?" if value is None else value


def absence_recorded(payload: AbsenceRecorded, _: Translator) -> str:
    return _("🚪 Absent from lesson {number}, {subject}, {date}").format(**_lesson(payload.facts, _))


def absence_removed(payload: AbsenceRemoved, _: Translator) -> str:
    return _("✏️ Correction: present at lesson {number}, {subject}, {date}, not absent").format(
        **_lesson(payload.facts, _)
    )


def absence_reason_set(payload: AbsenceReasonSet, _: Translator) -> str:
    return _("📝 Absence from lesson {number}, {subject}, {date}: {reason}").format(
        reason=absence_reason(payload.reason, _.locale), **_lesson(payload.facts, _)
    )


def homework(payload: HomeworkSet, _: Translator) -> str:
    facts = payload.facts
    head = _("📚 Homework in {subject} for {due}:").format(
        subject=html.escape(facts.subject), due=short_iso_date(facts.due_on, _.locale)
    )
    lines = [head, html.escape(facts.homework)]
    if facts.files:
        lines.append(_.ngettext("📎 {n} file: /homework", "📎 {n} files: /homework", facts.files).format(n=facts.files))
    return "\n".join(lines)


def period_mark(payload: PeriodMarkSet, _: Translator) -> str:
    facts = payload.facts
    value = _("n/a (not attested)") if payload.not_attested else payload.value
    return _("🏁 {period}, {subject}: {value}").format(
        period=html.escape(facts.period), subject=html.escape(facts.subject), value=value
    )


def final_mark_revised(payload: FinalMarkRevised, _: Translator) -> str:
    """PER-5: the mark as the order made it, what it was, and the order."""
    return _("✏️ {subject}, {mark}: {value} (was {old}), by the order № {number} of {date}").format(
        subject=html.escape(payload.subject),
        mark=kind_title(payload.mark_kind, payload.period, _.locale),
        value=result_text(payload.result, payload.value, _.locale),
        old=result_text(payload.old_result, payload.old_value, _.locale),
        number=html.escape(payload.order_number),
        date=short_iso_date(payload.order_date, _.locale),
    )


def document_decided(payload: DocumentDecided, _: Translator) -> str:
    facts = payload.facts
    days = iso_dates_text(facts.date_from, facts.date_to, _.locale)
    if payload.status is DocumentStatus.ACCEPTED:
        applied, locked = payload.applied, payload.locked
        text = _("✅ The document for {days} is accepted: {reason}.").format(
            days=days, reason=absence_reason(payload.reason, _.locale)
        )
        if applied:
            text += " " + _.ngettext(
                "The reason is set for {n} absence.", "The reason is set for {n} absences.", applied
            ).format(n=applied)
        if locked:  # J-9: older than the edit window, they keep their reason
            text += " " + _.ngettext(
                "{n} absence is older than the days for corrections and keeps its reason.",
                "{n} absences are older than the days for corrections and keep their reason.",
                locked,
            ).format(n=locked)
        elif not applied:
            text += " " + _("There were no absences in the journal on those days.")
    else:
        text = _("❌ The document for {days} is declined.").format(days=days)
    return f"{text}\n{html.escape(facts.comment)}" if facts.comment else text


def document_sent(payload: DocumentSent, _: Translator) -> str:
    facts = payload.facts
    return _("📄 A new absence document: {student}, {class_name}. To review: /documents").format(
        student=html.escape(facts.student), class_name=html.escape(facts.class_name)
    )


def correction_requested(payload: CorrectionRequested, _: Translator) -> str:
    facts = payload.facts
    return _.ngettext(
        "✍️ A correction request: {teacher}, {class_name}, {subject}, {date}, {n} change. To decide: /corrections",
        "✍️ A correction request: {teacher}, {class_name}, {subject}, {date}, {n} changes. To decide: /corrections",
        facts.changes,
    ).format(
        teacher=html.escape(facts.teacher),
        class_name=html.escape(facts.class_name),
        subject=html.escape(facts.subject),
        date=short_iso_date(facts.date, _.locale),
        n=facts.changes,
    )


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
    EventKind.FINAL_MARK_REVISED: final_mark_revised,
    EventKind.DOCUMENT_DECIDED: document_decided,
    EventKind.DOCUMENT_SENT: document_sent,
    EventKind.CORRECTION_REQUESTED: correction_requested,
}
