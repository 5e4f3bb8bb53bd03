"""The journal's history in people's words (DATA-3): «03.12 14:05 · Иванова А. П.: отметка 4 → 5 (Петров Илья,
ответ на уроке)». Times by the school's clock; a page of 15, newest first. An entry of a kind not known here is said
in a general line, never dropped and never a crash."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime

from services.access import ClassRef
from services.history import Choices, HistoryLine, HistoryPage
from ui.callbacks import HistoryCB, HistoryView, LessonCB, LessonHistoryCB, LessonPart
from ui.formatting import absence_reason, day_title, short_date, work_type_name
from ui.i18n import N_

TEXT_SHOWN = 80  # a topic's or homework's characters shown in a line
PER_ROW = 4

MOVEMENTS = {
    "promotion": N_("promoted to the next year"),
    "repeat": N_("repeats the year"),
    "graduation": N_("graduated"),
    "leaving": N_("left the school"),
    "enrolment": N_("enrolled"),
    "transfer": N_("transferred to another class"),
}
DOCUMENT_STATES = {
    "pending": N_("absence document sent"),
    "accepted": N_("absence document accepted"),
    "declined": N_("absence document declined"),
    "withdrawn": N_("absence document withdrawn"),
}


# ---- one line ----------------------------------------------------------------------------------------------------


def line_text(line: HistoryLine, page: HistoryPage, locale: str) -> str:
    when = format_datetime(line.at, "dd.MM HH:mm", tzinfo=ZoneInfo(page.timezone), locale=locale)
    author = line.author or _("the system")
    text = f"{when} · {escape(author)}: {what(line, page, locale)}"
    if line.correction_id:
        text += " · " + _("by correction request No. {number}").format(number=line.correction_id)
    if line.order:
        text += " · " + _("by order No. {number}").format(number=escape(line.order))
    return text


def what(line: HistoryLine, page: HistoryPage, locale: str) -> str:
    """What changed, and of whom or of which lesson where the page does not say it already."""
    said = _SAYERS.get(line.entity)
    text = said(line, locale) if said else None
    if text is None:
        return _("a change ({entity}, {action})").format(entity=escape(line.entity), action=escape(line.action))
    return text + details(line, page, locale)


def details(line: HistoryLine, page: HistoryPage, locale: str) -> str:
    parts = []
    if page.student_id is None and line.student:
        parts.append(escape(line.student))
    if page.lesson_id is None and line.subject and line.entity != "student":
        parts.append(escape(line.subject) + (f", {short_date(line.lesson_date, locale)}" if line.lesson_date else ""))
    if line.work_type and line.entity == "mark":
        name = work_type_name(line.work_type, locale)
        parts.append(escape(name[:1].lower() + name[1:]))
    return f" ({', '.join(parts)})" if parts else ""


def _mark(line: HistoryLine, _locale: str) -> str | None:
    old, new = line.before.get("value"), line.after.get("value")
    if line.action == "add":
        return _("mark {value}").format(value=new)
    if line.action == "change":
        return _("mark {old} → {new}").format(old=old, new=new)
    if line.action == "delete":
        return _("mark {value} deleted").format(value=old)
    return None


def _absence(line: HistoryLine, locale: str) -> str | None:
    if line.action == "add":
        return _("attendance: absent")
    if line.action == "delete":
        return _("attendance: absence removed")
    if line.action == "set_reason":
        new = absence_reason(line.after.get("reason"), locale)
        if line.before.get("reason"):
            old = absence_reason(line.before.get("reason"), locale)
            return _("absence reason: {old} → {new}").format(old=old, new=new)
        return _("absence reason: {reason}").format(reason=new)
    return None


def _lesson(line: HistoryLine, locale: str) -> str | None:
    if line.action != "change":
        return None
    before, after = line.before, line.after
    parts = []
    if before.get("topic") != after.get("topic"):
        topic = after.get("topic") or ""
        parts.append(_("topic: «{text}»").format(text=_cut(topic)) if topic else _("topic removed"))
    if before.get("homework") != after.get("homework") or before.get("no_homework") != after.get("no_homework"):
        if after.get("homework"):
            parts.append(_("homework: «{text}»").format(text=_cut(after["homework"])))
        elif after.get("no_homework"):
            parts.append(_("homework: not set"))
        else:
            parts.append(_("homework removed"))
    if before.get("homework_due_on") != after.get("homework_due_on") and after.get("homework_due_on"):
        due = short_date(date.fromisoformat(after["homework_due_on"]), locale)
        parts.append(_("homework due {date}").format(date=due))
    return "; ".join(parts) if parts else _("lesson saved without changes")


def _final_mark(line: HistoryLine, _locale: str) -> str | None:
    def value(v: Any) -> str:
        return _("n/a") if v is None else str(v)

    period = escape(line.period) or _("period")
    new = value(line.after.get("value"))
    if line.before and "value" in line.before:
        return _("{period} mark: {old} → {new}").format(period=period, old=value(line.before["value"]), new=new)
    return _("{period} mark: {new}").format(period=period, new=new)


def _correction(line: HistoryLine, _locale: str) -> str | None:
    number = line.entity_id
    if line.action == "add":
        return _("correction request No. {number} sent").format(number=number)
    if line.action == "decide":
        if line.after.get("status") == "applied":
            return _("correction request No. {number} applied").format(number=number)
        return _("correction request No. {number} declined").format(number=number)
    return None


def _attachment(line: HistoryLine, _locale: str) -> str | None:
    if line.action == "add":
        return _("file attached: {name}").format(name=escape(str(line.after.get("file_name") or "")))
    return None


def _document(line: HistoryLine, _locale: str) -> str | None:
    state = DOCUMENT_STATES.get(str(line.after.get("status")))
    return _(state) if state else None


def _movement(line: HistoryLine, _locale: str) -> str | None:
    kind = MOVEMENTS.get(line.action)
    if kind is None:
        return None
    old, new = line.classes
    text = _(kind)
    if new and new != old:
        text += f" ({escape(old)} → {escape(new)})" if old else f" ({escape(new)})"
    return text


_SAYERS = {
    "mark": _mark,
    "absence": _absence,
    "lesson": _lesson,
    "final_mark": _final_mark,
    "correction_request": _correction,
    "attachment": _attachment,
    "absence_document": _document,
    "student": _movement,
}


def _cut(text: str) -> str:
    text = " ".join(str(text).split())
    return escape(text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…")


# ---- the page ----------------------------------------------------------------------------------------------------


def page_text(page: HistoryPage, locale: str) -> str:
    head = "<b>" + _("History of changes: {title}").format(title=escape(page.title)) + "</b>"
    if page.lesson_date is not None:
        head += "\n" + _("{day}, lesson {number}").format(
            day=day_title(page.lesson_date, locale), number=page.lesson_number
        )
    if not page.lines:
        return head + "\n\n" + (_("No changes recorded.") if page.page == 0 else _("No more changes."))
    lines = [line_text(line, page, locale) for line in page.lines]
    footer = _("Page {number}, newest first.").format(number=page.page + 1)
    return "\n".join([head, "", *lines, "", footer])


def _pager(builder: InlineKeyboardBuilder, page: HistoryPage, make) -> int:
    """«◀ Newer» / «Older ▶»: how many buttons were added."""
    added = 0
    if page.page > 0:
        builder.button(text="◀ " + _("Newer"), callback_data=make(page.page - 1))
        added += 1
    if page.has_next:
        builder.button(text=_("Older") + " ▶", callback_data=make(page.page + 1))
        added += 1
    return added


def deputy_page_keyboard(page: HistoryPage) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if page.student_id is not None:
        student = page.student_id
        added = _pager(builder, page, lambda n: HistoryCB(view=HistoryView.student, id=student, page=n))
        builder.button(text="◀ " + _("Class"), callback_data=HistoryCB(view=HistoryView.cls, id=page.class_id))
    else:
        lesson = page.lesson_id or 0
        added = _pager(builder, page, lambda n: HistoryCB(view=HistoryView.lesson, id=lesson, page=n))
        builder.button(
            text="◀ " + _("Lessons"), callback_data=HistoryCB(view=HistoryView.subject, id=page.assignment_id or 0)
        )
    builder.adjust(*([added] if added else []), 1)
    return builder.as_markup()


def teacher_page_keyboard(page: HistoryPage) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    lesson = page.lesson_id or 0
    added = _pager(builder, page, lambda n: LessonHistoryCB(lesson=lesson, page=n))
    builder.button(text="◀ " + _("Lesson"), callback_data=LessonCB(lesson=lesson, part=LessonPart.card))
    builder.adjust(*([added] if added else []), 1)
    return builder.as_markup()


# ---- picking -----------------------------------------------------------------------------------------------------


def classes_text() -> str:
    return _("History of changes in the journal: choose a class.")


def classes_keyboard(classes: list[ClassRef]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in classes:
        builder.button(text=c.name, callback_data=HistoryCB(view=HistoryView.cls, id=c.id))
    builder.adjust(PER_ROW)
    return builder.as_markup()


def class_text(students: Choices) -> str:
    return "\n".join(
        [
            "<b>" + _("History of changes: {class_name}").format(class_name=escape(students.class_name)) + "</b>",
            "",
            _(
                "A student's history: their marks, absences and period marks. A lesson's: choose the subject, then "
                "the lesson."
            ),
        ]
    )


def class_keyboard(students: Choices, subjects: Choices) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for s in students.items:
        builder.button(text="👤 " + s.label, callback_data=HistoryCB(view=HistoryView.student, id=s.id))
    for a in subjects.items:
        builder.button(text="📘 " + a.label, callback_data=HistoryCB(view=HistoryView.subject, id=a.id))
    builder.button(text="◀ " + _("Classes"), callback_data=HistoryCB(view=HistoryView.classes))
    builder.adjust(*([2] * ((len(students.items) + 1) // 2)), *([1] * (len(subjects.items) + 1)))
    return builder.as_markup()


def lessons_text(lessons: Choices) -> str:
    head = f"{escape(lessons.subject)}, {escape(lessons.class_name)}"
    if not lessons.items:
        return "<b>" + head + "</b>\n\n" + _("No lessons held yet.")
    return "<b>" + head + "</b>\n\n" + _("Choose the lesson whose history to see.")


def lessons_keyboard(lessons: Choices, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for lesson in lessons.items:
        day = short_date(lesson.day, locale) if lesson.day else ""
        builder.button(
            text=_("{day}, lesson {number}").format(day=day, number=lesson.label),
            callback_data=HistoryCB(view=HistoryView.lesson, id=lesson.id),
        )
    assignment = lessons.assignment_id or 0
    added = 0
    if lessons.page > 0:
        builder.button(
            text="◀ " + _("Newer"),
            callback_data=HistoryCB(view=HistoryView.subject, id=assignment, page=lessons.page - 1),
        )
        added += 1
    if lessons.has_next:
        builder.button(
            text=_("Older") + " ▶",
            callback_data=HistoryCB(view=HistoryView.subject, id=assignment, page=lessons.page + 1),
        )
        added += 1
    builder.button(text="◀ " + _("Class"), callback_data=HistoryCB(view=HistoryView.cls, id=lessons.class_id))
    rows = [2] * ((len(lessons.items) + 1) // 2)
    builder.adjust(*rows, *([added] if added else []), 1)
    return builder.as_markup()
