"""People of a school: persons, students, their parents, staff roles, classes and subgroups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, Kinship, Role, StudentStatus, str_enum, utcnow


class Person(IdMixin, Base):
    """A human known to one school. Linked to messenger accounts through PersonAccount."""

    __tablename__ = "persons"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    middle_name: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None]
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    # ACC-6, ROLE-2: a member of staff dismissed from this day on (with the order's number) loses the journal;
    # the person and every record they made stay (services/staff.py).
    dismissed_on: Mapped[date | None]
    dismissal_order: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Read where needed (a query on StaffRole, or selectinload(Person.roles)), not with every Person a query loads:
    # students, teachers and authors are joined into most screens' queries and none of them needs the roles.
    roles: Mapped[list[StaffRole]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """«Иванова А. П.», as journals print teachers."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


class StaffRole(IdMixin, Base):
    """ROLE-1/ROLE-2: teacher, deputy director, secretary, administrator."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))


class ClassGroup(IdMixin, Base):
    """A class («5А») in one academic year, with its class teacher (ACC-4)."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("year_id", "grade", "letter"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id", ondelete="CASCADE"), index=True)
    grade: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(4))
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


class Student(IdMixin, Base):
    __tablename__ = "students"
    __table_args__ = (Index("ix_students_class_status", "class_id", "status"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    status: Mapped[StudentStatus] = mapped_column(str_enum(StudentStatus), default=StudentStatus.ACTIVE)

    person: Mapped[Person] = relationship(lazy="joined")
    class_group: Mapped[ClassGroup] = relationship(lazy="joined")


class Enrolment(IdMixin, Base):
    """A student's stay in a class, from a day to a day (inclusive; open while ends_on is None): a transfer, a
    promotion or leaving closes one and may open the next, so what was recorded in each class stays theirs."""

    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ix_enrolments_student_dates", "student_id", "starts_on"),
        Index("ix_enrolments_class_dates", "class_id", "starts_on"),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Guardianship(IdMixin, Base):
    """A parent or guardian of a student; several parents per child and children per parent."""

    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("parent_id", "student_id"),)

    parent_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    kinship: Mapped[Kinship] = mapped_column(str_enum(Kinship), default=Kinship.OTHER)


class Subgroup(IdMixin, Base):
    """J-13: a part of a class taught separately (a language group, a lab group)."""

    __tablename__ = "subgroups"
    __table_args__ = (UniqueConstraint("class_id", "name"),)

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))


class SubgroupMember(Base):
    __tablename__ = "subgroup_members"

    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True)
