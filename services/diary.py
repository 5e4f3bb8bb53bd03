"""The diary: what a student and their parents see (DIA-1, ACC-1, ACC-2).

Days and weeks with lessons, topics, homework, marks and absences; homework due; marks by subject with
averages; the attendance summary. Every call checks that the actor may see this student.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, get_student_for, student_assignments_clause
from .calendar import SchoolCalendar, timetable_valid
from .clock import Clock, school_today
from .errors import InvalidInput, NotFound
from .models import (
    Absence,
    AbsenceReason,
    Assignment,
    Attachment,
    FinalMark,
    FinalMarkKind,
    Lesson,
    Mark,
    School,
    Student,
    StudyPeriod,
    TimetableEntry,
)

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class MarkItem:
    value: int
    work_type: str
    weight: float
    date: date

    @classmethod
    def of(cls, mark: Mark, day: date) -> MarkItem:
        return cls(mark.value, mark.work_type.name, float(mark.work_type.weight), day)


@dataclass(frozen=True)
class HomeworkItem:
    subject: str
    text: str
    no_homework: bool  # J-3: «не задано»
    given_on: date
    due_on: date | None
    files: tuple[int, ...]  # attachment ids


@dataclass(frozen=True)
class DiaryLesson:
    number: int
    starts_at: time | None
    ends_at: time | None
    subject: str
    teacher: str
    room: str
    topic: str
    homework_given: HomeworkItem | None  # set at this lesson
    homework_due: tuple[HomeworkItem, ...]  # to be done for this lesson
    marks: tuple[MarkItem, ...]
    absent: bool
    absence_reason: AbsenceReason | None


@dataclass(frozen=True)
class DiaryDay:
    date: date
    kind: str  # "school_day" | "weekend" | "holiday" | "out_of_year"
    holiday: str | None
    lessons: tuple[DiaryLesson, ...]


@dataclass(frozen=True)
class SubjectMarks:
    subject: str
    marks: tuple[MarkItem, ...]
    average: float | None
    weighted_average: float | None
    previous_weighted_average: float | None  # the same subject in the previous period
    period_mark: int | None


@dataclass(frozen=True)
class MarksReport:
    student_id: int
    period_id: int
    period_name: str
    subjects: tuple[SubjectMarks, ...]


@dataclass(frozen=True)
class SubjectAttendance:
    subject: str
    lessons: int  # lessons held with attendance taken
    absences: int
    by_reason: dict[str, int]  # reason value, or "none" for «не указана»

    @property
    def without_reason(self) -> int:
        return self.by_reason.get("none", 0)


@dataclass(frozen=True)
class AttendanceReport:
    student_id: int
    period_id: int
    period_name: str
    subjects: tuple[SubjectAttendance, ...]

    @property
    def absences(self) -> int:
        return sum(s.absences for s in self.subjects)

    @property
    def without_reason(self) -> int:
        return sum(s.without_reason for s in self.subjects)


def averages(marks: Sequence[MarkItem]) -> tuple[float | None, float | None]:
    """The simple and the weighted average (J-5), two decimals."""
    if not marks:
        return None, None
    simple = sum(m.value for m in marks) / len(marks)
    weights = sum(m.weight for m in marks)
    weighted = sum(m.value * m.weight for m in marks) / weights if weights else simple
    return round(simple, 2), round(weighted, 2)


def marks_needed(marks: Sequence[tuple[int, float]], target: float, value: int, weight: float = 1.0) -> int | None:
    """How many more marks of `value` (with `weight`) lift the weighted average to `target`.

    0 when it is reached already; None when marks of that value can never reach it.
    """
    total = sum(v * w for v, w in marks)
    weights = sum(w for _, w in marks)
    if weights and total / weights >= target:
        return 0
    if value <= target or weight <= 0:
        return None if value < target or weights else 1
    # (total + n*value*weight) / (weights + n*weight) >= target
    n = (target * weights - total) / (weight * (value - target))
    return max(1, math.ceil(round(n, 9)))


class DiaryService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def day(self, actor: Actor, student_id: int, day: date) -> DiaryDay:
        return (await self.days(actor, student_id, day, day))[0]

    async def week(self, actor: Actor, student_id: int, day: date) -> list[DiaryDay]:
        """Monday to Saturday of the week that holds `day`."""
        monday = day - timedelta(days=day.weekday())
        return await self.days(actor, student_id, monday, monday + timedelta(days=5))

    async def days(self, actor: Actor, student_id: int, first: date, last: date) -> list[DiaryDay]:
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise InvalidInput("diary.bad_range", max_days=MAX_RANGE_DAYS)
        student = await get_student_for(self.session, actor, student_id)
        grade = student.class_group.grade
        calendar = await SchoolCalendar.load(self.session, student.school_id, first)
        assignments = await self._assignments(student)
        timetable = (
            await self.session.scalars(
                timetable_valid(first).where(TimetableEntry.assignment_id.in_(assignments))
            )
        ).unique().all()
        lessons = await self._lessons(assignments, Lesson.date.between(first, last))
        due = await self._lessons(assignments, Lesson.homework_due_on.between(first, last))
        files = await self._files([lsn.id for lsn in (*lessons, *due)])
        marks, absences = await self._marks_and_absences(student.id, [lsn.id for lsn in lessons])

        by_slot = {(lsn.date, lsn.assignment_id, lsn.lesson_number): lsn for lsn in lessons}
        due_by_day: dict[tuple[date, int], list[HomeworkItem]] = defaultdict(list)
        for lsn in due:
            due_by_day[(lsn.homework_due_on, lsn.assignment_id)].append(self._homework(lsn, files))

        rooms = {(e.assignment_id, e.lesson_number, e.weekday): e.room for e in timetable}
        result = []
        day = first
        while day <= last:
            status = calendar.status(day, grade)
            slots = set()
            if status.has_lessons:
                slots = {(day, e.assignment_id, e.lesson_number) for e in timetable
                         if e.weekday == day.weekday() and e.valid_from <= day and (e.valid_to is None or e.valid_to >= day)}
                slots |= {k for k in by_slot if k[0] == day}
            items = []
            for _, assignment_id, number in sorted(slots, key=lambda s: (s[2], s[1])):
                a = assignments[assignment_id]
                lsn = by_slot.get((day, assignment_id, number))
                starts, ends = calendar.bell(number)
                absence = absences.get(lsn.id) if lsn else None
                items.append(
                    DiaryLesson(
                        number=number, starts_at=starts, ends_at=ends, subject=a.subject.name,
                        teacher=a.teacher.short_name, room=rooms.get((assignment_id, number, day.weekday()), ""),
                        topic=lsn.topic if lsn else "",
                        homework_given=self._homework(lsn, files) if lsn and (lsn.homework or lsn.no_homework) else None,
                        homework_due=tuple(due_by_day.pop((day, assignment_id), ())),
                        marks=tuple(marks.get(lsn.id, ())) if lsn else (),
                        absent=absence is not None,
                        absence_reason=absence.reason if absence is not None else None,
                    )
                )
            kind = status.kind
            if kind == "school_day" and not items and day.weekday() == 5:
                kind = "weekend"  # a Saturday without lessons
            result.append(DiaryDay(date=day, kind=kind, holiday=status.holiday, lessons=tuple(items)))
            day += timedelta(days=1)
        return result

    async def homework(self, actor: Actor, student_id: int, first: date, last: date) -> list[HomeworkItem]:
        """Homework due from `first` to `last`, in order of the due date (J-2..J-4)."""
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise InvalidInput("diary.bad_range", max_days=MAX_RANGE_DAYS)
        student = await get_student_for(self.session, actor, student_id)
        assignments = await self._assignments(student)
        due = await self._lessons(assignments, Lesson.homework_due_on.between(first, last))
        files = await self._files([lsn.id for lsn in due])
        items = [self._homework(lsn, files) for lsn in due if lsn.homework]
        return sorted(items, key=lambda h: (h.due_on, h.subject))

    async def marks(self, actor: Actor, student_id: int, period_id: int | None = None) -> MarksReport:
        """DIA-1: the period's marks by subject with both averages, the previous period's and the period mark."""
        student = await get_student_for(self.session, actor, student_id)
        period, previous = await self._period(student, period_id)
        assignments = await self._assignments(student)
        subjects = sorted({a.subject.name: a.subject_id for a in assignments.values()}.items())
        current = await self._student_marks(student.id, assignments, period)
        before = await self._student_marks(student.id, assignments, previous) if previous else {}
        finals = dict(
            (
                await self.session.execute(
                    select(FinalMark.subject_id, FinalMark.value).where(
                        FinalMark.student_id == student.id, FinalMark.period_id == period.id,
                        FinalMark.kind == FinalMarkKind.PERIOD,
                    )
                )
            ).all()
        )
        result = []
        for name, subject_id in subjects:
            items = current.get(subject_id, [])
            simple, weighted = averages(items)
            result.append(
                SubjectMarks(
                    subject=name, marks=tuple(items), average=simple, weighted_average=weighted,
                    previous_weighted_average=averages(before.get(subject_id, []))[1],
                    period_mark=finals.get(subject_id),
                )
            )
        return MarksReport(student_id=student.id, period_id=period.id, period_name=period.name, subjects=tuple(result))

    async def attendance(self, actor: Actor, student_id: int, period_id: int | None = None) -> AttendanceReport:
        """DIA-1: the period's absences by subject and reason, and how many still have no reason."""
        student = await get_student_for(self.session, actor, student_id)
        period, _ = await self._period(student, period_id)
        assignments = await self._assignments(student)
        lessons = await self._lessons(
            assignments, Lesson.date.between(period.starts_on, period.ends_on), Lesson.attendance_taken_at.is_not(None)
        )
        held: dict[int, int] = defaultdict(int)
        for lsn in lessons:
            held[assignments[lsn.assignment_id].subject_id] += 1
        rows = (
            await self.session.execute(
                select(Lesson.assignment_id, Absence.reason)
                .join(Absence, Absence.lesson_id == Lesson.id)
                .where(Absence.student_id == student.id, Lesson.assignment_id.in_(assignments),
                       Lesson.date.between(period.starts_on, period.ends_on))
            )
        ).all()
        reasons: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for assignment_id, reason in rows:
            reasons[assignments[assignment_id].subject_id][reason.value if reason else "none"] += 1
        names = sorted({a.subject.name: a.subject_id for a in assignments.values()}.items())
        return AttendanceReport(
            student_id=student.id, period_id=period.id, period_name=period.name,
            subjects=tuple(
                SubjectAttendance(subject=name, lessons=held.get(sid, 0),
                                  absences=sum(reasons.get(sid, {}).values()), by_reason=dict(reasons.get(sid, {})))
                for name, sid in names
            ),
        )

    # ---- internals -------------------------------------------------------------------------------

    async def _assignments(self, student: Student) -> dict[int, Assignment]:
        rows = await self.session.scalars(select(Assignment).where(student_assignments_clause(student)))
        return {a.id: a for a in rows.unique()}

    async def _lessons(self, assignments: dict[int, Assignment], *where) -> list[Lesson]:
        if not assignments:
            return []
        rows = await self.session.scalars(select(Lesson).where(Lesson.assignment_id.in_(assignments), *where))
        return list(rows.unique())

    async def _files(self, lesson_ids: list[int]) -> dict[int, tuple[int, ...]]:
        found: dict[int, list[int]] = defaultdict(list)
        if lesson_ids:
            for att_id, lesson_id in await self.session.execute(
                select(Attachment.id, Attachment.lesson_id).where(Attachment.lesson_id.in_(lesson_ids)).order_by(Attachment.id)
            ):
                found[lesson_id].append(att_id)
        return {k: tuple(v) for k, v in found.items()}

    async def _marks_and_absences(self, student_id: int, lesson_ids: list[int]):
        marks: dict[int, list[MarkItem]] = defaultdict(list)
        absences: dict[int, Absence] = {}
        if lesson_ids:
            for m, day in await self.session.execute(
                select(Mark, Lesson.date).join(Lesson, Lesson.id == Mark.lesson_id)
                .where(Mark.student_id == student_id, Mark.lesson_id.in_(lesson_ids)).order_by(Mark.id)
            ):
                marks[m.lesson_id].append(MarkItem.of(m, day))
            for a in await self.session.scalars(
                select(Absence).where(Absence.student_id == student_id, Absence.lesson_id.in_(lesson_ids))
            ):
                absences[a.lesson_id] = a
        return marks, absences

    async def _student_marks(self, student_id: int, assignments: dict[int, Assignment], period: StudyPeriod):
        by_subject: dict[int, list[MarkItem]] = defaultdict(list)
        rows = await self.session.execute(
            select(Mark, Lesson.date, Lesson.assignment_id)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .where(Mark.student_id == student_id, Lesson.assignment_id.in_(assignments),
                   Lesson.date.between(period.starts_on, period.ends_on))
            .order_by(Lesson.date, Mark.id)
        )
        for m, day, assignment_id in rows.unique():
            by_subject[assignments[assignment_id].subject_id].append(MarkItem.of(m, day))
        return by_subject

    async def _period(self, student: Student, period_id: int | None) -> tuple[StudyPeriod, StudyPeriod | None]:
        school = await self.session.get(School, student.school_id)
        today = school_today(self.clock, school)
        calendar = await SchoolCalendar.load(self.session, student.school_id, today)
        grade = student.class_group.grade
        periods = calendar.periods(grade)
        if period_id is None:
            period = calendar.current_or_last_period(today, grade)
        else:
            period = next((p for p in periods if p.id == period_id), None)
            if period is None:
                raise NotFound("period.not_found")
        index = periods.index(period)
        return period, periods[index - 1] if index > 0 else None

    @staticmethod
    def _homework(lesson: Lesson, files: dict[int, tuple[int, ...]]) -> HomeworkItem:
        return HomeworkItem(
            subject=lesson.assignment.subject.name, text=lesson.homework, no_homework=lesson.no_homework,
            given_on=lesson.date, due_on=lesson.homework_due_on, files=files.get(lesson.id, ()),
        )
