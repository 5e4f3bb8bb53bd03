"""The diary's and the timetable's screens as text and keyboards (DIA-1): what a parent or a student reads.

Pure functions of the services' view models (DayScreen, WeekScreen); the texts are HTML, with every name and
text from the journal escaped, and each tag closed on its line so that split_text may cut between any two lines.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from services.diary import DayScreen, DiaryDay, DiaryLesson, HomeworkItem, WeekScreen
from ui import date_picker
from ui.callbacks import DiaryCB, DiaryMonthCB, ScheduleCB
from ui.date_picker import TODAY
from ui.formatting import absence_reason, dates_text, day_title, short_date, time_span, work_type_name

# ---- the diary: one day -----------------------------------------------------------------------------


def day_text(screen: DayScreen, locale: str) -> str:
    """«Дневник: Артём, 5А», the day, then each lesson; a day without lessons says why."""
    card, day, today = screen.student, screen.day, screen.today
    title = f"<b>{escape(day_title(day.date, locale))}</b>" + (_(", today") if day.date == today else "")
    blocks = [
        _("Diary: {child}, {class_name}").format(child=escape(card.first_name), class_name=escape(card.class_name))
        + "\n"
        + title
    ]
    # J-3: «не задано» only where the teacher said so; a lesson of today or before with nothing entered says that.
    blocks += [lesson_block(lesson, day.date <= today, locale) for lesson in day.lessons] or [no_lessons(day)]
    return "\n\n".join(blocks)


def lesson_block(lesson: DiaryLesson, held_by_now: bool, locale: str) -> str:
    lines = [lesson_line(lesson, bold=True)]
    if lesson.substitute:  # ACC-5: the class is told who teaches instead
        lines.append(_("Substitute teacher: {name}").format(name=escape(lesson.substitute)))
    if lesson.topic:
        lines.append(_("Topic: {topic}").format(topic=escape(lesson.topic)))
    given = lesson.homework_given
    if given is not None and not given.no_homework and given.text:
        lines.append(homework_line(given, locale))
    elif given is not None:
        lines.append(_("Homework: not set"))
    elif held_by_now:
        lines.append(_("Homework: not entered yet"))
    lines.extend(
        _("For this lesson: {text}").format(text=escape(due.text)) + files_note(due)
        for due in lesson.homework_due
        if due.text and not due.no_homework
    )
    if lesson.marks:
        marks = ", ".join(f"<b>{m.value}</b> ({escape(work_type_name(m.work_type, locale))})" for m in lesson.marks)
        lines.append(ngettext("Mark: {marks}", "Marks: {marks}", len(lesson.marks)).format(marks=marks))
    if lesson.absent:
        lines.append(_("Absent: {reason}").format(reason=absence_reason(lesson.absence_reason, locale)))
    return "\n".join(lines)


def homework_line(item: HomeworkItem, locale: str) -> str:
    text = escape(item.text)
    if item.due_on is None:
        line = _("Homework: {text}").format(text=text)
    else:
        line = _("Homework for {date}: {text}").format(date=short_date(item.due_on, locale), text=text)
    return line + files_note(item)


def files_note(item: HomeworkItem) -> str:
    if not item.files:
        return ""
    return " " + ngettext("📎 {count} file", "📎 {count} files", len(item.files)).format(count=len(item.files))


def lesson_line(lesson: DiaryLesson, *, bold: bool = False) -> str:
    """«1. 09:00–09:45 Математика»."""
    subject = escape(lesson.subject)
    number = f"{lesson.number}."
    if bold:
        subject, number = f"<b>{subject}</b>", f"<b>{number}</b>"
    return " ".join(part for part in (number, time_span(lesson.starts_at, lesson.ends_at), subject) if part)


def no_lessons(day: DiaryDay) -> str:
    if day.kind == "holiday":
        if day.holiday:
            return _("{holiday}: no lessons.").format(holiday=escape(day.holiday))
        return _("Holidays: no lessons.")
    if day.kind == "weekend":
        return _("A day off: no lessons.")
    if day.kind == "out_of_year":
        return _("Outside the school year: no lessons.")
    return _("No lessons.")


def day_keyboard(screen: DayScreen, locale: str) -> InlineKeyboardMarkup:
    """◀ the day before | the day after ▶; a week back | a week ahead; today | pick a date.

    Rows written out rather than through InlineKeyboardBuilder: the builder copies every button it holds at each
    one added, a sixth of the CPU of a diary update (the screen people open most)."""
    student_id, day, today = screen.student.student_id, screen.day.date, screen.today

    def to(text: str, target: date | str) -> InlineKeyboardButton:
        day_ = target if isinstance(target, str) else target.isoformat()
        return InlineKeyboardButton(text=text, callback_data=DiaryCB(student=student_id, day=day_).pack())

    previous, following = day - timedelta(days=1), day + timedelta(days=1)
    pick = InlineKeyboardButton(
        text=_("📅 Pick a date"),
        callback_data=DiaryMonthCB(student=student_id, month=f"{day:%Y-%m}", day=day.isoformat()).pack(),
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                to("◀ " + weekday_date(previous, locale), previous),
                to(weekday_date(following, locale) + " ▶", following),
            ],
            [to(_("◀◀ A week back"), day - timedelta(days=7)), to(_("A week ahead ▶▶"), day + timedelta(days=7))],
            [to(_("Today"), TODAY), pick] if day != today else [pick],
        ]
    )


def picker_keyboard(student_id: int, month: date, shown: date, locale: str) -> InlineKeyboardMarkup:
    """The diary's date picker: a month to pick a day from, then back to the day shown, or today."""
    return date_picker.picker_keyboard(
        month,
        shown,
        locale,
        day=lambda day: DiaryCB(student=student_id, day=day),
        turn=lambda m: DiaryMonthCB(student=student_id, month=f"{m:%Y-%m}", day=shown.isoformat()),
    )


