"""Absence documents and reasons: parents send (ABS-1), the class teacher decides (ABS-2..ABS-4, ACC-4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.absences import AbsenceService, DocumentDecision
from services.access import load_actor
from services.attachments import AttachmentIn, check_file
from services.errors import Conflict, Forbidden, InvalidInput, Locked, NotFound
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    Attachment,
    AttachmentKind,
    DocumentKind,
    DocumentStatus,
    EventKind,
    Lesson,
    OutboxEvent,
)
from tests.factories import MONDAY, TODAY

SCAN = AttachmentIn(kind=AttachmentKind.PHOTO, telegram_file_id="AgAD-file", telegram_unique_id="uniq-1", size=120_000)


@pytest.fixture
def absences(session, clock):
    return AbsenceService(session, clock)


@pytest.fixture
async def borisova_absent(session, clock, school):
    """Borisova misses math on Monday and Tuesday."""
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    for day, number in ((MONDAY, 1), (TODAY, 2)):
        view = await journal.open_lesson(teacher, school.assignments["math5A"], day, number)
        await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])


async def test_parent_sends_a_document_and_the_class_teacher_accepts_it_ABS_1_ABS_2(
    absences, session, school, borisova_absent
):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(
        father, school.students["borisova"], MONDAY, TODAY, DocumentKind.ILLNESS, "Справка из поликлиники", [SCAN]
    )
    class_teacher = await load_actor(session, school.staff["math"])
    inbox = await absences.inbox(class_teacher, school.classes["5А"])
    assert [(d.id, d.student_name, d.status, len(d.files)) for d in inbox] == [
        (doc_id, "Борисова Вера Олеговна", DocumentStatus.PENDING, 1)
    ]
    assert inbox[0].review_due == date(2026, 11, 26)  # ABS-3: two working days after Tuesday
    decision = await absences.decide_document(class_teacher, doc_id, accept=True, reason=AbsenceReason.ILLNESS)
    assert (decision.applied, decision.locked) == (2, 0)
    reasons = (
        await session.scalars(select(Absence.reason).where(Absence.student_id == school.students["borisova"]))
    ).all()
    assert reasons == [AbsenceReason.ILLNESS, AbsenceReason.ILLNESS]
    doc = await session.get(AbsenceDocument, doc_id)
    assert (doc.status, doc.decided_by) == (DocumentStatus.ACCEPTED, school.staff["math"])
    # ABS-4: the scan is kept with the document.
    assert (
        await session.scalar(select(func.count()).select_from(Attachment).where(Attachment.document_id == doc_id)) == 1
    )
    kinds = (
        await session.scalars(
            select(OutboxEvent.kind)
            .where(OutboxEvent.kind.in_([EventKind.DOCUMENT_SENT, EventKind.DOCUMENT_DECIDED]))
            .order_by(OutboxEvent.id)
        )
    ).all()
    assert kinds == [EventKind.DOCUMENT_SENT, EventKind.DOCUMENT_DECIDED]
    assert await absences.inbox(class_teacher, school.classes["5А"]) == []


async def test_a_document_is_decided_only_once(absences, session, school, borisova_absent):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(father, school.students["borisova"], MONDAY, MONDAY, DocumentKind.FAMILY)
    class_teacher = await load_actor(session, school.staff["math"])
    await absences.decide_document(class_teacher, doc_id, accept=False, comment="Нужна справка")
    with pytest.raises(Conflict) as err:
        await absences.decide_document(class_teacher, doc_id, accept=True, reason=AbsenceReason.EXCUSED)
    assert err.value.code == "document.already_decided"
    doc = await session.get(AbsenceDocument, doc_id)
    await session.refresh(doc)
    assert (doc.status, doc.reason) == (DocumentStatus.DECLINED, None)
    assert (await session.scalars(select(Absence.reason))).all() == [None, None]


async def test_accepted_document_gives_its_reason_to_later_absences_in_its_dates(absences, session, clock, school):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(
        father, school.students["borisova"], TODAY, TODAY + timedelta(days=2), DocumentKind.ILLNESS
    )
    await absences.decide_document(
        await load_actor(session, school.staff["math"]), doc_id, accept=True, reason=AbsenceReason.ILLNESS
    )
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["russian"])
    view = await journal.open_lesson(teacher, school.assignments["rus5A"], TODAY, 1)
    await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])
    absence = await session.scalar(select(Absence))
    assert (absence.reason, absence.document_id) == (AbsenceReason.ILLNESS, doc_id)


async def test_only_the_class_teacher_decides_ACC_4(absences, session, school, borisova_absent):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(father, school.students["borisova"], MONDAY, MONDAY, DocumentKind.ILLNESS)
    for outsider in ("russian", "eng1"):  # 5Б's class teacher; a subject teacher of 5А
        with pytest.raises(Forbidden):
            await absences.decide_document(
                await load_actor(session, school.staff[outsider]), doc_id, accept=True, reason=AbsenceReason.ILLNESS
            )
        with pytest.raises(Forbidden):
            await absences.inbox(await load_actor(session, school.staff[outsider]), school.classes["5А"])
    with pytest.raises(Forbidden):  # a parent cannot decide their own document
        await absences.decide_document(father, doc_id, accept=True, reason=AbsenceReason.ILLNESS)
    assert (await session.get(AbsenceDocument, doc_id)).status == DocumentStatus.PENDING


async def test_parent_cannot_send_for_another_familys_child_ABS_1(absences, session, school):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    with pytest.raises(Forbidden):
        await absences.submit_document(mother, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS)
    teacher = await load_actor(session, school.staff["math"])  # sees the class, but is not the family
    with pytest.raises(Forbidden):
        await absences.submit_document(teacher, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS)
    assert await session.scalar(select(func.count()).select_from(AbsenceDocument)) == 0


@pytest.mark.parametrize(
    ("date_from", "date_to", "comment", "code"),
    [
        (TODAY, MONDAY, "", "document.dates_reversed"),
        (date(2027, 6, 1), date(2027, 6, 2), "", "document.outside_year"),
        (TODAY, TODAY, "я" * 5000, "document.comment_too_long"),
    ],
)
async def test_bad_document_input_is_refused_and_nothing_saved(
    absences, session, school, date_from, date_to, comment, code
):
    father = await load_actor(session, school.parents["borisov_father"])
    with pytest.raises(InvalidInput) as err:
        await absences.submit_document(
            father, school.students["borisova"], date_from, date_to, DocumentKind.OTHER, comment, [SCAN]
        )
    assert err.value.code == code
    assert await session.scalar(select(func.count()).select_from(AbsenceDocument)) == 0
    assert await session.scalar(select(func.count()).select_from(Attachment)) == 0


async def test_sender_withdraws_while_pending_only(absences, session, school):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(father, school.students["borisova"], TODAY, TODAY, DocumentKind.FAMILY)
    await absences.withdraw_document(father, doc_id)
    mine = await absences.my_documents(father, school.students["borisova"])
    assert [d.status for d in mine] == [DocumentStatus.WITHDRAWN]
    with pytest.raises(Conflict):
        await absences.withdraw_document(father, doc_id)


async def test_class_teacher_sets_a_reason_within_the_window_ABS_2_J_9(
    absences, session, clock, school, borisova_absent
):
    class_teacher = await load_actor(session, school.staff["math"])
    absence_id = await session.scalar(select(Absence.id).order_by(Absence.id))
    await absences.set_reason(class_teacher, absence_id, AbsenceReason.UNEXCUSED)
    assert await session.scalar(select(Absence.reason).where(Absence.id == absence_id)) == AbsenceReason.UNEXCUSED
    with pytest.raises(Forbidden):  # the subject teacher records «ОТ» only (J-12)
        await absences.set_reason(await load_actor(session, school.staff["russian"]), absence_id, AbsenceReason.EXCUSED)
    clock.at(MONDAY + timedelta(days=15))
    with pytest.raises(Locked):
        await absences.set_reason(class_teacher, absence_id, AbsenceReason.EXCUSED)
    assert await session.scalar(select(Absence.reason).where(Absence.id == absence_id)) == AbsenceReason.UNEXCUSED


async def test_a_document_gives_its_reason_only_within_the_edit_window_J_9_J_10(
    absences, session, clock, school, borisova_absent
):
    """Accepting a document sets no reason that set_reason would refuse: older absences stay as they were and are
    named, for a correction request."""
    old_day = date(2026, 11, 5)  # a Thursday after the autumn holidays, 19 days before TODAY: past 14 days
    clock.at(old_day)
    journal, teacher = JournalService(session, clock), await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(teacher, school.assignments["math5A"], old_day, 1)
    await journal.save_attendance(teacher, view.lesson_id, [school.students["borisova"]])
    clock.at(TODAY)
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(father, school.students["borisova"], old_day, TODAY, DocumentKind.ILLNESS)

    decision = await absences.decide_document(teacher, doc_id, accept=True, reason=AbsenceReason.ILLNESS)

    assert decision == DocumentDecision(applied=2, locked_days=(old_day,), locked=1, edit_window_days=14)
    reasons = (await session.execute(select(Lesson.date, Absence.reason).join(Lesson).order_by(Lesson.date))).all()
    assert reasons == [(old_day, None), (MONDAY, AbsenceReason.ILLNESS), (TODAY, AbsenceReason.ILLNESS)]
    event = await session.scalar(select(OutboxEvent).where(OutboxEvent.kind == EventKind.DOCUMENT_DECIDED))
    assert event.payload["applied"] == 2  # the family is told of what was changed


# ---- what the parents' form checks as it goes (added with the /absence flow) -------------------------------

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("file", "code"),
    [
        (AttachmentIn(AttachmentKind.PHOTO, "AgAD-big", "u-big", size=20 * MB + 1), "document.file_too_big"),
        (AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-v", "u-v", "clip.mp4", "video/mp4", 3 * MB), "document.file_kind"),
        (
            AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-x", "u-x", "setup.exe", "application/x-msdownload"),
            "document.file_kind",
        ),
        (AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-z", "u-z", "scans.zip", "application/zip"), "document.file_kind"),
        # a program that says it is a picture is still a program
        (AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-p", "u-p", "photo.exe", "image/png"), "document.file_kind"),
        (
            AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-b", "u-b", "scan.pdf", "application/pdf", 20 * MB + 1),
            "document.file_too_big",
        ),
    ],
)
async def test_a_file_telegram_will_not_hand_over_or_of_another_kind_is_refused_ABS_4(
    absences, session, school, file, code
):
    with pytest.raises(InvalidInput) as err:
        check_file(file)
    assert err.value.code == code
    father = await load_actor(session, school.parents["borisov_father"])
    with pytest.raises(InvalidInput):  # submit checks again, and writes nothing
        await absences.submit_document(
            father, school.students["borisova"], TODAY, TODAY, DocumentKind.ILLNESS, files=[SCAN, file]
        )
    assert await session.scalar(select(func.count()).select_from(AbsenceDocument)) == 0
    assert await session.scalar(select(func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize(
    "file",
    [
        SCAN,
        AttachmentIn(AttachmentKind.PHOTO, "AgAD-20", "u-20", size=20 * MB),  # exactly the limit
        AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-pdf", "u-pdf", "справка.PDF", "application/pdf", 2 * MB),
        AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-jpg", "u-jpg", "scan.jpeg", "image/jpeg", 4 * MB),
        AttachmentIn(AttachmentKind.DOCUMENT, "BQAD-heic", "u-heic", "IMG_0001.HEIC", "", 1 * MB),  # type from the name
    ],
)
def test_photos_pdfs_and_pictures_are_taken_ABS_4(file):
    check_file(file)


async def test_send_context_is_for_the_family_only_ABS_1_ACC_2(absences, session, school, clock):
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    context = await absences.send_context(mother, school.students["alekseeva"])
    assert (context.student_id, context.today, context.year_starts, context.year_ends) == (
        school.students["alekseeva"],
        TODAY,
        date(2026, 9, 1),
        date(2027, 5, 31),
    )
    with pytest.raises(Forbidden) as err:  # another family's child looks like nobody
        await absences.send_context(mother, school.students["borisova"])
    assert err.value.code == "student.not_yours"
    with pytest.raises(Forbidden) as err:  # the class teacher sees the student, but is not the family
        await absences.send_context(await load_actor(session, school.staff["math"]), school.students["borisova"])
    assert err.value.code == "document.not_your_child"


async def test_a_student_sees_the_documents_sent_for_them_but_sends_none_ABS_1(absences, session, school):
    """ABS-1: the reason comes from the parents; the child's own word is not a document of the family."""
    student = await load_actor(session, school.student_persons["alekseev"])
    for send in (
        absences.send_context(student, school.students["alekseev"]),
        absences.check_dates(student, school.students["alekseev"], TODAY, TODAY),
        absences.submit_document(student, school.students["alekseev"], TODAY, TODAY, DocumentKind.FAMILY),
    ):
        with pytest.raises(Forbidden) as err:
            await send
        assert err.value.code == "document.parents_send"
    assert await session.scalar(select(func.count()).select_from(AbsenceDocument)) == 0
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    doc_id = await absences.submit_document(mother, school.students["alekseev"], TODAY, TODAY, DocumentKind.ILLNESS)
    assert [d.id for d in await absences.my_documents(student, school.students["alekseev"])] == [doc_id]


