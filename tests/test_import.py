"""The school import (XLSX workbook or CSV folder) and its blank templates.

Rule ids: PER-1 (year, periods, holidays), ROLE-1 (staff roles), ACC-4 (class teacher), ACC-2
(parents and their children), ACC-3 (teaching load), J-13 (subgroups), J-5 (work types).
"""

from __future__ import annotations

import copy
import csv
import zipfile
from datetime import date, time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.cli import import_failure_text
from services.models import (
    AcademicYear,
    Assignment,
    Base,
    ClassGroup,
    Guardianship,
    Holiday,
    Kinship,
    PeriodKind,
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
from services.safe_cells import csv_row, xlsx_append
from services.school_import import ImportFailed, ImportIssue, import_school, read_source, write_templates
from services.school_import.cells import (
    BadValue,
    parse_class,
    parse_date,
    parse_phone,
    parse_roles,
    parse_weekday,
)
from services.school_import.issues import MAX_ISSUES
from services.school_import.reader import MAX_FILE_MB, MAX_PARTS, MAX_ROWS, MAX_UNPACKED_MB, MB
from services.school_import.spec import SHEETS, SHEETS_BY_NAME
from services.school_import.validate import parse_tables
from tests.statements import statements_run


def sheet(columns: str, *rows: tuple[str, ...]) -> list[dict[str, str]]:
    keys = columns.split()
    assert all(len(row) == len(keys) for row in rows)
    return [dict(zip(keys, row, strict=True)) for row in rows]


def small_school() -> dict[str, list[dict[str, str]]]:
    """Three classes, subgroups in 5А, a mother of two children in 5А and 7А; no work types sheet."""
    return {
        "school": sheet(
            "name timezone year year_start year_end mark_min mark_max grades_without_marks homework_deadline "
            "edit_window_days",
            ("Школа № 7", "Asia/Yekaterinburg", "2026/2027", "01.09.2026", "31.05.2027", "2", "5", "1", "16:00", "14"),
        ),
        "periods": sheet(
            "name kind grades starts ends",
            ("1 четверть", "четверть", "1-9", "01.09.2026", "25.10.2026"),
            ("2 четверть", "четверть", "1-9", "05.11.2026", "28.12.2026"),
            ("1 полугодие", "полугодие", "10-11", "2026-09-01", "2026-12-28"),
        ),
        "holidays": sheet(
            "name starts ends grades",
            ("Осенние каникулы", "26.10.2026", "04.11.2026", ""),
            ("Дополнительные каникулы", "08.02.2027", "14.02.2027", "1"),
        ),
        "bells": sheet(
            "lesson starts ends",
            ("1", "08:30", "09:15"),
            ("2", "09:25", "10:10"),
            ("3", "10:30", "11:15"),
        ),
        "subjects": sheet(
            "name short_name",
            ("Математика", "Мат."),
            ("Русский язык", "Рус."),
            ("Английский язык", "Англ."),
        ),
        "staff": sheet(
            "last_name first_name middle_name roles phone email",
            ("Смирнова", "Елена", "Викторовна", "учитель", "+79001234567", "smirnova@school7.ru"),
            ("Кузнецов", "Олег", "Петрович", "учитель, завуч", "", ""),
            ("Орлова", "Ирина", "Сергеевна", "учитель", "", ""),
            ("Волкова", "Нина", "Андреевна", "Учитель", "", ""),
            ("Белова", "Ольга", "Ивановна", "секретарь администратор", "", ""),
        ),
        "classes": sheet(
            "class class_teacher",
            ("5А", "Смирнова Елена Викторовна"),
            ("5Б", "Орлова Ирина Сергеевна"),
            ("7А", "кузнецов олег петрович"),
        ),
        "students": sheet(
            "last_name first_name middle_name birth_date class subgroups",
            ("Иванов", "Пётр", "Сергеевич", "14.03.2015", "5А", "Англ. 1"),
            ("Петров", "Илья", "Андреевич", "02.02.2015", "5А", "Англ. 2"),
            ("Сидорова", "Мария", "Олеговна", "21.11.2015", "5A", "англ. 1"),  # a Latin «A»
            ("Козлов", "Денис", "Игоревич", "05.05.2015", "5Б", ""),
            ("Петрова", "Алина", "Андреевна", "10.10.2013", "7А", ""),
            ("Новиков", "Артём", "", "2013-01-30", "7а", ""),
        ),
        "parents": sheet(
            "last_name first_name middle_name phone email kinship child child_class",
            ("Петрова", "Анна", "Викторовна", "+7 900 111-22-33", "", "мать", "Петров Илья Андреевич", "5А"),
            (
                "Петрова",
                "Анна",
                "Викторовна",
                "8 (900) 111-22-33",
                "petrova@mail.ru",
                "мать",
                "Петрова Алина Андреевна",
                "7А",
            ),
            ("Иванов", "Сергей", "Павлович", "+79002223344", "", "отец", "Иванов Петр Сергеевич", "5А"),
            ("Козлова", "Ольга", "", "", "", "", "Козлов Денис Игоревич", "5Б"),
        ),
        "load": sheet(
            "teacher class subgroup subject hours",
            ("Смирнова Елена Викторовна", "5А", "", "Математика", "5"),
            ("Смирнова Елена Викторовна", "5Б", "", "Математика", "5"),
            ("Кузнецов Олег Петрович", "7А", "", "Математика", "4"),
            ("Орлова Ирина Сергеевна", "5А", "", "Русский язык", "4"),
            ("Орлова Ирина Сергеевна", "5Б", "", "Русский язык", "4"),
            ("Волкова Нина Андреевна", "5А", "Англ. 1", "Английский язык", "3"),
            ("Орлова Ирина Сергеевна", "5А", "Англ. 2", "Английский язык", "3"),
        ),
        "timetable": sheet(
            "class weekday lesson subject subgroup room",
            ("5А", "Пн", "1", "Математика", "", "204"),
            ("5А", "Пн", "2", "Английский язык", "Англ. 1", "301"),
            ("5А", "понедельник", "2", "Английский язык", "Англ. 2", "302"),  # J-13: two subgroups at once
            ("5Б", "Пн", "1", "Русский язык", "", "105"),
            ("5Б", "Пн", "2", "Математика", "", "204"),
            ("7А", "Вт", "3", "Математика", "", "210"),
            ("5А", "3", "1", "Русский язык", "", ""),
        ),
    }


def write_workbook(tables, path: Path, titles: bool = False) -> Path:
    """The tables as an XLSX workbook with the Russian headers; an empty row stays an empty row."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in tables.items():
        spec = SHEETS_BY_NAME[name]
        worksheet = workbook.create_sheet(spec.title if titles else name)
        worksheet.append([column.header for column in spec.columns])
        for row in rows:
            worksheet.append([row.get(column.key) or None for column in spec.columns])
    workbook.save(path)
    return path


def write_csv_folder(tables, folder: Path, delimiter: str, encoding: str) -> Path:
    folder.mkdir()
    for name, rows in tables.items():
        spec = SHEETS_BY_NAME[name]
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as file:
            writer = csv.writer(file, delimiter=delimiter)
            writer.writerow([column.header for column in spec.columns])
            writer.writerows([row.get(column.key, "") for column in spec.columns] for row in rows)
    return folder


async def dump(session) -> dict[str, list[tuple]]:
    """Every row of every table."""
    return {
        table.name: sorted((tuple(row) for row in (await session.execute(select(table))).all()), key=repr)
        for table in Base.metadata.sorted_tables
    }


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def person_named(session, last: str, first: str) -> Person:
    return (
        await session.scalars(
            select(Person)
            .where(Person.last_name == last, Person.first_name == first)
            .options(selectinload(Person.roles))
        )
    ).one()


def issue_tuples(failed: ImportFailed) -> list[tuple]:
    return [(i.sheet, i.row, i.column, i.value, i.code) for i in failed.issues]


# --- templates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["school_template.xlsx", "csv"])
async def test_templates_import_cleanly(session, tmp_path, source):
    """The examples of every sheet form a tiny school (PER-1, J-5, J-13, ACC-4) that imports as is."""
    paths = write_templates(tmp_path)
    assert tmp_path / "school_template.xlsx" in paths
    assert {p.name for p in paths if p.parent.name == "csv"} == {f"{s.name}.csv" for s in SHEETS}

    report = await import_school(session, read_source(tmp_path / source))

    assert report.created == {s.name: 1 for s in SHEETS}
    assert await count(session, Person) == 3
    assert await count(session, SubgroupMember) == 1
    entry = (await session.scalars(select(TimetableEntry))).one()
    assert (entry.weekday, entry.lesson_number, entry.room) == (0, 1, "204")


def test_template_files_are_what_excel_expects(tmp_path):
    """CSV: UTF-8 with a BOM and «;»; workbook: one sheet per spec sheet, header + example row."""
    write_templates(tmp_path)
    raw = (tmp_path / "csv" / "students.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == ";".join(c.header for c in SHEETS_BY_NAME["students"].columns)
    workbook = openpyxl.load_workbook(tmp_path / "school_template.xlsx")
    assert workbook.sheetnames == [s.name for s in SHEETS]
    assert [c.value for c in workbook["classes"][1]] == ["Класс", "Классный руководитель"]
    assert workbook["classes"].max_row == 2


# --- a small school ------------------------------------------------------------------------------------


async def test_small_school_rows(session):
    """PER-1, ROLE-1, ACC-4, J-13, J-5: every row of a small school lands where it belongs."""
    report = await import_school(session, small_school())

    assert report.created["students"] == 6 and report.created["parents"] == 4
    assert report.created["work_types"] == 8  # J-5 defaults: the tables have no work types
    counts = {
        model.__name__: await count(session, model)
        for model in (
            School,
            AcademicYear,
            StudyPeriod,
            Holiday,
            Subject,
            WorkType,
            Person,
            StaffRole,
            ClassGroup,
            Student,
            Guardianship,
            Subgroup,
            SubgroupMember,
            Assignment,
            TimetableEntry,
        )
    }
    assert counts == {
        "School": 1,
        "AcademicYear": 1,
        "StudyPeriod": 3,
        "Holiday": 2,
        "Subject": 3,
        "WorkType": 8,
        "Person": 5 + 6 + 3,
        "StaffRole": 7,
        "ClassGroup": 3,
        "Student": 6,
        "Guardianship": 4,
        "Subgroup": 2,
        "SubgroupMember": 3,
        "Assignment": 7,
        "TimetableEntry": 7,
    }

    school = (await session.scalars(select(School))).one()
    assert (school.timezone, school.homework_deadline.hour, school.no_mark_grades) == (
        "Asia/Yekaterinburg",
        16,
        frozenset({1}),
    )
    written = (await session.scalars(select(WorkType).where(WorkType.name == "Контрольная работа"))).one()
    assert (written.weight, written.is_written) == (2, True)
    half = (await session.scalars(select(StudyPeriod).where(StudyPeriod.name == "1 полугодие"))).one()
    assert (half.kind, half.grade_from, half.grade_to, half.starts_on) == (
        PeriodKind.HALF_YEAR,
        10,
        11,
        date(2026, 9, 1),
    )
    extra = (await session.scalars(select(Holiday).where(Holiday.grades != ""))).one()
    assert extra.applies_to(1) and not extra.applies_to(2)

    # ROLE-1: roles as listed; ACC-4: the class teacher named in any case.
    kuznetsov = await person_named(session, "Кузнецов", "Олег")
    belova = await person_named(session, "Белова", "Ольга")
    assert {r.role for r in kuznetsov.roles} == {Role.TEACHER, Role.DEPUTY}
    assert {r.role for r in belova.roles} == {Role.SECRETARY, Role.ADMIN}
    classes = {c.name: c for c in await session.scalars(select(ClassGroup))}
    assert set(classes) == {"5А", "5Б", "7А"}
    assert classes["7А"].class_teacher_id == kuznetsov.id

    # ACC-2: one mother of two children in different classes is one person.
    mother = await person_named(session, "Петрова", "Анна")
    assert (mother.phone, mother.email) == ("+79001112233", "petrova@mail.ru")
    children = (
        await session.execute(
            select(ClassGroup.grade, ClassGroup.letter, Guardianship.kinship)
            .join(Student, Student.id == Guardianship.student_id)
            .join(ClassGroup, ClassGroup.id == Student.class_id)
            .where(Guardianship.parent_id == mother.id)
        )
    ).all()
    assert sorted(children) == [(5, "А", Kinship.MOTHER), (7, "А", Kinship.MOTHER)]
    guardian = await person_named(session, "Козлова", "Ольга")
    assert (
        await session.scalars(select(Guardianship.kinship).where(Guardianship.parent_id == guardian.id))
    ).one() == Kinship.OTHER

    # J-13: «англ. 1» and «Англ. 1» are one subgroup; the student with a Latin «5A» is in 5А.
    sidorova = (await session.scalars(select(Student).join(Person).where(Person.last_name == "Сидорова"))).one()
    assert sidorova.class_group.name == "5А"
    group = (
        await session.scalars(select(Subgroup).join(SubgroupMember).where(SubgroupMember.student_id == sidorova.id))
    ).one()
    assert group.name == "Англ. 1"

    # The timetable: Monday lesson 2 of 5А is English for both subgroups, each with its own teacher.
    entries = (
        await session.scalars(
            select(TimetableEntry).where(TimetableEntry.weekday == 0, TimetableEntry.lesson_number == 2)
        )
    ).all()
    english = {e.assignment.subgroup.name: e for e in entries if e.assignment.subgroup}
    assert english["Англ. 1"].assignment.teacher.last_name == "Волкова"
    assert english["Англ. 1"].assignment.subject.name == "Английский язык"
    assert english["Англ. 2"].room == "302"
    assert all(e.valid_from == date(2026, 9, 1) and e.valid_to is None for e in entries)
    wednesday = (await session.scalars(select(TimetableEntry).where(TimetableEntry.weekday == 2))).one()
    assert (wednesday.lesson_number, wednesday.assignment.subject.name) == (1, "Русский язык")


async def test_reimport_changes_nothing(session):
    """Importing the same tables again finds every row as it is and writes nothing."""
    await import_school(session, small_school())
    before = await dump(session)

    report = await import_school(session, small_school())

    assert await dump(session) == before
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert report.unchanged["students"] == 6 and report.unchanged["timetable"] == 7


async def test_changed_rows_are_updated(session):
    """A student moved to another class, changed hours, a dropped role (ROLE-1), a new subgroup (J-13)."""
    await import_school(session, small_school())
    tables = small_school()
    tables["students"][1].update({"class": "5Б", "subgroups": ""})  # Петров leaves 5А and its subgroup
    tables["parents"][0]["child_class"] = "5Б"
    tables["students"][0]["subgroups"] = "Англ. 1, Проект"  # Иванов joins a new subgroup
    tables["load"][0]["hours"] = "6"
    tables["staff"][1]["roles"] = "учитель"
    tables["classes"][1]["class_teacher"] = ""

    report = await import_school(session, tables)

    assert {sheet: n for sheet, n in report.updated.items() if n} == {
        "students": 2,
        "load": 1,
        "staff": 1,
        "classes": 1,
    }
    assert sum(report.created.values()) == 0
    petrov = (await session.scalars(select(Student).join(Person).where(Person.last_name == "Петров"))).one()
    assert petrov.class_group.name == "5Б"
    assert await session.scalar(select(func.count()).where(SubgroupMember.student_id == petrov.id)) == 0
    ivanov = (await session.scalars(select(Student).join(Person).where(Person.last_name == "Иванов"))).one()
    assert set(
        await session.scalars(select(Subgroup.name).join(SubgroupMember).where(SubgroupMember.student_id == ivanov.id))
    ) == {"Англ. 1", "Проект"}
    hours = await session.scalar(
        select(Assignment.hours_per_week)
        .join(ClassGroup)
        .join(Subject)
        .where(ClassGroup.letter == "А", ClassGroup.grade == 5, Subject.name == "Математика")
    )
    assert hours == 6
    kuznetsov = await person_named(session, "Кузнецов", "Олег")
    assert {r.role for r in kuznetsov.roles} == {Role.TEACHER}
    assert await session.scalar(select(ClassGroup.class_teacher_id).where(ClassGroup.letter == "Б")) is None
    assert await count(session, Person) == 14


async def test_partial_import_adds_and_keeps_the_rest(session):
    """Tables with a few rows refer to what the school has and delete nothing."""
    await import_school(session, small_school())
    before = {model: await count(session, model) for model in (Person, Student, Assignment, TimetableEntry)}
    tables = {name: [] for name in ("periods", "bells", "subjects", "staff", "classes", "load")}
    tables["school"] = small_school()["school"]
    tables["students"] = sheet("last_name first_name birth_date class", ("Егоров", "Максим", "01.06.2015", "5Б"))
    tables["parents"] = sheet(
        "last_name first_name phone child child_class",
        ("Иванова", "Ольга", "+79005556677", "Иванов Пётр Сергеевич", "5А"),
    )
    tables["timetable"] = sheet("class weekday lesson subject", ("7А", "Чт", "1", "Математика"))

    report = await import_school(session, tables)

    assert {sheet: n for sheet, n in report.created.items() if n} == {"students": 1, "parents": 1, "timetable": 1}
    assert await count(session, Student) == before[Student] + 1
    assert await count(session, Person) == before[Person] + 2
    assert await count(session, Assignment) == before[Assignment]
    assert await count(session, TimetableEntry) == before[TimetableEntry] + 1
    assert await count(session, WorkType) == 8  # the defaults are not added twice


async def test_work_types_given_are_the_only_ones(session):
    """J-5: the school's own work types and weights (decimal comma), no defaults besides them."""
    tables = small_school()
    tables["work_types"] = sheet("name weight written", ("Тест", "1,5", "да"), ("Ответ у доски", "1", ""))

    await import_school(session, tables)

    rows = (await session.execute(select(WorkType.name, WorkType.weight, WorkType.is_written))).all()
    assert sorted(rows) == [("Ответ у доски", 1, False), ("Тест", 1.5, True)]
    before = await dump(session)
    await import_school(session, tables)
    assert await dump(session) == before


# --- broken files ----------------------------------------------------------------------------------------


async def test_broken_workbook_reports_every_issue_and_writes_nothing(session, tmp_path):
    """Each issue names the sheet, the row as numbered in the file, the column header and the value;
    the issues of every sheet come together (PER-1 dates, J-13 subgroups, a timetable clash)."""
    tables = small_school()
    tables["school"][0]["mark_max"] = "пять"
    tables["periods"][1]["ends"] = "10.06.2027"  # after the year
    tables["students"][0]["birth_date"] = "31.02.2015"
    tables["students"].insert(5, {})  # a blank row: Новиков is on row 8 of the sheet
    tables["students"][6]["class"] = "9В"
    tables["subjects"][0]["short_name"] = "М" * 31
    tables["load"].append(dict(tables["load"][5], **{"class": "5Б"}))  # Англ. 1 is a subgroup of 5А only
    tables["timetable"].append(dict(tables["timetable"][6], weekday="Пн", room="105"))  # 5А on Пн 1 twice
    path = write_workbook(tables, tmp_path / "school.xlsx", titles=True)

    with pytest.raises(ImportFailed) as failed:
        await import_school(session, read_source(path))

    assert issue_tuples(failed.value) == [
        ("school", 2, "Макс. отметка", "пять", "value.bad_number"),
        ("periods", 3, "Конец", "10.06.2027", "value.period_outside_year"),
        ("subjects", 2, "Сокращение", "М" * 31, "value.too_long"),
        ("students", 2, "Дата рождения", "31.02.2015", "value.bad_date"),
        ("students", 8, "Класс", "9В", "value.unknown_class"),
        ("load", 9, "Подгруппа", "Англ. 1", "value.unknown_subgroup"),
        ("timetable", 9, "Урок", "1", "value.timetable_clash"),
    ]
    params = {issue.code: issue.params for issue in failed.value.issues}
    assert params["value.bad_number"] == {"min": 0, "max": 100, "integer": True}
    assert params["value.bad_date"] == {"expected": "ДД.ММ.ГГГГ"}
    assert params["value.period_outside_year"] == {"year_start": "2026-09-01", "year_end": "2027-05-31"}
    assert params["value.too_long"] == {"max": 30}
    assert params["value.timetable_clash"] == {"other_row": 2, "class": "5А"}
    assert all(rows == [] for rows in (await dump(session)).values())


async def test_timetable_needs_one_load_row_and_no_teacher_twice(session):
    """A lesson with no teacher of the subject, with two, and a teacher in two classes at once."""
    tables = small_school()
    tables["load"].append(
        sheet("teacher class subgroup subject hours", ("Кузнецов Олег Петрович", "5А", "", "Математика", "1"))[0]
    )
    tables["timetable"] = sheet(
        "class weekday lesson subject subgroup room",
        ("5А", "Пн", "1", "Математика", "", ""),  # Смирнова and Кузнецов both teach it
        ("5Б", "Пн", "1", "Английский язык", "", ""),  # nobody teaches it in 5Б
        ("5Б", "Вт", "1", "Математика", "", ""),
        ("5А", "Вт", "1", "Английский язык", "Англ. 2", ""),  # Орлова
        ("5Б", "Вт", "1", "Русский язык", "", ""),  # Орлова again, and 5Б again
        ("7А", "Сб", "2", "Математика", "", ""),
        ("7А", "Вс", "3", "Математика", "", ""),
    )
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)

    assert [(i.row, i.column, i.code, i.params) for i in failed.value.issues] == [
        (2, "Предмет", "value.ambiguous", {"teachers": ["Кузнецов Олег Петрович", "Смирнова Елена Викторовна"]}),
        (3, "Предмет", "value.no_load", {"class": "5Б", "subgroup": ""}),
        (6, "Урок", "value.timetable_clash", {"other_row": 4, "class": "5Б"}),
        (8, "День недели", "value.bad_weekday", {"expected": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб"]}),
    ]


async def test_teacher_in_two_classes_at_once(session):
    tables = small_school()
    tables["timetable"].append(
        sheet("class weekday lesson subject subgroup room", ("5Б", "Пт", "1", "Русский язык", "", ""))[0]
    )
    tables["timetable"].append(
        sheet("class weekday lesson subject subgroup room", ("5А", "Пт", "1", "Английский язык", "Англ. 2", ""))[0]
    )
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)

    [issue] = failed.value.issues
    assert (issue.sheet, issue.row, issue.code) == ("timetable", 10, "value.timetable_clash")
    assert issue.params == {"other_row": 9, "teacher": "Орлова Ирина Сергеевна"}


async def test_one_teacher_cannot_teach_both_subgroups_at_once_J_13(session):
    tables = small_school()
    # Орлова takes Англ. 1 as well, and the timetable puts both subgroups at Monday's 2nd lesson.
    tables["load"] = [row for row in tables["load"] if row["subgroup"] != "Англ. 1"]
    tables["load"].append(
        sheet(
            "teacher class subgroup subject hours", ("Орлова Ирина Сергеевна", "5А", "Англ. 1", "Английский язык", "3")
        )[0]
    )
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)

    [issue] = failed.value.issues
    assert (issue.sheet, issue.code) == ("timetable", "value.timetable_clash")
    assert (issue.row, issue.params) == (4, {"other_row": 3, "teacher": "Орлова Ирина Сергеевна"})


