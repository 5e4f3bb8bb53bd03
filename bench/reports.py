"""How long the reports take to make on the demo school (REP-1, REP-2, REP-4).

    python bench/reports.py [--database-url URL] [--cards N]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database, then, as the administrator (`schoolbot report`
does the same): every student's report card (the service, the Document and the PDF), every class's results (the
service, the Document, the PDF and the XLSX) and the school's results (PDF). Prints p50 and p95 per card and per
class, the school's seconds, the peak RSS, and the first import of the drawing libraries (matplotlib and fpdf2, in
a fresh interpreter), which the bot pays on its first report rather than at start. Not a test: figures, for the
README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.demo_db import demo_sessions
from services.access import system_actor
from services.models import ClassGroup, School, Student, StudentStatus
from services.reports.classes import ClassReports
from services.reports.school import SchoolReports
from services.reports.student import StudentReports

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 12:00 in Moscow: the 2nd quarter

IMPORT = (
    "import time; started = time.perf_counter(); import ui.reports.pdf, ui.reports.charts, ui.reports.xlsx; "
    "print(time.perf_counter() - started)"
)


def first_import(runs: int = 3) -> float:
    """The median over fresh interpreters of importing the renderers (matplotlib, fpdf2, openpyxl), seconds."""
    times = [
        float(
            subprocess.run([sys.executable, "-c", IMPORT], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def p50_p95(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.0f} / {p95:.0f} ms"


async def main(args) -> None:
    importing = first_import()
    from ui.reports.classes import results_document
    from ui.reports.document import Format
    from ui.reports.render import render
    from ui.reports.school import results_document as school_document
    from ui.reports.student import card_document

    engine, sessions = await demo_sessions(args.database_url)
    clock = lambda: NOW  # noqa: E731
    cards: list[float] = []
    card_reads: list[float] = []  # the service's share of each card
    classes: list[float] = []
    async with sessions() as session:
        school = await session.scalar(select(School).order_by(School.id).limit(1))
        admin = system_actor(school.id)
        students = list(
            await session.scalars(
                select(Student.id).where(Student.school_id == school.id, Student.status == StudentStatus.ACTIVE)
            )
        )[: args.cards or None]
        class_groups = [
            c
            for c in (await session.scalars(select(ClassGroup).where(ClassGroup.school_id == school.id))).unique()
            if c.grade not in school.no_mark_grades
        ]
        student_reports, class_reports = StudentReports(session, clock), ClassReports(session, clock)
        started = time.perf_counter()
        for student_id in students:
            begun = time.perf_counter()
            card = await student_reports.card(admin, student_id)
            read = time.perf_counter()
            render(card_document(card, "ru"), Format.PDF)
            cards.append((time.perf_counter() - begun) * 1000)
            card_reads.append((read - begun) * 1000)
        all_cards = time.perf_counter() - started
        started = time.perf_counter()
        for class_group in class_groups:
            begun = time.perf_counter()
            document = results_document(await class_reports.results(admin, class_group.id), "ru")
            render(document, Format.PDF)
            render(document, Format.XLSX)
            classes.append((time.perf_counter() - begun) * 1000)
        all_classes = time.perf_counter() - started
        begun = time.perf_counter()
        report = await SchoolReports(session, clock).results(admin)
        render(school_document(report, "ru"), Format.PDF)
        whole_school = time.perf_counter() - begun
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rows = [
        (f"report card, service + Document + PDF ({len(cards)} students)", p50_p95(cards), f"{all_cards:.1f} s"),
        ("of which the service (the figures read)", p50_p95(card_reads), f"{sum(card_reads) / 1000:.1f} s"),
        (
            f"class results, service + Document + PDF + XLSX ({len(classes)} classes)",
            p50_p95(classes),
            f"{all_classes:.1f} s",
        ),
        (f"school results, {len(report.classes)} classes, PDF", "", f"{whole_school:.2f} s"),
        ("first import of matplotlib + fpdf2 + openpyxl (fresh interpreter)", "", f"{importing:.2f} s"),
        ("peak RSS", "", f"{peak:.0f} MB"),
    ]
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    print("| | p50 / p95 | in all |\n| --- | --- | --- |")
    for name, per, total in rows:
        print(f"| {name} | {per} | {total} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cards", type=int, default=0, help="only the first N students' cards (0: every one)")
    asyncio.run(main(parser.parse_args()))
