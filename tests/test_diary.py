"""The diary that students and parents see (DIA-1), and who may see it (ACC-1, ACC-2, ACC-9, REP-5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services import access
from services.access import load_actor
from services.container import Services
from services.diary import DiaryService
from services.errors import Forbidden
from services.grading import marks_needed
from services.journal import JournalService
from services.models import Absence, AbsenceReason, Student, StudentStatus, TimetableEntry
from services.report_card import ReportCardService
from tests.factories import MONDAY, TODAY
from tests.statements import statements_run


@pytest.fixture
def diary(session, clock):
    return DiaryService(session, clock)


@pytest.fixture
def report_card(session, clock):
    return ReportCardService(session, clock)


@pytest.fixture
async def journal_day(session, clock, school):
    """Monday and Tuesday of math in 5А as a teacher would keep them."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    mon = await journal.open_lesson(teacher, school.assignments["math5A"], MONDAY, 1)
    await journal.set_topic(teacher, mon.lesson_id, "Дроби")
    await journal.set_homework(teacher, mon.lesson_id, "№12, с. 30")  # due Tuesday
    await journal.save_attendance(teacher, mon.lesson_id, [school.students["borisova"]])
    await journal.add_marks(teacher, mon.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 4)])
    await journal.add_marks(teacher, mon.lesson_id, school.work_types["test"], [(school.students["alekseev"], 5)])
    tue = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
    await journal.set_homework(teacher, tue.lesson_id, None)
    return mon, tue


async def test_parent_sees_the_childs_day_with_topic_homework_marks_absence_DIA_1(diary, session, school, journal_day):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    day = await diary.day(mother, school.students["alekseev"], MONDAY)
    assert day.kind == "school_day"
    [math] = [lsn for lsn in day.lessons if lsn.subject == "Математика"]
    assert (math.number, math.topic, math.teacher) == (1, "Дроби", "Смирнова Е. В.")
    assert math.homework_given.text == "№12, с. 30" and math.homework_given.due_on == TODAY
    assert [(m.value, m.work_type, m.weight) for m in math.marks] == [
        (4, "Ответ на уроке", 1.0),
        (5, "Контрольная работа", 2.0),
    ]
    assert not math.absent
    tuesday = await diary.day(mother, school.students["alekseev"], TODAY)
    math_tue = next(lsn for lsn in tuesday.lessons if lsn.subject == "Математика")
    assert [h.text for h in math_tue.homework_due] == ["№12, с. 30"]
    assert math_tue.homework_given.no_homework  # J-3: «не задано» shown as such


async def test_absence_shows_without_reason_then_with_it(diary, session, school, journal_day):
    father = await load_actor(session, school.parents["borisov_father"])
    day = await diary.day(father, school.students["borisova"], MONDAY)
    math = next(lsn for lsn in day.lessons if lsn.subject == "Математика")
    assert math.absent and math.absence_reason is None
    absence = await session.scalar(select(Absence).where(Absence.student_id == school.students["borisova"]))
    absence.reason = AbsenceReason.ILLNESS
    await session.commit()
    day = await diary.day(father, school.students["borisova"], MONDAY)
    assert next(lsn for lsn in day.lessons if lsn.subject == "Математика").absence_reason == AbsenceReason.ILLNESS


async def test_subgroup_lessons_show_only_the_students_own_group_J_13(diary, session, school):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    day = await diary.day(mother, school.students["alekseev"], TODAY)
    english = [lsn for lsn in day.lessons if lsn.subject == "Английский язык"]
    assert [lsn.teacher for lsn in english] == ["Белова А. С."]
    assert [lsn.number for lsn in day.lessons] == [1, 2, 3]


async def test_weekend_and_holiday_say_what_they_are(diary, session, school):
    student = await load_actor(session, school.student_persons["alekseev"])
    sunday = await diary.day(student, school.students["alekseev"], date(2026, 11, 29))
    assert (sunday.kind, sunday.lessons) == ("weekend", ())
    saturday = await diary.day(student, school.students["alekseev"], date(2026, 11, 28))
    assert saturday.kind == "weekend"
    vacation = await diary.day(student, school.students["alekseev"], date(2026, 11, 2))
    assert (vacation.kind, vacation.holiday) == ("holiday", "Осенние каникулы")
    week = await diary.week(student, school.students["alekseev"], TODAY)
    assert [d.date.weekday() for d in week] == [0, 1, 2, 3, 4, 5]
    assert [len(d.lessons) for d in week] == [1, 3, 1, 2, 1, 0]


async def test_the_screens_header_names_the_child(diary, session, school):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    card = await diary.student(mother, school.students["alekseeva"])
    assert (card.first_name, card.last_name, card.class_name, card.grade) == ("Ксения", "Алексеева", "5Б", 5)