async def test_rows_that_do_not_fit_the_model(session):
    """Roles (ROLE-1), kinship, periods (PER-1), duplicates, a parent's child, a conflicting parent."""
    tables = small_school()
    tables["staff"][4]["roles"] = "директор"
    tables["staff"].append(dict(tables["staff"][0], roles="учитель"))
    tables["classes"][0]["class_teacher"] = "Никто Никак"
    tables["periods"][0].update(kind="семестр", grades="9-5", starts="26.10.2026")
    tables["bells"][0]["ends"] = "08:00"
    tables["parents"][0]["email"] = "petrova@mail.ru"
    tables["parents"][1]["email"] = "anna@mail.ru"  # the same mother, another e-mail
    tables["parents"][2].update(kinship="дедушка", child="Иванов Павел Сергеевич")
    tables["parents"][3]["phone"] = "позвонить маме"
    tables.pop("holidays")  # optional
    del tables["timetable"]

    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)

    assert [(i.sheet, i.row, i.column, i.code) for i in failed.value.issues] == [
        ("periods", 2, "Вид", "value.bad_kind"),
        ("periods", 2, "Классы", "value.bad_grades"),
        ("periods", 2, "Конец", "value.dates_reversed"),
        ("bells", 2, "Конец", "value.times_reversed"),
        ("staff", 6, "Роли", "value.bad_role"),
        ("staff", 7, "Фамилия", "value.duplicate"),
        ("classes", 2, "Классный руководитель", "value.unknown_teacher"),
        ("parents", 3, "Эл. почта", "value.conflict"),
        ("parents", 4, "Кем приходится", "value.bad_kinship"),
        ("parents", 4, "Ребёнок", "value.unknown_student"),
        ("parents", 5, "Телефон", "value.bad_phone"),
        ("timetable", None, None, "sheet.missing"),
    ]