@pytest.mark.parametrize(
    ("date_from", "date_to", "code"),
    [
        (TODAY, MONDAY, "document.dates_reversed"),
        (TODAY, TODAY + timedelta(days=200), "document.too_long_range"),
        (date(2027, 6, 1), date(2027, 6, 1), "document.outside_year"),
    ],
)
async def test_dates_are_checked_as_they_are_typed(absences, session, school, date_from, date_to, code):
    father = await load_actor(session, school.parents["borisov_father"])
    with pytest.raises(InvalidInput) as err:
        await absences.check_dates(father, school.students["borisova"], date_from, date_to)
    assert err.value.code == code
    await absences.check_dates(father, school.students["borisova"], TODAY, TODAY + timedelta(days=3))  # future: fine


async def test_another_familys_document_cannot_be_withdrawn_and_the_list_says_who_sent(absences, session, school):
    father = await load_actor(session, school.parents["borisov_father"])
    doc_id = await absences.submit_document(father, school.students["borisova"], TODAY, TODAY, DocumentKind.FAMILY)
    mother = await load_actor(session, school.parents["alekseeva_mother"])
    with pytest.raises(NotFound) as err:  # the same answer as for an id that does not exist (ACC-2)
        await absences.withdraw_document(mother, doc_id)
    assert err.value.code == "document.not_found"
    with pytest.raises(NotFound):
        await absences.withdraw_document(mother, doc_id + 1000)
    [view] = await absences.my_documents(father, school.students["borisova"])
    assert (view.status, view.submitted_by) == (DocumentStatus.PENDING, school.parents["borisov_father"])
