"""Absence documents and reasons (ABS-1..ABS-4): parents send, the class teacher decides; a student sees the
documents sent for them but sends none (ABS-1: the reason comes from the family, not from the child's word).

The subject teacher only records «ОТ» (J-12); the reason is the class teacher's (ABS-2), set one by one
or by accepting a document, which applies it to the absences in the dates it covers; both only within the
school's edit window (J-9). What the class teacher reads of their class is services/class_absences.py's, the
ABS-3 deadlines services/absence_deadlines.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .absence_deadlines import add_working_days
from .access import Actor, check_class_teacher, get_student_for
from .attachments import AttachmentIn, check_file
from .calendar import SchoolCalendar
from .class_absences import class_absence, led_class
from .clock import Clock, school_today
from .db import write_transaction
from .diary import StudentCard
from .errors import Conflict, Forbidden, InvalidInput, Locked, NotFound
from .journal import is_locked
from .models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    Attachment,
    AttachmentKind,
    DocumentKind,
    DocumentStatus,
    Lesson,
    School,
    Student,
    utcnow,
)
from .pushes.payloads import AbsenceReasonSet, DocumentDecided, DocumentSent
from .records import audit, emit, save_once, snapshot
from .report_card import AttendanceReport, ReportCardService
from .text import clean_text

COMMENT_MAX = 1000
MAX_DOCUMENT_DAYS = 120
MAX_FILES = 10
DOCUMENT_FIELDS = ("student_id", "date_from", "date_to", "kind", "status", "reason", "decision_comment")


@dataclass(frozen=True)
class DocumentView:
    id: int
    student_id: int
    student_name: str
    class_name: str
    date_from: date
    date_to: date
    kind: DocumentKind
    comment: str
    status: DocumentStatus
    reason: AbsenceReason | None
    decision_comment: str
    created_at: datetime
    decided_at: datetime | None
    review_due: date  # ABS-3: working days after it arrived
    files: tuple[int, ...]
    submitted_by: int  # the person who sent it: only they may withdraw it
    arrived_at: datetime  # created_at in the school's time zone, as the class teacher reads it


@dataclass(frozen=True)
class DocumentDecision:
    """What deciding a document changed: how many absences got its reason, and the lesson days of those past the
    edit window (J-9), left as they were: only a correction request changes them (J-10)."""

    applied: int
    locked_days: tuple[date, ...]
    locked: int
    edit_window_days: int


@dataclass(frozen=True)
class DocumentFile:
    """A document's scan or photo (ABS-4): sent again by its file id, or from the school's file store."""

    attachment_id: int
    kind: AttachmentKind
    telegram_file_id: str
    file_name: str
    telegram_bot_id: int | None
    sha256: str | None


@dataclass(frozen=True)
class AbsenceScreen:
    """The family's /absence screen: whose, the period's attendance (DIA-1), the documents sent (ABS-1)."""

    student: StudentCard
    attendance: AttendanceReport
    documents: tuple[DocumentView, ...]


@dataclass(frozen=True)
class SendContext:
    """What a sender's form needs to read typed dates: the child, the school's today, the year's bounds."""

    student_id: int
    today: date
    year_starts: date | None
    year_ends: date | None


def check_comment(comment: str) -> str:
    """The comment as it will be kept (services/text.py), or InvalidInput when it is too long."""
    comment = clean_text(comment)
    if len(comment) > COMMENT_MAX:
        raise InvalidInput("document.comment_too_long", max=COMMENT_MAX, length=len(comment))
    return comment


