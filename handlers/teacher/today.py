"""/today: the teacher's lessons of a day from the timetable, substitutions included (ACC-5), each with what is
still missing (J-1, J-2). One message that the buttons edit in place: the day before and after, today, and a
lesson to open. `/today 10.11`, «10.11» typed while no prompt waits, or the month picker («📅 Выбрать дату») opens
another day (a lesson older than 14 days goes through a correction, J-10)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from aiogram import F, Router
from aiogram.filters import CommandObject, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.errors import InvalidInput
from services.journal import LessonSlot
from ui.callbacks import LessonSlotCB, TeacherDayCB, TeacherMonthCB
from ui.date_picker import TODAY, picker_keyboard
from ui.formatting import day_title, split_text, time_span
from ui.labels import MISSING
from ui.menus import menu_filter
from ui.screens import Screen, parse_day, parse_month, show_picker

from .lesson import show_card, typed_date

# A day as typed on its own: «16.11», «16/11», «16.11.2026».
TYPED_DAY = r"^\s*\d{1,2}\s*[./]\s*\d{1,2}(\s*[./]\s*(\d{4}|\d{2}))?\s*\.?\s*$"


async def cmd_today(message: Message, screen: Screen, services: Services, command: CommandObject | None = None):
    today = await services.journal.today(screen.user.actor)
    day = today
    if command is not None and command.args:
        day = typed_date(command.args, today)
        if day is None:
            raise InvalidInput("journal.bad_typed_date")
    await show_day(screen, services, day, today)


async def on_typed_day(message: Message, screen: Screen, services: Services):
    """«16.11» typed while no prompt waits for text: that day's lessons, as `/today 16.11`."""
    today = await services.journal.today(screen.user.actor)
    day = typed_date(message.text, today)
    if day is None:
        raise InvalidInput("journal.bad_typed_date")
    await show_day(screen, services, day, today)


async def on_day(query: CallbackQuery, callback_data: TeacherDayCB, screen: Screen, services: Services):
    today = await services.journal.today(screen.user.actor)
    day = today if callback_data.day == TODAY else parse_day(callback_data.day)
    await show_day(screen, services, day, today)


async def on_month(query: CallbackQuery, callback_data: TeacherMonthCB, screen: Screen):
    month, shown = parse_month(callback_data.month), parse_day(callback_data.day)  # a forged date is refused
    keyboard = picker_keyboard(
        month,
        shown,
        screen.locale,
        day=lambda day: TeacherDayCB(day=day),
        turn=lambda m: TeacherMonthCB(month=f"{m:%Y-%m}", day=shown.isoformat()),
    )
    await show_picker(screen.bot, query, keyboard, screen.callback_answer)


async def on_slot(query: CallbackQuery, callback_data: LessonSlotCB, screen: Screen, services: Services):
    view = await services.journal.open_lesson(
        screen.user.actor, callback_data.assignment, parse_day(callback_data.day), callback_data.number
    )  # refuses another teacher's class
    await show_card(screen, view)


async def show_day(screen: Screen, services: Services, day: date, today: date) -> None:
    slots = await services.journal.teacher_day(screen.user.actor, day)
    await screen.show(split_text(day_text(slots, day, today, screen.locale)), day_keyboard(slots, day, today))


def day_text(slots: list[LessonSlot], day: date, today: date, locale: str) -> str:
    title = "<b>" + escape(_("Lessons: {day}").format(day=day_title(day, locale))) + "</b>"
    if day == today:
        title += _(", today")
    if not slots:
        return title + "\n\n" + _("No lessons on this day.")
    return title + "\n\n" + "\n".join(slot_line(slot, day <= today) for slot in slots)


def slot_line(slot: LessonSlot, held_by_now: bool) -> str:
    line = f"<b>{slot.number}.</b> {time_span(slot.starts_at, slot.ends_at)} · {escape(slot_title(slot))}"
    if slot.substitution:  # ACC-5: whose lesson the substitute keeps
        line += " " + _("(substitution; in the timetable: {teacher})").format(teacher=escape(slot.teacher))
    if not held_by_now:
        return line
    missing = [_(MISSING[part]) for part in MISSING if part in slot.missing]
    if missing:
        return line + "\n    " + _("Missing: {parts}").format(parts=", ".join(missing))
    return line + " ✅"


def slot_title(slot: LessonSlot) -> str:
    group = f" ({slot.subgroup})" if slot.subgroup else ""
    return f"{slot.class_name}{group}, {slot.subject}"


def day_keyboard(slots: list[LessonSlot], day: date, today: date) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for slot in slots:
        mark = "⚠️ " if day <= today and slot.missing else ""
        builder.button(
            text=f"{mark}{slot.number}. {slot_title(slot)}",
            callback_data=LessonSlotCB(assignment=slot.assignment_id, day=day.isoformat(), number=slot.number),
        )
    builder.button(text="◀", callback_data=TeacherDayCB(day=(day - timedelta(days=1)).isoformat()))
    builder.button(text=_("Today"), callback_data=TeacherDayCB(day=TODAY))
    builder.button(text="▶", callback_data=TeacherDayCB(day=(day + timedelta(days=1)).isoformat()))
    builder.button(text=_("📅 Pick a date"), callback_data=TeacherMonthCB(month=f"{day:%Y-%m}", day=day.isoformat()))
    builder.adjust(*([1] * len(slots)), 3, 1)
    return builder.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_today, menu_filter("today"))
    router.message.register(on_typed_day, StateFilter(None), F.text.regexp(TYPED_DAY))
    router.callback_query.register(on_day, TeacherDayCB.filter())
    router.callback_query.register(on_month, TeacherMonthCB.filter())
    router.callback_query.register(on_slot, LessonSlotCB.filter())
    return router
