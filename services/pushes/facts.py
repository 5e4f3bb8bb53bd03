"""What a journal event's push says, read once when the event is planned and kept in its payload.

Journal events carry ids only (services/journal.py writes them inside the teacher's transaction); the text is
rendered later, in each recipient's language, and must not depend on what has changed since: a deleted mark
is still «5 по математике за 24 ноября» in its correction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AbsenceDocument,
    Attachment,
    ClassGroup,
    CorrectionRequest,
    Lesson,
    Person,
    Student,
    StudyPeriod,
    Subject,
    WorkType,
)
from .payloads import (
    CorrectionRequested,
    DocumentDecided,
    DocumentSent,
    HomeworkSet,
    MarkAdded,
    MarkChanged,
    Payload,
    PeriodMarkSet,
)

HOMEWORK_SHOWN = 600  # characters of the homework text in a push; the diary has the rest


async def facts_of(session: AsyncSession, payload: Payload) -> dict[str, Any]:
    """Names, dates and values for the text of one event (the JSON of payloads.Facts); {} for kinds whose payload
    says it all."""
    facts: dict[str, Any] = {}
    lesson_id = getattr(payload, "lesson_id", None)
    if lesson_id is not None:
        facts |= await _lesson(session, lesson_id, homework=isinstance(payload, HomeworkSet))
    if isinstance(payload, (MarkAdded, MarkChanged)) and payload.work_type_id is not None:
        work_type = await session.get(WorkType, payload.work_type_id)
        facts["work_type"] = work_type.name if work_type else ""
    if isinstance(payload, PeriodMarkSet):
        subject = await session.get(Subject, payload.subject_id)
        period = await session.get(StudyPeriod, payload.period_id)
        facts |= {"subject": subject.name if subject else "", "period": period.name if period else ""}
    if isinstance(payload, DocumentDecided):
        doc = await session.get(AbsenceDocument, payload.document_id)
        if doc is not None:
            facts |= {
                "date_from": doc.date_from.isoformat(),
                "date_to": doc.date_to.isoformat(),
                "comment": doc.decision_comment,
            }
    if isinstance(payload, CorrectionRequested):  # told to those who decide it
        request = await session.get(CorrectionRequest, payload.request_id)
        if request is not None:
            teacher = await session.get(Person, request.requested_by)
            facts |= await _lesson(session, request.lesson_id, homework=False)
            facts |= {"teacher": teacher.short_name if teacher else "", "changes": len(request.changes)}
            class_group = await session.get(ClassGroup, request.class_id)
            facts["class"] = class_group.name if class_group else ""
    if isinstance(payload, DocumentSent):  # told to the class teacher, who has no child of their own in it
        student = await session.get(Student, payload.student_id)
        if student is not None:
            facts |= {
                "student": f"{student.person.last_name} {student.person.first_name}",
                "class": f"{student.class_group.grade}{student.class_group.letter}",
            }
    return facts


async def _lesson(session: AsyncSession, lesson_id: int, *, homework: bool) -> dict[str, Any]:
    lesson = await session.get(Lesson, lesson_id)
    if lesson is None:
        return {}
    facts = {"subject": lesson.assignment.subject.name, "date": lesson.date.isoformat(), "number": lesson.lesson_number}
    if homework:
        files = await session.scalar(select(func.count(Attachment.id)).where(Attachment.lesson_id == lesson.id))
        text = lesson.homework
        facts |= {
            "homework": text[:HOMEWORK_SHOWN] + ("…" if len(text) > HOMEWORK_SHOWN else ""),
            "due_on": lesson.homework_due_on.isoformat() if lesson.homework_due_on else None,
            "files": files or 0,
        }
    return facts
