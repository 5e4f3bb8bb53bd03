"""One student's reports (REP-1): the report card («табель») and the dynamics of the average mark, against figures
worked out by hand on the small school of tests/factories.py; who may see them (REP-5: the student, the parents, the
teachers of the class), and that a card costs a fixed handful of statements."""

from __future__ import annotations

from datetime import date

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
    Mark,
    PeriodKind,
)
from services.reports.student import StudentReports, Tally, Week, weeks_of
from tests.factories import TODAY
from tests.statements import statements_run
from ui.reports.document import Chart, Table
from ui.reports.student import card_caption, card_document, dynamics_caption, dynamics_chart, dynamics_document

NA = Outcome(FinalResult.NOT_ATTESTED)


@pytest.fixture
def reports(session, clock):
    return StudentReports(session, clock)


async def lesson(session, school, assignment: str, day: date) -> Lesson:
    """The assignment's first lesson of the day, made if there is none yet (written straight in: the journal's
    14 days, J-9, would refuse September's marks in November)."""
    assignment_id = school.assignments[assignment]
    found = await session.scalar(select(Lesson).where(Lesson.assignment_id == assignment_id, Lesson.date == day))
    if found is None:
        found = Lesson(school_id=school.school_id, assignment_id=assignment_id, date=day, lesson_number=1)
        session.add(found)
        await session.flush()
    return found


async def give(session, school, student: str, assignment: str, day: date, value: int, work: str = "answer"):
    """A mark of `work` («answer» weighs 1, «test» 2)."""
    at = await lesson(session, school, assignment, day)
    session.add(
        Mark(lesson_id=at.id, student_id=school.students[student], work_type_id=school.work_types[work], value=value)
    )


async def miss(session, school, student: str, assignment: str, day: date, reason: AbsenceReason | None) -> None:
    at = await lesson(session, school, assignment, day)
    session.add(Absence(lesson_id=at.id, student_id=school.students[student], reason=reason))


async def final(session, school, student: str, assignment: str, kind: FinalMarkKind, outcome: Outcome, period=None):
    subject_id = (await session.get(Assignment, school.assignments[assignment])).subject_id
    session.add(
        FinalMark(
            student_id=school.students[student],
            subject_id=subject_id,
            year_id=school.year_id,
            period_id=period,
            kind=kind,
            result=outcome.result,
            value=outcome.value,
        )
    )


@pytest.fixture
async def journal_kept(session, school):
    """Алексеев's (5А, «Англ. 1») marks, absences and period marks; Борисова's marks beside them must not count.

    1 четверть (1.09–24.10):
      Математика: 15.09 ответ 4, 22.09 контрольная 5 (вес 2); за четверть «5»
      Русский язык: 15.09 контрольная 3 (вес 2), 22.09 ответ 4; за четверть «3»
      Английский язык: no marks; «н/а»
      29.09: missed Математика (illness: a valid reason) and Русский язык (no reason yet)
    2 четверть (5.11–28.12, today is Tuesday 24.11):
      Математика: 6.11 ответ 3, 10.11 ответ 5, 17.11 контрольная 4 (вес 2), 23.11 ответ 5
      Русский язык: 10.11 ответ 3, 17.11 контрольная 5 (вес 2)
      Английский язык: 19.11 ответ 4
      12.11: missed Математика (unexcused) and Английский язык (excused)
    """
    for day, assignment, value, work in [
        (date(2026, 9, 15), "math5A", 4, "answer"),
        (date(2026, 9, 22), "math5A", 5, "test"),
        (date(2026, 9, 15), "rus5A", 3, "test"),
        (date(2026, 9, 22), "rus5A", 4, "answer"),
        (date(2026, 11, 6), "math5A", 3, "answer"),
        (date(2026, 11, 10), "math5A", 5, "answer"),
        (date(2026, 11, 17), "math5A", 4, "test"),
        (date(2026, 11, 23), "math5A", 5, "answer"),
        (date(2026, 11, 10), "rus5A", 3, "answer"),
        (date(2026, 11, 17), "rus5A", 5, "test"),
        (date(2026, 11, 19), "eng5A1", 4, "answer"),
    ]:
        await give(session, school, "alekseev", assignment, day, value, work)
    for day in (date(2026, 9, 15), date(2026, 11, 10)):  # a classmate's «2»s on the same lessons
        await give(session, school, "borisova", "math5A", day, 2)
    await miss(session, school, "alekseev", "math5A", date(2026, 9, 29), AbsenceReason.ILLNESS)
    await miss(session, school, "alekseev", "rus5A", date(2026, 9, 29), None)
    await miss(session, school, "alekseev", "math5A", date(2026, 11, 12), AbsenceReason.UNEXCUSED)
    await miss(session, school, "alekseev", "eng5A1", date(2026, 11, 12), AbsenceReason.EXCUSED)
    await miss(session, school, "borisova", "math5A", date(2026, 11, 12), None)
    await final(session, school, "alekseev", "math5A", FinalMarkKind.PERIOD, Outcome.mark(5), school.q1)
    await final(session, school, "alekseev", "rus5A", FinalMarkKind.PERIOD, Outcome.mark(3), school.q1)
    await final(session, school, "alekseev", "eng5A1", FinalMarkKind.PERIOD, NA, school.q1)
    await session.commit()


