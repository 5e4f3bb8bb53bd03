"""/language: Russian or English, stored for the account."""
from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import LanguageCB
from ui.i18n import gettext
from ui.menus import menu_filter, show_menu
from services.container import Services

NAMES = {"ru": "Русский", "en": "English"}


async def cmd_language(message: Message):
    keyboard = InlineKeyboardBuilder()
    for locale, name in NAMES.items():
        keyboard.button(text=name, callback_data=LanguageCB(locale=locale))
    await message.answer(_("Choose the language:"), reply_markup=keyboard.as_markup())


async def on_language(query: CallbackQuery, callback_data: LanguageCB, services: Services, bot: Bot):
    await services.accounts.set_locale(query.from_user.id, callback_data.locale)
    user = await services.accounts.current_user(query.from_user.id)
    done = gettext("The language is now English.", user.locale)
    if not user.linked:
        await query.message.edit_text(done)
        return
    # The keyboard's labels change too, and only a new message carries a new keyboard.
    chat_id = query.message.chat.id
    with suppress(TelegramBadRequest):  # a second tap, or a message too old to delete: the menu comes all the same
        await bot.delete_message(chat_id, query.message.message_id)
    await show_menu(bot, chat_id, user, done)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_language, menu_filter("language"))
    router.callback_query.register(on_language, LanguageCB.filter())
    return router
