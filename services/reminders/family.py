"""Scheduled reminders to families (DIA-3, DIA-4): tomorrow's homework the evening before, the
week's summary of marks and absences, and the forecast of the period marks before a period ends.

Each function reads one school on one of its days and writes one outbox event per active student
(`student_id=…`: the fan-out tells the student and each linked parent, by their choice for the event's NotifyKind),
keyed so that a second run writes nothing (records.emit_once), and returns how many it wrote. Payloads say all the
text needs (subject names, dates as ISO strings, numbers), at most LIMIT lines and the count of the rest; the
child's name is the heading the worker puts above them. The reading is a fixed number of queries whatever the
roster (the demo school has ~730 students); keys already written are found in one query, so a second run costs no
query per student. The caller commits (services.db.write_transaction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import SchoolCalendar, SchoolDays
from ..control import below_minimum, period_counts, roster_ids
from ..errors import NotFound
from ..grading import MarkItem, averages
from ..grading_policy import GradingPolicy, suggested_mark
from ..models import (
    Absence,
    Assignment,
    Attachment,
    ClassGroup,
    EventKind,
    Lesson,
    Mark,
    OutboxEvent,
    School,
    Student,
    StudentStatus,
    StudyPeriod,
    Subject,
    WorkType,
)
from ..pushes.payloads import payload_of
from ..records import emit_once
from . import EndingPeriods, capped

HOMEWORK_SHOWN = 200  # characters of each homework text; /homework has the rest


async def homework_tomorrow(session: AsyncSession, school_id: int, day: date) -> int:
    """The evening of `day`, before a school day (J-2..J-4): each active student with homework due tomorrow gets
    the list, a line per homework (subject, the text shortened, how many files). Only the lessons of the student's
    own subgroup (J-13); a grade without lessons tomorrow (a holiday of its own) gets nothing, nor does «не задано»
    (J-3). Keyed by the day the homework is due, so that an early run and the evening's write one event."""
    tomorrow = day + timedelta(days=1)
    days = await SchoolDays.load(session, school_id, tomorrow)
    lessons = [
        lsn
        for lsn in (
            await session.scalars(
                select(Lesson).where(
                    Lesson.school_id == school_id, Lesson.homework_due_on == tomorrow, Lesson.homework != ""
                )
            )
        ).unique()
        if days.has_lessons(tomorrow, lsn.assignment.class_group.grade)
    ]
    if not lessons:
        return 0
    files = dict(
        (
            await session.execute(
                select(Attachment.lesson_id, func.count(Attachment.id))
                .where(Attachment.lesson_id.in_([lsn.id for lsn in lessons]))
                .group_by(Attachment.lesson_id)
            )
        ).all()
    )
    rosters = await roster_ids(session, list({lsn.assignment_id: lsn.assignment for lsn in lessons}.values()), tomorrow)
    by_student: dict[int, list[Lesson]] = defaultdict(list)
    for lsn in lessons:
        for student_id in rosters[lsn.assignment_id]:
            by_student[student_id].append(lsn)
    events = {}
    for student_id, found in by_student.items():
        found.sort(key=lambda lsn: (lsn.assignment.subject.name, lsn.date, lsn.lesson_number))
        lines = [
            {"subject": lsn.assignment.subject.name, "text": _shortened(lsn.homework), "files": files.get(lsn.id, 0)}
            for lsn in found
        ]
        events[f"homework_tomorrow:{tomorrow.isoformat()}:{student_id}"] = {
            "student_id": student_id,
            "due_on": tomorrow.isoformat(),
            **capped("homework", lines),
        }
    return await _emit_new(session, school_id, EventKind.HOMEWORK_TOMORROW, events)


async def weekly_summary(session: AsyncSession, school_id: int, day: date) -> int:
    """The week from its Monday to `day`, for each active student: the marks of the week by subject, each with the
    subject's weighted average in the study period so far (the diary's, DIA-1, J-5), and the lessons missed by
    reason (ABS-2; "none" for a reason not set yet). A student with neither marks nor absences that week gets
    nothing: a summary is news, not a heartbeat. Keyed by the week, so it is written once a week."""
    monday = day - timedelta(days=day.weekday())
    calendar = await SchoolCalendar.load(session, school_id, day)
    students = await _active_students(session, school_id, calendar)
    if not students:
        return 0
    periods = {grade: _period_so_far(calendar, day, grade) for grade in set(students.values())}
    first = min([monday, *(p.starts_on for p in periods.values() if p is not None)])
    marks: dict[int, dict[int, list[MarkItem]]] = defaultdict(lambda: defaultdict(list))
    subjects: dict[int, str] = {}
    for student_id, subject_id, subject, on, value, work_type, weight in await session.execute(
        select(Mark.student_id, Subject.id, Subject.name, Lesson.date, Mark.value, WorkType.name, WorkType.weight)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(Subject, Subject.id == Assignment.subject_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Lesson.school_id == school_id, Lesson.date.between(first, day))
        .order_by(Lesson.date, Mark.id)
    ):
        if student_id in students:
            marks[student_id][subject_id].append(MarkItem(value, work_type, float(weight), on))
            subjects[subject_id] = subject
    absences: dict[int, dict[str, int]] = defaultdict(dict)
    for student_id, reason, count in await session.execute(
        select(Absence.student_id, Absence.reason, func.count(Absence.id))
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(Lesson.school_id == school_id, Lesson.date.between(monday, day))
        .group_by(Absence.student_id, Absence.reason)
    ):
        if student_id in students:
            absences[student_id][reason.value if reason else "none"] = count
    events = {}
    for student_id, grade in students.items():
        period = periods[grade]
        lines: list[dict[str, Any]] = []
        for subject_id, items in marks[student_id].items():
            week = [m.value for m in items if m.date >= monday]
            if week:
                so_far = [m for m in items if period is not None and m.date >= period.starts_on]
                lines.append({"subject": subjects[subject_id], "marks": week, "average": averages(so_far)[1]})
        if not lines and not absences[student_id]:
            continue
        lines.sort(key=lambda line: line["subject"])
        events[f"weekly_summary:{monday.isoformat()}:{student_id}"] = {
            "student_id": student_id,
            "week_from": monday.isoformat(),
            "week_to": day.isoformat(),
            "period": period.name if period is not None else None,
            **capped("subjects", lines),
            "absences": absences[student_id],
        }
    return await _emit_new(session, school_id, EventKind.WEEKLY_SUMMARY, events)


