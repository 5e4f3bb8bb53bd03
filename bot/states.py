"""FSM states: one StatesGroup per flow that asks the user several things in turn."""
from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class AbsenceDocumentForm(StatesGroup):
    """/absence → «Send a document» (ABS-1): nothing is written until the last step's «Send»."""

    child = State()  # a parent of several children picks one
    dates = State()  # one day or a range, typed or by button
    kind = State()  # what the absence was for (DocumentKind)
    comment = State()  # optional
    files = State()  # photos and PDFs, then «Done»
    confirm = State()  # the summary and «Send»
