"""Bot API error answers, worded the way Telegram words them (clients match on these texts)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    """Raised by a method; the server turns it into `{"ok": false, ...}` with the same status."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def conflict(text: str) -> ApiError:
    return ApiError(409, f"Conflict: {text}")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def entity_too_large() -> ApiError:
    return ApiError(413, "Request Entity Too Large")


def http_error(status: int) -> ApiError:
    """An injected failure: 5xx answers carry the HTTP reason, as Telegram's front servers send."""
    if status == 429:
        return too_many_requests(1)
    try:
        return ApiError(status, HTTPStatus(status).phrase)
    except ValueError:
        return ApiError(status, "Error")


CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"
DEACTIVATED = "user is deactivated"
