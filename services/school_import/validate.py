"""Checking the tables: every cell, every row's identity, every name that points at another sheet.

parse_tables() reads each sheet on its own, without the database; check_references() then resolves
the names that point at other sheets (a class, a teacher, a child, a teaching load row) against the
tables and the rows the school already has. Both only add issues and go on, so the user learns of
every problem in one go.

Identities, as the writer matches rows: staff by full name; students by (full name, birth date);
parents by (full name, phone); subjects, work types by name; classes by (grade, letter) in the year;
periods by (name, first grade); holidays by (name, start); bells by lesson; load rows by
(teacher, class, subgroup, subject); timetable rows by (load row, weekday, lesson).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..models import (
    AcademicYear,
    Holiday,
    Kinship,
    Person,
    Role,
    School,
    StudentStatus,
    StudyPeriod,
    Subgroup,
    Subject,
    TimetableEntry,
    WorkType,
)
from .cells import (
    RowCells,
    class_name,
    email,
    full_name,
    grade_list,
    integer,
    length,
    name_key,
    number,
    parse_class,
    parse_date,
    parse_excused,
    parse_final_results,
    parse_grade_range,
    parse_kinship,
    parse_period_kind,
    parse_phone,
    parse_roles,
    parse_status,
    parse_time,
    parse_timezone,
    parse_weekday,
    parse_yes_no,
    subgroup_list,
    text,
)
from .existing import Existing, Key
from .issues import ImportIssue, Tables, sheet_issue
from .spec import SHEETS, SHEETS_BY_NAME, Sheet

ClassKey = tuple[int, str]
StudentKey = tuple[str, date | None]
LoadKey = tuple[str, ClassKey, str | None, str]  # teacher, class, subgroup, subject

MAX_LESSON = 12
MAX_HOURS = 40


@dataclass
class Row:
    """A table row that becomes a database row: its cells, its identity, the fields it sets."""

    cells: RowCells
    key: Any
    fields: dict[str, Any] = field(default_factory=dict)  # of the columns the table has


@dataclass
class SchoolRow(Row):
    year_key: str | None = None
    year_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def year_dates(self) -> tuple[date, date] | None:
        starts, ends = self.year_fields.get("starts_on"), self.year_fields.get("ends_on")
        return (starts, ends) if starts and ends and starts <= ends else None


@dataclass
class StaffRow(Row):
    roles: frozenset[Role] = frozenset()


@dataclass
class ClassRow(Row):
    sets_teacher: bool = False  # whether the table has the class teacher column
    teacher: str | None = None  # the class teacher's name key


@dataclass
class StudentRow(Row):
    class_key: ClassKey | None = None
    subgroups: list[str] | None = None  # None: the table has no subgroups column
    status: StudentStatus | None = None  # None: not given, the stored one stays (a new student studies)
    enrolled_on: date | None = None  # None: a new student studies from the year's start (DATA-4)
    left_on: date | None = None  # a leaver's first day away (ACC-9), given with status LEFT or GRADUATED


@dataclass
class ParentRow(Row):
    child_name: str | None = None
    child_class: ClassKey | None = None
    kinship: Kinship | None = None  # None: the table has no kinship column
    child: StudentKey | None = None  # found by check_references


@dataclass
class TimetableRow(Row):
    """Its key is (class, subgroup, subject, weekday, lesson) until check_references finds its load row;
    then it is (load row, weekday, lesson), the identity the writer matches."""

    class_key: ClassKey | None = None
    subgroup: str | None = None
    subject: str | None = None
    weekday: int | None = None
    lesson: int | None = None
    load: LoadKey | None = None  # found by check_references


@dataclass
class Parsed:
    issues: list[ImportIssue] = field(default_factory=list)
    school: SchoolRow | None = None
    periods: list[Row] = field(default_factory=list)
    holidays: list[Row] = field(default_factory=list)
    bells: list[Row] = field(default_factory=list)
    subjects: list[Row] = field(default_factory=list)
    work_types: list[Row] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    classes: list[ClassRow] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    # J-13: the subgroups the students sheet names, (class, name key) -> name as first written.
    subgroups: dict[tuple[ClassKey, str], str] = field(default_factory=dict)
    parents: list[ParentRow] = field(default_factory=list)
    load: list[Row] = field(default_factory=list)
    timetable: list[TimetableRow] = field(default_factory=list)


class Seen:
    """Identities met so far in one sheet, to report a second row with the same one."""

    def __init__(self) -> None:
        self.rows: dict[Key, int] = {}

    def first(self, cells: RowCells, key: Key, column: str) -> bool:
        if key in self.rows:
            cells.issue(column, "value.duplicate", first_row=self.rows[key])
            return False
        self.rows[key] = cells.number
        return True


def parse_tables(tables: Tables) -> Parsed:
    parsed = Parsed()
    for sheet in SHEETS:
        if sheet.required and sheet.name not in tables:
            parsed.issues.append(sheet_issue(sheet.name, "sheet.missing"))

    def rows(name: str) -> list[RowCells]:
        return data_rows(SHEETS_BY_NAME[name], tables.get(name, ()), parsed.issues)

    school_rows = rows("school")
    if "school" in tables and not school_rows:
        parsed.issues.append(sheet_issue("school", "sheet.empty"))
    parsed.school = parse_school(school_rows, parsed.issues)
    parsed.periods = parse_periods(rows("periods"), parsed.school.year_dates if parsed.school else None)
    parsed.holidays = parse_holidays(rows("holidays"))
    parsed.bells = parse_bells(rows("bells"))
    parsed.subjects = parse_subjects(rows("subjects"))
    parsed.work_types = parse_work_types(rows("work_types"))
    parsed.staff = parse_staff(rows("staff"))
    parsed.classes = parse_classes(rows("classes"))
    parsed.students = parse_students(rows("students"), parsed.subgroups)
    parsed.parents = parse_parents(rows("parents"))
    parsed.load = parse_load(rows("load"))
    parsed.timetable = parse_timetable(rows("timetable"))
    return parsed


def data_rows(sheet: Sheet, rows: Sequence[Mapping[str, str]], issues: list[ImportIssue]) -> list[RowCells]:
    """The sheet's non-blank rows, numbered as the user sees them (the header is row 1)."""
    return [
        RowCells(sheet, number, cells, issues)
        for number, cells in enumerate(rows, start=2)
        if any((value or "").strip() for value in cells.values())
    ]


