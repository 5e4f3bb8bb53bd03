"""MAX's error answers as aiogram's exceptions, so that what handles Telegram's (the push worker's retries, a
blocked account made inactive, a 429 waited out, bot/alerts.TokenWatch) handles MAX's unchanged.

MAX answers an error with a non-2xx status and `{"code": "...", "message": "..."}`: 429 → TelegramRetryAfter
(Retry-After's seconds, else 1), 401 → TelegramUnauthorizedError, 403 → TelegramForbiddenError, 404 → Telegram's
400 "chat/message not found" (TelegramBadRequest), any other 4xx → TelegramBadRequest, 5xx → TelegramServerError.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod

NOT_READY = "attachment.not.ready"  # a file just uploaded, not processed yet: the send is tried again


class MaxAPIError(TelegramAPIError):
    """An answer of MAX aiogram has no closer exception for."""


class UnsupportedInMax(TelegramAPIError):
    """A Bot API method the MAX session does not map (MAX has no equivalent, or the bot never needed it)."""

    def __init__(self, method: TelegramMethod[Any]) -> None:
        super().__init__(method, f"{type(method).__name__} ({method.__api_method__}) is not supported on MAX")


def error_code(body: str) -> tuple[str, str]:
    """MAX's (code, message) from an error body; ("", the start of the body) when it is not MAX's JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        return "", body[:200]
    if not isinstance(data, dict):
        return "", body[:200]
    return str(data.get("code") or ""), str(data.get("message") or data.get("error") or "")


def retry_after(header: str | None) -> int:
    """Seconds to wait from a Retry-After header (seconds); 1 when absent or not a number."""
    try:
        return max(1, int(float(header))) if header else 1
    except ValueError:
        return 1


def exception_for(
    method: TelegramMethod[Any], status: int, body: str, retry_after_header: str | None = None
) -> TelegramAPIError:
    """The aiogram exception of MAX's answer `status` with `body`; the text says MAX's code and message."""
    code, message = error_code(body)
    text = f"MAX {status} {code}: {message}".rstrip(": ")
    error: TelegramAPIError
    if status == 429:
        error = TelegramRetryAfter(method=method, message=text, retry_after=retry_after(retry_after_header))
    elif status == 401:
        error = TelegramUnauthorizedError(method=method, message=text)
    elif status == 403:
        error = TelegramForbiddenError(method=method, message=text)
    elif status == 404:
        # Telegram says an unknown chat or message with 400 "… not found" (its 404 is a wrong method), and that is
        # what the bot handles: a screen whose message is gone is sent again (ui/screens.py), a push to a chat
        # that is gone stops (bot/pushes/sender.py).
        error = TelegramBadRequest(method=method, message=f"{missing_thing(method)} not found ({text})")
    elif 400 <= status < 500:
        error = TelegramBadRequest(method=method, message=text)
    elif status >= 500:
        error = TelegramServerError(method=method, message=text)
    else:
        error = MaxAPIError(method=method, message=text)
    error.max_code = code  # type: ignore[attr-defined]
    return error


def missing_thing(method: TelegramMethod[Any]) -> str:
    """What a 404 of MAX to `method` says is missing, in Telegram's words."""
    name = method.__api_method__.lower()
    if name.startswith(("edit", "delete")) and "message" in name:
        return "message"
    if name == "answercallbackquery":
        return "query"
    return "chat"


def max_code(error: BaseException) -> str:
    """MAX's error code an exception of exception_for() carries, "" for any other."""
    return getattr(error, "max_code", "")
