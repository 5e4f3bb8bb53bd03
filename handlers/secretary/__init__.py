"""The secretary (ROLE-2): the lists of students and parents, and the student movement book (DATA-4). Each flow's
router names the roles it serves."""

from aiogram import Router

from . import movement


def build_router() -> Router:
    router = Router(name="secretary")
    router.include_routers(movement.build_router())
    return router