async def test_parent_cannot_see_another_familys_child_ACC_2(diary, report_card, session, school):
    father = await load_actor(session, school.parents["borisov_father"])
    for call in (
        diary.student(father, school.students["alekseev"]),
        diary.day(father, school.students["alekseev"], TODAY),
        report_card.marks(father, school.students["alekseev"]),
        report_card.attendance(father, school.students["alekseev"]),
        diary.homework(father, school.students["alekseev"], TODAY, TODAY),
    ):
        with pytest.raises(Forbidden) as err:
            await call
        assert err.value.code == "student.not_yours"
    # An id that does not exist gets the same answer: ids cannot be probed.
    with pytest.raises(Forbidden):
        await diary.day(father, 99999, TODAY)


async def test_parent_of_two_children_in_different_classes_sees_both(diary, session, school):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    assert mother.children == {school.students["alekseev"], school.students["alekseeva"]}
    other = await diary.day(mother, school.students["alekseeva"], TODAY)
    assert [lsn.subject for lsn in other.lessons] == ["Математика"]  # 5Б's Tuesday


async def test_student_sees_only_themselves_ACC_1(diary, session, school):
    student = await load_actor(session, school.student_persons["alekseev"])
    await diary.day(student, school.students["alekseev"], TODAY)
    with pytest.raises(Forbidden):
        await diary.day(student, school.students["alekseeva"], TODAY)  # the sister in 5Б


async def test_teachers_of_the_class_see_a_student_others_do_not_REP_5(diary, session, school):
    """REP-5, ROLE-2: the class's teachers and the deputy director see a student; other teachers do not."""
    await diary.day(await load_actor(session, school.staff["russian"]), school.students["alekseev"], TODAY)
    await diary.day(await load_actor(session, school.staff["deputy"]), school.students["ivanov"], TODAY)
    with pytest.raises(Forbidden):
        await diary.day(await load_actor(session, school.staff["primary"]), school.students["alekseev"], TODAY)
    with pytest.raises(Forbidden):  # J-13: the other subgroup's teacher teaches this child nothing
        await diary.day(await load_actor(session, school.staff["eng2"]), school.students["alekseev"], TODAY)


async def test_student_who_left_loses_access_and_parents_too_ACC_9(diary, session, school):
    student = await session.get(Student, school.students["borisova"])
    student.status = StudentStatus.LEFT
    await session.commit()
    me = await load_actor(session, school.student_persons["borisova"])
    assert not me.roles
    with pytest.raises(Forbidden):
        await diary.day(me, school.students["borisova"], TODAY)
    with pytest.raises(Forbidden):
        await diary.day(await load_actor(session, school.parents["borisov_father"]), school.students["borisova"], TODAY)


async def test_marks_report_with_both_averages_J_5(report_card, session, school, journal_day):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    report = await report_card.marks(mother, school.students["alekseev"])
    assert report.period_name == "2 четверть"
    math = next(s for s in report.subjects if s.subject == "Математика")
    assert [m.value for m in math.marks] == [4, 5]
    assert math.average == 4.5
    assert math.weighted_average == round((4 * 1 + 5 * 2) / 3, 2)
    assert math.previous_weighted_average is None and math.period_mark is None
    assert {s.subject for s in report.subjects} == {"Математика", "Русский язык", "Английский язык"}


async def test_attendance_summary_counts_absences_without_reason(report_card, session, school, journal_day):
    father = await load_actor(session, school.parents["borisov_father"])
    report = await report_card.attendance(father, school.students["borisova"])
    math = next(s for s in report.subjects if s.subject == "Математика")
    assert (math.lessons, math.absences, math.by_reason) == (1, 1, {"none": 1})
    assert report.without_reason == 1


@pytest.mark.parametrize(
    ("marks", "target", "value", "weight", "expected"),
    [
        ([(3, 1), (3, 1)], 4.5, 5, 1, 6),  # (6 + 5n) / (2 + n) >= 4.5  ->  n >= 6
        ([(4, 1)], 4.5, 5, 2, 1),  # (4 + 10) / 3 = 4.67
        ([(5, 1)], 4.5, 5, 1, 0),  # already there
        ([(3, 1)], 4.5, 4, 1, None),  # 4s never reach 4.5
        ([(2, 1), (2, 1)], 3.5, 4, 1, 6),  # (4 + 4n) / (2 + n) >= 3.5  ->  n >= 6
        ([], 4.5, 5, 1, 1),
    ],
)
def test_marks_needed_to_reach_a_target(marks, target, value, weight, expected):
    assert marks_needed(marks, target, value, weight) == expected


