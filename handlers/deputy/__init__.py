"""The deputy director and the administrator (ROLE-2): correction requests to decide (J-10) and the journal's
control (REP-3), marks changed by the director's order (PER-5)."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import control, corrections, revisions


def build_router() -> Router:
    router = Router(name="deputy")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.DEPUTY, Role.ADMIN))
    router.include_routers(*(m.build_router() for m in (control, corrections, revisions)))
    return router