def check_dates(cells: RowCells, starts: date | None, ends: date | None, ends_column: str) -> None:
    if starts and ends and ends < starts:
        cells.issue(ends_column, "value.dates_reversed", starts=starts.isoformat())


def parse_school(rows: list[RowCells], issues: list[ImportIssue]) -> SchoolRow | None:
    if not rows:
        return None
    issues.extend(sheet_issue("school", "sheet.too_many_rows", extra.number, max=1) for extra in rows[1:])
    cells = rows[0]
    name = cells.get("name", text(length(School.name)))
    fields: dict[str, Any] = {"name": name}
    cells.put(fields, "timezone", parse_timezone, School.timezone)
    low = cells.put(fields, "mark_min", integer(0, 100), School.mark_min)
    high = cells.put(fields, "mark_max", integer(0, 100), School.mark_max)
    if low is not None and high is not None and low >= high:
        cells.issue("mark_max", "value.bad_mark_scale", min=low)
    cells.put(
        fields, "grades_without_marks", grade_list(length(School.grades_without_marks)), School.grades_without_marks
    )
    cells.put(fields, "homework_deadline", parse_time, School.homework_deadline)
    cells.put(fields, "edit_window_days", integer(0, 365), School.edit_window_days)
    # PER-3, PER-4: the grading policy, within the ranges 004 §2.3 allows (services/grading_policy.py).
    cells.put(fields, "period_round_from", number(0.5, 0.9), School.period_round_from)
    cells.put(fields, "marks_needed_one_hour", integer(3, 5), School.marks_needed_one_hour)
    cells.put(fields, "marks_needed_many_hours", integer(8, 10), School.marks_needed_many_hours)
    cells.put(fields, "excused_absences", parse_excused, School.excused_absences)
    cells.put(fields, "written_works_obligatory", parse_yes_no, School.written_works_obligatory)
    cells.put(fields, "final_results", parse_final_results, School.final_results)

    year = cells.get("year", text(length(AcademicYear.name)))
    starts, ends = cells.get("year_start", parse_date), cells.get("year_end", parse_date)
    check_dates(cells, starts, ends, "year_end")
    return SchoolRow(
        cells,
        name and name_key(name),
        fields,
        year_key=year and name_key(year),
        year_fields={"name": year, "starts_on": starts, "ends_on": ends},
    )


