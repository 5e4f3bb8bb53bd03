"""The teacher's journal: lessons of a day, attendance, marks, topic and homework (J-1..J-14, ACC-3, ACC-5).

Every write checks the teacher's rights, the journal rules and the edit window, writes the audit log
(DATA-3) and the outbox event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, null, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, check_keep, teaching_assignments
from .attachments import AttachmentIn
from .calendar import SchoolCalendar, timetable_on, timetable_valid
from .clock import Clock, school_today
from .db import write_transaction
from .enrolments import enrolled
from .errors import Forbidden, InvalidInput, Locked, NotFound
from .grading import check_mark_value, check_scale
from .models import (
    Absence,
    AbsenceDocument,
    AbsenceReason,
    Assignment,
    Attachment,
    DocumentStatus,
    Lesson,
    Mark,
    PlanTopic,
    School,
    Student,
    SubgroupMember,
    TimetableEntry,
    WorkType,
    utcnow,
)
from .pushes.payloads import (
    AbsenceRecorded,
    AbsenceRemoved,
    HomeworkChanged,
    HomeworkSet,
    MarkAdded,
    MarkChanged,
    MarkDeleted,
)
from .records import audit, emit, save_once, snapshot
from .text import clean_text, required_text

TOPIC_MAX = 500
HOMEWORK_MAX = 3000
COMMENT_MAX = 300
MARK_FIELDS = ("student_id", "lesson_id", "value", "work_type_id", "comment")


@dataclass(frozen=True)
class LessonSlot:
    """A lesson of the teacher's day, recorded or only planned, with what is still missing (J-1, J-2)."""

    assignment_id: int
    lesson_id: int | None
    date: date
    number: int
    starts_at: time | None
    ends_at: time | None
    class_name: str
    subgroup: str | None
    subject: str
    substitution: bool
    missing: frozenset[str]  # of "attendance", "topic", "homework", "marks"
    teacher: str = ""  # the assignment's teacher (Person.short_name): whom a substitute stands in for (ACC-5)


@dataclass(frozen=True)
class RosterEntry:
    number: int  # the roster number a teacher may type («12 4»)
    student_id: int
    name: str
    absent: bool
    marks: tuple[tuple[int, int, str], ...]  # (mark id, value, work type)


@dataclass(frozen=True)
class LessonView:
    lesson_id: int
    date: date
    number: int
    class_name: str
    grade: int
    subgroup: str | None
    subject: str
    topic: str
    homework: str
    no_homework: bool
    homework_due_on: dt.date | None  # dt.: in this class `date` is the field above
    attendance_taken: bool
    editable: bool  # False past the edit window (J-9): changes go through a correction (J-10)
    edit_window_days: int  # the school's J-9 window, for the texts that say it
    marks_allowed: bool  # False for grades without marks (J-8)
    suggested_topic: str | None  # the next topic of the thematic plan (J-14)
    roster: tuple[RosterEntry, ...]
    files: tuple[int, ...]

    def entry(self, student_id: int) -> RosterEntry:
        """The student of the lesson's roster; an id from a button that is not there is refused."""
        for entry in self.roster:
            if entry.student_id == student_id:
                return entry
        raise Forbidden("student.not_in_lesson")


@dataclass(frozen=True)
class WorkTypeView:
    id: int
    name: str
    weight: float


@dataclass(frozen=True)
class MarkOptions:
    """What a mark of a lesson may be (J-5, J-8): the school's work types and its scale."""

    work_types: tuple[WorkTypeView, ...]
    mark_min: int
    mark_max: int

    def work_type(self, work_type_id: int) -> WorkTypeView:
        for work_type in self.work_types:
            if work_type.id == work_type_id:
                return work_type
        raise InvalidInput("mark.unknown_work_type")

    def check(self, value: int) -> None:
        """J-8: the scale, checked before a draft takes the value (add_marks checks it again)."""
        check_scale(self.mark_min, self.mark_max, value)