async def test_the_report_card_of_the_current_quarter_REP_1(reports, session, school, journal_kept):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    card = await reports.card(mother, school.students["alekseev"])
    assert (card.school, card.year, card.student.last_name, card.student.class_name) == (
        "Школа № 7",
        "2026/2027",
        "Алексеев",
        "5А",
    )
    assert card.period.name == "2 четверть" and [p.name for p in card.periods] == ["1 четверть", "2 четверть"]
    assert (card.class_teacher, card.made_on) == ("Смирнова Е. В.", TODAY)
    rows = {s.subject: s for s in card.subjects}
    assert list(rows) == ["Английский язык", "Математика", "Русский язык"]  # by name
    # The period marks set: 1 четверть only; nothing of the year yet.
    assert [rows[name].periods for name in rows] == [(NA, None), (Outcome.mark(5), None), (Outcome.mark(3), None)]
    assert all((s.year, s.exam, s.final) == (None, None, None) for s in card.subjects)
    # The 2nd quarter's weighted averages (J-5):
    #   Математика (3·1 + 5·1 + 4·2 + 5·1) / (1 + 1 + 2 + 1) = 21 / 5 = 4.20
    #   Русский язык (3·1 + 5·2) / (1 + 2) = 13 / 3 = 4.33
    #   Английский язык 4 / 1 = 4.00
    assert [rows[name].average for name in rows] == [4.0, 4.2, 4.33]
    # The overall average: the mean of the three, (4.00 + 4.20 + 4.33) / 3 = 12.53 / 3 = 4.1766… = 4.18.
    assert card.average == 4.18
    # Per period (marks, missed, of them valid): 1st — Математика 2 marks, missed 1 for illness; Русский 2 marks,
    # missed 1 without a reason; Английский nothing. 2nd — Математика 4 marks, 1 unexcused; Русский 2; Английский
    # 1 mark, 1 excused. Борисова's «2»s and absence are hers.
    assert [rows[name].tallies for name in rows] == [
        (Tally(0, 0, 0), Tally(1, 1, 1)),
        (Tally(2, 1, 1), Tally(4, 1, 0)),
        (Tally(2, 1, 0), Tally(2, 0, 0)),
    ]
    assert card.totals == (Tally(4, 2, 1), Tally(7, 2, 1))


async def test_the_report_card_of_the_first_quarter_REP_1(reports, session, school, journal_kept):
    student = await load_actor(session, school.student_persons["alekseev"])
    card = await reports.card(student, school.students["alekseev"], school.q1)
    assert card.period.name == "1 четверть" and len(card.periods) == 2  # the columns stay the year's so far
    rows = {s.subject: s.average for s in card.subjects}
    # Математика (4·1 + 5·2) / 3 = 14 / 3 = 4.67; Русский (3·2 + 4·1) / 3 = 10 / 3 = 3.33; Английский: no marks.
    assert rows == {"Английский язык": None, "Математика": 4.67, "Русский язык": 3.33}
    # Overall: the subjects with marks only, (4.67 + 3.33) / 2 = 4.00.
    assert card.average == 4.0


async def test_the_year_exam_and_final_marks_on_the_card_REP_1(reports, session, clock, school, journal_kept):
    await final(session, school, "alekseev", "math5A", FinalMarkKind.PERIOD, Outcome.mark(4), school.q2)
    await final(session, school, "alekseev", "math5A", FinalMarkKind.YEAR, Outcome.mark(5))
    await final(session, school, "alekseev", "math5A", FinalMarkKind.EXAM, Outcome.mark(4))
    await final(session, school, "alekseev", "math5A", FinalMarkKind.FINAL, Outcome.mark(5))
    await final(session, school, "alekseev", "rus5A", FinalMarkKind.YEAR, Outcome(FinalResult.PASSED))
    await session.commit()
    clock.at(date(2027, 1, 5))  # the winter holidays: the last period is the 2nd quarter
    card = await reports.card(
        await load_actor(session, school.parents["alekseeva_mother"]), school.students["alekseev"]
    )
    rows = {s.subject: (s.periods, s.year, s.exam, s.final) for s in card.subjects}
    assert rows["Математика"] == ((Outcome.mark(5), Outcome.mark(4)), Outcome.mark(5), Outcome.mark(4), Outcome.mark(5))
    assert rows["Русский язык"] == ((Outcome.mark(3), None), Outcome(FinalResult.PASSED), None, None)
    document = card_document(card, "ru")
    marks = document.parts[0]
    assert isinstance(marks, Table)
    assert marks.headers == (
        "Предмет",
        "1 четверть",
        "2 четверть",
        "Годовая",
        "Экзамен",
        "Итоговая",
        "Средний балл, 2 четверть",
    )
    # Numbers stay numbers (the XLSX sums them); results without a number are the journal's words.
    assert marks.rows[1] == ("Математика", 5, 4, 5, 4, 5, 4.2)
    assert marks.rows[2] == ("Русский язык", 3, None, "зач.", None, None, 4.33)
    assert marks.rows[0][:3] == ("Английский язык", "н/а", None)


