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
