"""The school's data model (SQLAlchemy 2 typed models); importing this registers every table."""

from .accounts import Account, Consent, InviteAttempt, InviteCode, NotificationSetting, PersonAccount
from .base import (
    STAFF_ROLES,
    VALID_REASONS,
    AbsenceReason,
    AttachmentKind,
    Base,
    Channel,
    ConsentAnswer,
    CorrectionStatus,
    DeliveryStatus,
    DocumentKind,
    DocumentStatus,
    EventKind,
    FinalMarkKind,
    FinalResult,
    Kinship,
    MovementKind,
    NotifyKind,
    NotifyMode,
    PeriodKind,
    Role,
    StudentStatus,
    YearDecisionKind,
    utcnow,
)
from .journal import (
    Absence,
    AbsenceDocument,
    Attachment,
    CorrectionRequest,
    Exam,
    FinalMark,
    Lesson,
    Mark,
    MarkRevision,
    Movement,
    YearDecision,
)
from .messengers import MessengerRef
from .people import ClassGroup, Enrolment, Guardianship, Person, StaffRole, Student, Subgroup, SubgroupMember
from .records import AuditEntry, Delivery, OutboxEvent, SavedDraft
from .school import AcademicYear, Bell, ExcusedAbsenceRule, Holiday, School, StudyPeriod, WorkType
from .teaching import Assignment, PlanTopic, Subject, Substitution, TimetableEntry

__all__ = [name for name in dir() if not name.startswith("_")]
