"""The school's reports laid out (REP-2, REP-4): the results per class, grade and school, and the year's summary
sheet of final marks, each a Document to print and sign, and a short summary for the chat. The figures are the
services' (services/reports/school.py); here they are only put in rows. Texts in the reader's language through a
Translator: a report is made in a background task, outside the update that asked for it."""

from __future__ import annotations

from services.reports.figures import Results
from services.reports.school import ClassFinals, FinalSheet, SchoolResults
from ui.formatting import decimal
from ui.i18n import Translator, translator
from ui.reports.cells import average_text, mark_cell, percent_text, share
from ui.reports.document import Cell, Document, Table


def signatures(_: Translator) -> tuple[str, ...]:
    return (_("Deputy director"), _("Director"))


def results_headers(_: Translator, first: str) -> tuple[str, ...]:
    return (
        first,
        _("Students"),
        "«5»",
        "«4»",
        "«3»",
        "«2»",
        _("n/a"),
        _("No mark yet"),
        _("Quality of knowledge, %"),
        _("Success rate, %"),
        _("Average mark"),
    )


def results_cells(label: str, r: Results) -> tuple[Cell, ...]:
    return (
        label,
        r.students,
        r.fives,
        r.fours,
        r.threes,
        r.twos,
        r.not_attested,
        r.unmarked,
        share(r.quality),
        share(r.success),
        r.average,
    )


def results_note(_: Translator) -> str:
    return _(
        "Each student counts once, by their lowest mark over every subject: «5» — only fives, «4» — fours and "
        "fives, «3» — at least one three, «2» — at least one two. Quality of knowledge: students with «4» and «5» "
        "of all students. Success rate: students without «2» and without «n/a» of all students; a student without "
        "a mark yet counts among the students, not among those who passed. Average mark: of every mark. A class is "
        "marked when its average mark is below the school's."
    )


def scope_of(report: SchoolResults, _: Translator) -> str:
    if report.year:
        return _("year marks, {year}").format(year=report.year_name)
    return "{} {}".format(", ".join(report.period_names), report.year_name)


def results_document(report: SchoolResults, locale: str) -> Document:
    """REP-2: one table, the classes of each grade followed by the grade's total, the school's total last; the
    classes below the school's average mark marked."""
    _ = translator(locale)
    rows: list[tuple[Cell, ...]] = []
    marked = set()
    for grade in report.grades:
        for c in grade.classes:
            if c.below_average:
                marked.add(len(rows))
            rows.append(results_cells(c.class_name, c.results))
        rows.append(results_cells(_("Grade {grade}, total").format(grade=grade.grade), grade.total))
    below = ", ".join(c.class_name for c in report.below)
    parts: list[Table | str] = [
        Table(
            title=_("Results by class"),
            headers=results_headers(_, _("Class")),
            rows=tuple(rows),
            totals=results_cells(_("School"), report.total),
            marked_rows=frozenset(marked),
            note=results_note(_),
        )
    ]
    if below:
        parts.append(
            _("Below the school's average mark ({average}): {classes}.").format(
                average=decimal(report.total.average or 0, locale), classes=below
            )
        )
    stem = "school-results-year" if report.year else "school-results"
    return Document(
        title=_("School results"),
        school=report.school,
        subtitle=scope_of(report, _),
        made_on=report.made_on,
        locale=locale,
        parts=tuple(parts),
        signatures=signatures(_),
        file_stem=f"{stem}-{latin(report.year_name)}",
    )


def results_summary(report: SchoolResults, locale: str) -> str:
    """For the chat: the school's figures and the classes below its average."""
    _ = translator(locale)
    total = report.total
    lines = [
        "<b>{}</b>".format(_("School results: {scope}").format(scope=scope_of(report, _))),
        _("Students: {count}; quality of knowledge {quality}; success rate {success}; average mark {average}.").format(
            count=total.students,
            quality=percent_text(total.quality, locale),
            success=percent_text(total.success, locale),
            average=average_text(total.average, locale),
        ),
    ]
    if report.below:
        lines.append(
            _("Below the school's average mark: {classes}.").format(
                classes=", ".join(c.class_name for c in report.below)
            )
        )
    return "\n".join(lines)