def parse_periods(rows: list[RowCells], year: tuple[date, date] | None) -> list[Row]:
    """PER-1: quarters or half-years for a range of grades, inside the school year."""
    seen, result = Seen(), []
    for cells in rows:
        name = cells.get("name", text(length(StudyPeriod.name)))
        kind = cells.get("kind", parse_period_kind)
        grades = cells.get("grades", parse_grade_range)
        starts, ends = cells.get("starts", parse_date), cells.get("ends", parse_date)
        check_dates(cells, starts, ends, "ends")
        for column, day in (("starts", starts), ("ends", ends)):
            if year and day and not year[0] <= day <= year[1]:
                cells.issue(
                    column, "value.period_outside_year", year_start=year[0].isoformat(), year_end=year[1].isoformat()
                )
        if name is None or grades is None:
            continue
        key = (name_key(name), grades[0])
        if seen.first(cells, key, "name"):
            result.append(
                Row(
                    cells,
                    key,
                    {
                        "name": name,
                        "kind": kind,
                        "grade_from": grades[0],
                        "grade_to": grades[1],
                        "starts_on": starts,
                        "ends_on": ends,
                    },
                )
            )
    return result


def parse_holidays(rows: list[RowCells]) -> list[Row]:
    """PER-1: days without lessons, for the whole school or some grades."""
    seen, result = Seen(), []
    for cells in rows:
        name = cells.get("name", text(length(Holiday.name)))
        starts, ends = cells.get("starts", parse_date), cells.get("ends", parse_date)
        check_dates(cells, starts, ends, "ends")
        fields = {"name": name, "starts_on": starts, "ends_on": ends}
        cells.put(fields, "grades", grade_list(length(Holiday.grades)), Holiday.grades)
        if name is not None and starts is not None and seen.first(cells, (name_key(name), starts), "name"):
            result.append(Row(cells, (name_key(name), starts), fields))
    return result


def parse_bells(rows: list[RowCells]) -> list[Row]:
    seen, result = Seen(), []
    for cells in rows:
        lesson = cells.get("lesson", integer(0, MAX_LESSON))
        starts, ends = cells.get("starts", parse_time), cells.get("ends", parse_time)
        if starts and ends and ends <= starts:
            cells.issue("ends", "value.times_reversed", starts=starts.strftime("%H:%M"))
        if lesson is not None and seen.first(cells, lesson, "lesson"):
            result.append(Row(cells, lesson, {"lesson_number": lesson, "starts_at": starts, "ends_at": ends}))
    return result


def add_named(result: list[Row], seen: Seen, cells: RowCells, fields: dict[str, Any]) -> None:
    """Adds a row identified by its name (a subject, a work type)."""
    if fields["name"] is not None and seen.first(cells, name_key(fields["name"]), "name"):
        result.append(Row(cells, name_key(fields["name"]), fields))


def parse_subjects(rows: list[RowCells]) -> list[Row]:
    seen = Seen()
    result: list[Row] = []
    for cells in rows:
        fields = {"name": cells.get("name", text(length(Subject.name)))}
        cells.put(fields, "short_name", text(length(Subject.short_name)), Subject.short_name)
        add_named(result, seen, cells, fields)
    return result


def parse_work_types(rows: list[RowCells]) -> list[Row]:
    """J-5: what marks are given for, with their weights."""
    seen = Seen()
    result: list[Row] = []
    for cells in rows:
        fields = {"name": cells.get("name", text(length(WorkType.name))), "weight": cells.get("weight", number(0, 99))}
        cells.put(fields, "written", parse_yes_no, WorkType.is_written)
        add_named(result, seen, cells, fields)
    return result


def person_fields(cells: RowCells) -> dict[str, Any] | None:
    """The name of a person, or None when it is incomplete (already reported)."""
    last = cells.get("last_name", text(length(Person.last_name)))
    first = cells.get("first_name", text(length(Person.first_name)))
    middle = cells.get("middle_name", text(length(Person.middle_name))) or ""
    if last is None or first is None:
        return None
    return {"last_name": last, "first_name": first, "middle_name": middle}


def person_name(fields: Mapping[str, Any]) -> str:
    return full_name(fields["last_name"], fields["first_name"], fields["middle_name"])


def person_key(fields: Mapping[str, Any]) -> str:
    return name_key(person_name(fields))


