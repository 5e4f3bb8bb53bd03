"""What a messenger needs us to keep about its own messages: a reference the bot cannot compute again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class MessengerRef(Base):
    """One reference a messenger gave a bot, by the bot's key, a kind and the key the bot knows it by: e.g. the
    messenger's own id of a message known to the bot by (chat, number), or where a file known by its token is
    downloaded. Written when the messenger tells it, read when the bot acts on that message or file again, after a
    restart and in another process too; old ones may be forgotten (services/messenger_refs.forget_older_than)."""

    __tablename__ = "messenger_refs"
    __table_args__ = (Index("ix_messenger_refs_created_at", "created_at"),)

    bot_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    ref: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
