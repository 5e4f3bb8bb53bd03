"""Callback data of the inline buttons (aiogram's factories): short prefixes, typed fields.

Numbers are bounded to what the database's INTEGER holds: a forged 2**31 or 2**63 fails to parse, so the tap is
answered as any unknown button (handlers/fallback.py), not as a crash in a query."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.announcements import Scope
from services.models import (
    AbsenceReason,
    DocumentKind,
    FinalMarkKind,
    FinalResult,
    NotifyKind,
    NotifyMode,
    YearDecisionKind,
)
from ui.reports.document import Format

INT_MAX = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's is wider
Id = Annotated[int, Field(ge=1, le=INT_MAX)]  # a row's id
Num = Annotated[int, Field(ge=0, le=INT_MAX)]  # 0 for "none", a lesson number, a mark, a grade


class ConsentCB(CallbackData, prefix="consent"):
    accept: bool


class LogoutCB(CallbackData, prefix="logout"):
    """/logout's answer (ACC-8). The account is the one asked: a button tapped in another chat does nothing."""

    # The account's id, wider than a row's: Telegram's user id, or a MAX user's negated (bot/channels.py).
    account: Annotated[int, Field(ge=-(2**63 - 1), le=2**63 - 1)]
    confirm: bool


class Locale(str, Enum):
    ru = "ru"
    en = "en"


class LanguageCB(CallbackData, prefix="lang"):
    locale: Locale


class ProfileCB(CallbackData, prefix="profile"):
    person: Id
    student: Id | None = None  # None: the person's staff work


class AbsenceDocAction(str, Enum):
    new = "new"  # start a document for the child
    withdraw = "withdraw"  # withdraw `doc`


class AbsenceDocCB(CallbackData, prefix="absdoc"):
    """The /absence screen's buttons: start a document for a child, or withdraw one (the service re-checks)."""

    action: AbsenceDocAction
    student: Id
    doc: Num = 0


class AbsenceChildCB(CallbackData, prefix="abschild"):
    student: Id


class AbsenceKindCB(CallbackData, prefix="abskind"):
    kind: DocumentKind


class AbsenceStep(str, Enum):
    """The buttons of the absence document's steps."""

    today = "today"  # the days: today
    yesterday = "yesterday"  # the days: yesterday
    skip = "skip"  # no comment
    done = "done"  # the files are in (or none)
    send = "send"
    cancel = "cancel"


class AbsenceStepCB(CallbackData, prefix="absstep"):
    action: AbsenceStep


class MarksPeriodCB(CallbackData, prefix="mkp"):
    """/marks of another study period of the year (the service re-checks the student)."""

    student: Id
    period: Id


class MarkGoalCB(CallbackData, prefix="mkg"):
    """ "What is needed" in a subject: choose the period mark (mark=0), or the answer for one."""

    student: Id
    period: Id
    subject: Id
    mark: Num = 0


class StudentReport(str, Enum):
    """/marks' «📊»: the choice of reports, and each of them (REP-1)."""

    menu = "menu"  # the choice
    pdf = "pdf"  # the report card as a PDF
    xlsx = "xlsx"  # the report card as an XLSX
    chart = "chart"  # the dynamics of the average mark, a picture


class StudentReportCB(CallbackData, prefix="srep"):
    """One student's report of a period (the service re-checks the student, REP-5)."""

    student: Id
    period: Id
    report: StudentReport = StudentReport.menu


class SettingsView(str, Enum):
    main = "main"  # the kinds of pushes and their modes
    digest = "digest"  # the digest time's choices
    quiet = "quiet"  # the quiet hours' choices
    digest_typed = "digest_typed"  # waiting for a typed digest time
    quiet_typed = "quiet_typed"  # waiting for typed quiet hours


class SettingsViewCB(CallbackData, prefix="setv"):
    """/settings: which screen of one child's push settings to show (the service re-checks the student)."""

    student: Id
    view: SettingsView


class NotifyModeCB(CallbackData, prefix="setm"):
    """/settings: how one kind of push about the child arrives from now on."""

    student: Id
    kind: NotifyKind
    mode: NotifyMode  # the new one, so a repeated tap changes nothing more


class DigestTimeCB(CallbackData, prefix="setd"):
    student: Id
    at: str  # "1900": HHMM, as a colon separates the fields of callback data