def parse_staff(rows: list[RowCells]) -> list[StaffRow]:
    """ROLE-1: staff and their roles; the class teacher role comes from the classes sheet (ACC-4)."""
    seen, result = Seen(), []
    for cells in rows:
        fields = person_fields(cells)
        roles = cells.get("roles", parse_roles)
        contacts: dict[str, Any] = {}
        cells.put(contacts, "phone", parse_phone, Person.phone)
        cells.put(contacts, "email", email(length(Person.email)), Person.email)
        # ACC-6: a dismissal (an empty date in a given column takes it back, e.g. someone hired again).
        cells.put(contacts, "dismissed_on", parse_date, Person.dismissed_on)
        cells.put(contacts, "dismissal_order", text(length(Person.dismissal_order)), Person.dismissal_order)
        if fields is None:
            continue
        fields.update(contacts)
        if seen.first(cells, person_key(fields), "last_name"):
            result.append(StaffRow(cells, person_key(fields), fields, roles=roles or frozenset()))
    return result


def parse_classes(rows: list[RowCells]) -> list[ClassRow]:
    seen, result = Seen(), []
    for cells in rows:
        key = cells.get("class", parse_class)
        teacher = cells.get("class_teacher", name_key)
        if key is not None and seen.first(cells, key, "class"):
            result.append(
                ClassRow(
                    cells,
                    key,
                    {"grade": key[0], "letter": key[1]},
                    sets_teacher=cells.has("class_teacher"),
                    teacher=teacher,
                )
            )
    return result


def parse_students(rows: list[RowCells], subgroups: dict[tuple[ClassKey, str], str]) -> list[StudentRow]:
    """Students, and the subgroups (J-13) their rows name, collected into `subgroups`."""
    seen, result = Seen(), []
    for cells in rows:
        fields = person_fields(cells)
        birth = cells.get("birth_date", parse_date)
        class_key = cells.get("class", parse_class)
        names = cells.get("subgroups", subgroup_list(length(Subgroup.name))) or []
        if class_key is not None:
            for name in names:
                subgroups.setdefault((class_key, name_key(name)), name)
        if fields is None:
            continue
        status, enrolled_on, left_on = parse_stay(cells)
        fields["birth_date"] = birth
        key = (person_key(fields), birth)
        if seen.first(cells, key, "last_name"):
            result.append(
                StudentRow(
                    cells,
                    key,
                    fields,
                    class_key=class_key,
                    subgroups=names if cells.has("subgroups") else None,
                    status=status,
                    enrolled_on=enrolled_on,
                    left_on=left_on,
                )
            )
    return result


def parse_stay(cells: RowCells) -> tuple[StudentStatus | None, date | None, date | None]:
    """DATA-4, ACC-9: the status, the first day in the class and, for one who left or graduated, the first day
    away (required then, refused otherwise)."""
    status = cells.get("status", parse_status) if cells.has("status") else None
    enrolled_on = cells.get("enrolled_on", parse_date) if cells.has("enrolled_on") else None
    left_on = cells.get("left_on", parse_date) if cells.has("left_on") else None
    leaves = status in (StudentStatus.LEFT, StudentStatus.GRADUATED)
    if leaves and left_on is None and not (cells.has("left_on") and cells.raw("left_on")):
        cells.issue("status", "value.left_on_required")
    elif left_on is not None and not leaves and not (cells.has("status") and cells.raw("status") and status is None):
        cells.issue("left_on", "value.left_on_not_left")
    if enrolled_on is not None and left_on is not None and left_on <= enrolled_on:
        cells.issue("left_on", "value.left_before_enrolled", starts=enrolled_on.isoformat())
    return status, enrolled_on, left_on


def parse_parents(rows: list[RowCells]) -> list[ParentRow]:
    """One parent on several rows (one per child) is one person; their rows must agree."""
    seen, result = Seen(), []
    people: dict[tuple[str, str], ParentRow] = {}
    for cells in rows:
        fields = person_fields(cells)
        phone = cells.get("phone", parse_phone) or ""
        kinship = cells.get("kinship", parse_kinship) or Kinship.OTHER
        child = cells.get("child", name_key)
        child_class = cells.get("child_class", parse_class)
        contacts: dict[str, Any] = {"phone": phone}
        cells.put(contacts, "email", email(length(Person.email)), Person.email)
        # ACC-6: a dismissal (an empty date in a given column takes it back, e.g. someone hired again).
        cells.put(contacts, "dismissed_on", parse_date, Person.dismissed_on)
        cells.put(contacts, "dismissal_order", text(length(Person.dismissal_order)), Person.dismissal_order)
        if fields is None:
            continue
        fields.update(contacts)
        key = (person_key(fields), phone)
        if not seen.first(cells, (key, child, child_class), "child"):
            continue
        row = ParentRow(
            cells,
            key,
            fields,
            child_name=child,
            child_class=child_class,
            kinship=kinship if cells.has("kinship") else None,
        )
        if key in people:
            merge_person(people[key], row)
        else:
            people[key] = row
        result.append(row)
    return result


