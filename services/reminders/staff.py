"""Scheduled reminders to staff (J-1, J-2, J-11, ABS-3): teachers about their lessons and marks, class teachers about
absence reasons.

Each function reads one school's day in a fixed number of queries whatever the school's size, writes at most one
outbox event per recipient (`records.emit_once`, keyed by kind, day and person) addressed `to_persons`, and
returns how many it wrote; nothing to say, no event. The caller commits (services.db.write_transaction) and
skips days without lessons. Payloads say everything the text needs (names, dates as ISO strings), at most
LIMIT lines and the count of the rest.

Who is reminded of a lesson (ACC-5): whoever keeps its record, as REP-3 counts it (control.taught_by): the
teacher who wrote to it, else that day's substitute, else the assignment's teacher. PER-4: today's substitute,
else the assignment's teacher. Absence reasons: the class's class teacher (ACC-4).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..absence_deadlines import add_working_days, documents_brought, reason_due
from ..calendar import SchoolCalendar
from ..control import (
    LessonGap,
    below_minimum,
    lesson_gaps,
    period_counts,
    roster_ids,
    school_assignments,
    substitutions,
    taught_by,
)
from ..grading_policy import GradingPolicy
from ..models import (
    Absence,
    AbsenceDocument,
    AcademicYear,
    Assignment,
    ClassGroup,
    DocumentStatus,
    EventKind,
    Exam,
    FinalMark,
    FinalMarkKind,
    Lesson,
    Mark,
    Person,
    Role,
    School,
    StaffRole,
    Student,
    StudentStatus,
    StudyPeriod,
    WorkType,
)
from ..pushes.payloads import payload_of
from ..records import emit_once
from . import LIMIT, EndingPeriods, capped

WORK_SHOWN = 100  # characters of a written work's lesson topic in the reminder


async def homework_missing(session: AsyncSession, school_id: int, day: date) -> int:
    """J-2, J-3: before the homework deadline (16:00 by default) of `day`, each teacher's lessons of the day with
    neither homework nor «не задано» yet."""
    school = await session.get_one(School, school_id)
    written = 0
    for teacher in await _day_gaps(session, school_id, day):
        lessons = [_gap_line(g) for g in teacher.lessons if "homework" in g.missing]
        if lessons:
            written += await _emit(
                session,
                school_id,
                EventKind.HOMEWORK_MISSING,
                day,
                teacher.teacher_id,
                deadline=school.homework_deadline.strftime("%H:%M"),
                **capped("lessons", lessons),
            )
    return written


async def lessons_unfilled(session: AsyncSession, school_id: int, day: date) -> int:
    """J-1: at the end of `day`, each teacher's lessons of the day without attendance or without a topic."""
    written = 0
    for teacher in await _day_gaps(session, school_id, day):
        lessons = [
            {**_gap_line(g), "missing": [p for p in ("attendance", "topic") if p in g.missing]}
            for g in teacher.lessons
            if g.missing & {"attendance", "topic"}
        ]
        if lessons:
            written += await _emit(
                session, school_id, EventKind.LESSONS_UNFILLED, day, teacher.teacher_id, **capped("lessons", lessons)
            )
    return written