class QuietHoursCB(CallbackData, prefix="setq"):
    student: Id
    span: str  # "2100-0800", or "off"


class DiaryCB(CallbackData, prefix="diary"):
    """/diary: one day of a child's diary (the service re-checks the student)."""

    student: Id
    day: str  # ISO date "2026-11-24", or "today": the school's today when tapped


class DiaryMonthCB(CallbackData, prefix="diarym"):
    """/diary's date picker: a month to pick a day from."""

    student: Id
    month: str  # "2026-11"
    day: str  # the day the diary shows, to go back to


class ScheduleCB(CallbackData, prefix="sched"):
    """/schedule: the week that holds `day` (the service re-checks the student)."""

    student: Id
    day: str  # ISO date, or "today"


class NoopCB(CallbackData, prefix="noop"):
    """A button that only shows something: a calendar's month, weekday names, empty cells."""


# ---- staff: the teacher's journal ------------------------------------------------------------------


class TeacherDayCB(CallbackData, prefix="tday"):
    """/today: the teacher's lessons of a day."""

    day: str  # ISO date, or "today": the school's today when tapped


class TeacherMonthCB(CallbackData, prefix="tdaym"):
    """/today's date picker: a month to pick a day from."""

    month: str  # "2026-11"
    day: str  # the day /today shows, to go back to


class LessonSlotCB(CallbackData, prefix="tslot"):
    """A lesson of the timetable: opened (created on first opening) by the service, which re-checks the teacher."""

    assignment: Id
    day: str  # ISO date
    number: Num


class LessonPart(str, Enum):
    card = "card"
    attendance = "attendance"
    marks = "marks"
    topic = "topic"
    homework = "homework"


class LessonCB(CallbackData, prefix="tles"):
    """A recorded lesson's screens (the service re-checks the teacher on every one)."""

    lesson: Id
    part: LessonPart


class LessonTextAction(str, Enum):
    plan = "plan"  # the plan's next topic (J-14)
    no_homework = "nohw"  # «не задано» (J-3)
    done = "done"  # the homework's files are all sent
    back = "back"


class LessonTextCB(CallbackData, prefix="tltx"):
    """The topic and homework screens of a lesson (the service re-checks the teacher on every write)."""

    lesson: Id
    action: LessonTextAction


class CorrectionFormAction(str, Enum):
    cancel = "cancel"


class CorrectionFormCB(CallbackData, prefix="tcorr"):
    """The reason step of a correction request (J-10): leave it without sending."""

    action: CorrectionFormAction


class CorrectionDecision(str, Enum):
    apply = "apply"
    decline = "decline"  # asks for the comment
    cancel = "cancel"  # the decline's comment is not typed after all


class CorrectionDecideCB(CallbackData, prefix="dcorr"):
    """/corrections: decide one request (the service re-checks the decider's role and the request's state)."""

    request: Id
    action: CorrectionDecision


# ---- staff: the class teacher (ACC-4) --------------------------------------------------------------


class ClassView(str, Enum):
    main = "main"  # today's lessons and the counts
    reasons = "reasons"  # the absences without a reason
    unlinked = "unlinked"  # who has not linked Telegram
    codes_ask = "codes_ask"  # new codes for all of them? (asked)
    codes = "codes"  # new codes for all of them
    pick = "pick"  # the choice of one person
    one_ask = "one_ask"  # a new code for one person? (asked)
    one = "one"  # a new code for one person


class ClassCB(CallbackData, prefix="ctc"):
    """/class: a screen of a class the user leads (the service re-checks ACC-4 on every one)."""

    cls: Id
    view: ClassView
    person: Num = 0  # one_ask, one: the person to give a code (0: none)
    page: Num = 0  # pick: the page of the list


class ClassReport(str, Enum):
    menu = "menu"  # the choice of a report
    results = "results"  # the results of a period or of the year
    summary = "summary"  # the summary sheet of marks
    attendance = "attendance"  # the attendance of a period
    month = "month"  # the attendance of a calendar month
    cards = "cards"  # a student's report card (REP-1, REP-5: the class's teachers see it)