def missing_parts(lesson: Lesson | None, marks_count: int) -> frozenset[str]:
    if lesson is None:
        return frozenset({"attendance", "topic", "homework", "marks"})
    missing = set()
    if lesson.attendance_taken_at is None:
        missing.add("attendance")
    if not lesson.topic:
        missing.add("topic")
    if not lesson.homework and not lesson.no_homework:
        missing.add("homework")
    if marks_count == 0:
        missing.add("marks")
    return frozenset(missing)


async def lessons_on(session: AsyncSession, day: date, assignment_ids: Iterable[int]) -> dict[tuple[int, int], Lesson]:
    """The lessons recorded on `day` for these assignments, by (assignment id, lesson number)."""
    rows = await session.scalars(select(Lesson).where(Lesson.date == day, Lesson.assignment_id.in_(assignment_ids)))
    return {(lsn.assignment_id, lsn.lesson_number): lsn for lsn in rows.unique()}


def roster_query(assignment: Assignment, *columns, first: date, last: date | None = None) -> Select:
    """The students enrolled in the class on `first` (or on some day to `last`), or in the subgroup (J-13), with
    `columns` beside each. DATA-4: a student who left or moved on D is in the rosters before D, not from D; one
    who came, from their first day."""
    query = select(Student, *columns).where(enrolled(assignment.class_id, first, last))
    if assignment.subgroup_id is not None:
        query = query.join(SubgroupMember, SubgroupMember.student_id == Student.id).where(
            SubgroupMember.subgroup_id == assignment.subgroup_id
        )
    return query


def in_journal_order(students: Iterable[Student]) -> list[Student]:
    return sorted(students, key=lambda s: (s.person.last_name, s.person.first_name, s.person.middle_name, s.id))


async def roster_of(
    session: AsyncSession, assignment: Assignment, first: date, last: date | None = None
) -> list[Student]:
    """The students of the class (or subgroup, J-13) on `first`, or on some day of `first`..`last` (a period's
    sheet), in journal order (DATA-4)."""
    query = roster_query(assignment, first=first, last=last)
    return in_journal_order((await session.scalars(query)).unique().all())


@dataclass(frozen=True)
class AcceptedDocument:
    """An accepted absence document covering a lesson's day: the reason it gives a new absence there (ABS-2)."""

    id: int
    reason: AbsenceReason | None
    decided_by: int | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, columns: Sequence[Any]) -> AcceptedDocument:
        """From the values of DOCUMENT_COLUMNS."""
        id_, reason, decided_by, decided_at = columns
        return cls(id_, reason, decided_by, decided_at)

    @property
    def order(self) -> tuple:
        return (self.decided_at is not None, self.decided_at, self.id)


def covering_documents(day: date) -> ColumnElement[bool]:
    """The accepted documents whose dates take in `day`."""
    return and_(
        AbsenceDocument.status == DocumentStatus.ACCEPTED,
        AbsenceDocument.date_from <= day,
        AbsenceDocument.date_to >= day,
    )


DOCUMENT_COLUMNS = (AbsenceDocument.id, AbsenceDocument.reason, AbsenceDocument.decided_by, AbsenceDocument.decided_at)


def keep_latest(documents: dict[int, AcceptedDocument], student_id: int, document: AcceptedDocument) -> None:
    """Of several documents covering the day, the one decided last gives the reason."""
    kept = documents.get(student_id)
    if kept is None or document.order > kept.order:
        documents[student_id] = document


@dataclass
class LessonAttendance:
    """A lesson's roster in journal order, its absences (of the roster's students) and, with `documents`, the
    accepted documents covering its day by student."""

    students: list[Student]
    absences: list[Absence]
    documents: dict[int, AcceptedDocument]


async def attendance_of(session: AsyncSession, lesson: Lesson, *, documents: bool = False) -> LessonAttendance:
    """The roster with the lesson's absences (and the documents) in one statement: outer joins on the roster."""
    query = roster_query(
        lesson.assignment, Absence, *(DOCUMENT_COLUMNS if documents else ()), first=lesson.date
    ).outerjoin(Absence, and_(Absence.lesson_id == lesson.id, Absence.student_id == Student.id))
    if documents:
        query = query.outerjoin(
            AbsenceDocument, and_(AbsenceDocument.student_id == Student.id, covering_documents(lesson.date))
        )
    students: dict[int, Student] = {}
    absences: dict[int, Absence] = {}
    found: dict[int, AcceptedDocument] = {}
    for student, absence, *document in (await session.execute(query)).unique().all():
        students[student.id] = student
        if absence is not None:
            absences[student.id] = absence
        if document and document[0] is not None:
            keep_latest(found, student.id, AcceptedDocument.of(document))
    return LessonAttendance(in_journal_order(students.values()), list(absences.values()), found)


