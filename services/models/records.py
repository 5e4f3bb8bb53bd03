"""What the system remembers about itself: the audit log (DATA-3), the outbox of domain events, and the drafts
already saved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, DeliveryStatus, EventKind, IdMixin, NotifyKind, str_enum, utcnow


class AuditEntry(IdMixin, Base):
    """DATA-3: who changed what in the journal, when, and the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_student", "student_id", "id"),
        Index("ix_audit_lesson", "lesson_id", "id"),
    )

    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Whose record and which lesson the change touched, read from the change itself by audit(): a student's or a
    # lesson's history is an index away (DATA-3). Plain ids: the history outlives a deleted mark or lesson.
    student_id: Mapped[int | None] = mapped_column(Integer)
    lesson_id: Mapped[int | None] = mapped_column(Integer)
    # Why, when not the author's own edit: "correction:12" (an applied correction request, J-10), "order:…" (PER-5).
    cause: Mapped[str | None] = mapped_column(String(60))


class OutboxEvent(IdMixin, Base):
    """A domain event written in the same transaction as its cause; the pushes worker drains it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "id"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    payload: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A scheduled reminder's "what, for whom, which day": a second run of the same job writes nothing.
    key: Mapped[str | None] = mapped_column(String(120), unique=True)


class Delivery(IdMixin, Base):
    """One event for one Telegram account: planned when the outbox is drained, sent by the worker.

    (event, account) is unique, so an event is planned once for each recipient whatever happens.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "account_id"),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_account_status", "account_id", "status"),
        Index("ix_deliveries_topic", "topic"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))  # whose news
    notify_kind: Mapped[NotifyKind | None] = mapped_column(str_enum(NotifyKind))  # None: staff's, no choice
    # What the news is about ("mark:12"): a change or deletion of it corrects what was sent.
    topic: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]  # not before (UTC): the end of quiet hours, or the digest time
    digest: Mapped[bool] = mapped_column(default=False)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]  # when a worker took it to send (SENDING)
    sent_at: Mapped[datetime | None]


class SavedDraft(Base):
    """A draft (a screen's marks, an attendance roster, a form) written to the journal: its id, made when the draft
    started, is the key, so a second save of it (a second tap, another process, a retry) is refused."""

    __tablename__ = "saved_drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
