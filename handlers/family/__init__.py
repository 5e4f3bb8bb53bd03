"""Parents and students: one child's diary, homework, marks, timetable, absences and push settings."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import absence, diary, homework, marks, reports, schedule, settings


def build_router() -> Router:
    router = Router(name="family")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.PARENT, Role.STUDENT))
    router.include_routers(*(m.build_router() for m in (diary, schedule, homework, marks, reports, absence, settings)))
    return router