async def works_unmarked(session: AsyncSession, school_id: int, day: date) -> int:
    """J-11: written, test, laboratory and practical works not marked within 3 days (calendar days, as 000 §6.7.8
    says «в течение 3 дней»; School.written_work_days) — due on that day or before it.

    A lesson does not record that it held a written work; its topic does (the thematic plan names the control
    lessons, J-14: «Контрольная работа № 2», «Словарный диктант»). So a written work is a lesson whose topic holds
    the name of one of the school's written work types (WorkType.is_written), and it is marked once one mark of a
    written work type is in it. Lessons past the edit window (J-9) are left out: their marks go through a
    correction (J-10), not this reminder.
    """
    school = await session.get_one(School, school_id)
    names = [
        n.casefold()
        for n in (
            await session.scalars(select(WorkType.name).where(WorkType.school_id == school_id, WorkType.is_written))
        ).all()
    ]
    if not names:
        return 0
    first = day - timedelta(days=school.edit_window_days)
    last = day - timedelta(days=school.written_work_days)
    in_window = (Lesson.school_id == school_id, Lesson.date.between(first, last), Lesson.topic != "")
    lessons = (await session.scalars(select(Lesson).where(*in_window))).unique().all()
    marked = set(
        (
            await session.scalars(
                select(Mark.lesson_id)
                .join(Lesson, Lesson.id == Mark.lesson_id)
                .join(WorkType, WorkType.id == Mark.work_type_id)
                .where(*in_window, WorkType.is_written)
                .distinct()
            )
        ).all()
    )
    works = [
        lsn
        for lsn in lessons
        if lsn.id not in marked
        and lsn.assignment.class_group.grade not in school.no_mark_grades
        and any(name in lsn.topic.casefold() for name in names)
    ]
    if not works:
        return 0
    substitutes = await substitutions(session, list({lsn.assignment_id for lsn in works}), first, last)
    by_teacher: dict[int, list[Lesson]] = defaultdict(list)
    for lsn in works:
        by_teacher[taught_by(lsn.assignment, lsn.date, lsn, substitutes)].append(lsn)
    written = 0
    for teacher_id, found in by_teacher.items():
        found.sort(key=lambda lsn: (lsn.date, lsn.lesson_number, lsn.assignment.class_group.name))
        lines = [
            {
                **_lesson_line(lsn.date, lsn.lesson_number, lsn.assignment),
                "work": _shortened(lsn.topic),
                "due": (lsn.date + timedelta(days=school.written_work_days)).isoformat(),
            }
            for lsn in found
        ]
        written += await _emit(
            session,
            school_id,
            EventKind.WORKS_UNMARKED,
            day,
            teacher_id,
            days=school.written_work_days,
            **capped("works", lines),
        )
    return written


async def absence_deadlines(session: AsyncSession, school_id: int, day: date) -> int:
    """ABS-3: each class teacher's pending documents and absences without a reason whose deadline (2 working days,
    School.absence_review_days) is today, the next working day, or past.

    The deadlines are the class teacher's screens' own (services/absences.py): a document's from the day it
    arrived, an absence's from the day the document that covers it arrived, or from its lesson's day. Absences past the edit window (J-9) are left out, as nothing can
    be set on them any more.
    """
    school = await session.get_one(School, school_id)
    calendar = await SchoolCalendar.load(session, school_id, day)
    classes = await _led_classes(session, school_id, calendar)
    if not classes:
        return 0
    horizon: dict[int, date] = {}  # by grade: the next working day

    def near(due: date, grade: int) -> bool:
        if grade not in horizon:
            horizon[grade] = add_working_days(day, 1, calendar, grade)
        return due <= horizon[grade]

    zone = ZoneInfo(school.timezone)
    documents: dict[int, list[dict]] = defaultdict(list)
    for row in await session.execute(
        select(
            AbsenceDocument.date_from,
            AbsenceDocument.date_to,
            AbsenceDocument.created_at,
            Student.class_id,
            Person.last_name,
            Person.first_name,
        )
        .join(Student, Student.id == AbsenceDocument.student_id)
        .join(Person, Person.id == Student.person_id)
        .where(Student.class_id.in_(list(classes)), AbsenceDocument.status == DocumentStatus.PENDING)
    ):
        c = classes[row.class_id]
        due = add_working_days(row.created_at.astimezone(zone).date(), school.absence_review_days, calendar, c.grade)
        if near(due, c.grade):
            documents[_class_teacher(c)].append(
                {
                    "student": f"{row.last_name} {row.first_name}",
                    "class": c.name,
                    "date_from": row.date_from.isoformat(),
                    "date_to": row.date_to.isoformat(),
                    "due": due.isoformat(),
                }
            )
    absences: dict[int, list[dict]] = defaultdict(list)
    unreasoned = await _unreasoned(session, classes, day - timedelta(days=school.edit_window_days), day)
    brought = await documents_brought(session, list({student_id for _, student_id, _, _ in unreasoned}), zone)
    for missed_on, student_id, c, line in unreasoned:
        due = reason_due(missed_on, brought[student_id], school, calendar, c.grade)
        if near(due, c.grade):
            absences[_class_teacher(c)].append({**line, "due": due.isoformat()})
    written = 0
    for person_id in sorted(documents.keys() | absences.keys()):
        docs = sorted(documents[person_id], key=lambda d: (d["due"], d["class"], d["student"], d["date_from"]))
        found = sorted(absences[person_id], key=lambda a: (a["due"], a["class"], a["student"], a["date"]))
        shown = docs[:LIMIT]
        listed = found[: LIMIT - len(shown)]
        written += await _emit(
            session,
            school_id,
            EventKind.ABSENCE_DEADLINES,
            day,
            person_id,
            documents=shown,
            more_documents=len(docs) - len(shown),
            absences=listed,
            more_absences=len(found) - len(listed),
        )
    return written


