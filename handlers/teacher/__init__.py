"""Teachers (substitutes too, ACC-5): the day's lessons, each lesson's attendance, marks, topic and homework,
corrections of locked lessons (J-10), period marks, and year, exam and final marks; the reports of their classes
and subjects (REP-2)."""

from aiogram import Router

from services.models import Role
from ui.filters import RoleFilter

from . import attendance, correction_request, final_marks, lesson, lesson_text, marks_entry, period, reports, today


def build_router() -> Router:
    router = Router(name="teacher")
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.TEACHER))
    router.include_routers(
        *(
            m.build_router()
            for m in (
                today,
                lesson,
                attendance,
                marks_entry,
                lesson_text,
                correction_request,
                period,
                final_marks,
                reports,
            )
        )
    )
    return router
