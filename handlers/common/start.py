"""The front door: a code by deep link or typed (ACC-6), consent before any data (ACC-7), /logout."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ConsentCB
from bot.menus import set_commands
from services.accounts import CurrentUser
from services.container import Services

async def cmd_start_with_code(message: Message, command: CommandObject, services: Services, state: FSMContext):
    await offer_consent(message, command.args or "", services, state)


async def cmd_start(message: Message, user: CurrentUser, bot: Bot):
    if user.linked:
        await set_commands(bot, message.chat.id, user)
        await message.answer(_("Welcome back! Send /help to see what the bot can do."))
        return
    await message.answer(stranger_text())


async def cmd_logout(message: Message, services: Services):
    count = await services.invites.logout(message.from_user.id)
    await message.answer(_("You are logged out.") if count else _("You were not logged in."))


async def cmd_help(message: Message, user: CurrentUser):
    if not user.linked:
        await message.answer(stranger_text())
        return
    await message.answer(_("/language — change the language\n/logout — unlink this Telegram account"))


async def on_text(message: Message, user: CurrentUser, services: Services, state: FSMContext):
    """A stranger's text is taken for a typed code; a linked user's stray text gets the help."""
    if user.linked:
        await message.answer(_("Send /help to see what the bot can do."))
        return
    await offer_consent(message, message.text, services, state)


async def offer_consent(message: Message, code: str, services: Services, state: FSMContext) -> None:
    await services.invites.preview(message.from_user.id, code)
    await state.update_data(invite_code=code)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("I agree"), callback_data=ConsentCB(accept=True))
    keyboard.button(text=_("I do not agree"), callback_data=ConsentCB(accept=False))
    await message.answer(consent_text(), reply_markup=keyboard.as_markup())


async def on_consent(query: CallbackQuery, callback_data: ConsentCB, services: Services, state: FSMContext,
                     user: CurrentUser, bot: Bot):
    code = (await state.get_data()).get("invite_code")
    if not code:
        await query.answer(_("Send the code again, please."), show_alert=True)
        return
    await state.clear()
    if not callback_data.accept:
        await services.invites.decline(query.from_user.id, code)
        await query.message.edit_text(_("Without your consent the bot shows nothing. "
                                        "You can send the code again at any time."))
        await query.answer()
        return
    await services.invites.accept(query.from_user.id, code, locale=user.locale)
    user = await services.accounts.current_user(query.from_user.id)
    await query.message.edit_text(_("Thank you! Your Telegram is now linked to the school's diary."))
    await set_commands(bot, query.message.chat.id, user)
    await query.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_with_code, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_logout, Command("logout"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(on_text, F.text & ~F.text.startswith("/"))
    router.callback_query.register(on_consent, ConsentCB.filter())
    return router


def stranger_text() -> str:
    return _("This is the school's e-journal and diary.\n"
             "To get in, ask your class teacher for an access code and send it here.")


def consent_text() -> str:
    return _("Before the bot shows any data, it needs your consent to the processing of personal data "
             "(Federal law 152-FZ): your and your child's names, marks, attendance and homework are "
             "processed by the school to keep the electronic journal and diary.\n\nDo you agree?")