async def test_formula_like_names_are_refused(session):
    """A name the invite CSV would hand to the secretary's spreadsheet as a formula never gets in."""
    tables = small_school()
    tables["students"][5]["last_name"] = '=HYPERLINK("http://evil","x")'
    tables["staff"][4]["middle_name"] = "\t+cmd|' /C calc'!A0"
    tables["subjects"][2]["short_name"] = "@SUM(1)"
    tables["timetable"][0]["room"] = "-2+3"

    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)

    assert [(i.sheet, i.row, i.column, i.code, i.params) for i in failed.value.issues] == [
        ("subjects", 4, "Сокращение", "value.formula", {"char": "@"}),
        ("staff", 6, "Отчество", "value.formula", {"char": "+"}),
        ("students", 7, "Фамилия", "value.formula", {"char": "="}),
        ("timetable", 2, "Кабинет", "value.formula", {"char": "-"}),
    ]
    assert await count(session, Person) == 0


def test_written_workbooks_and_csv_hold_text_never_formulas(tmp_path):
    """Every string cell the program writes is a string; a formula-like one is marked as text."""
    workbook = openpyxl.Workbook()
    xlsx_append(workbook.active, ['=HYPERLINK("http://evil","x")', "Иванов", 5, None])
    workbook.save(tmp_path / "out.xlsx")
    row = openpyxl.load_workbook(tmp_path / "out.xlsx").active[1]
    assert [(c.value, c.data_type, c.quotePrefix) for c in row[:3]] == [
        ('=HYPERLINK("http://evil","x")', "s", True),
        ("Иванов", "s", False),
        (5, "n", False),
    ]
    assert csv_row(["=1+1", "+7900", "-", "@x", "\tx", "\rx", "Иванов", None, 3]) == [
        "'=1+1",
        "'+7900",
        "'-",
        "'@x",
        "'\tx",
        "'\rx",
        "Иванов",
        "",
        "3",
    ]
    write_templates(tmp_path)
    for worksheet in openpyxl.load_workbook(tmp_path / "school_template.xlsx").worksheets:
        assert {c.data_type for row in worksheet.iter_rows() for c in row if c.value is not None} == {"s"}


