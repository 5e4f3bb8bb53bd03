"""Telegram adapters; get_routers() fixes the order in one place: common first, fallbacks last."""
from aiogram import Router


def get_routers() -> list[Router]:
    from . import common, fallback, family

    return [common.build_router(), family.build_router(), fallback.build_router()]
