"""/switch: a teacher who is also a parent, or a parent of several children, picks whom the menus serve."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.accounts import ProfileCard
from services.container import Services
from services.models import Role
from ui.callbacks import ProfileCB
from ui.menus import help_text, menu_filter, show_menu
from ui.screens import Screen


async def cmd_switch(_message: Message, services: Services, screen: Screen):
    user = screen.user
    if len(user.profiles) < 2:
        await screen.send(_("You have one profile: there is nothing to switch."))
        return
    keyboard = InlineKeyboardBuilder()
    for card in await services.accounts.profile_cards(user):
        mark = "✓ " if card.profile == user.profile else ""
        keyboard.button(
            text=mark + profile_label(card),
            callback_data=ProfileCB(person=card.profile.person_id, student=card.profile.student_id),
        )
    keyboard.adjust(1)
    await screen.send(_("Whose diary, or which work, should the bot show?"), keyboard.as_markup())


async def on_profile(_query: CallbackQuery, callback_data: ProfileCB, services: Services, screen: Screen):
    await services.accounts.switch(screen.user, callback_data.person, callback_data.student)
    user = await services.accounts.reread(screen.user)
    [card] = [c for c in await services.accounts.profile_cards(user) if c.profile == user.profile]
    await screen.show(_("Now: {profile}.").format(profile=profile_label(card)), None)
    await show_menu(screen.bot, screen.chat_id, user, help_text(user))


def profile_label(card: ProfileCard) -> str:
    if card.child is None:
        return _("Work at {school}").format(school=card.school)
    if Role.STUDENT in card.roles:
        return _("My diary, {class_name}").format(class_name=card.class_name)
    return _("{child}, {class_name}").format(child=card.child, class_name=card.class_name)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_switch, menu_filter("switch"))
    router.callback_query.register(on_profile, ProfileCB.filter())
    return router
