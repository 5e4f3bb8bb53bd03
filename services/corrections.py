"""J-10: «Замена сведений в электронном журнале» — changing a lesson past the edit window.

The teacher files a request with the list of changes and the reason; the deputy director or the
administrator applies or declines it; both outcomes are recorded and the teacher is told (outbox).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .journal import (
    TOPIC_MAX,
    add_mark,
    apply_attendance,
    change_mark,
    check_mark_value,
    delete_mark,
    is_locked,
    roster_of,
    set_lesson_fields,
)
from .models import (
    Absence,
    CorrectionRequest,
    CorrectionStatus,
    EventKind,
    Lesson,
    Mark,
    Role,
    School,
    WorkType,
    utcnow,
)
from .records import audit, emit, snapshot

REASON_MAX = 1000
MAX_CHANGES = 60
# What a request may change: a mark added, changed or removed; a student's «ОТ»; the topic.
OPS = {"add_mark", "change_mark", "delete_mark", "set_absent", "set_present", "set_topic"}


@dataclass(frozen=True)
class CorrectionView:
    id: int
    created_at: datetime
    class_id: int
    subject_id: int
    lesson_id: int
    lesson_date: date
    requested_by: int
    changes: tuple[dict, ...]
    reason: str
    status: CorrectionStatus
    decision_comment: str


class CorrectionService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def request(self, actor: Actor, lesson_id: int, changes: list[dict], reason: str) -> int:
        """File a request for a locked lesson; every change is checked now, so a decision cannot fail on it."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput("correction.reason_required")
        if len(reason) > REASON_MAX:
            raise InvalidInput("correction.reason_too_long", max=REASON_MAX)
        if not changes or len(changes) > MAX_CHANGES:
            raise InvalidInput("correction.no_changes", max=MAX_CHANGES)
        lesson = await self.session.get(Lesson, lesson_id)
        if lesson is None:
            raise NotFound("lesson.not_found")
        await check_keep(self.session, actor, lesson.assignment, lesson.date)
        school = await self.session.get(School, lesson.school_id)
        if not is_locked(lesson.date, school, school_today(self.clock, school)):
            raise InvalidInput("correction.not_needed", days=school.edit_window_days)
        await self._validate(lesson, school, changes)
        async with write_transaction(self.session):
            req = CorrectionRequest(
                school_id=school.id, requested_by=actor.person_id, lesson_id=lesson.id,
                class_id=lesson.assignment.class_id, subject_id=lesson.assignment.subject_id,
                lesson_date=lesson.date, changes=changes, reason=reason,
            )
            self.session.add(req)
            await self.session.flush()
            audit(self.session, school_id=school.id, actor_id=actor.person_id, action="add",
                  entity="correction_request", entity_id=req.id, after={"lesson_id": lesson.id, "changes": changes})
            return req.id

    async def pending(self, actor: Actor) -> list[CorrectionView]:
        self._check_decider(actor)
        rows = await self.session.scalars(
            select(CorrectionRequest).where(
                CorrectionRequest.school_id == actor.school_id, CorrectionRequest.status == CorrectionStatus.PENDING
            ).order_by(CorrectionRequest.created_at, CorrectionRequest.id)
        )
        return [_view(r) for r in rows]

    async def decide(self, actor: Actor, request_id: int, *, apply: bool, comment: str = "") -> None:
        """Apply every change (past the lock, as the administration may) or decline; recorded either way."""
        self._check_decider(actor)
        async with write_transaction(self.session):
            req = await self.session.scalar(
                select(CorrectionRequest).where(CorrectionRequest.id == request_id).with_for_update()
            )
            if req is None or req.school_id != actor.school_id:
                raise NotFound("correction.not_found")
            if req.status != CorrectionStatus.PENDING:
                raise Conflict("correction.already_decided", status=req.status)
            if apply:
                lesson = await self.session.get(Lesson, req.lesson_id)
                school = await self.session.get(School, req.school_id)
                await self._validate(lesson, school, req.changes)
                await self._apply(actor, lesson, school, req.changes)
            before = snapshot(req, "status")
            req.status = CorrectionStatus.APPLIED if apply else CorrectionStatus.DECLINED
            req.decided_by, req.decided_at, req.decision_comment = actor.person_id, utcnow(), comment.strip()[:1000]
            audit(self.session, school_id=req.school_id, actor_id=actor.person_id, action="decide",
                  entity="correction_request", entity_id=req.id, before=before,
                  after=snapshot(req, "status", "decision_comment"))
            emit(self.session, req.school_id, EventKind.CORRECTION_DECIDED, request_id=req.id,
                 teacher_id=req.requested_by, status=req.status, lesson_id=req.lesson_id)

    @staticmethod
    def _check_decider(actor: Actor) -> None:
        if not actor.has(Role.DEPUTY, Role.ADMIN):
            raise Forbidden("correction.not_allowed")

    async def _validate(self, lesson: Lesson, school: School, changes: list[dict]) -> None:
        roster = {s.id for s in await roster_of(self.session, lesson.assignment)}
        grade = lesson.assignment.class_group.grade
        for change in changes:
            op = change.get("op")
            if op not in OPS:
                raise InvalidInput("correction.bad_change", op=str(op))
            if op in {"add_mark", "set_absent", "set_present"} and change.get("student_id") not in roster:
                raise Forbidden("student.not_in_lesson")
            if op in {"add_mark", "change_mark"}:
                check_mark_value(school, grade, int(change.get("value", 0)))
                work_type = await self.session.get(WorkType, change.get("work_type_id") or 0)
                if op == "add_mark" and (work_type is None or work_type.school_id != school.id):
                    raise InvalidInput("mark.unknown_work_type")
            if op in {"change_mark", "delete_mark"}:
                mark = await self.session.get(Mark, change.get("mark_id") or 0)
                if mark is None or mark.lesson_id != lesson.id:
                    raise NotFound("mark.not_found")
            if op == "set_topic" and not 0 < len(str(change.get("topic", "")).strip()) <= TOPIC_MAX:
                raise InvalidInput("topic.too_long", max=TOPIC_MAX)

    async def _apply(self, actor: Actor, lesson: Lesson, school: School, changes: list[dict]) -> None:
        absent = set(
            (await self.session.scalars(select(Absence.student_id).where(Absence.lesson_id == lesson.id))).all()
        )
        attendance_changed = False
        for change in changes:
            op = change["op"]
            if op == "add_mark":
                work_type = await self.session.get(WorkType, change["work_type_id"])
                await add_mark(self.session, actor.person_id, lesson, school, change["student_id"],
                               int(change["value"]), work_type)
            elif op == "change_mark":
                mark = await self.session.get(Mark, change["mark_id"])
                work_type = await self.session.get(WorkType, change.get("work_type_id") or mark.work_type_id)
                await change_mark(self.session, actor.person_id, lesson, school, mark, int(change["value"]), work_type)
            elif op == "delete_mark":
                await delete_mark(self.session, actor.person_id, lesson, await self.session.get(Mark, change["mark_id"]))
            elif op == "set_topic":
                set_lesson_fields(self.session, actor.person_id, lesson, topic=str(change["topic"]).strip())
            else:
                attendance_changed = True
                (absent.add if op == "set_absent" else absent.discard)(change["student_id"])
        if attendance_changed:
            await apply_attendance(self.session, actor.person_id, lesson, absent)


def _view(r: CorrectionRequest) -> CorrectionView:
    return CorrectionView(
        id=r.id, created_at=r.created_at, class_id=r.class_id, subject_id=r.subject_id, lesson_id=r.lesson_id,
        lesson_date=r.lesson_date, requested_by=r.requested_by, changes=tuple(r.changes), reason=r.reason,
        status=r.status, decision_comment=r.decision_comment,
    )
