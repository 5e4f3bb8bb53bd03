"""The bot's HTTP session: aiogram's, with the Bot API's response models kept alive.

aiogram reads every answer of the Bot API into `Response[T]`, T being what the method returns, and builds that
parametrised pydantic model on each call: pydantic caches it only weakly, so it is collected between calls and
built again (a quarter of the CPU of a reply). Keeping one strong reference per T makes each later
`Response[T]` a cache hit. There are as many as the Bot API methods the bot uses, so the dict stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods.base import Response, TelegramMethod, TelegramType

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


class BotSession(AiohttpSession):
    """aiogram's aiohttp session, whose `check_response` finds `Response[T]` in pydantic's cache."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        response_model(method.__returning__)  # aiogram's own Response[...] below is then the kept one
        return super().check_response(bot, method, status_code, content)