class ClassReportCB(CallbackData, prefix="ctp"):
    """/class → reports (REP-2): a report of the class, its period (or the year, or a month), then its file's format;
    the service re-checks the class (ACC-4, REP-5) and the period on every tap."""

    cls: Id
    kind: ClassReport
    period: Num = 0  # 0: not chosen yet
    year: bool = False  # the year's marks instead of a period's
    month: Num = 0  # YYYYMM of a month; 0: not chosen yet
    student: Num = 0  # a report card's student; 0: not chosen yet
    fmt: Format | None = None


class ReasonScope(str, Enum):
    day = "day"  # the student's absences of the day that have no reason
    one = "one"  # this lesson's absence only


class ClassReasonCB(CallbackData, prefix="ctr"):
    """/class: the reason of an absence (ABS-2), for the student's whole day or for this lesson only."""

    cls: Id  # the class whose list to show afterwards (re-checked)
    absence: Id
    scope: ReasonScope
    reason: AbsenceReason | None = None  # None (packed as ""): choose one


class DocumentAction(str, Enum):
    accept = "accept"  # asks for the reason
    reason = "reason"  # accepted with the reason
    decline = "decline"  # asks for the comment
    back = "back"  # the card again


class DocumentCB(CallbackData, prefix="ctd"):
    """/documents: accept (with a reason) or decline an absence document (ABS-2..ABS-4)."""

    doc: Id
    action: DocumentAction
    reason: AbsenceReason | None = None  # with reason (packed as "" without)


class AttendanceAction(str, Enum):
    toggle = "toggle"  # a student's «ОТ» in the draft
    save = "save"
    back = "back"  # to the lesson: asks first when toggles are not saved
    discard = "discard"  # the toggles not saved are dropped
    roster = "roster"  # from the question back to the roster


class AttendanceCB(CallbackData, prefix="tatt"):
    """A lesson's attendance (J-12): toggle a student's «ОТ» in the draft, or save it (the service re-checks)."""

    lesson: Id
    action: AttendanceAction
    student: Num = 0  # toggle


class MarkEntryAction(str, Enum):
    type = "type"  # the work type chosen: the draft starts
    student = "student"  # a student's marks to choose from
    value = "value"  # a student's mark into the draft
    drop = "drop"  # a student's mark out of the draft
    delete = "delete"  # a saved mark to delete: asks first
    erase = "erase"  # the deletion confirmed
    list = "list"  # back to the roster
    save = "save"
    back = "back"  # to the lesson: asks first when marks are not saved
    discard = "discard"  # the marks not saved are dropped


class MarkEntryCB(CallbackData, prefix="tmrk"):
    """A lesson's marks (J-5..J-8): the draft's steps and its saving (the service re-checks every id). The longest,
    «value», packs to at most 47 characters, under Telegram's 64 bytes."""

    lesson: Id
    action: MarkEntryAction
    work_type: Num = 0  # type
    student: Num = 0  # student, value, drop
    mark: Num = 0  # delete, erase: a saved mark's id
    value: Num = 0  # value: the mark to give


# ---- staff: period marks (PER-2..PER-5) and the journal's control (REP-3) ---------------------------


class PeriodSheetCB(CallbackData, prefix="tpsh"):
    """/period: a class and subject's sheet of a period (assignment=0: the list of classes; the service re-checks)."""

    assignment: Num
    period: Num


class PeriodMarkCB(CallbackData, prefix="tpmk"):
    """/period: one student's period mark: the choice (value=0), or the mark to set: a value, or «н/а» (not
    attested); `confirm` once asked whether to set it more than a week before the period's end. The service
    re-checks all."""

    assignment: Id
    period: Id
    student: Id
    value: Num = 0
    not_attested: bool = False
    confirm: bool = False


class PeriodBulkCB(CallbackData, prefix="tpbk"):
    """/period: «Set the suggested marks»: asked first, then set (the service reads the sheet again)."""

    assignment: Id
    period: Id
    confirm: bool = False


class FinalSheetCB(CallbackData, prefix="tfsh"):
    """/period → «Year and final marks»: a class and subject's year, exam and final marks (PER-2)."""

    assignment: Id


class FinalMarkCB(CallbackData, prefix="tfmk"):
    """A student's year, exam or final mark: the choice (save=False), or the mark to set: a value of the scale
    (result «mark») or a result without a number. The service re-checks all."""

    assignment: Id
    student: Id
    kind: FinalMarkKind
    save: bool = False
    result: FinalResult = FinalResult.MARK
    value: Num = 0


