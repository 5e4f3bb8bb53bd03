"""/consents (ACC-7; 000 §8.5, §8.6): per class, who has consented to the processing of personal data (in the bot,
on paper), who withdrew or declined; a signed paper consent recorded by a tap. Every id is re-checked."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from services.container import Services
from ui import consents
from ui.callbacks import ConsentsCB, ConsentsView
from ui.formatting import split_text
from ui.menus import menu_filter
from ui.screens import Screen


async def cmd_consents(_message: Message, services: Services, screen: Screen):
    await screen.state.clear()
    classes = await services.consents.classes(screen.user.actor)
    await screen.send(consents.classes_text(), consents.classes_keyboard(classes))


async def on_classes(_query: CallbackQuery, services: Services, screen: Screen):
    classes = await services.consents.classes(screen.user.actor)
    await screen.show(consents.classes_text(), consents.classes_keyboard(classes))


async def on_class(_query: CallbackQuery, callback_data: ConsentsCB, services: Services, screen: Screen):
    found = await services.consents.of_class(screen.user.actor, callback_data.id)
    await screen.show(split_text(consents.class_text(found, screen.locale)), consents.class_keyboard(found))


async def on_person(_query: CallbackQuery, callback_data: ConsentsCB, services: Services, screen: Screen):
    person = await services.consents.person(screen.user.actor, callback_data.cls, callback_data.id)
    await screen.show(consents.person_text(person, screen.locale), consents.person_keyboard(person, callback_data.cls))


async def on_paper(_query: CallbackQuery, callback_data: ConsentsCB, services: Services, screen: Screen):
    person = await services.consents.record_paper(screen.user.actor, callback_data.cls, callback_data.id)
    await screen.show(
        consents.person_text(person, screen.locale, recorded=True), consents.person_keyboard(person, callback_data.cls)
    )


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_consents, menu_filter("consents"))
    router.callback_query.register(on_classes, ConsentsCB.filter(F.view == ConsentsView.classes))
    router.callback_query.register(on_class, ConsentsCB.filter(F.view == ConsentsView.cls))
    router.callback_query.register(on_person, ConsentsCB.filter(F.view == ConsentsView.person))
    router.callback_query.register(on_paper, ConsentsCB.filter(F.view == ConsentsView.paper))
    return router
