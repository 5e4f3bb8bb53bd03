"""Corrections past the lock (J-9, J-10) and period marks (PER-2..PER-5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.access import load_actor
from services.correction_changes import ChangeMark, DeleteMark, SetAbsent, SetTopic, change_of
from services.corrections import CorrectionService
from services.errors import Conflict, Forbidden, InvalidInput, Locked
from services.grading_policy import GradingPolicy, required_marks
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    AuditEntry,
    CorrectionRequest,
    CorrectionStatus,
    DocumentKind,
    DocumentStatus,
    EventKind,
    FinalMark,
    Lesson,
    Mark,
    OutboxEvent,
)
from services.period_marks import PeriodMarkService
from tests.factories import TODAY

LATER = TODAY + timedelta(days=20)


@pytest.fixture
async def old_lesson(session, clock, school):
    """Today's math lesson with a 3 for Alekseev, seen 20 days later when it is locked."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)
    [mark_id] = await journal.add_marks(
        teacher, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 3)]
    )
    clock.at(LATER)
    return teacher, view.lesson_id, mark_id


async def test_an_absence_a_correction_adds_takes_the_accepted_documents_reason_ABS_2(
    session, clock, school, old_lesson
):
    teacher, lesson_id, _mark_id = old_lesson
    vasiliev, grigorieva = school.students["vasiliev"], school.students["grigorieva"]
    session.add(
        AbsenceDocument(
            school_id=school.school_id,
            student_id=vasiliev,
            submitted_by=school.parents["borisov_father"],
            date_from=TODAY,
            date_to=TODAY,
            kind=DocumentKind.ILLNESS,
            status=DocumentStatus.ACCEPTED,
            reason=AbsenceReason.ILLNESS,
            decided_by=school.staff["math"],
            decided_at=clock(),
        )
    )
    await session.commit()
    corrections = CorrectionService(session, clock)
    req_id = await corrections.request(
        teacher, lesson_id, [SetAbsent(student_id=vasiliev), SetAbsent(student_id=grigorieva)], "Не отметил"
    )
    await corrections.decide(await load_actor(session, school.staff["deputy"]), req_id, apply=True)
    reasons = dict((await session.execute(select(Absence.student_id, Absence.reason))).all())
    assert reasons == {vasiliev: AbsenceReason.ILLNESS, grigorieva: None}


async def test_correction_request_applied_by_the_deputy_J_10(session, clock, school, old_lesson):
    """J-10 and ROLE-2: the deputy director applies the request."""
    teacher, lesson_id, mark_id = old_lesson
    corrections = CorrectionService(session, clock)
    with pytest.raises(Locked):
        await JournalService(session, clock).change_mark(teacher, mark_id, 4)
    req_id = await corrections.request(
        teacher,
        lesson_id,
        [
            ChangeMark(mark_id=mark_id, value=4),
            SetAbsent(student_id=school.students["vasiliev"]),
        ],
        "Ошибка при выставлении: ответ был на 4",
    )
    req = await session.get(CorrectionRequest, req_id)
    # J-10 names what the request records: date, class, teacher, date to change, subject, changes, reason.
    assert (req.class_id, req.requested_by, req.lesson_date, req.status) == (
        school.classes["5А"],
        school.staff["math"],
        TODAY,
        CorrectionStatus.PENDING,
    )
    assert req.created_at is not None and req.subject_id and len(req.changes) == 2
    deputy = await load_actor(session, school.staff["deputy"])
    assert [p.id for p in await corrections.pending(deputy)] == [req_id]
    await corrections.decide(deputy, req_id, apply=True)
    assert (await session.scalars(select(Mark.value))).all() == [4]
    assert (await session.scalars(select(Absence.student_id))).all() == [school.students["vasiliev"]]
    audit = (
        await session.scalars(select(AuditEntry).where(AuditEntry.entity == "mark", AuditEntry.action == "change"))
    ).one()
    assert (audit.actor_id, audit.before["value"], audit.after["value"]) == (school.staff["deputy"], 3, 4)
    event = await session.scalar(select(OutboxEvent).where(OutboxEvent.kind == EventKind.CORRECTION_DECIDED))
    assert event.payload["teacher_id"] == school.staff["math"] and event.payload["status"] == "applied"
    with pytest.raises(Conflict):
        await corrections.decide(deputy, req_id, apply=False)


