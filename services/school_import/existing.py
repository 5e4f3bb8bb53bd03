"""The school's rows already stored, each table read in one query and keyed by the identity the
import gives it (see validate.py), so that matching a whole school needs no query per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AcademicYear,
    Assignment,
    Bell,
    ClassGroup,
    Guardianship,
    Holiday,
    Person,
    Role,
    School,
    StaffRole,
    Student,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
    Subject,
    TimetableEntry,
    WorkType,
)
from .cells import BadValue, full_name, name_key, parse_phone

Stored = dict[str, Any]  # a stored row, column name -> value

# A row's identity in the tables (see validate.py): a name key, or a tuple of keys and values.
Key = Any


@dataclass
class Existing:
    """Empty for a new school (or year: the year's classes, subgroups, load, timetable)."""

    school: Stored | None = None
    year: Stored | None = None
    periods: dict[Key, Stored] = field(default_factory=dict)
    holidays: dict[Key, Stored] = field(default_factory=dict)
    bells: dict[Key, Stored] = field(default_factory=dict)
    subjects: dict[Key, Stored] = field(default_factory=dict)
    work_types: dict[Key, Stored] = field(default_factory=dict)
    staff: dict[Key, Stored] = field(default_factory=dict)  # persons who hold a staff role
    staff_roles: dict[int, dict[Role, int]] = field(default_factory=dict)  # person id -> role -> row id
    classes: dict[Key, Stored] = field(default_factory=dict)
    subgroups: dict[Key, Stored] = field(default_factory=dict)
    student_people: dict[Key, Stored] = field(default_factory=dict)  # the persons of `students`
    students: dict[Key, Stored] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)  # student id -> the year's subgroup ids
    parents: dict[Key, Stored] = field(default_factory=dict)
    guardianships: dict[Key, Stored] = field(default_factory=dict)
    assignments: dict[Key, Stored] = field(default_factory=dict)
    timetable: dict[Key, Stored] = field(default_factory=dict)


async def fetch(session: AsyncSession, statement: Select) -> list[Stored]:
    return [dict(row) for row in (await session.execute(statement)).mappings()]


def person_key(row: Stored) -> str:
    return name_key(full_name(row["last_name"], row["first_name"], row["middle_name"]))


def phone_key(phone: str) -> str:
    """Phones stored by other means may be written differently from the import's «+7…»."""
    try:
        return parse_phone(phone)
    except BadValue:
        return phone


async def load_existing(session: AsyncSession, school_key: str | None, year_key: str | None) -> Existing:
    found = Existing()
    schools = await fetch(session, select(School.__table__))
    found.school = next((row for row in schools if name_key(row["name"]) == school_key), None)
    if found.school is None:
        return found
    school_id = found.school["id"]
    years = await fetch(session, select(AcademicYear.__table__).where(AcademicYear.school_id == school_id))
    found.year = next((row for row in years if name_key(row["name"]) == year_key), None)
    await load_school_rows(session, found, school_id)
    if found.year is not None:
        await load_year_rows(session, found, found.year["id"])
    return found


