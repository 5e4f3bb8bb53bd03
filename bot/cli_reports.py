"""`schoolbot report KIND …`: the reports (REP-1, REP-2, REP-4) as files, for the administrator to print or archive.

The figures are the services' (services/reports/), made as the school's system actor (REP-5: the administrator's
rights), laid out by ui/reports/ and rendered by ui/reports/render.py, exactly as the bot sends them. A class kind
without --class writes every class of the school, a student's kind without --student every student of the class
(of the school without --class); such whole-school runs draw a progress bar on stderr."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli import CliError, find_class, find_school, open_database
from bot.config import Settings
from ui.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from services.access import Actor
    from services.clock import Clock
    from services.models import AcademicYear, ClassGroup, School
    from services.period_marks import PeriodRef
    from ui.reports.document import Document

STUDENT_KINDS = ("card", "dynamics")
CLASS_KINDS = ("class-results", "summary", "attendance")
TEACHER_KINDS = ("subject-sheet", "programme")
SCHOOL_KINDS = ("school-results", "final-sheet")
KINDS = STUDENT_KINDS + CLASS_KINDS + TEACHER_KINDS + SCHOOL_KINDS
MARKED_KINDS = ("class-results", "summary", "subject-sheet")  # left out for the grades without marks (J-8)


def add_report_parser(sub) -> None:
    p = sub.add_parser(
        "report", help=N_("write reports as PDF or XLSX files: a student's, a class's, a teacher's or the school's")
    )
    p.add_argument("kind", choices=KINDS, help=N_("which report"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.add_argument("--class", dest="class_name", help=N_("e.g. 7Б; default: every class of the school"))
    p.add_argument("--student", type=int, help=N_("card, dynamics: one student's id; default: every student"))
    p.add_argument("--subject", help=N_("subject-sheet, programme: the subject's name; default: every subject"))
    p.add_argument(
        "--period", type=int, help=N_("the N-th study period of the year (1, 2, …); default: the current one")
    )
    p.add_argument("--year", action="store_true", help=N_("class-results, summary, school-results: the year marks"))
    p.add_argument("--month", type=parse_month, help=N_("attendance: a calendar month, YYYY-MM"))
    p.add_argument("--format", choices=["pdf", "xlsx"], default="pdf", help=N_("default: pdf"))
    p.add_argument("--out", type=Path, default=Path("."), help=N_("the folder to write to (default: the current one)"))
    p.set_defaults(handler=cmd_report)


def parse_month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value.strip()}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: YYYY-MM") from None


class ProgressBar:
    """Drawn on stderr: a bar redrawn in place on a terminal; else (a log, a pipe) a line each tenth of the way."""

    WIDTH = 30

    def __init__(self, locale: str, stream: TextIO | None = None):
        from ui.i18n import gettext

        self.text = gettext("Making the reports: {percent} % ({done} of {total})", locale)
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.tenths = 0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        share = min(done, total) / total
        line = self.text.format(percent=int(share * 100), done=done, total=total)
        if self.terminal:
            filled = round(share * self.WIDTH)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {line}")
            self.drawn = True
        elif int(share * 10) > self.tenths:
            self.tenths = int(share * 10)
            self.stream.write(line + "\n")
        self.stream.flush()

    async def update(self, done: int, total: int) -> None:
        """SchoolReports' `progress` callback."""
        self(done, total)

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Run:
    """What every kind's code needs: the session, the school, its actor and clock, the year, the options."""

    session: AsyncSession
    school: School
    actor: Actor
    clock: Clock
    year: AcademicYear
    today: date
    args: argparse.Namespace
    locale: str

    def _(self, text: str) -> str:
        from ui.i18n import gettext

        return gettext(text, self.locale)


async def cmd_report(args, settings: Settings) -> None:
    """REP-1, REP-2, REP-4: the reports of a kind written into --out, one file each, replacing any of that name."""
    from services.access import system_actor
    from services.calendar import SchoolCalendar
    from services.clock import school_today
    from services.models import utcnow
    from ui.i18n import gettext, ngettext
    from ui.reports.document import Format
    from ui.reports.render import file_name, render

    locale = settings.locale
    check_options(args, locale)
    fmt = Format(args.format)
    out: Path = args.out
    written: list[Path] = []
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, locale)
            today = school_today(utcnow, school)
            calendar = await SchoolCalendar.load(session, school.id, today)
            if calendar.year is None:
                raise CliError(gettext("{school} has no school year yet.", locale).format(school=school.name))
            run = Run(session, school, system_actor(school.id), utcnow, calendar.year, today, args, locale)
            whole = not args.class_name and not (args.kind in STUDENT_KINDS and args.student)
            bar = ProgressBar(locale) if whole else None

            def write(document: Document) -> None:
                out.mkdir(parents=True, exist_ok=True)
                path = out / file_name(document, fmt)
                path.write_bytes(render(document, fmt))
                written.append(path)

            try:
                if args.kind in SCHOOL_KINDS:
                    write(await school_document(run, bar))
                else:
                    jobs = await {
                        "card": student_jobs,
                        "dynamics": student_jobs,
                        "class-results": class_jobs,
                        "summary": class_jobs,
                        "attendance": class_jobs,
                        "subject-sheet": teacher_jobs,
                        "programme": teacher_jobs,
                    }[args.kind](run)
                    for done, job in enumerate(jobs, start=1):
                        write(await job())
                        if bar is not None:
                            bar(done, len(jobs))
            finally:
                if bar is not None:
                    bar.close()
    finally:
        await engine.dispose()
    print(
        ngettext(
            "{count} file written to {folder}.", "{count} files written to {folder}.", len(written), locale
        ).format(count=len(written), folder=absolute(out))
    )


