"""The calendar-thematic plan (КТП, J-14): the import from the template's file (every error kind, nothing written
when anything is wrong; the dates to move; --replace), and the plan read against the journal for the deputy's
control (REP-3): lessons whose topic departs from the plan, and the programme's completion."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from services.access import load_actor, system_actor
from services.control import ControlService
from services.errors import Forbidden
from services.journal import JournalService
from services.models import AuditEntry, Lesson, PlanTopic
from services.plan import PlanService, same_topic
from services.school_import import ImportFailed, read_plan, write_plan_templates
from tests.factories import MONDAY, TODAY, build_school
from tests.statements import statements_run
from ui.errors_text import import_issue_text

HEADER = ["Учитель", "Класс", "Подгруппа", "Предмет", "№ урока", "Дата (план)", "Тема", "Часы"]
KUZNETSOV = "Кузнецов Олег Петрович"


def plan_file(tmp_path, rows, header=HEADER, name="plan.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(header)
        out.writerows(rows)
    return path


def rus5a(number, topic, day="", hours=""):
    return [KUZNETSOV, "5А", "", "Русский язык", str(number), day, topic, hours]


async def plan_of(session, assignment_id) -> dict[int, str]:
    rows = await session.execute(
        select(PlanTopic.position, PlanTopic.topic).where(PlanTopic.assignment_id == assignment_id)
    )
    return dict(rows.all())


async def import_file(session, clock, school, path, **options):
    return await PlanService(session, clock).import_plan(system_actor(school.school_id), read_plan(path), **options)


def texts(issues) -> list[str]:
    return [import_issue_text(issue, "ru").strip() for issue in issues]


async def test_the_template_imports_as_written_J_14(session, clock, school, tmp_path):
    """The template's example row is a plan a school with that teacher, class and subject imports cleanly; the
    workbook and the CSV file say the same."""
    paths = write_plan_templates(tmp_path / "tpl")
    assert [p.name for p in paths] == ["ktp_template.xlsx", "ktp_template.csv"]
    for path in paths:
        assert read_plan(path) == [
            {
                "teacher": "Смирнова Елена Викторовна",
                "class": "5А",
                "subgroup": "",
                "subject": "Математика",
                "lesson": "1",
                "date": "07.09.2026",
                "topic": "Натуральные числа",
                "hours": "1",
            }
        ]
    report = await import_file(session, clock, school, paths[0], replace_plans=True)  # math in 5А had a plan
    assert (report.replaced, report.topics, report.warnings) == (1, 1, ())
    assert await plan_of(session, school.assignments["math5A"]) == {1: "Натуральные числа"}
    assert (await import_file(session, clock, school, paths[1])).unchanged == 1


async def test_plan_imported_by_teacher_class_and_subject_with_double_lessons_J_14(
    session, clock, school, tmp_path, engine
):
    path = plan_file(
        tmp_path,
        [
            rus5a(1, "Звуки и буквы", "01.09.2026"),
            rus5a(2, "Орфограммы корня", "08.09.2026", "2"),  # a double lesson: positions 2 and 3
            rus5a(4, "Словосочетание", "22.09.2026"),
            ["Белова А.С.", "5а", "англ. 1", "английский язык", "1", "", "Greetings", ""],  # initials do
        ],
    )
    with statements_run(engine) as seen:
        report = await import_file(session, clock, school, path)
    assert len(seen) <= 16  # the calendar, the school's names and load, the plans, one insert of all: per file
    assert (report.created, report.replaced, report.unchanged, report.topics, report.warnings) == (2, 0, 0, 5, ())
    assert await plan_of(session, school.assignments["rus5A"]) == {
        1: "Звуки и буквы",
        2: "Орфограммы корня",
        3: "Орфограммы корня",
        4: "Словосочетание",
    }
    assert await plan_of(session, school.assignments["eng5A1"]) == {1: "Greetings"}
    assert await plan_of(session, school.assignments["eng5A2"]) == {}
    audits = (await session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "assignment"))).all()
    assert sorted(audits) == ["plan.import", "plan.import"]

    again = await import_file(session, clock, school, path)  # the same file again changes nothing
    assert (again.created, again.replaced, again.unchanged, again.topics) == (0, 0, 2, 0)


async def test_english_headers_are_accepted(session, clock, school, tmp_path):
    header = ["Teacher", "Class", "Subgroup", "Subject", "Lesson no", "Planned date", "Topic", "Hours"]
    path = plan_file(tmp_path, [rus5a(1, "Звуки и буквы")], header=header)
    assert (await import_file(session, clock, school, path)).topics == 1


async def test_every_error_is_a_line_with_its_row_and_nothing_is_written_J_14(session, clock, school, tmp_path):
    before = await plan_of(session, school.assignments["math5A"])
    path = plan_file(
        tmp_path,
        [
            rus5a(1, "Звуки и буквы"),  # row 2: fine
            ["Петров Пётр Петрович", "5А", "", "Русский язык", "2", "", "Тема", ""],  # 3: no such teacher
            [KUZNETSOV, "9В", "", "Русский язык", "2", "", "Тема", ""],  # 4: no such class
            [KUZNETSOV, "5А", "", "Астрономия", "2", "", "Тема", ""],  # 5: no such subject
            ["Белова Анна Сергеевна", "5А", "", "Русский язык", "2", "", "Тема", ""],  # 6: not her subject
            rus5a(1, "Повтор"),  # 7: lesson 1 twice
            rus5a(2, ""),  # 8: no topic
            rus5a(3, "Т" * 301),  # 9: too long
            rus5a("три", "Тема"),  # 10: not a number
            rus5a(4, "Тема", "31.02.2027"),  # 11: not a date
            [KUZNETSOV, "5А", "Англ. 3", "Русский язык", "5", "", "Тема", ""],  # 12: no such subgroup
        ],
    )
    with pytest.raises(ImportFailed) as failed:
        await import_file(session, clock, school, path)
    assert texts(failed.value.issues) == [
        "строка 3, столбец «Учитель», значение «Петров Пётр Петрович»: такого учителя нет в школе",
        "строка 4, столбец «Класс», значение «9В»: такого класса нет в учебном году 2026/2027",
        "строка 5, столбец «Предмет», значение «Астрономия»: такого предмета нет в школе",
        (
            "строка 6, столбец «Предмет», значение «Русский язык»: этот учитель не ведёт этот предмет в этом классе "
            "(нет такой нагрузки)"
        ),
        "строка 7, столбец «№ урока», значение «1»: урок 1 уже есть в строке 2",
        "строка 8, столбец «Тема»: ячейка должна быть заполнена",
        "строка 9, столбец «Тема», значение «" + "Т" * 301 + "»: слишком длинно: не более 300 символов",
        "строка 10, столбец «№ урока», значение «три»: нужно число от 1 до 500",
        "строка 11, столбец «Дата (план)», значение «31.02.2027»: это не дата; нужно ДД.ММ.ГГГГ",
        "строка 12, столбец «Подгруппа», значение «Англ. 3»: такой подгруппы нет в классе 5А",
    ]
    assert await plan_of(session, school.assignments["rus5A"]) == {}  # not even the good row
    assert await plan_of(session, school.assignments["math5A"]) == before


def test_a_broken_file_is_one_line(tmp_path):
    broken = tmp_path / "plan.xlsx"
    broken.write_bytes(b"not a workbook")
    for path, expected in (
        (broken, "файл не читается (BadZipFile)"),
        (tmp_path / "missing.csv", "нет такого файла или папки"),
        (plan_file(tmp_path, [], header=["Учитель", "Класс"]), "столбец «Предмет»: нет столбца"),
        (plan_file(tmp_path, [], name="empty.csv"), "значение «empty.csv»: на листе нет строк"),
    ):
        with pytest.raises(ImportFailed) as failed:
            read_plan(path)
        assert any(expected in line for line in texts(failed.value.issues)), texts(failed.value.issues)


async def test_dates_on_holidays_or_without_the_lesson_are_flagged_to_move_J_14_PER_1(session, clock, school, tmp_path):
    """Russian in 5А is on Tuesdays: a Tuesday in the autumn holidays, a Wednesday, a Sunday are to move; the
    plan is imported all the same."""
    path = plan_file(
        tmp_path,
        [
            rus5a(1, "Звуки и буквы", "01.09.2026"),  # Tuesday: fine
            rus5a(2, "Орфограммы", "27.10.2026"),  # Tuesday in the autumn holidays
            rus5a(3, "Словосочетание", "02.09.2026"),  # Wednesday: no Russian in 5А
            rus5a(4, "Предложение", "06.09.2026"),  # Sunday
            rus5a(7, "Текст"),  # lessons 5–6 left out
        ],
    )
    report = await import_file(session, clock, school, path)
    assert report.topics == 5
    assert texts(report.warnings) == [
        (
            "строка 3, столбец «Дата (план)», значение «27.10.2026»: перенести: 27 октября 2026\u202fг. приходится на "
            "каникулы «Осенние каникулы»"
        ),
        (
            "строка 4, столбец «Дата (план)», значение «02.09.2026»: перенести: 2 сентября 2026\u202fг. по расписанию нет "
            "урока этого предмета"
        ),
        "строка 5, столбец «Дата (план)», значение «06.09.2026»: перенести: 6 сентября 2026\u202fг. — не учебный день",
        "строка 6, столбец «№ урока», значение «7»: в плане нет уроков 5–6",
    ]


async def test_a_stored_plan_is_replaced_only_when_asked_and_lessons_keep_their_topics_J_14(
    session, clock, school, tmp_path
):
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    lesson = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
    await journal.set_topic(math, lesson.lesson_id, "§1. Тема 1")
    path = plan_file(
        tmp_path, [["Смирнова Елена Викторовна", "5А", "", "Математика", "1", "", "Дроби", "3"]], name="math.csv"
    )
    with pytest.raises(ImportFailed) as failed:
        await import_file(session, clock, school, path)
    assert texts(failed.value.issues) == [
        (
            "строка 2, столбец «Предмет», значение «Математика»: план по предмету Математика, 5А уже загружен и "
            "отличается: чтобы заменить его, загрузите файл с --replace"
        )
    ]
    assert len(await plan_of(session, school.assignments["math5A"])) == 79

    report = await import_file(session, clock, school, path, replace_plans=True)
    assert (report.created, report.replaced, report.topics) == (0, 1, 3)
    assert await plan_of(session, school.assignments["math5A"]) == {1: "Дроби", 2: "Дроби", 3: "Дроби"}
    assert (await session.get(Lesson, lesson.lesson_id)).topic == "§1. Тема 1"


async def test_only_the_administration_loads_a_plan_ROLE_2(session, clock, school, tmp_path):
    path = plan_file(tmp_path, [rus5a(1, "Звуки и буквы")])
    math = await load_actor(session, school.staff["math"])
    with pytest.raises(Forbidden):
        await PlanService(session, clock).import_plan(math, read_plan(path))
    deputy = await load_actor(session, school.staff["deputy"])
    assert (await PlanService(session, clock).import_plan(deputy, read_plan(path))).topics == 1
    two = await build_school(session, "Школа № 8")  # the same names in another school: its own plan only
    await PlanService(session, clock).import_plan(system_actor(two.school_id), read_plan(path))
    assert await plan_of(session, two.assignments["rus5A"]) == {1: "Звуки и буквы"}
    assert await session.scalar(select(func.count()).select_from(PlanTopic)) == 79 * 2 + 2


# ---- the plan against the journal (REP-3) -----------------------------------------------------------------


def test_a_topic_is_the_plans_whatever_its_case_spaces_or_final_full_stop():
    assert same_topic("  §1.  тема 1. ", "§1. Тема 1")
    assert same_topic("Ёлка", "елка")
    assert not same_topic("§2. Тема 2", "§1. Тема 1")


async def test_departures_and_completion_in_the_control_J_14_REP_3(session, clock, school, engine):
    """Math in 5А has a plan of 79 topics: the week's lessons given with another topic are departures (the position
    counts the lessons given before); the completion counts the lessons given against the timetable's lessons by
    today."""
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    monday = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
    await journal.set_topic(math, monday.lesson_id, "§1 тема 1.")  # the plan's, written loosely
    today = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    await journal.set_topic(math, today.lesson_id, "Задачи на движение")  # position 2: «§2. Тема 2»
    deputy = await load_actor(session, school.staff["deputy"])
    control = ControlService(session, clock)
    with statements_run(engine) as seen:
        plan = await control.plan_report(deputy)
    assert len(seen) <= 8  # the school, its calendar (3), the load, the completion (2), the departures
    assert [
        (d.date, d.number, d.class_name, d.subject, d.teacher, d.position, d.topic, d.planned) for d in plan.departures
    ] == [(TODAY, 2, "5А", "Математика", "Смирнова Е. В.", 2, "Задачи на движение", "§2. Тема 2")]
    (math5a,) = plan.completion
    # 5 lessons a week from 1 September to 24 November, less the autumn holidays: 53 by the timetable.
    assert (math5a.class_name, math5a.subject, math5a.given, math5a.due, math5a.total) == (
        "5А",
        "Математика",
        2,
        53,
        79,
    )
    assert math5a.percent == 4 and math5a.behind
    assert ("5А", "Русский язык", None) in [(w.class_name, w.subject, w.subgroup) for w in plan.without_plan]

    previous = await control.plan_report(deputy, week=date(2026, 11, 16))  # the departure was this week
    assert previous.departures == ()
    only_5b = await control.plan_report(deputy, school.classes["5Б"])
    assert (only_5b.departures, only_5b.completion) == ((), ())
    teacher = await load_actor(session, school.staff["math"])
    with pytest.raises(Forbidden):
        await control.plan_report(teacher)


async def test_lessons_past_the_plans_end_depart_from_it_J_14(session, clock, school, tmp_path):
    path = plan_file(tmp_path, [rus5a(1, "Звуки и буквы")])
    await import_file(session, clock, school, path)
    journal = JournalService(session, clock)
    russian = await load_actor(session, school.staff["russian"])
    for day in (date(2026, 11, 17), TODAY):
        lesson = await journal.open_lesson(russian, school.assignments["rus5A"], day, 1)
        await journal.set_topic(russian, lesson.lesson_id, "Звуки и буквы")
    plan = await ControlService(session, clock).plan_report(await load_actor(session, school.staff["deputy"]))
    assert [(d.date, d.position, d.planned) for d in plan.departures if d.subject == "Русский язык"] == [
        (TODAY, 2, None)
    ]
    rus = next(c for c in plan.completion if c.subject == "Русский язык")
    assert (rus.given, rus.due, rus.total, rus.percent) == (2, 1, 1, 200)
    assert await session.scalar(select(func.count()).select_from(PlanTopic)) == 80


def test_a_workbook_of_any_sheet_name_is_read_its_ktp_sheet_first(tmp_path):
    """Teachers keep their plan on «Лист1» as often as on «КТП»: the sheet named so is taken, else the first."""
    from openpyxl import Workbook

    def workbook(*titles: str):
        book = Workbook()
        book.remove(book.active)
        for title in titles:
            sheet = book.create_sheet(title)
            sheet.append(HEADER)
            sheet.append(rus5a(1, f"Тема с листа {title}"))
        path = tmp_path / f"{'-'.join(titles)}.xlsx"
        book.save(path)
        return path

    assert read_plan(workbook("Лист1"))[0]["topic"] == "Тема с листа Лист1"
    assert read_plan(workbook("Лист1", "КТП"))[0]["topic"] == "Тема с листа КТП"
