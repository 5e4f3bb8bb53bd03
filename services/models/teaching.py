"""What is taught: subjects, teaching assignments, substitutes, the weekly timetable, thematic plans."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin
from .people import ClassGroup, Person, Subgroup


class Subject(IdMixin, Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(30), default="")


class Assignment(IdMixin, Base):
    """Teaching load: a teacher teaches a subject to a class or one of its subgroups (ACC-3, J-13)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("class_id", "subgroup_id", "subject_id", "teacher_id"),
        # A whole-class assignment has no subgroup, and NULLs never collide in a unique key.
        Index(
            "uq_assignments_whole_class",
            "class_id",
            "subject_id",
            "teacher_id",
            unique=True,
            sqlite_where=text("subgroup_id IS NULL"),
            postgresql_where=text("subgroup_id IS NULL"),
        ),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    hours_per_week: Mapped[int] = mapped_column(Integer, default=1)

    teacher: Mapped[Person] = relationship(lazy="joined")
    class_group: Mapped[ClassGroup] = relationship(lazy="joined")
    subgroup: Mapped[Subgroup | None] = relationship(lazy="joined")
    subject: Mapped[Subject] = relationship(lazy="joined")


class Substitution(IdMixin, Base):
    """ACC-5: a substitute holds the journal access of an assignment for a date range."""

    __tablename__ = "substitutions"
    __table_args__ = (Index("ix_substitutions_substitute_dates", "substitute_id", "starts_on", "ends_on"),)

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class TimetableEntry(IdMixin, Base):
    """The weekly timetable: on this weekday, lesson N of an assignment, valid within a date range."""

    __tablename__ = "timetable"
    __table_args__ = (
        UniqueConstraint("assignment_id", "weekday", "lesson_number", "valid_from"),
        Index("ix_timetable_weekday", "weekday", "assignment_id"),
    )

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday, as date.weekday()
    lesson_number: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(20), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    assignment: Mapped[Assignment] = relationship(lazy="joined")


class PlanTopic(IdMixin, Base):
    """J-14: the calendar-thematic plan (КТП) of an assignment, topic by topic in order."""

    __tablename__ = "plan_topics"
    __table_args__ = (UniqueConstraint("assignment_id", "position"),)

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(300))