async def test_the_card_as_a_document_REP_1_REP_4(reports, session, school, journal_kept):
    card = await reports.card(
        await load_actor(session, school.parents["alekseeva_mother"]), school.students["alekseev"]
    )
    document = card_document(card, "ru")
    assert (document.title, document.school, document.subtitle) == (
        "Табель успеваемости",
        "Школа № 7",
        "Алексеев Артём, 5А, 2026/2027",
    )
    assert document.signatures == ("Классный руководитель",)  # a card handed out is signed (REP-4)
    assert document.file_stem.isascii() and document.file_stem.replace("_", "").isalnum()
    marks, first, second = document.parts
    assert isinstance(marks, Table) and isinstance(first, Table) and isinstance(second, Table)
    assert marks.rows == (
        ("Английский язык", "н/а", None, None, None, None, 4.0),
        ("Математика", 5, None, None, None, None, 4.2),
        ("Русский язык", 3, None, None, None, None, 4.33),
    )
    assert marks.totals == ("Общий средний балл", None, None, None, None, None, 4.18)
    assert first.title == "1 четверть: отметки и пропуски"
    assert first.headers == ("Предмет", "Отметок", "Пропущено уроков", "Из них по уважительной причине")
    assert second.rows == (("Английский язык", 1, 1, 1), ("Математика", 4, 1, 0), ("Русский язык", 2, 0, 0))
    assert second.totals == ("Итого", 7, 2, 1)
    caption = card_caption(card, "ru")
    assert caption == "Табель: Алексеев Артём, 5А, 2026/2027\nОбщий средний балл за 2 четверть: 4,18"
    assert card_document(card, "en").title == "Report card"


async def test_the_dynamics_of_the_average_week_by_week_REP_1(reports, session, school, journal_kept):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    dynamics = await reports.dynamics(mother, school.students["alekseev"])
    # The 2nd quarter starts on Thursday 5.11; today is Tuesday 24.11: four weeks, the first and the last cut.
    assert dynamics.weeks == (
        Week(date(2026, 11, 5), date(2026, 11, 8)),
        Week(date(2026, 11, 9), date(2026, 11, 15)),
        Week(date(2026, 11, 16), date(2026, 11, 22)),
        Week(date(2026, 11, 23), date(2026, 11, 24)),
    )
    assert dynamics.period_kind is PeriodKind.QUARTER and dynamics.scale == (2, 5)
    # The running weighted average at each week's end:
    #   Английский язык: —, —, 4 → 4.00, 4.00
    #   Математика: 3 → 3.00; 3, 5 → 8/2 = 4.00; + 4·2 → 16/4 = 4.00; + 5 → 21/5 = 4.20
    #   Русский язык: —; 3 → 3.00; + 5·2 → 13/3 = 4.33; 4.33
    assert dynamics.subjects == (
        ("Английский язык", (None, None, 4.0, 4.0)),
        ("Математика", (3.0, 4.0, 4.0, 4.2)),
        ("Русский язык", (None, 3.0, 4.33, 4.33)),
    )
    # Overall, the mean of the subjects with marks by then: 3.00; (4.00 + 3.00) / 2 = 3.50;
    # (4.00 + 4.00 + 4.33) / 3 = 12.33 / 3 = 4.11; (4.00 + 4.20 + 4.33) / 3 = 4.1766… = 4.18 (the card's average).
    assert dynamics.overall == (3.0, 3.5, 4.11, 4.18)
    assert (dynamics.now, dynamics.change) == (4.18, 1.18)  # 4.18 − 3.00

    chart = dynamics_chart(dynamics, "ru")
    assert isinstance(chart, Chart)
    assert chart.labels == ("05.11", "09.11", "16.11", "23.11")
    assert [name for name, _ in chart.series] == ["Средний балл", "Английский язык", "Математика", "Русский язык"]
    assert chart.series[0][1] == (3.0, 3.5, 4.11, 4.18) and chart.y_range == (2.0, 5.0)
    assert dynamics_caption(dynamics, "ru") == (
        "Динамика среднего балла: Алексеев Артём, 5А, 2026/2027, 2 четверть\nСредний балл: 4,18 (+1,18 за четверть)"
    )
    assert dynamics_caption(dynamics, "en").endswith("Average mark: 4.18 (+1.18 over the quarter)")
    document = dynamics_document(dynamics, "ru")
    assert document.parts[0] == chart
    table = document.parts[1]
    assert isinstance(table, Table) and table.rows[1] == ("09.11", 3.5, None, 4.0, 3.0)


