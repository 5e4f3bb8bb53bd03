"""What each outbox event says, one frozen dataclass per EventKind: written by the services with `emit`, read
back by the fan-out and the push texts with `payload_of`.

The stored JSON keeps the shape it always had (one key per field, services/jsonable.py), so the events already
in an outbox read as before. Dates are kept as ISO strings, as they were written; enums by their value. `facts` is what the fan-out reads once when it plans a journal event
(services/pushes/facts.py): names and dates that must not change with the journal afterwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..jsonable import from_json, optional, stored_as, to_json
from ..models import AbsenceReason, CorrectionStatus, DocumentStatus, EventKind, FinalMarkKind, FinalResult

# ---- what the fan-out adds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Read when the event is planned; each kind fills what its text needs, the rest stays empty."""

    subject: str = ""
    date: str | None = None  # the lesson's
    number: int | str = "?"  # the lesson's number
    work_type: str = ""
    homework: str = ""
    due_on: str | None = None
    files: int = 0
    period: str = ""
    date_from: str | None = None  # an absence document's days
    date_to: str | None = None
    comment: str | None = None  # the class teacher's decision on a document
    teacher: str = ""
    changes: int = 0  # of a correction request
    class_name: str = stored_as("class", default="")
    student: str = ""


@dataclass(frozen=True, kw_only=True)
class Payload:
    """What every event's payload may carry: the facts, once planned."""

    kind: ClassVar[EventKind]
    facts: Facts = field(default_factory=Facts)


# ---- the journal's own events (services/journal.py, absences.py, period_marks.py, corrections.py) ---------


@dataclass(frozen=True, kw_only=True)
class MarkAdded(Payload):
    kind = EventKind.MARK_ADDED
    mark_id: int
    student_id: int
    lesson_id: int
    value: int
    work_type_id: int


@dataclass(frozen=True, kw_only=True)
class MarkChanged(Payload):
    kind = EventKind.MARK_CHANGED
    mark_id: int
    student_id: int
    lesson_id: int
    value: int
    old_value: int | None = None  # what the family was told; render.py keeps the first of several changes
    work_type_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MarkDeleted(Payload):
    kind = EventKind.MARK_DELETED
    mark_id: int
    student_id: int
    lesson_id: int
    old_value: int | None = None


@dataclass(frozen=True, kw_only=True)
class AbsenceRecorded(Payload):
    kind = EventKind.ABSENCE_RECORDED
    student_id: int
    lesson_id: int
    absence_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class AbsenceRemoved(Payload):
    kind = EventKind.ABSENCE_REMOVED
    student_id: int
    lesson_id: int


@dataclass(frozen=True, kw_only=True)
class AbsenceReasonSet(Payload):
    kind = EventKind.ABSENCE_REASON_SET
    absence_id: int
    student_id: int
    lesson_id: int
    reason: AbsenceReason | None = None


@dataclass(frozen=True, kw_only=True)
class HomeworkSet(Payload):
    kind = EventKind.HOMEWORK_SET
    lesson_id: int
    assignment_id: int
    due_on: str | None = None  # ISO date


@dataclass(frozen=True, kw_only=True)
class HomeworkChanged(HomeworkSet):
    kind = EventKind.HOMEWORK_CHANGED


@dataclass(frozen=True, kw_only=True)
class DocumentSent(Payload):
    kind = EventKind.DOCUMENT_SENT
    document_id: int
    student_id: int
    class_id: int


@dataclass(frozen=True, kw_only=True)
class DocumentDecided(Payload):
    kind = EventKind.DOCUMENT_DECIDED
    document_id: int
    student_id: int
    submitted_by: int | None = None
    status: DocumentStatus
    reason: AbsenceReason | None = None
    applied: int = 0  # absences that got the reason
    locked: int = 0  # absences past the edit window, left as they were (J-9)


@dataclass(frozen=True, kw_only=True)
class PeriodMarkSet(Payload):
    kind = EventKind.PERIOD_MARK_SET
    student_id: int
    subject_id: int
    period_id: int
    value: int | None = None
    not_attested: bool = False


@dataclass(frozen=True, kw_only=True)
class FinalMarkRevised(Payload):
    """PER-5: a period, year, exam or final mark changed by the director's order; names as they were then."""

    kind = EventKind.FINAL_MARK_REVISED
    student_id: int
    final_mark_id: int
    mark_kind: FinalMarkKind
    subject: str
    period: str = ""  # a period mark's period
    value: int | None = None
    result: FinalResult = FinalResult.MARK
    old_value: int | None = None
    old_result: FinalResult | None = None
    order_number: str = ""
    order_date: str = ""  # ISO date


