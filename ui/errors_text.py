"""Sentences for domain error codes and import issues, in the reader's language."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from babel.dates import format_date

from services.school_import.spec import SHEETS_BY_NAME
from ui.i18n import N_, gettext

ERRORS = {
    "announcement.bad_audience": N_("No such audience. Send /announce again."),
    "announcement.empty": N_("The announcement has no text."),
    "announcement.no_such_grade": N_("There are no classes of grade {grade} this year."),
    "announcement.not_allowed": N_(
        "Announcements are sent by the deputy director, the administrator and class teachers."
    ),
    "announcement.school_or_grade": N_(
        "Only the deputy director or the administrator sends announcements to the whole school or a grade."
    ),
    "announcement.too_long": N_("The announcement is too long: {length} characters, at most {max}."),
    "announcement.too_many_files": N_("At most {max} files per announcement."),
    "substitution.ends_before_start": N_("The last day is before the first one."),
    "substitution.no_substitute": N_("Choose the substitute teacher."),
    "substitution.no_such_class": N_("The teacher has no such class or subject this year."),
    "substitution.no_such_teacher": N_("There is no such teacher in your school."),
    "substitution.not_allowed": N_("Substitutions are assigned by the deputy director or the administrator."),
    "substitution.not_found": N_("This substitution is no longer in the list."),
    "substitution.outside_year": N_("The days must lie within the school year."),
    "substitution.overlaps": N_(
        "Those lessons already have a substitute on some of these days: cancel that substitution first."
    ),
    "substitution.same_teacher": N_("A teacher cannot substitute for themselves."),
    "consent.not_allowed": N_("The list of consents is kept by the secretary and the administrator."),
    "consent.parent_needed": N_(
        "A parent's consent is needed first: ask your parent to accept it in the bot with their own code, or to "
        "hand the signed paper to the school's secretary. Then send your code again."
    ),
    "history.not_allowed": N_("The history of changes is for the deputy director and the administrator."),
    "report.no_year": N_("No such school year."),
    "report.not_allowed": N_("The school's reports are for the deputy director and the administrator."),
    "control.future_week": N_("This week has not begun yet."),
    "control.not_allowed": N_("Journal control is for the deputy director and the administrator."),
    "plan.not_allowed": N_("The thematic plan is loaded by the deputy director or the administrator."),
    "absence.bad_reason": N_("No such absence reason. Send the command again."),
    "correction.comment_required": N_("Say why the request is declined: the teacher gets your comment."),
    "correction.comment_too_long": N_("The comment is too long: {length} characters, at most {max}."),
    "absence.not_found": N_("This absence is no longer in the journal."),
    "class.not_found": N_("No such class."),
    "class.not_yours": N_("This is not your class."),
    "report.bad_dates": N_("The report's first day is after its last day."),
    "correction.already_decided": N_("This correction request has already been decided."),
    "correction.bad_change": N_("The correction request has a change of an unknown kind."),
    "correction.no_changes": N_("A correction request needs from 1 to {max} changes."),
    "correction.not_allowed": N_("Only the deputy director or the administrator decides correction requests."),
    "correction.not_found": N_("No such correction request."),
    "correction.not_needed": N_("The lesson is within {days} days: change it directly, no request is needed."),
    "correction.reason_required": N_("Say why the record must be changed."),
    "correction.reason_too_long": N_("The reason is too long: at most {max} characters."),
    "diary.bad_range": N_("Choose at most {max_days} days."),
    "diary.bad_date": N_("This button holds no valid date. Send the command again."),
    "document.already_decided": N_("This document has already been decided."),
    "document.comment_required": N_("Say why the document is declined."),
    "document.comment_too_long": N_("The comment is too long: {length} characters, at most {max}."),
    "document.dates_reversed": N_("The last day ({date_to}) is before the first ({date_from})."),
    "document.not_found": N_("No such document."),
    "document.not_your_child": N_("Documents are sent by the student's parents."),
    "document.not_yours": N_("Only the sender can withdraw a document."),
    "document.outside_year": N_("The dates are outside the school year."),
    "document.parents_send": N_("Absence documents are sent by your parents: ask them to send one in the bot."),
    "document.reason_required": N_("Choose the reason for the absences."),
    "document.too_long_range": N_("A document covers at most {max_days} days."),
    "document.too_many_files": N_("At most {max} files per document."),
    "document.file_too_big": N_(
        "This file is {size_mb} MB: the bot takes files of at most {max_mb} MB. "
        "Send a smaller photo or scan, or split the PDF."
    ),
    "document.file_kind": N_(
        "Only photos, PDF files and pictures can be attached: "
        "not videos, voice messages, stickers, archives or programs."
    ),
    "draft.saved": N_("Already saved."),
    "file.empty": N_("This file is empty (0 bytes): it was not attached."),
    "file.content_mismatch": N_(
        "Inside, this file is not a photo, a PDF or a picture, whatever its name says: it was not attached."
    ),
    "homework.due_not_after_lesson": N_("Homework must be due after the lesson of {date}."),
    "homework.empty": N_("The homework has no text: write what to do, or tap «Not set» if nothing is set."),
    "homework.too_long": N_("The homework is too long: {length} characters, at most {max}."),
    "invite.bad_role": N_("Codes by role are for staff only."),
    "invite.bad_ttl": N_("A code lives from 1 to {max_days} days."),
    "invite.expired": N_("This code has expired. Ask the class teacher for a new one."),
    "invite.invalid": N_("This code is not valid. Check it, or ask the class teacher for a new one."),
    "invite.other_school": N_(
        "This code is for another school's bot: send it to the bot of the school that gave it to you."
    ),
    "invite.staff_by_admin_only": N_("Staff get their codes from the administrator."),
    "invite.too_many_attempts": N_("Too many wrong codes. Try again in {minutes} minutes."),
    "invite.used": N_("This code has already been used. Ask the class teacher for a new one."),
    "language.unknown": N_("Unknown language: {locale}."),
    "journal.locked": N_("The lesson of {date} is more than {days} days old: send a correction request instead."),
    "journal.bad_typed_date": N_("This is not a date: send it as DD.MM, for example /today 10.11."),
    "journal.not_your_class": N_("You do not teach this class or subject."),
    "lesson.in_future": N_("The lesson of {date} has not happened yet."),
    "lesson.no_school_day": N_("There are no lessons on {date}."),
    "lesson.not_found": N_("No such lesson."),
    "lesson.not_in_timetable": N_("There is no such lesson in the timetable."),
    "exam.no_subject": N_("There is no subject «{name}» in the school."),
    "exam.outside_year": N_("The exam's day lies in none of the school's years."),
    "final.bad_kind": N_("No such kind of mark here. Open the sheet again."),
    "final.bad_result": N_("That result is not used for this mark."),
    "final.closed": N_("Since {closed_on} this mark is changed only by the director's order."),
    "final.no_exam": N_("This class has no exam in this subject this year."),
    "final.not_yet": N_("Not yet: this mark can be set from {day}."),
    "revision.bad_order_number": N_("Write the order's number, at most {max} characters."),
    "revision.bad_reason": N_("Write the reason, at most {max} characters."),
    "revision.finals_open": N_("The teacher can still set this mark: no order is needed yet."),
    "revision.no_student": N_("There is no student «{name}» in the school."),
    "revision.not_allowed": N_("A mark is changed by order by the deputy director or the administrator."),
    "revision.not_found": N_("This mark is no longer there. Send /revise again."),
    "revision.order_in_future": N_("The order's date cannot be later than today."),
    "revision.period_open": N_("The period is not over: its teacher sets this mark, no order is needed."),
    "mark.comment_too_long": N_("The comment is too long: at most {max} characters."),
    "mark.no_marks_grade": N_("Grade {grade} gets no marks."),
    "mark.none_given": N_("No marks given."),
    "mark.not_found": N_("This mark is no longer in the journal."),
    "mark.out_of_scale": N_("A mark of {value} is outside the scale: from {min} to {max}."),
    "mark.unknown_work_type": N_("Unknown work type."),
    "movement.class_required": N_("Name the class the student moves to."),
    "movement.not_allowed": N_("The movement book is kept by the secretary."),
    "movement.no_year": N_("The school year is not set up yet: the book has no dates to take."),
    "movement.not_studying": N_("This student does not study at the school now."),
    "movement.order_required": N_("Type the order's number, for example «45-у»."),
    "movement.order_too_long": N_("The order number is too long: at most {max} characters."),
    "movement.other_year": N_("A transfer goes to a class of the same school year."),
    "movement.outside_year": N_("The date is outside the school year."),
    "movement.same_class": N_("The student is in this class already."),
    "period.closed": N_("{period} ended on {ends_on}: its marks change only by the director's order."),
    "period.not_found": N_("No such study period."),
    "period.not_started": N_("{period} has not started yet."),
    "person.bad_birth_date": N_("This birth date cannot be a pupil's: check the year."),
    "person.name_format": N_(
        "Type the full name as «Surname Name Patronymic»: letters and hyphens, the patronymic may be left out."
    ),
    "person.name_too_long": N_("The name is too long: at most {max} characters in each part."),
    "person.not_found": N_("No such person."),
    "policy.bad_excused": N_(
        "excused_absences is one of: reduce (lessons missed for a valid reason lower the number of marks needed), "
        "exempt (such students are exempt from it), ignore (they change nothing)."
    ),
    "policy.bad_many_hours": N_(
        "marks_needed_many_hours is a whole number from {min} to {max}: the regulations ask for at least 8–10 marks "
        "with more than 2 lessons a week."
    ),
    "policy.bad_one_hour": N_(
        "marks_needed_one_hour is a whole number from {min} to {max}: the regulations ask for at least 3–5 marks "
        "with 1 lesson a week."
    ),
    "policy.bad_round_from": N_(
        "period_round_from is a fraction from {min} to {max}, e.g. 0,5 (4,5 rounds up to 5) or 0,6 (4,6 to 5)."
    ),
    "policy.bad_results": N_(
        "final_results lists the results without a number the school gives: {expected}, or «нет»."
    ),
    "policy.bad_yes_no": N_("written_works_obligatory is yes or no."),
    "policy.no_school": N_("No such school."),
    "policy.not_allowed": N_("The grading policy is set by the administrator."),
    "policy.unknown": N_("No setting «{key}». The settings are: {known}."),
    "staff.already_dismissed": N_("{name} is dismissed already, from {date}."),
    "staff.ambiguous": N_("More than one member of staff is called «{name}»: name them by id ({ids})."),
    "staff.not_allowed": N_("Staff changes are made by the administrator."),
    "staff.not_found": N_("No member of staff «{name}» in this school."),
    "staff.order_too_long": N_("The order number is too long: at most {max} characters."),
    "settings.bad_choice": N_("No such notification setting."),
    "settings.bad_quiet_hours": N_("This is not a span of time: send it as HH:MM–HH:MM, for example 22:30–07:00."),
    "settings.bad_time": N_("This is not a time: send it as HH:MM, for example 18:30."),
    "settings.quiet_hours_empty": N_(
        "Quiet hours must start and end at different times. To have none, choose «No quiet hours» in /settings."
    ),
    "student.not_found": N_("No such student."),
    "student.not_in_lesson": N_("This student is not in the lesson's class or group."),
    "student.not_yours": N_("You can see only your own children."),
    "subject.not_found": N_("The student has no such subject."),
    "topic.empty": N_("The topic is empty."),
    "topic.too_long": N_("The topic is too long: at most {max} characters."),
    "backup.bad_keep": N_("Keep at least one backup."),
    "backup.dump_failed": N_("The backup tool {tool} failed."),
    "backup.needs_two_places": N_("A backup needs two different folders."),
    "backup.tool_missing": N_("{tool} is not installed."),
    "backup.verify_failed": N_("The copy {file} did not pass its check: {reason}."),
    "backup.copy_missing": N_("There is no file {file}: name a backup copy (school-….sqlite3 or school-….dump)."),
    "backup.not_a_copy": N_("{file} is not a backup copy: name a school-….sqlite3 or school-….dump file."),
    "backup.wrong_kind": N_(
        "{file} is a copy of the other kind of database (SQLite or PostgreSQL) than DATABASE_URL names."
    ),
    "backup.live_database": N_(
        "The database {target} holds data: stop the bot, then restore with --force to replace it (a SQLite file "
        "is kept beside it)."
    ),
    "year_end.not_allowed": N_("The year's end is recorded by the deputy director or the administrator."),
    "year_end.order_required": N_("Give the number of the director's order."),
    "year_end.decision_not_allowed": N_("This decision is not possible in {class_name}."),
    "year_end.no_debts": N_("{name} has no academic debt: a conditional promotion names the subjects owed."),
    "new_year.not_allowed": N_("The new school year is made by the administrator."),
    "new_year.bad_name": N_("Name the year, e.g. 2027/2028 (at most 20 characters)."),
    "new_year.bad_dates": N_("The year's last day must come after its first."),
    "new_year.no_year": N_("The school has no earlier year to continue from."),
    "new_year.overlaps": N_("The new year must begin after the year {name} ends."),
    "new_year.missing_decisions": N_(
        "The pedagogical council's decisions are missing for students of {classes}: record them (/yearend in the "
        "bot, or `schoolbot decide`), or add --promote-rest."
    ),
    "school.not_found": N_("No such school."),
}


def _param(value: Any, locale: str) -> Any:
    if isinstance(value, date):
        return format_date(value, "long", locale=locale)
    if isinstance(value, Enum):
        return value.value
    return value


def error_text(code: str, params: dict[str, Any], locale: str) -> str:
    template = ERRORS.get(code)
    if template is None:
        return gettext("The request was refused ({code}).", locale).format(code=code)
    return gettext(template, locale).format(**{k: _param(v, locale) for k, v in params.items()})


IMPORT_ISSUES = {
    "file.not_found": N_("the file or folder does not exist"),
    "file.unknown_format": N_("expected an .xlsx workbook or a folder of .csv files, not «{extension}»"),
    "file.unreadable": N_("the file cannot be read ({error})"),
    "file.too_big": N_("the file is {size_mb} MB; an import file takes at most {max_mb} MB"),
    "file.unpacked_too_big": N_("the workbook unpacks to more than {max_mb} MB: it is not a school's workbook"),
    "file.too_many_parts": N_("the workbook has {count} parts inside; a school's workbook has far fewer than {max}"),
    "sheet.missing": N_("the sheet (or CSV file) is missing"),
    "sheet.empty": N_("the sheet has no rows"),
    "sheet.too_many_rows": N_("the sheet takes {max} row only"),
    "sheet.too_long": N_("more than {max} rows (empty ones included): import the school in parts"),
    "column.missing": N_("the column is missing"),
    "column.duplicate": N_("the column appears twice"),
    "value.required": N_("the cell must be filled in"),
    "value.too_long": N_("too long: at most {max} characters"),
    "value.formula": N_("starts with «{char}»: a spreadsheet would run it as a formula"),
    "value.bad_date": N_("not a date; expected {expected}"),
    "value.bad_time": N_("not a time; expected {expected}"),
    "value.bad_number": N_("expected a number from {min} to {max}"),
    "value.bad_class": N_("not a class name; expected e.g. {expected}"),
    "value.bad_grades": N_("not a grade range; expected e.g. {expected}"),
    "value.bad_weekday": N_("not a weekday; expected one of {expected}"),
    "value.bad_role": N_("unknown role «{role}»; expected {expected}"),
    "value.bad_kind": N_("expected one of {expected}"),
    "value.bad_kinship": N_("expected one of {expected}"),
    "value.bad_status": N_("expected one of {expected}"),
    "value.left_on_required": N_("a student who left or graduated needs «Дата выбытия», the first day away"),
    "value.left_on_not_left": N_("a departure date goes with the status «выбыл» or «выпускник»"),
    "value.left_before_enrolled": N_("the student leaves before they were enrolled ({starts})"),
    "value.bad_results": N_("expected some of {expected}, separated by commas"),
    "value.bad_yes_no": N_("expected one of {expected}"),
    "value.bad_excused": N_("expected one of {expected}"),
    "value.bad_phone": N_("not a phone number; expected e.g. {expected}"),
    "value.bad_email": N_("not an e-mail address"),
    "value.bad_timezone": N_("unknown time zone; expected e.g. {expected}"),
    "value.bad_mark_scale": N_("the highest mark must be above the lowest ({min})"),
    "value.dates_reversed": N_("ends before it starts ({starts})"),
    "value.times_reversed": N_("ends before it starts ({starts})"),
    "value.period_outside_year": N_("outside the school year {year_start} – {year_end}"),
    "value.duplicate": N_("the same as row {first_row}"),
    "value.conflict": N_("contradicts row {other_row}"),
    "value.unknown_class": N_("no such class in the file or the school"),
    "value.unknown_teacher": N_("no such person on the staff sheet"),
    "value.unknown_subject": N_("no such subject on the subjects sheet"),
    "value.unknown_student": N_("no such student in class {class}"),
    "value.unknown_subgroup": N_("no such subgroup in class {class}"),
    "value.ambiguous": N_("more than one match; name it more exactly"),
    "value.no_load": N_("no teaching load row for this class and subject"),
    "value.timetable_clash": N_("the same lesson is already taken in row {other_row}"),
    # The thematic plan (schoolbot import-plan): errors, then the warnings of dates to move.
    "plan.unknown_teacher": N_("no such teacher in the school"),
    "plan.unknown_class": N_("no such class in the school year {year}"),
    "plan.unknown_subject": N_("no such subject in the school"),
    "plan.no_assignment": N_("this teacher does not teach this subject in this class (no such teaching load)"),
    "plan.position_taken": N_("lesson {position} is already in row {first_row}"),
    "plan.exists": N_(
        "the plan of {subject}, {class} is already loaded and differs: import with --replace to replace it"
    ),
    "plan.move_holiday": N_("move: {date} falls on the holidays «{holiday}»"),
    "plan.move_day_off": N_("move: {date} is not a school day"),
    "plan.move_no_lesson": N_("move: the timetable has no lesson of this subject on {date}"),
    "plan.gap": N_("lessons {first}–{last} are missing from the plan"),
}


def _import_param(value: Any, locale: str) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return gettext("yes", locale) if value else gettext("no", locale)
    return _param(value, locale)


def import_issue_text(issue, locale: str) -> str:
    """«students.csv, row 7, column «Класс», value «5Я»: no such class in the file or the school»."""
    where = []
    if issue.sheet:
        sheet = SHEETS_BY_NAME.get(issue.sheet)
        where.append(
            gettext("sheet «{sheet}» ({file})", locale).format(sheet=sheet.title, file=f"{sheet.name}.csv")
            if sheet
            else gettext("sheet «{sheet}»", locale).format(sheet=issue.sheet)
        )
    if issue.row is not None:
        where.append(gettext("row {row}", locale).format(row=issue.row))
    if issue.column:
        where.append(gettext("column «{column}»", locale).format(column=issue.column))
    if issue.value:
        where.append(gettext("value «{value}»", locale).format(value=issue.value))
    template = IMPORT_ISSUES.get(issue.code)
    params = {k: _import_param(v, locale) for k, v in issue.params.items()}
    what = gettext(template, locale).format(**params) if template else issue.code
    return "  " + ", ".join(where) + ": " + what
