"""The bot's HTTP session: aiogram's, with the Bot API's response models kept alive.

aiogram reads every answer of the Bot API into `Response[T]`, T being what the method returns, and builds that
parametrised pydantic model on each call: pydantic caches it only weakly, so it is collected between calls and
built again (a quarter of the CPU of a reply). Keeping one strong reference per T makes each later
`Response[T]` a cache hit. There are as many as the Bot API methods the bot uses, so the dict stays small.

The answer of an edit (`editMessageText`, `editMessageReplyMarkup`: the edited message, with its text's entities and
its keyboard) is read by no caller: the screens edit in place and go on (ui/screens.py), so it is checked, not read
into aiogram's models (a tenth of the CPU of a diary tap). When Telegram says ok, the call returns True, as the Bot
API itself does for an inline message's edit (the methods' type is `Message | bool`); an error is raised as before.
A caller that comes to need the edited message takes its method out of UNREAD_ANSWERS (mypy makes it look at the
bool first).

A tap's update carries the whole message whose button was tapped: its text's entities and its keyboard (a diary
screen: its buttons and its bold and italic words, each a pydantic model), read by no handler, which take the
message's id and chat only (ui/screens.py `tapped`, `chat_of`). They are dropped before aiogram reads the update
(`without_unread_parts`), here for polling and in bot/runtime.py for the webhook; MAX's updates (bot/max/updates.py)
never carry them. The same for the answer of `sendMessage`, the message as sent: its callers keep its id (a screen's
messages, a push's, a report's «preparing…» line), never its keyboard or entities, which they have just sent.

A call without files goes as JSON (the Bot API takes `application/json` for everything but uploads): aiogram's form
is URL-encoded, which quotes a Cyrillic text byte by byte in Python, a tenth of a millisecond for a diary screen.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, GetUpdates, SendMessage
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiohttp import FormData
from aiohttp.payload import BytesPayload
from pydantic import ValidationError

if TYPE_CHECKING:
    from aiogram import Bot

# What a method returns → Response[that], for the life of the process (shared by every session).
_RESPONSE_MODELS: dict[Any, type[Response[Any]]] = {}


def response_model(returning: Any) -> type[Response[Any]]:
    """`Response[returning]`, built once per process and then kept."""
    model = _RESPONSE_MODELS.get(returning)
    if model is None:
        model = _RESPONSE_MODELS[returning] = Response[returning]
    return model


# The methods whose answer no caller reads (above): True when Telegram says ok.
UNREAD_ANSWERS: frozenset[type[TelegramMethod[Any]]] = frozenset({EditMessageText, EditMessageReplyMarkup})

# What nobody reads of a tapped message, or of a message the bot has just sent (above).
UNREAD_IN_MESSAGE = ("entities", "caption_entities", "reply_markup")


def _without_unread_in_message(message: Any) -> None:
    if isinstance(message, dict):
        for key in UNREAD_IN_MESSAGE:
            message.pop(key, None)


def without_unread_parts(update: Any) -> Any:
    """The update's JSON without what no handler reads of a tapped message; anything else as it is."""
    query = update.get("callback_query") if isinstance(update, dict) else None
    _without_unread_in_message(query.get("message") if isinstance(query, dict) else None)
    return update


def _trim_updates(updates: Any) -> None:
    if isinstance(updates, list):
        for update in updates:
            without_unread_parts(update)


# The answers read into models once what nobody reads of them is dropped (above): the method -> the dropping.
TRIMMED_ANSWERS: dict[type[TelegramMethod[Any]], Callable[[Any], None]] = {
    GetUpdates: _trim_updates,
    SendMessage: _without_unread_in_message,
}


class BotSession(AiohttpSession):
    """aiogram's aiohttp session, whose `check_response` finds `Response[T]` in pydantic's cache and does not read
    what nobody reads (an edit's answer, the keyboard and entities of a tapped or a sent message) into models, and
    whose calls without files go as JSON."""

    async def close(self, *, linger: bool = True) -> None:
        """aiogram's close, which then waits 250 ms for TLS connections to finish closing (aiohttp's graceful
        shutdown); without `linger` it returns at once, for a session closed while the event loop runs on and they
        finish meanwhile (the start's token check: a quarter of a second sooner to the first update)."""
        if linger:
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    def build_form_data(  # type: ignore[override]  # aiogram hands the body to aiohttp, which takes either
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | BytesPayload:
        files: dict[str, Any] = {}
        fields = {}
        for key, given in method.model_dump(warnings=False, exclude_none=True).items():
            value = self.prepare_value(given, bot=bot, files=files, _dumps_json=False)
            if value:  # what aiogram's form leaves out too
                fields[key] = value
        if files:  # an upload: aiogram's multipart form
            return super().build_form_data(bot, method)
        return BytesPayload(self.json_dumps(fields).encode(), content_type="application/json")

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        model = response_model(method.__returning__)  # aiogram's own Response[...] below is then the kept one
        kind = type(method)
        if (kind in UNREAD_ANSWERS or kind in TRIMMED_ANSWERS) and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            answer = self._ok_answer(content)
            if answer is not None and kind in UNREAD_ANSWERS:
                return model.model_construct(ok=True, result=True)
            if answer is not None:
                TRIMMED_ANSWERS[kind](answer.get("result"))
                with suppress(ValidationError):  # aiogram's check below says what is wrong with it
                    return model.model_validate(answer, context={"bot": bot})
        return super().check_response(bot, method, status_code, content)

    def _ok_answer(self, content: str) -> dict[str, Any] | None:
        """The answer's JSON if it says ok, else None (aiogram's check says what is wrong with it)."""
        try:
            answer = self.json_loads(content)
        except Exception:  # noqa: BLE001 - any decoder's error
            return None
        return answer if isinstance(answer, dict) and answer.get("ok") is True else None
