"""The school's reports for the deputy director (REP-2, REP-4, REP-5): the results per class, grade and school
against hand-counted figures, the classes below the school's average, the progress per class, the year's summary
sheet of final marks, and who may not ask for them."""

from __future__ import annotations

from datetime import date

import pytest

from services.access import load_actor
from services.errors import Forbidden, NotFound
from services.final_marks import Outcome
from services.models import Assignment, Exam, FinalMark, FinalMarkKind, FinalResult
from services.reports.figures import Results
from services.reports.school import SchoolReports, YearMarks
from tests.factories import build_school
from ui.reports.school import final_document, progress_text

NA = "na"


async def subject_of(session, school, assignment: str) -> int:
    return (await session.get(Assignment, school.assignments[assignment])).subject_id


async def give(session, school, kind: FinalMarkKind, marks: dict[tuple[str, str], int | str], period=None) -> None:
    """FinalMark rows as the teachers set them: {(student, assignment): value or NA}."""
    for (student, assignment), value in marks.items():
        session.add(
            FinalMark(
                student_id=school.students[student],
                subject_id=await subject_of(session, school, assignment),
                year_id=school.year_id,
                period_id=period,
                kind=kind,
                value=None if value == NA else value,
                result=FinalResult.NOT_ATTESTED if value == NA else FinalResult.MARK,
            )
        )
    await session.commit()


async def second_quarter(session, school) -> None:
    """5А: Алексеев 5/5/5, Борисова 4/5/4, Васильев 3/4/4, Григорьева 2/3/н/а (математика, русский, английский);
    5Б: Алексеева 5 (математика), Зайцев — no mark yet."""
    await give(
        session,
        school,
        FinalMarkKind.PERIOD,
        {
            ("alekseev", "math5A"): 5,
            ("alekseev", "rus5A"): 5,
            ("alekseev", "eng5A1"): 5,
            ("borisova", "math5A"): 4,
            ("borisova", "rus5A"): 5,
            ("borisova", "eng5A1"): 4,
            ("vasiliev", "math5A"): 3,
            ("vasiliev", "rus5A"): 4,
            ("vasiliev", "eng5A2"): 4,
            ("grigorieva", "math5A"): 2,
            ("grigorieva", "rus5A"): 3,
            ("grigorieva", "eng5A2"): NA,
            ("alekseeva", "math5B"): 5,
        },
        school.q2,
    )


async def test_the_period_results_per_class_grade_and_school_REP_2_REP_5(session, clock, school):
    await second_quarter(session, school)
    deputy = await load_actor(session, school.staff["deputy"])
    calls: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        calls.append((done, total))

    report = await SchoolReports(session, clock).results(deputy, school.q2, progress=progress)

    # 1А (grade 1) gets no marks (J-8): left out. Progress is said once per class counted.
    assert [c.class_name for c in report.classes] == ["5А", "5Б"]
    assert calls == [(1, 2), (2, 2)]
    assert report.period_names == ("2 четверть",)
    a, b = report.classes
    # 5А: each student by their lowest mark: Алексеев 5, Борисова 4, Васильев 3, Григорьева н/а.
    # quality = (1 + 1) / 4 = 50.0 %; success = (4 − 0 «2» − 1 н/а) / 4 = 75.0 %;
    # average of the 11 numeric marks = (15 + 13 + 11 + 5) / 11 = 44 / 11 = 4.0.
    assert a.results == Results(students=4, fives=1, fours=1, threes=1, twos=0, not_attested=1, average=4.0)
    assert (a.results.quality, a.results.success) == (50.0, 75.0)
    # 5Б: Алексеева 5; Зайцев without a mark counts among the students, not in success.
    # quality = 1 / 2 = 50.0 %; success = (2 − 1 unmarked) / 2 = 50.0 %; average 5 / 1 = 5.0.
    assert b.results == Results(students=2, fives=1, unmarked=1, average=5.0)
    assert (b.results.quality, b.results.success) == (50.0, 50.0)
    # The school (= grade 5): 6 students, 2 fives, 1 four, 1 three, 1 н/а, 1 unmarked.
    # quality = 3 / 6 = 50.0 %; success = (6 − 1 − 1) / 6 = 66.7 %; average = (44 + 5) / 12 = 4.083 → 4.08.
    expected = Results(students=6, fives=2, fours=1, threes=1, not_attested=1, unmarked=1, average=4.08)
    assert report.total == expected
    assert (report.total.quality, report.total.success) == (50.0, 66.7)
    assert [(g.grade, g.total) for g in report.grades] == [(5, expected)]
    # Below the school's average mark: 5А (4.0 < 4.08), not 5Б (5.0).
    assert [c.class_name for c in report.below] == ["5А"]


async def test_the_current_period_by_default_and_the_year_REP_2(session, clock, school):
    await second_quarter(session, school)
    await give(session, school, FinalMarkKind.YEAR, {("alekseeva", "math5B"): 4, ("zaitsev", "math5B"): 3})
    admin = await load_actor(session, school.staff["admin"])
    reports = SchoolReports(session, clock)

    current = await reports.results(admin)  # today, 24 November, is in the 2nd quarter
    assert (current.period_names, current.total.students, current.total.average) == (("2 четверть",), 6, 4.08)

    year = await reports.results(admin, year=True)
    assert (year.year, year.period_names) == (True, ())
    a, b = year.classes
    # No year marks in 5А yet: all 4 unmarked, no average, not flagged for it.
    assert (a.results.unmarked, a.results.average, a.below_average) == (4, None, False)
    # 5Б: 4 and 3: quality 1/2 = 50.0 %, success 2/2 = 100.0 %, average 3.5.
    assert b.results == Results(students=2, fours=1, threes=1, average=3.5)
    assert (b.results.quality, b.results.success) == (50.0, 100.0)