async def test_school_sheet_has_exactly_one_row(session):
    tables = small_school()
    tables["school"].append(dict(tables["school"][0], name="Школа № 8"))
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)
    assert issue_tuples(failed.value) == [("school", 3, None, "", "sheet.too_many_rows")]

    tables["school"] = [{}]
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, tables)
    assert issue_tuples(failed.value)[0] == ("school", None, None, "", "sheet.empty")


# --- reading files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"), (";", "cp1251")])
async def test_csv_folder(session, tmp_path, delimiter, encoding):
    """CSV as Excel saves it: UTF-8 with a BOM and «;», plain UTF-8 with «,», or the Windows code page."""
    folder = write_csv_folder(small_school(), tmp_path / "csv", delimiter, encoding)

    tables = read_source(folder)

    expected = small_school()["students"][0]
    assert {key: tables["students"][0][key] for key in expected} == expected
    assert tables["school"][0]["name"] == "Школа № 7"
    report = await import_school(session, tables)
    assert report.created["timetable"] == 7


def test_headers_match_loosely_and_unknown_columns_are_ignored(tmp_path):
    folder = tmp_path / "csv"
    write_csv_folder(small_school(), folder, ";", "utf-8-sig")
    (folder / "Классы.csv").write_text(
        "  КЛАСС ;class_teacher;Примечание\n5А;Смирнова Елена Викторовна;x\n\n\n", encoding="utf-8"
    )
    (folder / "classes.csv").unlink()

    assert read_source(folder)["classes"] == [{"class": "5А", "class_teacher": "Смирнова Елена Викторовна"}]


