"""A teacher's reports on a class and subject (REP-2, REP-5): the period's sheet of marks and absences with the
averages against hand-counted values, the programme's completion against the thematic plan, and who may read them."""

from __future__ import annotations

import pytest

from services.access import load_actor
from services.errors import Forbidden
from services.final_marks import Outcome
from services.journal import JournalService
from services.models import Assignment, FinalMark, FinalMarkKind, FinalResult
from services.reports.figures import Results
from services.reports.teacher import SheetCell, TeacherReports
from tests.factories import MONDAY, TODAY, build_school, open_lesson


async def mathematics_marks(session, clock, school) -> None:
    """5А, mathematics, 2nd quarter:
    - Monday 23.11, lesson 1: answers — Алексеев 5, Борисова 4; Васильев absent («ОТ»); topic §1;
    - today 24.11, lesson 2: test (weight 2) — Алексеев 4, Борисова 3, Васильев 5; and an answer — Алексеев 5;
      topic §2;
    - Алексеев's period mark 5."""
    journal = JournalService(session, clock)
    teacher, monday = await open_lesson(journal, school, "math", "math5A", MONDAY, 1)
    await journal.save_attendance(teacher, monday.lesson_id, [school.students["vasiliev"]])
    await journal.add_marks(
        teacher,
        monday.lesson_id,
        school.work_types["answer"],
        [(school.students["alekseev"], 5), (school.students["borisova"], 4)],
    )
    await journal.set_topic(teacher, monday.lesson_id, "§1. Тема 1")
    _, today = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
    await journal.save_attendance(teacher, today.lesson_id, [])
    await journal.add_marks(
        teacher,
        today.lesson_id,
        school.work_types["test"],
        [(school.students["alekseev"], 4), (school.students["borisova"], 3), (school.students["vasiliev"], 5)],
    )
    await journal.add_marks(teacher, today.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)])
    await journal.set_topic(teacher, today.lesson_id, "Задачи на движение")
    subject_id = (await session.get(Assignment, school.assignments["math5A"])).subject_id
    session.add(
        FinalMark(
            student_id=school.students["alekseev"],
            subject_id=subject_id,
            year_id=school.year_id,
            period_id=school.q2,
            kind=FinalMarkKind.PERIOD,
            value=5,
            result=FinalResult.MARK,
        )
    )
    await session.commit()


async def test_the_subject_sheet_of_a_period_REP_2(session, clock, school):
    await mathematics_marks(session, clock, school)
    teacher = await load_actor(session, school.staff["math"])
    sheet = await TeacherReports(session, clock).subject_sheet(teacher, school.assignments["math5A"], school.q2)

    assert (sheet.class_name, sheet.subject, sheet.period_name, sheet.teacher) == (
        "5А",
        "Математика",
        "2 четверть",
        "Смирнова Е. В.",
    )
    # One column a day; today has two work types: «Контрольная работа» ×2 and «Ответ на уроке» ×1.
    assert [(c.date, c.work_types) for c in sheet.columns] == [
        (MONDAY, (("Ответ на уроке", 1.0),)),
        (TODAY, (("Контрольная работа", 2.0), ("Ответ на уроке", 1.0))),
    ]
    rows = {s.name.split()[0]: s for s in sheet.students}
    assert list(rows) == ["Алексеев", "Борисова", "Васильев", "Григорьева"]
    # Алексеев: 5 (×1); 4 (×2) and 5 (×1) on one day. simple (5 + 4 + 5) / 3 = 4.67; weighted (5 + 8 + 5) / 4 = 4.5.
    alekseev = rows["Алексеев"]
    assert alekseev.cells == (SheetCell((5,)), SheetCell((4, 5)))
    assert (alekseev.simple_average, alekseev.weighted_average, alekseev.period_mark) == (4.67, 4.5, Outcome.mark(5))
    # Борисова: 4 (×1), 3 (×2): simple 7 / 2 = 3.5; weighted (4 + 6) / 3 = 3.33.
    assert (rows["Борисова"].simple_average, rows["Борисова"].weighted_average) == (3.5, 3.33)
    # Васильев: «ОТ» on Monday, 5 (×2) today: both averages 5.0; one absence.
    vasiliev = rows["Васильев"]
    assert vasiliev.cells == (SheetCell((), absent=True), SheetCell((5,)))
    assert (vasiliev.simple_average, vasiliev.weighted_average, vasiliev.absences) == (5.0, 5.0, 1)
    assert rows["Григорьева"].cells == (SheetCell(), SheetCell())
    assert rows["Григорьева"].simple_average is None
    # The class's period marks: one «5» of four students: quality 1 / 4 = 25.0 %, success 25.0 %.
    assert sheet.results == Results(students=4, fives=1, unmarked=3, average=5.0)
    assert (sheet.results.quality, sheet.results.success, sheet.lessons_absent) == (25.0, 25.0, 1)


