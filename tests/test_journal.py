"""The teacher's journal: rights (ACC-3, ACC-5), attendance (J-12), marks (J-5..J-8), lock (J-9)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.access import load_actor
from services.errors import Forbidden, InvalidInput, Locked, NotFound
from services.journal import JournalService
from services.models import Absence, AuditEntry, EventKind, Lesson, Mark, OutboxEvent, Substitution
from tests.factories import MONDAY, TODAY, open_lesson


async def count(session, model, *where) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def journal(session, clock):
    return JournalService(session, clock)


async def open_math(journal, session, school, day=TODAY, number=2):
    return await open_lesson(journal, school, "math", "math5A", day, number)


async def test_teacher_day_lists_timetable_with_missing_parts(journal, session, school):
    """J-1, J-2: the day's lessons show what is still to be entered."""
    teacher = await load_actor(session, school.staff["math"])
    slots = await journal.teacher_day(teacher, TODAY)
    assert [(s.number, s.class_name, s.subject) for s in slots] == [(2, "5А", "Математика")]
    assert slots[0].lesson_id is None
    assert slots[0].missing == {"attendance", "topic", "homework", "marks"}


async def test_substitute_gets_the_journal_for_the_substitution_only_ACC_5(journal, session, school):
    session.add(
        Substitution(
            assignment_id=school.assignments["math5A"],
            substitute_id=school.staff["eng1"],
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=4),
        )
    )
    await session.commit()
    sub = await load_actor(session, school.staff["eng1"])
    slots = await journal.teacher_day(sub, TODAY)
    assert ("Математика", True) in [(s.subject, s.substitution) for s in slots]
    view = await journal.open_lesson(sub, school.assignments["math5A"], TODAY, 2)
    await journal.save_attendance(sub, view.lesson_id, [school.students["vasiliev"]])
    # Before the substitution began, the same teacher has no access to that class.
    with pytest.raises(Forbidden):
        await journal.open_lesson(sub, school.assignments["math5A"], MONDAY, 1)


async def test_teacher_cannot_open_or_write_another_teachers_class_ACC_3(journal, session, school):
    _, view = await open_math(journal, session, school)
    stranger = await load_actor(session, school.staff["russian"])
    with pytest.raises(Forbidden):
        await journal.open_lesson(stranger, school.assignments["math5A"], TODAY, 2)
    with pytest.raises(Forbidden):
        await journal.add_marks(
            stranger, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)]
        )
    with pytest.raises(Forbidden):
        await journal.save_attendance(stranger, view.lesson_id, [school.students["alekseev"]])
    assert await count(session, Mark) == 0
    assert await count(session, Absence) == 0


async def test_attendance_everyone_present_by_default_and_resave_replaces_J_12(journal, session, school):
    teacher, view = await open_math(journal, session, school)
    assert [r.absent for r in view.roster] == [False] * 4 and not view.attendance_taken
    await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"], school.students["vasiliev"]])
    view = await journal.lesson_view(teacher, view.lesson_id)
    assert view.attendance_taken
    assert {r.name.split()[0] for r in view.roster if r.absent} == {"Борисова", "Васильев"}
    await journal.save_attendance(teacher, view.lesson_id, [school.students["vasiliev"]])
    absent = (await session.scalars(select(Absence.student_id))).all()
    assert absent == [school.students["vasiliev"]]
    kinds = (await session.scalars(select(OutboxEvent.kind).order_by(OutboxEvent.id))).all()
    assert kinds == [EventKind.ABSENCE_RECORDED, EventKind.ABSENCE_RECORDED, EventKind.ABSENCE_REMOVED]
    # DATA-3: each change is in the audit log with the teacher as actor.
    assert (
        await count(session, AuditEntry, AuditEntry.entity == "absence", AuditEntry.actor_id == school.staff["math"])
        == 3
    )


async def test_all_present_is_recorded_as_attendance_taken(journal, session, school):
    teacher, view = await open_math(journal, session, school)
    await journal.save_attendance(teacher, view.lesson_id, [])
    slots = await journal.teacher_day(teacher, TODAY)
    assert "attendance" not in slots[0].missing