def test_missing_required_sheet_and_column(tmp_path):
    tables = small_school()
    del tables["students"]
    folder = write_csv_folder(tables, tmp_path / "csv", ";", "utf-8-sig")
    (folder / "bells.csv").write_text("Урок;Начало\n1;08:30\n", encoding="utf-8-sig")

    with pytest.raises(ImportFailed) as failed:
        read_source(folder)

    assert failed.value.issues == [
        ImportIssue("bells", 1, "Конец", "", "column.missing", {}),
        ImportIssue("students", None, None, "", "sheet.missing", {}),
    ]


def test_unreadable_files(tmp_path):
    garbage = tmp_path / "school.xlsx"
    garbage.write_bytes(b"this is not a workbook")
    with pytest.raises(ImportFailed) as failed:
        read_source(garbage)
    assert issue_tuples(failed.value) == [("", None, None, "school.xlsx", "file.unreadable")]

    old_excel = tmp_path / "school.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFailed) as failed:
        read_source(old_excel)
    assert [(i.code, i.params["extension"]) for i in failed.value.issues] == [("file.unknown_format", ".xls")]

    with pytest.raises(ImportFailed) as failed:
        read_source(tmp_path / "nothing.xlsx")
    assert [i.code for i in failed.value.issues] == ["file.not_found"]


