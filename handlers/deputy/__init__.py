"""The deputy director and the administrator (ROLE-2): correction requests to decide (J-10), the journal's
control (REP-3) and its history (DATA-3), marks changed by the director's order (PER-5), substitute teachers
(ACC-5), the year's end (PER-5, DATA-4), the school's reports (REP-2, REP-4, REP-5)."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import control, corrections, history, reports, revisions, substitutions, year_end


def build_router() -> Router:
    router = Router(name="deputy")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.DEPUTY, Role.ADMIN))
    modules = (control, corrections, history, reports, revisions, substitutions, year_end)
    router.include_routers(*(m.build_router() for m in modules))
    return router