class JournalService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    # ---- reading ---------------------------------------------------------------------------------

    async def today(self, actor: Actor) -> date:
        """The school's today: the teacher's day is the school's, not the server's."""
        return school_today(self.clock, await self.session.get_one(School, actor.school_id))

    async def teacher_day(self, actor: Actor, day: date) -> list[LessonSlot]:
        """The teacher's lessons of a day from the timetable, substitutions included (ACC-5)."""
        assignments = {a.id: a for a in await teaching_assignments(self.session, actor, day)}
        if not assignments:
            return []
        calendar = await SchoolCalendar.load(self.session, actor.school_id, day)
        entries = (
            (await self.session.scalars(timetable_on(day).where(TimetableEntry.assignment_id.in_(assignments))))
            .unique()
            .all()
        )
        slots = {
            (e.assignment_id, e.lesson_number)
            for e in entries
            if calendar.status(day, assignments[e.assignment_id].class_group.grade).has_lessons
        }
        lessons = await lessons_on(self.session, day, assignments)
        slots |= set(lessons)  # a lesson recorded off the timetable still shows
        marks = dict(
            (
                await self.session.execute(
                    select(Mark.lesson_id, func.count())
                    .where(Mark.lesson_id.in_([lsn.id for lsn in lessons.values()]))
                    .group_by(Mark.lesson_id)
                )
            ).all()
        )
        result = []
        for assignment_id, number in sorted(slots, key=lambda s: (s[1], s[0])):
            a = assignments[assignment_id]
            lesson = lessons.get((assignment_id, number))
            starts, ends = calendar.bell(number)
            result.append(
                LessonSlot(
                    assignment_id=a.id,
                    lesson_id=lesson.id if lesson else None,
                    date=day,
                    number=number,
                    starts_at=starts,
                    ends_at=ends,
                    class_name=a.class_group.name,
                    subgroup=a.subgroup.name if a.subgroup else None,
                    subject=a.subject.name,
                    substitution=a.teacher_id != actor.person_id,
                    missing=missing_parts(lesson, marks.get(lesson.id, 0) if lesson else 0),
                    teacher=a.teacher.short_name,
                )
            )
        return result

    async def open_lesson(self, actor: Actor, assignment_id: int, day: date, number: int) -> LessonView:
        """The lesson of the timetable slot, created on first opening."""
        assignment = await self.session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound("lesson.not_found")
        await check_keep(self.session, actor, assignment, day)
        lesson = await self._find_lesson(assignment_id, day, number)
        if lesson is None:
            await self._check_in_timetable(assignment, day, number)
            async with write_transaction(self.session):
                lesson = await self._create_lesson(actor, assignment, day, number)
        return await self.lesson_view(actor, lesson.id)

    async def lesson_view(self, actor: Actor, lesson_id: int) -> LessonView:
        lesson, school, today = await self._lesson_for(actor, lesson_id)
        attendance = await attendance_of(self.session, lesson)
        return await self._view(lesson, school, today, attendance.students, {a.student_id for a in attendance.absences})

    async def _view(
        self, lesson: Lesson, school: School, today: date, students: Sequence[Student], absent: set[int]
    ) -> LessonView:
        """The view of a lesson whose row, school, roster and absences are loaded already (by a read or a save)."""
        a = lesson.assignment
        marks, files, suggested_topic = await self._contents(lesson)
        return LessonView(
            lesson_id=lesson.id,
            date=lesson.date,
            number=lesson.lesson_number,
            class_name=a.class_group.name,
            grade=a.class_group.grade,
            subgroup=a.subgroup.name if a.subgroup else None,
            subject=a.subject.name,
            topic=lesson.topic,
            homework=lesson.homework,
            no_homework=lesson.no_homework,
            homework_due_on=lesson.homework_due_on,
            attendance_taken=lesson.attendance_taken_at is not None,
            editable=not is_locked(lesson.date, school, today),
            edit_window_days=school.edit_window_days,
            marks_allowed=a.class_group.grade not in school.no_mark_grades,
            suggested_topic=suggested_topic,
            roster=tuple(
                RosterEntry(
                    number=i,
                    student_id=s.id,
                    name=s.person.full_name,
                    absent=s.id in absent,
                    marks=tuple(marks.get(s.id, ())),
                )
                for i, s in enumerate(students, start=1)
            ),
            files=files,
        )

    async def mark_options(self, actor: Actor, lesson_id: int) -> MarkOptions:
        """The work types and the scale for marking a lesson; a class without marks is refused (J-8)."""
        lesson, school, _today = await self._lesson_for(actor, lesson_id)
        grade = lesson.assignment.class_group.grade
        if grade in school.no_mark_grades:
            raise InvalidInput("mark.no_marks_grade", grade=grade)
        work_types = (
            await self.session.scalars(select(WorkType).where(WorkType.school_id == school.id).order_by(WorkType.id))
        ).all()
        return MarkOptions(
            work_types=tuple(WorkTypeView(id=w.id, name=w.name, weight=w.weight) for w in work_types),
            mark_min=school.mark_min,
            mark_max=school.mark_max,
        )

    async def _contents(
        self, lesson: Lesson
    ) -> tuple[dict[int, list[tuple[int, int, str]]], tuple[int, ...], str | None]:
        """The lesson's marks by student, its files and, without a topic, the plan's next one (J-14): one
        statement, the three reads tagged in a UNION ALL."""
        parts: list[Select] = [
            select(literal_column("'mark'"), Mark.id, Mark.student_id, Mark.value, WorkType.name)
            .join(WorkType, WorkType.id == Mark.work_type_id)
            .where(Mark.lesson_id == lesson.id),
            select(literal_column("'file'"), Attachment.id, null(), null(), null()).where(
                Attachment.lesson_id == lesson.id
            ),
        ]
        if not lesson.topic:
            parts.append(
                select(literal_column("'topic'"), null(), null(), null(), next_topic_query(lesson).scalar_subquery())
            )
        marks: dict[int, list[tuple[int, int, str]]] = {}
        files: list[int] = []
        topic = None
        for tag, id_, student_id, value, text in sorted(
            (await self.session.execute(union_all(*parts))).all(), key=lambda row: (row[0], row[1] or 0)
        ):
            if tag == "mark":
                marks.setdefault(student_id, []).append((id_, value, text))
            elif tag == "file":
                files.append(id_)
            else:
                topic = text
        return marks, tuple(files), topic

    async def next_plan_topic(self, lesson: Lesson) -> str | None:
        """J-14: the plan's topic that follows the topics given before this lesson (a double lesson too)."""
        return await self.session.scalar(next_topic_query(lesson))

    # ---- writing ---------------------------------------------------------------------------------

    async def save_attendance(self, actor: Actor, lesson_id: int, absent_ids: Iterable[int]) -> None:
        """J-12: the lesson's absences as one set, everyone else present. Saving again replaces it."""
        await self._change_attendance(actor, lesson_id, set(absent_ids), None)

    async def update_attendance(
        self,
        actor: Actor,
        lesson_id: int,
        *,
        absent: Iterable[int] = (),
        present: Iterable[int] = (),
        draft: str | None = None,
    ) -> LessonView:
        """J-12: the teacher's toggles (to «ОТ», back to present) applied to the absences as they are now.

        Applied under the lesson's row lock, so two teachers saving the same lesson at once both keep
        their changes. No change at all still records that attendance was taken. The toggles of one `draft`
        are applied once (AlreadySaved after): a late second tap does not undo a colleague's save between.
        Returns the lesson as saved, for the card shown after the save, built from the rows the save loaded."""
        lesson, school, today, students, now_absent = await self._change_attendance(
            actor, lesson_id, set(absent), set(present), draft
        )
        return await self._view(lesson, school, today, students, now_absent)

    async def _change_attendance(
        self, actor: Actor, lesson_id: int, absent: set[int], present: set[int] | None, draft: str | None = None
    ) -> tuple[Lesson, School, date, list[Student], set[int]]:
        """`present=None`: everyone of the roster not in `absent`. Returns what it loaded, and the absent after it."""
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            lesson, school, today = await self._lesson_for_write(actor, lesson_id, past_only=True)
            attendance = await attendance_of(self.session, lesson, documents=True)
            roster = {s.id for s in attendance.students}
            if present is None:
                present = roster - absent
            if not (absent | present) <= roster:
                raise Forbidden("student.not_in_lesson")
            # Absences of students no longer on the roster are not loaded, so they stay as they are.
            now_absent = ({a.student_id for a in attendance.absences} - present) | absent
            await apply_attendance(
                self.session,
                actor.person_id,
                lesson,
                now_absent,
                existing=attendance.absences,
                documents=attendance.documents,
            )
        return lesson, school, today, attendance.students, now_absent

    async def add_marks(
        self,
        actor: Actor,
        lesson_id: int,
        work_type_id: int,
        entries: Sequence[tuple[int, int]],
        comment: str = "",
        draft: str | None = None,
    ) -> list[int]:
        """J-5..J-8: marks of one work type for several students; all are written or none, and those of one
        `draft` once: saving it again raises AlreadySaved (J-6 allows a second mark a day, so only the draft's
        id tells a second tap from a second round)."""
        if not entries:
            raise InvalidInput("mark.none_given")
        async with write_transaction(self.session):
            await save_once(self.session, draft)
            lesson, school, _today = await self._lesson_for_write(actor, lesson_id, past_only=True)
            await self._check_in_roster(lesson, {student_id for student_id, _ in entries})
            work_type = await self._work_type(school, work_type_id)
            ids = []
            for student_id, value in entries:
                mark = await add_mark(
                    self.session, actor.person_id, lesson, school, student_id, value, work_type, comment
                )
                ids.append(mark.id)
            return ids

    async def change_mark(self, actor: Actor, mark_id: int, value: int, work_type_id: int | None = None) -> None:
        async with write_transaction(self.session):
            mark = await self._mark(mark_id)
            lesson, school, _today = await self._lesson_for_write(actor, mark.lesson_id, past_only=True)
            work_type = await self._work_type(school, work_type_id or mark.work_type_id)
            await change_mark(self.session, actor.person_id, lesson, school, mark, value, work_type)

    async def delete_mark(self, actor: Actor, mark_id: int) -> None:
        async with write_transaction(self.session):
            mark = await self._mark(mark_id)
            lesson, _school, _today = await self._lesson_for_write(actor, mark.lesson_id, past_only=True)
            await delete_mark(self.session, actor.person_id, lesson, mark)

    async def set_topic(self, actor: Actor, lesson_id: int, topic: str) -> None:
        topic = check_topic(topic)
        async with write_transaction(self.session):
            lesson, _school, _today = await self._lesson_for_write(actor, lesson_id)
            set_lesson_fields(self.session, actor.person_id, lesson, topic=topic)

    async def set_homework(self, actor: Actor, lesson_id: int, text: str | None, due_on: date | None = None) -> None:
        """J-2..J-4: homework text, or None for «не задано» (J-3); due by default on the next lesson. A text that
        shows nothing is refused: «не задано» is said only when the teacher says so."""
        text = "" if text is None else required_text(text, "homework.empty")
        if len(text) > HOMEWORK_MAX:
            raise InvalidInput("homework.too_long", max=HOMEWORK_MAX, length=len(text))
        async with write_transaction(self.session):
            lesson, school, _today = await self._lesson_for_write(actor, lesson_id)
            if due_on is None and text:
                due_on = await self._next_lesson_date(lesson)
            if due_on is not None and due_on <= lesson.date:
                raise InvalidInput("homework.due_not_after_lesson", date=lesson.date)
            news = HomeworkChanged if (lesson.homework or lesson.no_homework) else HomeworkSet
            changed = set_lesson_fields(
                self.session,
                actor.person_id,
                lesson,
                homework=text,
                no_homework=not text,
                homework_due_on=due_on if text else None,
            )
            if text and changed:  # the same homework saved again (a retry) is no news
                emit(
                    self.session,
                    school.id,
                    news(
                        lesson_id=lesson.id,
                        assignment_id=lesson.assignment_id,
                        due_on=due_on.isoformat() if due_on else None,
                    ),
                )

    async def add_homework_file(self, actor: Actor, lesson_id: int, file: AttachmentIn) -> int:
        """J-4: a photo or document attached to the lesson's homework."""
        async with write_transaction(self.session):
            lesson, school, _today = await self._lesson_for_write(actor, lesson_id)
            att = Attachment(school_id=school.id, lesson_id=lesson.id, uploaded_by=actor.person_id, **file.__dict__)
            self.session.add(att)
            await self.session.flush()
            audit(
                self.session,
                school_id=school.id,
                actor_id=actor.person_id,
                action="add",
                entity="attachment",
                entity_id=att.id,
                after={"lesson_id": lesson.id, "file_name": file.file_name},
            )
            return att.id

    # ---- internals -------------------------------------------------------------------------------

    async def _find_lesson(self, assignment_id: int, day: date, number: int) -> Lesson | None:
        return await self.session.scalar(
            select(Lesson).where(
                Lesson.assignment_id == assignment_id, Lesson.date == day, Lesson.lesson_number == number
            )
        )

    async def _check_in_timetable(self, assignment: Assignment, day: date, number: int) -> None:
        calendar = await SchoolCalendar.load(self.session, assignment.school_id, day)
        status = calendar.status(day, assignment.class_group.grade)
        if not status.has_lessons:
            raise InvalidInput("lesson.no_school_day", date=day, kind=status.kind)
        planned = await self.session.scalar(
            timetable_on(day).where(
                TimetableEntry.assignment_id == assignment.id, TimetableEntry.lesson_number == number
            )
        )
        if planned is None:
            raise NotFound("lesson.not_in_timetable")

    async def _create_lesson(self, actor: Actor, assignment: Assignment, day: date, number: int) -> Lesson:
        """Created once even when two teachers open it at the same moment (the unique key decides)."""
        try:
            async with self.session.begin_nested():
                lesson = Lesson(
                    school_id=assignment.school_id,
                    assignment_id=assignment.id,
                    date=day,
                    lesson_number=number,
                    teacher_id=actor.person_id,
                    updated_by=actor.person_id,
                )
                self.session.add(lesson)
            return lesson
        except IntegrityError:
            found = await self._find_lesson(assignment.id, day, number)
            assert found is not None
            return found

    async def _lesson_for(self, actor: Actor, lesson_id: int, *, for_update: bool = False):
        """The lesson and its school in one statement, once the actor may keep it (ACC-3)."""
        query = select(Lesson, School).join(School, School.id == Lesson.school_id).where(Lesson.id == lesson_id)
        if for_update:
            # Serialises two teachers saving the same lesson on PostgreSQL; SQLite has BEGIN IMMEDIATE.
            query = query.with_for_update(of=Lesson).execution_options(populate_existing=True)
        row = (await self.session.execute(query)).unique().one_or_none()
        if row is None:
            raise NotFound("lesson.not_found")
        lesson, school = row
        await check_keep(self.session, actor, lesson.assignment, lesson.date)
        return lesson, school, school_today(self.clock, school)

    async def _lesson_for_write(self, actor: Actor, lesson_id: int, *, past_only: bool = False):
        lesson, school, today = await self._lesson_for(actor, lesson_id, for_update=True)
        if past_only and lesson.date > today:
            raise InvalidInput("lesson.in_future", date=lesson.date)
        if is_locked(lesson.date, school, today):
            raise Locked("journal.locked", date=lesson.date, days=school.edit_window_days)
        return lesson, school, today

    async def _check_in_roster(self, lesson: Lesson, student_ids: set[int]) -> None:
        roster = {s.id for s in await roster_of(self.session, lesson.assignment, lesson.date)}
        if not student_ids <= roster:
            raise Forbidden("student.not_in_lesson")

    async def _work_type(self, school: School, work_type_id: int) -> WorkType:
        work_type = await self.session.get(WorkType, work_type_id)
        if work_type is None or work_type.school_id != school.id:
            raise InvalidInput("mark.unknown_work_type")
        return work_type

    async def _mark(self, mark_id: int) -> Mark:
        mark = await self.session.get(Mark, mark_id)
        if mark is None:
            raise NotFound("mark.not_found")
        return mark

    async def _next_lesson_date(self, lesson: Lesson) -> date | None:
        weekdays = set(
            (
                await self.session.scalars(
                    timetable_valid(lesson.date, TimetableEntry.weekday).where(
                        TimetableEntry.assignment_id == lesson.assignment_id
                    )
                )
            ).all()
        )
        calendar = await SchoolCalendar.load(self.session, lesson.school_id, lesson.date)
        return calendar.next_school_day_with(lesson.date, lesson.assignment.class_group.grade, weekdays)


