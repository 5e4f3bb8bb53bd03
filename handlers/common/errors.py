"""Registered on the dispatcher, so it sees errors from every router: one place that turns a refusal into a clear reply, and anything unexpected into an apology."""

from __future__ import annotations

import logging

from aiogram.types import ErrorEvent

from services.accounts import CurrentUser
from services.errors import DomainError
from ui.errors_text import error_text
from ui.i18n import DEFAULT_LOCALE, gettext

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, user: CurrentUser | None = None) -> None:
    locale = user.locale if user is not None else DEFAULT_LOCALE
    err = event.exception
    if isinstance(err, DomainError):
        text = error_text(err.code, err.params, locale)
        log.info("update %s refused: %s", event.update.update_id, err.code)
    else:
        text = gettext("Sorry, something went wrong. Please try again a little later.", locale)
        log.error("update %s failed", event.update.update_id, exc_info=err)
    if event.update.callback_query is not None:
        await event.update.callback_query.answer(text, show_alert=True)
    elif event.update.message is not None:
        await event.update.message.answer(text)
