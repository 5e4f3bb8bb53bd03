"""The secretary (ROLE-2: the lists of students and parents, the student movement book) and the administrator: the
consents (ACC-7) and the movement book (DATA-4). A flow of the secretary's is one module here, added to FLOWS."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import consents, movement

FLOWS = (consents, movement)


def build_router() -> Router:
    router = Router(name="secretary")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.SECRETARY, Role.ADMIN))
    router.include_routers(*(m.build_router() for m in FLOWS))
    return router