def next_topic_query(lesson: Lesson) -> Select:
    """J-14: the plan's topic that follows the topics given before this lesson (a double lesson too)."""
    earlier = or_(
        Lesson.date < lesson.date, and_(Lesson.date == lesson.date, Lesson.lesson_number < lesson.lesson_number)
    )
    given = (
        select(func.count())
        .select_from(Lesson)
        .where(Lesson.assignment_id == lesson.assignment_id, earlier, Lesson.topic != "")
        .scalar_subquery()
    )
    return (
        select(PlanTopic.topic)
        .where(PlanTopic.assignment_id == lesson.assignment_id, PlanTopic.position == given + 1)
        .limit(1)
    )


def is_locked(lesson_date: date, school: School, today: date) -> bool:
    """J-9: no changes more than edit_window_days (14) after the lesson; day 14 is still open."""
    return (today - lesson_date).days > school.edit_window_days


def check_topic(topic: str) -> str:
    """The topic as kept (one line, J-14), or InvalidInput when it shows nothing or is too long."""
    topic = required_text(topic, "topic.empty", one_line=True)
    if len(topic) > TOPIC_MAX:
        raise InvalidInput("topic.too_long", max=TOPIC_MAX, length=len(topic))
    return topic


# The writes below are shared by the teacher's own edits and by applied corrections (J-10).


