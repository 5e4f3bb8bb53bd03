"""A class's reports laid out (REP-2, REP-4): the results of a period or of the year, the summary sheet of marks
(«сводная ведомость»), the attendance of a period or of a month, each a Document in the reader's language, and a
line for the chat with the main figures. Every figure is the service's (services/reports/classes.py)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from services.final_marks import Outcome
from services.reports.classes import ClassAttendance, ClassResults, SummarySheet
from services.reports.figures import Results
from ui.formatting import dates_text
from ui.i18n import Translator
from ui.reports.cells import average_text, mark_cell, percent_text, share
from ui.reports.document import Cell, Document, Table

NOT_TAKEN = "—"  # a subject of another subgroup than the student's (J-13)


def month_name(day: date, locale: str) -> str:
    """«ноябрь 2026» / «November 2026»."""
    return format_date(day, "LLLL y", locale=locale)


def period_label(results: ClassResults, locale: str) -> str:
    """«2 четверть»; for the year «2026/2027 учебный год»."""
    _ = Translator(locale)
    return _("{year} school year").format(year=results.period_name) if results.year else results.period_name


def attendance_label(attendance: ClassAttendance, locale: str) -> str:
    """The days of an attendance report: «ноябрь 2026», «2 четверть (5 нояб. – 28 дек. 2026 г.)», or the dates."""
    if attendance.month:
        return month_name(attendance.first, locale)
    days = dates_text(attendance.first, attendance.last, locale, with_year=True)
    return f"{attendance.title} ({days})" if attendance.title else days


# ---- the chat's lines ------------------------------------------------------------------------------------


def results_summary(results: ClassResults, locale: str) -> str:
    """«5А, 2 четверть: качество знаний 62,5 %, успеваемость 93,8 %, средний балл 4,05»."""
    _ = Translator(locale)
    total = results.total
    return _("{cls}, {period}: quality of knowledge {quality}, success rate {success}, average mark {average}").format(
        cls=results.class_name,
        period=period_label(results, locale),
        quality=percent_text(total.quality, locale),
        success=percent_text(total.success, locale),
        average=average_text(total.average, locale),
    )


def sheet_summary(sheet: SummarySheet, locale: str) -> str:
    _ = Translator(locale)
    return (
        results_summary(sheet.results, locale)
        + "\n"
        + _("Summary sheet: {students} students, {subjects} subjects.").format(
            students=len(sheet.rows), subjects=len(sheet.subjects)
        )
    )


def attendance_summary(attendance: ClassAttendance, locale: str) -> str:
    """«5А, ноябрь 2026: пропущено дней 3 (по уважительной 1), уроков 10 (по уважительной 6)»."""
    _ = Translator(locale)
    total = attendance.total
    text = _(
        "{cls}, {days}: days missed {missed_days} (with a valid reason {valid_days}), lessons missed {missed_lessons} "
        "(with a valid reason {valid_lessons})"
    ).format(
        cls=attendance.class_name,
        days=attendance_label(attendance, locale),
        missed_days=total.days,
        valid_days=total.days_valid,
        missed_lessons=total.lessons,
        valid_lessons=total.lessons_valid,
    )
    if attendance.unreasoned:
        text += "\n" + _("Absences without a reason yet: {count} (counted as without a valid reason).").format(
            count=attendance.unreasoned
        )
    return text


# ---- the documents ---------------------------------------------------------------------------------------


def results_document(results: ClassResults, locale: str) -> Document:
    """REP-2: the class's results per subject and in total."""
    _ = Translator(locale)
    return Document(
        title=_("Class results for the year") if results.year else _("Class results for the period"),
        school=results.school,
        subtitle=f"{results.class_name}, {period_label(results, locale)}",
        made_on=results.made_on,
        locale=locale,
        parts=(results_table(results, locale), *definitions(locale)),
        file_stem=f"class-results-{results.class_id}-{results.period_id or 'year'}",
    )


def results_table(results: ClassResults, locale: str) -> Table:
    _ = Translator(locale)
    return Table(
        title=_("Results by subject"),
        headers=(
            _("Subject"),
            _("Number of students"),
            "5",
            "4",
            "3",
            "2",
            _("n/a"),
            _("No mark"),
            _("Quality of knowledge, %"),
            _("Success rate, %"),
            _("Average mark"),
        ),
        rows=tuple((s.subject, *figures(s.results)) for s in results.subjects),
        totals=(_("Class total"), *figures(results.total)),
        note=_("Students: the class on {day}.").format(day=format_date(results.roster_day, "d MMMM y", locale=locale)),
    )


def figures(results: Results) -> tuple[Cell, ...]:
    return (
        results.students,
        results.fives,
        results.fours,
        results.threes,
        results.twos,
        results.not_attested,
        results.unmarked,
        share(results.quality),
        share(results.success),
        results.average,
    )


