"""REP-2 class reports and their access (REP-5, ACC-4, ROLE-2): the results of a period and of the year per subject
and in total, the summary sheet of marks, the attendance of a period and of a month. Every figure is checked
against a count by hand written beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.errors import Forbidden, NotFound
from services.final_marks import Outcome
from services.models import (
    Absence,
    AbsenceReason,
    Assignment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Lesson,
)
from services.reports.classes import ClassReports, Missed
from services.reports.figures import Results
from tests.factories import add_students, build_school
from ui.reports.classes import attendance_document, results_document, results_summary, summary_document
from ui.reports.document import Percent, Table

NA, PASS = Outcome(FinalResult.NOT_ATTESTED), Outcome(FinalResult.PASSED)
# The class: the factory's four (Алексеев, Борисова, Васильев, Григорьева; English in two subgroups) and four more
# without English («Новиков00» … «Новиков03»): eight students, in this (surname) order.
ORDER = ("alekseev", "borisova", "vasiliev", "grigorieva", "n00", "n01", "n02", "n03")
MATH_Q2 = (5, 5, 4, 4, 4, 3, 2, None)
RUSSIAN_Q2 = (5, 4, 4, 3, 5, 4, NA, 5)
ENGLISH_Q2 = (5, 4, PASS, 4)  # the subgroups' four only


async def subject_of(session, school, assignment: str) -> int:
    return await session.scalar(select(Assignment.subject_id).where(Assignment.id == school.assignments[assignment]))


async def set_marks(session, school, assignment: str, marks, period_id: int | None, students=ORDER) -> None:
    """FinalMark rows as the teachers' sheets write them: a period mark (period_id) or the year mark (None)."""
    subject_id = await subject_of(session, school, assignment)
    for key, mark in zip(students, marks, strict=False):
        if mark is None:
            continue
        outcome = mark if isinstance(mark, Outcome) else Outcome.mark(mark)
        session.add(
            FinalMark(
                student_id=school.students[key],
                subject_id=subject_id,
                year_id=school.year_id,
                period_id=period_id,
                kind=FinalMarkKind.PERIOD if period_id else FinalMarkKind.YEAR,
                value=outcome.value,
                result=outcome.result,
            )
        )
    await session.flush()


async def eight_students(session, school) -> None:
    await add_students(session, school, 4)
    await session.flush()
    from services.models import Person, Student

    for i in range(4):
        school.students[f"n0{i}"] = await session.scalar(
            select(Student.id).join(Person, Person.id == Student.person_id).where(Person.last_name == f"Новиков0{i}")
        )


async def the_class_marks(session, school) -> None:
    await eight_students(session, school)
    await set_marks(session, school, "math5A", MATH_Q2, school.q2)
    await set_marks(session, school, "rus5A", RUSSIAN_Q2, school.q2)
    await set_marks(session, school, "eng5A1", ENGLISH_Q2, school.q2)
    await set_marks(session, school, "math5A", (3,), school.q1)  # Алексеев's 1st quarter: not in the 2nd's figures
    await set_marks(session, school, "math5A", (4, 5), None)  # the year marks: Алексеев 4, Борисова 5
    await session.commit()


@pytest.fixture
def reports(session, clock):
    return ClassReports(session, clock)


async def actor(session, school, key: str):
    return await load_actor(session, school.staff[key])


