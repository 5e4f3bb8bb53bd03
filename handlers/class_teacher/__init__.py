"""Class teachers (ACC-4): their class's absences and reasons (ABS-2, ABS-3), the parents' documents, the
attendance of today, and access codes for the class (ACC-6). The class's reports (reports.py) are routed on their
own: the deputy director reaches them too."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import class_screen, documents


def build_router() -> Router:
    router = Router(name="class_teacher")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.CLASS_TEACHER))
    router.include_routers(*(m.build_router() for m in (class_screen, documents)))
    return router
