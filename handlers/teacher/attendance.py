"""A lesson's attendance (J-12): the roster as compact buttons, everyone present by default. A tap toggles a
student's «ОТ» in a draft kept in the FSM data (by lesson); «Save» writes the teacher's toggles at once, applied
to the absences as they are then, so that a colleague saving the same lesson meanwhile loses nothing.

A lesson past the edit window (J-9) shows the same screen; its toggles become a correction request (J-10).
«◀ Lesson» with toggles not saved asks «Save / Don't save» first; a tap on a roster already saved is told so."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.drafts import forget_saved, new_draft_id, remember_saved, was_saved
from services.container import Services
from services.correction_changes import SetAbsent, SetPresent
from services.errors import AlreadySaved, Locked
from services.journal import LessonView, RosterEntry
from ui.callbacks import AttendanceAction, AttendanceCB, LessonCB, LessonPart
from ui.formatting import split_text
from ui.screens import Screen

from .correction_request import offer_correction
from .lesson import ask_unsaved, lesson_title, locked_lines, show_card

KIND = DRAFT = "attendance"  # FSM data: {"<lesson id>": {"shown": [absent ids as opened], "absent": [absent ids now],
#                                       "id": draft id}}, and once written "saved": True (handlers.drafts)
PER_ROW = 3  # a class of 35 is 12 rows: one message, far below Telegram's 100 buttons


def surname_button(entry: RosterEntry) -> str:
    """«12 Иванов»: the roster number tells two namesakes apart."""
    return f"{entry.number} {entry.name.split()[0]}"


def new_draft(view: LessonView) -> dict:
    absent = sorted(entry.student_id for entry in view.roster if entry.absent)
    return {"shown": absent, "absent": absent, "id": new_draft_id()}


def kept_toggles(draft: dict, old: dict | None) -> dict:
    """The roster opened again after the teacher went elsewhere (a command, the menu) with toggles not saved:
    they are still there, applied to the attendance as it is now."""
    if not old or old.get("saved") or set(old["absent"]) == set(old["shown"]):
        return draft
    marked, unmarked = set(old["absent"]) - set(old["shown"]), set(old["shown"]) - set(old["absent"])
    return {**draft, "absent": sorted((set(draft["absent"]) - unmarked) | marked), "id": old["id"]}


async def draft_of(state: FSMContext, lesson_id: int) -> dict | None:
    """The lesson's draft; None when it is gone (a restart without REDIS_URL, a roster from an old message)."""
    return (await state.get_data()).get(DRAFT, {}).get(str(lesson_id))


async def show_saved(screen: Screen, view: LessonView) -> None:
    """For a roster whose draft is gone: nothing is written, the teacher is told, and the roster is shown
    again as saved, so that toggles the screen showed are not lost without a word."""
    screen.toast(
        _("The marks on this screen were not saved. Here is the attendance as saved: mark it again."), alert=True
    )
    draft = new_draft(view)
    await screen.state.update_data({DRAFT: {str(view.lesson_id): draft}})
    await show_roster(screen, view, draft)


async def on_open(query: CallbackQuery, callback_data: LessonCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)  # refuses another's lesson
    draft = kept_toggles(new_draft(view), await draft_of(screen.state, view.lesson_id))
    await screen.state.update_data({DRAFT: {str(view.lesson_id): draft}})  # an older draft of any lesson is dropped
    await forget_saved(screen.state, KIND, view.lesson_id)
    await show_roster(screen, view, draft)


