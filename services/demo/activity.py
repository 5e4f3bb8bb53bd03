"""The term's journal of an imported school, from the current period's start up to today, written fast.

What is written, for each class from the start of the study period that contains today (a quarter in
grades 1-9, a half-year in 10-11) up to today inclusive:

- the thematic plan (PlanTopic, J-14) of every assignment for the whole period, and a Lesson row for
  every timetable lesson on a school day (weekends and holidays have none, PER-1) with the plan's next
  topic, homework as teachers write it (J-4) or «не задано» (J-3; always in grade 1), the date of the
  next lesson as its due date, attendance taken, the teacher, and times near the lesson (UTC).
  Today only the lessons over by the demo's «now», DEMO_NOW local time, are written; the later ones are
  not there yet. A few recent lessons lack their topic, homework or attendance on purpose, so that
  "what is missing" (REP-3) has something to show;
- marks 2..5, mostly 4 and 5, never in grades without marks (J-8): answers and homework of a few
  students a lesson, sometimes two marks for one student (J-6), everyone present at a control work
  (marked one to three days later, J-11, so the newest are not marked yet); enough of them that each
  student reaches the PER-4 count by the period's end;
- absences (3-5 % of student lessons) clustered as they happen: an illness keeps a child away whole
  days in a row, a family trip or a competition for a day or two, a skipped lesson here and there.
  Reasons (ABS-2) are set for older absences (mostly illness, accepted from a parent's document whose
  id the absences keep, ABS-4), not yet for the last two working days (ABS-3); some skips are
  unexcused; a few recent documents are pending, one or two declined;
- period marks (FinalMark, kind period) of the periods that have already ended, in line with each
  student's level (PER-2, PER-3).

This is seed data, not what users did: no outbox events and no audit entries are written for it, so
nobody is notified of a demo's history and the audit log starts empty. Everything comes from the given
random generator and `today`, never from the clock, so the same seed and day give the same journal.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..grading_policy import GradingPolicy, required_marks
from ..models import Absence as AbsenceRow
from ..models import (
    AbsenceDocument,
    AbsenceReason,
    AcademicYear,
    Assignment,
    Bell,
    ClassGroup,
    DocumentKind,
    DocumentStatus,
    FinalMark,
    FinalMarkKind,
    Guardianship,
    Holiday,
    Kinship,
    Lesson,
    Mark,
    Person,
    PlanTopic,
    School,
    Student,
    StudentStatus,
    StudyPeriod,
    Subgroup,
    SubgroupMember,
    Subject,
    TimetableEntry,
    WorkType,
)
from . import curriculum as cur

DEMO_NOW = time(12, 30)  # the demo's «now» on `today`, local time: lessons 1-4 are over
BATCH = 5000
RECENT_WORKING_DAYS = 2  # ABS-3: reasons of the last two working days are not set yet
GAP_DAYS = 10  # recent lessons (school days before today) that may lack a topic, homework, attendance


@dataclass(frozen=True)
class ActivityCounts:
    lessons: int
    marks: int
    absences: int
    documents: int
    final_marks: int
    plan_topics: int


# ---- the school as stored ------------------------------------------------------------------------


@dataclass
class _Assignment:
    id: int
    teacher_id: int
    class_id: int
    subgroup_id: int | None
    subgroup: str
    subject_id: int
    subject: str
    hours: int
    slots: list[tuple[int, int]] = field(default_factory=list)  # (weekday, lesson number)


@dataclass
class _School:
    id: int
    tz: ZoneInfo
    no_marks: frozenset[int]
    mark_min: int
    mark_max: int
    year_id: int
    year_starts: date
    year_ends: date
    periods: list[tuple[int, str, int, int, date, date]]  # id, name, grade from, to, starts, ends
    holidays: list[tuple[date, date, frozenset[int]]]
    bells: dict[int, tuple[time, time]]
    classes: list[tuple[int, int, str, int | None]]  # id, grade, letter, class teacher
    students: dict[int, list[int]]  # class id -> student ids in journal order
    members: dict[int, set[int]]  # subgroup id -> student ids
    assignments: dict[int, list[_Assignment]]  # class id -> its assignments
    work_types: dict[str, int]
    written: frozenset[str]
    guardians: dict[int, list[int]]  # student id -> parent person ids, mother first

    def has_lessons(self, grade: int, day: date) -> bool:
        return (
            day.weekday() < 5
            and self.year_starts <= day <= self.year_ends
            and not any(a <= day <= b and (not grades or grade in grades) for a, b, grades in self.holidays)
        )

    def period(self, grade: int, day: date):
        return next((p for p in self.periods if p[2] <= grade <= p[3] and p[4] <= day <= p[5]), None)

    def roster(self, a: _Assignment) -> list[int]:
        everyone = self.students.get(a.class_id, [])
        if a.subgroup_id is None:
            return everyone
        members = self.members.get(a.subgroup_id, set())
        return [s for s in everyone if s in members]


async def load_school(session: AsyncSession, school_id: int, today: date) -> _School:
    """The school's calendar, classes, students and teaching load, each table read in one query and
    put in a stable order (by names, not ids), so that the random choices do not depend on ids."""
    school = (await session.execute(select(School).where(School.id == school_id))).scalar_one()
    years = (
        await session.execute(
            select(AcademicYear.id, AcademicYear.starts_on, AcademicYear.ends_on)
            .where(AcademicYear.school_id == school_id)
            .order_by(AcademicYear.starts_on)
        )
    ).all()
    year = next((y for y in years if y.starts_on <= today <= y.ends_on), years[-1])
    periods = sorted(
        (
            await session.execute(
                select(
                    StudyPeriod.id,
                    StudyPeriod.name,
                    StudyPeriod.grade_from,
                    StudyPeriod.grade_to,
                    StudyPeriod.starts_on,
                    StudyPeriod.ends_on,
                ).where(StudyPeriod.year_id == year.id)
            )
        ).all(),
        key=lambda p: (p.starts_on, p.grade_from),
    )
    holidays = [
        (h.starts_on, h.ends_on, frozenset(int(g) for g in h.grades.split(",") if g.strip()))
        for h in (
            await session.execute(
                select(Holiday.starts_on, Holiday.ends_on, Holiday.grades).where(Holiday.school_id == school_id)
            )
        ).all()
    ]
    bells = {
        b.lesson_number: (b.starts_at, b.ends_at)
        for b in (
            await session.execute(
                select(Bell.lesson_number, Bell.starts_at, Bell.ends_at).where(Bell.school_id == school_id)
            )
        ).all()
    }
    classes = sorted(
        (c.id, c.grade, c.letter, c.class_teacher_id)
        for c in (
            await session.execute(
                select(ClassGroup.id, ClassGroup.grade, ClassGroup.letter, ClassGroup.class_teacher_id).where(
                    ClassGroup.year_id == year.id
                )
            )
        ).all()
    )
    classes.sort(key=lambda c: (c[1], c[2]))
    class_ids = {c[0] for c in classes}

    students: dict[int, list[int]] = defaultdict(list)
    for row in sorted(
        (
            await session.execute(
                select(
                    Student.id,
                    Student.class_id,
                    Person.last_name,
                    Person.first_name,
                    Person.middle_name,
                    Person.birth_date,
                )
                .join(Person, Person.id == Student.person_id)
                .where(Student.school_id == school_id, Student.status == StudentStatus.ACTIVE)
            )
        ).all(),
        key=lambda r: (r.last_name, r.first_name, r.middle_name, r.birth_date or date.min),
    ):
        if row.class_id in class_ids:
            students[row.class_id].append(row.id)
    subgroups = {
        s.id: s.name
        for s in (
            await session.execute(select(Subgroup.id, Subgroup.name).where(Subgroup.class_id.in_(class_ids)))
        ).all()
    }
    members: dict[int, set[int]] = defaultdict(set)
    for m in (
        await session.execute(
            select(SubgroupMember.subgroup_id, SubgroupMember.student_id).where(
                SubgroupMember.subgroup_id.in_(subgroups)
            )
        )
    ).all():
        members[m.subgroup_id].add(m.student_id)

    subjects = {
        s.id: s.name
        for s in (await session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school_id))).all()
    }
    assignments: dict[int, list[_Assignment]] = defaultdict(list)
    by_id: dict[int, _Assignment] = {}
    for a in (
        await session.execute(
            select(
                Assignment.id,
                Assignment.teacher_id,
                Assignment.class_id,
                Assignment.subgroup_id,
                Assignment.subject_id,
                Assignment.hours_per_week,
            ).where(Assignment.school_id == school_id, Assignment.class_id.in_(class_ids))
        )
    ).all():
        item = _Assignment(
            a.id,
            a.teacher_id,
            a.class_id,
            a.subgroup_id,
            subgroups.get(a.subgroup_id, ""),
            a.subject_id,
            subjects[a.subject_id],
            a.hours_per_week,
        )
        assignments[a.class_id].append(item)
        by_id[a.id] = item
    for items in assignments.values():
        items.sort(key=lambda a: (a.subject, a.subgroup))
    for t in (
        await session.execute(
            select(TimetableEntry.assignment_id, TimetableEntry.weekday, TimetableEntry.lesson_number).where(
                TimetableEntry.assignment_id.in_(by_id),
                TimetableEntry.valid_from <= today,
                (TimetableEntry.valid_to.is_(None)) | (TimetableEntry.valid_to >= today),
            )
        )
    ).all():
        by_id[t.assignment_id].slots.append((t.weekday, t.lesson_number))
    for item in by_id.values():
        item.slots.sort()

    work = (
        await session.execute(
            select(WorkType.id, WorkType.name, WorkType.is_written).where(WorkType.school_id == school_id)
        )
    ).all()
    guardians: dict[int, list[tuple[int, int]]] = defaultdict(list)
    order = {Kinship.MOTHER: 0, Kinship.FATHER: 1, Kinship.GUARDIAN: 2, Kinship.OTHER: 3}
    for g in (
        await session.execute(
            select(Guardianship.parent_id, Guardianship.student_id, Guardianship.kinship)
            .join(Student, Student.id == Guardianship.student_id)
            .where(Student.school_id == school_id)
        )
    ).all():
        guardians[g.student_id].append((order.get(g.kinship, 3), g.parent_id))
    return _School(
        id=school_id,
        tz=ZoneInfo(school.timezone),
        no_marks=school.no_mark_grades,
        mark_min=school.mark_min,
        mark_max=school.mark_max,
        year_id=year.id,
        year_starts=year.starts_on,
        year_ends=year.ends_on,
        periods=[(p.id, p.name, p.grade_from, p.grade_to, p.starts_on, p.ends_on) for p in periods],
        holidays=holidays,
        bells=bells,
        classes=classes,
        students=dict(students),
        members=dict(members),
        assignments=dict(assignments),
        work_types={w.name: w.id for w in work},
        written=frozenset(w.name for w in work if w.is_written),
        guardians={s: [p for _, p in sorted(g)] for s, g in guardians.items()},
    )


# ---- generating -----------------------------------------------------------------------------------


@dataclass
class _Episode:
    """Days a student is away: illness, a family trip or competition, or one skipped lesson."""

    student_id: int
    kind: str  # "illness" | "family" | "competition" | "skip"
    days: list[date]
    lesson: int | None = None  # a skip: the lesson number
    reason: AbsenceReason | None = None
    reason_set_by: int | None = None
    reason_set_at: datetime | None = None
    document: int | None = None  # index into the documents list


class _Generator:
    def __init__(self, school: _School, today: date, rng: random.Random) -> None:
        self.s = school
        self.today = today
        self.rng = rng
        self.now = self.at(today, DEMO_NOW)
        self.plan_rows: list[dict[str, Any]] = []
        self.lessons: list[dict[str, Any]] = []
        self.marks: list[dict[str, Any]] = []  # lesson_id holds the lesson key until the ids are known
        self.absences: list[dict[str, Any]] = []
        self.documents: list[dict[str, Any]] = []
        self.finals: list[dict[str, Any]] = []
        self.ability: dict[int, float] = {}
        self.subject_ability: dict[tuple[int, int], float] = {}
        self._next: dict[tuple[int, tuple[int, ...], date], date | None] = {}
        self.declined = 0

    def at(self, day: date, moment: time, minutes: float = 0) -> datetime:
        local = datetime.combine(day, moment, self.s.tz) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    # ---- per student ---------------------------------------------------------------------------

    def level(self, student_id: int, subject_id: int) -> float:
        if student_id not in self.ability:
            self.ability[student_id] = min(5.0, max(3.0, self.rng.gauss(4.25, 0.45)))
        key = (student_id, subject_id)
        if key not in self.subject_ability:
            self.subject_ability[key] = self.rng.gauss(0, 0.3)
        return self.ability[student_id] + self.subject_ability[key]

    def mark_value(self, student_id: int, subject_id: int, shift: float = 0.0, spread: float = 0.6) -> int:
        value = round(self.level(student_id, subject_id) + shift + self.rng.gauss(0, spread))
        return min(self.s.mark_max, max(self.s.mark_min, value))

    # ---- the calendar --------------------------------------------------------------------------

    def school_days(self, grade: int, first: date, last: date) -> list[date]:
        days, day = [], first
        while day <= last:
            if self.s.has_lessons(grade, day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def next_lesson(self, grade: int, weekdays: tuple[int, ...], day: date) -> date | None:
        """The next school day with a lesson of the assignment: the homework's due date."""
        key = (grade, weekdays, day)
        if key not in self._next:
            found, probe = None, day
            for _ in range(60):
                probe += timedelta(days=1)
                if probe > self.s.year_ends:
                    break
                if probe.weekday() in weekdays and self.s.has_lessons(grade, probe):
                    found = probe
                    break
            self._next[key] = found
        return self._next[key]

    # ---- the whole school ----------------------------------------------------------------------

    def generate(self) -> None:
        for class_id, grade, _letter, class_teacher in self.s.classes:
            period = self.s.period(grade, self.today)
            if period is None:  # a school imported without a period today: the last one begun
                begun = [p for p in self.s.periods if p[2] <= grade <= p[3] and p[4] <= self.today]
                if not begun:
                    continue
                period = begun[-1]
            self.generate_class(class_id, grade, class_teacher, period)
            self.final_marks(class_id, grade)

    def generate_class(self, class_id: int, grade: int, class_teacher: int | None, period) -> None:
        rng, s = self.rng, self.s
        _pid, _name, _gf, _gt, starts, ends = period
        all_days = self.school_days(grade, starts, ends)
        days = [d for d in all_days if d <= self.today]
        students = s.students.get(class_id, [])
        episodes = self.episodes(grade, students, days)
        away: dict[tuple[int, date], _Episode] = {}
        skips: dict[tuple[int, date, int | None], _Episode] = {}  # a skip has its lesson
        for ep in episodes:
            if ep.kind == "skip":
                skips[ep.student_id, ep.days[0], ep.lesson] = ep
            else:
                for d in ep.days:
                    away[ep.student_id, d] = ep
        self.decide(episodes, grade, class_teacher, days)

        # School days of the year before this period: where the plan's paragraphs have got to.
        before = len(self.school_days(grade, s.year_starts, starts - timedelta(days=1)))
        recent = set(days[-GAP_DAYS - 1 : -1]) if days and days[-1] == self.today else set(days[-GAP_DAYS:])
        marks_allowed = grade not in s.no_marks
        for a in s.assignments.get(class_id, []):
            if not a.slots:
                continue
            weekdays = tuple(sorted({wd for wd, _ in a.slots}))
            occurrences = [(d, n) for d in all_days for wd, n in a.slots if wd == d.weekday()]
            done = round(before / 5 * a.hours)  # lessons of the subject taught this year before the period
            plan = (
                cur.thematic_plan(a.subject, grade, len(occurrences), done, rng)
                if a.subject in cur.SUBJECTS
                else [cur.PlannedLesson(f"Тема {k + 1}", None, None) for k in range(len(occurrences))]
            )
            self.plan_rows += [
                {"assignment_id": a.id, "position": k + 1, "topic": p.topic[:300]} for k, p in enumerate(plan)
            ]
            roster = s.roster(a)
            required = required_marks(GradingPolicy(), a.hours)  # the demo school keeps the defaults
            controls = sum(1 for p in plan if p.work) / max(1, len(plan))
            rate = 1.3 * required / max(1, len(occurrences))
            p_mark = min(0.6, max(0.08, (rate - controls) / max(0.2, 1 - controls)))
            given = 0  # topics given so far: the next lesson takes the plan's next one (J-14)
            tally = dict.fromkeys(roster, 0)  # marks so far: teachers ask who has fewest (PER-4)
            for day, number in (occ for occ in occurrences if occ[0] <= self.today):
                start, end = s.bells.get(number, (time(8, 30), time(9, 15)))
                if day == self.today and end > DEMO_NOW:
                    continue
                planned = plan[min(given, len(plan) - 1)]
                is_today = day == self.today
                gap = day in recent and not is_today
                has_topic = not (gap and rng.random() < 0.02)
                has_attendance = not (gap and rng.random() < 0.012)
                homework_missing = (is_today and rng.random() < 0.35) or (gap and rng.random() < 0.03)
                text = None if homework_missing else cur.homework(a.subject, grade, planned, done + given, rng)
                if has_topic:
                    given += 1
                begins = self.at(day, start)
                ends_at = self.at(day, end)
                written_at = min(self.now, ends_at + timedelta(minutes=rng.randint(5, 200)))
                key = (a.id, day, number)
                self.lessons.append(
                    {
                        "school_id": s.id,
                        "assignment_id": a.id,
                        "date": day,
                        "lesson_number": number,
                        "teacher_id": a.teacher_id,
                        "topic": planned.topic if has_topic else "",
                        "homework": text or "",
                        "no_homework": not homework_missing and text is None,
                        "homework_due_on": self.next_lesson(grade, weekdays, day) if text else None,
                        "attendance_taken_at": begins + timedelta(minutes=rng.randint(1, 8))
                        if has_attendance
                        else None,
                        "created_at": begins + timedelta(minutes=rng.randint(0, 4)),
                        "updated_at": written_at if (text or not homework_missing) else ends_at,
                        "updated_by": a.teacher_id,
                    }
                )
                present = []
                for student in roster:
                    ep = away.get((student, day)) or skips.get((student, day, number))
                    if ep is None:
                        present.append(student)
                    elif has_attendance:
                        self.absences.append(
                            {
                                "lesson_id": key,
                                "student_id": student,
                                "reason": ep.reason,
                                "reason_set_by": ep.reason_set_by,
                                "reason_set_at": ep.reason_set_at,
                                "document_id": ep.document,
                                "created_by": a.teacher_id,
                                "created_at": begins + timedelta(minutes=rng.randint(2, 10)),
                            }
                        )
                if marks_allowed:
                    self.lesson_marks(a, planned, key, day, ends_at, present, p_mark, tally)

    # ---- marks ---------------------------------------------------------------------------------

    def lesson_marks(
        self,
        a: _Assignment,
        planned: cur.PlannedLesson,
        key,
        day: date,
        ends_at: datetime,
        present: Sequence[int],
        p_mark: float,
        tally: dict[int, int],
    ) -> None:
        rng, types = self.rng, self.s.work_types
        if planned.work and planned.work in types:
            written = planned.work in self.s.written
            marked_at = (
                ends_at + timedelta(days=rng.randint(1, 3), hours=rng.randint(2, 6))
                if written
                else ends_at + timedelta(minutes=rng.randint(0, 30))
            )
            if marked_at > self.now:
                return  # J-11: not marked yet
            for student in present:
                self.add_mark(
                    key,
                    student,
                    types[planned.work],
                    self.mark_value(student, a.subject_id, -0.1, 0.7),
                    a.teacher_id,
                    marked_at + timedelta(seconds=rng.randint(0, 600)),
                )
                tally[student] += 1
            return
        if a.subject == cur.PE:
            kinds = [types.get(cur.CLASSWORK)]
        else:
            kinds = [types.get(cur.ORAL), types.get(cur.HOMEWORK), types.get(cur.CLASSWORK)]
        kinds = [k for k in kinds if k is not None] or list(types.values())[:1]
        if not kinds:
            return
        # A few students a lesson, those with fewest marks first (with some chance in it).
        count = int(p_mark * len(present) + rng.random())
        for student in sorted(present, key=lambda st: tally[st] + 1.5 * rng.random())[:count]:
            tally[student] += 1
            first = rng.choice(kinds)
            at = min(self.now, ends_at - timedelta(minutes=rng.randint(0, 40)))
            self.add_mark(key, student, first, self.mark_value(student, a.subject_id), a.teacher_id, at)
            if len(kinds) > 1 and rng.random() < 0.12:  # J-6: a second mark the same day
                second = rng.choice([k for k in kinds if k != first])
                self.add_mark(
                    key,
                    student,
                    second,
                    self.mark_value(student, a.subject_id),
                    a.teacher_id,
                    at + timedelta(minutes=1),
                )

    def add_mark(self, key, student: int, work_type: int, value: int, teacher: int, at: datetime) -> None:
        at = min(at, self.now)
        self.marks.append(
            {
                "lesson_id": key,
                "student_id": student,
                "work_type_id": work_type,
                "value": value,
                "comment": "",
                "created_by": teacher,
                "created_at": at,
                "updated_by": teacher,
                "updated_at": at,
            }
        )

    def final_marks(self, class_id: int, grade: int) -> None:
        """PER-2: the period marks of the periods that are over, near each student's level."""
        s = self.s
        if grade in s.no_marks:
            return
        for period_id, _name, gf, gt, _starts, ends in s.periods:
            if not (gf <= grade <= gt and ends < self.today):
                continue
            for a in s.assignments.get(class_id, []):
                set_at = self.at(ends, time(15, 0), self.rng.randint(0, 180))
                for student in s.roster(a):
                    value = round(self.level(student, a.subject_id) + self.rng.gauss(0, 0.3))
                    if value <= 2 and self.rng.random() < 0.7:
                        value = 3
                    self.finals.append(
                        {
                            "student_id": student,
                            "subject_id": a.subject_id,
                            "year_id": s.year_id,
                            "period_id": period_id,
                            "kind": FinalMarkKind.PERIOD,
                            "value": min(s.mark_max, max(s.mark_min, value)),
                            "set_by": a.teacher_id,
                            "set_at": set_at,
                        }
                    )

    # ---- absences and documents ----------------------------------------------------------------

    def episodes(self, grade: int, students: Sequence[int], days: Sequence[date]) -> list[_Episode]:
        """Illnesses of several days (~3.5 % of days), family trips and competitions, single skips."""
        rng = self.rng
        result: list[_Episode] = []
        skip_rate = 0.0012 if grade < 7 else 0.004
        for student in students:
            k = 0
            while k < len(days):
                roll = rng.random()
                if roll < 0.0085:
                    length = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10))
                    result.append(_Episode(student, "illness", list(days[k : k + length])))
                    k += length + 1
                    continue
                if roll < 0.0085 + 0.0007:
                    length = rng.choice((1, 2, 2, 3))
                    result.append(_Episode(student, rng.choice(("family", "competition")), list(days[k : k + length])))
                    k += length + 1
                    continue
                if rng.random() < skip_rate * 6:
                    result.append(_Episode(student, "skip", [days[k]], lesson=rng.randint(2, 6)))
                k += 1
        return result

    def decide(self, episodes: Iterable[_Episode], grade: int, class_teacher: int | None, days: Sequence[date]) -> None:
        """ABS-1..ABS-4: documents from parents, and the class teacher's reasons."""
        rng, s = self.rng, self.s
        cutoff = days[-1 - RECENT_WORKING_DAYS] if len(days) > RECENT_WORKING_DAYS else date.min
        for ep in episodes:
            last = ep.days[-1]
            recent = last > cutoff
            parents = s.guardians.get(ep.student_id, [])
            after = self.school_days(grade, last + timedelta(days=1), last + timedelta(days=14))
            back = after[0] if after else last + timedelta(days=1)  # the day the child is back
            if ep.kind == "skip":
                if not recent and rng.random() < 0.85:
                    self.set_reason(
                        ep, AbsenceReason.UNEXCUSED, class_teacher, self.at(back, time(14, 0), rng.randint(0, 180))
                    )
                continue
            if not parents:
                continue
            if ep.kind == "illness":
                if recent:
                    if rng.random() < 0.45:  # ABS-1: the parent writes in these days, not decided yet
                        sent = self.at(max(ep.days[0], cutoff), time(7, 30), rng.randint(0, 50))
                        self.document(
                            ep,
                            rng.choice(parents),
                            DocumentKind.ILLNESS,
                            sent,
                            max(last, ep.days[0] + timedelta(days=rng.randint(2, 4))),
                            None,
                            class_teacher,
                            back,
                        )
                    continue
                roll = rng.random()
                sent = self.at(back, time(7, 40), rng.randint(0, 60))
                if roll < 0.68:
                    status = DocumentStatus.ACCEPTED
                    if self.declined < 2 and rng.random() < 0.05:  # one or two a school
                        status = DocumentStatus.DECLINED
                        self.declined += 1
                    self.document(
                        ep, rng.choice(parents), DocumentKind.ILLNESS, sent, last, status, class_teacher, back
                    )
                elif roll < 0.93:  # the parent phoned: the class teacher sets the reason without a paper
                    self.set_reason(
                        ep, AbsenceReason.ILLNESS, class_teacher, self.at(back, time(13, 30), rng.randint(0, 200))
                    )
                # else: the reason is still not set (REP-3 shows it)
                continue
            # A family trip or a competition is announced in advance.
            kind = DocumentKind.FAMILY if ep.kind == "family" else DocumentKind.COMPETITION
            sent = self.at(ep.days[0] - timedelta(days=rng.randint(1, 4)), time(19, 0), rng.randint(0, 120))
            self.document(
                ep,
                rng.choice(parents),
                kind,
                sent,
                last,
                None if recent else DocumentStatus.ACCEPTED,
                class_teacher,
                back,
            )

    def set_reason(self, ep: _Episode, reason: AbsenceReason, by: int | None, at: datetime) -> None:
        if at <= self.now:
            ep.reason, ep.reason_set_by, ep.reason_set_at = reason, by, at

    def document(
        self,
        ep: _Episode,
        parent: int,
        kind: DocumentKind,
        sent: datetime,
        date_to: date,
        status: DocumentStatus | None,
        class_teacher: int | None,
        back: date,
    ) -> None:
        """A parent's document; decided (if `status`) in working hours from the day the child is back,
        when the absences it covers are all recorded, for accepting applies the reason to them."""
        rng = self.rng
        date_to = min(date_to, self.s.year_ends)
        comment = {
            DocumentKind.ILLNESS: rng.choice(
                (
                    f"Справка из детской поликлиники № {rng.randint(1, 9)}",
                    "ОРВИ, справка от педиатра прилагается",
                    "Болел(а), лечились дома, справка от врача",
                    "Ребёнок заболел, температура. Справку принесём",
                )
            ),
            DocumentKind.FAMILY: rng.choice(
                (
                    "Семейные обстоятельства, прошу считать пропуск уважительным",
                    "Поездка к бабушке по семейным обстоятельствам",
                )
            ),
            DocumentKind.COMPETITION: rng.choice(
                (
                    "Участие в областных соревнованиях по плаванию",
                    "Турнир по шахматам, вызов прилагается",
                    "Соревнования по лёгкой атлетике",
                )
            ),
        }.get(kind, "")
        decided_at = None
        if status is not None:
            day = back + timedelta(days=rng.choice((0, 0, 1, 2)))
            day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)
            decided_at = max(sent, self.at(day, time(13, 0), rng.randint(0, 240)))
            if decided_at > self.now:  # ABS-3: the class teacher has not got to it yet
                status, decided_at = None, None
        reason = None
        if status == DocumentStatus.ACCEPTED:
            reason = AbsenceReason.ILLNESS if kind == DocumentKind.ILLNESS else AbsenceReason.EXCUSED
        index = len(self.documents)
        self.documents.append(
            {
                "school_id": self.s.id,
                "student_id": ep.student_id,
                "submitted_by": parent,
                "date_from": ep.days[0],
                "date_to": date_to,
                "kind": kind,
                "comment": comment,
                "status": status or DocumentStatus.PENDING,
                "reason": reason,
                "decided_by": class_teacher if status else None,
                "decided_at": decided_at,
                "decision_comment": "Нет печати медицинского учреждения, принесите, пожалуйста, оригинал справки"
                if status == DocumentStatus.DECLINED
                else "",
                "created_at": sent,
            }
        )
        if reason is not None:
            ep.reason, ep.reason_set_by, ep.reason_set_at, ep.document = reason, class_teacher, decided_at, index