def absolute(folder: Path) -> Path:
    return folder.resolve()


def check_options(args, locale: str) -> None:
    from ui.i18n import gettext

    if args.period is not None and args.year:
        raise CliError(gettext("Give --period or --year, not both.", locale))
    if args.year and args.kind not in ("class-results", "summary", "school-results"):
        raise CliError(gettext("--year is for class-results, summary and school-results.", locale))
    if args.month is not None and args.kind != "attendance":
        raise CliError(gettext("--month is for attendance only.", locale))
    if args.month is not None and args.period is not None:
        raise CliError(gettext("Give --period or --month, not both.", locale))
    if args.student is not None and args.kind not in STUDENT_KINDS:
        raise CliError(gettext("--student is for card and dynamics only.", locale))
    if args.subject and args.kind not in TEACHER_KINDS:
        raise CliError(gettext("--subject is for subject-sheet and programme only.", locale))


# ---- the periods -------------------------------------------------------------------------------------------------


def nth_period(run: Run, periods: Sequence[PeriodRef], whose: str) -> int | None:
    """--period N: the N-th of the periods (by start date); None without --period (the services' current one)."""
    n = run.args.period
    if n is None:
        return None
    ordered = sorted(periods, key=lambda p: (p.starts_on, p.period_id))
    if 1 <= n <= len(ordered):
        return ordered[n - 1].period_id
    if not ordered:
        raise CliError(run._("{whose} has no study periods in {year}.").format(whose=whose, year=run.year.name))
    listing = "; ".join(
        f"{i} — {p.name} ({p.starts_on:%d.%m.%Y}–{p.ends_on:%d.%m.%Y})" for i, p in enumerate(ordered, start=1)
    )
    raise CliError(
        run._("{whose} has no study period {n} in {year}; there are: {periods}.").format(
            n=n, whose=whose, year=run.year.name, periods=listing
        )
    )


async def class_periods(run: Run, class_group: ClassGroup) -> list[PeriodRef]:
    """The periods of the class's year that cover its grade."""
    from services.final_marks import periods_of
    from services.period_marks import period_ref

    return [period_ref(p) for p in await periods_of(run.session, class_group.year_id, class_group.grade)]


# ---- what to make ----------------------------------------------------------------------------------------------


async def classes_of(run: Run) -> list[ClassGroup]:
    """The class of --class, or every class of the current year by grade and letter."""
    from sqlalchemy import select

    from services.models import ClassGroup

    if run.args.class_name:
        return [await find_class(run.session, run.school, run.args.class_name, run.locale)]
    found = await run.session.scalars(
        select(ClassGroup).where(ClassGroup.school_id == run.school.id, ClassGroup.year_id == run.year.id)
    )
    return sorted(found.unique(), key=lambda c: (c.grade, c.letter))


def with_marks(run: Run, classes: list[ClassGroup]) -> list[ClassGroup]:
    """A whole school's results leave out the grades without marks (J-8); a class named with --class is asked of
    the service, which says why it has none."""
    if run.args.class_name or run.args.kind not in MARKED_KINDS:
        return classes
    return [c for c in classes if c.grade not in run.school.no_mark_grades]