async def test_the_programme_given_against_the_plan_REP_2_J_14(session, clock, school):
    await mathematics_marks(session, clock, school)
    teacher = await load_actor(session, school.staff["math"])
    programme = await TeacherReports(session, clock).programme(teacher, school.assignments["math5A"])

    done = programme.completion
    assert done is not None
    # Given: the 2 lessons with a topic. Due by today: the timetable's math lessons of 5А (Mon–Fri, 5 a week)
    # from 1 September to 24 November without the autumn holiday (25.10–4.11): /control's own count.
    assert (done.given, done.total) == (2, 79)
    assert done.due > 2 and done.behind
    assert len(programme.lines) == 79
    first, second, third = programme.lines[:3]
    assert (first.position, first.planned, first.given_on, first.topic, first.on_plan) == (
        1,
        "§1. Тема 1",
        MONDAY,
        "§1. Тема 1",
        True,
    )
    assert (second.given_on, second.topic, second.on_plan) == (TODAY, "Задачи на движение", False)
    assert (third.planned, third.given_on, third.on_plan) == ("§3. Тема 3", None, None)


async def test_the_programme_without_a_plan_REP_2(session, clock, school):
    teacher = await load_actor(session, school.staff["russian"])
    programme = await TeacherReports(session, clock).programme(teacher, school.assignments["rus5A"])
    assert (programme.completion, programme.lines) == (None, ())


async def test_who_reads_a_class_and_subjects_reports_REP_5(session, clock, school):
    await mathematics_marks(session, clock, school)
    reports = TeacherReports(session, clock)
    math5a = school.assignments["math5A"]
    # Another teacher of the same class (Кузнецов teaches Russian in 5А): refused.
    russian = await load_actor(session, school.staff["russian"])
    with pytest.raises(Forbidden) as refused:
        await reports.subject_sheet(russian, math5a, school.q2)
    assert refused.value.code == "journal.not_your_class"
    with pytest.raises(Forbidden):
        await reports.programme(russian, math5a)
    # The English teacher of a subgroup is not the class teacher either.
    eng = await load_actor(session, school.staff["eng1"])
    with pytest.raises(Forbidden):
        await reports.subject_sheet(eng, math5a)
    # The class teacher of 5А (Смирнова) reads the English sheet of her class; the deputy director and the
    # administrator read any class of their school.
    class_teacher = await load_actor(session, school.staff["math"])
    english = await reports.subject_sheet(class_teacher, school.assignments["eng5A1"], school.q2)
    assert [s.name.split()[0] for s in english.students] == ["Алексеев", "Борисова"]
    for who in ("deputy", "admin"):
        actor = await load_actor(session, school.staff[who])
        assert (await reports.subject_sheet(actor, math5a, school.q2)).students
    # Another school's deputy director: refused, as if the class did not exist.
    other = await build_school(session, "Школа № 8")
    stranger = await load_actor(session, other.staff["deputy"])
    with pytest.raises(Forbidden):
        await reports.subject_sheet(stranger, math5a, school.q2)


async def test_a_teachers_choices_are_their_own_classes_REP_5(session, clock, school):
    teacher = await load_actor(session, school.staff["russian"])
    choices = await TeacherReports(session, clock).choices(teacher)
    assert [(c.class_name, c.subject, c.current_period_id) for c in choices] == [
        ("5А", "Русский язык", school.q2),
        ("5Б", "Математика", school.q2),
    ]
    primary = await load_actor(session, school.staff["primary"])
    [first_grade] = await TeacherReports(session, clock).choices(primary)
    assert (first_grade.class_name, first_grade.periods, first_grade.current_period_id) == ("1А", (), None)