async def test_marks_two_a_day_and_for_an_absent_student_J_6_J_7(journal, session, school):
    """J-6: two marks on one day; J-7: a mark for a student marked absent."""
    teacher, view = await open_math(journal, session, school)
    kid = school.students["alekseev"]
    await journal.save_attendance(teacher, view.lesson_id, [kid])
    await journal.add_marks(teacher, view.lesson_id, school.work_types["answer"], [(kid, 5)])
    await journal.add_marks(teacher, view.lesson_id, school.work_types["test"], [(kid, 4)])
    values = (await session.scalars(select(Mark.value).where(Mark.student_id == kid).order_by(Mark.id))).all()
    assert values == [5, 4]
    events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == EventKind.MARK_ADDED))).all()
    assert [e.payload["value"] for e in events] == [5, 4]


@pytest.mark.parametrize("value", [7, 1, 0, -3])
async def test_mark_outside_the_scale_is_refused_and_nothing_written_J_8(journal, session, school, value):
    teacher, view = await open_math(journal, session, school)
    good = (school.students["borisova"], 5)
    with pytest.raises(InvalidInput) as err:
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [good, (school.students["alekseev"], value)]
        )
    assert err.value.code == "mark.out_of_scale" and err.value.params == {"value": value, "min": 2, "max": 5}
    assert await count(session, Mark) == 0  # the good mark in the same batch was not kept either
    assert await count(session, OutboxEvent, OutboxEvent.kind == EventKind.MARK_ADDED) == 0


async def test_first_grade_gets_no_marks_J_8(journal, session, school):
    teacher = await load_actor(session, school.staff["primary"])
    view = await journal.open_lesson(teacher, school.assignments["read1A"], TODAY, 1)
    assert not view.marks_allowed
    with pytest.raises(InvalidInput) as err:
        await journal.add_marks(teacher, view.lesson_id, school.work_types["answer"], [(school.students["ivanov"], 5)])
    assert err.value.code == "mark.no_marks_grade"
    assert await count(session, Mark) == 0


async def test_subgroup_teacher_keeps_only_their_subgroup_J_13(journal, session, school):
    teacher = await load_actor(session, school.staff["eng1"])
    view = await journal.open_lesson(teacher, school.assignments["eng5A1"], TODAY, 3)
    assert {r.student_id for r in view.roster} == {school.students["alekseev"], school.students["borisova"]}
    with pytest.raises(Forbidden):
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [(school.students["vasiliev"], 5)]
        )
    with pytest.raises(Forbidden):
        await journal.save_attendance(teacher, view.lesson_id, [school.students["grigorieva"]])


async def test_edit_window_day_14_open_day_15_locked_J_9(journal, session, school, clock):
    teacher, view = await open_math(journal, session, school)
    kid = school.students["alekseev"]
    [mark_id] = await journal.add_marks(teacher, view.lesson_id, school.work_types["answer"], [(kid, 3)])
    clock.at(TODAY + timedelta(days=14))
    await journal.change_mark(teacher, mark_id, 4)
    clock.at(TODAY + timedelta(days=15))
    for attempt in (
        journal.change_mark(teacher, mark_id, 5),
        journal.delete_mark(teacher, mark_id),
        journal.add_marks(teacher, view.lesson_id, school.work_types["answer"], [(kid, 5)]),
        journal.save_attendance(teacher, view.lesson_id, [kid]),
        journal.set_topic(teacher, view.lesson_id, "Новая тема"),
    ):
        with pytest.raises(Locked) as err:
            await attempt
        assert err.value.code == "journal.locked"
    assert (await session.scalars(select(Mark.value))).all() == [4]
    assert (await journal.lesson_view(teacher, view.lesson_id)).editable is False


async def test_future_lesson_takes_homework_but_not_marks_or_attendance(journal, session, school):
    teacher, view = await open_math(journal, session, school, day=TODAY + timedelta(days=1), number=1)
    with pytest.raises(InvalidInput) as err:
        await journal.save_attendance(teacher, view.lesson_id, [])
    assert err.value.code == "lesson.in_future"
    await journal.set_homework(teacher, view.lesson_id, "Упр. 12, с. 40")


async def test_lesson_not_in_timetable_or_on_holiday_is_refused(journal, session, school):
    teacher = await load_actor(session, school.staff["math"])
    with pytest.raises(NotFound) as err:
        await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 5)
    assert err.value.code == "lesson.not_in_timetable"
    with pytest.raises(InvalidInput) as err:
        await journal.open_lesson(teacher, school.assignments["math5A"], date(2026, 11, 2), 1)
    assert err.value.code == "lesson.no_school_day"
    assert await count(session, Lesson) == 0