PARENT_IDENTITY = {"last_name", "first_name", "middle_name", "phone"}


def merge_person(first: ParentRow, again: ParentRow) -> None:
    """A parent's later row shares the first row's fields: a value given once fills the gap,
    two different values are a conflict."""
    for name in again.fields.keys() - PARENT_IDENTITY:
        value = again.fields[name]
        if not first.fields.get(name):
            first.fields[name] = value
        elif value and value != first.fields[name]:
            again.cells.issue(name, "value.conflict", other_row=first.cells.number)
    again.fields = first.fields


def parse_load(rows: list[RowCells]) -> list[Row]:
    """The teaching load (ACC-3): who teaches what to which class or subgroup (J-13)."""
    seen, result = Seen(), []
    for cells in rows:
        teacher = cells.get("teacher", name_key)
        class_key = cells.get("class", parse_class)
        subgroup = cells.get("subgroup", name_key)
        subject = cells.get("subject", name_key)
        hours = cells.get("hours", integer(0, MAX_HOURS))
        if teacher is None or class_key is None or subject is None:
            continue
        key = (teacher, class_key, subgroup, subject)
        if seen.first(cells, key, "teacher"):
            result.append(Row(cells, key, {"hours_per_week": hours}))
    return result


def parse_timetable(rows: list[RowCells]) -> list[TimetableRow]:
    seen, result = Seen(), []
    for cells in rows:
        row = TimetableRow(
            cells,
            None,
            class_key=cells.get("class", parse_class),
            weekday=cells.get("weekday", parse_weekday),
            lesson=cells.get("lesson", integer(0, MAX_LESSON)),
            subject=cells.get("subject", name_key),
            subgroup=cells.get("subgroup", name_key),
        )
        cells.put(row.fields, "room", text(length(TimetableEntry.room)), TimetableEntry.room)
        row.key = (row.class_key, row.subgroup, row.subject, row.weekday, row.lesson)
        if None not in (row.class_key, row.subject, row.weekday, row.lesson) and seen.first(cells, row.key, "lesson"):
            result.append(row)
    return result


def check_lesson(
    cells: RowCells, refs: References, class_key: ClassKey, subgroup: str | None, subject: str | None
) -> bool:
    """Whether the class, its subgroup (J-13) and the subject of a load or timetable row exist."""
    known_class = refs.check(cells, "class", class_key, refs.classes, "value.unknown_class")
    known_subject = refs.check(cells, "subject", subject, refs.subjects, "value.unknown_subject")
    known_subgroup = not (known_class and subgroup) or refs.check(
        cells,
        "subgroup",
        (class_key, subgroup),
        refs.subgroups,
        "value.unknown_subgroup",
        **{"class": class_name(class_key)},
    )
    return known_class and known_subject and known_subgroup


class References:
    """What names may point at: rows of the tables and rows the school already has."""

    def __init__(self, parsed: Parsed, existing: Existing) -> None:
        self.classes = {row.key for row in parsed.classes} | existing.classes.keys()
        self.staff = {row.key for row in parsed.staff} | existing.staff.keys()
        self.subjects = {row.key for row in parsed.subjects} | existing.subjects.keys()
        self.subgroups = parsed.subgroups.keys() | existing.subgroups.keys()
        # Teachers' names as written, for the messages.
        self.teacher_names = {key: person_name(row) for key, row in existing.staff.items()}
        self.teacher_names.update((row.key, person_name(row.fields)) for row in parsed.staff)

    def check(self, cells: RowCells, column: str, value: Key, known: Iterable, code: str, **params: Any) -> bool:
        """Whether the value is known (or was not given); an unknown one is reported."""
        if value is None or value in known:
            return True
        cells.issue(column, code, **params)
        return False