async def on_toggle(query: CallbackQuery, callback_data: AttendanceCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    view.entry(callback_data.student)  # refuses a student who is not in the lesson
    async with screen.lock():
        draft = await draft_of(screen.state, view.lesson_id)
        if await saved_before(
            screen.state, view.lesson_id, draft
        ):  # a roster saved meanwhile: its toggles are in the journal
            screen.toast(_("This attendance is saved. Open it again to change it."))
            return
        if draft is None:
            await show_saved(screen, view)
            return
        draft = {**draft, "absent": sorted(set(draft["absent"]) ^ {callback_data.student})}
        await screen.state.update_data({DRAFT: {str(view.lesson_id): draft}})
        await show_roster(screen, view, draft)


async def on_save(query: CallbackQuery, callback_data: AttendanceCB, screen: Screen, services: Services):
    """An editable lesson (the usual case) is saved without reading it first: the save checks the rights (ACC-3)
    and the edit window (J-9) under the lesson's lock and returns the lesson for the card, so one update reads
    each row once. Every other case (no draft, saved already, past the window) reads the lesson view."""
    lesson_id = callback_data.lesson
    async with screen.lock():
        draft = await draft_of(screen.state, lesson_id)
        saved = await saved_before(screen.state, lesson_id, draft)
        if draft is None and not saved:
            await show_saved(screen, await services.journal.lesson_view(screen.user.actor, lesson_id))
            return
    if not saved:
        shown, absent = set(draft["shown"]), set(draft["absent"])
        try:
            view = await services.journal.update_attendance(
                screen.user.actor, lesson_id, absent=absent - shown, present=shown - absent, draft=draft.get("id")
            )
        except Locked:  # J-9: the toggles go to the deputy director as a correction request (J-10)
            await ask_correction(screen, await services.journal.lesson_view(screen.user.actor, lesson_id), draft)
            return
        except AlreadySaved:  # the draft was saved by a tap in another process
            await show_saved_card(screen, services, lesson_id, draft, _("Already saved."))
            return
        await show_saved_card(screen, services, lesson_id, draft, _("Attendance saved."), view)
        return
    # a second tap that came after the first one's save, on this screen or on an older one
    view = await services.journal.lesson_view(screen.user.actor, lesson_id)  # refuses another's lesson
    screen.toast(_("Already saved."))
    await show_card(screen, view)


async def ask_correction(screen: Screen, view: LessonView, draft: dict) -> None:
    shown, absent = set(draft["shown"]), set(draft["absent"])
    changes = [SetAbsent(student_id=s) for s in sorted(absent - shown)] + [
        SetPresent(student_id=s) for s in sorted(shown - absent)
    ]
    if not changes:
        screen.toast(_("Nothing has changed."))
        return
    await drop_draft(screen.state)
    await offer_correction(screen, view, changes)


async def show_saved_card(
    screen: Screen, services: Services, lesson_id: int, draft: dict, toast: str, view: LessonView | None = None
) -> None:
    """The draft is in the journal (saved now or before): kept as saved, and the lesson's card shown."""
    await screen.state.update_data({DRAFT: {str(lesson_id): {**draft, "saved": True}}})
    await remember_saved(screen.state, KIND, lesson_id)
    screen.toast(toast)
    if view is None:
        view = await services.journal.lesson_view(screen.user.actor, lesson_id)
    await show_card(screen, view)


async def on_back(query: CallbackQuery, callback_data: AttendanceCB, screen: Screen, services: Services):
    """«◀ Lesson»: toggles not saved are not dropped without a word; the teacher chooses."""
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    draft = await draft_of(screen.state, view.lesson_id)
    if draft and not draft.get("saved") and set(draft["absent"]) != set(draft["shown"]):
        await ask_unsaved(
            screen,
            view,
            _("Attendance is not saved. Save it?"),
            *(
                AttendanceCB(lesson=view.lesson_id, action=action)
                for action in (AttendanceAction.save, AttendanceAction.discard, AttendanceAction.roster)
            ),
        )
        return
    await show_card(screen, view)


async def on_discard(query: CallbackQuery, callback_data: AttendanceCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    async with screen.lock():
        draft = await draft_of(screen.state, view.lesson_id)
        if draft and not draft.get("saved"):
            await drop_draft(screen.state)
            screen.toast(_("Not saved."))
    await show_card(screen, view)


async def on_roster(query: CallbackQuery, callback_data: AttendanceCB, screen: Screen, services: Services):
    """Back from the question to the roster, the draft as it was."""
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    draft = await draft_of(screen.state, view.lesson_id)
    if await saved_before(screen.state, view.lesson_id, draft):
        screen.toast(_("Already saved."))
        await show_card(screen, view)
    elif draft is None:
        await show_saved(screen, view)
    else:
        await show_roster(screen, view, draft)


async def saved_before(state: FSMContext, lesson_id: int, draft: dict | None) -> bool:
    """The roster tapped was saved: this draft, or (the teacher on another lesson's roster since) the lesson's
    last one."""
    if draft is not None:
        return bool(draft.get("saved"))
    return await was_saved(state, KIND, lesson_id)


async def drop_draft(state: FSMContext) -> None:
    await state.update_data({DRAFT: {}})


async def show_roster(screen: Screen, view: LessonView, draft: dict) -> None:
    await screen.show(split_text(roster_text(view, draft, screen.locale)), roster_keyboard(view, set(draft["absent"])))


def roster_text(view: LessonView, draft: dict, locale: str) -> str:
    absent = [entry.name for entry in view.roster if entry.student_id in set(draft["absent"])]
    lines = [lesson_title(view, locale), "", _("Tap a student to mark «ABS» (absent); tap again to take it back."), ""]
    if absent:
        lines.append(_("Absent ({count}): {names}").format(count=len(absent), names=escape(", ".join(absent))))
    else:
        lines.append(_("Attendance: everyone present"))
    if set(draft["absent"]) != set(draft["shown"]):
        lines.append(_("Not saved yet."))
    lines += locked_lines(view)
    return "\n".join(lines)


def roster_keyboard(view: LessonView, absent: set[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in view.roster:
        text = surname_button(entry)
        if entry.student_id in absent:
            text += " · " + _("ABS")
        builder.button(
            text=text,
            callback_data=AttendanceCB(lesson=view.lesson_id, action=AttendanceAction.toggle, student=entry.student_id),
        )
    builder.button(
        text=_("Save") if view.editable else _("Send a correction request"),
        callback_data=AttendanceCB(lesson=view.lesson_id, action=AttendanceAction.save),
    )
    builder.button(
        text="◀ " + _("Lesson"), callback_data=AttendanceCB(lesson=view.lesson_id, action=AttendanceAction.back)
    )
    builder.adjust(*roster_rows(len(view.roster)), 1, 1)
    return builder.as_markup()


def roster_rows(count: int) -> list[int]:
    """Row sizes for `count` student buttons, PER_ROW a row, so that the buttons after them get rows of their own."""
    return [PER_ROW] * (count // PER_ROW) + ([count % PER_ROW] if count % PER_ROW else [])


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_open, LessonCB.filter(F.part == LessonPart.attendance))
    router.callback_query.register(on_toggle, AttendanceCB.filter(F.action == AttendanceAction.toggle))
    router.callback_query.register(on_save, AttendanceCB.filter(F.action == AttendanceAction.save))
    router.callback_query.register(on_back, AttendanceCB.filter(F.action == AttendanceAction.back))
    router.callback_query.register(on_discard, AttendanceCB.filter(F.action == AttendanceAction.discard))
    router.callback_query.register(on_roster, AttendanceCB.filter(F.action == AttendanceAction.roster))
    return router
