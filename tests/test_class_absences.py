"""The class teacher's reads and reasons (ACC-4): the class's day, the absences still without a reason with their
ABS-3 deadline, a reason for a whole day (ABS-2), the documents' files (ABS-4), and who has not linked (ACC-6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.absences import AbsenceService
from services.access import load_actor, system_actor
from services.attachments import AttachmentIn
from services.class_absences import ClassAbsenceService, ClassLesson
from services.errors import Conflict, Forbidden, Locked, NotFound
from services.invites import InviteService, hash_code
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceReason,
    AttachmentKind,
    AuditEntry,
    ConsentAnswer,
    DocumentKind,
    Guardianship,
    InviteCode,
    Kinship,
    Person,
    Role,
)
from tests.factories import MONDAY, TODAY, open_lesson

WEEK = timedelta(days=7)
THURSDAY, FRIDAY = date(2026, 11, 19), date(2026, 11, 20)


async def guardian_of(session, school, student: str):
    """A parent for a student the factory school gives none (ABS-1: documents come from a parent)."""
    parent = Person(school_id=school.school_id, last_name="Васильева", first_name="Дарья", middle_name="")
    session.add(parent)
    await session.flush()
    session.add(Guardianship(parent_id=parent.id, student_id=school.students[student], kinship=Kinship.MOTHER))
    await session.commit()
    return await load_actor(session, parent.id)


SCAN = AttachmentIn(kind=AttachmentKind.PHOTO, telegram_file_id="AgAD-scan", telegram_unique_id="u-scan", size=9000)


@pytest.fixture
def absences(session, clock):
    return AbsenceService(session, clock)


@pytest.fixture
def class_reads(session, clock):
    return ClassAbsenceService(session, clock)


async def absent(session, clock, school, teacher: str, assignment: str, day: date, number: int, *students: str) -> int:
    """The lesson's attendance as its teacher saves it; returns the lesson id."""
    journal = JournalService(session, clock)
    actor, view = await open_lesson(journal, school, teacher, assignment, day, number)
    await journal.save_attendance(actor, view.lesson_id, [school.students[s] for s in students])
    return view.lesson_id


async def test_unreasoned_oldest_first_with_working_day_deadlines_ABS_3(absences, class_reads, session, clock, school):
    await absent(session, clock, school, "math", "math5A", MONDAY, 1, "vasiliev")
    await absent(session, clock, school, "math", "math5A", THURSDAY, 1, "borisova", "alekseev")
    await absent(session, clock, school, "math", "math5A", FRIDAY, 2, "borisova")
    await absent(session, clock, school, "russian", "math5B", THURSDAY, 2, "zaitsev")  # 5Б: not 5А's list
    class_teacher = await load_actor(session, school.staff["math"])
    found = await class_reads.unreasoned(class_teacher, school.classes["5А"])
    assert [(a.student_name, a.date, a.lesson_number, a.subject, a.due, a.overdue) for a in found] == [
        ("Алексеев Артём", THURSDAY, 1, "Математика", MONDAY, True),  # Fri, then the weekend skipped, Mon
        ("Борисова Вера", THURSDAY, 1, "Математика", MONDAY, True),
        ("Борисова Вера", FRIDAY, 2, "Математика", TODAY, False),  # due today: not late yet
        ("Васильев Глеб", MONDAY, 1, "Математика", date(2026, 11, 25), False),
    ]
    assert all(a.editable and a.reason is None and a.class_id == school.classes["5А"] for a in found)
    await absences.set_reason(class_teacher, found[0].absence_id, AbsenceReason.EXCUSED)
    assert len(await class_reads.unreasoned(class_teacher, school.classes["5А"])) == 3


async def test_deadline_skips_the_holidays_and_old_absences_are_locked_ABS_3_J_9(
    absences, class_reads, session, clock, school
):
    clock.at(date(2026, 10, 23))  # the Friday before the autumn holidays (25 Oct – 4 Nov)
    await absent(session, clock, school, "math", "math5A", date(2026, 10, 23), 2, "grigorieva")
    clock.at(TODAY)
    class_teacher = await load_actor(session, school.staff["math"])
    [old] = await class_reads.unreasoned(class_teacher, school.classes["5А"])
    assert (old.due, old.overdue, old.editable) == (date(2026, 11, 6), True, False)  # Thu 5 and Fri 6 Nov
    with pytest.raises(Locked):
        await absences.set_day_reason(class_teacher, old.absence_id, AbsenceReason.ILLNESS)


