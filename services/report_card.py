"""A student's report card (DIA-1, PER-1..PER-3): the period's marks by subject with both averages, the previous
period's and the period mark; one subject's marks and "what is needed" for a period mark; the period's
attendance. Every call checks that the actor may see this student (ACC-1, ACC-2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor, get_student_for
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .diary import StudentCard, lessons_of, student_assignments, while_there
from .errors import InvalidInput, NotFound
from .final_marks import YEAR_KINDS, Outcome
from .grading import NEW_MARK_WEIGHT, MarkItem, averages, marks_needed, rounds_up_from
from .models import (
    Absence,
    Assignment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    Lesson,
    Mark,
    School,
    Student,
    StudyPeriod,
    Subject,
)


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
    period_outcome: Outcome | None = None  # the period mark as set: a mark, «н/а», «зач.», «осв.»
    year_marks: tuple[tuple[FinalMarkKind, Outcome], ...] = ()  # the year's, exam and final marks set (PER-2)


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


@dataclass(frozen=True)
class PeriodCard:
    period_id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class MarkGoal:
    """ "What is needed" for a period mark (PER-3, DIA-4): how many more marks lift the weighted average."""

    student_id: int
    period_id: int
    period_name: str
    subject_id: int
    subject: str
    marks_count: int
    weighted_average: float | None
    choices: tuple[int, ...]  # the period marks one can aim at: the scale above its lowest mark
    mark: int | None = None  # the one chosen
    threshold: float | None = None  # rounds_up_from(mark, round_from)
    round_from: float = 0.5  # the school's rounding of period marks (PER-3)
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


@dataclass(frozen=True)
class MarksScreen:
    """The marks summary (DIA-1, PER-1): whose, the period's report, and the periods to switch between."""

    student: StudentCard
    report: MarksReport
    periods: tuple[PeriodCard, ...]