async def test_period_results_per_subject_and_total_REP_2(session, school, reports):
    await the_class_marks(session, school)
    found = await reports.results(await actor(session, school, "math"), school.classes["5А"], school.q2)
    by_subject = {s.subject: s.results for s in found.subjects}
    assert list(by_subject) == ["Английский язык", "Математика", "Русский язык"]  # by name
    # Математика 5,5,4,4,4,3,2,— : 8 students; «5» 2, «4» 3, «3» 1, «2» 1, unmarked 1;
    # quality (2+3)/8 = 62.5 %; success (8−1−1)/8 = 75.0 %; average (5+5+4+4+4+3+2)/7 = 27/7 = 3.857 → 3.86.
    math = by_subject["Математика"]
    assert math == Results(students=8, fives=2, fours=3, threes=1, twos=1, not_attested=0, unmarked=1, average=3.86)
    assert (math.quality, math.success) == (62.5, 75.0)
    # Русский язык 5,4,4,3,5,4,н/а,5: «5» 3, «4» 3, «3» 1, «н/а» 1; quality 6/8 = 75.0 %; success 7/8 = 87.5 %;
    # average (5+4+4+3+5+4+5)/7 = 30/7 = 4.286 → 4.29.
    russian = by_subject["Русский язык"]
    assert russian == Results(8, fives=3, fours=3, threes=1, twos=0, not_attested=1, unmarked=0, average=4.29)
    assert (russian.quality, russian.success) == (75.0, 87.5)
    # Английский язык, the two subgroups' four students: 5, 4, зач., 4: quality 3/4 = 75.0 %; success 4/4 = 100.0 %
    # («зач.» is success, not quality); average (5+4+4)/3 = 4.333 → 4.33.
    english = by_subject["Английский язык"]
    assert english == Results(4, fives=1, fours=2, threes=0, twos=0, not_attested=0, unmarked=0, average=4.33)
    assert (english.quality, english.success) == (75.0, 100.0)
    # The total, each student by their lowest mark: Алексеев 5 (5,5,5); Борисова 4 (5,4,4); Васильев 4 (4,4,зач.);
    # Григорьева 3 (4,3,4); Новиков00 4 (4,5); Новиков01 3 (3,4); Новиков02 н/а (2,н/а); Новиков03 unmarked (—,5).
    # «5» 1, «4» 3, «3» 2, «н/а» 1, unmarked 1: quality 4/8 = 50.0 %; success (8−1−1)/8 = 75.0 %;
    # average of all 17 numeric marks (27+30+13)/17 = 70/17 = 4.118 → 4.12.
    total = found.total
    assert total == Results(8, fives=1, fours=3, threes=2, twos=0, not_attested=1, unmarked=1, average=4.12)
    assert (total.quality, total.success) == (50.0, 75.0)
    assert (found.period_name, found.year, found.roster_day) == ("2 четверть", False, date(2026, 11, 24))

    # The default period is today's (24 November: the 2nd quarter); the 1st quarter has Алексеев's 3 only.
    assert (await reports.results(await actor(session, school, "math"), school.classes["5А"])).total == total
    q1 = await reports.results(await actor(session, school, "deputy"), school.classes["5А"], school.q1)
    math_q1 = {s.subject: s.results for s in q1.subjects}["Математика"]
    assert math_q1 == Results(8, threes=1, unmarked=7, average=3.0)  # quality 0/8, success 1/8 = 12.5 %
    assert (math_q1.quality, math_q1.success) == (0.0, 12.5)


