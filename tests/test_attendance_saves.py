"""Saving a lesson's attendance (J-12): each teacher's toggles are applied to the absences as they are at the
moment of saving, under the lesson's row lock, so that two teachers saving at once lose nothing (DATA-3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.access import load_actor
from services.errors import Forbidden, InvalidInput
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    AuditEntry,
    DocumentKind,
    DocumentStatus,
    EventKind,
    Lesson,
    OutboxEvent,
    Substitution,
)
from tests.factories import TODAY
from tests.statements import statements_run


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


async def test_a_save_of_several_absences_gives_each_its_document_audit_row_and_event_ABS_2(
    session_factory, engine, clock, school, lesson_of_two
):
    """Each new absence takes the reason of the accepted document covering the day, the one decided last (ABS-2),
    and gets its audit row and its event; a save of three absences reads no more than a save of one."""
    teacher, _, lesson_id = lesson_of_two
    alekseev, borisova, vasiliev, grigorieva = (
        school.students[k] for k in ("alekseev", "borisova", "vasiliev", "grigorieva")
    )

    def document(student_id, status, reason, decided_at, days=(0, 0)):
        return AbsenceDocument(
            school_id=school.school_id,
            student_id=student_id,
            submitted_by=school.parents["borisov_father"],
            date_from=TODAY - timedelta(days=days[0]),
            date_to=TODAY + timedelta(days=days[1]),
            kind=DocumentKind.ILLNESS,
            status=status,
            reason=reason,
            decided_by=school.staff["math"],
            decided_at=decided_at,
        )

    async with session_factory() as s:
        older = document(
            borisova, DocumentStatus.ACCEPTED, AbsenceReason.EXCUSED, datetime(2026, 1, 1, tzinfo=UTC), (3, 1)
        )
        latest = document(borisova, DocumentStatus.ACCEPTED, AbsenceReason.ILLNESS, datetime(2026, 1, 2, tzinfo=UTC))
        declined = document(vasiliev, DocumentStatus.DECLINED, None, datetime(2026, 1, 2, tzinfo=UTC))
        elsewhen = document(
            grigorieva, DocumentStatus.ACCEPTED, AbsenceReason.ILLNESS, datetime(2026, 1, 2, tzinfo=UTC), (-1, 2)
        )
        s.add_all([latest, declined, elsewhen])  # the one decided last is not the last written
        await s.flush()
        s.add(older)
        await s.commit()
        journal = JournalService(s, clock)
        with statements_run(engine) as one:
            await journal.update_attendance(teacher, lesson_id, absent={alekseev})
        with statements_run(engine) as three:
            await journal.update_attendance(teacher, lesson_id, absent={borisova, vasiliev, grigorieva})

    # No read per absence. PostgreSQL also writes them a table at a time; on SQLite SQLAlchemy inserts row by row
    # where it needs the ids back (SQLite's RETURNING does not keep the rows' order).
    def counted(seen: list[str]) -> list[str]:
        return [x for x in seen if engine.dialect.name == "postgresql" or not x.startswith("INSERT")]

    assert len(counted(three)) <= len(counted(one)), "\n\n".join(three)

    async with session_factory() as s:
        absences = {a.student_id: a for a in await s.scalars(select(Absence))}
        entries = (await s.scalars(select(AuditEntry).where(AuditEntry.entity == "absence"))).all()
        events = (await s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    assert {k: (a.reason, a.document_id) for k, a in absences.items()} == {
        alekseev: (None, None),
        borisova: (AbsenceReason.ILLNESS, latest.id),
        vasiliev: (None, None),
        grigorieva: (None, None),
    }
    assert absences[borisova].reason_set_by == school.staff["math"]
    assert [(e.action, e.entity_id, e.after) for e in entries] == [
        (
            "add",
            absences[k].id,
            {"lesson_id": lesson_id, "student_id": k, "reason": absences[k].reason and absences[k].reason.value},
        )
        for k in (alekseev, *sorted((borisova, vasiliev, grigorieva)))
    ]
    assert [(e.kind, e.payload) for e in events if e.kind == EventKind.ABSENCE_RECORDED] == [
        (EventKind.ABSENCE_RECORDED, {"student_id": k, "lesson_id": lesson_id, "absence_id": absences[k].id})
        for k in (alekseev, *sorted((borisova, vasiliev, grigorieva)))
    ]


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
