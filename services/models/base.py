"""Declarative base, shared column types and enums of the journal model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Enum, Integer, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so that migrations can drop and alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC; SQLite forgets the zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum]) -> Enum:
    """Enums are stored as their string values in a VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict: JSON(), list: JSON()}


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Role(str, enum.Enum):
    """ROLE-1. The class teacher role is held by whoever leads a class (ClassGroup.class_teacher_id)."""

    PARENT = "parent"
    STUDENT = "student"
    TEACHER = "teacher"
    CLASS_TEACHER = "class_teacher"
    DEPUTY = "deputy"
    SECRETARY = "secretary"
    ADMIN = "admin"


STAFF_ROLES = (Role.TEACHER, Role.DEPUTY, Role.SECRETARY, Role.ADMIN)


class Channel(str, enum.Enum):
    """The messenger an account writes from: the same person may link one of each."""

    TELEGRAM = "telegram"
    MAX = "max"


class Kinship(str, enum.Enum):
    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"
    OTHER = "other"


class StudentStatus(str, enum.Enum):
    ACTIVE = "active"
    LEFT = "left"
    GRADUATED = "graduated"


class PeriodKind(str, enum.Enum):
    """PER-1: how a grade's year is divided; each grade has periods of one kind."""

    QUARTER = "quarter"
    TRIMESTER = "trimester"
    HALF_YEAR = "half_year"


class AbsenceReason(str, enum.Enum):
    """ABS-2: the class teacher's three reasons; no value means «не указана»."""

    EXCUSED = "excused"
    ILLNESS = "illness"
    UNEXCUSED = "unexcused"


VALID_REASONS = (AbsenceReason.EXCUSED, AbsenceReason.ILLNESS)


class DocumentKind(str, enum.Enum):
    """What a parent says the absence was for (ABS-1); the class teacher then sets the ABS-2 reason."""

    ILLNESS = "illness"
    FAMILY = "family"
    COMPETITION = "competition"
    OTHER = "other"


class DocumentStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class FinalMarkKind(str, enum.Enum):
    PERIOD = "period"
    YEAR = "year"
    EXAM = "exam"
    FINAL = "final"


class FinalResult(str, enum.Enum):
    """What a period, year, exam or final mark says (PER-2): a mark of the scale (FinalMark.value), or one of the
    results without a number: «н/а» (not attested), «зач.» (passed), «осв.» (exempt)."""

    MARK = "mark"
    NOT_ATTESTED = "not_attested"
    PASSED = "passed"
    EXEMPT = "exempt"


class CorrectionStatus(str, enum.Enum):
    PENDING = "pending"
    APPLIED = "applied"
    DECLINED = "declined"


class MovementKind(str, enum.Enum):
    """DATA-4: the six kinds of movement orders."""

    PROMOTION = "promotion"
    REPEAT = "repeat"
    GRADUATION = "graduation"
    LEAVING = "leaving"
    ENROLMENT = "enrolment"
    TRANSFER = "transfer"


class ConsentAnswer(str, enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class NotifyKind(str, enum.Enum):
    MARKS = "marks"
    ABSENCES = "absences"
    HOMEWORK = "homework"
    DOCUMENTS = "documents"
    ANNOUNCEMENTS = "announcements"
    TOMORROW = "tomorrow"  # the evening reminder of tomorrow's homework (opt-in)
    SUMMARY = "summary"  # the weekly summary and the period forecast (DIA-4)


class NotifyMode(str, enum.Enum):
    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"


class AttachmentKind(str, enum.Enum):
    PHOTO = "photo"
    DOCUMENT = "document"


class EventKind(str, enum.Enum):
    MARK_ADDED = "mark_added"
    MARK_CHANGED = "mark_changed"
    MARK_DELETED = "mark_deleted"
    ABSENCE_RECORDED = "absence_recorded"
    ABSENCE_REMOVED = "absence_removed"
    ABSENCE_REASON_SET = "absence_reason_set"
    HOMEWORK_SET = "homework_set"
    HOMEWORK_CHANGED = "homework_changed"
    DOCUMENT_SENT = "document_sent"
    DOCUMENT_DECIDED = "document_decided"
    PERIOD_MARK_SET = "period_mark_set"
    FINAL_MARK_REVISED = "final_mark_revised"  # PER-5, to the family: a mark changed by the director's order
    CORRECTION_REQUESTED = "correction_requested"  # J-10, to the deputy directors and administrators
    CORRECTION_DECIDED = "correction_decided"
    ANNOUNCEMENT = "announcement"
    TIMETABLE_CHANGED = "timetable_changed"  # ACC-5, SUB-2: a substitution for today or tomorrow, to the families
    # Scheduled reminders (services/reminders): written by the jobs, one per recipient and day (OutboxEvent.key).
    HOMEWORK_MISSING = "homework_missing"  # J-2, to a teacher at 15:00
    LESSONS_UNFILLED = "lessons_unfilled"  # J-1, to a teacher at the end of the day
    WORKS_UNMARKED = "works_unmarked"  # J-11, to a teacher
    ABSENCE_DEADLINES = "absence_deadlines"  # ABS-3, to a class teacher
    WEEK_UNREASONED = "week_unreasoned"  # to a class teacher on Fridays
    PERIOD_FAILING = "period_failing"  # PER-4, to a teacher before the period ends
    FINALS_MISSING = "finals_missing"  # PER-6, to the deputy directors after the year's last period or exam
    HOMEWORK_TOMORROW = "homework_tomorrow"  # to a student (and parents who opt in), the evening before
    WEEKLY_SUMMARY = "weekly_summary"  # to a family
    PERIOD_FORECAST = "period_forecast"  # DIA-4, to a family before the period ends
    REPORT_READY = "report_ready"  # REP-2, to class teachers and deputies after a period or a month, with the file


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its time (quiet hours, digest, the gathering window)
    SENDING = "sending"  # claimed by the worker; left so by a crash, it is sent again on restart
    SENT = "sent"
    MERGED = "merged"  # said by another delivery of the same message, or cancelled out (added, then deleted)
    FAILED = "failed"  # Telegram refused it for good (blocked, deactivated, chat not found, bad request)


class YearDecisionKind(str, enum.Enum):
    """PER-5, DATA-4: the pedagogical council's decision on a student at the year's end (000 §6.2); leaving is
    the movement book's own order."""

    PROMOTED = "promoted"  # «переведён»
    CONDITIONAL = "conditional"  # «условно переведён», with the subjects of academic debt
    REPEAT = "repeat"  # «оставлен на повторный курс»
    GRADUATED = "graduated"  # «выдан аттестат»
