"""Every save is written once: two saves of the same draft at once (two taps in flight, two processes, a retry),
each in its own session as two updates are, write it once, on SQLite and PostgreSQL alike.

A draft that is a list of new things (marks, a request, a document, an announcement) carries an id made when it
starts; the database's key on it refuses the second save (AlreadySaved). A save that sets a value (a period mark,
a topic, homework, a decision under a status check) is idempotent by nature: the second one finds it done."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.absences import AbsenceService
from services.access import load_actor
from services.announcements import AnnouncementService, Audience, Scope
from services.correction_changes import AddMark, SetTopic
from services.corrections import CorrectionService
from services.errors import AlreadySaved, Forbidden
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    AuditEntry,
    CorrectionRequest,
    DocumentKind,
    EventKind,
    FinalMark,
    Mark,
    OutboxEvent,
    Substitution,
)
from services.period_marks import PeriodMarkService
from tests.factories import TODAY

DRAFT = "5f0c6b1e9a7d4c3b8e2f1a0d9c8b7a6e"


async def twice_at_once(session_factory, save) -> list:
    """`save(session)` in two sessions at once; what each returned, or the error it raised."""

    async def one():
        async with session_factory() as s:
            return await save(s)

    return await asyncio.gather(one(), one(), return_exceptions=True)


def one_saved(results: list) -> None:
    """One save went through; the other was refused as a save of the same draft, nothing else."""
    assert sorted(type(r).__name__ for r in results if isinstance(r, BaseException)) == ["AlreadySaved"], results


async def count(session_factory, query) -> int:
    async with session_factory() as s:
        return await s.scalar(select(func.count()).select_from(query.subquery()))


async def events(session_factory, kind: EventKind) -> int:
    return await count(session_factory, select(OutboxEvent.id).where(OutboxEvent.kind == kind))


@pytest.fixture
async def lesson(session_factory, clock, school):
    """Today's math lesson of 5А: (its teacher, the lesson's id)."""
    async with session_factory() as s:
        teacher = await load_actor(s, school.staff["math"])
        view = await JournalService(s, clock).open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
    return teacher, view.lesson_id


async def test_a_marks_draft_saved_twice_at_once_is_written_once_J_5_J_6(session_factory, clock, school, lesson):
    teacher, lesson_id = lesson
    entries = [(school.students["alekseev"], 5), (school.students["borisova"], 4)]

    async def save(s, draft=DRAFT):
        return await JournalService(s, clock).add_marks(
            teacher, lesson_id, school.work_types["answer"], entries, draft=draft
        )

    one_saved(await twice_at_once(session_factory, save))
    assert await count(session_factory, select(Mark.id)) == 2
    assert await events(session_factory, EventKind.MARK_ADDED) == 2
    async with session_factory() as s:  # a retry later is refused too
        with pytest.raises(AlreadySaved):
            await save(s)
        await save(s, draft="another round")  # J-6: a second round of marks is another draft
    assert await count(session_factory, select(Mark.id)) == 4


async def test_a_refused_save_leaves_its_draft_free_for_the_next_try(session_factory, clock, school, lesson):
    """A save that fails writes nothing, its draft's id neither: the same draft may be saved once it is right."""
    teacher, lesson_id = lesson
    async with session_factory() as s:
        journal = JournalService(s, clock)
        with pytest.raises(Forbidden):  # a student of 5Б in a lesson of 5А
            await journal.add_marks(
                teacher, lesson_id, school.work_types["answer"], [(school.students["zaitsev"], 5)], draft=DRAFT
            )
        await journal.add_marks(
            teacher, lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)], draft=DRAFT
        )
    assert await count(session_factory, select(Mark.id)) == 1


async def test_an_attendance_draft_is_applied_once_so_a_late_tap_keeps_a_colleagues_save_J_12(
    session_factory, clock, school, lesson
):
    teacher, lesson_id = lesson
    alekseev = school.students["alekseev"]
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
        substitute = await load_actor(s, school.staff["eng1"])

    async def save(s):
        await JournalService(s, clock).update_attendance(teacher, lesson_id, absent={alekseev}, draft=DRAFT)

    one_saved(await twice_at_once(session_factory, save))
    async with session_factory() as s:  # the substitute sees Алексеев in class after all
        await JournalService(s, clock).update_attendance(substitute, lesson_id, present={alekseev})
    async with session_factory() as s:  # the teacher's tap that was late: refused, not applied again
        with pytest.raises(AlreadySaved):
            await save(s)
        assert (await s.scalars(select(Absence.student_id))).all() == []
    assert await events(session_factory, EventKind.ABSENCE_RECORDED) == 1


async def test_a_period_mark_set_twice_at_once_is_one_mark_and_one_push_PER_2(session_factory, clock, school):
    async def set_four(s):
        teacher = await load_actor(s, school.staff["math"])
        await PeriodMarkService(s, clock).set_mark(
            teacher, school.assignments["math5A"], school.q2, school.students["alekseev"], 4
        )

    assert await twice_at_once(session_factory, set_four) == [None, None]  # both taps are told it is set
    assert await count(session_factory, select(FinalMark.id)) == 1
    assert await events(session_factory, EventKind.PERIOD_MARK_SET) == 1
    assert await count(session_factory, select(AuditEntry.id).where(AuditEntry.entity == "final_mark")) == 1


