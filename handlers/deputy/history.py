"""/history (DATA-3, ROLE-2): the journal's history for the deputy director or the administrator: a class, then a
student (their marks, absences, period marks) or a subject and a lesson (its topic, homework, marks, absences), a
page of changes at a time. One message, edited in place; every id in a button is re-checked by the service."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from services.container import Services
from ui import history
from ui.callbacks import HistoryCB, HistoryView
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen


async def cmd_history(_message: Message, services: Services, screen: Screen):
    await screen.state.clear()
    classes = await services.history.classes(screen.user.actor)
    await screen.send(history.classes_text(), history.classes_keyboard(classes))


async def on_classes(_query: CallbackQuery, services: Services, screen: Screen):
    classes = await services.history.classes(screen.user.actor)
    await screen.show(history.classes_text(), history.classes_keyboard(classes))


async def on_class(_query: CallbackQuery, callback_data: HistoryCB, services: Services, screen: Screen):
    students, subjects = await services.history.class_choices(screen.user.actor, callback_data.id)
    await screen.show(history.class_text(students), history.class_keyboard(students, subjects))


async def on_subject(_query: CallbackQuery, callback_data: HistoryCB, services: Services, screen: Screen):
    lessons = await services.history.lessons(screen.user.actor, callback_data.id, callback_data.page)
    await screen.show(history.lessons_text(lessons), history.lessons_keyboard(lessons, screen.locale))


async def on_student(_query: CallbackQuery, callback_data: HistoryCB, services: Services, screen: Screen):
    page = await services.history.student_history(screen.user.actor, callback_data.id, callback_data.page)
    await screen.show(split_text(history.page_text(page, screen.locale)), history.deputy_page_keyboard(page))


async def on_lesson(_query: CallbackQuery, callback_data: HistoryCB, services: Services, screen: Screen):
    page = await services.history.lesson_history(screen.user.actor, callback_data.id, callback_data.page)
    await screen.show(split_text(history.page_text(page, screen.locale)), history.deputy_page_keyboard(page))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_history, menu_filter("history"))
    router.callback_query.register(on_classes, HistoryCB.filter(F.view == HistoryView.classes))
    router.callback_query.register(on_class, HistoryCB.filter(F.view == HistoryView.cls))
    router.callback_query.register(on_subject, HistoryCB.filter(F.view == HistoryView.subject))
    router.callback_query.register(on_student, HistoryCB.filter(F.view == HistoryView.student))
    router.callback_query.register(on_lesson, HistoryCB.filter(F.view == HistoryView.lesson))
    return router
