"""J-10: «Замена сведений в электронном журнале» — changing a lesson past the edit window.

The teacher files a request with the list of changes and the reason; the deputy director or the
administrator applies or declines it; both outcomes are recorded and the teacher is told (outbox).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep
from .clock import Clock, school_today
from .correction_changes import (
    AddMark,
    Change,
    ChangeMark,
    DeleteMark,
    SetAbsent,
    SetPresent,
    SetTopic,
    change_of,
    change_to_json,
)
from .db import write_transaction
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .grading import check_mark_value
from .journal import (
    LessonView,
    add_mark,
    apply_attendance,
    change_mark,
    check_topic,
    delete_mark,
    is_locked,
    roster_of,
    set_lesson_fields,
)
from .models import (
    Absence,
    Account,
    Channel,
    CorrectionRequest,
    CorrectionStatus,
    Lesson,
    Mark,
    Person,
    PersonAccount,
    Role,
    School,
    StaffRole,
    Student,
    WorkType,
    utcnow,
)
from .pushes.payloads import CorrectionDecided, CorrectionRequested
from .records import audit, audit_cause, emit, save_once, snapshot
from .text import clean_text, required_text

REASON_MAX = 1000
COMMENT_MAX = 1000
MAX_CHANGES = 60


@dataclass(frozen=True)
class ChangeView:
    """One change in words (J-10's list of changes): whose, which marks, which topic."""

    op: str  # the change's kind (services/correction_changes.py)
    student: str = ""  # the student's full name, for marks and attendance
    value: int | None = None  # the mark to give
    old_value: int | None = None  # the mark changed or deleted
    work_type: str = ""
    topic: str = ""


@dataclass(frozen=True)
class CorrectionView:
    """A request with what J-10 says it records, named for the reader."""

    id: int
    created_at: datetime
    requested_on: date  # the request's date, in the school's time zone
    class_id: int
    class_name: str
    subgroup: str | None
    subject_id: int
    subject: str
    lesson_id: int
    lesson_date: date
    lesson_number: int
    requested_by: int
    teacher: str
    changes: tuple[Change, ...]
    described: tuple[ChangeView, ...]
    reason: str
    status: CorrectionStatus
    decision_comment: str


@dataclass(frozen=True)
class Chat:
    """A Telegram chat of a person, and the language they read."""

    chat_id: int
    locale: str


def topic_change(topic: str) -> SetTopic:
    """A topic for a locked lesson (J-14), checked as set_topic checks it, before the reason is asked."""
    return SetTopic(topic=check_topic(topic))


def describe_in(view: LessonView, changes: Sequence[Change]) -> tuple[ChangeView, ...]:
    """The changes in words from the lesson the teacher sees (names and marks of its roster)."""
    names = {entry.student_id: entry.name for entry in view.roster}
    marks = {
        mark_id: (entry.name, value, work_type) for entry in view.roster for mark_id, value, work_type in entry.marks
    }
    return tuple(_change_view(change, names, marks) for change in changes)


def _change_view(
    change: Change,
    names: dict[int, str],
    marks: Mapping[int, tuple[str, int | None, str]],
    work_types: dict[int, str] | None = None,
) -> ChangeView:
    if isinstance(change, SetTopic):
        return ChangeView(change.op, topic=change.topic)
    student, old_value, work_type = "", None, ""
    if isinstance(change, (ChangeMark, DeleteMark)):  # named by the mark as the teacher sees it, unless kept
        student, old_value, work_type = marks.get(change.mark_id, (student, old_value, work_type))
        old_value = old_value if change.old_value is None else change.old_value
    value, work_type_id = None, None
    if isinstance(change, (AddMark, ChangeMark)):
        value, work_type_id = change.value, change.work_type_id
    student = names.get(change.student_id, student) if change.student_id is not None else student
    work_type = (work_types or {}).get(work_type_id, work_type) if work_type_id is not None else work_type
    return ChangeView(change.op, student=student, value=value, old_value=old_value, work_type=work_type)


class CorrectionService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def request(
        self, actor: Actor, lesson_id: int, changes: Sequence[Change], reason: str, draft: str | None = None
    ) -> int:
        """File a request for a locked lesson; every change is checked now, so a decision cannot fail on it.
        One `draft` files one request: a second reason sent for it raises AlreadySaved."""
        reason = required_text(reason, "correction.reason_required")
        if len(reason) > REASON_MAX:
            raise InvalidInput("correction.reason_too_long", max=REASON_MAX)
        if not changes or len(changes) > MAX_CHANGES:
            raise InvalidInput("correction.no_changes", max=MAX_CHANGES)
        lesson = await self.session.get(Lesson, lesson_id)
        if lesson is None:
            raise NotFound("lesson.not_found")
        await check_keep(self.session, actor, lesson.assignment, lesson.date)
        school = await self.session.get_one(School, lesson.school_id)
        if not is_locked(lesson.date, school, school_today(self.clock, school)):
            raise InvalidInput("correction.not_needed", days=school.edit_window_days)
        await self._validate(lesson, school, changes)
        stored = [change_to_json(await self._with_mark_owner(change)) for change in changes]
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            req = CorrectionRequest(
                school_id=school.id,
                requested_by=actor.person_id,
                lesson_id=lesson.id,
                class_id=lesson.assignment.class_id,
                subject_id=lesson.assignment.subject_id,
                lesson_date=lesson.date,
                changes=stored,
                reason=reason,
                created_at=self.clock(),
            )
            self.session.add(req)
            await self.session.flush()
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id,
                action="add",
                entity="correction_request",
                entity_id=req.id,
                after={"lesson_id": lesson.id, "changes": stored},
            )
            deciders = await self.session.scalars(
                select(StaffRole.person_id)
                .join(Person, Person.id == StaffRole.person_id)
                .where(Person.school_id == school.id, StaffRole.role.in_((Role.DEPUTY, Role.ADMIN)))
            )
            emit(
                self.session, school.id, CorrectionRequested(request_id=req.id, to_persons=tuple(sorted(set(deciders))))
            )
            return req.id

    async def pending(self, actor: Actor) -> list[CorrectionView]:
        """The school's requests waiting for a decision, oldest first, named for the deputy director."""
        self._check_decider(actor)
        rows = await self.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.school_id == actor.school_id, CorrectionRequest.status == CorrectionStatus.PENDING)
            .order_by(CorrectionRequest.created_at, CorrectionRequest.id)
        )
        return [await self._view(r) for r in rows]

    async def to_decide(self, actor: Actor, request_id: int) -> CorrectionView:
        """A request still waiting: asked before a decline's comment is typed, so a decided one says so at once."""
        self._check_decider(actor)
        req = await self.session.get(CorrectionRequest, request_id)
        if req is None or req.school_id != actor.school_id:
            raise NotFound("correction.not_found")
        if req.status != CorrectionStatus.PENDING:
            raise Conflict("correction.already_decided", status=req.status)
        return await self._view(req)

    async def decide(self, actor: Actor, request_id: int, *, apply: bool, comment: str = "") -> CorrectionView:
        """Apply every change (past the lock, as the administration may) or decline with a comment for the
        teacher; recorded either way, and the decision goes to the outbox."""
        self._check_decider(actor)
        comment = clean_text(comment)
        async with write_transaction(self.session):
            req = await self.session.scalar(
                select(CorrectionRequest)
                .where(CorrectionRequest.id == request_id)
                .with_for_update()
                .execution_options(populate_existing=True)  # its status as committed, not as read before
            )
            if req is None or req.school_id != actor.school_id:
                raise NotFound("correction.not_found")
            if req.status != CorrectionStatus.PENDING:
                raise Conflict("correction.already_decided", status=req.status)
            if not apply and not comment:
                raise InvalidInput("correction.comment_required")
            if len(comment) > COMMENT_MAX:
                raise InvalidInput("correction.comment_too_long", max=COMMENT_MAX, length=len(comment))
            if apply:
                lesson = await self.session.get_one(Lesson, req.lesson_id)
                school = await self.session.get_one(School, req.school_id)
                changes = [change_of(change) for change in req.changes]
                await self._validate(lesson, school, changes)
                with audit_cause(f"correction:{req.id}"):  # DATA-3: the history says «по заявке №…»
                    await self._apply(actor, lesson, school, changes)
            before = snapshot(req, "status")
            req.status = CorrectionStatus.APPLIED if apply else CorrectionStatus.DECLINED
            req.decided_by, req.decided_at, req.decision_comment = actor.person_id, utcnow(), comment
            audit(
                self.session,
                school_id=req.school_id,
                actor_id=actor.person_id,
                action="decide",
                entity="correction_request",
                entity_id=req.id,
                before=before,
                after=snapshot(req, "status", "decision_comment"),
            )
            emit(
                self.session,
                req.school_id,
                CorrectionDecided(
                    request_id=req.id, teacher_id=req.requested_by, status=req.status, lesson_id=req.lesson_id
                ),
            )
        return await self._view(req)

    async def teacher_chats(self, actor: Actor, request_id: int, channel: Channel = Channel.TELEGRAM) -> list[Chat]:
        """The chats of the teacher who asked on `channel` (the messenger of the bot that tells them), to tell them the decision in their language."""
        self._check_decider(actor)
        req = await self.session.get(CorrectionRequest, request_id)
        if req is None or req.school_id != actor.school_id:
            raise NotFound("correction.not_found")
        rows = await self.session.execute(
            select(Account.id, Account.locale)
            .join(PersonAccount, PersonAccount.account_id == Account.id)
            .where(PersonAccount.person_id == req.requested_by, Account.channel == channel, Account.is_active)
            .order_by(PersonAccount.id)
        )
        return [Chat(chat_id, locale) for chat_id, locale in rows.all()]

    @staticmethod
    def _check_decider(actor: Actor) -> None:
        if not actor.has(Role.DEPUTY, Role.ADMIN):
            raise Forbidden("correction.not_allowed")

    async def _validate(self, lesson: Lesson, school: School, changes: Sequence[Change]) -> None:
        roster = {s.id for s in await roster_of(self.session, lesson.assignment, lesson.date)}
        grade = lesson.assignment.class_group.grade
        for change in changes:
            if isinstance(change, (AddMark, SetAbsent, SetPresent)) and change.student_id not in roster:
                raise Forbidden("student.not_in_lesson")
            if isinstance(change, (AddMark, ChangeMark)):
                check_mark_value(school, grade, int(change.value))
                work_type = await self.session.get(WorkType, change.work_type_id or 0)
                if isinstance(change, AddMark) and (work_type is None or work_type.school_id != school.id):
                    raise InvalidInput("mark.unknown_work_type")
            if isinstance(change, (ChangeMark, DeleteMark)):
                mark = await self.session.get(Mark, change.mark_id or 0)
                if mark is None or mark.lesson_id != lesson.id:
                    raise NotFound("mark.not_found")
            if isinstance(change, SetTopic):
                check_topic(str(change.topic))

    async def _apply(self, actor: Actor, lesson: Lesson, school: School, changes: Sequence[Change]) -> None:
        absent = set(
            (await self.session.scalars(select(Absence.student_id).where(Absence.lesson_id == lesson.id))).all()
        )
        attendance_changed = False
        for change in changes:
            if isinstance(change, AddMark):
                work_type = await self.session.get_one(WorkType, change.work_type_id)
                await add_mark(
                    self.session, actor.person_id, lesson, school, change.student_id, int(change.value), work_type
                )
            elif isinstance(change, ChangeMark):
                mark = await self.session.get_one(Mark, change.mark_id)
                work_type = await self.session.get_one(WorkType, change.work_type_id or mark.work_type_id)
                await change_mark(self.session, actor.person_id, lesson, school, mark, int(change.value), work_type)
            elif isinstance(change, DeleteMark):
                await delete_mark(
                    self.session, actor.person_id, lesson, await self.session.get_one(Mark, change.mark_id)
                )
            elif isinstance(change, SetTopic):
                set_lesson_fields(self.session, actor.person_id, lesson, topic=str(change.topic).strip())
            else:
                attendance_changed = True
                (absent.add if isinstance(change, SetAbsent) else absent.discard)(change.student_id)
        if attendance_changed:
            await apply_attendance(self.session, actor.person_id, lesson, absent)

    async def _with_mark_owner(self, change: Change) -> Change:
        """A mark's student and value as they are now, kept with the change: a deleted mark is still named."""
        if not isinstance(change, (ChangeMark, DeleteMark)):
            return change
        mark = await self.session.get_one(Mark, change.mark_id)
        return replace(change, student_id=mark.student_id, old_value=mark.value)

    async def _view(self, r: CorrectionRequest) -> CorrectionView:
        lesson = await self.session.get_one(Lesson, r.lesson_id)
        school = await self.session.get_one(School, r.school_id)
        teacher = await self.session.get_one(Person, r.requested_by)
        changes = [change_of(change) for change in r.changes]
        students = (
            (
                await self.session.scalars(
                    select(Student).where(
                        Student.id.in_({c.student_id for c in changes if not isinstance(c, SetTopic)} - {None})
                    )
                )
            )
            .unique()
            .all()
        )
        names = {s.id: s.person.full_name for s in students}
        work_types = dict(
            (
                await self.session.execute(select(WorkType.id, WorkType.name).where(WorkType.school_id == r.school_id))
            ).all()
        )
        a = lesson.assignment
        return CorrectionView(
            id=r.id,
            created_at=r.created_at,
            requested_on=r.created_at.astimezone(ZoneInfo(school.timezone)).date(),
            class_id=r.class_id,
            class_name=a.class_group.name,
            subgroup=a.subgroup.name if a.subgroup else None,
            subject_id=r.subject_id,
            subject=a.subject.name,
            lesson_id=r.lesson_id,
            lesson_date=r.lesson_date,
            lesson_number=lesson.lesson_number,
            requested_by=r.requested_by,
            teacher=teacher.full_name,
            changes=tuple(changes),
            described=tuple(_change_view(c, names, {}, work_types) for c in changes),
            reason=r.reason,
            status=r.status,
            decision_comment=r.decision_comment,
        )