async def week_unreasoned(session: AsyncSession, school_id: int, day: date) -> int:
    """ABS-3 («reviews the week's absences weekly»): on Fridays, each class teacher's absences of the week so far
    (Monday to `day`) still without a reason."""
    calendar = await SchoolCalendar.load(session, school_id, day)
    classes = await _led_classes(session, school_id, calendar)
    if not classes:
        return 0
    monday = day - timedelta(days=day.weekday())
    by_teacher: dict[int, list[dict]] = defaultdict(list)
    for _missed_on, _student_id, c, line in await _unreasoned(session, classes, monday, day):
        by_teacher[_class_teacher(c)].append(line)
    written = 0
    for person_id, found in sorted(by_teacher.items()):
        found.sort(key=lambda a: (a["class"], a["student"], a["date"]))
        written += await _emit(
            session,
            school_id,
            EventKind.WEEK_UNREASONED,
            day,
            person_id,
            week_from=monday.isoformat(),
            **capped("absences", found),
        )
    return written


async def period_failing(session: AsyncSession, school_id: int, day: date) -> int:
    """PER-4: on each of the last PERIOD_WARNING_SCHOOL_DAYS school days of a study period (EndingPeriods), each
    teacher's students (per class and subject) with fewer marks than an objective period mark needs, counted as the
    period sheet counts them.

    The one reminded is who may set the period mark today (PER-2, ACC-5): that day's substitute, else the
    assignment's teacher. Grades without marks (J-8) have no period marks to remind of.
    """
    ending = await EndingPeriods.load(session, school_id, day)
    periods, by_period = ending.periods, ending.assignments
    if not by_period:
        return 0
    chosen = [a for group in by_period.values() for a in group]
    rosters = await roster_ids(session, chosen, day)
    substitutes = await substitutions(session, [a.id for a in chosen], day, day)
    policy = GradingPolicy.of(await session.get_one(School, school_id))
    short: list[tuple[Assignment, StudyPeriod, int, int, int]] = []
    for period_id, group in by_period.items():
        counts = await period_counts(session, periods[period_id], [a.id for a in group])
        short += [
            (a, periods[period_id], *found) for a in group for found in below_minimum(policy, a, rosters[a.id], counts)
        ]
    if not short:
        return 0
    names = {
        row.id: f"{row.last_name} {row.first_name}"
        for row in await session.execute(
            select(Student.id, Person.last_name, Person.first_name)
            .join(Person, Person.id == Student.person_id)
            .where(Student.school_id == school_id, Student.status == StudentStatus.ACTIVE)
        )
    }
    by_teacher: dict[int, list[tuple]] = defaultdict(list)
    for a, period, student_id, marks, needed in short:
        by_teacher[taught_by(a, day, None, substitutes)].append(
            (
                (
                    a.class_group.grade,
                    a.class_group.letter,
                    a.subject.name,
                    a.subgroup.name if a.subgroup else "",
                    names.get(student_id, ""),
                ),
                {
                    "class": a.class_group.name,
                    "subgroup": a.subgroup.name if a.subgroup else None,
                    "subject": a.subject.name,
                    "period": period.name,
                    "ends_on": period.ends_on.isoformat(),
                    "student": names.get(student_id, ""),
                    "marks": marks,
                    "required": needed,
                },
            )
        )
    written = 0
    for person_id, found in sorted(by_teacher.items()):
        lines = [line for _order, line in sorted(found, key=lambda item: item[0])]
        written += await _emit(
            session, school_id, EventKind.PERIOD_FAILING, day, person_id, **capped("students", lines)
        )
    return written


