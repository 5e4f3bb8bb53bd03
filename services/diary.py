"""The diary: what a student and their parents see (DIA-1, ACC-1, ACC-2).

Days and weeks with lessons, topics, homework, marks and absences; homework due. Every call checks that the
actor may see this student. The marks by subject and the attendance summary are services/report_card.py's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Protocol

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, Pupil, check_may_see, get_student_for, student_assignments_clause
from .calendar import ClassTimetable, Taught, lesson_days, timetable_valid
from .clock import Clock, school_today, today_in
from .db import kept as kept_value
from .enrolments import Stay, stays_of
from .errors import Forbidden, InvalidInput
from .grading import MarkItem
from .models import (
    Absence,
    AbsenceReason,
    Assignment,
    Attachment,
    Enrolment,
    Lesson,
    Mark,
    Person,
    School,
    Student,
    StudentStatus,
    Substitution,
    TimetableEntry,
    WorkType,
)

MAX_RANGE_DAYS = 62

# The statements every diary screen runs, built once: each screen only binds its values. Building a statement and
# its cache key costs more CPU than running it on these small reads, and columns load faster than entities.

# The student with their person and class (Student's joined relationships), their school's time zone and their stays
# in classes (DATA-4), a row per stay: what DiaryStudent keeps.
_STUDENT = (
    select(Student, School.timezone, Enrolment.class_id, Enrolment.starts_on, Enrolment.ends_on)
    .join(School, School.id == Student.school_id)
    .outerjoin(Enrolment, Enrolment.student_id == Student.id)
    .where(Student.id == bindparam("student"))
    .order_by(Enrolment.starts_on, Enrolment.id)
)
# The lessons of a range and those whose homework is due in it, with the student's absence from each, their marks
# at each and the lesson's files: a lesson's row comes once per mark and file.
_FIRST, _LAST = bindparam("first", type_=Lesson.date.type), bindparam("last", type_=Lesson.date.type)
_LESSONS = (
    select(
        Lesson.id,
        Lesson.assignment_id,
        Lesson.date,
        Lesson.lesson_number,
        Lesson.topic,
        Lesson.homework,
        Lesson.no_homework,
        Lesson.homework_due_on,
        Absence.id.label("absence_id"),
        Absence.reason,
        Mark.id.label("mark_id"),
        Mark.value,
        WorkType.name.label("work_type"),
        WorkType.weight,
        Attachment.id.label("file_id"),
    )
    .outerjoin(Absence, and_(Absence.lesson_id == Lesson.id, Absence.student_id == bindparam("student")))
    .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == bindparam("student")))
    .outerjoin(WorkType, WorkType.id == Mark.work_type_id)
    .outerjoin(Attachment, Attachment.lesson_id == Lesson.id)
    .where(
        Lesson.assignment_id.in_(bindparam("assignments", expanding=True)),
        or_(Lesson.date.between(_FIRST, _LAST), Lesson.homework_due_on.between(_FIRST, _LAST)),
    )
)
_FILES = (
    select(Attachment.id, Attachment.lesson_id)
    .where(Attachment.lesson_id.in_(bindparam("lessons", expanding=True)))
    .order_by(Attachment.id)
)


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
        return cls(
            student.id,
            student.person.first_name,
            student.person.last_name,
            student.class_group.name,
            student.class_group.grade,
        )


@dataclass(frozen=True)
class DiaryStudent:
    """What the diary's day and week need of a student, kept between updates until the people's tables change
    (services/freshness.py): what the access check reads (ACC-1, ACC-2), the header, the school's time zone and the
    stays in classes (DATA-4). A screen then reads only its lessons."""

    id: int
    school_id: int
    class_id: int
    status: StudentStatus
    card: StudentCard
    timezone: str
    stays: tuple[Stay, ...]


class _Recorded(Protocol):
    """A lesson as the diary reads it: a Lesson, or a row of _LESSONS."""

    @property
    def id(self) -> int: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def homework(self) -> str: ...
    @property
    def no_homework(self) -> bool: ...
    @property
    def homework_due_on(self) -> dt.date | None: ...


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
    substitute: str = ""  # ACC-5: who stands in for `teacher` that day, «» when nobody


@dataclass(frozen=True)
class Standing:
    """A substitution as the diary keeps it with the class's timetable: who teaches an assignment on which days."""

    assignment_id: int
    starts_on: date
    ends_on: date
    substitute: str  # Person.short_name


