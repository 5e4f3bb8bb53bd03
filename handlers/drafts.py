"""A draft (a lesson's marks, an attendance roster, a form) is written once, whatever the number of taps,
processes or retries: it gets an id when it starts, kept with it in the FSM data, and the service writes that id
in the save's transaction and refuses it a second time (AlreadySaved). A screen keeps its draft after the save,
marked "saved", so that a tap arriving later is told the truth: it is saved."""
from __future__ import annotations

from collections.abc import Awaitable
from uuid import uuid4

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