def test_hostile_files_are_refused_before_they_are_read(tmp_path):
    """Size, unpacked size, zip entries and rows are checked first: a 50 MB CSV or a zip bomb costs
    nothing (the files here are sparse or highly compressible, so the test is quick)."""

    def refused(path: Path) -> list[tuple]:
        with pytest.raises(ImportFailed) as failed:
            read_source(path)
        return [(i.sheet, i.code, i.params) for i in failed.value.issues]

    folder = tmp_path / "csv"
    folder.mkdir()
    with (folder / "students.csv").open("wb") as big:
        big.truncate(MAX_FILE_MB * MB + 1)  # sparse: no disk, no time
    assert refused(folder) == [("", "file.too_big", {"size_mb": MAX_FILE_MB + 1, "max_mb": MAX_FILE_MB})]
    (folder / "students.csv").rename(tmp_path / "big.xlsx")
    assert refused(tmp_path / "big.xlsx")[0][1] == "file.too_big"

    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        zeros = bytes(MB)
        for _ in range(MAX_UNPACKED_MB + 1):
            member.write(zeros)
    assert bomb.stat().st_size < MB
    assert refused(bomb) == [("", "file.unpacked_too_big", {"max_mb": MAX_UNPACKED_MB})]

    parts = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(parts, "w") as archive:
        for n in range(MAX_PARTS + 1):
            archive.writestr(f"xl/media/{n}.txt", "")
    assert refused(parts)[0][1:] == ("file.too_many_parts", {"count": MAX_PARTS + 1, "max": MAX_PARTS})

    header = ";".join(c.header for c in SHEETS_BY_NAME["classes"].columns)
    (folder / "classes.csv").write_text(header + "\n" + "5А;\n" * MAX_ROWS, encoding="utf-8")
    assert "sheet.too_long" not in [code for _, code, _ in refused(folder)]  # the limit itself is allowed
    (folder / "classes.csv").write_text(header + "\n" + "5А;\n" * (MAX_ROWS + 1), encoding="utf-8")
    assert refused(folder) == [("classes", "sheet.too_long", {"max": MAX_ROWS})]

    workbook = openpyxl.Workbook()
    workbook.active.title = "Классы"
    workbook.active.append([c.header for c in SHEETS_BY_NAME["classes"].columns])
    workbook.active.cell(MAX_ROWS + 2, 1, "5А")  # the rows between are empty: they count too
    workbook.save(tmp_path / "long.xlsx")
    assert refused(tmp_path / "long.xlsx") == [("classes", "sheet.too_long", {"max": MAX_ROWS})]