class RevisionStep(str, Enum):
    classes = "classes"
    subjects = "subjects"  # of a class
    students = "students"  # of a class, for a subject
    marks = "marks"  # a student's marks in the subject
    value = "value"  # the new value of a mark
    order = "order"  # the new value chosen: the order's number, date and reason are asked
    confirm = "confirm"  # the summary's «Enter»
    cancel = "cancel"


class RevisionCB(CallbackData, prefix="drev"):
    """/revise (PER-5): the deputy director's steps to a mark revised by order; the service re-checks every id."""

    step: RevisionStep
    class_id: Num = 0
    subject: Num = 0
    student: Num = 0
    mark: Num = 0
    result: FinalResult = FinalResult.MARK
    value: Num = 0


class ControlView(str, Enum):
    report = "report"  # the summary: counts, and buttons to each list
    lessons = "lessons"  # the lessons without attendance, topic or homework, by teacher
    marks = "marks"  # the subjects behind the schedule of marks
    classes = "classes"  # the choice of a class
    plan = "plan"  # the programme's completion by subject (J-14)
    topics = "topics"  # the week's lessons whose topic departs from the thematic plan (J-14)


class ControlCB(CallbackData, prefix="dctl"):
    """/control: the summary for a class (cls=0: the whole school) and a week, one of its lists, or the classes."""

    cls: Num = 0
    week: str = ""  # the ISO date of the week's Monday; "": this week
    view: ControlView = ControlView.report


# ---- announcements (/announce): the deputy director's and class teachers' ------------------------------


class AnnounceAudienceCB(CallbackData, prefix="ann"):
    """/announce: the audience chosen (the service re-checks it: ROLE-2, ACC-4)."""

    scope: Scope
    grade: Num = 0
    cls: Num = 0


class AnnounceStep(str, Enum):
    grade = "grade"  # the grade's classes to choose from
    top = "top"  # back to the first choice
    done = "done"  # the files are in: the preview
    send = "send"
    cancel = "cancel"


class AnnounceStepCB(CallbackData, prefix="anns"):
    """/announce: the steps around the audience and the draft."""

    action: AnnounceStep
    grade: Num = 0


# ---- the secretary: the student movement book (DATA-4, ROLE-2) ---------------------------------------------


class MoveFlow(str, Enum):
    leaving = "leave"
    transfer = "move"
    arrival = "arrive"


class MoveAction(str, Enum):
    book = "book"  # a page of the book, with the orders to start
    start = "start"  # an order of `flow`: the classes to choose from
    cls = "cls"  # the class chosen: its students (or, for an arrival, the name to type)
    student = "student"  # the student chosen: the date (or, for a transfer, the new class)
    target = "target"  # a transfer's new class chosen: the date
    skip = "skip"  # an arrival without a birth date
    save = "save"  # the summary's «Record»
    cancel = "cancel"
    code = "code"  # an access code for the arrived student (ACC-6)


class MovementCB(CallbackData, prefix="mvb"):
    """/movement: the book's pages and the steps of an order (the service re-checks every id and the role)."""

    action: MoveAction
    flow: MoveFlow = MoveFlow.leaving
    page: Num = 0  # book
    cls: Num = 0  # cls, student: the class chosen
    student: Num = 0  # student, target; code: the arrived student's person
    target: Num = 0  # target: the new class


class MovementDayCB(CallbackData, prefix="mvd"):
    """/movement: the order's date picked (ISO, or "today": the school's today when tapped)."""

    day: str


class MovementMonthCB(CallbackData, prefix="mvm"):
    """/movement: a month of the order's date picker."""

    month: str  # "2026-11"


# ---- the year's end (/yearend): the deputy director's ------------------------------------------------------


class YearEndStep(str, Enum):
    classes = "classes"  # the choice of a class
    sheet = "sheet"  # a class's students with their decisions
    students = "students"  # the students to change one's decision
    student = "student"  # one student's decisions to choose from
    decide = "decide"  # a decision chosen for `student`
    approve = "approve"  # the decisions shown are right: the order next
    save = "save"  # the order confirmed: write
    cancel = "cancel"
    conditional = "conditional"  # the conditionally promoted and their debts


class YearEndCB(CallbackData, prefix="dye"):
    """/yearend (PER-5, DATA-4): the service re-checks the class and the student on every tap."""

    step: YearEndStep
    cls: Num = 0
    student: Num = 0
    decision: YearDecisionKind | None = None


