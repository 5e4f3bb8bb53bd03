"""Labels shared by several screens and pushes, marked for translation where they are defined."""

from __future__ import annotations

from services.models import AbsenceReason, DocumentKind, ExcusedAbsenceRule, NotifyKind, NotifyMode, Role
from ui.i18n import N_, NP_

# What a lesson still lacks, in the order the teacher's day, the deputy's control and the staff's pushes list it.
MISSING = {"attendance": N_("attendance"), "topic": N_("topic"), "homework": N_("homework"), "marks": N_("marks")}


# ABS-2: the class teacher's reasons as the regulations name them (003 §4), by AbsenceReason value;
# "none": the reason is not set yet (J-12: the subject teacher records only «ОТ»).
# PER-4: what lessons missed for a valid reason do to the marks needed (School.excused_absences).
EXCUSED_ABSENCES = {
    ExcusedAbsenceRule.REDUCE: N_("Lessons missed for a valid reason lower this number in proportion."),
    ExcusedAbsenceRule.EXEMPT: N_("Students who missed lessons for a valid reason are exempt from this minimum."),
    ExcusedAbsenceRule.IGNORE: N_("Lessons missed for a valid reason do not lower this number."),
}

ABSENCE_REASONS = {
    "excused": N_("excused"),
    "illness": N_("illness"),
    "unexcused": N_("unexcused"),
    "none": N_("no reason given"),
}


# A person's role as the school says it (the access codes' list, an announcement's signature).
ROLE_NAMES = {
    Role.PARENT: N_("parent"),
    Role.STUDENT: N_("student"),
    Role.TEACHER: N_("teacher"),
    Role.CLASS_TEACHER: N_("class teacher"),
    Role.DEPUTY: N_("deputy director"),
    Role.SECRETARY: N_("secretary"),
    Role.ADMIN: N_("administrator"),
}


# J-5: the standard work types, as the import's defaults and the demo store them (school data, in Russian),
# with their name for a reader of another language. A school's own names are shown as they are.
# "work type" context: "Homework" is also the homework of a lesson.
WORK_TYPE_NAMES = {
    "Ответ на уроке": NP_("work type", "Answer in class"),
    "Домашняя работа": NP_("work type", "Homework"),
    "Работа на уроке": NP_("work type", "Classwork"),
    "Самостоятельная работа": NP_("work type", "Independent work"),
    "Контрольная работа": NP_("work type", "Test"),
    "Диктант": NP_("work type", "Dictation"),
    "Лабораторная работа": NP_("work type", "Lab work"),
    "Практическая работа": NP_("work type", "Practical work"),
    "Проверочная работа": NP_("work type", "Quiz"),
    "Сочинение": NP_("work type", "Essay"),
    "Сдача нормативов": NP_("work type", "Fitness standards"),
}


# The kinds of document a parent sends (ABS-1), as the form offers them.
DOCUMENT_KINDS = {
    DocumentKind.ILLNESS: N_("Illness"),
    DocumentKind.FAMILY: N_("Family reasons"),
    DocumentKind.COMPETITION: N_("Competition or olympiad"),
    DocumentKind.OTHER: N_("Other reason"),
}


# A document accepted, with the reason the class teacher set (ABS-2).
DOCUMENT_ACCEPTED = {
    AbsenceReason.ILLNESS: N_("✅ accepted: illness"),
    AbsenceReason.EXCUSED: N_("✅ accepted: excused"),
    AbsenceReason.UNEXCUSED: N_("✅ accepted: unexcused"),
}


# /settings: the kinds of push and how each arrives.
NOTIFY_KINDS = {
    NotifyKind.MARKS: N_("New marks"),
    NotifyKind.ABSENCES: N_("Absences"),
    NotifyKind.HOMEWORK: N_("Homework"),
    NotifyKind.DOCUMENTS: N_("Documents decided"),
    NotifyKind.ANNOUNCEMENTS: N_("Announcements"),
    NotifyKind.TOMORROW: N_("Homework for tomorrow, in the evening"),
    NotifyKind.SUMMARY: N_("Week's results and forecast"),
}


NOTIFY_MODES = {
    NotifyMode.INSTANT: N_("at once"),
    NotifyMode.DIGEST: N_("in the digest"),
    NotifyMode.OFF: N_("off"),
}


# J-10's list of changes in words, by CorrectionService op; the regulations' «ОТ» for an absence (J-12).
CORRECTION_CHANGES = {
    "set_topic": N_("topic: «{topic}»"),
    "set_absent": N_("{student}: set «ОТ» (absent)"),
    "set_present": N_("{student}: remove «ОТ» (present)"),
    "add_mark": N_("{student}: add the mark {value}"),
    "change_mark": N_("{student}: change the mark {old_value} to {value}"),
    "delete_mark": N_("{student}: delete the mark {old_value}"),
}
