"""Callback data of the inline buttons (aiogram's factories): short prefixes, typed fields."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ConsentCB(CallbackData, prefix="consent"):
    accept: bool


class LanguageCB(CallbackData, prefix="lang"):
    locale: str


class ProfileCB(CallbackData, prefix="profile"):
    person: int
    student: int | None = None  # None: the person's staff work


class AbsenceDocCB(CallbackData, prefix="absdoc"):
    """The /absence screen's buttons: start a document for a child, or withdraw one (the service re-checks)."""

    action: str  # "new" | "withdraw"
    student: int
    doc: int = 0


class AbsenceChildCB(CallbackData, prefix="abschild"):
    student: int


class AbsenceKindCB(CallbackData, prefix="abskind"):
    kind: str  # a DocumentKind value


class AbsenceStepCB(CallbackData, prefix="absstep"):
    action: str  # "today" | "yesterday" | "skip" | "done" | "send" | "cancel"


class MarksPeriodCB(CallbackData, prefix="mkp"):
    """/marks of another study period of the year (the service re-checks the student)."""

    student: int
    period: int


class MarkGoalCB(CallbackData, prefix="mkg"):
    """"What is needed" in a subject: choose the period mark (mark=0), or the answer for one."""

    student: int
    period: int
    subject: int
    mark: int = 0


class SettingsViewCB(CallbackData, prefix="setv"):
    """/settings: which screen of one child's push settings to show (the service re-checks the student)."""

    student: int
    view: str  # "main" | "digest" | "quiet" | "digest_typed" | "quiet_typed"


class NotifyModeCB(CallbackData, prefix="setm"):
    """/settings: how one kind of push about the child arrives from now on."""

    student: int
    kind: str  # a NotifyKind value
    mode: str  # a NotifyMode value: the new one, so a repeated tap changes nothing more


class DigestTimeCB(CallbackData, prefix="setd"):
    student: int
    at: str  # "1900": HHMM, as a colon separates the fields of callback data


class QuietHoursCB(CallbackData, prefix="setq"):
    student: int
    span: str  # "2100-0800", or "off"


class DiaryCB(CallbackData, prefix="diary"):
    """/diary: one day of a child's diary (the service re-checks the student)."""

    student: int
    day: str  # ISO date "2026-11-24", or "today": the school's today when tapped


class DiaryMonthCB(CallbackData, prefix="diarym"):
    """/diary's date picker: a month to pick a day from."""

    student: int
    month: str  # "2026-11"
    day: str  # the day the diary shows, to go back to


class ScheduleCB(CallbackData, prefix="sched"):
    """/schedule: the week that holds `day` (the service re-checks the student)."""

    student: int
    day: str  # ISO date, or "today"


class NoopCB(CallbackData, prefix="noop"):
    """A button that only shows something: a calendar's month, weekday names, empty cells."""


# ---- staff: the teacher's journal ------------------------------------------------------------------

class TeacherDayCB(CallbackData, prefix="tday"):
    """/today: the teacher's lessons of a day."""

    day: str  # ISO date, or "today": the school's today when tapped


class LessonSlotCB(CallbackData, prefix="tslot"):
    """A lesson of the timetable: opened (created on first opening) by the service, which re-checks the teacher."""

    assignment: int
    day: str  # ISO date
    number: int


class LessonCB(CallbackData, prefix="tles"):
    """A recorded lesson's screens (the service re-checks the teacher on every one)."""

    lesson: int
    part: str  # "card" | "attendance" | "marks" | "topic" | "homework"


class LessonTextCB(CallbackData, prefix="tltx"):
    """The topic and homework screens of a lesson (the service re-checks the teacher on every write)."""

    lesson: int
    action: str  # "plan" (the plan's next topic, J-14) | "nohw" («не задано», J-3) | "done" | "back"


class CorrectionFormCB(CallbackData, prefix="tcorr"):
    """The reason step of a correction request (J-10): leave it without sending."""

    action: str  # "cancel"


class CorrectionDecideCB(CallbackData, prefix="dcorr"):
    """/corrections: decide one request (the service re-checks the decider's role and the request's state)."""

    request: int
    action: str  # "apply" | "decline" | "cancel" (the decline's comment is not typed after all)


# ---- staff: the class teacher (ACC-4) --------------------------------------------------------------

class ClassCB(CallbackData, prefix="ctc"):
    """/class: a screen of a class the user leads (the service re-checks ACC-4 on every one)."""

    cls: int
    view: str  # "main" | "reasons" | "unlinked" | "codes_ask" | "codes"


class ClassReasonCB(CallbackData, prefix="ctr"):
    """/class: the reason of an absence (ABS-2), for the student's whole day or for this lesson only."""

    cls: int  # the class whose list to show afterwards (re-checked)
    absence: int
    scope: str  # "day" | "one"
    reason: str = ""  # an AbsenceReason value; "": choose one


class DocumentCB(CallbackData, prefix="ctd"):
    """/documents: accept (with a reason) or decline an absence document (ABS-2..ABS-4)."""

    doc: int
    action: str  # "accept" | "reason" | "decline" | "back"
    reason: str = ""  # with "reason": an AbsenceReason value


class AttendanceCB(CallbackData, prefix="tatt"):
    """A lesson's attendance (J-12): toggle a student's «ОТ» in the draft, or save it (the service re-checks)."""

    lesson: int
    action: str  # "toggle" | "save"
    student: int = 0


class MarkEntryCB(CallbackData, prefix="tmrk"):
    """A lesson's marks (J-5..J-8): the draft's steps and its saving (the service re-checks every id)."""

    lesson: int
    action: str  # "type" (item: work type) | "student" | "value" | "drop" (item: student) | "delete" (item: mark)
    #              | "list" (back to the roster) | "save"
    item: int = 0
    value: int = 0


# ---- staff: period marks (PER-2..PER-5) and the journal's control (REP-3) ---------------------------

class PeriodSheetCB(CallbackData, prefix="tpsh"):
    """/period: a class and subject's sheet of a period (assignment=0: the list of classes; the service re-checks)."""

    assignment: int
    period: int


class PeriodMarkCB(CallbackData, prefix="tpmk"):
    """/period: one student's period mark: the choice (value=0), or the mark to set (the service re-checks all)."""

    assignment: int
    period: int
    student: int
    value: int = 0


class PeriodBulkCB(CallbackData, prefix="tpbk"):
    """/period: «Set the suggested marks»: asked first, then set (the service reads the sheet again)."""

    assignment: int
    period: int
    confirm: bool = False


class ControlCB(CallbackData, prefix="dctl"):
    """/control: the report for a class (cls=0: the whole school) and a week, or the list of classes."""

    cls: int = 0
    week: str = ""  # the ISO date of the week's Monday; "": this week
    view: str = "report"  # "report" | "classes"


# ---- announcements (issue 6): the deputy director's and class teachers' ------------------------------

class AnnounceAudienceCB(CallbackData, prefix="ann"):
    """/announce: the audience chosen (the service re-checks it: ROLE-2, ACC-4)."""

    scope: str  # "school" | "grade" | "class" | "class_parents"
    grade: int = 0
    cls: int = 0


class AnnounceStepCB(CallbackData, prefix="anns"):
    """/announce: the steps around the audience and the draft."""

    action: str  # "grade" (its classes to choose from) | "top" | "done" | "send" | "cancel"
    grade: int = 0
