"""A teacher's reports laid out (REP-2, REP-4): the class-and-subject sheet of a period and the programme's
completion, each a Document and a short summary for the chat. The figures are the services'
(services/reports/teacher.py)."""

from __future__ import annotations

from services.reports.teacher import Programme, SheetCell, SubjectSheet
from ui.formatting import short_date
from ui.i18n import Translator, translator
from ui.reports.document import Cell, Document, Table
from ui.reports.school import latin, mark_cell, percent_text, results_cells, results_headers, results_note


def class_subject(class_name: str, subgroup: str | None, subject: str) -> str:
    return f"{class_name} ({subgroup}), {subject}" if subgroup else f"{class_name}, {subject}"


def sheet_cell(cell: SheetCell, _: Translator) -> Cell:
    """One mark as a number; several as «4 5»; an absence as «ОТ» (before the marks of that day, if any)."""
    parts = ([_("ABS")] if cell.absent else []) + [str(v) for v in cell.marks]
    if len(parts) == 1 and not cell.absent:
        return cell.marks[0]
    return " ".join(parts) or None


def subject_sheet_document(sheet: SubjectSheet, locale: str) -> Document:
    """REP-2: students × the period's dates, a first row with each date's work types and weights; then each
    student's averages, period mark and absences; under it the class's results in the subject."""
    _ = translator(locale)
    dates = tuple(c.date.strftime("%d.%m") for c in sheet.columns)
    headers = ("№", _("Student"), *dates, _("Average"), _("Weighted average"), _("Period mark"), _("Absences"))
    kinds: tuple[Cell, ...] = (
        "",
        _("Work type (weight)"),
        *("; ".join(f"{name} ×{weight:g}" for name, weight in c.work_types) for c in sheet.columns),
        "",
        "",
        "",
        "",
    )
    rows: list[tuple[Cell, ...]] = [kinds]
    for number, s in enumerate(sheet.students, start=1):
        rows.append(
            (
                number,
                s.name,
                *(sheet_cell(cell, _) for cell in s.cells),
                s.simple_average,
                s.weighted_average,
                mark_cell(s.period_mark, _),
                s.absences,
            )
        )
    simple = [s.simple_average for s in sheet.students if s.simple_average is not None]
    weighted = [s.weighted_average for s in sheet.students if s.weighted_average is not None]
    totals: tuple[Cell, ...] = (
        "",
        _("Class"),
        *(None for _c in sheet.columns),
        round(sum(simple) / len(simple), 2) if simple else None,
        round(sum(weighted) / len(weighted), 2) if weighted else None,
        sheet.results.average,
        sheet.lessons_absent,
    )
    scope = class_subject(sheet.class_name, sheet.subgroup, sheet.subject)
    return Document(
        title=_("Class sheet by subject"),
        school=sheet.school,
        subtitle=f"{scope}; {sheet.period_name} {sheet.year_name}",
        made_on=sheet.made_on,
        locale=locale,
        parts=(
            _("Teacher: {teacher}; period: {first} – {last}").format(
                teacher=sheet.teacher, first=short_date(sheet.starts_on, locale), last=short_date(sheet.ends_on, locale)
            ),
            Table(
                title=scope,
                headers=headers,
                rows=tuple(rows),
                totals=totals,
                note=_(
                    "A cell holds the day's marks; «ABS» — absent. The weighted average counts each mark by its work "
                    "type's weight (×2 counts twice); the class row gives the averages of the students' averages "
                    "and of the period marks."
                ),
            ),
            Table(
                title=_("Period marks"),
                headers=results_headers(_, _("Class")),
                rows=(results_cells(scope, sheet.results),),
                note=results_note(_),
            ),
        ),
        signatures=(_("Teacher"),),
        file_stem=f"subject-sheet-{sheet.assignment_id}-{sheet.period_id}-{latin(sheet.year_name)}",
    )


def subject_sheet_summary(sheet: SubjectSheet, locale: str) -> str:
    _ = translator(locale)
    r = sheet.results
    return "\n".join(
        [
            "<b>{}</b>".format(
                _("Class sheet by subject: {scope}, {period}").format(
                    scope=class_subject(sheet.class_name, sheet.subgroup, sheet.subject), period=sheet.period_name
                )
            ),
            _(
                "Students: {count}; lesson days: {days}; period marks: quality of knowledge {quality}, success rate "
                "{success}."
            ).format(
                count=len(sheet.students),
                days=len(sheet.columns),
                quality=percent_text(r.quality, locale),
                success=percent_text(r.success, locale),
            ),
        ]
    )


def programme_document(programme: Programme, locale: str) -> Document:
    """J-14, REP-2: the completion figures (/control's), then each position of the plan beside its lesson."""
    _ = translator(locale)
    scope = class_subject(programme.class_name, programme.subgroup, programme.subject)
    parts: list[Table | str] = [
        _("Teacher: {teacher}").format(teacher=programme.teacher),
        completion_line(programme, _),
    ]
    if programme.lines:
        parts.append(
            Table(
                title=scope,
                headers=("№", _("Planned topic"), _("Given on"), _("Topic of the lesson"), _("As planned")),
                rows=tuple(
                    (
                        line.position,
                        line.planned or _("(past the plan's end)"),
                        short_date(line.given_on, locale) if line.given_on else None,
                        line.topic,
                        {True: _("yes"), False: _("no"), None: None}[line.on_plan],
                    )
                    for line in programme.lines
                ),
                note=_(
                    "Given: the lessons with a topic, in order; due by today: the timetable's lessons so far, at most "
                    "the plan's topics."
                ),
            )
        )
    return Document(
        title=_("Programme completion"),
        school=programme.school,
        subtitle=f"{scope}; {programme.year_name}",
        made_on=programme.made_on,
        locale=locale,
        parts=tuple(parts),
        signatures=(_("Teacher"),),
        file_stem=f"programme-{programme.assignment_id}-{latin(programme.year_name)}",
    )


def completion_line(programme: Programme, _: Translator) -> str:
    done = programme.completion
    if done is None:
        return _("No thematic plan is loaded.")
    return _("Given {given} of {due} lessons due by {date} ({percent}%); {total} in the plan.").format(
        given=done.given,
        due=done.due,
        date=short_date(programme.made_on, _.locale),
        percent=done.percent,
        total=done.total,
    )


def programme_summary(programme: Programme, locale: str) -> str:
    _ = translator(locale)
    return "<b>{}</b>\n{}".format(
        _("Programme completion: {scope}").format(
            scope=class_subject(programme.class_name, programme.subgroup, programme.subject)
        ),
        completion_line(programme, _),
    )