async def test_the_dynamics_of_a_past_period_and_of_one_without_marks_REP_1(reports, session, school, journal_kept):
    alekseev = await load_actor(session, school.student_persons["alekseev"])
    dynamics = await reports.dynamics(alekseev, school.students["alekseev"], school.q1)
    # 1.09 (Tuesday) to 24.10 (Saturday), the quarter's end: 8 weeks, the last one 19.10–24.10.
    assert len(dynamics.weeks) == 8 and dynamics.weeks[-1] == Week(date(2026, 10, 19), date(2026, 10, 24))
    # Weeks 1.09–6.09 and 7.09–13.09: no marks. 14.09–20.09: Математика 4, Русский 3 (weight 2) → (4 + 3) / 2 =
    # 3.50. 21.09–27.09 on: Математика 4.67, Русский 3.33 → 4.00.
    assert dynamics.overall == (None, None, 3.5, 4.0, 4.0, 4.0, 4.0, 4.0)
    assert dynamics.change == 0.5
    assert dynamics_caption(dynamics, "ru").endswith("Средний балл: 4,00 (+0,50 за четверть)")

    other = await reports.dynamics(
        await load_actor(session, school.student_persons["zaitsev"]), school.students["zaitsev"]
    )
    assert other.subjects == () and set(other.overall) == {None} and (other.now, other.change) == (None, None)
    assert dynamics_caption(other, "ru").endswith("Оценок за 2 четверть пока нет.")


def test_weeks_are_monday_based_and_cut_to_the_period_REP_1():
    assert weeks_of(date(2026, 11, 23), date(2026, 11, 23)) == (Week(date(2026, 11, 23), date(2026, 11, 23)),)
    assert weeks_of(date(2026, 11, 29), date(2026, 11, 30)) == (  # a Sunday, then a Monday
        Week(date(2026, 11, 29), date(2026, 11, 29)),
        Week(date(2026, 11, 30), date(2026, 11, 30)),
    )
    assert weeks_of(date(2026, 12, 1), date(2026, 11, 30)) == ()  # a period not begun


async def test_who_sees_one_students_reports_REP_5(reports, session, school, journal_kept):
    alekseev = school.students["alekseev"]
    for who in (
        school.parents["alekseeva_mother"],  # a parent
        school.student_persons["alekseev"],  # the student
        school.staff["russian"],  # a teacher of the class
        school.staff["math"],  # the class teacher
        school.staff["deputy"],  # the school's administration
    ):
        card = await reports.card(await load_actor(session, who), alekseev)
        assert card.average == 4.18
    for who in (
        school.parents["borisov_father"],  # another family's parent
        school.student_persons["borisova"],  # a classmate
        school.staff["primary"],  # a teacher of another class
        school.staff["eng2"],  # teaches 5А, but the other English group: not this student (J-13)
    ):
        actor = await load_actor(session, who)
        for call in (reports.card, reports.dynamics):
            with pytest.raises(Forbidden) as err:
                await call(actor, alekseev)
            assert err.value.code == "student.not_yours"


async def test_a_forged_student_or_period_is_refused_REP_5(reports, session, school, journal_kept):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    for forged in (school.students["borisova"], 999_999):
        with pytest.raises(Forbidden) as err:
            await reports.card(mother, forged, school.q2)
        assert err.value.code == "student.not_yours"  # another's and nobody's look alike
    with pytest.raises(NotFound) as err:
        await reports.dynamics(mother, school.students["alekseev"], 999_999)
    assert err.value.code == "period.not_found"


async def test_a_card_costs_a_fixed_handful_of_statements_REP_1(engine, session_factory, clock, school, journal_kept):
    async with session_factory() as fresh:
        mother = await load_actor(fresh, school.parents["alekseeva_mother"])
        with statements_run(engine) as seen:
            await StudentReports(fresh, clock).card(mother, school.students["alekseev"])
        card_statements = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
        assert len(card_statements) <= 10, card_statements
        with statements_run(engine) as seen:
            await StudentReports(fresh, clock).dynamics(mother, school.students["alekseev"])
        assert len(seen) <= 5, seen
