"""MAX's error answers: a non-2xx status with `{"code": ..., "message": ...}` (the codes clients match on)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class MaxError(Exception):
    """Raised by a handler; the server answers it with `status` and MAX's error body."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


def unauthorized() -> MaxError:
    return MaxError(401, "verify.token", "Invalid access_token")


def not_found(what: str = "resource") -> MaxError:
    return MaxError(404, "not.found", f"{what} not found")


def denied(text: str = "chat.denied") -> MaxError:
    return MaxError(403, "chat.denied", text)


def bad_payload(text: str) -> MaxError:
    return MaxError(400, "proto.payload", text)


def text_too_long(length: int) -> MaxError:
    return MaxError(400, "text.too.long", f"text: size must be between 0 and 4000, got {length}")


def keyboard_invalid(text: str) -> MaxError:
    return MaxError(400, "keyboard.invalid", text)


def not_ready() -> MaxError:
    return MaxError(400, "attachment.not.ready", "Key: errors.process.attachment.file.not.processed")


def too_many_requests(retry_after: int) -> MaxError:
    return MaxError(429, "too.many.requests", "Too many requests", retry_after)


def http_error(status: int) -> MaxError:
    """An injected failure: 429 is MAX's rate limit, anything else an HTTP error with its reason."""
    if status == 429:
        return too_many_requests(1)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return MaxError(status, "internal.error" if status >= 500 else "proto.payload", phrase)
