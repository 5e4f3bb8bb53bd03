"""Bot API methods by name. Telegram matches method names case-insensitively, so keys are lower case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devtools.sandbox.params import Params
from devtools.sandbox.state import BotState

if TYPE_CHECKING:
    from devtools.sandbox.emulator import BotAPIEmulator


@dataclass
class Call:
    emulator: BotAPIEmulator
    state: BotState
    params: Params


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, Handler] = {}
# Methods that put something into a chat: these count against Telegram's flood limits.
CHAT_SENDING: set[str] = set()


def method(name: str, *, sends_to_chat: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        if sends_to_chat:
            CHAT_SENDING.add(name.lower())
        return handler

    return register