FINALS_ORDER = (FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.FINAL)


async def finals_missing(session: AsyncSession, school_id: int, day: date) -> int:
    """PER-6: final attestation results are entered no later than one day after they are known. On the day after a
    grade's last study period ended, the deputy directors (without one, the administrators) get the classes and
    subjects whose year marks are missing, and their final marks where the subject has no exam; on the day after
    an exam, its classes whose exam (and final) marks are missing. Counted for the active students of each class or
    subgroup; grades without marks (J-8) are left out. Runs whether or not the day has lessons."""
    school = await session.get_one(School, school_id)
    yesterday = day - timedelta(days=1)
    years = select(AcademicYear.id).where(AcademicYear.school_id == school_id)
    periods = (await session.scalars(select(StudyPeriod).where(StudyPeriod.year_id.in_(years)))).all()
    exams = (await session.scalars(select(Exam).where(Exam.school_id == school_id))).all()
    exam_of = {(e.year_id, e.grade, e.subject_id): e for e in exams}

    def last_end(year_id: int, grade: int) -> date | None:
        ends = [p.ends_on for p in periods if p.year_id == year_id and p.grade_from <= grade <= p.grade_to]
        return max(ends) if ends else None

    assignments = [
        a
        for a in (
            await session.scalars(
                select(Assignment)
                .join(ClassGroup, ClassGroup.id == Assignment.class_id)
                .where(Assignment.school_id == school_id, ClassGroup.year_id.in_(years))
            )
        ).all()
        if a.class_group.grade not in school.no_mark_grades
    ]
    due: list[tuple[Assignment, tuple[FinalMarkKind, ...]]] = []
    for a in assignments:
        year_id, grade = a.class_group.year_id, a.class_group.grade
        exam = exam_of.get((year_id, grade, a.subject_id))
        kinds: tuple[FinalMarkKind, ...] = ()
        if last_end(year_id, grade) == yesterday:
            kinds += (FinalMarkKind.YEAR,) if exam else (FinalMarkKind.YEAR, FinalMarkKind.FINAL)
        if exam is not None and exam.held_on == yesterday:
            kinds += (FinalMarkKind.EXAM, FinalMarkKind.FINAL)
        if kinds:
            due.append((a, kinds))
    if not due:
        return 0
    rosters = await roster_ids(session, [a for a, _kinds in due], yesterday)  # who studied on the last day
    have: set[tuple[int, int, FinalMarkKind]] = {
        (student_id, subject_id, kind)
        for student_id, subject_id, kind in await session.execute(
            select(FinalMark.student_id, FinalMark.subject_id, FinalMark.kind).where(
                FinalMark.year_id.in_({a.class_group.year_id for a, _kinds in due}),
                FinalMark.kind.in_((FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.FINAL)),
            )
        )
    }
    found = []
    for a, kinds in due:
        for kind in dict.fromkeys(kinds):
            missing = sum((s, a.subject_id, kind) not in have for s in rosters[a.id])
            if missing:
                group = f" ({a.subgroup.name})" if a.subgroup else ""
                order = (a.class_group.grade, a.class_group.letter, a.subject.name, group, FINALS_ORDER.index(kind))
                line = {
                    "class": a.class_group.name + group,
                    "subject": a.subject.name,
                    "missing": missing,
                    "kind": kind.value,
                }
                found.append((order, line))
    if not found:
        return 0
    lines = [line for _order, line in sorted(found, key=lambda item: item[0])]
    deciders = defaultdict(set)
    for person_id, role in await session.execute(
        select(Person.id, StaffRole.role)
        .join(StaffRole, StaffRole.person_id == Person.id)
        .where(Person.school_id == school_id, StaffRole.role.in_((Role.DEPUTY, Role.ADMIN)))
    ):
        deciders[role].add(person_id)
    written = 0
    for person_id in sorted(deciders[Role.DEPUTY] or deciders[Role.ADMIN]):
        written += await _emit(session, school_id, EventKind.FINALS_MISSING, day, person_id, **capped("lines", lines))
    return written