async def test_a_request_filed_before_the_changes_had_types_reads_and_applies_as_then(
    session, clock, school, old_lesson
):
    """A request row keeps its changes as JSON: one written before (the same shape, written by hand here) is named
    and applied as it was, and a new request writes the same JSON."""
    teacher, lesson_id, mark_id = old_lesson
    corrections = CorrectionService(session, clock)
    written_before = [
        {
            "op": "change_mark",
            "mark_id": mark_id,
            "value": 4,
            "student_id": school.students["alekseev"],
            "old_value": 3,
        },
        {"op": "set_absent", "student_id": school.students["vasiliev"]},
        {"op": "set_topic", "topic": "Дроби"},
    ]
    lesson = await session.get(Lesson, lesson_id)
    row = CorrectionRequest(
        school_id=school.school_id,
        requested_by=teacher.person_id,
        lesson_id=lesson_id,
        class_id=school.classes["5А"],
        subject_id=lesson.assignment.subject_id,
        lesson_date=TODAY,
        changes=written_before,
        reason="Ошибка",
        created_at=clock(),
    )
    session.add(row)
    await session.commit()
    deputy = await load_actor(session, school.staff["deputy"])
    [view] = await corrections.pending(deputy)
    assert [(c.op, c.student.partition(" ")[0], c.value, c.old_value, c.topic) for c in view.described] == [
        ("change_mark", "Алексеев", 4, 3, ""),
        ("set_absent", "Васильев", None, None, ""),
        ("set_topic", "", None, None, "Дроби"),
    ]
    assert view.changes == (
        ChangeMark(mark_id=mark_id, value=4, student_id=school.students["alekseev"], old_value=3),
        SetAbsent(student_id=school.students["vasiliev"]),
        SetTopic(topic="Дроби"),
    )
    await corrections.decide(deputy, row.id, apply=True)
    assert (await session.scalars(select(Mark.value))).all() == [4]
    assert (await session.scalars(select(Absence.student_id))).all() == [school.students["vasiliev"]]
    assert (await session.get(Lesson, lesson_id)).topic == "Дроби"

    new_id = await corrections.request(
        teacher,
        lesson_id,
        [
            ChangeMark(mark_id=mark_id, value=5),
            SetAbsent(student_id=school.students["vasiliev"]),
            SetTopic(topic="Дроби"),
        ],
        "Снова",
    )
    assert (await session.get(CorrectionRequest, new_id)).changes == [
        {**written_before[0], "value": 5, "old_value": 4},
        *written_before[1:],
    ]


async def test_a_change_of_an_unknown_kind_is_refused(session, clock, school, old_lesson):
    _teacher, _lesson_id, _mark_id = old_lesson
    with pytest.raises(InvalidInput) as err:
        change_of({"op": "set_mark", "student_id": school.students["alekseev"], "value": 5})
    assert (err.value.code, err.value.params) == ("correction.bad_change", {"op": "set_mark"})
    with pytest.raises(InvalidInput):  # a known kind that lacks what it changes
        change_of({"op": "change_mark", "value": 5})


async def test_correction_declined_changes_nothing_and_is_recorded(session, clock, school, old_lesson):
    teacher, lesson_id, mark_id = old_lesson
    corrections = CorrectionService(session, clock)
    req_id = await corrections.request(teacher, lesson_id, [DeleteMark(mark_id=mark_id)], "Лишняя")
    await corrections.decide(
        await load_actor(session, school.staff["admin"]), req_id, apply=False, comment="Нет оснований"
    )
    req = await session.get(CorrectionRequest, req_id)
    await session.refresh(req)
    assert (req.status, req.decided_by, req.decision_comment) == (
        CorrectionStatus.DECLINED,
        school.staff["admin"],
        "Нет оснований",
    )
    assert (await session.scalars(select(Mark.value))).all() == [3]