async def class_substitutions(session: AsyncSession, class_id: int) -> tuple[Standing, ...]:
    """The substitutions of a class's assignments (ACC-5), kept with its timetable (the "timetable" generation
    watches the table): a warm diary reads nothing more, a cold one reads them in one statement."""

    async def read() -> tuple[Standing, ...]:
        rows = await session.execute(
            select(Substitution.assignment_id, Substitution.starts_on, Substitution.ends_on, Person)
            .join(Assignment, Assignment.id == Substitution.assignment_id)
            .join(Person, Person.id == Substitution.substitute_id)
            .where(Assignment.class_id == class_id)
            .order_by(Substitution.starts_on, Substitution.id)
        )
        return tuple(Standing(a, first, last, p.short_name) for a, first, last, p in rows)

    return await kept_value(session, "timetable", ("substitutions", class_id), read)


@dataclass(frozen=True)
class DiaryDay:
    date: date
    kind: str  # "school_day" | "weekend" | "holiday" | "out_of_year"
    holiday: str | None
    lessons: tuple[DiaryLesson, ...]


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
        student = await self._checked(actor, student_id)
        today = today_in(self.clock, student.timezone)
        [diary_day] = await self._days(student, today if day is None else day, today if day is None else day)
        return DayScreen(student.card, today, diary_day)

    async def week_screen(self, actor: Actor, student_id: int, day: date | None = None) -> WeekScreen:
        """The timetable of the week that holds `day`, or of shown_week(today) without it."""
        student = await self._checked(actor, student_id)
        today = today_in(self.clock, student.timezone)
        this_week = shown_week(today)
        monday = self._monday(this_week if day is None else day)
        days = await self._days(student, monday, monday + timedelta(days=5))
        return WeekScreen(student.card, today, this_week, tuple(days))

    async def day(self, actor: Actor, student_id: int, day: date) -> DiaryDay:
        return (await self.days(actor, student_id, day, day))[0]

    async def week(self, actor: Actor, student_id: int, day: date) -> list[DiaryDay]:
        """Monday to Saturday of the week that holds `day`."""
        monday = self._monday(day)
        return await self.days(actor, student_id, monday, monday + timedelta(days=5))

    async def days(self, actor: Actor, student_id: int, first: date, last: date) -> list[DiaryDay]:
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise InvalidInput("diary.bad_range", max_days=MAX_RANGE_DAYS)
        return await self._days(await self._checked(actor, student_id), first, last)

    async def _days(self, student: DiaryStudent, first: date, last: date) -> list[DiaryDay]:
        grade = student.card.grade
        calendar = await lesson_days(self.session, student.school_id, first)
        # DATA-4: each day shows the lessons of the class the student was in that day; the marks and absences
        # are theirs whatever the class or subgroup. The classes' assignments and timetable rows come from what
        # the process keeps of each class, the stays from what it keeps of the student.
        stays = await diary_stays(self.session, student, first, last, student.stays)
        assignments: dict[int, Taught] = {}  # every assignment of those classes: a mark may be at any of them
        attends: dict[int, tuple[Stay, ...]] = {}  # the assignments the student attends -> the class's stays
        timetable = []
        standing: list[Standing] = []  # ACC-5: substitutes of the student's lessons in the range
        for class_id in dict.fromkeys(stay.class_id for stay in stays):
            kept = await ClassTimetable.of(self.session, class_id)
            in_class = tuple(stay for stay in stays if stay.class_id == class_id)
            assignments.update((a.id, a) for a in kept.assignments)
            attends.update(dict.fromkeys(kept.of_student(student.id), in_class))
            timetable += [s for s in kept.slots if s.assignment_id in attends and s.valid(first, last)]
            standing += [
                s
                for s in await class_substitutions(self.session, class_id)
                if s.assignment_id in attends and s.starts_on <= last and s.ends_on >= first
            ]

        def attended(assignment_id: int, day: date) -> bool:
            return any(stay.covers(day) for stay in attends.get(assignment_id, ()))

        # The lessons with the student's absences, their marks and the lessons' files in one statement (_LESSONS).
        found = {}
        absences: dict[int, AbsenceReason | None] = {}
        lesson_marks: dict[int, dict[int, MarkItem]] = defaultdict(dict)
        lesson_files: dict[int, set[int]] = defaultdict(set)
        if assignments:
            for row in await self.session.execute(
                _LESSONS, {"student": student.id, "assignments": list(assignments), "first": first, "last": last}
            ):
                found[row.id] = row
                if row.absence_id is not None:
                    absences[row.id] = row.reason
                if row.mark_id is not None:
                    lesson_marks[row.id][row.mark_id] = MarkItem(row.value, row.work_type, float(row.weight), row.date)
                if row.file_id is not None:
                    lesson_files[row.id].add(row.file_id)
        lessons = [
            lsn
            for lsn in found.values()
            if first <= lsn.date <= last
            and (attended(lsn.assignment_id, lsn.date) or lsn.id in lesson_marks or lsn.id in absences)
        ]
        due = [
            lsn
            for lsn in found.values()
            if lsn.homework_due_on is not None
            and first <= lsn.homework_due_on <= last
            and attended(lsn.assignment_id, lsn.homework_due_on)
        ]
        marks = {
            lsn.id: [m for _, m in sorted(lesson_marks[lsn.id].items())] for lsn in lessons if lsn.id in lesson_marks
        }
        files = {lesson_id: tuple(sorted(ids)) for lesson_id, ids in lesson_files.items()}

        by_slot = {(lsn.date, lsn.assignment_id, lsn.lesson_number): lsn for lsn in lessons}
        due_by_day: dict[tuple[date | None, int], list[HomeworkItem]] = defaultdict(list)
        for lsn in due:
            due_by_day[(lsn.homework_due_on, lsn.assignment_id)].append(
                self._homework(lsn, assignments[lsn.assignment_id].subject, files)
            )

        result = []
        day = first
        while day <= last:
            status = calendar.status(day, grade)
            slots, rooms = set(), {}
            if status.has_lessons:
                rooms = {
                    (e.assignment_id, e.lesson_number): e.room
                    for e in timetable
                    if e.weekday == day.weekday()
                    and e.valid_from <= day
                    and (e.valid_to is None or e.valid_to >= day)
                    and attended(e.assignment_id, day)
                }
                slots = {(day, *key) for key in rooms} | {k for k in by_slot if k[0] == day}
            items = []
            for _, assignment_id, number in sorted(slots, key=lambda s: (s[2], s[1])):
                a = assignments[assignment_id]
                lsn = by_slot.get((day, assignment_id, number))
                starts, ends = calendar.bell(number)
                absent = lsn is not None and lsn.id in absences
                items.append(
                    DiaryLesson(
                        number=number,
                        starts_at=starts,
                        ends_at=ends,
                        subject=a.subject,
                        teacher=a.teacher,
                        room=rooms.get((assignment_id, number), ""),
                        topic=lsn.topic if lsn else "",
                        homework_given=self._homework(lsn, a.subject, files)
                        if lsn and (lsn.homework or lsn.no_homework)
                        else None,
                        homework_due=tuple(due_by_day.pop((day, assignment_id), ())),
                        marks=tuple(marks.get(lsn.id, ())) if lsn else (),
                        absent=absent,
                        absence_reason=absences[lsn.id] if lsn is not None and absent else None,
                        substitute=next(
                            (
                                s.substitute
                                for s in standing
                                if s.assignment_id == assignment_id and s.starts_on <= day <= s.ends_on
                            ),
                            "",
                        ),
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
        assignments = await student_assignments(self.session, student, first, last)
        due = await while_there(
            self.session,
            student,
            await lessons_of(self.session, assignments, Lesson.homework_due_on.between(first, last)),
            lambda lsn: lsn.homework_due_on,
        )
        files = await self._files([lsn.id for lsn in due])
        items = [self._homework(lsn, lsn.assignment.subject.name, files) for lsn in due if lsn.homework]
        return sorted(items, key=lambda h: (h.due_on, h.subject))

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
        assignments = await student_assignments(self.session, student, today, last)
        due = [
            lsn
            for lsn in await while_there(
                self.session,
                student,
                await lessons_of(self.session, assignments, Lesson.homework_due_on.between(first, last)),
                lambda lsn: lsn.homework_due_on,
            )
            if lsn.homework
        ]
        files = await self._files([lsn.id for lsn in due])
        items = [self._homework(lsn, lsn.assignment.subject.name, files) for lsn in due]
        given = {(lsn.assignment_id, lsn.homework_due_on) for lsn in due}
        # J-3: «не задано» is said at a lesson and holds for the subject's next one.
        said_none = await lessons_of(
            self.session,
            assignments,
            Lesson.no_homework,
            Lesson.date.between(today - timedelta(days=MAX_RANGE_DAYS), last),
        )
        if said_none:
            weekdays: dict[int, set[int]] = defaultdict(set)
            for assignment_id, weekday in await self.session.execute(
                timetable_valid(today, TimetableEntry.assignment_id, TimetableEntry.weekday).where(
                    TimetableEntry.assignment_id.in_({lsn.assignment_id for lsn in said_none})
                )
            ):
                weekdays[assignment_id].add(weekday)
            calendar = await lesson_days(self.session, student.school_id, today)
            stays = await diary_stays(self.session, student, first, last)
            for lsn in sorted(said_none, key=lambda x: (x.date, x.lesson_number)):
                next_day = calendar.next_school_day_with(
                    lsn.date, student.class_group.grade, weekdays[lsn.assignment_id]
                )
                if next_day is None or not first <= next_day <= last or (lsn.assignment_id, next_day) in given:
                    continue
                if not any(st.class_id == lsn.assignment.class_id and st.covers(next_day) for st in stays):
                    continue  # DATA-4: by then the student is in another class
                given.add((lsn.assignment_id, next_day))
                items.append(
                    HomeworkItem(
                        subject=assignments[lsn.assignment_id].subject.name,
                        text="",
                        no_homework=True,
                        given_on=lsn.date,
                        due_on=next_day,
                        files=(),
                    )
                )
        # J-3: «не задано» only where the teacher said so; a lesson ahead with nothing entered says that, as the diary.
        known = {(i.subject, i.due_on) for i in items}
        for day in await self._days(await self._kept(student.id), first, last):
            for lesson in day.lessons:
                if (lesson.subject, day.date) not in known:
                    known.add((lesson.subject, day.date))
                    items.append(
                        HomeworkItem(
                            subject=lesson.subject, text="", no_homework=False, given_on=None, due_on=day.date, files=()
                        )
                    )
        ids = [i for item in items for i in item.files]
        found = {}
        if ids:
            for att in await self.session.scalars(select(Attachment).where(Attachment.id.in_(ids))):
                found[att.id] = HomeworkFile(
                    att.id, att.kind.value, att.telegram_file_id, att.file_name, att.telegram_bot_id, att.sha256
                )
        return HomeworkAhead(
            first=first,
            last=last,
            items=tuple(sorted(items, key=lambda h: (h.due_on, h.subject, h.given_on or h.due_on))),
            files=found,
        )

    # ---- internals -------------------------------------------------------------------------------

    async def _kept(self, student_id: int) -> DiaryStudent:
        """The student as the diary keeps them (DiaryStudent), read in one statement when not kept."""

        async def read() -> DiaryStudent | None:
            rows = (await self.session.execute(_STUDENT, {"student": student_id})).all()
            if not rows:
                return None
            student, timezone = rows[0][0], rows[0][1]
            stays = tuple(Stay(*row[2:]) for row in rows if row[2] is not None)
            return DiaryStudent(
                student.id,
                student.school_id,
                student.class_id,
                student.status,
                StudentCard.of(student),
                timezone,
                stays,
            )

        found = await kept_value(self.session, "people", ("diary", student_id), read)
        if found is None:
            raise Forbidden("student.not_yours")
        return found

    async def _checked(self, actor: Actor, student_id: int) -> DiaryStudent:
        """The student a screen shows, checked each time against who asks (ACC-1, ACC-2); someone else's child and
        no student at all get the same answer (services/access.py)."""
        student = await self._kept(student_id)
        await check_may_see(self.session, actor, student)
        return student

    async def _today(self, student: Student) -> date:
        return school_today(self.clock, await self.session.get_one(School, student.school_id))

    @staticmethod
    def _monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    async def _files(self, lesson_ids: list[int]) -> dict[int, tuple[int, ...]]:
        found: dict[int | None, list[int]] = defaultdict(list)
        if lesson_ids:
            for att_id, lesson_id in await self.session.execute(_FILES, {"lessons": lesson_ids}):
                found[lesson_id].append(att_id)
        return {k: tuple(v) for k, v in found.items() if k is not None}

    @staticmethod
    def _homework(lesson: _Recorded, subject: str, files: dict[int, tuple[int, ...]]) -> HomeworkItem:
        return HomeworkItem(
            subject=subject,
            text=lesson.homework,
            no_homework=lesson.no_homework,
            given_on=lesson.date,
            due_on=lesson.homework_due_on,
            files=files.get(lesson.id, ()),
        )


async def diary_stays(
    session: AsyncSession, student: Pupil, first: date, last: date, known: tuple[Stay, ...] | None = None
) -> tuple[Stay, ...]:
    """The student's stays (`known`, or read) that overlap the days (DATA-4). A student with none at all (every
    writer enrols, so not expected) is taken to be in their class."""
    stays = await stays_of(session, student.id) if known is None else known
    if not stays and student.status == StudentStatus.ACTIVE:
        stays = (Stay(student.class_id, date.min, None),)
    return tuple(stay for stay in stays if stay.overlaps(first, last))


async def student_assignments(
    session: AsyncSession, student: Student, first: date = date.min, last: date = date.max
) -> dict[int, Assignment]:
    """What the student is taught, by assignment id: the class's and their own subgroups' (J-13), of every class
    they were in on some day from `first` to `last` (DATA-4)."""
    classes = {stay.class_id for stay in await diary_stays(session, student, first, last)}
    if not classes:
        return {}
    rows = await session.scalars(select(Assignment).where(student_assignments_clause(student, classes)))
    return {a.id: a for a in rows.unique()}


async def while_there(session: AsyncSession, student: Student, lessons: list[Lesson], day: Callable) -> list[Lesson]:
    """The lessons whose `day` (the date, or the date homework is due) the student spent in the lesson's class."""
    stays = await diary_stays(session, student, date.min, date.max)
    return [
        lsn
        for lsn in lessons
        if any(stay.class_id == lsn.assignment.class_id and stay.covers(day(lsn)) for stay in stays)
    ]


async def lessons_of(session: AsyncSession, assignments: dict[int, Assignment], *where) -> list[Lesson]:
    """The recorded lessons of these assignments that match `where`."""
    if not assignments:
        return []
    rows = await session.scalars(select(Lesson).where(Lesson.assignment_id.in_(assignments), *where))
    return list(rows.unique())
