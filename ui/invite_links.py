"""A code's deep links, one for each messenger the school's bot is served in: opening one starts the bot with the
code, so the person sees the consent screen without typing it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InviteLinks:
    """The Telegram bot's @name and the MAX bot's name (as in max.ru/<name>); None where the bot is not served."""

    telegram: str | None = None
    max: str | None = None

    def of(self, code: str) -> list[tuple[str, str]]:
        """(messenger, link) for each messenger the bot is served in."""
        links = []
        if self.telegram:
            links.append(("Telegram", f"https://t.me/{self.telegram}?start={code}"))
        if self.max:
            links.append(("MAX", f"https://max.ru/{self.max}?start={code}"))
        return links
