"""Writing checked tables: each row is inserted, updated or left as it is, matched by its identity.

Rows of the school that the tables do not mention are never deleted: a partial import (one class's
students, new parents) must not wipe the rest of the school. For the rows the tables do give, the
tables are the truth, though: a student's subgroups of the year and a staff member's roles become
the listed ones. Each table is written with one bulk INSERT and one bulk UPDATE at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..enrolments import follow_classes, leave
from ..invites import revoke_unused
from ..links import unlink_all
from ..models import (
    AcademicYear,
    Assignment,
    Bell,
    ClassGroup,
    Guardianship,
    Holiday,
    Person,
    School,
    StaffRole,
    Student,
    StudentStatus,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
    Subject,
    TimetableEntry,
    WorkType,
)
from .cells import column_default, name_key
from .existing import Existing, Key
from .issues import ImportReport
from .spec import SHEETS
from .validate import Parsed, Row

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# J-5: a school that gives no work types gets these (name, weight, written).
DEFAULT_WORK_TYPES = (
    ("Ответ на уроке", 1, False),
    ("Домашняя работа", 1, False),
    ("Самостоятельная работа", 1.5, True),
    ("Контрольная работа", 2, True),
    ("Диктант", 2, True),
    ("Лабораторная работа", 1.5, True),
    ("Практическая работа", 1.5, True),
    ("Проверочная работа", 1.5, True),
)


@dataclass
class Synced:
    ids: dict[Key, int]  # every key, stored before or just inserted
    status: dict[Key, str]  # the keys given: created, updated or unchanged


async def sync(
    session: AsyncSession,
    model,
    wanted: Mapping[Key, dict[str, Any]],
    existing: Mapping[Key, Mapping[str, Any]],
    **on_insert: Any,
) -> Synced:
    """Inserts the wanted rows that are new, updates the fields that differ in the others.
    `on_insert` are fields set only on new rows (the school a row belongs to)."""
    ids = {key: row["id"] for key, row in existing.items()}
    status, new_keys, new_rows, changes = {}, [], [], []
    for key, fields in wanted.items():
        old = existing.get(key)
        if old is None:
            status[key] = CREATED
            new_keys.append(key)
            new_rows.append({**on_insert, **fields})
            continue
        changed = {name: value for name, value in fields.items() if old[name] != value}
        status[key] = UPDATED if changed else UNCHANGED
        if changed:
            changes.append({"id": old["id"], **changed})
    if new_rows:
        ids.update(await insert_rows(session, model, new_keys, new_rows))
    if changes:
        await session.execute(update(model), changes)
    return Synced(ids, status)


async def insert_rows(session: AsyncSession, model, keys: list[Key], rows: list[dict[str, Any]]) -> dict[Key, int]:
    """Inserts rows in bulk; returns each key's new id.

    RETURNING may come back in any order on SQLite, and asking SQLAlchemy for the order makes it
    insert row by row there; so each returned row is matched to its key by the values it was given
    (distinct keys have distinct values). Every row gets the same columns, defaults filled in."""
    table = model.__table__
    names = sorted({name for row in rows for name in row})
    rows = [{name: row[name] if name in row else column_default(table.c[name]) for name in names} for row in rows]
    keys_by_values = {tuple(row.values()): key for key, row in zip(keys, rows, strict=True)}
    result = await session.execute(insert(model).returning(table.c.id, *(table.c[name] for name in names)), rows)
    return {keys_by_values[tuple(values)]: new_id for new_id, *values in result}


def outcome(main: str, *parts: str | bool) -> str:
    """A table row written as several database rows: created with its main row, else updated if any
    part changed (a part is a status, or True for changed)."""
    if main == CREATED:
        return CREATED
    changed = main == UPDATED or any(part in (CREATED, UPDATED, True) for part in parts)
    return UPDATED if changed else UNCHANGED


class SchoolWriter:
    """Writes the sheets in the order their references need, counting each table row's outcome."""

    # Filled in as the sheets are written: the ids of rows by their identity, for the later sheets.
    school_id: int
    year_id: int
    year_start: date
    school_today: date
    subject_ids: dict[Key, int]
    staff_ids: dict[Key, int]
    class_ids: dict[Key, int]
    subgroup_ids: dict[Key, int]
    student_ids: dict[Key, int]
    assignment_ids: dict[Key, int]

    def __init__(self, session: AsyncSession, parsed: Parsed, existing: Existing) -> None:
        self.session = session
        self.parsed = parsed
        self.existing = existing
        self.counts = {status: {sheet.name: 0 for sheet in SHEETS} for status in (CREATED, UPDATED, UNCHANGED)}

    def count(self, sheet: str, status: str) -> None:
        self.counts[status][sheet] += 1

    async def write(self) -> ImportReport:
        await self.write_school()
        await self.write_calendar()
        await self.write_subjects()
        await self.write_staff()
        await self.write_classes()
        await self.write_students()
        await self.write_parents()
        await self.write_load()
        await self.write_timetable()
        return ImportReport(self.school_id, *(self.counts[s] for s in (CREATED, UPDATED, UNCHANGED)))

    async def write_simple(self, sheet: str, model, rows: Sequence[Row], existing: Mapping, **on_insert: Any) -> Synced:
        """A sheet whose rows are one database row each."""
        synced = await sync(self.session, model, {row.key: row.fields for row in rows}, existing, **on_insert)
        for row in rows:
            self.count(sheet, synced.status[row.key])
        return synced

    async def write_school(self) -> None:
        row, existing = self.parsed.school, self.existing
        assert row is not None, "a missing school is an issue: nothing is written then"
        school = await sync(
            self.session, School, {row.key: row.fields}, {row.key: existing.school} if existing.school else {}
        )
        self.school_id = school.ids[row.key]
        year = await sync(
            self.session,
            AcademicYear,
            {row.year_key: row.year_fields},
            {row.year_key: existing.year} if existing.year else {},
            school_id=self.school_id,
        )
        self.year_id = year.ids[row.year_key]
        self.year_start = row.year_fields["starts_on"]
        zone = row.fields.get("timezone") or (existing.school or {}).get("timezone") or "Europe/Moscow"
        self.school_today = datetime.now(ZoneInfo(zone)).date()
        self.count("school", outcome(school.status[row.key], year.status[row.year_key]))

    async def write_calendar(self) -> None:
        """PER-1: periods, holidays, bells."""
        parsed, existing = self.parsed, self.existing
        await self.write_simple("periods", StudyPeriod, parsed.periods, existing.periods, year_id=self.year_id)
        await self.write_simple("holidays", Holiday, parsed.holidays, existing.holidays, school_id=self.school_id)
        await self.write_simple("bells", Bell, parsed.bells, existing.bells, school_id=self.school_id)

    async def write_subjects(self) -> None:
        parsed, existing = self.parsed, self.existing
        self.subject_ids = (
            await self.write_simple("subjects", Subject, parsed.subjects, existing.subjects, school_id=self.school_id)
        ).ids
        await self.write_simple(
            "work_types", WorkType, parsed.work_types, existing.work_types, school_id=self.school_id
        )
        if not parsed.work_types and not existing.work_types:
            defaults = {
                name: {"name": name, "weight": weight, "is_written": written}
                for name, weight, written in DEFAULT_WORK_TYPES
            }
            await sync(self.session, WorkType, defaults, {}, school_id=self.school_id)
            self.counts[CREATED]["work_types"] += len(defaults)

    async def write_staff(self) -> None:
        """ROLE-1: staff persons, with exactly the roles their rows list."""
        rows = self.parsed.staff
        people = await sync(
            self.session, Person, {row.key: row.fields for row in rows}, self.existing.staff, school_id=self.school_id
        )
        added, dropped = [], []
        for row in rows:
            person_id = people.ids[row.key]
            held = self.existing.staff_roles.get(person_id, {})
            stored = self.existing.staff.get(row.key)
            dismissed = row.fields.get("dismissed_on", stored["dismissed_on"] if stored else None)
            # ACC-6: a dismissed person's roles are left as they are: the dismissal's day ends them (services/staff.py),
            # and the sheet listing them still must not give them back.
            wanted = set(held) if dismissed else set(row.roles)
            new_roles = sorted(wanted - held.keys(), key=lambda role: role.value)
            old_roles = held.keys() - wanted
            added += [{"person_id": person_id, "role": role} for role in new_roles]
            dropped += [held[role] for role in old_roles]
            self.count("staff", outcome(people.status[row.key], bool(new_roles or old_roles)))
        if added:
            await self.session.execute(insert(StaffRole), added)
        if dropped:
            await self.session.execute(delete(StaffRole).where(StaffRole.id.in_(dropped)))
        self.staff_ids = people.ids

    async def write_classes(self) -> None:
        """Classes of the year, and their class teachers (ACC-4)."""
        for row in self.parsed.classes:
            if row.sets_teacher:
                row.fields["class_teacher_id"] = self.staff_ids[row.teacher] if row.teacher else None
        self.class_ids = (
            await self.write_simple(
                "classes",
                ClassGroup,
                self.parsed.classes,
                self.existing.classes,
                school_id=self.school_id,
                year_id=self.year_id,
            )
        ).ids

    async def write_students(self) -> None:
        parsed, existing = self.parsed, self.existing
        subgroups = await sync(
            self.session,
            Subgroup,
            {key: {"class_id": self.class_ids[key[0]], "name": name} for key, name in parsed.subgroups.items()},
            existing.subgroups,
        )
        self.subgroup_ids = subgroups.ids
        people = await sync(
            self.session,
            Person,
            {row.key: row.fields for row in parsed.students},
            existing.student_people,
            school_id=self.school_id,
        )
        students = await sync(
            self.session,
            Student,
            {
                row.key: {
                    "person_id": people.ids[row.key],
                    "class_id": self.class_ids[row.class_key],
                    **({} if row.status is None else {"status": row.status}),
                }
                for row in parsed.students
            },
            existing.students,
            school_id=self.school_id,
        )
        self.student_ids = students.ids
        await self.write_stays(students.ids)
        moved = await self.write_members()
        for row in parsed.students:
            self.count("students", outcome(students.status[row.key], people.status[row.key], row.key in moved))

    async def write_stays(self, ids: Mapping[Key, int]) -> None:
        """DATA-4: a new student studies from «Дата зачисления» or the year's start; a class changed by a later
        import, from that date or today. ACC-9: a row that says the student left or graduated ends their stay the
        day before «Дата выбытия» and closes their access, as the movement book does; a student who had left
        already is left alone (no stay is opened for them again) unless the row says they study again (from
        «Дата зачисления» or today)."""
        today = max(self.year_start, self.school_today)
        was_active = {key: found["status"] == StudentStatus.ACTIVE for key, found in self.existing.students.items()}
        following = [
            row for row in self.parsed.students if was_active.get(row.key, True) or row.status == StudentStatus.ACTIVE
        ]
        starts = {
            ids[row.key]: row.enrolled_on or today
            for row in following
            if row.enrolled_on is not None or not was_active.get(row.key, True)
        }
        await follow_classes(
            self.session,
            {ids[row.key]: self.class_ids[row.class_key] for row in following},
            self.year_start,
            today,
            starts,
        )
        leavers = {ids[row.key]: row.left_on for row in following if row.left_on is not None}
        if not leavers:
            return
        await self.session.flush()
        for student in await self.session.scalars(select(Student).where(Student.id.in_(leavers))):
            await leave(self.session, student, leavers[student.id])
        person_ids = select(Student.person_id).where(Student.id.in_(leavers))
        await unlink_all(self.session, person_ids)  # every channel's (ACC-9)
        await self.session.execute(revoke_unused(person_ids, datetime.now(UTC)))

    async def write_members(self) -> set[Key]:
        """J-13: each student's subgroups of the year become the listed ones; without the column, only
        those of the student's present class stay. Returns the students whose subgroups changed."""
        year_subgroups = {subgroup_id: key[0] for key, subgroup_id in self.subgroup_ids.items()}
        added, dropped, changed = [], [], set()
        for row in self.parsed.students:
            student_id = self.student_ids[row.key]
            held = self.existing.members.get(student_id, set())
            if row.subgroups is None:
                wanted = {s for s in held if year_subgroups.get(s) == row.class_key}
            else:
                wanted = {self.subgroup_ids[row.class_key, name_key(name)] for name in row.subgroups}
            pairs = [{"subgroup": s, "student": student_id} for s in sorted(wanted ^ held)]
            added += [pair for pair in pairs if pair["subgroup"] in wanted]
            dropped += [pair for pair in pairs if pair["subgroup"] in held]
            if pairs:
                changed.add(row.key)
        members = cast(Table, SubgroupMember.__table__)  # typed as a FromClause; a mapped class has a Table
        if added:
            await self.session.execute(
                members.insert().values(subgroup_id=bindparam("subgroup"), student_id=bindparam("student")), added
            )
        if dropped:
            await self.session.execute(
                members.delete().where(
                    members.c.subgroup_id == bindparam("subgroup"), members.c.student_id == bindparam("student")
                ),
                dropped,
            )
        return changed

    async def write_parents(self) -> None:
        """Parents, one person for all their rows, and their children (ACC-2)."""
        rows = self.parsed.parents
        people = await sync(
            self.session, Person, {row.key: row.fields for row in rows}, self.existing.parents, school_id=self.school_id
        )
        links: dict[Key, dict[str, Any]] = {}
        for row in rows:
            links[row.key, row.child] = {"parent_id": people.ids[row.key], "student_id": self.student_ids[row.child]}
            if row.kinship is not None:
                links[row.key, row.child]["kinship"] = row.kinship
        guardianships = await sync(self.session, Guardianship, links, self.existing.guardianships)
        for row in rows:
            self.count("parents", outcome(guardianships.status[row.key, row.child], people.status[row.key]))

    async def write_load(self) -> None:
        """The teaching load (ACC-3), of a class or one of its subgroups (J-13)."""
        for row in self.parsed.load:
            teacher, class_key, subgroup, subject = row.key
            row.fields.update(
                teacher_id=self.staff_ids[teacher],
                class_id=self.class_ids[class_key],
                subgroup_id=self.subgroup_ids[class_key, subgroup] if subgroup else None,
                subject_id=self.subject_ids[subject],
            )
        self.assignment_ids = (
            await self.write_simple(
                "load", Assignment, self.parsed.load, self.existing.assignments, school_id=self.school_id
            )
        ).ids

    async def write_timetable(self) -> None:
        """Weekly lessons, valid from the start of the year."""
        for row in self.parsed.timetable:
            row.fields.update(
                assignment_id=self.assignment_ids[row.load], weekday=row.weekday, lesson_number=row.lesson
            )
        await self.write_simple(
            "timetable",
            TimetableEntry,
            self.parsed.timetable,
            self.existing.timetable,
            valid_from=self.year_start,
            valid_to=None,
        )
