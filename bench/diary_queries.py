"""How fast the diary, the teacher's screens and the deputy's control answer on demo schools.

    python bench/diary_queries.py [--schools 1] [--samples 300] [--database-url URL]

Generates the demo (seed 1, 24 Nov 2026) into a fresh database, then times the use cases a parent and
a teacher call most: a student's week, a student's marks report, a teacher's day, a lesson opened, a class's
period sheet; and the deputy director's whole-school control report (REP-3), every tenth sample.
Prints p50 and p95 in milliseconds per call. Not a test: figures, for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.demo_db import TODAY, demo_sessions
from services.access import load_actor
from services.control import ControlService
from services.diary import DiaryService
from services.journal import JournalService
from services.models import Assignment, Guardianship, Role, StaffRole
from services.period_marks import PeriodMarkService
from services.report_card import ReportCardService

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def timed(samples: list[float], call) -> None:
    start = time.perf_counter()
    await call
    samples.append((time.perf_counter() - start) * 1000)


async def main(args) -> None:
    engine, sessions = await demo_sessions(args.database_url, args.schools)
    rng = random.Random(1)
    results: dict[str, list[float]] = {
        "diary week": [],
        "marks report": [],
        "teacher day": [],
        "open lesson": [],
        "period sheet": [],
        "control report": [],
    }
    async with sessions() as session:
        pairs = (await session.execute(select(Guardianship.parent_id, Guardianship.student_id))).all()
        teachers = (await session.execute(select(Assignment.teacher_id).distinct())).scalars().all()
        deputy_id = await session.scalar(select(StaffRole.person_id).where(StaffRole.role == Role.DEPUTY).limit(1))
    clock = lambda: NOW  # noqa: E731
    for _ in range(args.samples):
        parent_id, student_id = rng.choice(pairs)
        teacher_id = rng.choice(teachers)
        async with sessions() as session:
            parent = await load_actor(session, parent_id)
            diary = DiaryService(session, clock)
            await timed(results["diary week"], diary.week(parent, student_id, TODAY))
            await timed(results["marks report"], ReportCardService(session, clock).marks(parent, student_id))
            teacher = await load_actor(session, teacher_id)
            journal = JournalService(session, clock)
            start = time.perf_counter()
            slots = await journal.teacher_day(teacher, TODAY)
            results["teacher day"].append((time.perf_counter() - start) * 1000)
            recorded = [s for s in slots if s.lesson_id]
            if recorded:
                await timed(results["open lesson"], journal.lesson_view(teacher, rng.choice(recorded).lesson_id))
            periods = PeriodMarkService(session, clock)
            choices = await periods.choices(teacher)
            if choices:
                choice = rng.choice(choices)
                await timed(
                    results["period sheet"], periods.sheet(teacher, choice.assignment_id, choice.current_period_id)
                )
        if deputy_id is not None and len(results["diary week"]) % 10 == 1:
            async with sessions() as session:
                deputy = await load_actor(session, deputy_id)
                await timed(results["control report"], ControlService(session, clock).report(deputy))
    for name, samples in results.items():
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:14s} p50 {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms   ({len(samples)} calls)")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
