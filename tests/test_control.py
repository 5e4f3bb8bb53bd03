"""Journal control for the deputy director (REP-3): lessons without attendance, topic or homework, and the
accumulation of marks (PER-4); with the period-mark use cases the teacher's /period screen adds (PER-2..PER-5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.control import ControlService
from services.errors import Forbidden, InvalidInput, Locked, NotFound
from services.journal import JournalService
from services.models import Absence, AbsenceReason, FinalMark
from services.period_marks import PeriodMarkService
from tests.factories import MONDAY, TODAY, add_students, build_school
from tests.statements import statements_run


def gaps_of(report) -> dict[str, list[tuple]]:
    return {
        t.teacher: [(g.date, g.number, g.class_name, g.subgroup, g.subject, sorted(g.missing)) for g in t.lessons]
        for t in report.teachers
    }


async def test_lessons_without_attendance_topic_or_homework_by_teacher_REP_3(session, clock, school):
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    monday = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
    await journal.save_attendance(math, monday.lesson_id, [])
    await journal.set_topic(math, monday.lesson_id, "§1. Тема 1")
    await journal.set_homework(math, monday.lesson_id, None)  # «не задано» is filled in (J-3)
    today = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    await journal.save_attendance(math, today.lesson_id, [])
    deputy = await load_actor(session, school.staff["deputy"])
    report = await ControlService(session, clock).report(deputy)
    everything = ["attendance", "homework", "topic"]
    assert (report.date_from, report.date_to, report.current_week, report.class_name) == (MONDAY, TODAY, True, None)
    assert gaps_of(report) == {
        "Белова А. С.": [(TODAY, 3, "5А", "Англ. 1", "Английский язык", everything)],
        "Кузнецов О. П.": [
            (TODAY, 1, "5А", None, "Русский язык", everything),
            (TODAY, 2, "5Б", None, "Математика", everything),
        ],
        "Орлов И. А.": [(TODAY, 3, "5А", "Англ. 2", "Английский язык", everything)],
        "Смирнова Е. В.": [(TODAY, 2, "5А", None, "Математика", ["homework", "topic"])],
        "Соколова М. И.": [
            (MONDAY, 1, "1А", None, "Литературное чтение", everything),
            (TODAY, 1, "1А", None, "Литературное чтение", everything),
        ],
    }
    assert report.lessons_missing == 7

    only_5b = await ControlService(session, clock).report(deputy, school.classes["5Б"])
    assert (only_5b.class_name, list(gaps_of(only_5b))) == ("5Б", ["Кузнецов О. П."])


async def test_the_week_counts_school_days_only_and_lessons_that_are_over_REP_3_PER_1(session, clock, school):
    admin = await load_actor(session, school.staff["admin"])
    control = ControlService(session, clock)
    previous = await control.report(admin, week=TODAY - timedelta(days=7))
    assert (previous.date_from, previous.date_to, previous.current_week) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
        False,
    )
    assert previous.lessons_missing == 17  # the whole timetable of a week
    vacation_week = await control.report(admin, week=date(2026, 11, 3))  # holidays until Wednesday 4.11
    assert sorted({g.date for t in vacation_week.teachers for g in t.lessons}) == [date(2026, 11, 5), date(2026, 11, 6)]
    assert vacation_week.lessons_missing == 7
    clock.at(TODAY, hour=10)  # 10:00: lesson 1 is over, lesson 2 (10:00–10:45) is not
    numbers = {g.number for t in (await control.report(admin)).teachers for g in t.lessons if g.date == TODAY}
    assert numbers == {1}


async def test_control_is_for_the_deputy_and_the_administrator_only_ROLE_2(session, clock, school):
    control = ControlService(session, clock)
    for key in ("math", "russian"):  # a teacher, and a class teacher
        with pytest.raises(Forbidden) as err:
            await control.report(await load_actor(session, school.staff[key]))
        assert err.value.code == "control.not_allowed"
        with pytest.raises(Forbidden):
            await control.classes(await load_actor(session, school.staff[key]))
    deputy = await load_actor(session, school.staff["deputy"])
    assert [c.name for c in await control.classes(deputy)] == ["1А", "5А", "5Б"]
    with pytest.raises(InvalidInput) as err:
        await control.report(deputy, week=TODAY + timedelta(days=7))
    assert err.value.code == "control.future_week"
    other = await build_school(session, "Школа № 8")
    with pytest.raises(NotFound):  # a class of another school is nobody's to see
        await control.report(deputy, other.classes["5А"])


async def test_accumulation_failures_per_class_and_subject_match_the_sheet_PER_4(session, clock, school):
    journal = JournalService(session, clock)
    russian = await load_actor(session, school.staff["russian"])  # Russian in 5А: 1 hour a week, 3 marks
    lessons = [
        await journal.open_lesson(russian, school.assignments["rus5A"], TODAY - timedelta(days=7 * k), 1)
        for k in range(3)
    ]
    for view in lessons:
        await journal.save_attendance(
            russian, view.lesson_id, [school.students["borisova"]] if view is lessons[0] else []
        )
        await journal.add_marks(
            russian, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)]
        )
    await journal.add_marks(
        russian, lessons[1].lesson_id, school.work_types["answer"], [(school.students["borisova"], 4)]
    )
    await journal.add_marks(
        russian, lessons[2].lesson_id, school.work_types["answer"], [(school.students["borisova"], 4)]
    )
    absence = await session.scalar(select(Absence))
    absence.reason = AbsenceReason.ILLNESS  # one of three lessons missed for illness: 2 marks are enough
    await session.commit()
    deputy = await load_actor(session, school.staff["deputy"])
    report = await ControlService(session, clock).report(deputy)
    found = [
        (g.class_name, g.subgroup, g.subject, g.teacher, g.period_name, g.required, g.failing, g.students)
        for g in report.accumulation
    ]
    assert found == [  # grade 1 has no marks (J-8), so no accumulation either
        ("5А", "Англ. 1", "Английский язык", "Белова А. С.", "2 четверть", 5, 2, 2),
        ("5А", "Англ. 2", "Английский язык", "Орлов И. А.", "2 четверть", 5, 2, 2),
        ("5А", None, "Математика", "Смирнова Е. В.", "2 четверть", 14, 4, 4),
        ("5А", None, "Русский язык", "Кузнецов О. П.", "2 четверть", 3, 2, 4),
        ("5Б", None, "Математика", "Кузнецов О. П.", "2 четверть", 8, 2, 2),
    ]
    periods = PeriodMarkService(session, clock)
    for gap in report.accumulation:
        sheet = await periods.sheet(deputy, gap.assignment_id, school.q2)
        assert sum(not row.meets_accumulation for row in sheet.rows) == gap.failing


async def test_the_report_reads_a_fixed_number_of_queries_whatever_the_roster(session, clock, school, engine):
    """The demo school has ~1000 students: no query per student (and none per lesson)."""
    deputy = await load_actor(session, school.staff["deputy"])
    control = ControlService(session, clock)
    await session.commit()  # both runs start from an empty identity map
    with statements_run(engine) as statements:
        await control.report(deputy)
    before = len(statements)
    await add_students(session, school, 30)
    await session.commit()
    with statements_run(engine) as statements:
        report = await control.report(deputy)
    assert len(statements) == before
    assert next(g for g in report.accumulation if g.subject == "Математика" and g.class_name == "5А").students == 34


async def test_teacher_choices_give_the_classes_with_marks_and_the_current_period_PER_2_J_8(session, clock, school):
    periods = PeriodMarkService(session, clock)
    russian = await periods.choices(await load_actor(session, school.staff["russian"]))
    assert [(c.class_name, c.subject, c.current_period_id) for c in russian] == [
        ("5А", "Русский язык", school.q2),
        ("5Б", "Математика", school.q2),
    ]
    assert [p.name for p in russian[0].periods] == ["1 четверть", "2 четверть"]
    assert await periods.choices(await load_actor(session, school.staff["primary"])) == []  # grade 1: no marks
    with pytest.raises(InvalidInput) as err:
        await periods.sheet(await load_actor(session, school.staff["primary"]), school.assignments["read1A"], school.q2)
    assert err.value.code == "mark.no_marks_grade"
    clock.at(date(2026, 12, 30))  # the winter vacation: the quarter that ended is the one to look at
    math = await periods.choices(await load_actor(session, school.staff["math"]))
    assert [(c.class_name, c.current_period_id) for c in math] == [("5А", school.q2)]


async def test_suggested_marks_set_at_once_skip_students_below_the_minimum_PER_4(session, clock, school):
    journal = JournalService(session, clock)
    russian = await load_actor(session, school.staff["russian"])
    lessons = [
        await journal.open_lesson(russian, school.assignments["rus5A"], TODAY - timedelta(days=7 * k), 1)
        for k in range(3)
    ]
    for view, value in zip(lessons, (5, 4, 5), strict=True):
        await journal.add_marks(
            russian,
            view.lesson_id,
            school.work_types["answer"],
            [(school.students["alekseev"], value), (school.students["borisova"], 3)],
        )
    await journal.add_marks(
        russian, lessons[0].lesson_id, school.work_types["answer"], [(school.students["vasiliev"], 4)]
    )
    periods = PeriodMarkService(session, clock)
    await periods.set_mark(russian, school.assignments["rus5A"], school.q2, school.students["borisova"], 4)
    assert await periods.set_suggested(russian, school.assignments["rus5A"], school.q2) == 1  # Alekseev only
    marks = dict((await session.execute(select(FinalMark.student_id, FinalMark.value))).all())
    assert marks == {school.students["alekseev"]: 5, school.students["borisova"]: 4}  # the teacher's 4 stays
    assert await periods.set_suggested(russian, school.assignments["rus5A"], school.q2) == 0
    with pytest.raises(Forbidden):
        await periods.set_suggested(
            await load_actor(session, school.staff["math"]), school.assignments["rus5A"], school.q2
        )
    clock.at(date(2026, 12, 29))
    with pytest.raises(Locked):
        await periods.set_suggested(russian, school.assignments["rus5A"], school.q2)