async def test_year_results_and_the_documents_numbers_REP_2_REP_4(session, school, reports):
    await the_class_marks(session, school)
    found = await reports.results(await actor(session, school, "admin"), school.classes["5А"], year=True)
    math = {s.subject: s.results for s in found.subjects}["Математика"]
    # Year marks: Алексеев 4, Борисова 5, six unmarked: quality 2/8 = 25.0 %, success 2/8 = 25.0 %, average 4.5.
    assert math == Results(8, fives=1, fours=1, unmarked=6, average=4.5)
    assert (math.quality, math.success) == (25.0, 25.0)
    # Everyone misses a year mark somewhere: all eight unmarked in the total; its average is of the two marks.
    assert found.total == Results(8, unmarked=8, average=4.5)
    assert found.year and found.period_name == "2026/2027"

    q2 = await reports.results(await actor(session, school, "math"), school.classes["5А"], school.q2)
    doc = results_document(q2, "ru")
    table = doc.parts[0]
    assert isinstance(table, Table)
    assert table.headers[:2] == ("Предмет", "Учащихся") and table.headers[6:8] == ("н/а", "Без отметки")
    math_row = next(r for r in table.rows if r[0] == "Математика")
    assert math_row == ("Математика", 8, 2, 3, 1, 1, 0, 1, 62.5, 75.0, 3.86)
    assert isinstance(math_row[8], Percent) and isinstance(math_row[1], int) and isinstance(math_row[10], float)
    assert table.totals == ("Итого по классу", 8, 1, 3, 2, 0, 1, 1, 50.0, 75.0, 4.12)
    notes = [p for p in doc.parts if isinstance(p, str)]
    assert any(n.startswith("Качество знаний =") for n in notes) and any(n.startswith("Успеваемость =") for n in notes)
    assert doc.subtitle == "5А, 2 четверть" and doc.school == "Школа № 7"
    assert results_summary(q2, "ru").replace("\u00a0", " ") == (
        "5А, 2 четверть: качество знаний 50,0 %, успеваемость 75,0 %, средний балл 4,12"
    )
    assert results_summary(q2, "en").replace("\u00a0", " ") == (
        "5А, 2 четверть: quality of knowledge 50.0 %, success rate 75.0 %, average mark 4.12"
    )


async def test_summary_sheet_cells_REP_2_REP_4(session, school, reports):
    await the_class_marks(session, school)
    sheet = await reports.summary_sheet(await actor(session, school, "math"), school.classes["5А"], school.q2, False)
    assert sheet.subjects == ("Английский язык", "Математика", "Русский язык")
    assert [(r.number, r.name) for r in sheet.rows][:2] == [
        (1, "Алексеев Артём Игоревич"),
        (2, "Борисова Вера Олеговна"),
    ]
    doc = summary_document(sheet, "ru")
    table = doc.parts[0]
    assert isinstance(table, Table)
    assert table.headers == ("№", "Ученик", "Английский язык", "Математика", "Русский язык")
    assert table.rows[2] == (3, "Васильев Глеб Денисович", "зач.", 4, 4)
    assert table.rows[6] == (7, "Новиков02 Ян", "—", 2, "н/а")  # no English: «—»; Russian «н/а»
    assert table.rows[7] == (8, "Новиков03 Ян", "—", None, 5)  # the mark not set: an empty cell
    # Averages of the columns: English (5+4+4)/3 = 4.33, Math 27/7 = 3.86, Russian 30/7 = 4.29.
    assert table.totals == ("", "Средний балл", 4.33, 3.86, 4.29)
    assert doc.signatures == ("Классный руководитель", "Директор")
    assert doc.title == "Сводная ведомость учёта успеваемости"

    year = await reports.summary_sheet(await actor(session, school, "math"), school.classes["5А"], None, True)
    doc = summary_document(year, "ru")
    table = doc.parts[0]
    assert isinstance(table, Table)
    assert table.headers[5:8] == ("Математика: 1 четверть", "Математика: 2 четверть", "Математика: год")
    # Алексеев: English —, 5, —; Math 3 (1st quarter), 5 (2nd), 4 (year); Russian —, 5, —.
    assert table.rows[0] == (1, "Алексеев Артём Игоревич", None, 5, None, 3, 5, 4, None, 5, None)
    assert table.rows[4][2:5] == ("—", "—", "—")  # Новиков00: no English
    assert doc.signatures == ("Классный руководитель", "Директор")


async def lesson(session, school, assignment: str, day: date, number: int, absent: dict[str, AbsenceReason | None]):
    """A lesson with its attendance taken and its absences (J-12) with their reasons (ABS-2)."""
    row = Lesson(
        school_id=school.school_id,
        assignment_id=school.assignments[assignment],
        date=day,
        lesson_number=number,
        attendance_taken_at=datetime(2026, 11, 24, tzinfo=UTC),
    )
    session.add(row)
    await session.flush()
    for key, reason in absent.items():
        session.add(Absence(lesson_id=row.id, student_id=school.students[key], reason=reason))