class SubstAction(str, Enum):
    """/substitutions (ACC-5): the list's and the form's buttons."""

    new = "new"  # assign a substitute
    list = "list"  # the current and coming substitutions
    cancel = "cancel"  # take back substitution `item`
    today = "today"  # the days: today
    tomorrow = "tomorrow"  # the days: tomorrow
    confirm = "confirm"
    stop = "stop"  # leave the form, nothing written


class SubstCB(CallbackData, prefix="subst"):
    action: SubstAction
    item: Num = 0  # a substitution's id, for cancel


class SubstTeacherCB(CallbackData, prefix="substt"):
    """The absent teacher (the service re-checks the school)."""

    teacher: Id


class SubstClassCB(CallbackData, prefix="substc"):
    """One of the absent teacher's assignments, or 0: all of them."""

    assignment: Num


class SubstWhoCB(CallbackData, prefix="substw"):
    """The substitute (the service re-checks the school)."""

    substitute: Id


# ---- the journal's history (DATA-3): the deputy director's, and a teacher's of their lesson ------------------------

Page = Annotated[int, Field(ge=0, le=10_000)]


class HistoryView(str, Enum):
    classes = "classes"  # the choice of a class
    cls = "cls"  # a class's students and subjects (id: the class)
    student = "student"  # a student's history (id: the student)
    subject = "subject"  # a class and subject's lessons (id: the assignment)
    lesson = "lesson"  # a lesson's history (id: the lesson)


class HistoryCB(CallbackData, prefix="dhis"):
    view: HistoryView
    id: Num = 0
    page: Page = 0


class LessonHistoryCB(CallbackData, prefix="this"):
    """A teacher's page of their lesson's history (the service re-checks ACC-3)."""

    lesson: Id
    page: Page = 0


# ---- consents (ACC-7): the family's withdrawal, the secretary's lists -------------------------------------------


class WithdrawStep(str, Enum):
    ask = "ask"  # «Отозвать согласие» tapped: asks to confirm
    confirm = "confirm"


class WithdrawCB(CallbackData, prefix="cwd"):
    """The withdrawal of the consent the profile's person gave (for themself and, a parent, for the child)."""

    step: WithdrawStep
    person: Id


class ConsentsView(str, Enum):
    classes = "classes"  # the choice of a class
    cls = "cls"  # a class's students and parents with their consents (id: the class)
    person = "person"  # one person's card (id: the person, cls: the class)
    paper = "paper"  # a paper consent recorded (id: the person, cls: the class)


class ConsentsCB(CallbackData, prefix="scon"):
    view: ConsentsView
    id: Num = 0
    cls: Num = 0


# ---- reports (/reports): a teacher's class and subject, the school's (REP-2, REP-4, REP-5) --------------------


class ReportFormat(str, Enum):
    none = ""  # not chosen yet: the formats are offered
    pdf = "pdf"
    xlsx = "xlsx"


class ReportsMenuCB(CallbackData, prefix="repm"):
    """/reports: back to the first screen (the teacher's classes, the school's reports)."""


class TeacherReport(str, Enum):
    none = ""  # the reports of the class and subject are offered
    sheet = "sheet"  # the class-and-subject sheet of a period
    programme = "prog"  # the programme's completion against the thematic plan


class TeacherReportCB(CallbackData, prefix="rept"):
    """A teacher's report on a class and subject: the kind, the period (0: to choose), the format (the service
    re-checks the assignment)."""

    assignment: Id
    kind: TeacherReport = TeacherReport.none
    period: Num = 0
    fmt: ReportFormat = ReportFormat.none


class SchoolReport(str, Enum):
    results = "res"  # the results of a period or the year
    finals = "fin"  # the year's summary sheet of final marks
    classes = "cls"  # a class's reports, as its class teacher has them (REP-5: the whole school is the deputy's)


class SchoolReportCB(CallbackData, prefix="reps"):
    """The school's report (deputy director, administrator): the period chosen (`chosen`; period 0: each class's
    current one; `year`: the year marks), then the format, then it is made in the background."""

    kind: SchoolReport
    chosen: bool = False
    period: Num = 0
    year: bool = False
    fmt: ReportFormat = ReportFormat.none
