"""/language: Russian or English, stored for the account."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from ui.callbacks import LanguageCB, Locale
from ui.i18n import gettext
from ui.menus import menu_filter, show_menu
from ui.screens import Screen

NAMES = {Locale.ru: "Русский", Locale.en: "English"}


async def cmd_language(_message: Message, screen: Screen):
    keyboard = InlineKeyboardBuilder()
    for locale, name in NAMES.items():
        keyboard.button(text=name, callback_data=LanguageCB(locale=locale))
    await screen.send(_("Choose the language:"), keyboard.as_markup())


async def on_language(_query: CallbackQuery, callback_data: LanguageCB, services: Services, screen: Screen):
    await services.accounts.set_locale(screen.user.account, callback_data.locale.value)
    user = await services.accounts.reread(screen.user)
    done = gettext("The language is now English.", user.locale)
    if not user.linked:
        await screen.show(done, None)
        return
    # The keyboard's labels change too, and only a new message carries a new keyboard.
    if screen.tapped is not None:
        with suppress(TelegramBadRequest):  # a second tap, or a message too old to delete: the menu comes anyway
            await screen.tapped.delete()
    await show_menu(screen.bot, screen.chat_id, user, done)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_language, menu_filter("language"))
    router.callback_query.register(on_language, LanguageCB.filter())
    return router
