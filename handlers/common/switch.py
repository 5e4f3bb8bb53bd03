"""/switch: a teacher who is also a parent, or a parent of several children, picks whom the menus serve."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import ProfileCB
from ui.menus import help_text, menu_filter, show_menu
from services.accounts import CurrentUser, ProfileCard
from services.container import Services
from services.models import Role


async def cmd_switch(message: Message, user: CurrentUser, services: Services):
    if len(user.profiles) < 2:
        await message.answer(_("You have one profile: there is nothing to switch."))
        return
    keyboard = InlineKeyboardBuilder()
    for card in await services.accounts.profile_cards(user):
        mark = "✓ " if card.profile == user.profile else ""
        keyboard.button(text=mark + profile_label(card),
                        callback_data=ProfileCB(person=card.profile.person_id, student=card.profile.student_id))
    keyboard.adjust(1)
    await message.answer(_("Whose diary, or which work, should the bot show?"), reply_markup=keyboard.as_markup())


async def on_profile(query: CallbackQuery, callback_data: ProfileCB, user: CurrentUser, services: Services,
                     bot: Bot):
    await services.accounts.switch(user, callback_data.person, callback_data.student)
    user = await services.accounts.current_user(query.from_user.id)
    [card] = [c for c in await services.accounts.profile_cards(user) if c.profile == user.profile]
    await query.message.edit_text(_("Now: {profile}.").format(profile=profile_label(card)))
    await show_menu(bot, query.message.chat.id, user, help_text(user))


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
