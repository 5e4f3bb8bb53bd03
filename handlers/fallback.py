"""Last in line: what no flow took. A stranger's text is taken for a typed code; a linked user's stray
text, file or unknown command gets a hint; /cancel leaves whatever the bot was waiting for; a tap on a
button no flow takes any more (an old message, a changed menu) is answered."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from handlers.common.start import offer_consent, stranger_text
from services.accounts import CurrentUser
from services.container import Services


async def on_text(message: Message, user: CurrentUser, services: Services, state: FSMContext):
    if user.linked:
        await message.answer(_("Send /help to see what the bot can do."))
    elif message.text.startswith("/"):
        await message.answer(stranger_text())
    else:
        await offer_consent(message, message.text, services, state)


async def on_other(message: Message, user: CurrentUser):
    await message.answer(_("Send /help to see what the bot can do.") if user.linked else stranger_text())


async def cmd_cancel(message: Message, state: FSMContext):
    """A flow's own /cancel comes first; this one ends any other wait (a typed time, say)."""
    waiting = await state.get_state() is not None
    await state.clear()
    await message.answer(_("Cancelled.") if waiting else _("There is nothing to cancel."))


async def on_stale_button(_query: CallbackQuery, callback_answer: CallbackAnswer):
    callback_answer.text = _("This button is out of date. Send /help for the menu.")


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    router.callback_query.register(on_stale_button)
    return router