@dataclass(frozen=True, kw_only=True)
class CorrectionRequested(Payload):
    kind = EventKind.CORRECTION_REQUESTED
    request_id: int
    to_persons: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class CorrectionDecided(Payload):
    kind = EventKind.CORRECTION_DECIDED
    request_id: int
    teacher_id: int
    status: CorrectionStatus
    lesson_id: int


# ---- announcements (services/announcements.py) -------------------------------------------------------------


@dataclass(frozen=True)
class AudienceShown:
    """Whom an announcement was for, as it was chosen: the scope's value, the class's name, its grade and ids."""

    scope: str  # a Scope value
    title: str = ""
    grade: int | None = optional()
    class_id: int | None = optional()
    class_ids: tuple[int, ...] | None = optional()  # a grade's classes in the sender's year


@dataclass(frozen=True)
class FileRef:
    """An announcement's file: the reference it came with and, since files are kept, the bot that reference belongs
    to and the kept bytes, which another bot (another messenger's) uploads once (services/files.py). Rows written
    before have neither: sent by the reference, as then."""

    kind: str  # an AttachmentKind value
    file_id: str  # the messenger's reference, of bot_id's bot
    sha256: str | None = optional()  # the bytes in the school's file store
    bot_id: int | None = optional()  # the bot file_id belongs to (its aiogram id)
    file_name: str | None = optional()  # a document's name, for an upload by another bot


@dataclass(frozen=True)
class Author:
    person_id: int
    name: str
    role: str  # a Role value: how the author signs


@dataclass(frozen=True, kw_only=True)
class Announcement(Payload):
    kind = EventKind.ANNOUNCEMENT
    audience: AudienceShown
    text: str
    files: tuple[FileRef, ...] = ()
    author: Author


# ---- substitutions (services/substitutions.py) --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TimetableChanged(Payload):
    """SUB-2: a class's (or subgroup's) lessons of a subject are taught by a substitute for some days, or no longer
    (`cancelled`). Names are kept as they were when it was written."""

    kind = EventKind.TIMETABLE_CHANGED
    substitution_id: int
    class_id: int
    subgroup_id: int | None = None
    class_name: str = stored_as("class", default="")
    subgroup: str | None = None  # its name
    subject: str = ""
    teacher: str = ""  # the teacher of the timetable, away
    substitute: str = ""
    starts_on: str  # ISO dates
    ends_on: str
    cancelled: bool = False


# ---- scheduled reminders to staff (services/reminders/staff.py) --------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LessonLine:
    """A lesson of a teacher's, as /today names it."""

    date: str
    number: int
    class_name: str = stored_as("class")
    subgroup: str | None = None
    subject: str = ""


@dataclass(frozen=True, kw_only=True)
class UnfilledLine(LessonLine):
    missing: tuple[str, ...] = ()  # "attendance", "topic"


@dataclass(frozen=True, kw_only=True)
class WorkLine(LessonLine):
    work: str = ""  # the lesson's topic, shortened
    due: str = ""  # ISO date the marks were due


@dataclass(frozen=True, kw_only=True)
class DocumentLine:
    student: str
    class_name: str = stored_as("class")
    date_from: str = ""
    date_to: str = ""
    due: str = ""


@dataclass(frozen=True, kw_only=True)
class AbsentLine:
    """A student's absences of one day without a reason."""

    student: str
    class_name: str = stored_as("class")
    date: str = ""
    lessons: int = 0
    due: str | None = optional()  # in ABSENCE_DEADLINES only


@dataclass(frozen=True, kw_only=True)
class FailingLine:
    """A student with too few marks for the period mark (PER-4)."""

    class_name: str = stored_as("class")
    subgroup: str | None = None
    subject: str = ""
    period: str = ""
    ends_on: str = ""
    student: str = ""
    marks: int = 0
    required: int = 0


@dataclass(frozen=True, kw_only=True)
class StaffReminder(Payload):
    to_persons: tuple[int, ...] = ()
    day: str  # ISO date the reminder is for


