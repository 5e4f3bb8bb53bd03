"""A student's history survives a move (DATA-4): after a change of subgroup the marks of the old one still show in
the diary and count in /marks; after a transfer the period sheets of both classes list the student with the
subject's marks from every class, and the diary's homework ahead is the new class's only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from services.access import load_actor
from services.diary import DiaryService
from services.enrolments import enrol
from services.journal import JournalService
from services.models import Student, SubgroupMember
from services.period_marks import PeriodMarkService
from services.report_card import ReportCardService
from tests.factories import LAST_TUESDAY, MONDAY, TODAY

WEDNESDAY = date(2026, 11, 25)


async def test_a_change_of_subgroup_hides_no_marks_DATA_4_J_13(session, school, clock):
    journal = JournalService(session, clock)
    eng1 = await load_actor(session, school.staff["eng1"])
    artyom = school.students["alekseev"]
    lesson = await journal.open_lesson(eng1, school.assignments["eng5A1"], LAST_TUESDAY, 3)
    await journal.add_marks(eng1, lesson.lesson_id, school.work_types["answer"], [(artyom, 5)])
    await session.execute(
        update(SubgroupMember)
        .where(SubgroupMember.student_id == artyom)
        .values(subgroup_id=school.subgroups["Англ. 2"])
    )
    await session.commit()

    mother = await load_actor(session, school.parents["alekseeva_mother"])
    [day] = await DiaryService(session, clock).days(mother, artyom, LAST_TUESDAY, LAST_TUESDAY)
    english = [lsn for lsn in day.lessons if lsn.subject == "Английский язык"]
    # The old subgroup's lesson shows with his mark, under its teacher (the new subgroup's slot shows beside it).
    assert ("Белова А. С.", [5]) in [(lsn.teacher, [m.value for m in lsn.marks]) for lsn in english]
    report = await ReportCardService(session, clock).marks(mother, artyom, school.q2)
    assert [m.value for s in report.subjects if s.subject == "Английский язык" for m in s.marks] == [5]


async def test_a_transfer_keeps_the_marks_on_both_period_sheets_DATA_4(session, school, clock):
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    russian = await load_actor(session, school.staff["russian"])
    artyom = school.students["alekseev"]
    old = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
    await journal.add_marks(math, old.lesson_id, school.work_types["answer"], [(artyom, 4)])
    student = await session.get_one(Student, artyom)
    await enrol(session, student, school.classes["5Б"], WEDNESDAY)
    await session.commit()
    clock.at(date(2026, 11, 27))
    new = await journal.open_lesson(russian, school.assignments["math5B"], date(2026, 11, 26), 2)
    await journal.add_marks(russian, new.lesson_id, school.work_types["answer"], [(artyom, 5)])

    sheets = PeriodMarkService(session, clock)
    for teacher, assignment in ((russian, "math5B"), (math, "math5A")):
        sheet = await sheets.sheet(teacher, school.assignments[assignment], school.q2)
        [row] = [r for r in sheet.rows if r.student_id == artyom]
        assert [m.value for m in row.marks] == [4, 5]

    # The homework ahead and the days to come are the new class's: 5А's Monday math is not his any more.
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    ahead = await DiaryService(session, clock).homework_ahead(mother, artyom)
    assert {(item.subject, item.due_on.weekday()) for item in ahead.items if item.due_on} <= {
        ("Математика", 1),
        ("Математика", 3),
        ("Математика", 4),
    }
    [tuesday] = await DiaryService(session, clock).days(mother, artyom, TODAY, TODAY)
    assert [lsn.subject for lsn in tuesday.lessons] == ["Русский язык", "Математика", "Английский язык"]
