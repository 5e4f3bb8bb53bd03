"""The journal's history (DATA-3): every change names its student and lesson, reads back newest first a page at a
time with who, when, before and after, and says when a correction request made it (J-10); who may read it (ROLE-2,
ACC-3), and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.absences import AbsenceService
from services.access import load_actor, system_actor
from services.correction_changes import ChangeMark
from services.corrections import CorrectionService
from services.errors import Forbidden, NotFound
from services.history import PAGE, HistoryService
from services.journal import JournalService
from services.models import Absence, AbsenceReason, AuditEntry, MovementKind
from services.movement import MovementService
from tests.factories import TODAY, build_school
from tests.statements import statements_run


@pytest.fixture
async def kept(session, clock, school):
    """Today's math lesson in 5А: Alekseev 4 → 5, Borisova 3 then deleted, Vasiliev absent with a reason, a topic."""
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    alekseev, borisova, vasiliev = (school.students[k] for k in ("alekseev", "borisova", "vasiliev"))
    mark_a, mark_b = await journal.add_marks(
        math, view.lesson_id, school.work_types["answer"], [(alekseev, 4), (borisova, 3)]
    )
    await journal.change_mark(math, mark_a, 5)
    await journal.delete_mark(math, mark_b)
    await journal.save_attendance(math, view.lesson_id, [vasiliev])
    await journal.set_topic(math, view.lesson_id, "§5. Дроби")
    absence_id = await session.scalar(select(Absence.id).where(Absence.student_id == vasiliev))
    await AbsenceService(session, clock).set_reason(math, absence_id, AbsenceReason.ILLNESS)  # math leads 5А
    return view.lesson_id, mark_a


async def test_every_change_names_its_student_and_lesson_DATA_3(session, school, kept):
    lesson_id, _mark = kept
    rows = (
        await session.execute(select(AuditEntry.entity, AuditEntry.action, AuditEntry.student_id, AuditEntry.lesson_id))
    ).all()
    assert all(lesson == lesson_id for entity, _a, _s, lesson in rows if entity in ("mark", "absence", "lesson"))
    reason = next(r for r in rows if r.action == "set_reason")  # its snapshots hold the reason only: read from the row
    assert (reason.student_id, reason.lesson_id) == (school.students["vasiliev"], lesson_id)


async def test_a_students_history_newest_first_with_who_before_and_after_DATA_3(session, clock, school, kept):
    deputy = await load_actor(session, school.staff["deputy"])
    page = await HistoryService(session, clock).student_history(deputy, school.students["alekseev"])
    assert page.title == "Алексеев Артём, 5А"
    assert [(line.entity, line.action) for line in page.lines] == [("mark", "change"), ("mark", "add")]
    change = page.lines[0]
    assert (change.author, change.before["value"], change.after["value"]) == ("Смирнова Е. В.", 4, 5)
    assert (change.subject, change.lesson_date, change.work_type) == ("Математика", TODAY, "Ответ на уроке")
    vasiliev = await HistoryService(session, clock).student_history(deputy, school.students["vasiliev"])
    assert [(line.entity, line.action) for line in vasiliev.lines] == [("absence", "set_reason"), ("absence", "add")]
    assert vasiliev.lines[0].after["reason"] == "illness"


async def test_a_lessons_history_for_the_deputy_and_its_teacher_ACC_3(session, clock, school, kept):
    lesson_id, _mark = kept
    history = HistoryService(session, clock)
    for who in ("deputy", "math"):
        page = await history.lesson_history(await load_actor(session, school.staff[who]), lesson_id)
        assert page.title == "Математика, 5А" and page.lesson_date == TODAY
        assert [(line.entity, line.action, line.student) for line in page.lines] == [
            ("absence", "set_reason", "Васильев Глеб"),
            ("lesson", "change", ""),
            ("absence", "add", "Васильев Глеб"),
            ("mark", "delete", "Борисова Вера"),
            ("mark", "change", "Алексеев Артём"),
            ("mark", "add", "Борисова Вера"),
            ("mark", "add", "Алексеев Артём"),
        ]


