"""The journal: dated lessons with topic and homework, marks, absences, documents, final marks."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import (
    AbsenceReason,
    AttachmentKind,
    Base,
    CorrectionStatus,
    DocumentKind,
    DocumentStatus,
    FinalMarkKind,
    FinalResult,
    IdMixin,
    MovementKind,
    YearDecisionKind,
    str_enum,
    utcnow,
)
from .school import WorkType
from .teaching import Assignment


class Lesson(IdMixin, Base):
    """A lesson that took (or will take) place: created from the timetable when first written to."""

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("assignment_id", "date", "lesson_number"),
        Index("ix_lessons_date_assignment", "date", "assignment_id"),
        Index("ix_lessons_due", "assignment_id", "homework_due_on"),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    date: Mapped[date]
    lesson_number: Mapped[int] = mapped_column(Integer)
    # Who taught it: the assignment's teacher or a substitute (ACC-5).
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    topic: Mapped[str] = mapped_column(String(500), default="")
    homework: Mapped[str] = mapped_column(Text, default="")
    # J-3: «не задано» said explicitly, as opposed to homework not yet entered.
    no_homework: Mapped[bool] = mapped_column(default=False)
    homework_due_on: Mapped[dt.date | None]  # dt.: in this class `date` is the column above
    attendance_taken_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))

    assignment: Mapped[Assignment] = relationship(lazy="joined")


class Attachment(IdMixin, Base):
    """A photo or file: homework material (J-4) or an absence document's scan (ABS-4)."""

    __tablename__ = "attachments"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("absence_documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    # A file id belongs to one bot (telegram_bot_id; None: recorded before it was kept): another bot sends the
    # kept bytes instead and records its own id.
    telegram_file_id: Mapped[str] = mapped_column(String(200))
    telegram_unique_id: Mapped[str] = mapped_column(String(100))
    telegram_bot_id: Mapped[int | None] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    # The type and size found in the bytes (services/files.py); the bytes are kept in the school's file store
    # under their sha256 (ABS-4, DATA-1). None: not fetched yet (`schoolbot fetch-files`).
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mark(IdMixin, Base):
    """J-5..J-8: a current mark, with its work type, in a lesson; several a day are allowed."""

    __tablename__ = "marks"
    __table_args__ = (
        Index("ix_marks_student_lesson", "student_id", "lesson_id"),
        Index("ix_marks_lesson", "lesson_id"),
    )

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    work_type_id: Mapped[int] = mapped_column(ForeignKey("work_types.id"))
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    work_type: Mapped[WorkType] = relationship(lazy="joined")


class Absence(IdMixin, Base):
    """J-12: the subject teacher records «ОТ»; the class teacher sets the reason (ABS-2)."""

    __tablename__ = "absences"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        Index("ix_absences_student", "student_id", "lesson_id"),
    )

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    reason: Mapped[AbsenceReason | None] = mapped_column(str_enum(AbsenceReason))
    reason_set_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    reason_set_at: Mapped[datetime | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("absence_documents.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AbsenceDocument(IdMixin, Base):
    """ABS-1..ABS-4: a parent's or student's statement or doctor's note covering a range of dates."""

    __tablename__ = "absence_documents"
    __table_args__ = (Index("ix_documents_student_dates", "student_id", "date_from", "date_to"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    date_from: Mapped[date]
    date_to: Mapped[date]
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus), default=DocumentStatus.PENDING, index=True)
    reason: Mapped[AbsenceReason | None] = mapped_column(str_enum(AbsenceReason))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin", order_by="Attachment.id")


class FinalMark(IdMixin, Base):
    """PER-2..PER-6: a period (quarter, trimester, half-year), year, exam or final mark."""

    __tablename__ = "final_marks"
    __table_args__ = (
        UniqueConstraint("student_id", "subject_id", "kind", "period_id", "year_id"),
        # Year, exam and final marks have no period, and NULLs never collide in a unique key.
        Index(
            "uq_final_marks_without_period",
            "student_id",
            "subject_id",
            "kind",
            "year_id",
            unique=True,
            sqlite_where=text("period_id IS NULL"),
            postgresql_where=text("period_id IS NULL"),
        ),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("study_periods.id"))
    kind: Mapped[FinalMarkKind] = mapped_column(str_enum(FinalMarkKind))
    value: Mapped[int | None] = mapped_column(Integer)  # the mark of the scale; None unless result is MARK
    # «н/а» (not attested: too few marks, PER-4), «зач.», «осв.», or a mark of the scale (value).
    result: Mapped[FinalResult] = mapped_column(
        str_enum(FinalResult), default=FinalResult.MARK, server_default=FinalResult.MARK.value
    )
    set_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class Exam(IdMixin, Base):
    """PER-2: an exam of a grade in a subject in a school year, held on `held_on`; its mark is set from that day."""

    __tablename__ = "exams"
    __table_args__ = (UniqueConstraint("year_id", "grade", "subject_id"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    held_on: Mapped[date]


class MarkRevision(IdMixin, Base):
    """PER-5: a period, year, exam or final mark changed by the director's order: what it was, what it became,
    the order, and who entered it. The history stays when the mark changes again."""

    __tablename__ = "mark_revisions"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    final_mark_id: Mapped[int] = mapped_column(ForeignKey("final_marks.id", ondelete="CASCADE"), index=True)
    old_value: Mapped[int | None] = mapped_column(Integer)
    old_result: Mapped[FinalResult | None] = mapped_column(str_enum(FinalResult))  # None: there was no mark
    new_value: Mapped[int | None] = mapped_column(Integer)
    new_result: Mapped[FinalResult] = mapped_column(str_enum(FinalResult))
    order_number: Mapped[str] = mapped_column(String(40))
    order_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))  # None: the administrator's command line
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class CorrectionRequest(IdMixin, Base):
    """J-10: «Замена сведений в электронном журнале» for a lesson past the edit window."""

    __tablename__ = "correction_requests"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    lesson_date: Mapped[date]
    # The list of changes as JSON, each {"op": …, …}: services/correction_changes.py reads and writes them.
    changes: Mapped[list] = mapped_column()
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[CorrectionStatus] = mapped_column(
        str_enum(CorrectionStatus), default=CorrectionStatus.PENDING, index=True
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Movement(IdMixin, Base):
    """DATA-4: the student movement book."""

    __tablename__ = "movements"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MovementKind] = mapped_column(str_enum(MovementKind))
    order_number: Mapped[str] = mapped_column(String(40), default="")
    order_date: Mapped[date]
    from_class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"))
    to_class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class YearDecision(IdMixin, Base):
    """PER-5, DATA-4: the pedagogical council's decision on a student for a year, by the director's order; one per
    student and year. `debts` lists the subjects (ids) of a conditional promotion's academic debt."""

    __tablename__ = "year_decisions"
    __table_args__ = (UniqueConstraint("student_id", "year_id"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))  # the class the decision was taken in
    decision: Mapped[YearDecisionKind] = mapped_column(str_enum(YearDecisionKind))
    debts: Mapped[list] = mapped_column(default=list)
    order_number: Mapped[str] = mapped_column(String(40), default="")
    order_date: Mapped[date]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