# ---- shared reads ----------------------------------------------------------------------------------


async def _day_gaps(session: AsyncSession, school_id: int, day: date):
    """REP-3's lessons without attendance, topic or homework, for one day and every lesson of it (over or not)."""
    calendar = await SchoolCalendar.load(session, school_id, day)
    assignments = await school_assignments(session, school_id, calendar)
    return await lesson_gaps(session, school_id, assignments, day, day, calendar=calendar)


async def _led_classes(session: AsyncSession, school_id: int, calendar: SchoolCalendar) -> dict[int, ClassGroup]:
    """The classes of the calendar's year that have a class teacher, by id."""
    query = select(ClassGroup).where(ClassGroup.school_id == school_id, ClassGroup.class_teacher_id.is_not(None))
    if calendar.year is not None:
        query = query.where(ClassGroup.year_id == calendar.year.id)
    return {c.id: c for c in (await session.scalars(query)).all()}


def _class_teacher(c: ClassGroup) -> int:
    """The class teacher of one of _led_classes, which all have one."""
    assert c.class_teacher_id is not None
    return c.class_teacher_id


async def _unreasoned(
    session: AsyncSession, classes: dict[int, ClassGroup], date_from: date, date_to: date
) -> list[tuple[date, int, ClassGroup, dict]]:
    """ABS-2: absences without a reason of the classes' active students within the dates, a line per student and
    day (with how many lessons were missed), in one query."""
    rows = await session.execute(
        select(
            Lesson.date,
            Absence.student_id,
            Student.class_id,
            Person.last_name,
            Person.first_name,
            func.count(Absence.id),
        )
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .join(Student, Student.id == Absence.student_id)
        .join(Person, Person.id == Student.person_id)
        .where(
            Student.class_id.in_(list(classes)),
            Student.status == StudentStatus.ACTIVE,
            Absence.reason.is_(None),
            Lesson.date.between(date_from, date_to),
        )
        .group_by(Absence.student_id, Lesson.date, Student.class_id, Person.last_name, Person.first_name)
    )
    return [
        (
            day,
            student_id,
            classes[class_id],
            {"student": f"{last} {first}", "class": classes[class_id].name, "date": day.isoformat(), "lessons": count},
        )
        for day, student_id, class_id, last, first, count in rows
    ]


# ---- payloads --------------------------------------------------------------------------------------


def _lesson_line(day: date, number: int, assignment: Assignment) -> dict:
    return {
        "date": day.isoformat(),
        "number": number,
        "class": assignment.class_group.name,
        "subgroup": assignment.subgroup.name if assignment.subgroup else None,
        "subject": assignment.subject.name,
    }


def _gap_line(gap: LessonGap) -> dict:
    return {
        "date": gap.date.isoformat(),
        "number": gap.number,
        "class": gap.class_name,
        "subgroup": gap.subgroup,
        "subject": gap.subject,
    }


def _shortened(text: str) -> str:
    return text if len(text) <= WORK_SHOWN else text[: WORK_SHOWN - 1].rstrip() + "…"


async def _emit(
    session: AsyncSession, school_id: int, kind: EventKind, day: date, person_id: int, **payload: Any
) -> int:
    key = f"{kind.value}:{day.isoformat()}:{person_id}"
    reminder = payload_of(kind, {"to_persons": [person_id], "day": day.isoformat(), **payload})
    return int(await emit_once(session, school_id, key, reminder))