def test_a_file_full_of_mistakes_lists_the_first_hundred_and_counts_the_rest():
    tables = small_school()
    tables["students"] = [
        dict(tables["students"][0], birth_date="31.02.2015", last_name=f"Иванов{n}") for n in range(MAX_ISSUES + 50)
    ]
    with pytest.raises(ImportFailed) as failed:
        parse_failed(tables)
    assert (len(failed.value.issues), failed.value.total) == (MAX_ISSUES, MAX_ISSUES + 50)
    text = import_failure_text(failed.value, "ru")
    assert text.splitlines()[0] == f"Импорт не выполнен: {MAX_ISSUES + 50} ошибок. Ничего не записано."
    assert text.splitlines()[-1] == "  … и ещё 50 ошибок."
    assert len(text.splitlines()) == MAX_ISSUES + 2
    assert import_failure_text(failed.value, "en").splitlines()[-1] == "  … and 50 more errors."


def parse_failed(tables) -> None:
    parsed = parse_tables(tables)
    raise ImportFailed(parsed.issues)


def test_workbook_cells_of_any_type(tmp_path):
    """Real date and time cells, numbers and Russian sheet titles read as the text a CSV would have."""
    tables = small_school()
    path = write_workbook(tables, tmp_path / "school.xlsx", titles=True)
    workbook = openpyxl.load_workbook(path)
    workbook["Школа"]["D2"] = date(2026, 9, 1)
    workbook["Звонки"]["B2"] = time(8, 30)
    workbook["Нагрузка"]["E2"] = 5.0
    workbook.save(path)

    read = read_source(path)

    assert read["school"][0]["year_start"] == "2026-09-01"
    assert read["bells"][0]["starts"] == "08:30"
    assert read["load"][0]["hours"] == "5"


# --- cells -----------------------------------------------------------------------------------------------


