"""/period → «Year and final marks» (PER-2, PER-3): a class and subject's year, exam and final marks. The sheet shows
each student's period marks and the year's marks; a tap on a student offers the scale's values (the suggested one
first: the mean of the period marks rounded half up; the final from the year and exam marks) and the results
without a number («н/а», «зач.», «осв.»). From the day the last period ends (the exam's mark: from the exam's
day) for the teacher's days; then the sheet only reads and the director's order changes a mark (PER-5)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from services.container import Services
from services.final_marks import Outcome
from ui import final_marks as view
from ui.callbacks import FinalMarkCB, FinalSheetCB
from ui.formatting import split_text
from ui.screens import Screen


async def on_sheet(query: CallbackQuery, callback_data: FinalSheetCB, screen: Screen, services: Services):
    sheet = await services.final_marks.sheet(screen.user.actor, callback_data.assignment)  # refuses another's class
    await screen.show(split_text(view.sheet_text(sheet, screen.locale)), view.sheet_keyboard(sheet, screen.locale))


async def on_student(query: CallbackQuery, callback_data: FinalMarkCB, screen: Screen, services: Services):
    sheet = await services.final_marks.sheet(screen.user.actor, callback_data.assignment)
    row = sheet.row(callback_data.student)  # refuses a student who is not in the class or subgroup
    await screen.show(
        split_text(view.student_text(sheet, row, callback_data.kind, screen.locale)),
        view.student_keyboard(sheet, row, callback_data.kind, screen.locale),
    )


async def on_set(query: CallbackQuery, callback_data: FinalMarkCB, screen: Screen, services: Services):
    """PER-2: the service refuses another's class, a value off the scale, the wrong day, and a closed sheet."""
    outcome = Outcome(callback_data.result, callback_data.value or None)
    await services.final_marks.set_mark(
        screen.user.actor, callback_data.assignment, callback_data.student, callback_data.kind, outcome
    )
    sheet = await services.final_marks.sheet(screen.user.actor, callback_data.assignment)
    row = sheet.row(callback_data.student)
    await screen.show(
        split_text(view.student_text(sheet, row, callback_data.kind, screen.locale)),
        view.student_keyboard(sheet, row, callback_data.kind, screen.locale),
    )
    screen.toast(
        _("{name}: {kind} {mark}.").format(
            name=row.name,
            kind=view.kind_name(callback_data.kind, screen.locale),
            mark=view.outcome_text(outcome, screen.locale),
        )
    )


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_sheet, FinalSheetCB.filter())
    router.callback_query.register(on_student, FinalMarkCB.filter(~F.save))
    router.callback_query.register(on_set, FinalMarkCB.filter(F.save))
    return router