class AbsenceService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def submit_document(
        self,
        actor: Actor,
        student_id: int,
        date_from: date,
        date_to: date,
        kind: DocumentKind,
        comment: str = "",
        files: Sequence[AttachmentIn] = (),
        draft: str | None = None,
    ) -> int:
        """ABS-1: a parent tells the class teacher why; future days are allowed. A student does not send.

        Everything is checked before anything is written: the document and its files are saved together or not
        at all (ABS-4); one `draft` (the form) once, AlreadySaved after.
        """
        student = await self._sender_student(actor, student_id)
        comment = check_comment(comment)
        await self._check_dates(student, date_from, date_to)
        if len(files) > MAX_FILES:
            raise InvalidInput("document.too_many_files", max=MAX_FILES)
        for file in files:
            check_file(file)
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            doc = AbsenceDocument(
                school_id=student.school_id,
                student_id=student.id,
                submitted_by=actor.person_id,
                date_from=date_from,
                date_to=date_to,
                kind=kind,
                comment=comment,
                created_at=self.clock(),  # ABS-3 counts from here: the service's clock, as every deadline
            )
            self.session.add(doc)
            await self.session.flush()
            self.session.add_all(
                Attachment(school_id=student.school_id, document_id=doc.id, uploaded_by=actor.person_id, **f.__dict__)
                for f in files
            )
            audit(
                self.session,
                school_id=student.school_id,
                actor_id=actor.person_id,
                action="add",
                entity="absence_document",
                entity_id=doc.id,
                after=snapshot(doc, *DOCUMENT_FIELDS),
            )
            emit(
                self.session,
                student.school_id,
                DocumentSent(document_id=doc.id, student_id=student.id, class_id=student.class_id),
            )
            return doc.id

    async def send_context(self, actor: Actor, student_id: int) -> SendContext:
        """Before a form is filled in: may this actor send for this student (ABS-1), and the school's today."""
        student = await self._sender_student(actor, student_id)
        school = await self.session.get_one(School, student.school_id)
        today = school_today(self.clock, school)
        year = (await SchoolCalendar.load(self.session, school.id, today)).year
        return SendContext(student.id, today, year.starts_on if year else None, year.ends_on if year else None)

    async def check_dates(self, actor: Actor, student_id: int, date_from: date, date_to: date) -> None:
        """The dates a document may cover, checked as they are typed; submit_document checks them again."""
        await self._check_dates(await self._sender_student(actor, student_id), date_from, date_to)

    async def _sender_student(self, actor: Actor, student_id: int) -> Student:
        """ABS-1: only a parent of the student sends; the student sees their documents (my_documents) but does not
        send one, as the class teacher takes a document for the family's word."""
        student = await get_student_for(self.session, actor, student_id)
        if student.id in actor.children:
            return student
        if student.id == actor.student_id:
            raise Forbidden("document.parents_send")
        raise Forbidden("document.not_your_child")

    async def _check_dates(self, student: Student, date_from: date, date_to: date) -> None:
        if date_to < date_from:
            raise InvalidInput("document.dates_reversed", date_from=date_from, date_to=date_to)
        if (date_to - date_from).days >= MAX_DOCUMENT_DAYS:
            raise InvalidInput("document.too_long_range", max_days=MAX_DOCUMENT_DAYS)
        year = (await SchoolCalendar.load(self.session, student.school_id, date_from)).year
        if year is None or date_from < year.starts_on or date_to > year.ends_on:
            raise InvalidInput("document.outside_year")

    async def withdraw_document(self, actor: Actor, document_id: int) -> None:
        """The sender takes a document back while it is still pending."""
        async with write_transaction(self.session):
            doc = await self._document(document_id, for_update=True)
            if doc.submitted_by != actor.person_id:
                if doc.student_id not in actor.children and doc.student_id != actor.student_id:
                    raise NotFound("document.not_found")  # another family's: ids are not to be probed
                raise Forbidden("document.not_yours")  # the other parent's
            if doc.status != DocumentStatus.PENDING:
                raise Conflict("document.already_decided", status=doc.status)
            before = snapshot(doc, *DOCUMENT_FIELDS)
            doc.status = DocumentStatus.WITHDRAWN
            audit(
                self.session,
                school_id=doc.school_id,
                actor_id=actor.person_id,
                action="withdraw",
                entity="absence_document",
                entity_id=doc.id,
                before=before,
                after=snapshot(doc, *DOCUMENT_FIELDS),
            )

    async def family_screen(self, actor: Actor, student_id: int) -> AbsenceScreen:
        """The family's /absence screen in one call with one access check (ACC-1, ACC-2): the period's attendance
        and the documents sent for the child."""
        student = await get_student_for(self.session, actor, student_id)
        attendance = await ReportCardService(self.session, self.clock).attendance_of(student)
        return AbsenceScreen(StudentCard.of(student), attendance, tuple(await self._documents_of(student)))

    async def my_documents(self, actor: Actor, student_id: int) -> list[DocumentView]:
        """What a parent or student sent for this child, newest first, with the status."""
        return await self._documents_of(await get_student_for(self.session, actor, student_id))

    async def _documents_of(self, student: Student) -> list[DocumentView]:
        docs = (
            await self.session.scalars(
                select(AbsenceDocument)
                .where(AbsenceDocument.student_id == student.id)
                .order_by(AbsenceDocument.created_at.desc(), AbsenceDocument.id.desc())
            )
        ).all()
        return await self._views(student.school_id, docs)

    async def inbox(self, actor: Actor, class_id: int) -> list[DocumentView]:
        """ACC-4: the class teacher's pending documents, oldest first."""
        class_group = await led_class(self.session, actor, class_id)
        docs = (
            (
                await self.session.scalars(
                    select(AbsenceDocument)
                    .join(Student, Student.id == AbsenceDocument.student_id)
                    .where(Student.class_id == class_group.id, AbsenceDocument.status == DocumentStatus.PENDING)
                    .order_by(AbsenceDocument.created_at, AbsenceDocument.id)
                )
            )
            .unique()
            .all()
        )
        return await self._views(class_group.school_id, docs)

    async def decide_document(
        self,
        actor: Actor,
        document_id: int,
        *,
        accept: bool,
        reason: AbsenceReason | None = None,
        comment: str = "",
    ) -> DocumentDecision:
        """ABS-2..ABS-4: accept with a reason, applied to the absences the document covers within the edit window
        (J-9, as set_reason), or decline. Older absences keep their reason and are named in the result. A document
        is decided once.
        """
        comment = check_comment(comment)
        if accept and reason is None:
            raise InvalidInput("document.reason_required")
        if not accept and not comment:
            raise InvalidInput("document.comment_required")
        async with write_transaction(self.session):
            doc = await self._document(document_id, for_update=True)
            student = await self.session.get_one(Student, doc.student_id)
            await check_class_teacher(actor, student.class_group)
            if doc.status != DocumentStatus.PENDING:
                raise Conflict("document.already_decided", status=doc.status)
            before = snapshot(doc, *DOCUMENT_FIELDS)
            doc.status = DocumentStatus.ACCEPTED if accept else DocumentStatus.DECLINED
            doc.reason = reason if accept else None
            doc.decided_by, doc.decided_at, doc.decision_comment = actor.person_id, utcnow(), comment
            audit(
                self.session,
                school_id=doc.school_id,
                actor_id=actor.person_id,
                action="decide",
                entity="absence_document",
                entity_id=doc.id,
                before=before,
                after=snapshot(doc, *DOCUMENT_FIELDS),
            )
            school = await self.session.get_one(School, doc.school_id)
            today = school_today(self.clock, school)
            applied, locked = 0, []
            if accept:
                rows = await self.session.execute(
                    select(Absence, Lesson.date)
                    .join(Lesson, Lesson.id == Absence.lesson_id)
                    .where(Absence.student_id == doc.student_id, Lesson.date.between(doc.date_from, doc.date_to))
                    .order_by(Lesson.date, Lesson.lesson_number)
                )
                for absence, day in rows:
                    if is_locked(day, school, today):
                        locked.append(day)
                        continue
                    self._set_reason(actor, absence, reason, doc.school_id, document_id=doc.id)
                    applied += 1
            emit(
                self.session,
                doc.school_id,
                DocumentDecided(
                    document_id=doc.id,
                    student_id=doc.student_id,
                    submitted_by=doc.submitted_by,
                    status=doc.status,
                    reason=reason,
                    applied=applied,
                    locked=len(locked),
                ),
            )
            return DocumentDecision(applied, tuple(sorted(set(locked))), len(locked), school.edit_window_days)

    async def set_reason(self, actor: Actor, absence_id: int, reason: AbsenceReason | None) -> None:
        """ABS-2: the class teacher sets (or clears) one absence's reason, within the edit window (J-9)."""
        async with write_transaction(self.session):
            absence, _lesson, school = await self._absence_for_write(actor, absence_id)
            self._set_reason(actor, absence, reason, school.id)

    async def set_day_reason(self, actor: Actor, absence_id: int, reason: AbsenceReason) -> int:
        """ABS-2 for a whole day at once (a note usually covers the day): this absence and the student's other
        absences of that day still without a reason. Returns how many got it."""
        async with write_transaction(self.session):
            absence, lesson, school = await self._absence_for_write(actor, absence_id)
            others = (
                await self.session.scalars(
                    select(Absence)
                    .join(Lesson, Lesson.id == Absence.lesson_id)
                    .where(
                        Absence.student_id == absence.student_id,
                        Lesson.date == lesson.date,
                        Absence.reason.is_(None),
                        Absence.id != absence.id,
                    )
                    .order_by(Lesson.lesson_number)
                )
            ).all()
            for each in (absence, *others):
                self._set_reason(actor, each, reason, school.id)
            return 1 + len(others)

    async def pending_document(self, actor: Actor, document_id: int) -> DocumentView:
        """The document a class teacher is about to decide: of their class (ACC-4) and still pending."""
        doc = await self._document(document_id)
        student = await self.session.get_one(Student, doc.student_id)
        await check_class_teacher(actor, student.class_group)
        if doc.status != DocumentStatus.PENDING:
            raise Conflict("document.already_decided", status=doc.status)
        [view] = await self._views(doc.school_id, [doc])
        return view

    async def document_files(self, actor: Actor, document_id: int) -> list[DocumentFile]:
        """ABS-4: the document's photos and scans, for the class teacher of the student or the student's family."""
        doc = await self._document(document_id)
        if doc.student_id not in actor.children and doc.student_id != actor.student_id:
            student = await self.session.get_one(Student, doc.student_id)
            await check_class_teacher(actor, student.class_group)
        return [
            DocumentFile(a.id, a.kind, a.telegram_file_id, a.file_name, a.telegram_bot_id, a.sha256)
            for a in doc.attachments
        ]

    async def _absence_for_write(self, actor: Actor, absence_id: int) -> tuple[Absence, Lesson, School]:
        """ACC-4 and J-9: an absence of the actor's class, within the edit window."""
        absence, _student = await class_absence(self.session, actor, absence_id)
        lesson = await self.session.get_one(Lesson, absence.lesson_id)
        school = await self.session.get_one(School, lesson.school_id)
        if is_locked(lesson.date, school, school_today(self.clock, school)):
            raise Locked("journal.locked", date=lesson.date, days=school.edit_window_days)
        return absence, lesson, school

    def _set_reason(
        self,
        actor: Actor,
        absence: Absence,
        reason: AbsenceReason | None,
        school_id: int,
        document_id: int | None = None,
    ) -> None:
        before = snapshot(absence, "reason", "document_id")
        absence.reason, absence.document_id = reason, document_id
        absence.reason_set_by, absence.reason_set_at = actor.person_id, utcnow()
        audit(
            self.session,
            school_id=school_id,
            actor_id=actor.person_id,
            action="set_reason",
            entity="absence",
            entity_id=absence.id,
            before=before,
            after=snapshot(absence, "reason", "document_id"),
        )
        emit(
            self.session,
            school_id,
            AbsenceReasonSet(
                absence_id=absence.id, student_id=absence.student_id, lesson_id=absence.lesson_id, reason=reason
            ),
        )

    async def _document(self, document_id: int, *, for_update: bool = False) -> AbsenceDocument:
        query = select(AbsenceDocument).where(AbsenceDocument.id == document_id)
        if for_update:  # the row as committed now, not as this session read it before (a second tap's status)
            query = query.with_for_update().execution_options(populate_existing=True)
        doc = await self.session.scalar(query)
        if doc is None:
            raise NotFound("document.not_found")
        return doc

    async def _views(self, school_id: int, docs: Sequence[AbsenceDocument]) -> list[DocumentView]:
        """The school and its calendar are read once for the whole list, not per document."""
        school = await self.session.get_one(School, school_id)
        calendar = await SchoolCalendar.load(self.session, school_id, school_today(self.clock, school))
        zone = ZoneInfo(school.timezone)
        views = []
        for doc in docs:
            student = await self.session.get_one(Student, doc.student_id)  # from the identity map after the first
            arrived = doc.created_at.astimezone(zone)
            views.append(
                DocumentView(
                    id=doc.id,
                    student_id=student.id,
                    student_name=student.person.full_name,
                    class_name=student.class_group.name,
                    date_from=doc.date_from,
                    date_to=doc.date_to,
                    kind=doc.kind,
                    comment=doc.comment,
                    status=doc.status,
                    reason=doc.reason,
                    decision_comment=doc.decision_comment,
                    created_at=doc.created_at,
                    decided_at=doc.decided_at,
                    review_due=add_working_days(
                        arrived.date(), school.absence_review_days, calendar, student.class_group.grade
                    ),
                    files=tuple(a.id for a in doc.attachments),
                    submitted_by=doc.submitted_by,
                    arrived_at=arrived,
                )
            )
        return views
