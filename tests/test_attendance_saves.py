"""Saving a lesson's attendance (J-12): each teacher's toggles are applied to the absences as they are at the
moment of saving, under the lesson's row lock, so that two teachers saving at once lose nothing (DATA-3)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.errors import Forbidden, InvalidInput
from services.journal import JournalService
from services.models import Absence, AuditEntry, Lesson, Substitution
from tests.factories import TODAY


async def absent_ids(session_factory) -> set[int]:
    async with session_factory() as s:
        return set((await s.scalars(select(Absence.student_id))).all())


async def absence_audit(session_factory) -> set[tuple[int, str, int]]:
    """(actor, action, student) of every absence change in the audit log."""
    async with session_factory() as s:
        entries = (await s.scalars(select(AuditEntry).where(AuditEntry.entity == "absence"))).all()
        return {(e.actor_id, e.action, (e.after or e.before)["student_id"]) for e in entries}


@pytest.fixture
async def lesson_of_two(session_factory, clock, school):
    """Today's math lesson of 5А, kept by its teacher and, as a substitute, by the English teacher (ACC-5)."""
    async with session_factory() as s:
        s.add(
            Substitution(
                assignment_id=school.assignments["math5A"],
                substitute_id=school.staff["eng1"],
                starts_on=TODAY,
                ends_on=TODAY,
            )
        )
        await s.commit()
        teacher = await load_actor(s, school.staff["math"])
        substitute = await load_actor(s, school.staff["eng1"])
        view = await JournalService(s, clock).open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
    return teacher, substitute, view.lesson_id


async def test_two_teachers_saving_at_once_both_keep_their_changes_J_12(session_factory, clock, school, lesson_of_two):
    teacher, substitute, lesson_id = lesson_of_two
    alekseev, borisova, vasiliev = (school.students[k] for k in ("alekseev", "borisova", "vasiliev"))
    async with session_factory() as s:
        await JournalService(s, clock).update_attendance(teacher, lesson_id, absent={vasiliev})

    async def save(actor, **changes):
        async with session_factory() as s:
            await JournalService(s, clock).update_attendance(actor, lesson_id, **changes)

    # Both saw Васильев absent; the teacher marks Алексеев absent, the substitute marks Борисова absent and
    # Васильев back present: the result is both sets of changes, whichever transaction went first.
    await asyncio.gather(save(teacher, absent={alekseev}), save(substitute, absent={borisova}, present={vasiliev}))
    assert await absent_ids(session_factory) == {alekseev, borisova}
    assert await absence_audit(session_factory) == {
        (school.staff["math"], "add", vasiliev),
        (school.staff["math"], "add", alekseev),
        (school.staff["eng1"], "add", borisova),
        (school.staff["eng1"], "delete", vasiliev),
    }


async def test_saving_no_change_records_attendance_taken_J_12(session_factory, clock, school, lesson_of_two):
    teacher, _, lesson_id = lesson_of_two
    async with session_factory() as s:
        await JournalService(s, clock).update_attendance(teacher, lesson_id)
        assert (await s.get(Lesson, lesson_id)).attendance_taken_at is not None
    assert await absent_ids(session_factory) == set()


async def test_save_attendance_of_a_full_set_replaces_the_absences_J_12(session_factory, clock, school, lesson_of_two):
    teacher, _, lesson_id = lesson_of_two
    async with session_factory() as s:
        journal = JournalService(s, clock)
        await journal.update_attendance(teacher, lesson_id, absent={school.students["alekseev"]})
        await journal.save_attendance(teacher, lesson_id, [school.students["borisova"]])
    assert await absent_ids(session_factory) == {school.students["borisova"]}


async def test_forged_student_or_future_lesson_is_refused_and_nothing_written(
    session_factory, clock, school, lesson_of_two
):
    teacher, _, lesson_id = lesson_of_two
    async with session_factory() as s:
        journal = JournalService(s, clock)
        with pytest.raises(Forbidden) as err:  # a student of 5Б in a lesson of 5А
            await journal.update_attendance(teacher, lesson_id, absent={school.students["zaitsev"]})
        assert err.value.code == "student.not_in_lesson"
        with pytest.raises(Forbidden):
            await journal.update_attendance(teacher, lesson_id, present={school.students["ivanov"]})
        tomorrow = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY + timedelta(days=1), 1)
        with pytest.raises(InvalidInput) as err:
            await journal.update_attendance(teacher, tomorrow.lesson_id, absent={school.students["alekseev"]})
        assert err.value.code == "lesson.in_future"
        assert (await s.get(Lesson, lesson_id)).attendance_taken_at is None
    assert await absent_ids(session_factory) == set()


async def test_mark_options_give_the_work_types_and_scale_and_refuse_grade_1_J_5_J_8(session, clock, school):
    """The marks screen's service read (helper of the same screen family as attendance)."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
    options = await journal.mark_options(teacher, view.lesson_id)
    assert [(w.name, w.weight) for w in options.work_types] == [("Ответ на уроке", 1), ("Контрольная работа", 2)]
    assert (options.mark_min, options.mark_max) == (2, 5)
    with pytest.raises(InvalidInput) as err:
        options.check(7)
    assert err.value.code == "mark.out_of_scale"
    primary = await load_actor(session, school.staff["primary"])
    first_grade = await journal.open_lesson(primary, school.assignments["read1A"], TODAY, 1)
    with pytest.raises(InvalidInput) as err:
        await journal.mark_options(primary, first_grade.lesson_id)
    assert err.value.code == "mark.no_marks_grade"
    with pytest.raises(Forbidden):  # another teacher's lesson
        await journal.mark_options(primary, view.lesson_id)