async def student_jobs(run: Run) -> list:
    """REP-1: one student's card or dynamics, or every student's of the class (of the school)."""
    from sqlalchemy import select

    from services.enrolments import enrolled
    from services.journal import in_journal_order
    from services.models import Student
    from services.reports.student import StudentReports
    from ui.reports.student import card_document, dynamics_document

    reports = StudentReports(run.session, run.clock)
    make, lay_out = (reports.card, card_document) if run.args.kind == "card" else (reports.dynamics, dynamics_document)
    if run.args.student is not None:
        student = await run.session.get(Student, run.args.student)
        if student is None or student.school_id != run.school.id:
            raise CliError(
                run._("No student with id {id} in {school}.").format(id=run.args.student, school=run.school.name)
            )
        pairs = [(student.id, student.class_group)]
    else:
        pairs = []
        day = min(max(run.today, run.year.starts_on), run.year.ends_on)
        for class_group in await classes_of(run):
            roster = await run.session.scalars(select(Student).where(enrolled(class_group.id, day)))
            pairs += [(s.id, class_group) for s in in_journal_order(roster.unique())]
    periods: dict[int, int | None] = {}
    for _id, class_group in pairs:
        if class_group.id not in periods:
            periods[class_group.id] = nth_period(run, await class_periods(run, class_group), class_group.name)

    def job(student_id: int, period_id: int | None):
        async def go() -> Document:
            return lay_out(await make(run.actor, student_id, period_id), run.locale)

        return go

    return [job(student_id, periods[class_group.id]) for student_id, class_group in pairs]


async def class_jobs(run: Run) -> list:
    """REP-2: a class's results, summary sheet or attendance; every class's without --class."""
    from services.reports.classes import ClassReports
    from ui.reports.classes import attendance_document, results_document, summary_document

    reports = ClassReports(run.session, run.clock)
    kind, year, month = run.args.kind, run.args.year, run.args.month
    jobs = []
    for class_group in with_marks(run, await classes_of(run)):
        period_id = None if year or month else nth_period(run, await class_periods(run, class_group), class_group.name)

        def job(class_id: int = class_group.id, period_id: int | None = period_id):
            async def go() -> Document:
                if kind == "class-results":
                    return results_document(
                        await reports.results(run.actor, class_id, period_id, year=year), run.locale
                    )
                if kind == "summary":
                    return summary_document(
                        await reports.summary_sheet(run.actor, class_id, period_id, year), run.locale
                    )
                if month is not None:
                    return attendance_document(await reports.month_attendance(run.actor, class_id, month), run.locale)
                return attendance_document(await reports.period_attendance(run.actor, class_id, period_id), run.locale)

            return go

        jobs.append(job())
    return jobs


async def teacher_jobs(run: Run) -> list:
    """REP-2: a class-and-subject sheet or the programme's completion, for each class and subject (of --class, of
    --subject)."""
    from sqlalchemy import select

    from services.models import Assignment
    from services.reports.teacher import TeacherReports
    from ui.reports.teacher import programme_document, subject_sheet_document

    reports = TeacherReports(run.session, run.clock)
    classes = with_marks(run, await classes_of(run))
    by_id = {c.id: c for c in classes}
    assignments = list(
        (await run.session.scalars(select(Assignment).where(Assignment.class_id.in_(list(by_id))))).unique()
    )
    if run.args.subject:
        wanted = " ".join(run.args.subject.split()).casefold()
        chosen = [a for a in assignments if a.subject.name.casefold() == wanted]
        if not chosen:
            names = ", ".join(sorted({a.subject.name for a in assignments})) or "—"
            where = run.args.class_name or run.school.name
            raise CliError(
                run._("No subject «{subject}» is taught in {where}; the subjects: {names}.").format(
                    subject=run.args.subject, where=where, names=names
                )
            )
        assignments = chosen
    assignments.sort(
        key=lambda a: (
            by_id[a.class_id].grade,
            by_id[a.class_id].letter,
            a.subject.name,
            a.subgroup.name if a.subgroup else "",
        )
    )
    periods: dict[int, int | None] = {}
    jobs = []
    for a in assignments:
        class_group = by_id[a.class_id]
        if run.args.kind == "subject-sheet" and class_group.id not in periods:
            periods[class_group.id] = nth_period(run, await class_periods(run, class_group), class_group.name)

        def job(assignment_id: int = a.id, period_id: int | None = periods.get(class_group.id)):
            async def go() -> Document:
                if run.args.kind == "programme":
                    return programme_document(await reports.programme(run.actor, assignment_id), run.locale)
                sheet = await reports.subject_sheet(run.actor, assignment_id, period_id)
                return subject_sheet_document(sheet, run.locale)

            return go

        jobs.append(job())
    return jobs


async def school_document(run: Run, bar: ProgressBar | None) -> Document:
    """REP-2, REP-4: the school's results of a period (of the year), or the year's summary sheet of final marks."""
    from services.reports.school import SchoolReports
    from ui.reports.school import final_document, results_document

    reports = SchoolReports(run.session, run.clock)
    progress = bar.update if bar is not None else None
    if run.args.kind == "final-sheet":
        return final_document(await reports.final_sheet(run.actor, None, progress), run.locale)
    period_id = None
    if run.args.period is not None:
        period_id = nth_period(run, await reports.periods(run.actor), f"«{run.school.name}»")
    return results_document(await reports.results(run.actor, period_id, run.args.year, progress), run.locale)