ILL, OK, BAD = AbsenceReason.ILLNESS, AbsenceReason.EXCUSED, AbsenceReason.UNEXCUSED


async def the_class_absences(session, school) -> None:
    await eight_students(session, school)
    # Mon 16 Nov: math, Алексеев ill — his only lesson that day: a day missed with a valid reason.
    await lesson(session, school, "math5A", date(2026, 11, 16), 1, {"alekseev": ILL})
    # Tue 17 Nov: Russian, math, English (both subgroups). Борисова misses all three of hers (Russian's reason not
    # set yet, the others excused): a day without a valid reason, 3 lessons (2 valid). Васильев misses Russian only.
    await lesson(session, school, "rus5A", date(2026, 11, 17), 1, {"borisova": None, "vasiliev": BAD})
    await lesson(session, school, "math5A", date(2026, 11, 17), 2, {"borisova": OK})
    await lesson(session, school, "eng5A1", date(2026, 11, 17), 3, {"borisova": OK})
    await lesson(session, school, "eng5A2", date(2026, 11, 17), 3, {})
    # Wed 18 Nov: math, Алексеев without a valid reason: a day and a lesson without one.
    await lesson(session, school, "math5A", date(2026, 11, 18), 1, {"alekseev": BAD})
    # Thu 19 Nov: math, English. Григорьева ill for both of hers (math, Англ. 2): a valid day. Новиков00 (no English)
    # misses math, his only lesson, reason not set: a day without a valid reason.
    await lesson(session, school, "math5A", date(2026, 11, 19), 1, {"grigorieva": ILL, "n00": None})
    await lesson(session, school, "eng5A1", date(2026, 11, 19), 3, {})
    await lesson(session, school, "eng5A2", date(2026, 11, 19), 3, {"grigorieva": ILL})
    # Mon 19 Oct: math, Алексеев ill: October's and the 1st quarter's, not November's.
    await lesson(session, school, "math5A", date(2026, 10, 19), 1, {"alekseev": ILL})
    await session.commit()


async def test_month_attendance_with_and_without_a_valid_reason_REP_2(session, school, reports):
    await the_class_absences(session, school)
    math = await actor(session, school, "math")
    november = await reports.month_attendance(math, school.classes["5А"], date(2026, 11, 1))
    rows = {r.name.split()[0]: r.missed for r in november.rows}
    # Алексеев: 16 Nov (valid) and 18 Nov (not): 2 days, 1 valid; 2 lessons, 1 valid. 19 Oct is not November's.
    assert rows["Алексеев"] == Missed(days=2, days_valid=1, lessons=2, lessons_valid=1)
    assert rows["Борисова"] == Missed(days=1, days_valid=0, lessons=3, lessons_valid=2)
    assert rows["Васильев"] == Missed(days=0, days_valid=0, lessons=1, lessons_valid=0)  # Russian only: no day
    assert rows["Григорьева"] == Missed(days=1, days_valid=1, lessons=2, lessons_valid=2)
    assert rows["Новиков00"] == Missed(days=1, days_valid=0, lessons=1, lessons_valid=0)
    assert rows["Новиков01"] == Missed()
    # Totals: days 2+1+0+1+1 = 5 (valid 1+0+0+1+0 = 2, without 3); lessons 2+3+1+2+1 = 9 (valid 1+2+0+2+0 = 5,
    # without 4); reasons not set: Борисова's Russian and Новиков00's math = 2.
    assert november.total == Missed(days=5, days_valid=2, lessons=9, lessons_valid=5)
    assert (november.total.days_invalid, november.total.lessons_invalid, november.unreasoned) == (3, 4, 2)
    # November's school days for 5А (lessons Mon–Fri; holidays to 4 Nov): 5–6, 9–13, 16–20, 23–27, 30 = 18.
    assert november.school_days == 18 and november.month

    october = await reports.month_attendance(math, school.classes["5А"], date(2026, 10, 15))
    assert october.total == Missed(days=1, days_valid=1, lessons=1, lessons_valid=1)  # 19 Oct only
    assert (october.first, october.last) == (date(2026, 10, 1), date(2026, 10, 31))

    q2 = await reports.period_attendance(math, school.classes["5А"], school.q2)
    assert q2.total == november.total and q2.title == "2 четверть"
    q1 = await reports.period_attendance(math, school.classes["5А"], school.q1)
    assert q1.total == Missed(days=1, days_valid=1, lessons=1, lessons_valid=1)

    doc = attendance_document(november, "ru")
    table = doc.parts[0]
    assert isinstance(table, Table)
    assert table.rows[1] == (2, "Борисова Вера Олеговна", 1, 0, 1, 3, 2, 1)
    assert table.totals == ("", "Итого по классу", 5, 2, 3, 9, 5, 4)
    assert doc.title == "Отчёт о посещаемости класса за месяц" and doc.subtitle == "5А, ноябрь 2026"
    assert any("причина которого ещё не указана" in p and "2" in p for p in doc.parts if isinstance(p, str))


