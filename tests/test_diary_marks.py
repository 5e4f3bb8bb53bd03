"""The homework and marks screens' service side: homework due ahead with «не задано» and files (J-2..J-4,
J-13), the study periods to switch between (PER-1), and "what is needed" for a period mark (PER-3, DIA-4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.attachments import AttachmentIn
from services.diary import DiaryService
from services.errors import Forbidden, InvalidInput, NotFound
from services.grading import rounds_up_from
from services.journal import JournalService
from services.models import AttachmentKind, Subject, WorkType
from services.report_card import ReportCardService
from tests.factories import LAST_TUESDAY, TODAY, open_lesson

TOMORROW = TODAY + timedelta(days=1)  # Wednesday


@pytest.fixture
def diary(session, clock):
    return DiaryService(session, clock)


@pytest.fixture
def report_card(session, clock):
    return ReportCardService(session, clock)


@pytest.fixture
def journal(session, clock):
    return JournalService(session, clock)


async def teacher(session, school, key):
    return await load_actor(session, school.staff[key])


async def lesson(journal, session, school, staff, assignment, day, number):
    return (await open_lesson(journal, school, staff, assignment, day, number))[1].lesson_id


async def subject_id(session, name) -> int:
    return await session.scalar(select(Subject.id).where(Subject.name == name))


def entered(ahead) -> list:
    """The homework a teacher entered: a task, or «не задано» said (J-3); not the lessons still waiting for it."""
    return [h for h in ahead.items if h.text or h.no_homework]


async def test_homework_ahead_from_tomorrow_for_a_week_with_files_J_4(diary, journal, session, school):
    math = await teacher(session, school, "math")
    monday = await lesson(journal, session, school, "math", "math5A", TODAY - timedelta(days=1), 1)
    await journal.set_homework(math, monday, "№12, с. 30")  # due today: not "ahead"
    today = await lesson(journal, session, school, "math", "math5A", TODAY, 2)
    await journal.set_homework(math, today, "№15, с. 42")  # due tomorrow, the next lesson
    await journal.add_homework_file(
        math, today, AttachmentIn(AttachmentKind.DOCUMENT, "BQAC-task", "u1", "task.pdf", "application/pdf", 1000)
    )
    await journal.add_homework_file(math, today, AttachmentIn(AttachmentKind.PHOTO, "AgAC-board", "u2"))
    far = await lesson(journal, session, school, "math", "math5A", LAST_TUESDAY, 2)
    await journal.set_homework(math, far, "Проект", due_on=TODAY + timedelta(days=8))  # beyond the week

    mother = await load_actor(session, school.parents["alekseeva_mother"])
    ahead = await diary.homework_ahead(mother, school.students["alekseev"])
    assert (ahead.first, ahead.last) == (TOMORROW, TODAY + timedelta(days=7))
    [item] = entered(ahead)
    assert (item.subject, item.text, item.due_on, item.no_homework) == ("Математика", "№15, с. 42", TOMORROW, False)
    # J-3: the week's other lessons are listed as not entered yet, never as «не задано».
    waiting = [(h.subject, h.due_on) for h in ahead.items if h not in entered(ahead)]
    assert ("Английский язык", TODAY + timedelta(days=2)) in waiting and ("Математика", TOMORROW) not in waiting
    assert all(h.given_on is None and not h.no_homework for h in ahead.items if h not in entered(ahead))
    files = [ahead.files[i] for i in item.files]
    assert [(f.kind, f.telegram_file_id, f.file_name) for f in files] == [
        ("document", "BQAC-task", "task.pdf"),
        ("photo", "AgAC-board", ""),
    ]


async def test_no_homework_shows_on_the_subjects_next_lesson_J_3(diary, journal, session, school):
    russian = await teacher(session, school, "russian")
    await journal.set_homework(russian, await lesson(journal, session, school, "russian", "rus5A", TODAY, 1), None)
    math = await teacher(session, school, "math")
    # Monday's «не задано» held for today's lesson: already past, not shown.
    await journal.set_homework(
        math, await lesson(journal, session, school, "math", "math5A", TODAY - timedelta(days=1), 1), None
    )
    student = await load_actor(session, school.student_persons["alekseev"])
    ahead = await diary.homework_ahead(student, school.students["alekseev"])
    assert [(h.subject, h.no_homework, h.given_on, h.due_on) for h in entered(ahead)] == [
        ("Русский язык", True, TODAY, TODAY + timedelta(days=7))
    ]  # next Tuesday


async def test_homework_of_a_double_lesson_beats_its_no_homework(diary, journal, session, school):
    """J-3 and J-4 at once: one lesson of the day set homework, another said «не задано»; the homework shows."""
    math = await teacher(session, school, "math")
    first = await lesson(journal, session, school, "math", "math5A", TODAY, 2)
    await journal.set_homework(math, first, "№20")
    extra = await lesson(journal, session, school, "math", "math5A", TODAY - timedelta(days=1), 1)
    await journal.set_homework(math, extra, None)  # Monday: next lesson today, not ahead
    ahead = await diary.homework_ahead(
        await load_actor(session, school.parents["alekseeva_mother"]), school.students["alekseev"]
    )
    assert [(h.text, h.no_homework) for h in entered(ahead)] == [("№20", False)]


async def test_subgroup_homework_is_the_students_own_group_only_J_13(diary, journal, session, school):
    await journal.set_homework(
        await teacher(session, school, "eng1"),
        await lesson(journal, session, school, "eng1", "eng5A1", TODAY, 3),
        "Упр. 5, с. 20",
    )
    await journal.set_homework(
        await teacher(session, school, "eng2"),
        await lesson(journal, session, school, "eng2", "eng5A2", TODAY, 3),
        "Упр. 9, с. 31",
    )
    mine = await diary.homework_ahead(
        await load_actor(session, school.parents["alekseeva_mother"]), school.students["alekseev"]
    )  # Англ. 1
    theirs = await diary.homework_ahead(
        await load_actor(session, school.student_persons["vasiliev"]), school.students["vasiliev"]
    )  # Англ. 2
    assert [(h.text, h.due_on) for h in entered(mine)] == [("Упр. 5, с. 20", TODAY + timedelta(days=2))]
    assert [h.text for h in entered(theirs)] == ["Упр. 9, с. 31"]


async def test_homework_ahead_refuses_another_familys_child_and_bad_ranges_ACC_2(diary, session, school):
    father = await load_actor(session, school.parents["borisov_father"])
    with pytest.raises(Forbidden) as err:
        await diary.homework_ahead(father, school.students["alekseev"])
    assert err.value.code == "student.not_yours"
    for days in (0, 100):
        with pytest.raises(InvalidInput):
            await diary.homework_ahead(father, school.students["borisova"], days)


async def test_periods_that_have_begun_PER_1(report_card, session, school, clock):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    periods = await report_card.periods(mother, school.students["alekseev"])
    assert [p.period_id for p in periods] == [school.q1, school.q2]
    clock.at(date(2026, 10, 1))
    [q1] = await report_card.periods(mother, school.students["alekseev"])
    assert (q1.period_id, q1.name, q1.starts_on, q1.ends_on) == (
        school.q1,
        "1 четверть",
        date(2026, 9, 1),
        date(2026, 10, 24),
    )
    clock.at(date(2026, 10, 30))  # the autumn holidays: the quarter that ended is the news
    assert [p.period_id for p in await report_card.periods(mother, school.students["alekseev"])] == [school.q1]
    with pytest.raises(Forbidden):
        await report_card.periods(
            await load_actor(session, school.parents["borisov_father"]), school.students["alekseev"]
        )


@pytest.fixture
async def russian_marks(journal, session, school):
    """Русский язык for Артём: 3 and 2 (answers, weight 1) last Tuesday, 4 (test, weight 2) today.
    Weighted (3 + 2 + 8) / 4 = 3.25; simple 9 / 3 = 3.00."""
    russian = await teacher(session, school, "russian")
    kid = school.students["alekseev"]
    last = await lesson(journal, session, school, "russian", "rus5A", LAST_TUESDAY, 1)
    await journal.add_marks(russian, last, school.work_types["answer"], [(kid, 3)])
    await journal.add_marks(russian, last, school.work_types["answer"], [(kid, 2)])
    await journal.add_marks(
        russian,
        await lesson(journal, session, school, "russian", "rus5A", TODAY, 1),
        school.work_types["test"],
        [(kid, 4)],
    )


async def test_marks_report_names_each_subjects_id(report_card, session, school, russian_marks):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    report = await report_card.marks(mother, school.students["alekseev"])
    rus = next(s for s in report.subjects if s.subject == "Русский язык")
    assert rus.subject_id == await subject_id(session, "Русский язык")
    assert (rus.average, rus.weighted_average) == (3.0, 3.25)


async def test_one_subjects_marks_for_the_screen_a_tap_opens_DIA_1_J_5(report_card, session, school, russian_marks):
    """The same subject as in the whole report, with its period and "what is needed"; only that subject."""
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    rus = await subject_id(session, "Русский язык")
    whole = await report_card.marks(mother, school.students["alekseev"])
    one = await report_card.subject_marks(mother, school.students["alekseev"], rus, None, 4)
    assert one.marks == next(s for s in whole.subjects if s.subject_id == rus)
    assert [(m.value, m.weight) for m in one.marks.marks] == [(3, 1.0), (2, 1.0), (4, 2.0)]
    assert (one.period.period_id, one.period.name, one.student.first_name) == (school.q2, "2 четверть", "Артём")
    assert (one.goal.mark, one.goal.needed) == (4, ((5, 1), (4, 2)))
    with pytest.raises(NotFound):  # a subject the child does not study
        await report_card.subject_marks(
            mother, school.students["alekseev"], await subject_id(session, "Литературное чтение")
        )


async def test_what_is_needed_for_a_period_mark_PER_3(report_card, session, school, russian_marks):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    rus = await subject_id(session, "Русский язык")
    choice = await report_card.mark_goal(mother, school.students["alekseev"], rus)
    assert (choice.choices, choice.mark, choice.weighted_average, choice.marks_count) == ((3, 4, 5), None, 3.25, 3)
    assert (choice.period_id, choice.period_name, choice.subject) == (school.q2, "2 четверть", "Русский язык")
    # «4» from 3.50: (13 + 5n) / (4 + n) >= 3.5 -> n >= 2/3 -> 1;  (13 + 4n) / (4 + n) >= 3.5 -> n >= 2
    four = await report_card.mark_goal(mother, school.students["alekseev"], rus, school.q2, 4)
    assert (four.threshold, four.reached, four.needed) == (3.5, False, ((5, 1), (4, 2)))
    # «5» from 4.50: (13 + 5n) / (4 + n) >= 4.5 -> n >= 10; 4s never get there
    five = await report_card.mark_goal(mother, school.students["alekseev"], rus, None, 5)
    assert (five.threshold, five.needed) == (4.5, ((5, 10),))
    three = await report_card.mark_goal(mother, school.students["alekseev"], rus, None, 3)
    assert (three.reached, three.needed) == (True, ())
    assert rounds_up_from(5) == 4.5


async def test_what_is_needed_without_marks_and_in_another_period(report_card, session, school, russian_marks):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    goal = await report_card.mark_goal(
        mother, school.students["alekseev"], await subject_id(session, "Математика"), None, 5
    )
    assert (goal.marks_count, goal.weighted_average, goal.reached, goal.needed) == (0, None, False, ((5, 1),))
    q1 = await report_card.mark_goal(
        mother, school.students["alekseev"], await subject_id(session, "Русский язык"), school.q1, 4
    )
    assert (q1.period_name, q1.marks_count, q1.needed) == ("1 четверть", 0, ((5, 1), (4, 1)))


async def test_what_is_needed_refuses_forged_requests(report_card, session, school, russian_marks):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    rus = await subject_id(session, "Русский язык")
    with pytest.raises(Forbidden) as err:  # another family's child
        await report_card.mark_goal(
            await load_actor(session, school.parents["borisov_father"]), school.students["alekseev"], rus, None, 4
        )
    assert err.value.code == "student.not_yours"
    with pytest.raises(NotFound) as err:  # a subject the child does not study (1А's reading)
        await report_card.mark_goal(
            mother, school.students["alekseev"], await subject_id(session, "Литературное чтение")
        )
    assert err.value.code == "subject.not_found"
    with pytest.raises(InvalidInput) as err:
        await report_card.mark_goal(mother, school.students["alekseev"], rus, None, 6)
    assert err.value.code == "mark.out_of_scale"
    with pytest.raises(NotFound) as err:
        await report_card.mark_goal(mother, school.students["alekseev"], rus, 99999, 4)
    assert err.value.code == "period.not_found"


async def test_what_is_needed_agrees_with_the_average_shown(report_card, journal, session, school):
    """5 (weight 1) and 4 (weight 1.01): (5 + 4.04) / 2.01 = 4.4975, shown as 4.50: that is «5» already."""
    oral = WorkType(school_id=school.school_id, name="Устный опрос", weight=1.01)
    session.add(oral)
    await session.commit()
    math = await teacher(session, school, "math")
    kid = school.students["alekseev"]
    day = await lesson(journal, session, school, "math", "math5A", TODAY, 2)
    await journal.add_marks(math, day, school.work_types["answer"], [(kid, 5)])
    await journal.add_marks(math, day, oral.id, [(kid, 4)])
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    goal = await report_card.mark_goal(mother, kid, await subject_id(session, "Математика"), None, 5)
    assert (goal.weighted_average, goal.reached, goal.needed) == (4.5, True, ())