def definitions(locale: str) -> tuple[str, ...]:
    """How the figures are counted, one line each (services/reports/figures.py)."""
    _ = Translator(locale)
    return (
        _("Quality of knowledge = students with «4» and «5» only ÷ all students × 100."),
        _("Success rate = students without «2», «n/a» or a missing mark ÷ all students × 100."),
        _(
            "A student without a mark yet counts among the students; «pass» and «exempt» count in the success "
            "rate, not in the quality."
        ),
        _(
            "Class total: each student once, by their lowest mark over the subjects; the average mark is of all "
            "the marks."
        ),
    )


def summary_document(sheet: SummarySheet, locale: str) -> Document:
    """REP-2, REP-4: the summary sheet of marks, students × subjects, signed by the class teacher and the director."""
    _ = Translator(locale)
    if sheet.year:
        headers = tuple(f"{subject}: {column}" for subject in sheet.subjects for column in sheet_columns(sheet, locale))
    else:
        headers = sheet.subjects
    rows = tuple(
        (row.number, row.name, *(cell for marks in row.marks for cell in sheet_cells(marks, sheet, locale)))
        for row in sheet.rows
    )
    return Document(
        title=_("Summary sheet of marks for the year") if sheet.year else _("Summary sheet of marks"),
        school=sheet.school,
        subtitle=f"{sheet.class_name}, {period_label(sheet.results, locale)}",
        made_on=sheet.made_on,
        locale=locale,
        parts=(
            Table(
                title=_("Marks"),
                headers=("№", _("Student"), *headers),
                rows=rows,
                totals=("", _("Average mark"), *column_averages(sheet)),
                note=_("Empty: the mark is not set; «—»: the student does not take the subject."),
            ),
            results_table(sheet.results, locale),
            *definitions(locale),
        ),
        signatures=(_("Class teacher"), _("Director")),
        file_stem=f"summary-sheet-{sheet.class_id}-{sheet.results.period_id or 'year'}",
    )


def sheet_columns(sheet: SummarySheet, locale: str) -> tuple[str, ...]:
    """The columns of a subject: the periods' names, then «год» for the year mark."""
    _ = Translator(locale)
    return (*sheet.columns[:-1], _("year")) if sheet.year else sheet.columns


def sheet_cells(marks: tuple[Outcome | None, ...] | None, sheet: SummarySheet, locale: str) -> tuple[Cell, ...]:
    if marks is None:
        return (NOT_TAKEN,) * len(sheet.columns)
    return tuple(mark_cell(m, locale) for m in marks)


def column_averages(sheet: SummarySheet) -> tuple[Cell, ...]:
    """Each column's average of its numeric marks, two decimals; empty without one."""
    width = len(sheet.columns)
    result: list[Cell] = []
    for subject in range(len(sheet.subjects)):
        for column in range(width):
            values = [
                m.value
                for row in sheet.rows
                if (marks := row.marks[subject]) is not None
                and (m := marks[column]) is not None
                and m.numeric
                and m.value is not None
            ]
            result.append(round(sum(values) / len(values), 2) if values else None)
    return tuple(result)


def attendance_document(attendance: ClassAttendance, locale: str) -> Document:
    """REP-2: days and lessons missed per student, with a valid reason and without, and the class's totals."""
    _ = Translator(locale)
    total = attendance.total
    return Document(
        title=_("Monthly class attendance report") if attendance.month else _("Class attendance"),
        school=attendance.school,
        subtitle=f"{attendance.class_name}, {attendance_label(attendance, locale)}",
        made_on=attendance.made_on,
        locale=locale,
        parts=(
            Table(
                title=_("Days and lessons missed"),
                headers=(
                    "№",
                    _("Student"),
                    _("Days missed"),
                    _("days: with a valid reason"),
                    _("days: without a valid reason"),
                    _("Lessons missed"),
                    _("lessons: with a valid reason"),
                    _("lessons: without a valid reason"),
                ),
                rows=tuple(
                    (
                        r.number,
                        r.name,
                        r.missed.days,
                        r.missed.days_valid,
                        r.missed.days_invalid,
                        r.missed.lessons,
                        r.missed.lessons_valid,
                        r.missed.lessons_invalid,
                    )
                    for r in attendance.rows
                ),
                totals=(
                    "",
                    _("Class total"),
                    total.days,
                    total.days_valid,
                    total.days_invalid,
                    total.lessons,
                    total.lessons_valid,
                    total.lessons_invalid,
                ),
                note=_("School days: {count}.").format(count=attendance.school_days),
            ),
            _("A day missed: the student missed every lesson they had that day."),
            _("With a valid reason: an excused absence or illness; a day counts so when every absence of it has one."),
            _("An absence whose reason is not set yet counts as without a valid reason: {count} such.").format(
                count=attendance.unreasoned
            ),
        ),
        file_stem=f"class-attendance-{attendance.class_id}-{attendance.first:%Y%m%d}-{attendance.last:%Y%m%d}",
    )
