"""A lesson's card: what the journal holds for it (attendance, topic, homework, marks) and a button for each
part. The parts are flows of their own (attendance, marks, topic and homework); each comes back here.

A lesson more than 14 days old (J-9) says so: its parts still open, and what the teacher changes there
becomes a correction request (J-10) instead of a write."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.journal import LessonView
from ui import history
from ui.callbacks import LessonCB, LessonHistoryCB, LessonPart, TeacherDayCB
from ui.formatting import day_title, short_date, split_text
from ui.screens import Screen
from ui.typed_dates import DatesError, parse_dates


async def on_card(query: CallbackQuery, callback_data: LessonCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)  # refuses another's lesson
    await screen.state.set_state(None)  # back from a part: whatever it waited for is not typed any more
    await show_card(screen, view)


async def show_card(screen: Screen, view: LessonView) -> None:
    """The card in place of the tapped message (the day's list, or a part's screen), or sent anew."""
    await screen.show(split_text(card_text(view, screen.locale)), card_keyboard(view))


def lesson_title(view: LessonView, locale: str) -> str:
    """«Математика, 5А (Англ. 1)» and «Вторник, 24 ноября, 2 урок»: the head of every screen of a lesson."""
    group = f" ({escape(view.subgroup)})" if view.subgroup else ""
    return "<b>{}</b>\n{}".format(
        f"{escape(view.subject)}, {escape(view.class_name)}{group}",
        _("{day}, lesson {number}").format(day=day_title(view.date, locale), number=view.number),
    )


def card_text(view: LessonView, locale: str) -> str:
    lines = [lesson_title(view, locale), ""]
    lines.append(_("Topic: {topic}").format(topic=escape(view.topic)) if view.topic else _("Topic: not given yet"))
    lines += homework_lines(view, locale)
    absent = [entry.name for entry in view.roster if entry.absent]
    if not view.attendance_taken:
        lines.append(_("Attendance: not taken yet"))
    elif absent:
        lines.append(_("Absent ({count}): {names}").format(count=len(absent), names=escape(", ".join(absent))))
    else:
        lines.append(_("Attendance: everyone present"))
    if view.marks_allowed:
        marks = sum(len(entry.marks) for entry in view.roster)
        lines.append(_("Marks given: {count}").format(count=marks) if marks else _("Marks: none yet"))
    else:
        lines.append(_("Grade {grade} gets no marks.").format(grade=view.grade))
    lines += locked_lines(view)
    return "\n".join(lines)


def locked_lines(view: LessonView) -> list[str]:
    """J-9: past the school's edit window, what the teacher changes goes as a correction request (J-10)."""
    if view.editable:
        return []
    days = view.edit_window_days
    return [
        "",
        "🔒 "
        + ngettext(
            "More than {days} day has passed: changes go to the deputy director as a correction request.",
            "More than {days} days have passed: changes go to the deputy director as a correction request.",
            days,
        ).format(days=days),
    ]


def homework_lines(view: LessonView, locale: str) -> list[str]:
    """The homework as given (J-3: «не задано» said so), its due day and its files."""
    if view.homework:
        homework = _("Homework: {text}").format(text=escape(view.homework))
        if view.homework_due_on:
            homework += " " + _("(due {date})").format(date=short_date(view.homework_due_on, locale))
        lines = [homework]
    elif view.no_homework:
        lines = [_("Homework: not set")]
    else:
        lines = [_("Homework: not given yet")]
    if view.files:
        lines.append("📎 " + ngettext("{count} file", "{count} files", len(view.files)).format(count=len(view.files)))
    return lines


def card_keyboard(view: LessonView) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Attendance"), callback_data=LessonCB(lesson=view.lesson_id, part=LessonPart.attendance))
    if view.marks_allowed:
        builder.button(text=_("Marks"), callback_data=LessonCB(lesson=view.lesson_id, part=LessonPart.marks))
    builder.button(text=_("Topic"), callback_data=LessonCB(lesson=view.lesson_id, part=LessonPart.topic))
    if view.editable:  # homework is not a correction's business: it is given on the lesson's day (J-2)
        builder.button(text=_("Homework"), callback_data=LessonCB(lesson=view.lesson_id, part=LessonPart.homework))
    builder.button(text=_("History"), callback_data=LessonHistoryCB(lesson=view.lesson_id))
    builder.button(text="◀ " + _("Lessons of the day"), callback_data=TeacherDayCB(day=view.date.isoformat()))
    parts = 2 + view.marks_allowed + view.editable
    builder.adjust(*([2] * (parts // 2)), *([1] if parts % 2 else []), 1, 1)
    return builder.as_markup()


async def ask_unsaved(
    screen: Screen, view: LessonView, question: str, save: CallbackData, discard: CallbackData, back: CallbackData
) -> None:
    """A part's «◀ Lesson» with changes not saved: «Save / Don't save», or back to the part's screen."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Save") if view.editable else _("Send a correction request"), callback_data=save)
    builder.button(text=_("Don't save"), callback_data=discard)
    builder.button(text="◀ " + _("Back to the list"), callback_data=back)
    builder.adjust(1)
    await screen.show(split_text("\n".join([lesson_title(view, screen.locale), "", question])), builder.as_markup())


def typed_date(text: str, today: date) -> date | None:
    """«10.11» or «10.11.2026»: one day, nearest to today when the year is not given."""
    try:
        first, last = parse_dates(text, today)
    except DatesError:
        return None
    return first if first == last else None


async def on_history(_query: CallbackQuery, callback_data: LessonHistoryCB, screen: Screen, services: Services):
    """DATA-3: the lesson's history of changes; only a lesson the teacher keeps (ACC-3, ACC-5), re-checked."""
    page = await services.history.lesson_history(screen.user.actor, callback_data.lesson, callback_data.page)
    await screen.show(split_text(history.page_text(page, screen.locale)), history.teacher_page_keyboard(page))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_card, LessonCB.filter(F.part == LessonPart.card))
    router.callback_query.register(on_history, LessonHistoryCB.filter())
    return router