def weekday_date(day: date, locale: str) -> str:
    """«пн, 23 нояб.» / «Mon, 23 Nov»: a day on a button."""
    return format_date(day, "EEE, d MMM", locale=locale)


# ---- the timetable: one week ------------------------------------------------------------------------


def week_text(screen: WeekScreen, locale: str) -> str:
    """Monday to Saturday with bell times, subjects, rooms and teachers; a day without lessons says why.

    Days are apart by blank lines, so a week too long for one message is cut between days (or lessons)."""
    card, days, today = screen.student, screen.days, screen.today
    span = dates_text(days[0].date, days[-1].date, locale, with_year=True)
    blocks = [
        _("Timetable: {child}, {class_name}").format(child=escape(card.first_name), class_name=escape(card.class_name))
        + f"\n<b>{escape(span)}</b>"
    ]
    for day in days:
        title = f"<b>{escape(day_title(day.date, locale))}</b>" + (_(", today") if day.date == today else "")
        lines = [timetable_line(lesson) for lesson in day.lessons] or [no_lessons(day)]
        blocks.append("\n".join([title, *lines]))
    return "\n\n".join(blocks)


def timetable_line(lesson: DiaryLesson) -> str:
    """«1. 09:00–09:45 Математика — каб. 12, Смирнова Е. В.»."""
    where = [_("room {room}").format(room=escape(lesson.room))] if lesson.room else []
    if lesson.substitute:
        where.append(_("{name} (substitute)").format(name=escape(lesson.substitute)))
    elif lesson.teacher:
        where.append(escape(lesson.teacher))
    return lesson_line(lesson) + (" — " + ", ".join(where) if where else "")


def week_keyboard(screen: WeekScreen) -> InlineKeyboardMarkup:
    """The week before and after; back to this week from another."""
    student_id, monday = screen.student.student_id, screen.days[0].date
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("◀◀ Previous week"),
        callback_data=ScheduleCB(student=student_id, day=(monday - timedelta(days=7)).isoformat()),
    )
    keyboard.button(
        text=_("Next week ▶▶"),
        callback_data=ScheduleCB(student=student_id, day=(monday + timedelta(days=7)).isoformat()),
    )
    if monday != screen.this_week:
        keyboard.button(text=_("This week"), callback_data=ScheduleCB(student=student_id, day=TODAY))
    keyboard.adjust(2, 1)
    return keyboard.as_markup()
