"""/reports (REP-2, REP-4, REP-5): the first screen of the reports. A teacher sees the classes and subjects they
teach (handlers/teacher/reports.py makes their reports); the deputy director and the administrator the school's
reports (handlers/deputy/reports.py), a teacher who is also the deputy director both. A class teacher's reports of
their class are on /class."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.models import Role
from ui.callbacks import ReportsMenuCB, SchoolReport, SchoolReportCB, TeacherReportCB
from ui.filters import RoleFilter
from ui.menus import menu_filter
from ui.reports.teacher import class_subject
from ui.screens import Screen


async def cmd_reports(_message: Message, services: Services, screen: Screen):
    await show_menu(screen, services)


async def on_menu(_query: CallbackQuery, services: Services, screen: Screen):
    await show_menu(screen, services)


async def show_menu(screen: Screen, services: Services) -> None:
    actor = screen.user.actor
    builder = InlineKeyboardBuilder()
    lines = ["<b>" + _("Reports") + "</b>"]
    if actor.has(Role.TEACHER):
        choices = await services.teacher_reports.choices(actor)
        for choice in choices:
            builder.button(
                text=class_subject(choice.class_name, choice.subgroup, choice.subject),
                callback_data=TeacherReportCB(assignment=choice.assignment_id),
            )
        lines.append(_("Your classes and subjects: choose one.") if choices else _("You teach no class this year."))
    if actor.oversees(actor.school_id):
        builder.button(text=_("School results"), callback_data=SchoolReportCB(kind=SchoolReport.results))
        builder.button(text=_("Summary sheet of final marks"), callback_data=SchoolReportCB(kind=SchoolReport.finals))
        builder.button(text=_("Class reports"), callback_data=SchoolReportCB(kind=SchoolReport.classes))
        lines.append(
            _(
                "The school's reports: results of a period or the year, the summary sheet of final marks, and any "
                "class's reports."
            )
        )
    builder.adjust(1)
    await screen.show("\n".join(lines), builder.as_markup())


def back_row() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("◀ Reports"), callback_data=ReportsMenuCB())
    return builder.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    for observer in (router.message, router.callback_query):
        observer.filter(RoleFilter(Role.TEACHER, Role.DEPUTY, Role.ADMIN))
    router.message.register(cmd_reports, menu_filter("reports"))
    router.callback_query.register(on_menu, ReportsMenuCB.filter())
    return router