async def test_today_is_the_schools_day_not_the_servers(diary, session, school, clock):
    """The diary opens on the school's today: at 23:30 UTC it is already the next day in Moscow."""
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    clock.now = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 00:30 on Tuesday in Moscow
    assert await diary.today(mother, school.students["alekseev"]) == TODAY
    with pytest.raises(Forbidden) as err:  # ACC-2: not even the date of another family's school
        await diary.today(await load_actor(session, school.parents["borisov_father"]), school.students["alekseev"])
    assert err.value.code == "student.not_yours"


async def test_week_follows_a_timetable_that_changes_mid_week_DIA_1(diary, session, school):
    """A new timetable from Thursday: the week shows the old one until Wednesday and the new one after."""
    thursday = TODAY + timedelta(days=2)
    old = await session.scalar(
        select(TimetableEntry).where(
            TimetableEntry.assignment_id == school.assignments["math5A"], TimetableEntry.weekday == 3
        )
    )
    old.valid_to = thursday - timedelta(days=1)
    session.add_all(
        [
            TimetableEntry(
                assignment_id=school.assignments["math5A"], weekday=3, lesson_number=4, room="301", valid_from=thursday
            ),
            TimetableEntry(
                assignment_id=school.assignments["rus5A"], weekday=4, lesson_number=3, room="214", valid_from=thursday
            ),
        ]
    )
    await session.commit()
    student = await load_actor(session, school.student_persons["alekseev"])
    week = await diary.week(student, school.students["alekseev"], TODAY)
    thu, fri = week[3], week[4]
    assert [(lsn.number, lsn.subject, lsn.room) for lsn in thu.lessons] == [
        (3, "Английский язык", ""),
        (4, "Математика", "301"),
    ]
    assert [(lsn.number, lsn.subject, lsn.room) for lsn in fri.lessons] == [
        (2, "Математика", ""),
        (3, "Русский язык", "214"),
    ]
    earlier = await diary.week(student, school.students["alekseev"], TODAY - timedelta(days=7))
    assert [lsn.subject for lsn in earlier[3].lessons] == ["Математика", "Английский язык"]
    assert [lsn.subject for lsn in earlier[4].lessons] == ["Математика"]


def access_checks(monkeypatch) -> list[int]:
    """The ids of the students checked against the actor (services/access.py) while the test runs."""
    checked: list[int] = []
    may_see = access._may_see

    async def counted(session, actor, student):
        checked.append(student.id)
        return await may_see(session, actor, student)

    monkeypatch.setattr(access, "_may_see", counted)
    return checked


async def test_a_diary_tap_is_one_call_with_one_access_check_ACC_2(
    diary, session, school, engine, journal_day, monkeypatch
):
    """The diary's screen comes from one service call: the student is checked once (ACC-1, ACC-2), and it reads
    less than the three calls (today, the student, the day) that each checked again."""
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    artyom = school.students["alekseev"]
    await session.commit()  # both runs start from an empty identity map
    with statements_run(engine) as three_calls:
        today = await diary.today(mother, artyom)
        await diary.student(mother, artyom)
        await diary.day(mother, artyom, today)
    await session.commit()
    checked = access_checks(monkeypatch)
    with statements_run(engine) as one_call:
        screen = await diary.day_screen(mother, artyom)
    assert checked == [artyom]
    assert len(one_call) < len(three_calls)
    assert screen.today == screen.day.date == TODAY and screen.student.first_name == "Артём"
    assert any(lsn.topic for lsn in (await diary.day_screen(mother, artyom, MONDAY)).day.lessons)
    with pytest.raises(Forbidden):  # another family's child: refused by that one check
        await diary.day_screen(await load_actor(session, school.parents["borisov_father"]), artyom)


@pytest.mark.parametrize("screen", ["day", "week", "homework", "marks", "absences"])
async def test_each_family_screen_checks_the_student_once_ACC_2(
    session, clock, school, journal_day, monkeypatch, screen
):
    """Every screen of the family's menu is one service call with one access check, refused for another's child."""
    checked = access_checks(monkeypatch)
    services = Services(session, clock, store=None)
    call = {
        "day": services.diary.day_screen,
        "week": services.diary.week_screen,
        "homework": services.diary.homework_screen,
        "marks": services.report_card.marks_screen,
        "absences": services.absences.family_screen,
    }[screen]
    artyom = school.students["alekseev"]
    view = await call(await load_actor(session, school.parents["alekseeva_mother"]), artyom)
    assert checked == [artyom] and view.student.student_id == artyom
    with pytest.raises(Forbidden):
        await call(await load_actor(session, school.parents["borisov_father"]), artyom)
