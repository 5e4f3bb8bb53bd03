"""The front door: a code by deep link or typed (ACC-6), consent before any data (ACC-7), /logout asked to confirm
first, since the code it was reached by is spent and coming back takes a new one (ACC-8)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.container import Services
from services.invites import ConsentKind
from ui.callbacks import ConsentCB, LogoutCB
from ui.consents import parent_needed_text
from ui.menus import help_text, hide_menu, menu_filter, show_menu
from ui.screens import Screen


async def cmd_start_with_code(_message: Message, command: CommandObject, services: Services, screen: Screen):
    await offer_consent(screen, command.args or "", services)


async def cmd_start(_message: Message, screen: Screen):
    if screen.user.linked:
        await show_menu(screen.bot, screen.chat_id, screen.user, _("Welcome back!") + "\n\n" + help_text(screen.user))
        return
    await screen.send(stranger_text())


async def cmd_logout(_message: Message, screen: Screen):
    if not screen.user.linked:
        await hide_menu(screen.bot, screen.chat_id, _("You were not logged in."))
        return
    account = screen.user.account_id
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Log out"), callback_data=LogoutCB(account=account, confirm=True))
    keyboard.button(text=_("Stay"), callback_data=LogoutCB(account=account, confirm=False))
    await screen.send(
        _("Log out of the school's diary in this messenger?") + "\n\n" + come_back_text(), keyboard.as_markup()
    )


async def on_logout(_query: CallbackQuery, callback_data: LogoutCB, services: Services, screen: Screen):
    if callback_data.account != screen.user.account_id:  # a button of another chat, forged: nothing happens
        screen.out_of_date()
        return
    if not callback_data.confirm:
        await screen.show(_("You stay logged in.") if screen.user.linked else _("You were not logged in."), None)
        return
    count = await services.invites.logout(screen.user.account_id, school_id=screen.user.scope)
    if screen.tapped is not None:
        await screen.tapped.edit_reply_markup(reply_markup=None)
    await hide_menu(
        screen.bot,
        screen.chat_id,
        (_("You are logged out.") + "\n" + come_back_text()) if count else _("You were not logged in."),
    )


def come_back_text() -> str:
    """How to come back: the code used to log in works once; a new one comes from whoever gives codes (ACC-6)."""
    return _(
        "To come back you will need a new access code: parents and students get it from the class teacher, "
        "staff from the school's administrator. The code used before works only once."
    )


async def cmd_help(_message: Message, screen: Screen):
    """Also brings the keyboard back, should the user have hidden it."""
    if not screen.user.linked:
        await screen.send(stranger_text())
        return
    await show_menu(screen.bot, screen.chat_id, screen.user, help_text(screen.user))


async def offer_consent(screen: Screen, code: str, services: Services) -> None:
    preview = await services.invites.preview(screen.user.account_id, code, school_id=screen.user.scope)
    if preview.parent_needed:  # ACC-7: a student under 14 waits for the parent's consent, and sees nothing
        await screen.send(parent_needed_text())
        return
    await screen.state.update_data(invite_code=code)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("I accept"), callback_data=ConsentCB(accept=True))
    keyboard.button(text=_("I decline"), callback_data=ConsentCB(accept=False))
    await screen.send(consent_text(preview.consent), keyboard.as_markup())


async def on_consent(_query: CallbackQuery, callback_data: ConsentCB, services: Services, screen: Screen):
    code = (await screen.state.get_data()).get("invite_code")
    if not code:
        screen.toast(_("Send the code again, please."), alert=True)
        return
    await screen.state.clear()
    account = screen.user.account_id
    if not callback_data.accept:
        await services.invites.decline(account, code, school_id=screen.user.scope)
        await screen.show(
            _("Without your consent the bot shows nothing. You can send the code again at any time."), None
        )
        return
    await services.invites.accept(screen.user.account, code, locale=screen.locale, school_id=screen.user.scope)
    user = await services.accounts.reread(screen.user)
    await screen.show(_("Thank you! This account is now linked to the school's diary."), None)
    await show_menu(screen.bot, screen.chat_id, user, help_text(user))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_with_code, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_logout, menu_filter("logout"))
    router.message.register(cmd_help, menu_filter("help"))
    router.callback_query.register(on_logout, LogoutCB.filter())
    router.callback_query.register(on_consent, ConsentCB.filter())
    return router


def access_closed_text() -> str:
    return _(
        "This chat has no access to the journal now: it was closed, or not given yet.\n"
        "To get in, ask your class teacher (staff: the administrator) for a new access code and send it here."
    )


def stranger_text() -> str:
    return _(
        "This is the school's e-journal and diary.\n"
        "To get in, ask your class teacher for an access code and send it here."
    )


def consent_text(kind: ConsentKind) -> str:
    """ACC-7: the text that fits the reader: a parent consents for themself and their child, a student for their
    own diary, staff for what they keep in the journal."""
    if kind == ConsentKind.PARENT:
        return _(
            "Before the bot shows any data, it needs your consent to the processing of personal data "
            "(Federal law 152-FZ): your and your child's names, your child's marks, attendance and homework "
            "are processed by the school to keep the electronic journal and diary.\n\n"
            "Do you give your consent?"
        )
    if kind == ConsentKind.STUDENT:
        return _(
            "Before the bot shows any data, it needs your consent to the processing of personal data "
            "(Federal law 152-FZ): your name, marks, attendance and homework are processed by the school "
            "to keep the electronic journal and your diary.\n\n"
            "Do you give your consent?"
        )
    return _(
        "Before the bot shows any data, it needs your consent to the processing of personal data "
        "(Federal law 152-FZ): your name, your role at the school and what you record in the journal "
        "(marks, attendance, lesson topics, homework, each with its date and author) are processed by the "
        "school to keep the electronic journal.\n\n"
        "Do you give your consent?"
    )