# ---- writing --------------------------------------------------------------------------------------


async def insert_all(session: AsyncSession, table, rows: list[dict[str, Any]]) -> None:
    """Core executemany, in batches: no ORM objects, no RETURNING."""
    for k in range(0, len(rows), BATCH):
        await session.execute(insert(table), rows[k : k + BATCH])


async def write_activity(session: AsyncSession, school_id: int, today: date, rng: random.Random) -> ActivityCounts:
    """Generates and writes the term's journal of one school, in the caller's transaction."""
    school = await load_school(session, school_id, today)
    gen = _Generator(school, today, rng)
    gen.generate()

    await insert_all(session, PlanTopic.__table__, gen.plan_rows)
    await insert_all(session, Lesson.__table__, gen.lessons)
    first = min((row["date"] for row in gen.lessons), default=today)
    ids = {
        (r.assignment_id, r.date, r.lesson_number): r.id
        for r in (
            await session.execute(
                select(Lesson.id, Lesson.assignment_id, Lesson.date, Lesson.lesson_number).where(
                    Lesson.school_id == school_id, Lesson.date >= first
                )
            )
        ).all()
    }

    await insert_all(session, AbsenceDocument.__table__, gen.documents)
    # A student's documents cover episodes that do not overlap: the first day tells them apart.
    doc_ids = {
        (r.student_id, r.date_from): r.id
        for r in (
            await session.execute(
                select(AbsenceDocument.id, AbsenceDocument.student_id, AbsenceDocument.date_from).where(
                    AbsenceDocument.school_id == school_id
                )
            )
        ).all()
    }
    doc_key = [(d["student_id"], d["date_from"]) for d in gen.documents]
    for row in gen.absences:
        row["lesson_id"] = ids[row["lesson_id"]]
        if row["document_id"] is not None:
            row["document_id"] = doc_ids[doc_key[row["document_id"]]]
    for row in gen.marks:
        row["lesson_id"] = ids[row["lesson_id"]]
    await insert_all(session, AbsenceRow.__table__, gen.absences)
    await insert_all(session, Mark.__table__, gen.marks)
    await insert_all(session, FinalMark.__table__, gen.finals)
    return ActivityCounts(
        len(gen.lessons), len(gen.marks), len(gen.absences), len(gen.documents), len(gen.finals), len(gen.plan_rows)
    )
