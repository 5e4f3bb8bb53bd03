"""Telegram adapters; get_routers() fixes the order in one place: common first, fallbacks last."""

from aiogram import Router


def get_routers() -> list[Router]:
    from . import announcements, class_teacher, common, deputy, fallback, family, reports, secretary, teacher
    from .class_teacher import reports as class_reports

    return [
        common.build_router(),
        family.build_router(),
        teacher.build_router(),
        class_teacher.build_router(),
        class_reports.build_router(),
        deputy.build_router(),
        secretary.build_router(),
        announcements.build_router(),
        reports.build_router(),
        fallback.build_router(),
    ]
