"""Domain errors: each carries a machine-readable code and the values a message needs.

The bot turns the code into a sentence in the user's language; services never produce text for users.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"


class NotFound(DomainError):
    """The thing does not exist, or the person may not know that it does."""


class Forbidden(DomainError):
    """The person's rights do not cover this (ACC-*)."""


class InvalidInput(DomainError):
    """The values break a rule: out of scale, wrong date, too long."""


class Locked(DomainError):
    """The record is past its edit window and changes only through a correction (J-9, J-10, PER-5)."""


class Conflict(DomainError):
    """The state has moved on: decided twice, code already used."""


class AlreadySaved(Conflict):
    """This draft was saved before: a second tap, another process, a retry. What it holds is in the journal."""


class TooManyAttempts(DomainError):
    """Too many tries in a short time."""
