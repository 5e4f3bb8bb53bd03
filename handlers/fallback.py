"""Last in line: what no flow took. A stranger's text is taken for a typed code; a linked user's stray
text, file or unknown command gets a hint; /cancel leaves whatever the bot was waiting for; a tap on a
button no flow takes any more (an old message, a changed menu) is answered."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.start import access_closed_text, offer_consent, stranger_text
from services.container import Services
from ui.menus import hide_menu, is_menu_choice
from ui.screens import Screen


async def on_text(message: Message, services: Services, screen: Screen):
    if screen.user.linked:
        await screen.send(_("Send /help to see what the bot can do."))
    elif message.text.startswith("/"):
        await screen.send(stranger_text())
    elif is_menu_choice(message.text, screen.locale):
        # A menu kept on the phone after the access ended (leaving, dismissal, a withdrawn consent, another
        # device's code): said so, and the stale keyboard and commands go.
        await hide_menu(screen.bot, screen.chat_id, access_closed_text())
    else:
        await offer_consent(screen, message.text, services)


async def on_other(_message: Message, screen: Screen):
    await screen.send(_("Send /help to see what the bot can do.") if screen.user.linked else stranger_text())


async def cmd_cancel(_message: Message, screen: Screen):
    """A flow's own /cancel comes first; this one ends any other wait (a typed time, say)."""
    waiting = await screen.state.get_state() is not None
    await screen.state.clear()
    await screen.send(_("Cancelled.") if waiting else _("There is nothing to cancel."))


async def on_stale_button(_query: CallbackQuery, screen: Screen):
    screen.out_of_date()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    router.callback_query.register(on_stale_button)
    return router