async def add_mark(
    session: AsyncSession,
    actor_id: int | None,
    lesson: Lesson,
    school: School,
    student_id: int,
    value: int,
    work_type: WorkType,
    comment: str = "",
) -> Mark:
    check_mark_value(school, lesson.assignment.class_group.grade, value)
    comment = clean_text(comment, one_line=True)
    if len(comment) > COMMENT_MAX:
        raise InvalidInput("mark.comment_too_long", max=COMMENT_MAX)
    mark = Mark(
        lesson_id=lesson.id,
        student_id=student_id,
        work_type_id=work_type.id,
        value=value,
        comment=comment,
        created_by=actor_id,
        updated_by=actor_id,
    )
    session.add(mark)
    await session.flush()
    audit(
        session,
        school_id=school.id,
        actor_id=actor_id,
        action="add",
        entity="mark",
        entity_id=mark.id,
        after=snapshot(mark, *MARK_FIELDS),
    )
    emit(
        session,
        school.id,
        MarkAdded(mark_id=mark.id, student_id=student_id, lesson_id=lesson.id, value=value, work_type_id=work_type.id),
    )
    return mark


async def change_mark(
    session: AsyncSession,
    actor_id: int | None,
    lesson: Lesson,
    school: School,
    mark: Mark,
    value: int,
    work_type: WorkType,
) -> None:
    check_mark_value(school, lesson.assignment.class_group.grade, value)
    before = snapshot(mark, *MARK_FIELDS)
    mark.value, mark.work_type_id, mark.updated_by = value, work_type.id, actor_id
    audit(
        session,
        school_id=school.id,
        actor_id=actor_id,
        action="change",
        entity="mark",
        entity_id=mark.id,
        before=before,
        after=snapshot(mark, *MARK_FIELDS),
    )
    emit(
        session,
        school.id,
        MarkChanged(
            mark_id=mark.id,
            student_id=mark.student_id,
            lesson_id=lesson.id,
            value=value,
            old_value=before["value"],
            work_type_id=work_type.id,
        ),
    )