def test_cell_parsers():
    assert parse_date("1.9.2026") == parse_date("2026-09-01") == date(2026, 9, 1)
    assert parse_class("10 б") == parse_class("10Б") == (10, "Б")
    assert parse_class("11-a") == parse_class("11A") == (11, "А")  # Latin look-alikes
    assert parse_class("5") == (5, "")
    assert [parse_weekday(w) for w in ("Пн", "вторник", "3", "чт.", "Пятница", "сб")] == [0, 1, 2, 3, 4, 5]
    assert parse_roles("Заместитель директора по УВР, учитель") == {Role.DEPUTY, Role.TEACHER}
    assert parse_phone("8 (900) 123-45-67") == parse_phone("+7 900 123 45 67") == "+79001234567"
    for parse, text in (
        (parse_date, "32.01.2026"),
        (parse_class, "12А"),
        (parse_class, "5АБ"),
        (parse_weekday, "Вс"),
        (parse_roles, "учитель, директор"),
        (parse_phone, "123"),
    ):
        with pytest.raises(BadValue):
            parse(text)


# --- size ----------------------------------------------------------------------------------------------


def big_school(students_per_class: int = 30) -> dict[str, list[dict[str, str]]]:
    """25 classes of 30 (750 students), two parents per family of two, a clash-free timetable."""
    tables = copy.deepcopy(small_school())
    subjects = [f"Предмет {n}" for n in range(10)]
    classes = [(grade, letter) for grade in range(1, 11) for letter in "АБВ"][:25]
    teachers = [(f"Учитель{s}_{k}", "Имя", "") for s in range(10) for k in range(3)]
    tables["subjects"] = [{"name": name} for name in subjects]
    tables["staff"] = [{"last_name": t[0], "first_name": t[1], "roles": "учитель"} for t in teachers]
    tables["classes"] = [{"class": f"{g}{letter}"} for g, letter in classes]
    tables["students"], tables["parents"], tables["load"], tables["timetable"] = [], [], [], []
    for c, (grade, letter) in enumerate(classes):
        for n in range(students_per_class):
            i = c * students_per_class + n
            tables["students"].append(
                {
                    "last_name": f"Ученик{i}",
                    "first_name": "Имя",
                    "birth_date": f"01.01.{2019 - grade}",
                    "class": f"{grade}{letter}",
                    "subgroups": f"Группа {n % 2 + 1}",
                }
            )
            for kinship in ("мать", "отец"):
                tables["parents"].append(
                    {
                        "last_name": f"Родитель{i // 2}",
                        "first_name": kinship,
                        "phone": f"+7900{i // 2:07d}",
                        "kinship": kinship,
                        "child": f"Ученик{i} Имя",
                        "child_class": f"{grade}{letter}",
                    }
                )
        # Slot t of the week has subject (t + c) % 10, taught by teacher (subject, c % 3): never twice at once.
        hours = [0] * 10
        for t in range(25):
            subject = (t + c) % 10
            hours[subject] += 1
            tables["timetable"].append(
                {
                    "class": f"{grade}{letter}",
                    "weekday": str(t // 5 + 1),
                    "lesson": str(t % 5 + 1),
                    "subject": subjects[subject],
                }
            )
        for subject, n in enumerate(hours):
            tables["load"].append(
                {
                    "teacher": f"Учитель{subject}_{c % 3} Имя",
                    "class": f"{grade}{letter}",
                    "subject": subjects[subject],
                    "hours": str(n),
                }
            )
    return tables


async def test_a_750_student_school_imports_in_a_few_statements(session):
    """One query per table and bulk writes: about 20 statements for 750 students, 1,500 parents and 625
    lessons (a statement per row would be thousands)."""
    tables = big_school()
    with statements_run(session.bind) as seen:
        report = await import_school(session, tables)

    assert report.created["students"] == 750 and report.created["parents"] == 1500
    assert await count(session, Person) == 750 + 750 + 30
    assert await count(session, TimetableEntry) == 25 * 25
    assert len(seen) <= 30
    with statements_run(session.bind) as seen:
        report = await import_school(session, tables)
    assert report.unchanged["parents"] == 1500
    assert len(seen) <= 25


async def test_trimesters_are_imported_PER_1(session):
    """PER-1: a grade may study by trimesters («триместр» or «trimester» in the sheet)."""
    tables = small_school()
    tables["periods"] = sheet(
        "name kind grades starts ends",
        ("1 триместр", "триместр", "1-9", "01.09.2026", "30.11.2026"),
        ("2 триместр", "Trimester", "1-9", "01.12.2026", "28.02.2027"),
        ("1 полугодие", "полугодие", "10-11", "2026-09-01", "2026-12-28"),
    )
    await import_school(session, tables)

    kinds = dict((await session.execute(select(StudyPeriod.name, StudyPeriod.kind))).all())
    assert kinds == {
        "1 триместр": PeriodKind.TRIMESTER,
        "2 триместр": PeriodKind.TRIMESTER,
        "1 полугодие": PeriodKind.HALF_YEAR,
    }