async def test_the_suggested_period_marks_set_twice_at_once_are_set_once_PER_2_PER_4(session_factory, clock, school):
    async with session_factory() as s:  # PER-4: Russian has 1 hour a week, so 3 marks make a mark objective
        teacher = await load_actor(s, school.staff["russian"])
        journal = JournalService(s, clock)
        view = await journal.open_lesson(teacher, school.assignments["rus5A"], TODAY, 1)
        for value in (5, 4, 5):
            await journal.add_marks(
                teacher,
                view.lesson_id,
                school.work_types["answer"],
                [(school.students["alekseev"], value), (school.students["borisova"], value - 1)],
            )

    async def set_suggested(s):
        return await PeriodMarkService(s, clock).set_suggested(teacher, school.assignments["rus5A"], school.q2)

    assert sorted(await twice_at_once(session_factory, set_suggested)) == [0, 2]  # the second found none left
    async with session_factory() as s:
        assert sorted((await s.scalars(select(FinalMark.value))).all()) == [4, 5]
    assert await events(session_factory, EventKind.PERIOD_MARK_SET) == 2


async def test_a_topic_or_homework_saved_again_records_and_sends_nothing_more_J_2_J_14(
    session_factory, clock, school, lesson
):
    teacher, lesson_id = lesson

    async def save(s):
        journal = JournalService(s, clock)
        await journal.set_topic(teacher, lesson_id, "Натуральные числа")
        await journal.set_homework(teacher, lesson_id, "№ 12, с. 30")

    assert await twice_at_once(session_factory, save) == [None, None]
    assert (
        await events(session_factory, EventKind.HOMEWORK_SET)
        + await events(session_factory, EventKind.HOMEWORK_CHANGED)
        == 1
    )
    assert await count(session_factory, select(AuditEntry.id).where(AuditEntry.entity == "lesson")) == 2


async def test_a_document_decided_by_two_taps_at_once_is_decided_once_ABS_2(session_factory, clock, school, lesson):
    """Each tap reads the document first (the card's check that it is pending), as the handler does."""
    teacher, lesson_id = lesson
    async with session_factory() as s:
        await JournalService(s, clock).save_attendance(teacher, lesson_id, [school.students["borisova"]])
        father = await load_actor(s, school.parents["borisov_father"])
        doc_id = await AbsenceService(s, clock).submit_document(
            father, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS
        )
    sessions = [session_factory(), session_factory()]
    for s in sessions:
        await AbsenceService(s, clock).pending_document(teacher, doc_id)

    async def decide(s):
        return await AbsenceService(s, clock).decide_document(
            teacher, doc_id, accept=True, reason=AbsenceReason.ILLNESS
        )

    results = await asyncio.gather(*(decide(s) for s in sessions), return_exceptions=True)
    for s in sessions:
        await s.close()
    assert sorted(repr(r) if isinstance(r, Exception) else f"applied {r.applied}" for r in results) == [
        "Conflict('document.already_decided', {'status': <DocumentStatus.ACCEPTED: 'accepted'>})",
        "applied 1",
    ]
    assert await events(session_factory, EventKind.DOCUMENT_DECIDED) == 1
    assert await events(session_factory, EventKind.ABSENCE_REASON_SET) == 1


async def test_a_correction_applied_by_two_taps_at_once_is_applied_once_J_10(session_factory, clock, school, lesson):
    teacher, lesson_id = lesson
    async with session_factory() as s:
        await JournalService(s, clock).add_marks(
            teacher, lesson_id, school.work_types["answer"], [(school.students["alekseev"], 3)]
        )
    clock.at(TODAY + timedelta(days=20))
    async with session_factory() as s:
        request_id = await CorrectionService(s, clock).request(
            teacher,
            lesson_id,
            [AddMark(student_id=school.students["borisova"], value=5, work_type_id=school.work_types["answer"])],
            "Забыла поставить",
        )

    async def apply(s):
        deputy = await load_actor(s, school.staff["deputy"])
        return (await CorrectionService(s, clock).decide(deputy, request_id, apply=True)).status

    results = await twice_at_once(session_factory, apply)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "CorrectionStatus"]
    assert await count(session_factory, select(Mark.id)) == 2


async def test_a_correction_request_sent_twice_for_one_draft_is_one_request_J_10(
    session_factory, clock, school, lesson
):
    teacher, lesson_id = lesson
    clock.at(TODAY + timedelta(days=20))

    async def request(s):
        return await CorrectionService(s, clock).request(
            teacher, lesson_id, [SetTopic(topic="Дроби")], "Тема не записана", draft=DRAFT
        )

    one_saved(await twice_at_once(session_factory, request))
    assert await count(session_factory, select(CorrectionRequest.id)) == 1


async def test_an_absence_document_sent_twice_for_one_form_is_one_document_ABS_1(session_factory, clock, school):
    async def send(s):
        father = await load_actor(s, school.parents["borisov_father"])
        return await AbsenceService(s, clock).submit_document(
            father, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS, draft=DRAFT
        )

    one_saved(await twice_at_once(session_factory, send))
    assert await count(session_factory, select(AbsenceDocument.id)) == 1
    assert await events(session_factory, EventKind.DOCUMENT_SENT) == 1


async def test_an_announcement_sent_twice_for_one_draft_is_one_announcement(session_factory, clock, school):
    async def send(s):
        deputy = await load_actor(s, school.staff["deputy"])
        return await AnnouncementService(s, clock).send(
            deputy, Audience(Scope.SCHOOL), "Собрание в пятницу", draft=DRAFT
        )

    one_saved(await twice_at_once(session_factory, send))
    assert await events(session_factory, EventKind.ANNOUNCEMENT) == 1
    assert await count(session_factory, select(AuditEntry.id).where(AuditEntry.entity == "announcement")) == 1