async def test_correction_refusals(session, clock, school, old_lesson):
    teacher, lesson_id, mark_id = old_lesson
    corrections = CorrectionService(session, clock)
    with pytest.raises(InvalidInput) as err:  # a mark of 7 is refused when asked, not when applied
        await corrections.request(teacher, lesson_id, [ChangeMark(mark_id=mark_id, value=7)], "x")
    assert err.value.code == "mark.out_of_scale"
    with pytest.raises(InvalidInput):
        await corrections.request(teacher, lesson_id, [ChangeMark(mark_id=mark_id, value=4)], "  ")
    with pytest.raises(Forbidden):  # another teacher's lesson
        await corrections.request(
            await load_actor(session, school.staff["russian"]), lesson_id, [SetTopic(topic="x")], "reason"
        )
    req_id = await corrections.request(teacher, lesson_id, [SetTopic(topic="Дроби")], "Забыла тему")
    with pytest.raises(Forbidden):  # a teacher cannot approve, not even their own request
        await corrections.decide(teacher, req_id, apply=True)
    clock.at(TODAY)
    with pytest.raises(InvalidInput) as err:  # inside the window the teacher edits directly
        await corrections.request(teacher, lesson_id, [SetTopic(topic="Дроби")], "reason")
    assert err.value.code == "correction.not_needed"
    assert await session.scalar(select(func.count()).select_from(CorrectionRequest)) == 1


@pytest.mark.parametrize(("hours", "needed"), [(1, 3), (2, 5), (3, 8), (5, 14)])
def test_accumulation_minimum_grows_with_the_load_PER_4(hours, needed):
    assert required_marks(GradingPolicy(), hours) == needed


async def test_period_sheet_suggests_marks_and_warns_on_accumulation_PER_3_PER_4(session, clock, school):
    """PER-3: the mark rests on the period's marks; PER-4: the accumulation minimum, lowered for valid absences."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["russian"])  # Russian in 5А: 1 hour a week, 3 marks needed
    days = [TODAY - timedelta(days=7 * k) for k in range(3)]
    lessons = [await journal.open_lesson(teacher, school.assignments["rus5A"], d, 1) for d in days]
    for view, value in zip(lessons, (5, 4, 5), strict=True):
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], value)]
        )
    await journal.save_attendance(teacher, lessons[0].lesson_id, [school.students["borisova"]])
    for view in lessons[1:]:
        await journal.save_attendance(teacher, view.lesson_id, [])
    await journal.add_marks(
        teacher, lessons[0].lesson_id, school.work_types["test"], [(school.students["vasiliev"], 4)]
    )
    sheet = await PeriodMarkService(session, clock).sheet(teacher, school.assignments["rus5A"], school.q2)
    rows = {r.name.split()[0]: r for r in sheet.rows}
    # Three marks, but not one for the test he sat in the first lesson: written works are obligatory (PER-4).
    alekseev = rows["Алексеев"]
    assert (alekseev.weighted_average, alekseev.suggested, alekseev.meets_accumulation) == (4.67, 5, False)
    assert alekseev.written_missing == 1
    assert (rows["Васильев"].suggested, rows["Васильев"].meets_accumulation, rows["Васильев"].required) == (4, False, 3)
    assert rows["Григорьева"].suggested is None and not rows["Григорьева"].meets_accumulation
    # Borisova missed one of three lessons: without a reason it still counts, with illness it does not.
    assert rows["Борисова"].required == 3
    absence = await session.scalar(select(Absence))
    absence.reason = AbsenceReason.ILLNESS
    await session.commit()
    sheet = await PeriodMarkService(session, clock).sheet(teacher, school.assignments["rus5A"], school.q2)
    assert next(r for r in sheet.rows if r.name.startswith("Борисова")).required == 2


async def test_period_mark_set_by_the_teacher_and_closed_after_the_period_PER_2_PER_5(session, clock, school):
    service = PeriodMarkService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    kid = school.students["alekseev"]
    await service.set_mark(teacher, school.assignments["math5A"], school.q2, kid, 4)
    await service.set_mark(teacher, school.assignments["math5A"], school.q2, kid, 5)
    assert (await session.scalars(select(FinalMark.value))).all() == [5]
    with pytest.raises(InvalidInput):
        await service.set_mark(teacher, school.assignments["math5A"], school.q2, kid, 6)
    with pytest.raises(Forbidden):
        await service.set_mark(
            await load_actor(session, school.staff["russian"]), school.assignments["math5A"], school.q2, kid, 3
        )
    clock.at(date(2026, 12, 29))
    with pytest.raises(Locked) as err:
        await service.set_mark(teacher, school.assignments["math5A"], school.q2, kid, 3)
    assert err.value.code == "period.closed"
    assert (await session.scalars(select(FinalMark.value))).all() == [5]
    event = await session.scalar(
        select(OutboxEvent).where(OutboxEvent.kind == EventKind.PERIOD_MARK_SET).order_by(OutboxEvent.id.desc())
    )
    assert event.payload["value"] == 5