@dataclass(frozen=True, kw_only=True)
class HomeworkMissing(StaffReminder):
    kind = EventKind.HOMEWORK_MISSING
    deadline: str  # «16:00»
    lessons: tuple[LessonLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class LessonsUnfilled(StaffReminder):
    kind = EventKind.LESSONS_UNFILLED
    lessons: tuple[UnfilledLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class WorksUnmarked(StaffReminder):
    kind = EventKind.WORKS_UNMARKED
    days: int  # within which written works are marked
    works: tuple[WorkLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class AbsenceDeadlines(StaffReminder):
    kind = EventKind.ABSENCE_DEADLINES
    documents: tuple[DocumentLine, ...] = ()
    more_documents: int = 0
    absences: tuple[AbsentLine, ...] = ()
    more_absences: int = 0


@dataclass(frozen=True, kw_only=True)
class WeekUnreasoned(StaffReminder):
    kind = EventKind.WEEK_UNREASONED
    week_from: str
    absences: tuple[AbsentLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class PeriodFailing(StaffReminder):
    kind = EventKind.PERIOD_FAILING
    students: tuple[FailingLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class FinalsLine:
    """A class and subject whose year (exam, final) marks are missing, and for how many students."""

    class_name: str = stored_as("class")
    subject: str
    missing: int
    kind: FinalMarkKind = FinalMarkKind.YEAR


@dataclass(frozen=True, kw_only=True)
class FinalsMissing(StaffReminder):
    """PER-6: to the deputy directors, the day after the year's last period (or an exam) ended."""

    kind = EventKind.FINALS_MISSING
    lines: tuple[FinalsLine, ...]
    more: int = 0


class ScheduledReport(str, enum.Enum):
    """The reports made by themselves (000 §6.8.3): a class's period results, the school's, a class's month of
    attendance."""

    CLASS_RESULTS = "class_results"
    SCHOOL_RESULTS = "school_results"
    CLASS_ATTENDANCE = "class_attendance"


@dataclass(frozen=True, kw_only=True)
class ReportReady(StaffReminder):
    """REP-2: a report due after a period's end or a month, made when the push is sent and sent with it as files."""

    kind = EventKind.REPORT_READY
    report: ScheduledReport
    class_id: int | None = None
    class_name: str = ""
    period_id: int | None = None
    period_name: str = ""
    month: str = ""  # ISO first day of the month of a month's attendance


# ---- scheduled pushes to families (services/reminders/family.py) -------------------------------------------


@dataclass(frozen=True)
class HomeworkLine:
    subject: str
    text: str
    files: int = 0


@dataclass(frozen=True)
class WeekLine:
    subject: str
    marks: tuple[int, ...]
    average: float | None = None  # weighted, of the period so far


@dataclass(frozen=True)
class ForecastLine:
    subject: str
    average: float | None = None
    mark: int | None = None  # as the average rounds
    marks: int = 0
    required: int | None = None  # set when there are too few marks (PER-4)


@dataclass(frozen=True, kw_only=True)
class HomeworkTomorrow(Payload):
    kind = EventKind.HOMEWORK_TOMORROW
    student_id: int
    due_on: str
    homework: tuple[HomeworkLine, ...]
    more: int = 0


@dataclass(frozen=True, kw_only=True)
class WeeklySummary(Payload):
    kind = EventKind.WEEKLY_SUMMARY
    student_id: int
    week_from: str
    week_to: str
    period: str | None = None
    subjects: tuple[WeekLine, ...]
    more: int = 0
    absences: dict[str, int] = field(default_factory=dict)  # lessons missed by AbsenceReason value or "none"


@dataclass(frozen=True, kw_only=True)
class PeriodForecast(Payload):
    kind = EventKind.PERIOD_FORECAST
    student_id: int
    period: str
    ends_on: str
    subjects: tuple[ForecastLine, ...]
    more: int = 0


PAYLOADS: dict[EventKind, type[Payload]] = {
    cls.kind: cls
    for cls in (
        MarkAdded,
        MarkChanged,
        MarkDeleted,
        AbsenceRecorded,
        AbsenceRemoved,
        AbsenceReasonSet,
        HomeworkSet,
        HomeworkChanged,
        DocumentSent,
        DocumentDecided,
        PeriodMarkSet,
        FinalMarkRevised,
        CorrectionRequested,
        CorrectionDecided,
        Announcement,
        TimetableChanged,
        HomeworkMissing,
        LessonsUnfilled,
        WorksUnmarked,
        AbsenceDeadlines,
        WeekUnreasoned,
        PeriodFailing,
        FinalsMissing,
        ReportReady,
        HomeworkTomorrow,
        WeeklySummary,
        PeriodForecast,
    )
}


def payload_of(kind: EventKind, data: dict[str, Any]) -> Payload:
    """An event's payload as its kind's dataclass, from the stored JSON (of today or of any earlier row)."""
    return from_json(PAYLOADS[kind], data)


def stored(payload: Payload) -> dict[str, Any]:
    """The JSON an event is written with; the facts are added by the fan-out (services/pushes/fanout.py)."""
    data = to_json(payload)
    del data["facts"]
    return data