async def test_the_year_summary_sheet_of_final_marks_REP_4(session, clock, school):
    await give(
        session,
        school,
        FinalMarkKind.YEAR,
        {("alekseev", "math5A"): 5, ("alekseev", "rus5A"): 4, ("alekseev", "eng5A1"): 5, ("zaitsev", "math5B"): 3},
    )
    math = await subject_of(session, school, "math5A")
    session.add(
        Exam(school_id=school.school_id, year_id=school.year_id, grade=5, subject_id=math, held_on=date(2027, 5, 25))
    )
    await give(session, school, FinalMarkKind.EXAM, {("alekseev", "math5A"): 4})
    await give(session, school, FinalMarkKind.FINAL, {("alekseev", "math5A"): 5})
    deputy = await load_actor(session, school.staff["deputy"])
    calls: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        calls.append((done, total))

    sheet = await SchoolReports(session, clock).final_sheet(deputy, progress=progress)

    assert (sheet.year_name, [c.class_name for c in sheet.classes], calls) == (
        "2026/2027",
        ["5А", "5Б"],
        [(1, 2), (2, 2)],
    )
    a, b = sheet.classes
    # Subjects by name; grade 5 has an exam in mathematics: its exam and final marks are columns.
    assert [(s.name, s.has_exam) for s in a.subjects] == [
        ("Английский язык", False),
        ("Математика", True),
        ("Русский язык", False),
    ]
    assert [s.name for s in a.students] == [
        "Алексеев Артём Игоревич",
        "Борисова Вера Олеговна",
        "Васильев Глеб Денисович",
        "Григорьева Дина Ефимовна",
    ]
    assert a.students[0].marks == (
        YearMarks(Outcome.mark(5)),
        YearMarks(Outcome.mark(5), Outcome.mark(4), Outcome.mark(5)),
        YearMarks(Outcome.mark(4)),
    )
    assert a.students[1].marks == (YearMarks(None), YearMarks(None), YearMarks(None))
    # Counted by the final mark where there is an exam: Алексеев 5, 5, 4 → lowest 4; the other three unmarked.
    assert a.results == Results(students=4, fours=1, unmarked=3, average=4.67)  # (5 + 5 + 4) / 3 = 4.67
    assert [(s.name, s.marks) for s in b.students] == [
        ("Алексеева Ксения Игоревна", (YearMarks(None),)),
        ("Зайцев Лев Маркович", (YearMarks(Outcome.mark(3)),)),
    ]


async def test_the_school_reports_are_the_administrations_REP_5(session, clock, school):
    reports = SchoolReports(session, clock)
    for who in ("math", "russian"):  # a teacher; a class teacher (of 5Б)
        teacher = await load_actor(session, school.staff[who])
        with pytest.raises(Forbidden) as refused:
            await reports.results(teacher, school.q2)
        assert refused.value.code == "report.not_allowed"
        with pytest.raises(Forbidden):
            await reports.final_sheet(teacher)


async def test_another_schools_deputy_gets_nothing_of_this_school_REP_5(session, clock, school):
    other = await build_school(session, "Школа № 8")
    deputy = await load_actor(session, other.staff["deputy"])
    reports = SchoolReports(session, clock)
    with pytest.raises(NotFound):
        await reports.results(deputy, school.q2)  # this school's period
    with pytest.raises(NotFound):
        await reports.final_sheet(deputy, school.year_id)  # this school's year
    own = await reports.results(deputy, other.q2)
    assert own.school == "Школа № 8" and own.total.students == 6 and own.total.average is None


async def test_the_summary_sheet_is_a_sheet_per_class_to_sign_REP_4(session, clock, school):
    await give(session, school, FinalMarkKind.YEAR, {("alekseev", "math5A"): 5, ("borisova", "math5A"): NA})
    math = await subject_of(session, school, "math5A")
    session.add(
        Exam(school_id=school.school_id, year_id=school.year_id, grade=5, subject_id=math, held_on=date(2027, 5, 25))
    )
    await session.commit()
    deputy = await load_actor(session, school.staff["deputy"])
    document = final_document(await SchoolReports(session, clock).final_sheet(deputy), "ru")

    assert (document.title, document.one_sheet_per_table) == ("Сводная ведомость итоговых отметок", True)
    assert document.signatures == ("Заместитель директора", "Директор")
    a, b = document.parts
    assert (a.title, b.title) == ("5А", "5Б")
    assert a.headers == (
        "№",
        "Ученик",
        "Английский язык",
        "Математика: год.",
        "Математика: экз.",
        "Математика: итог.",
        "Русский язык",
    )
    # A mark is a number (the XLSX counts it), «н/а» the journal's word, nothing where no mark is set.
    assert a.rows[0] == (1, "Алексеев Артём Игоревич", None, 5, None, None, None)
    assert a.rows[1] == (2, "Борисова Вера Олеговна", None, "н/а", None, None, None)
    # The average of the numbers in each column: the year marks in mathematics: 5 / 1 = 5.0.
    assert a.totals == ("", "Средний балл", None, 5.0, None, None, None)


def test_the_progress_message_counts_classes_REP_5():
    assert progress_text(3, 24, "ru") == "Готовлю отчёт по школе: 3 из 24 классов…"
    assert progress_text(1, 21, "ru") == "Готовлю отчёт по школе: 1 из 21 класса…"
    assert progress_text(3, 24, "en") == "Preparing the school's report: 3 of 24 classes…"