# ---- the year's summary sheet of final marks (REP-4) ----------------------------------------------------------


def final_document(sheet: FinalSheet, locale: str) -> Document:
    """REP-4: a class a table (an XLSX sheet each), students × subjects; where the grade has an exam in the
    subject, the year, exam and final marks side by side."""
    _ = translator(locale)
    return Document(
        title=_("Summary sheet of final marks"),
        school=sheet.school,
        subtitle=_("{year} school year").format(year=sheet.year_name),
        made_on=sheet.made_on,
        locale=locale,
        parts=tuple(class_table(c, _) for c in sheet.classes) or (_("No classes with marks this year."),),
        signatures=signatures(_),
        file_stem=f"final-marks-{latin(sheet.year_name)}",
        one_sheet_per_table=True,
    )


def class_table(c: ClassFinals, _: Translator) -> Table:
    headers: list[str] = ["№", _("Student")]
    for s in c.subjects:
        if s.has_exam:
            headers += [
                _("{subject}: year").format(subject=s.name),
                _("{subject}: exam").format(subject=s.name),
                _("{subject}: final").format(subject=s.name),
            ]
        else:
            headers.append(s.name)
    rows = []
    for number, student in enumerate(c.students, start=1):
        cells: list[Cell] = [number, student.name]
        for s, marks in zip(c.subjects, student.marks, strict=True):
            if s.has_exam:
                cells += [
                    mark_cell(m, _.locale) for m in ((marks.year, marks.exam, marks.final) if marks else (None,) * 3)
                ]
            else:
                cells.append(mark_cell(marks.year if marks else None, _.locale))
        rows.append(tuple(cells))
    averages: list[Cell] = ["", _("Average mark")]
    for i in range(2, len(headers)):
        values = [v for row in rows if isinstance(v := row[i], int)]
        averages.append(round(sum(values) / len(values), 2) if values else None)
    r = c.results
    return Table(
        title=c.class_name,
        headers=tuple(headers),
        rows=tuple(rows),
        totals=tuple(averages),
        note=_(
            "{class_name}: students {count}; quality of knowledge {quality}; success rate {success} (by the final "
            "marks where there is an exam, else by the year marks). n/a — not attested."
        ).format(
            class_name=c.class_name,
            count=r.students,
            quality=percent_text(r.quality, _.locale),
            success=percent_text(r.success, _.locale),
        ),
    )


def final_summary(sheet: FinalSheet, locale: str) -> str:
    _ = translator(locale)
    students = sum(len(c.students) for c in sheet.classes)
    return "<b>{}</b>\n{}".format(
        _("Summary sheet of final marks, {year}").format(year=sheet.year_name),
        _("Classes: {classes}; students: {students}. Print it, sign it and file it.").format(
            classes=len(sheet.classes), students=students
        ),
    )


def latin(name: str) -> str:
    """«2026/2027» → «2026-2027»: a file's name in Latin letters and digits."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in name).strip("-")


# ---- the progress of a report made in the background ----------------------------------------------------------


def preparing_text(locale: str) -> str:
    _ = translator(locale)
    return _("Preparing the school's report…")


def progress_text(done: int, total: int, locale: str) -> str:
    """«Готовлю отчёт по школе: 3 из 24 классов…»."""
    _ = translator(locale)
    return _.ngettext(
        "Preparing the school's report: {done} of {total} class…",
        "Preparing the school's report: {done} of {total} classes…",
        total,
    ).format(done=done, total=total)


def ready_text(locale: str) -> str:
    _ = translator(locale)
    return _("The school's report is ready: the file is below.")


def failed_text(locale: str) -> str:
    _ = translator(locale)
    return _("The school's report could not be made. Please try again a little later.")


def busy_text(locale: str) -> str:
    _ = translator(locale)
    return _("The school's report is being prepared: it will come here when it is ready.")
