"""Messenger accounts linked to persons: consent (ACC-7), invite codes (ACC-6), push preferences."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Channel, ConsentAnswer, IdMixin, NotifyKind, NotifyMode, str_enum, utcnow


def _same_as_id(context) -> int:
    return context.get_current_parameters()["id"]


class Account(Base):
    """A messenger's user (Telegram or MAX). `id` is the key the bot's updates carry: Telegram's user id, or a MAX
    user's id negated (bot/channels.py); services treat it as opaque. `external_id` is the messenger's own id.
    Persons point at it through PersonAccount, one account per person and channel."""

    __tablename__ = "accounts"
    # A unique index, not a constraint: SQLite adds and drops an index in place (migrations).
    __table_args__ = (Index("uq_accounts_channel_external_id", "channel", "external_id", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.TELEGRAM)
    external_id: Mapped[int] = mapped_column(BigInteger, default=_same_as_id)
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    # False once the messenger says the bot is blocked or the user is gone: pushes stop.
    is_active: Mapped[bool] = mapped_column(default=True)
    # Which linked person and child the menus currently speak for (ROLE-1: several roles, children).
    # Plain ids, not foreign keys (persons already point here through PersonAccount): rights are re-checked on every use.
    current_person_id: Mapped[int | None]
    current_student_id: Mapped[int | None]
    digest_time: Mapped[time] = mapped_column(Time, default=time(19, 0))
    quiet_from: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_to: Mapped[time] = mapped_column(Time, default=time(8, 0))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonAccount(IdMixin, Base):
    """A person's link to an account: at most one per channel, so one person may use Telegram and MAX at once; one
    account may be linked to persons of several schools (and to several persons of one)."""

    __tablename__ = "person_accounts"
    __table_args__ = (UniqueConstraint("person_id", "channel"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))  # the account's, kept here for the unique key


class Consent(IdMixin, Base):
    """ACC-7: each answer to the consent to personal data processing, with its time."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person_at", "person_id", "at"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(BigInteger)  # None: a paper consent, recorded by staff
    answer: Mapped[ConsentAnswer] = mapped_column(str_enum(ConsentAnswer))
    text_version: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # A parent's answer for their child (the person is the child): plain id, the record outlives the link.
    by_parent_id: Mapped[int | None] = mapped_column(Integer)
    paper: Mapped[bool] = mapped_column(default=False)  # a signed paper consent the school keeps (000 §8.6)
    recorded_by: Mapped[int | None] = mapped_column(Integer)  # the secretary or administrator who recorded it


class InviteCode(IdMixin, Base):
    """ACC-6: a one-time code for one person. Only the code's hash is kept, never the code."""

    __tablename__ = "invite_codes"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_account: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None]


class InviteAttempt(IdMixin, Base):
    """A failed code entry, to limit guessing to a few tries an hour per account."""

    __tablename__ = "invite_attempts"
    __table_args__ = (Index("ix_invite_attempts_account_at", "account_id", "at"),)

    account_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationSetting(IdMixin, Base):
    """Per account and child: how each kind of push arrives (at once, in the digest, or not)."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("account_id", "student_id", "kind"),)

    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    kind: Mapped[NotifyKind] = mapped_column(str_enum(NotifyKind))
    mode: Mapped[NotifyMode] = mapped_column(str_enum(NotifyMode), default=NotifyMode.INSTANT)
