from aiogram import Router

from ui.callbacks import NoopCB
from ui.screens import on_noop

from . import language, membership, start, switch


def build_router() -> Router:
    """Routers are built per dispatcher: aiogram attaches a router to one parent only."""
    router = Router(name="common")
    # A calendar's title or weekday name, whoever's calendar it is (/diary, /today).
    router.callback_query.register(on_noop, NoopCB.filter())
    router.include_routers(
        start.build_router(), language.build_router(), switch.build_router(), membership.build_router()
    )
    return router