async def test_homework_due_next_lesson_and_explicit_no_homework_J_2_J_3(journal, session, school):
    """J-2, J-4: homework text due on the next lesson; J-3: «не задано» explicitly."""
    teacher, view = await open_math(journal, session, school)
    await journal.set_homework(teacher, view.lesson_id, "  №245, с. 112  ")
    lesson = await session.get(Lesson, view.lesson_id)
    await session.refresh(lesson)
    assert (lesson.homework, lesson.no_homework) == ("№245, с. 112", False)
    assert lesson.homework_due_on == date(2026, 11, 25)  # Wednesday's math lesson
    await journal.set_homework(teacher, view.lesson_id, None)
    await session.refresh(lesson)
    assert (lesson.homework, lesson.no_homework, lesson.homework_due_on) == ("", True, None)
    slots = await journal.teacher_day(teacher, TODAY)
    assert "homework" not in slots[0].missing  # «не задано» is an entry, not a gap


async def test_homework_of_5000_characters_is_refused_and_nothing_changes(journal, session, school):
    teacher, view = await open_math(journal, session, school)
    with pytest.raises(InvalidInput) as err:
        await journal.set_homework(teacher, view.lesson_id, "x" * 5000)
    assert err.value.code == "homework.too_long"
    lesson = await session.get(Lesson, view.lesson_id)
    await session.refresh(lesson)
    assert lesson.homework == "" and not lesson.no_homework


async def test_topic_suggested_from_the_thematic_plan_J_14(journal, session, school):
    """J-14: the next topic of the calendar-thematic plan is offered."""
    teacher, view = await open_math(journal, session, school, day=MONDAY, number=1)
    assert view.suggested_topic == "§1. Тема 1"
    await journal.set_topic(teacher, view.lesson_id, view.suggested_topic)
    _, today = await open_math(journal, session, school)
    assert today.suggested_topic == "§2. Тема 2"


async def test_two_teachers_saving_attendance_at_once_lose_nothing(session_factory, clock, school):
    """A teacher and the substitute save the same lesson at the same moment: one full set wins, no error."""
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
        sub = await load_actor(s, school.staff["eng1"])
        view = await JournalService(s, clock).open_lesson(teacher, school.assignments["math5A"], TODAY, 2)

    async def save(actor, absent):
        async with session_factory() as s:
            await JournalService(s, clock).save_attendance(actor, view.lesson_id, absent)

    first = [school.students["alekseev"]]
    second = [school.students["borisova"], school.students["vasiliev"]]
    await asyncio.gather(save(teacher, first), save(sub, second))
    async with session_factory() as s:
        absent = set((await s.scalars(select(Absence.student_id))).all())
        assert absent in ({*first}, {*second})
        events = await count(
            s, OutboxEvent, OutboxEvent.kind.in_([EventKind.ABSENCE_RECORDED, EventKind.ABSENCE_REMOVED])
        )
        assert events >= 3


async def test_homework_with_a_file_reaches_the_diary_and_the_outbox_J_4(journal, session, clock, school):
    """J-4: files may be attached to homework; the parent's diary lists them with the homework due."""
    from services.attachments import AttachmentIn
    from services.diary import DiaryService
    from services.models import AttachmentKind

    teacher, view = await open_math(journal, session, school)
    await journal.set_homework(teacher, view.lesson_id, "Решить задачи на карточке")
    file_id = await journal.add_homework_file(
        teacher,
        view.lesson_id,
        AttachmentIn(
            kind=AttachmentKind.DOCUMENT,
            telegram_file_id="BQAD-card",
            telegram_unique_id="card-1",
            file_name="карточка.pdf",
            mime_type="application/pdf",
            size=52_000,
        ),
    )
    event = await session.scalar(select(OutboxEvent).where(OutboxEvent.kind == EventKind.HOMEWORK_SET))
    assert event.payload["lesson_id"] == view.lesson_id and event.payload["due_on"] == "2026-11-25"
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    [item] = await DiaryService(session, clock).homework(
        mother, school.students["alekseev"], TODAY, TODAY + timedelta(days=7)
    )
    assert (item.text, item.due_on, item.files) == ("Решить задачи на карточке", date(2026, 11, 25), (file_id,))
    stranger = await load_actor(session, school.staff["russian"])
    with pytest.raises(Forbidden):
        await journal.add_homework_file(
            stranger,
            view.lesson_id,
            AttachmentIn(kind=AttachmentKind.PHOTO, telegram_file_id="x", telegram_unique_id="y"),
        )