async def test_refusals_another_teacher_a_parent_another_school_forged_ids_ACC_3_ROLE_2(session, clock, school, kept):
    lesson_id, _mark = kept
    history = HistoryService(session, clock)
    russian = await load_actor(session, school.staff["russian"])  # teaches 5А, not math
    with pytest.raises(Forbidden):
        await history.lesson_history(russian, lesson_id)
    with pytest.raises(Forbidden):  # a teacher reads no student's history, nor picks classes
        await history.student_history(russian, school.students["alekseev"])
    with pytest.raises(Forbidden):
        await history.classes(russian)
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    with pytest.raises(Forbidden):
        await history.student_history(mother, school.students["alekseev"])
    with pytest.raises(NotFound):
        await history.lesson_history(mother, lesson_id + 1000)
    other = await build_school(session, "Школа № 9")
    stranger = await load_actor(session, other.staff["deputy"])
    with pytest.raises(Forbidden):
        await history.student_history(stranger, school.students["alekseev"])
    with pytest.raises(NotFound):
        await history.lesson_history(stranger, lesson_id)
    with pytest.raises(NotFound):
        await history.class_choices(stranger, school.classes["5А"])
    with pytest.raises(NotFound):
        await history.lessons(stranger, school.assignments["math5A"])


async def test_pages_of_fifteen_newest_first_DATA_3(session, clock, school):
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    [mark] = await journal.add_marks(
        math, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 2)]
    )
    for value in (3, 4, 5) * 6:  # 18 changes and the mark's addition: 19 entries
        await journal.change_mark(math, mark, value)
    deputy = await load_actor(session, school.staff["deputy"])
    history = HistoryService(session, clock)
    first = await history.student_history(deputy, school.students["alekseev"])
    second = await history.student_history(deputy, school.students["alekseev"], page=1)
    assert (len(first.lines), first.has_next, len(second.lines), second.has_next) == (PAGE, True, 4, False)
    assert first.lines[0].after["value"] == 5 and second.lines[-1].action == "add"


async def test_a_change_made_by_a_correction_request_says_so_J_10_DATA_3(session, clock, school):
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    [mark] = await journal.add_marks(
        math, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 3)]
    )
    clock.at(TODAY + timedelta(days=20))
    corrections = CorrectionService(session, clock)
    req_id = await corrections.request(math, view.lesson_id, [ChangeMark(mark_id=mark, value=4)], "Ошибка")
    deputy = await load_actor(session, school.staff["deputy"])
    await corrections.decide(deputy, req_id, apply=True)
    page = await HistoryService(session, clock).lesson_history(deputy, view.lesson_id)
    assert [(line.entity, line.action, line.correction_id) for line in page.lines] == [
        ("correction_request", "decide", None),
        ("mark", "change", req_id),
        ("correction_request", "add", None),
        ("mark", "add", None),
    ]
    assert page.lines[1].author == "Волкова И. Н."


async def test_a_movement_names_its_order_and_classes_DATA_3_DATA_4(session, clock, school):
    await MovementService(session, clock).record(
        system_actor(school.school_id),
        school.students["zaitsev"],
        MovementKind.TRANSFER,
        TODAY,
        "12-к",
        to_class_id=school.classes["5А"],
    )
    deputy = await load_actor(session, school.staff["deputy"])
    [line] = (await HistoryService(session, clock).student_history(deputy, school.students["zaitsev"])).lines
    assert (line.entity, line.action, line.order, line.classes) == ("student", "transfer", "12-к", ("5Б", "5А"))


async def test_a_page_costs_the_same_few_statements_however_many_entries_DATA_3(engine, session, clock, school, kept):
    """One query for the entries and one per kind of name, not one per line (conventions: a screen's cost)."""
    lesson_id, mark = kept
    deputy = await load_actor(session, school.staff["deputy"])
    history = HistoryService(session, clock)
    await history.lesson_history(deputy, lesson_id)  # the school and the lesson in the session's map, as on a tap
    with statements_run(engine) as few:
        await history.lesson_history(deputy, lesson_id)
    math = await load_actor(session, school.staff["math"])
    for value in (4, 5) * 6:
        await JournalService(session, clock).change_mark(math, mark, value)
    with statements_run(engine) as many:
        page = await history.lesson_history(deputy, lesson_id)
    few, many = ([s for s in seen if s != "BEGIN"] for seen in (few, many))  # SQLite's BEGIN is a statement
    assert len(page.lines) == PAGE and len(many) == len(few) <= 10