async def test_a_documents_absences_are_due_two_working_days_after_it_arrives_ABS_3(
    absences, class_reads, session, clock, school
):
    """«No later than 2 working days after the student brings the document»: a note that comes on Monday for last
    Thursday is due on Wednesday, not overdue since Monday. An absence no document covers keeps the lesson's clock;
    a declined or withdrawn document moves nothing."""
    await absent(session, clock, school, "math", "math5A", THURSDAY, 1, "borisova", "alekseev")
    await absent(session, clock, school, "math", "math5A", FRIDAY, 2, "vasiliev")
    clock.at(MONDAY)
    father = await load_actor(session, school.parents["borisov_father"])
    await absences.submit_document(father, school.students["borisova"], THURSDAY, FRIDAY, DocumentKind.ILLNESS)
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    withdrawn = await absences.submit_document(
        mother, school.students["alekseev"], THURSDAY, THURSDAY, DocumentKind.FAMILY
    )
    await absences.withdraw_document(mother, withdrawn)
    clock.at(date(2026, 11, 10))  # a note sent ahead, before the lesson: the lesson's own day counts
    await absences.submit_document(
        await guardian_of(session, school, "vasiliev"), school.students["vasiliev"], FRIDAY, FRIDAY, DocumentKind.FAMILY
    )
    clock.at(TODAY)
    class_teacher = await load_actor(session, school.staff["math"])
    found = await class_reads.unreasoned(class_teacher, school.classes["5А"])
    assert [(a.student_name, a.date, a.due, a.overdue) for a in found] == [
        ("Алексеев Артём", THURSDAY, MONDAY, True),  # no document in hand: from the lesson
        ("Борисова Вера", THURSDAY, date(2026, 11, 25), False),  # brought on Monday: Tue, Wed
        ("Васильев Глеб", FRIDAY, TODAY, False),  # the note came first: Mon, Tue after Friday
    ]


async def test_only_the_class_teacher_reads_the_class_ACC_4(absences, class_reads, session, clock, school):
    lesson_id = await absent(session, clock, school, "math", "math5A", MONDAY, 1, "borisova")
    russian = await load_actor(session, school.staff["russian"])  # teaches 5А, leads 5Б
    for read in (class_reads.unreasoned, class_reads.class_day):
        with pytest.raises(Forbidden):
            await read(russian, school.classes["5А"])
    absence_id = await session.scalar(select(Absence.id).where(Absence.lesson_id == lesson_id))
    with pytest.raises(Forbidden):
        await class_reads.absence_day(russian, absence_id)
    with pytest.raises(Forbidden):
        await absences.set_day_reason(russian, absence_id, AbsenceReason.ILLNESS)
    with pytest.raises(NotFound):
        await class_reads.absence_day(russian, absence_id + 1000)
    assert (await session.get(Absence, absence_id)).reason is None
    deputy = await load_actor(session, school.staff["deputy"])  # ROLE-2: the administration sees every class
    assert len(await class_reads.unreasoned(deputy, school.classes["5А"])) == 1
    assert [c.name for c in await class_reads.led_classes(russian)] == ["5Б"]


async def test_a_reason_for_the_whole_day_ABS_2(absences, class_reads, session, clock, school):
    await absent(session, clock, school, "russian", "rus5A", TODAY, 1, "alekseev")
    math = await absent(session, clock, school, "math", "math5A", TODAY, 2, "alekseev")
    await absent(session, clock, school, "eng1", "eng5A1", TODAY, 3, "alekseev")
    await absent(session, clock, school, "math", "math5A", MONDAY, 1, "alekseev")  # another day: untouched
    class_teacher = await load_actor(session, school.staff["math"])
    math_absence = await session.scalar(select(Absence.id).where(Absence.lesson_id == math))
    await absences.set_reason(class_teacher, math_absence, AbsenceReason.UNEXCUSED)  # set before: kept
    day = await class_reads.absence_day(class_teacher, math_absence)
    assert [(a.lesson_number, a.subject, a.reason) for a in day] == [
        (1, "Русский язык", None),
        (2, "Математика", AbsenceReason.UNEXCUSED),
        (3, "Английский язык", None),
    ]
    assert await absences.set_day_reason(class_teacher, day[0].absence_id, AbsenceReason.ILLNESS) == 2
    reasons = [a.reason for a in await class_reads.absence_day(class_teacher, math_absence)]
    assert reasons == [AbsenceReason.ILLNESS, AbsenceReason.UNEXCUSED, AbsenceReason.ILLNESS]
    [monday] = await class_reads.unreasoned(class_teacher, school.classes["5А"])
    assert monday.date == MONDAY
    audited = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "set_reason")
    )
    assert audited == 3  # DATA-3: one entry per absence


