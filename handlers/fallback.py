"""Last in line: what no flow took. A stranger's text is taken for a typed code; a linked user's stray
text or unknown command gets a hint; a tap on a button no flow takes any more (an old message, a changed menu) is answered."""
from __future__ import annotations

from aiogram import F, Router
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


async def on_stale_button(_query: CallbackQuery, callback_answer: CallbackAnswer):
    callback_answer.text = _("This button is out of date. Send /help for the menu.")


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_text, F.text)
    router.callback_query.register(on_stale_button)
    return router