class ReportCardService:
    """The marks screens (one call each: marks_screen, subject_marks) and the attendance summary."""

    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

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
        assignments = await student_assignments(self.session, student, period.starts_on, period.ends_on)
        subjects = await self._subjects_marks(student, assignments, period, previous)
        return MarksReport(student_id=student.id, period_id=period.id, period_name=period.name, subjects=subjects)

    async def subject_marks(
        self, actor: Actor, student_id: int, subject_id: int, period_id: int | None = None, mark: int | None = None
    ) -> SubjectReport:
        """One subject of the marks report (DIA-1, J-5): its marks by date with work types and weights, both
        averages, the change against the previous period and the period mark; and "what is needed" for the period
        mark `mark` (PER-3; without it, the marks to choose from). A subject the student does not study is
        refused."""
        student = await get_student_for(self.session, actor, student_id)
        period, previous = await self._period(student, period_id)
        assignments = {
            k: a
            for k, a in (await student_assignments(self.session, student, period.starts_on, period.ends_on)).items()
            if a.subject_id == subject_id
        }
        if not assignments and not await self._marked(student.id, period, subject_id):
            raise NotFound("subject.not_found")
        [subject] = await self._subjects_marks(student, assignments, period, previous, subject_id)
        goal = await self._goal(student, period, subject_id, subject.subject, subject.marks, mark)
        return SubjectReport(
            student=StudentCard.of(student),
            period=PeriodCard(period.id, period.name, period.starts_on, period.ends_on),
            marks=subject,
            goal=goal,
        )

    async def _subjects_marks(
        self,
        student: Student,
        assignments: dict[int, Assignment],
        period: StudyPeriod,
        previous: StudyPeriod | None,
        subject_id: int | None = None,
    ) -> tuple[SubjectMarks, ...]:
        """The subjects of `assignments` and those the student has marks of (all, or `subject_id`'s) in name order,
        each with its marks of the period, averages and period mark. DATA-4: a mark counts whatever class or
        subgroup it was given in, so the marks of one subject from two classes count together."""
        current, names = await self._student_marks(student.id, period, subject_id)
        before = (await self._student_marks(student.id, previous, subject_id))[0] if previous else {}
        names.update((a.subject_id, a.subject.name) for a in assignments.values())
        subjects = sorted({name: sid for sid, name in names.items()}.items())
        finals: dict[int, Outcome] = {}
        year_marks: dict[int, list[tuple[FinalMarkKind, Outcome]]] = defaultdict(list)
        for mark in await self.session.scalars(
            select(FinalMark)
            .where(
                FinalMark.student_id == student.id,
                FinalMark.subject_id.in_([subject_id for _, subject_id in subjects]),
                ((FinalMark.period_id == period.id) & (FinalMark.kind == FinalMarkKind.PERIOD))
                | ((FinalMark.year_id == period.year_id) & FinalMark.kind.in_(YEAR_KINDS)),
            )
            .order_by(FinalMark.id)
        ):
            outcome = Outcome(mark.result, mark.value if mark.result is FinalResult.MARK else None)
            if mark.kind is FinalMarkKind.PERIOD:
                finals[mark.subject_id] = outcome
            else:
                year_marks[mark.subject_id].append((mark.kind, outcome))
        result = []
        for name, subject_id in subjects:
            items = current.get(subject_id, [])
            simple, weighted = averages(items)
            result.append(
                SubjectMarks(
                    subject=name,
                    marks=tuple(items),
                    average=simple,
                    weighted_average=weighted,
                    previous_weighted_average=averages(before.get(subject_id, []))[1],
                    period_mark=finals[subject_id].value if subject_id in finals else None,
                    subject_id=subject_id,
                    not_attested=subject_id in finals and finals[subject_id].result is FinalResult.NOT_ATTESTED,
                    period_outcome=finals.get(subject_id),
                    year_marks=tuple(sorted(year_marks[subject_id], key=lambda item: YEAR_KINDS.index(item[0]))),
                )
            )
        return tuple(result)

    async def attendance(self, actor: Actor, student_id: int, period_id: int | None = None) -> AttendanceReport:
        """DIA-1: the period's absences by subject and reason, and how many still have no reason."""
        return await self.attendance_of(await get_student_for(self.session, actor, student_id), period_id)

    async def attendance_of(self, student: Student, period_id: int | None = None) -> AttendanceReport:
        """attendance() for a student the caller has checked already (get_student_for): one check per screen."""
        period, _ = await self._period(student, period_id)
        assignments = await student_assignments(self.session, student, period.starts_on, period.ends_on)
        lessons = await while_there(
            self.session,
            student,
            await lessons_of(
                self.session,
                assignments,
                Lesson.date.between(period.starts_on, period.ends_on),
                Lesson.attendance_taken_at.is_not(None),
            ),
            lambda lsn: lsn.date,
        )
        held: dict[int, int] = defaultdict(int)
        for lsn in lessons:
            held[assignments[lsn.assignment_id].subject_id] += 1
        rows = (
            await self.session.execute(
                select(Lesson.assignment_id, Lesson.date, Absence.reason)
                .join(Absence, Absence.lesson_id == Lesson.id)
                .where(
                    Absence.student_id == student.id,
                    Lesson.assignment_id.in_(assignments),
                    Lesson.date.between(period.starts_on, period.ends_on),
                )
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
            student_id=student.id,
            period_id=period.id,
            period_name=period.name,
            subjects=tuple(
                SubjectAttendance(
                    subject=name,
                    lessons=held.get(sid, 0),
                    absences=sum(reasons.get(sid, {}).values()),
                    by_reason=dict(reasons.get(sid, {})),
                )
                for name, sid in names
            ),
            days=tuple(AbsenceDay(day, missed, unreasoned) for day, (missed, unreasoned) in sorted(days.items())),
        )

    async def periods(self, actor: Actor, student_id: int) -> list[PeriodCard]:
        """The student's study periods of the year that have begun, in order: the marks screen switches
        between them (PER-1)."""
        return await self._periods(await get_student_for(self.session, actor, student_id))

    async def _periods(self, student: Student) -> list[PeriodCard]:
        today = school_today(self.clock, await self.session.get_one(School, student.school_id))
        calendar = await SchoolCalendar.load(self.session, student.school_id, today)
        current = calendar.current_or_last_period(today, student.class_group.grade)
        return [
            PeriodCard(p.id, p.name, p.starts_on, p.ends_on)
            for p in calendar.periods(student.class_group.grade)
            if p.starts_on <= current.starts_on
        ]

    async def mark_goal(
        self, actor: Actor, student_id: int, subject_id: int, period_id: int | None = None, mark: int | None = None
    ) -> MarkGoal:
        """ "What is needed": how many more marks of each value (weight NEW_MARK_WEIGHT) lift the subject's
        weighted average to the one that rounds to `mark` (PER-3); without `mark`, the marks to choose from.

        A forecast only: the teacher sets the period mark (PER-2)."""
        return (await self.subject_marks(actor, student_id, subject_id, period_id, mark)).goal

    async def _goal(
        self,
        student: Student,
        period: StudyPeriod,
        subject_id: int,
        subject: str,
        items: Sequence[MarkItem],
        mark: int | None,
    ) -> MarkGoal:
        school = await self.session.get_one(School, student.school_id)
        choices = tuple(range(school.mark_min + 1, school.mark_max + 1))
        if mark is not None and mark not in choices:
            raise InvalidInput(
                "mark.out_of_scale", value=mark, min=choices[0] if choices else school.mark_max, max=school.mark_max
            )
        goal = MarkGoal(
            student_id=student.id,
            period_id=period.id,
            period_name=period.name,
            subject_id=subject_id,
            subject=subject,
            marks_count=len(items),
            weighted_average=averages(items)[1],
            choices=choices,
            round_from=float(school.period_round_from),
        )
        if mark is None:
            return goal
        threshold = rounds_up_from(mark, goal.round_from)
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

    async def _student_marks(
        self, student_id: int, period: StudyPeriod, subject_id: int | None = None
    ) -> tuple[dict[int, list[MarkItem]], dict[int, str]]:
        """The student's marks of the period by subject id, and the subjects' names: by the student, not by their
        class or subgroup (DATA-4), so a transfer or a change of subgroup hides none."""
        by_subject: dict[int, list[MarkItem]] = defaultdict(list)
        names: dict[int, str] = {}
        rows = await self.session.execute(
            select(Mark, Lesson.date, Subject.id, Subject.name)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .join(Assignment, Assignment.id == Lesson.assignment_id)
            .join(Subject, Subject.id == Assignment.subject_id)
            .where(
                Mark.student_id == student_id,
                Lesson.date.between(period.starts_on, period.ends_on),
                *(() if subject_id is None else (Assignment.subject_id == subject_id,)),
            )
            .order_by(Lesson.date, Mark.id)
        )
        for m, day, sid, name in rows.unique():
            by_subject[sid].append(MarkItem.of(m, day))
            names[sid] = name
        return by_subject, names

    async def _marked(self, student_id: int, period: StudyPeriod, subject_id: int) -> bool:
        return bool((await self._student_marks(student_id, period, subject_id))[0])

    async def _period(self, student: Student, period_id: int | None) -> tuple[StudyPeriod, StudyPeriod | None]:
        school = await self.session.get_one(School, student.school_id)
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