def check_references(parsed: Parsed, existing: Existing) -> None:
    refs = References(parsed, existing)
    for row in parsed.classes:
        refs.check(row.cells, "class_teacher", row.teacher, refs.staff, "value.unknown_teacher")
    for row in parsed.students:
        refs.check(row.cells, "class", row.class_key, refs.classes, "value.unknown_class")
    find_children(parsed, existing, refs)
    for row in parsed.load:
        teacher, class_key, subgroup, subject = row.key
        refs.check(row.cells, "teacher", teacher, refs.staff, "value.unknown_teacher")
        check_lesson(row.cells, refs, class_key, subgroup, subject)
    find_loads(parsed, existing, refs)
    find_clashes(parsed.timetable, refs)


def find_children(parsed: Parsed, existing: Existing, refs: References) -> None:
    """A parent row names its child by full name and class: a student of the tables or of the school."""
    in_tables = {row.key for row in parsed.students}
    students: dict[tuple[str, ClassKey | None], list[StudentKey]] = defaultdict(list)
    class_keys = {row["id"]: key for key, row in existing.classes.items()}
    for key, row in existing.students.items():
        if key not in in_tables and row["class_id"] in class_keys:
            students[key[0], class_keys[row["class_id"]]].append(key)
    for row in parsed.students:
        students[row.key[0], row.class_key].append(row.key)

    for row in parsed.parents:
        if row.child_name is None or not refs.check(
            row.cells, "child_class", row.child_class, refs.classes, "value.unknown_class"
        ):
            continue
        found = students.get((row.child_name, row.child_class), [])
        if len(found) == 1:
            row.child = found[0]
        elif found:
            row.cells.issue("child", "value.ambiguous", count=len(found))
        elif row.child_class is not None:
            row.cells.issue("child", "value.unknown_student", **{"class": class_name(row.child_class)})


def find_loads(parsed: Parsed, existing: Existing, refs: References) -> None:
    """Each timetable row is the lesson of one load row: the one teacher of that subject there."""
    teachers: dict[tuple[ClassKey, str | None, str], set[str]] = defaultdict(set)
    for teacher, class_key, subgroup, subject in [row.key for row in parsed.load] + list(existing.assignments):
        teachers[class_key, subgroup, subject].add(teacher)

    for row in parsed.timetable:
        assert row.class_key is not None and row.subject is not None  # parse_timetable keeps only such rows
        if not check_lesson(row.cells, refs, row.class_key, row.subgroup, row.subject):
            continue
        found = teachers.get((row.class_key, row.subgroup, row.subject), set())
        if len(found) == 1:
            row.load = (next(iter(found)), row.class_key, row.subgroup, row.subject)
            row.key = (row.load, row.weekday, row.lesson)
        elif found:
            row.cells.issue("subject", "value.ambiguous", teachers=sorted(refs.teacher_names.get(t, t) for t in found))
        else:
            row.cells.issue(
                "subject", "value.no_load", **{"class": class_name(row.class_key)}, subgroup=row.cells.raw("subgroup")
            )


def find_clashes(rows: list[TimetableRow], refs: References) -> None:
    """A class, or a teacher, in two places at one lesson is a mistake; different subgroups of one
    class at the same lesson are not (J-13), unless one teacher would teach both at once.
    Each row is reported once, with the row it clashes with."""
    by_class: dict[tuple, list[TimetableRow]] = defaultdict(list)
    by_teacher: dict[tuple, list[TimetableRow]] = defaultdict(list)
    for row in rows:
        assert row.class_key is not None  # parse_timetable keeps only such rows
        slot = (row.weekday, row.lesson)
        same_class = [other for other in by_class[row.class_key, slot] if not split(row, other)]
        teacher = row.load[0] if row.load else None
        same_teacher = by_teacher[teacher, slot] if teacher else []
        if same_class:
            row.cells.issue(
                "lesson",
                "value.timetable_clash",
                other_row=same_class[0].cells.number,
                **{"class": class_name(row.class_key)},
            )
        elif same_teacher:
            row.cells.issue(
                "lesson",
                "value.timetable_clash",
                other_row=same_teacher[0].cells.number,
                teacher=refs.teacher_names.get(teacher, teacher),
            )
        by_class[row.class_key, slot].append(row)
        if teacher:
            by_teacher[teacher, slot].append(row)


def split(row: TimetableRow, other: TimetableRow) -> bool:
    """Whether two lessons are for different subgroups of one class."""
    return (
        row.class_key == other.class_key
        and bool(row.subgroup)
        and bool(other.subgroup)
        and row.subgroup != other.subgroup
    )