async def test_a_student_who_left_counts_on_their_own_days_only_DATA_4_REP_2(session, school, reports):
    """Алексеев leaves on 17 Nov: November's report has his 16 Nov, not his 18 Nov; the 2nd quarter's results
    (the class on 24 Nov) leave him out."""
    from services.models import Enrolment

    await the_class_absences(session, school)
    stay = await session.scalar(select(Enrolment).where(Enrolment.student_id == school.students["alekseev"]))
    stay.ends_on = date(2026, 11, 16)
    await session.commit()
    math = await actor(session, school, "math")
    november = await reports.month_attendance(math, school.classes["5А"], date(2026, 11, 1))
    rows = {r.name.split()[0]: r.missed for r in november.rows}
    assert rows["Алексеев"] == Missed(days=1, days_valid=1, lessons=1, lessons_valid=1)
    results = await reports.results(math, school.classes["5А"], school.q2)
    assert results.total.students == 7  # the eight, less Алексеев


async def test_refusals_REP_5_ACC_4(session, school, reports):
    await the_class_marks(session, school)
    five_a = school.classes["5А"]
    for key in ("russian", "eng1"):  # the class teacher of 5Б; a subject teacher of 5А who leads no class
        who = await actor(session, school, key)
        with pytest.raises(Forbidden) as refused:
            await reports.results(who, five_a, school.q2)
        assert refused.value.code == "class.not_yours"
        with pytest.raises(Forbidden):
            await reports.summary_sheet(who, five_a, school.q2, False)
        with pytest.raises(Forbidden):
            await reports.attendance(who, five_a, date(2026, 11, 1), date(2026, 11, 30))
    parent = await load_actor(session, school.parents["alekseeva_mother"])
    with pytest.raises(Forbidden):
        await reports.month_attendance(parent, five_a, date(2026, 11, 1))
    math = await actor(session, school, "math")
    with pytest.raises(Forbidden):  # a forged class id
        await reports.results(math, five_a + 1000, school.q2)
    with pytest.raises(Forbidden):  # the class teacher of 5А asks for 5Б
        await reports.choices(math, school.classes["5Б"])

    # Another school's deputy director: not this school's class; this school's period in their class: not found.
    other = await build_school(session, "Школа № 8")
    their_deputy = await load_actor(session, other.staff["deputy"])
    with pytest.raises(Forbidden):
        await reports.results(their_deputy, five_a, school.q2)
    with pytest.raises(NotFound):
        await reports.results(their_deputy, other.classes["5А"], school.q2)
    # This school's deputy director and administrator see any class of it (ROLE-2).
    deputy = await actor(session, school, "deputy")
    assert (await reports.results(deputy, school.classes["5Б"], school.q2)).class_name == "5Б"
    assert (await reports.choices(await actor(session, school, "admin"), five_a)).class_name == "5А"
