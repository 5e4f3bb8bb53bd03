from aiogram import Router

from . import language, start, switch


def build_router() -> Router:
    """Routers are built per dispatcher: aiogram attaches a router to one parent only."""
    router = Router(name="common")
    router.include_routers(start.build_router(), language.build_router(), switch.build_router())
    return router
