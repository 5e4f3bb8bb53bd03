"""A draft (a lesson's marks, an attendance roster, a form) is written once, whatever the number of taps,
processes or retries: it gets an id when it starts, kept with it in the FSM data, and the service writes that id
in the save's transaction and refuses it a second time (AlreadySaved). A screen keeps its draft after the save,
marked "saved", so that a tap arriving later is told the truth: it is saved."""

from __future__ import annotations

from collections.abc import Awaitable
from uuid import uuid4

from aiogram.fsm.context import FSMContext

from services.errors import AlreadySaved


def new_draft_id() -> str:
    return uuid4().hex


async def saved_now(save: Awaitable[object]) -> bool:
    """Runs the save: True if it wrote the draft, False if the draft had been saved before (a second tap)."""
    try:
        await save
    except AlreadySaved:
        return False
    return True


SAVED = "saved_lessons"  # FSM data: {kind: [lesson ids whose last draft of that kind was saved]}
SAVED_KEPT = 20  # enough for a day's lessons; the oldest are forgotten first


async def remember_saved(state: FSMContext, kind: str, lesson_id: int) -> None:
    """The lesson's draft of `kind` ("marks", "attendance") is written: a tap on one of its old screens, arriving
    after the teacher has moved on to another lesson, is told it is saved rather than that it is lost."""
    saved = dict((await state.get_data()).get(SAVED) or {})
    lessons = [lesson for lesson in saved.get(kind, []) if lesson != lesson_id] + [lesson_id]
    await state.update_data({SAVED: {**saved, kind: lessons[-SAVED_KEPT:]}})


async def forget_saved(state: FSMContext, kind: str, lesson_id: int) -> None:
    """A new draft of the lesson started, or one dropped: its last draft is no longer the saved one."""
    saved = dict((await state.get_data()).get(SAVED) or {})
    if lesson_id in saved.get(kind, []):
        await state.update_data({SAVED: {**saved, kind: [lesson for lesson in saved[kind] if lesson != lesson_id]}})


async def was_saved(state: FSMContext, kind: str, lesson_id: int) -> bool:
    return lesson_id in ((await state.get_data()).get(SAVED) or {}).get(kind, [])