async def load_school_rows(session: AsyncSession, found: Existing, school_id: int) -> None:
    """The rows of the school that do not depend on the year."""

    def of_school(model):
        return select(model.__table__).where(model.school_id == school_id)

    found.holidays = {(name_key(r["name"]), r["starts_on"]): r for r in await fetch(session, of_school(Holiday))}
    found.bells = {r["lesson_number"]: r for r in await fetch(session, of_school(Bell))}
    found.subjects = {name_key(r["name"]): r for r in await fetch(session, of_school(Subject))}
    found.work_types = {name_key(r["name"]): r for r in await fetch(session, of_school(WorkType))}

    school_people = select(Person.id).where(Person.school_id == school_id)
    roles = await fetch(session, select(StaffRole.__table__).where(StaffRole.person_id.in_(school_people)))
    for role in roles:
        found.staff_roles.setdefault(role["person_id"], {})[role["role"]] = role["id"]
    # A dismissed member of staff has no roles left, but is still the same person when the sheet lists them (ACC-6).
    staff = (
        of_school(Person)
        .where(or_(Person.id.in_(select(StaffRole.person_id)), Person.dismissed_on.is_not(None)))
        .order_by(Person.id)
    )
    for row in reversed(await fetch(session, staff)):  # of two namesakes, the first one stays matched
        found.staff[person_key(row)] = row

    students = await fetch(
        session,
        select(
            Student.id,
            Student.person_id,
            Student.class_id,
            Student.status,
            Person.last_name,
            Person.first_name,
            Person.middle_name,
            Person.birth_date,
        )
        .join(Person, Person.id == Student.person_id)
        .where(Student.school_id == school_id),
    )
    for row in students:
        key = (person_key(row), row["birth_date"])
        found.students[key] = {
            "id": row["id"],
            "person_id": row["person_id"],
            "class_id": row["class_id"],
            "status": row["status"],
        }
        found.student_people[key] = {
            "id": row["person_id"],
            **{name: row[name] for name in ("last_name", "first_name", "middle_name", "birth_date")},
        }

    guardianships = await fetch(
        session,
        select(Guardianship.__table__)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.school_id == school_id),
    )
    parent_ids = (
        select(Guardianship.parent_id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.school_id == school_id)
    )
    parents = await fetch(session, select(Person.__table__).where(Person.id.in_(parent_ids)))
    parent_keys = {row["id"]: (person_key(row), phone_key(row["phone"])) for row in parents}
    found.parents = {parent_keys[row["id"]]: row for row in parents}
    student_keys = {row["id"]: key for key, row in found.students.items()}
    found.guardianships = {
        (parent_keys[row["parent_id"]], student_keys[row["student_id"]]): row for row in guardianships
    }


async def load_year_rows(session: AsyncSession, found: Existing, year_id: int) -> None:
    """The rows of the year: periods, classes, subgroups and their members, load, timetable."""
    found.periods = {
        (name_key(r["name"]), r["grade_from"]): r
        for r in await fetch(session, select(StudyPeriod.__table__).where(StudyPeriod.year_id == year_id))
    }
    year_classes = select(ClassGroup.id).where(ClassGroup.year_id == year_id)
    classes = await fetch(session, select(ClassGroup.__table__).where(ClassGroup.year_id == year_id))
    found.classes = {(r["grade"], r["letter"]): r for r in classes}
    class_keys = {r["id"]: key for key, r in found.classes.items()}

    subgroups = await fetch(session, select(Subgroup.__table__).where(Subgroup.class_id.in_(year_classes)))
    found.subgroups = {(class_keys[r["class_id"]], name_key(r["name"])): r for r in subgroups}
    year_subgroups = select(Subgroup.id).where(Subgroup.class_id.in_(year_classes))
    members = await fetch(
        session, select(SubgroupMember.__table__).where(SubgroupMember.subgroup_id.in_(year_subgroups))
    )
    grouped: dict[int, set[int]] = defaultdict(set)
    for row in members:
        grouped[row["student_id"]].add(row["subgroup_id"])
    found.members = dict(grouped)

    teacher_keys = {row["id"]: key for key, row in found.staff.items()}
    subject_keys = {row["id"]: key for key, row in found.subjects.items()}
    subgroup_names = {row["id"]: key[1] for key, row in found.subgroups.items()}
    assignments = await fetch(session, select(Assignment.__table__).where(Assignment.class_id.in_(year_classes)))
    for row in assignments:
        if row["teacher_id"] in teacher_keys:  # a teacher without any staff role is not matched
            key = (
                teacher_keys[row["teacher_id"]],
                class_keys[row["class_id"]],
                subgroup_names.get(row["subgroup_id"]),
                subject_keys[row["subject_id"]],
            )
            found.assignments[key] = row

    assignment_keys = {row["id"]: key for key, row in found.assignments.items()}
    year_assignments = select(Assignment.id).where(Assignment.class_id.in_(year_classes))
    entries = await fetch(
        session,
        select(TimetableEntry.__table__)
        .where(TimetableEntry.assignment_id.in_(year_assignments))
        .order_by(TimetableEntry.valid_from),
    )
    # Of several entries for one lesson (the timetable changed during the year), the open one.
    for row in sorted(entries, key=lambda r: r["valid_to"] is None):
        if row["assignment_id"] in assignment_keys:
            found.timetable[assignment_keys[row["assignment_id"]], row["weekday"], row["lesson_number"]] = row
