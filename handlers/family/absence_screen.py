"""The /absence screen: the period's attendance of one child (DIA-1, ABS-2) and the documents sent for them (ABS-1),
with «Send a document» (for a parent: a student sees their documents but does not send) and «Withdraw» for one's
own pending ones. Texts shared with the form live here too."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from services.absences import DocumentView
from services.accounts import CurrentUser
from services.container import Services
from services.diary import StudentCard
from services.models import DocumentKind, DocumentStatus
from services.report_card import AbsenceDay, AttendanceReport
from ui.callbacks import AbsenceDocAction, AbsenceDocCB
from ui.formatting import dates_text, short_date, split_text
from ui.labels import DOCUMENT_ACCEPTED, DOCUMENT_KINDS
from ui.screens import Screen

# ABS-2: the class teacher's reasons, as the summary lists them; "none": an absence still waiting for one.
REASON_ORDER = ("illness", "excused", "unexcused", "none")


def reason_count(reason: str, count: int) -> str:
    if reason == "illness":
        text = ngettext("{count} for illness", "{count} for illness", count)
    elif reason == "excused":
        text = ngettext("{count} excused", "{count} excused", count)
    elif reason == "unexcused":
        text = ngettext("{count} unexcused", "{count} unexcused", count)
    else:
        text = ngettext("{count} with no reason yet", "{count} with no reason yet", count)
    return text.format(count=count)


def kind_label(kind: DocumentKind | str) -> str:
    return _(DOCUMENT_KINDS[DocumentKind(kind)])


def child_name(card: StudentCard) -> str:
    return escape(f"{card.last_name} {card.first_name}, {card.class_name}")


def attendance_text(report: AttendanceReport, locale: str) -> list[str]:
    if not report.absences:
        return [_("{period}: no absences.").format(period=escape(report.period_name))]
    lines = [escape(report.period_name)]
    for subject in report.subjects:
        if not subject.absences:
            continue
        reasons = ", ".join(
            reason_count(key, subject.by_reason[key]) for key in REASON_ORDER if subject.by_reason.get(key)
        )
        missed = ngettext("{absences} of {lessons} lesson", "{absences} of {lessons} lessons", subject.lessons).format(
            absences=subject.absences, lessons=subject.lessons
        )
        lines.append(
            _("{subject}: {missed} ({reasons})").format(subject=escape(subject.subject), missed=missed, reasons=reasons)
        )
    total = ngettext("{count} absence in all", "{count} absences in all", report.absences).format(count=report.absences)
    if report.without_reason:
        total += "; <b>" + _("without a reason yet: {count}").format(count=report.without_reason) + "</b>"
    lines.append(total + ".")
    lines += ["", _("By day:")] + [day_line(day, locale) for day in report.days]
    return lines


def day_line(day: AbsenceDay, locale: str) -> str:
    """«• 23 нояб., пн: 2 урока — без причины»: the days a document may be needed for."""
    line = "• {}: {}".format(
        format_date(day.date, "d MMM, EEE", locale=locale),
        ngettext("{count} lesson", "{count} lessons", day.lessons).format(count=day.lessons),
    )
    if day.without_reason:
        line += " — <b>" + _("no reason yet") + "</b>"
    return line


def status_text(doc: DocumentView, locale: str) -> str:
    if doc.status == DocumentStatus.PENDING:
        return _("⏳ pending: the class teacher answers by {date}").format(date=short_date(doc.review_due, locale))
    if doc.status == DocumentStatus.ACCEPTED:
        return _(DOCUMENT_ACCEPTED[doc.reason]) if doc.reason in DOCUMENT_ACCEPTED else _("✅ accepted")
    if doc.status == DocumentStatus.DECLINED:
        return _("❌ declined: {comment}").format(comment=escape(doc.decision_comment) or "—")
    return _("↩️ withdrawn")


def document_text(doc: DocumentView, locale: str) -> str:
    head = f"<b>{dates_text(doc.date_from, doc.date_to, locale)}</b> · {kind_label(doc.kind)}"
    if doc.files:
        head += " · " + ngettext("{count} file", "{count} files", len(doc.files)).format(count=len(doc.files))
    return head + "\n" + status_text(doc, locale)


def screen_text(
    card: StudentCard, report: AttendanceReport, docs: list[DocumentView], locale: str, sends: bool = True
) -> str:
    parts = [
        "<b>" + _("Absences: {child}").format(child=child_name(card)) + "</b>",
        "\n".join(attendance_text(report, locale)),
    ]
    if docs:
        parts.append("\n".join(["<b>" + _("Documents sent") + "</b>"] + [document_text(d, locale) for d in docs]))
    else:
        parts.append(_("No documents sent yet."))
    if not sends:
        parts.append(_("Absence documents are sent by your parents."))
    return "\n\n".join(parts)


def sends_documents(user: CurrentUser, student_id: int) -> bool:
    """ABS-1: a parent of the child sends documents; the student only reads them (the service says so too)."""
    return student_id in user.actor.children


def screen_keyboard(
    user: CurrentUser, student_id: int, docs: list[DocumentView], locale: str
) -> InlineKeyboardMarkup | None:
    keyboard = InlineKeyboardBuilder()
    if sends_documents(user, student_id):
        keyboard.button(
            text=_("📎 Send a document"), callback_data=AbsenceDocCB(action=AbsenceDocAction.new, student=student_id)
        )
    for doc in docs:
        # Only the sender may withdraw (the service says so too), and only while it is pending.
        if doc.status == DocumentStatus.PENDING and doc.submitted_by == user.actor.person_id:
            keyboard.button(
                text=_("Withdraw: {dates}").format(dates=dates_text(doc.date_from, doc.date_to, locale)),
                callback_data=AbsenceDocCB(action=AbsenceDocAction.withdraw, student=student_id, doc=doc.id),
            )
    keyboard.adjust(1)
    return keyboard.as_markup() if keyboard.buttons else None  # a student with nothing to withdraw: no buttons


async def render_screen(
    services: Services, user: CurrentUser, student_id: int
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The screen's text (split to fit Telegram, never cut) and the buttons for its last part.

    The service re-checks that this user may see the child (ACC-1, ACC-2).
    """
    view = await services.absences.family_screen(user.actor, student_id)
    docs = list(view.documents)
    text = screen_text(view.student, view.attendance, docs, user.locale, sends_documents(user, student_id))
    return split_text(text), screen_keyboard(user, student_id, docs, user.locale)


async def send_screen(screen: Screen, services: Services, student_id: int) -> None:
    """The screen as new messages, below what is in the chat."""
    await send_parts(screen, *await render_screen(services, screen.user, student_id))


async def send_parts(screen: Screen, parts: list[str], keyboard: InlineKeyboardMarkup | None) -> None:
    for part in parts[:-1]:
        await screen.send(part)
    await screen.send(parts[-1], keyboard)
