"""Which messenger a Bot object speaks, and the ids its updates carry.

MAX's user and chat ids are int64 like Telegram's and may coincide with them, so the MAX session (bot/max/) hands
the Dispatcher every MAX id negated. A Telegram user's id is positive, so a MAX user's is never one of them: the
accounts, the conversations' keys and the flood limits keep the two apart with nothing else to know.
"""

from __future__ import annotations

from typing import Any

from services.accounts import AccountRef
from services.models import Channel


def channel_of(bot: Any) -> Channel:
    """A MAX bot says so (bot/max/bot.py); any other is Telegram's."""
    return getattr(bot, "channel", Channel.TELEGRAM)


def from_max(max_id: int) -> int:
    """The id the Dispatcher sees for a MAX user or chat."""
    return -max_id


def to_max(seen_id: int) -> int:
    """MAX's own id of a user or chat the Dispatcher saw as `seen_id`."""
    return -seen_id


def account_ref(bot: Any, user_id: int) -> AccountRef:
    """The account of the user `user_id` of an update `bot` received."""
    channel = channel_of(bot)
    return AccountRef(user_id, channel, to_max(user_id) if channel is Channel.MAX else user_id)