async def period_forecast(session: AsyncSession, school_id: int, day: date) -> int:
    """DIA-4: on a school day within the last PERIOD_WARNING_SCHOOL_DAYS school days of a student's study period,
    the forecast of each subject's period mark: the weighted average so far and the mark it rounds to (the period
    sheet's suggestion, PER-3), and a flag where the student has fewer marks than an objective period mark needs
    (PER-4, counted as the sheet counts it: lessons missed for a valid reason lower the count). Once per period and
    student, on the first day of the window the job runs. Grades without marks (J-8) get none. A forecast only:
    the teacher sets the period mark (PER-2)."""
    ending = await EndingPeriods.load(session, school_id, day)
    periods, by_period = ending.periods, ending.assignments
    if not by_period:
        return 0
    school = await session.get_one(School, school_id)  # in the identity map already
    policy = GradingPolicy.of(school)
    rosters = await roster_ids(session, [a for group in by_period.values() for a in group], day)

    def key(period_id: int, student_id: int) -> str:
        return f"period_forecast:{period_id}:{student_id}"

    # The window lasts several days and the forecast is written on its first: the later runs stop here.
    wanted = {key(p, s) for p, group in by_period.items() for a in group for s in rosters[a.id]}
    done = await _written(session, wanted)
    if done >= wanted:
        return 0
    lines: dict[tuple[int, int], list[dict]] = defaultdict(list)  # (period, student) -> a line per subject
    for period_id, group in by_period.items():
        period, ids = periods[period_id], [a.id for a in group]
        counts = await period_counts(session, period, ids)
        marks: dict[tuple[int, int], list[MarkItem]] = defaultdict(list)
        for assignment_id, student_id, on, value, work_type, weight in await session.execute(
            select(Lesson.assignment_id, Mark.student_id, Lesson.date, Mark.value, WorkType.name, WorkType.weight)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .join(WorkType, WorkType.id == Mark.work_type_id)
            .where(Lesson.assignment_id.in_(ids), Lesson.date.between(period.starts_on, period.ends_on))
            .order_by(Lesson.date, Mark.id)
        ):
            marks[(assignment_id, student_id)].append(MarkItem(value, work_type, float(weight), on))
        for a in group:
            short = {
                student_id: needed for student_id, _marks, needed in below_minimum(policy, a, rosters[a.id], counts)
            }
            for student_id in rosters[a.id]:
                if key(period_id, student_id) in done:
                    continue
                weighted = averages(marks[(a.id, student_id)])[1]
                lines[(period_id, student_id)].append(
                    {
                        "subject": a.subject.name,
                        "average": weighted,
                        "mark": suggested_mark(policy, weighted, school),
                        "marks": counts.marks.get((a.id, student_id), 0),
                        "required": short.get(student_id),
                    }
                )
    events = {}
    for (period_id, student_id), found in lines.items():
        found.sort(key=lambda line: line["subject"])
        period = periods[period_id]
        events[key(period_id, student_id)] = {
            "student_id": student_id,
            "period": period.name,
            "ends_on": period.ends_on.isoformat(),
            **capped("subjects", found),
        }
    return await _emit_new(session, school_id, EventKind.PERIOD_FORECAST, events)


# ---- shared reads and writes -----------------------------------------------------------------------


async def _active_students(session: AsyncSession, school_id: int, calendar: SchoolCalendar) -> dict[int, int]:
    """The active students of the calendar's year (ACC-9: nobody who left), with their grades, by id."""
    query = (
        select(Student.id, ClassGroup.grade)
        .join(ClassGroup, ClassGroup.id == Student.class_id)
        .where(Student.school_id == school_id, Student.status == StudentStatus.ACTIVE)
    )
    if calendar.year is not None:
        query = query.where(ClassGroup.year_id == calendar.year.id)
    return dict((await session.execute(query)).all())


def _period_so_far(calendar: SchoolCalendar, day: date, grade: int) -> StudyPeriod | None:
    """The period `day` is in; in a vacation the one that ended last; None where the grade has no periods."""
    try:
        return calendar.current_or_last_period(day, grade)
    except NotFound:
        return None


async def _written(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(await session.scalars(select(OutboxEvent.key).where(OutboxEvent.key.in_(keys))))


async def _emit_new(session: AsyncSession, school_id: int, kind: EventKind, events: dict[str, dict]) -> int:
    """Writes the events whose keys are not written yet, each through its kind's payload (services/pushes/payloads.py).
    Those found in one query are skipped; emit_once still guards against another scheduler writing the same at the
    same moment."""
    done = await _written(session, events)
    written = 0
    for key, payload in events.items():
        if key not in done:
            written += await emit_once(session, school_id, key, payload_of(kind, payload))
    return written


def _shortened(text: str) -> str:
    text = " ".join(text.split())  # one line in the list
    return text if len(text) <= HOMEWORK_SHOWN else text[: HOMEWORK_SHOWN - 1].rstrip() + "…"