async def test_the_class_day_shows_taken_and_missing_attendance(class_reads, session, clock, school):
    await absent(session, clock, school, "math", "math5A", TODAY, 2, "borisova", "alekseev")
    await absent(session, clock, school, "eng1", "eng5A1", TODAY, 3)
    class_teacher = await load_actor(session, school.staff["math"])
    day = await class_reads.class_day(class_teacher, school.classes["5А"])
    assert (day.class_name, day.day, day.kind) == ("5А", TODAY, "school_day")
    assert day.lessons == (
        ClassLesson(1, "Русский язык", None, False, ()),
        ClassLesson(2, "Математика", None, True, ("Алексеев Артём", "Борисова Вера")),
        ClassLesson(3, "Английский язык", "Англ. 1", True, ()),
        ClassLesson(3, "Английский язык", "Англ. 2", False, ()),
    )
    sunday = await class_reads.class_day(class_teacher, school.classes["5А"], date(2026, 11, 29))
    assert (sunday.kind, sunday.lessons) == ("weekend", ())
    holiday = await class_reads.class_day(class_teacher, school.classes["5А"], date(2026, 12, 30))
    assert (holiday.kind, holiday.holiday, holiday.lessons) == ("holiday", "Зимние каникулы", ())


async def test_document_read_for_deciding_and_its_files_ABS_4(absences, session, clock, school):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(
        father, school.students["borisova"], MONDAY, MONDAY, DocumentKind.ILLNESS, "", [SCAN]
    )
    class_teacher = await load_actor(session, school.staff["math"])
    view = await absences.pending_document(class_teacher, doc_id)
    assert (view.student_name, view.review_due, view.arrived_at.date()) == (
        "Борисова Вера Олеговна",
        date(2026, 11, 26),
        TODAY,
    )
    [file] = await absences.document_files(class_teacher, doc_id)
    assert (file.kind, file.telegram_file_id) == (AttachmentKind.PHOTO, "AgAD-scan")
    assert len(await absences.document_files(father, doc_id)) == 1  # the family sees what it sent
    russian = await load_actor(session, school.staff["russian"])  # teaches 5А, but a note is the class teacher's
    for read in (absences.pending_document, absences.document_files):
        with pytest.raises(Forbidden):
            await read(russian, doc_id)
    await absences.decide_document(class_teacher, doc_id, accept=True, reason=AbsenceReason.ILLNESS)
    with pytest.raises(Conflict):
        await absences.pending_document(class_teacher, doc_id)


async def test_unlinked_students_and_parents_and_fresh_codes_for_them_ACC_6_ACC_7(session, clock, school):
    invites = InviteService(session, clock)
    admin = system_actor(school.school_id)
    [mother] = await invites.for_person(admin, school.parents["alekseeva_mother"], WEEK)
    await invites.accept(111, mother.code)  # linked: no longer listed
    [vasiliev] = await invites.for_person(admin, school.student_persons["vasiliev"], WEEK)
    await invites.decline(222, vasiliev.code)  # said no to the consent: listed, with why
    class_teacher = await load_actor(session, school.staff["math"])
    people = await invites.unlinked(class_teacher, school.classes["5А"])
    assert [(p.role, p.full_name, p.children, p.consent, p.code_expires_at is not None) for p in people] == [
        (Role.STUDENT, "Алексеев Артём Игоревич", (), None, False),
        (Role.STUDENT, "Борисова Вера Олеговна", (), None, False),
        (Role.STUDENT, "Васильев Глеб Денисович", (), ConsentAnswer.DECLINED, True),
        (Role.STUDENT, "Григорьева Дина Ефимовна", (), None, False),
        (Role.PARENT, "Борисов Олег Ильич", ("Борисова Вера",), None, False),
    ]
    with pytest.raises(Forbidden):
        await invites.unlinked(await load_actor(session, school.staff["russian"]), school.classes["5А"])
    with pytest.raises(Forbidden):
        await invites.for_unlinked(await load_actor(session, school.staff["russian"]), school.classes["5А"], WEEK)

    codes = await invites.for_unlinked(class_teacher, school.classes["5А"], WEEK)
    assert [c.person_id for c in codes] == [p.person_id for p in people]
    fresh = (
        await session.scalars(select(InviteCode).where(InviteCode.revoked_at.is_(None), InviteCode.used_at.is_(None)))
    ).all()
    assert {c.code_hash for c in fresh} == {hash_code(c.code) for c in codes}  # Васильев's first code revoked
    assert all(c.issued_by == school.staff["math"] for c in fresh)
