"""Schools, their settings and calendar: academic years, study periods, holidays, bells (PER-1)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Integer, Numeric, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, PeriodKind, str_enum, utcnow


class ExcusedAbsenceRule(str, enum.Enum):
    """PER-4: what lessons missed for a valid reason do to the marks a student needs for a period mark."""

    REDUCE = "reduce"  # fewer marks needed, in proportion to the lessons missed
    EXEMPT = "exempt"  # no minimum at all for a student who missed lessons for a valid reason (004 §2.3.2)
    IGNORE = "ignore"  # the minimum stays the same


class School(IdMixin, Base):
    """One school; a database may hold a whole municipality's schools."""

    __tablename__ = "schools"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    # J-8: the mark scale is a setting, 2 to 5 by default; grades listed here get no marks.
    mark_min: Mapped[int] = mapped_column(Integer, default=2)
    mark_max: Mapped[int] = mapped_column(Integer, default=5)
    grades_without_marks: Mapped[str] = mapped_column(String(40), default="1")
    # J-2: homework no later than this local time on the lesson's day.
    homework_deadline: Mapped[time] = mapped_column(Time, default=time(16, 0))
    # J-9: days after the lesson during which marks and attendance may still be changed.
    edit_window_days: Mapped[int] = mapped_column(Integer, default=14)
    # ABS-3: working days for the class teacher to set a reason after the document arrives.
    absence_review_days: Mapped[int] = mapped_column(Integer, default=2)
    # J-11: days to mark written works.
    written_work_days: Mapped[int] = mapped_column(Integer, default=3)
    # PER-4, J-5 (services/grading_policy.py): the school's own regulation on current assessment.
    # A period mark is rounded up from this fraction of the average (0.5: 4.5 -> 5; 0.6: 4.6 -> 5).
    period_round_from: Mapped[float] = mapped_column(Numeric(3, 2, asdecimal=False), default=0.5)
    marks_needed_one_hour: Mapped[int] = mapped_column(Integer, default=3)  # 1 lesson a week: 3..5
    marks_needed_many_hours: Mapped[int] = mapped_column(Integer, default=8)  # 3 lessons a week: 8..10
    excused_absences: Mapped[ExcusedAbsenceRule] = mapped_column(
        str_enum(ExcusedAbsenceRule), default=ExcusedAbsenceRule.REDUCE
    )
    written_works_obligatory: Mapped[bool] = mapped_column(default=True)
    # PER-2: the results without a number a teacher may give for year, exam and final marks (FinalResult values).
    final_results: Mapped[str] = mapped_column(String(60), default="not_attested,passed,exempt")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def no_mark_grades(self) -> frozenset[int]:
        return frozenset(int(g) for g in self.grades_without_marks.split(",") if g.strip())


class AcademicYear(IdMixin, Base):
    __tablename__ = "academic_years"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))  # «2026/2027»
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    periods: Mapped[list[StudyPeriod]] = relationship(
        back_populates="year", order_by="StudyPeriod.starts_on", cascade="all, delete-orphan", lazy="selectin"
    )


class StudyPeriod(IdMixin, Base):
    """A quarter or half-year; which grades it applies to, since grades 10-11 often study by half-years."""

    __tablename__ = "study_periods"
    __table_args__ = (UniqueConstraint("year_id", "name", "grade_from"),)

    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
    grade_from: Mapped[int] = mapped_column(Integer, default=1)
    grade_to: Mapped[int] = mapped_column(Integer, default=11)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    year: Mapped[AcademicYear] = relationship(back_populates="periods")

    def covers(self, grade: int, day: date) -> bool:
        return self.grade_from <= grade <= self.grade_to and self.starts_on <= day <= self.ends_on


class Holiday(IdMixin, Base):
    """PER-1: no lessons on these days (holidays, vacations, quarantine)."""

    __tablename__ = "holidays"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Empty: the whole school; otherwise a comma list of grades (e.g. extra vacation for grade 1).
    grades: Mapped[str] = mapped_column(String(40), default="")

    def applies_to(self, grade: int) -> bool:
        return not self.grades or str(grade) in {g.strip() for g in self.grades.split(",")}


class Bell(IdMixin, Base):
    """The bell schedule: when lesson N starts and ends."""

    __tablename__ = "bells"
    __table_args__ = (UniqueConstraint("school_id", "lesson_number"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    lesson_number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class WorkType(IdMixin, Base):
    """J-5: what a mark was for, with its weight in the weighted average."""

    __tablename__ = "work_types"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    weight: Mapped[float] = mapped_column(Numeric(4, 2, asdecimal=False), default=1)
    # J-11: written, test, lab and practical works must be marked within a few days.
    is_written: Mapped[bool] = mapped_column(default=False)
