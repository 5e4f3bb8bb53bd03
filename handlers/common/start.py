"""The front door: a code by deep link or typed (ACC-6), consent before any data (ACC-7), /logout asked to confirm
first, since the code it was reached by is spent and coming back takes a new one (ACC-8)."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ui.callbacks import ConsentCB, LogoutCB
from ui.menus import help_text, hide_menu, menu_filter, show_menu
from services.accounts import CurrentUser
from services.container import Services
from services.invites import ConsentKind

async def cmd_start_with_code(message: Message, command: CommandObject, services: Services, state: FSMContext):
    await offer_consent(message, command.args or "", services, state)


async def cmd_start(message: Message, user: CurrentUser, bot: Bot):
    if user.linked:
        await show_menu(bot, message.chat.id, user, _("Welcome back!") + "\n\n" + help_text(user))
        return
    await message.answer(stranger_text())


async def cmd_logout(message: Message, user: CurrentUser, bot: Bot):
    if not user.linked:
        await hide_menu(bot, message.chat.id, _("You were not logged in."))
        return
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Log out"), callback_data=LogoutCB(account=message.from_user.id, confirm=True))
    keyboard.button(text=_("Stay"), callback_data=LogoutCB(account=message.from_user.id, confirm=False))
    await message.answer(_("Log out of the school's diary on this Telegram?") + "\n\n" + come_back_text(),
                         reply_markup=keyboard.as_markup())


async def on_logout(query: CallbackQuery, callback_data: LogoutCB, services: Services, user: CurrentUser, bot: Bot,
                    callback_answer: CallbackAnswer):
    if callback_data.account != query.from_user.id:  # a button of another chat, forged: nothing happens
        callback_answer.text = _("This button is no longer valid.")
        return
    if not callback_data.confirm:
        await query.message.edit_text(_("You stay logged in.") if user.linked else _("You were not logged in."))
        return
    count = await services.invites.logout(query.from_user.id)
    await query.message.edit_reply_markup(reply_markup=None)
    await hide_menu(bot, query.message.chat.id, (_("You are logged out.") + "\n" + come_back_text()) if count
                    else _("You were not logged in."))


def come_back_text() -> str:
    """How to come back: the code used to log in works once; a new one comes from whoever gives codes (ACC-6)."""
    return _("To come back you will need a new access code: parents and students get it from the class teacher, "
             "staff from the school's administrator. The code used before works only once.")


async def cmd_help(message: Message, user: CurrentUser, bot: Bot):
    """Also brings the keyboard back, should the user have hidden it."""
    if not user.linked:
        await message.answer(stranger_text())
        return
    await show_menu(bot, message.chat.id, user, help_text(user))


async def offer_consent(message: Message, code: str, services: Services, state: FSMContext) -> None:
    preview = await services.invites.preview(message.from_user.id, code)
    await state.update_data(invite_code=code)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("I accept"), callback_data=ConsentCB(accept=True))
    keyboard.button(text=_("I decline"), callback_data=ConsentCB(accept=False))
    await message.answer(consent_text(preview.consent), reply_markup=keyboard.as_markup())


async def on_consent(query: CallbackQuery, callback_data: ConsentCB, services: Services, state: FSMContext,
                     user: CurrentUser, bot: Bot, callback_answer: CallbackAnswer):
    code = (await state.get_data()).get("invite_code")
    if not code:
        callback_answer.text, callback_answer.show_alert = _("Send the code again, please."), True
        return
    await state.clear()
    if not callback_data.accept:
        await services.invites.decline(query.from_user.id, code)
        await query.message.edit_text(_("Without your consent the bot shows nothing. "
                                        "You can send the code again at any time."))
        return
    await services.invites.accept(query.from_user.id, code, locale=user.locale)
    user = await services.accounts.current_user(query.from_user.id)
    await query.message.edit_text(_("Thank you! Your Telegram is now linked to the school's diary."))
    await show_menu(bot, query.message.chat.id, user, help_text(user))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_with_code, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_logout, menu_filter("logout"))
    router.message.register(cmd_help, menu_filter("help"))
    router.callback_query.register(on_logout, LogoutCB.filter())
    router.callback_query.register(on_consent, ConsentCB.filter())
    return router


def stranger_text() -> str:
    return _("This is the school's e-journal and diary.\n"
             "To get in, ask your class teacher for an access code and send it here.")


def consent_text(kind: ConsentKind) -> str:
    """ACC-7: the text that fits the reader: a parent consents for themself and their child, a student for their
    own diary, staff for what they keep in the journal."""
    if kind == ConsentKind.PARENT:
        return _("Before the bot shows any data, it needs your consent to the processing of personal data "
                 "(Federal law 152-FZ): your and your child's names, your child's marks, attendance and homework "
                 "are processed by the school to keep the electronic journal and diary.\n\n"
                 "Do you give your consent?")
    if kind == ConsentKind.STUDENT:
        return _("Before the bot shows any data, it needs your consent to the processing of personal data "
                 "(Federal law 152-FZ): your name, marks, attendance and homework are processed by the school "
                 "to keep the electronic journal and your diary.\n\n"
                 "Do you give your consent?")
    return _("Before the bot shows any data, it needs your consent to the processing of personal data "
             "(Federal law 152-FZ): your name, your role at the school and what you record in the journal "
             "(marks, attendance, lesson topics, homework, each with its date and author) are processed by the "
             "school to keep the electronic journal.\n\n"
             "Do you give your consent?")