async def delete_mark(session: AsyncSession, actor_id: int | None, lesson: Lesson, mark: Mark) -> None:
    before = snapshot(mark, *MARK_FIELDS)
    await session.delete(mark)
    audit(
        session,
        school_id=lesson.school_id,
        actor_id=actor_id,
        action="delete",
        entity="mark",
        entity_id=mark.id,
        before=before,
    )
    emit(
        session,
        lesson.school_id,
        MarkDeleted(mark_id=mark.id, student_id=mark.student_id, lesson_id=lesson.id, old_value=mark.value),
    )


async def apply_attendance(
    session: AsyncSession,
    actor_id: int | None,
    lesson: Lesson,
    absent: set[int],
    *,
    existing: Sequence[Absence] | None = None,
    documents: Mapping[int, AcceptedDocument] | None = None,
) -> None:
    """The lesson's absences made `absent`. `existing`: its absences, and `documents`: the accepted documents
    covering its day by student, when the caller has loaded them already. The new absences are flushed together,
    then their audit rows and events added in the same order."""
    if existing is None:
        existing = (await session.scalars(select(Absence).where(Absence.lesson_id == lesson.id))).all()
    by_student = {a.student_id: a for a in existing}
    for student_id in by_student.keys() - absent:
        gone = by_student[student_id]
        audit(
            session,
            school_id=lesson.school_id,
            actor_id=actor_id,
            action="delete",
            entity="absence",
            entity_id=gone.id,
            before=snapshot(gone, "lesson_id", "student_id", "reason"),
        )
        emit(session, lesson.school_id, AbsenceRemoved(student_id=student_id, lesson_id=lesson.id))
        await session.delete(gone)
    new = sorted(absent - by_student.keys())
    if documents is None:
        documents = await _accepted_documents(session, new, lesson.date)
    added = []
    for student_id in new:
        absence = Absence(lesson_id=lesson.id, student_id=student_id, created_by=actor_id)
        document = documents.get(student_id)
        if document is not None:  # ABS-2: a reason already accepted for this day applies at once
            absence.reason, absence.document_id = document.reason, document.id
            absence.reason_set_by, absence.reason_set_at = document.decided_by, utcnow()
        session.add(absence)
        added.append(absence)
    if added:
        await session.flush()  # the absences' ids, for their audit rows and events
    for absence in added:
        audit(
            session,
            school_id=lesson.school_id,
            actor_id=actor_id,
            action="add",
            entity="absence",
            entity_id=absence.id,
            after=snapshot(absence, "lesson_id", "student_id", "reason"),
        )
        emit(
            session,
            lesson.school_id,
            AbsenceRecorded(student_id=absence.student_id, lesson_id=lesson.id, absence_id=absence.id),
        )
    if lesson.attendance_taken_at is None:
        lesson.attendance_taken_at = utcnow()
    lesson.updated_by = actor_id


async def _accepted_documents(
    session: AsyncSession, student_ids: Sequence[int], day: date
) -> dict[int, AcceptedDocument]:
    found: dict[int, AcceptedDocument] = {}
    if not student_ids:
        return found
    rows = await session.execute(
        select(AbsenceDocument.student_id, *DOCUMENT_COLUMNS).where(
            AbsenceDocument.student_id.in_(student_ids), covering_documents(day)
        )
    )
    for student_id, *document in rows.all():
        keep_latest(found, student_id, AcceptedDocument.of(document))
    return found


LESSON_FIELDS = ("topic", "homework", "no_homework", "homework_due_on")


def set_lesson_fields(session: AsyncSession, actor_id: int | None, lesson: Lesson, **fields) -> bool:
    """The fields written and audited; False, and nothing recorded, when they hold these values already."""
    before = snapshot(lesson, *LESSON_FIELDS)
    if all(getattr(lesson, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(lesson, name, value)
    lesson.updated_by = actor_id
    audit(
        session,
        school_id=lesson.school_id,
        actor_id=actor_id,
        action="change",
        entity="lesson",
        entity_id=lesson.id,
        before=before,
        after=snapshot(lesson, *LESSON_FIELDS),
    )
    return True
