"""The diary: what a student and their parents see (DIA-1, ACC-1, ACC-2).

Days and weeks with lessons, topics, homework, marks and absences; homework due; marks by subject with
averages; the attendance summary. Every call checks that the actor may see this student.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, get_student_for, student_assignments_clause
from .calendar import SchoolCalendar, timetable_valid
from .clock import Clock, school_today
from .errors import InvalidInput, NotFound
from .grading import NEW_MARK_WEIGHT, MarkItem, averages, marks_needed, rounds_up_from
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
class StudentCard:
    """Whose diary a screen shows: its header."""

    student_id: int
    first_name: str
    last_name: str
    class_name: str
    grade: int

    @classmethod
    def of(cls, student: Student) -> StudentCard:
        return cls(student.id, student.person.first_name, student.person.last_name,
                   student.class_group.name, student.class_group.grade)


@dataclass(frozen=True)
class HomeworkItem:
    subject: str
    text: str
    no_homework: bool  # J-3: «не задано», said by the teacher; no text and not said: not entered yet
    given_on: date | None  # None: not entered yet
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
    subject_id: int | None = None  # for a button that asks about this subject (mark_goal)
    not_attested: bool = False  # the period mark is «н/а» (period_mark is then None)


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
class AbsenceDay:
    """A day the student missed lessons: how many, and how many still without a reason (ABS-1: a document's)."""

    date: date
    lessons: int
    without_reason: int


@dataclass(frozen=True)
class AttendanceReport:
    student_id: int
    period_id: int
    period_name: str
    subjects: tuple[SubjectAttendance, ...]
    days: tuple[AbsenceDay, ...] = ()  # oldest first

    @property
    def absences(self) -> int:
        return sum(s.absences for s in self.subjects)

    @property
    def without_reason(self) -> int:
        return sum(s.without_reason for s in self.subjects)


HOMEWORK_DAYS = 7  # the homework screen looks this many days ahead, from tomorrow


@dataclass(frozen=True)
class HomeworkFile:
    """A teacher's file for homework (J-4): sent again by its file id, or from the school's file store."""

    attachment_id: int
    kind: str  # "photo" | "document"
    telegram_file_id: str
    file_name: str
    telegram_bot_id: int | None
    sha256: str | None


@dataclass(frozen=True)
class HomeworkAhead:
    """What is due in the coming days: homework and «не задано» (J-3), by due date, and its files."""

    first: date
    last: date
    items: tuple[HomeworkItem, ...]  # no_homework items are due on the subject's next lesson
    files: dict[int, HomeworkFile]  # attachment id -> file, for the items' `files`


@dataclass(frozen=True)
class PeriodCard:
    period_id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class MarkGoal:
    """"What is needed" for a period mark (PER-3, DIA-4): how many more marks lift the weighted average."""

    student_id: int
    period_id: int
    period_name: str
    subject_id: int
    subject: str
    marks_count: int
    weighted_average: float | None
    choices: tuple[int, ...]  # the period marks one can aim at: the scale above its lowest mark
    mark: int | None = None  # the one chosen
    threshold: float | None = None  # rounds_up_from(mark)
    reached: bool = False
    needed: tuple[tuple[int, int], ...] = ()  # (mark value, how many more of NEW_MARK_WEIGHT), highest first


@dataclass(frozen=True)
class SubjectReport:
    """One subject of the marks report, for the screen a tap on it opens: whose, which period, the marks, and
    "what is needed" (DIA-1, PER-3)."""

    student: StudentCard
    period: PeriodCard
    marks: SubjectMarks
    goal: MarkGoal


def shown_week(today: date) -> date:
    """The Monday of the week the timetable opens on: this one, or on a Sunday the coming one."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7) if today.weekday() == 6 else monday


@dataclass(frozen=True)
class DayScreen:
    """The diary's screen (DIA-1): whose, the school's today, and the day shown with its lessons."""

    student: StudentCard
    today: date
    day: DiaryDay


@dataclass(frozen=True)
class WeekScreen:
    """The timetable's screen (DIA-1): whose, the school's today, the Monday it opens on, and Monday to Saturday
    of the week shown."""

    student: StudentCard
    today: date
    this_week: date  # shown_week(today)
    days: tuple[DiaryDay, ...]


@dataclass(frozen=True)
class MarksScreen:
    """The marks summary (DIA-1, PER-1): whose, the period's report, and the periods to switch between."""

    student: StudentCard
    report: MarksReport
    periods: tuple[PeriodCard, ...]


@dataclass(frozen=True)
class HomeworkScreen:
    """The homework screen (J-2..J-4): whose, and what is due in the coming days."""

    student: StudentCard
    ahead: HomeworkAhead


class DiaryService:
    """Each screen is one call with one access check (ACC-1, ACC-2): `*_screen` returns all that it shows."""

    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def student(self, actor: Actor, student_id: int) -> StudentCard:
        return StudentCard.of(await get_student_for(self.session, actor, student_id))

    async def today(self, actor: Actor, student_id: int) -> date:
        """The student's school's today (its time zone, not the server's): where the diary opens."""
        return await self._today(await get_student_for(self.session, actor, student_id))

    async def day_screen(self, actor: Actor, student_id: int, day: date | None = None) -> DayScreen:
        """The diary on `day`, or on the school's today without it."""
        student = await get_student_for(self.session, actor, student_id)
        today = await self._today(student)
        shown = today if day is None else day
        [diary_day] = await self._days(student, shown, shown)
        return DayScreen(StudentCard.of(student), today, diary_day)

    async def week_screen(self, actor: Actor, student_id: int, day: date | None = None) -> WeekScreen:
        """The timetable of the week that holds `day`, or of shown_week(today) without it."""
        student = await get_student_for(self.session, actor, student_id)
        today = await self._today(student)
        this_week = shown_week(today)
        monday = self._monday(this_week if day is None else day)
        days = await self._days(student, monday, monday + timedelta(days=5))
        return WeekScreen(StudentCard.of(student), today, this_week, tuple(days))

    async def day(self, actor: Actor, student_id: int, day: date) -> DiaryDay:
        return (await self.days(actor, student_id, day, day))[0]

    async def week(self, actor: Actor, student_id: int, day: date) -> list[DiaryDay]:
        """Monday to Saturday of the week that holds `day`."""
        monday = self._monday(day)
        return await self.days(actor, student_id, monday, monday + timedelta(days=5))

    async def days(self, actor: Actor, student_id: int, first: date, last: date) -> list[DiaryDay]:
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise InvalidInput("diary.bad_range", max_days=MAX_RANGE_DAYS)
        return await self._days(await get_student_for(self.session, actor, student_id), first, last)

    async def _days(self, student: Student, first: date, last: date) -> list[DiaryDay]:
        grade = student.class_group.grade
        calendar = await SchoolCalendar.load(self.session, student.school_id, first)
        assignments = await self._assignments(student)
        timetable = (
            await self.session.scalars(
                # Every timetable in force on some day of the range: a new one may start mid-week.
                select(TimetableEntry).where(
                    TimetableEntry.assignment_id.in_(assignments), TimetableEntry.valid_from <= last,
                    or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= first))
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

        result = []
        day = first
        while day <= last:
            status = calendar.status(day, grade)
            slots, rooms = set(), {}
            if status.has_lessons:
                rooms = {(e.assignment_id, e.lesson_number): e.room for e in timetable
                         if e.weekday == day.weekday() and e.valid_from <= day and (e.valid_to is None or e.valid_to >= day)}
                slots = {(day, *key) for key in rooms} | {k for k in by_slot if k[0] == day}
            items = []
            for _, assignment_id, number in sorted(slots, key=lambda s: (s[2], s[1])):
                a = assignments[assignment_id]
                lsn = by_slot.get((day, assignment_id, number))
                starts, ends = calendar.bell(number)
                absence = absences.get(lsn.id) if lsn else None
                items.append(
                    DiaryLesson(
                        number=number, starts_at=starts, ends_at=ends, subject=a.subject.name,
                        teacher=a.teacher.short_name, room=rooms.get((assignment_id, number), ""),
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
        return await self._marks(await get_student_for(self.session, actor, student_id), period_id)

    async def marks_screen(self, actor: Actor, student_id: int, period_id: int | None = None) -> MarksScreen:
        """The marks summary of a period (the current one without `period_id`) and the periods to switch to."""
        student = await get_student_for(self.session, actor, student_id)
        report = await self._marks(student, period_id)
        return MarksScreen(StudentCard.of(student), report, tuple(await self._periods(student)))

    async def _marks(self, student: Student, period_id: int | None) -> MarksReport:
        period, previous = await self._period(student, period_id)
        subjects = await self._subjects_marks(student, await self._assignments(student), period, previous)
        return MarksReport(student_id=student.id, period_id=period.id, period_name=period.name, subjects=subjects)

    async def subject_marks(self, actor: Actor, student_id: int, subject_id: int, period_id: int | None = None,
                            mark: int | None = None) -> SubjectReport:
        """One subject of the marks report (DIA-1, J-5): its marks by date with work types and weights, both
        averages, the change against the previous period and the period mark; and "what is needed" for the period
        mark `mark` (PER-3; without it, the marks to choose from). A subject the student does not study is
        refused."""
        student = await get_student_for(self.session, actor, student_id)
        period, previous = await self._period(student, period_id)
        assignments = {k: a for k, a in (await self._assignments(student)).items() if a.subject_id == subject_id}
        if not assignments:
            raise NotFound("subject.not_found")
        [subject] = await self._subjects_marks(student, assignments, period, previous)
        goal = await self._goal(student, period, subject_id, subject.subject, subject.marks, mark)
        return SubjectReport(student=StudentCard.of(student),
                             period=PeriodCard(period.id, period.name, period.starts_on, period.ends_on),
                             marks=subject, goal=goal)

    async def _subjects_marks(self, student: Student, assignments: dict[int, Assignment], period: StudyPeriod,
                              previous: StudyPeriod | None) -> tuple[SubjectMarks, ...]:
        """The subjects of `assignments` in name order, each with its marks of the period, averages and period mark."""
        subjects = sorted({a.subject.name: a.subject_id for a in assignments.values()}.items())
        current = await self._student_marks(student.id, assignments, period)
        before = await self._student_marks(student.id, assignments, previous) if previous else {}
        finals = dict(
            (
                await self.session.execute(
                    select(FinalMark.subject_id, FinalMark.value).where(
                        FinalMark.student_id == student.id, FinalMark.period_id == period.id,
                        FinalMark.kind == FinalMarkKind.PERIOD,
                        FinalMark.subject_id.in_([subject_id for _, subject_id in subjects]),
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
                    period_mark=finals.get(subject_id), subject_id=subject_id,
                    not_attested=subject_id in finals and finals[subject_id] is None,
                )
            )
        return tuple(result)

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
                select(Lesson.assignment_id, Lesson.date, Absence.reason)
                .join(Absence, Absence.lesson_id == Lesson.id)
                .where(Absence.student_id == student.id, Lesson.assignment_id.in_(assignments),
                       Lesson.date.between(period.starts_on, period.ends_on))
            )
        ).all()
        reasons: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        days: dict[date, list[int]] = defaultdict(lambda: [0, 0])  # day → [lessons missed, without a reason]
        for assignment_id, day, reason in rows:
            reasons[assignments[assignment_id].subject_id][reason.value if reason else "none"] += 1
            days[day][0] += 1
            days[day][1] += reason is None
        names = sorted({a.subject.name: a.subject_id for a in assignments.values()}.items())
        return AttendanceReport(
            student_id=student.id, period_id=period.id, period_name=period.name,
            subjects=tuple(
                SubjectAttendance(subject=name, lessons=held.get(sid, 0),
                                  absences=sum(reasons.get(sid, {}).values()), by_reason=dict(reasons.get(sid, {})))
                for name, sid in names
            ),
            days=tuple(AbsenceDay(day, missed, unreasoned) for day, (missed, unreasoned) in sorted(days.items())),
        )

    async def homework_ahead(self, actor: Actor, student_id: int, days: int = HOMEWORK_DAYS) -> HomeworkAhead:
        """Homework due from tomorrow for `days` days with its files (J-2..J-4), the student's own subgroup
        only (J-13); a lesson whose teacher wrote «не задано» (J-3) shows on the subject's next lesson, and every
        other lesson of those days as not entered yet, as the diary shows it."""
        if not 1 <= days <= MAX_RANGE_DAYS:
            raise InvalidInput("diary.bad_range", max_days=MAX_RANGE_DAYS)
        return await self._homework_ahead(await get_student_for(self.session, actor, student_id), days)

    async def homework_screen(self, actor: Actor, student_id: int) -> HomeworkScreen:
        """The homework due in the coming HOMEWORK_DAYS days, and whose."""
        student = await get_student_for(self.session, actor, student_id)
        return HomeworkScreen(StudentCard.of(student), await self._homework_ahead(student, HOMEWORK_DAYS))

    async def _homework_ahead(self, student: Student, days: int) -> HomeworkAhead:
        today = await self._today(student)
        first, last = today + timedelta(days=1), today + timedelta(days=days)
        assignments = await self._assignments(student)
        due = [lsn for lsn in await self._lessons(assignments, Lesson.homework_due_on.between(first, last))
               if lsn.homework]
        files = await self._files([lsn.id for lsn in due])
        items = [self._homework(lsn, files) for lsn in due]
        given = {(lsn.assignment_id, lsn.homework_due_on) for lsn in due}
        # J-3: «не задано» is said at a lesson and holds for the subject's next one.
        said_none = await self._lessons(assignments, Lesson.no_homework,
                                        Lesson.date.between(today - timedelta(days=MAX_RANGE_DAYS), last))
        if said_none:
            weekdays: dict[int, set[int]] = defaultdict(set)
            for assignment_id, weekday in await self.session.execute(
                timetable_valid(today, TimetableEntry.assignment_id, TimetableEntry.weekday)
                .where(TimetableEntry.assignment_id.in_({lsn.assignment_id for lsn in said_none}))
            ):
                weekdays[assignment_id].add(weekday)
            calendar = await SchoolCalendar.load(self.session, student.school_id, today)
            for lsn in sorted(said_none, key=lambda x: (x.date, x.lesson_number)):
                next_day = calendar.next_school_day_with(lsn.date, student.class_group.grade,
                                                         weekdays[lsn.assignment_id])
                if next_day is None or not first <= next_day <= last or (lsn.assignment_id, next_day) in given:
                    continue
                given.add((lsn.assignment_id, next_day))
                items.append(HomeworkItem(subject=assignments[lsn.assignment_id].subject.name, text="",
                                          no_homework=True, given_on=lsn.date, due_on=next_day, files=()))
        # J-3: «не задано» only where the teacher said so; a lesson ahead with nothing entered says that, as the diary.
        known = {(i.subject, i.due_on) for i in items}
        for day in await self._days(student, first, last):
            for lesson in day.lessons:
                if (lesson.subject, day.date) not in known:
                    known.add((lesson.subject, day.date))
                    items.append(HomeworkItem(subject=lesson.subject, text="", no_homework=False, given_on=None,
                                              due_on=day.date, files=()))
        ids = [i for item in items for i in item.files]
        found = {}
        if ids:
            for att in await self.session.scalars(select(Attachment).where(Attachment.id.in_(ids))):
                found[att.id] = HomeworkFile(att.id, att.kind.value, att.telegram_file_id, att.file_name,
                                             att.telegram_bot_id, att.sha256)
        return HomeworkAhead(first=first, last=last,
                             items=tuple(sorted(items, key=lambda h: (h.due_on, h.subject, h.given_on or h.due_on))),
                             files=found)

    async def periods(self, actor: Actor, student_id: int) -> list[PeriodCard]:
        """The student's study periods of the year that have begun, in order: the marks screen switches
        between them (PER-1)."""
        return await self._periods(await get_student_for(self.session, actor, student_id))

    async def _periods(self, student: Student) -> list[PeriodCard]:
        today = await self._today(student)
        calendar = await SchoolCalendar.load(self.session, student.school_id, today)
        current = calendar.current_or_last_period(today, student.class_group.grade)
        return [PeriodCard(p.id, p.name, p.starts_on, p.ends_on)
                for p in calendar.periods(student.class_group.grade) if p.starts_on <= current.starts_on]

    async def mark_goal(self, actor: Actor, student_id: int, subject_id: int, period_id: int | None = None,
                        mark: int | None = None) -> MarkGoal:
        """"What is needed": how many more marks of each value (weight NEW_MARK_WEIGHT) lift the subject's
        weighted average to the one that rounds to `mark` (PER-3); without `mark`, the marks to choose from.

        A forecast only: the teacher sets the period mark (PER-2)."""
        return (await self.subject_marks(actor, student_id, subject_id, period_id, mark)).goal

    async def _goal(self, student: Student, period: StudyPeriod, subject_id: int, subject: str,
                    items: Sequence[MarkItem], mark: int | None) -> MarkGoal:
        school = await self.session.get(School, student.school_id)
        choices = tuple(range(school.mark_min + 1, school.mark_max + 1))
        if mark is not None and mark not in choices:
            raise InvalidInput("mark.out_of_scale", value=mark, min=choices[0] if choices else school.mark_max,
                               max=school.mark_max)
        goal = MarkGoal(student_id=student.id, period_id=period.id, period_name=period.name, subject_id=subject_id,
                        subject=subject, marks_count=len(items), weighted_average=averages(items)[1],
                        choices=choices)
        if mark is None:
            return goal
        threshold = rounds_up_from(mark)
        # Judged on the average as shown (two decimals), so the answer never contradicts the screen.
        if goal.weighted_average is not None and goal.weighted_average >= threshold:
            return replace(goal, mark=mark, threshold=threshold, reached=True)
        pairs = [(m.value, m.weight) for m in items]
        needed = []
        for value in range(school.mark_max, school.mark_min - 1, -1):
            count = marks_needed(pairs, threshold, value, NEW_MARK_WEIGHT)
            if count is not None:
                needed.append((value, count))
        return replace(goal, mark=mark, threshold=threshold, needed=tuple(needed))

    # ---- internals -------------------------------------------------------------------------------

    async def _today(self, student: Student) -> date:
        return school_today(self.clock, await self.session.get(School, student.school_id))

    @staticmethod
    def _monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

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
