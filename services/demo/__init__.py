"""`schoolbot demo`: realistic Russian schools, reproducible from a seed, living around today's date.

Each school's reference data (calendar, staff, classes, students, parents, load, timetable) is built as
the import tables (school.py) and loaded through the importer, `import_school`, in its transaction; the
term's journal (activity.py) is then written straight into the tables with bulk inserts, in a second
transaction per school. The same seed and the same `today` give the same data: each school draws from
its own generators, seeded by (seed, school number), and nothing depends on the clock except the
default `today`. Generated history is seed data, not user actions: no outbox events, no audit entries.

Schools are numbered «МБОУ «Средняя школа № N»», N = 1 … `schools`; a school the database already
holds is left as it is, so running the same command again changes nothing (a newcomer may well run the
README's command twice), and `--schools 5` after `--schools 2` adds № 3 to № 5.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import write_transaction
from ..models import School
from ..school_import import import_school
from .activity import ActivityCounts, write_activity
from .calendar import calendar_for
from .school import build_school_tables, school_name

__all__ = ["DemoSummary", "SchoolSummary", "build_school_tables", "calendar_for", "generate_demo"]

TIMEZONE = "Europe/Moscow"
COUNTS = (
    "classes",
    "students",
    "parents",
    "teachers",
    "lessons",
    "marks",
    "absences",
    "documents",
    "final_marks",
    "plan_topics",
)


@dataclass(frozen=True)
class SchoolSummary:
    number: int
    school_id: int
    name: str
    classes: int
    students: int
    parents: int
    teachers: int
    lessons: int
    marks: int
    absences: int
    documents: int
    final_marks: int
    plan_topics: int


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    today: date
    schools: tuple[SchoolSummary, ...]

    @property
    def totals(self) -> dict[str, int]:
        """{"schools": …, "classes": …, "students": …, …} over all the schools."""
        result = {"schools": len(self.schools)}
        result.update({name: sum(getattr(s, name) for s in self.schools) for name in COUNTS})
        return result


def school_rng(seed: int, number: int, part: str) -> random.Random:
    """A generator of its own for each school and part, so that schools do not depend on each other."""
    return random.Random(f"schoolbot-demo:{seed}:{number}:{part}")


async def generate_demo(
    session_factory: Callable[[], AsyncSession], *, seed: int = 1, schools: int = 1, today: date | None = None
) -> DemoSummary:
    """Makes sure demo schools № 1 … `schools` exist; the missing ones are created, each with the journal
    of its current term up to `today`. The summary counts only the schools created now."""
    if schools < 1:
        raise ValueError("schools must be at least 1")
    today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    async with session_factory() as session:
        taken = set((await session.scalars(select(School.name))).all())
    numbers = [n for n in range(1, schools + 1) if school_name(n) not in taken]

    summaries = []
    for number in numbers:
        tables = build_school_tables(school_rng(seed, number, "school"), today, number)
        async with session_factory() as session:
            report = await import_school(session, tables)
            async with write_transaction(session):
                counts: ActivityCounts = await write_activity(
                    session, report.school_id, today, school_rng(seed, number, "activity")
                )
        parents = {(p["last_name"], p["first_name"], p["middle_name"], p["phone"]) for p in tables["parents"]}
        summaries.append(
            SchoolSummary(
                number=number,
                school_id=report.school_id,
                name=school_name(number),
                classes=len(tables["classes"]),
                students=len(tables["students"]),
                parents=len(parents),
                teachers=sum(1 for s in tables["staff"] if "учитель" in s["roles"]),
                lessons=counts.lessons,
                marks=counts.marks,
                absences=counts.absences,
                documents=counts.documents,
                final_marks=counts.final_marks,
                plan_topics=counts.plan_topics,
            )
        )
    return DemoSummary(seed, today, tuple(summaries))
