"""The calendar-thematic plan (КТП, J-14): loading it from a file, and reading it against the journal.

import_plan() takes the rows of a plan file (services/school_import/reader.read_plan) and writes the plan of each
assignment it names (teacher, class, subgroup, subject) into PlanTopic, or raises ImportFailed with every problem
found and writes nothing. «№ урока» is the topic's position; a row of 2 hours takes two positions (a double
lesson). A planned date on a holiday or on a day without the assignment's lesson in the timetable is a warning in
the report («перенести»), not an error: the plan keeps positions, not dates.

departures() and completion() read the plan against the journal for the deputy's control (REP-3): a lesson's
position is the count of the assignment's lessons given with a topic up to it, as the journal offers the next
topic (services/journal.next_topic_query).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, and_, delete, func, insert, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from .access import Actor
from .calendar import SchoolCalendar
from .clock import Clock, school_today
from .db import write_transaction
from .errors import Forbidden
from .models import (
    Assignment,
    ClassGroup,
    Lesson,
    Person,
    PlanTopic,
    School,
    StaffRole,
    Subgroup,
    Subject,
    TimetableEntry,
)
from .records import audit
from .school_import.cells import (
    RowCells,
    class_name,
    full_name,
    integer,
    length,
    name_key,
    parse_class,
    parse_date,
    text,
)
from .school_import.issues import ImportFailed, ImportIssue
from .school_import.spec import PLAN_SHEET

MAX_POSITION = 500  # a subject of 5 hours a week has about 170 lessons a year
MAX_HOURS = 8  # lessons one row may take

AssignmentKey = tuple[int, int, int | None, int]  # teacher, class, subgroup, subject ids


def one_table(issues: Sequence[ImportIssue]) -> list[ImportIssue]:
    """A plan is one table: its issues name the row and the column, never a sheet."""
    headers = [column.header for column in PLAN_SHEET.columns]

    def place(issue: ImportIssue) -> tuple[int, int]:
        return issue.row or 0, headers.index(issue.column) if issue.column in headers else -1

    return [replace(issue, sheet="") for issue in sorted(issues, key=place)]


@dataclass(frozen=True)
class PlanImportReport:
    """How many assignments' plans were created, replaced or found as the file says; the topics written; the
    warnings (dates to move)."""

    school_id: int
    created: int
    replaced: int
    unchanged: int
    topics: int
    warnings: tuple[ImportIssue, ...]


@dataclass
class PlanRow:
    cells: RowCells
    assignment: Assignment
    first: int  # position
    hours: int
    topic: str
    planned_on: date | None


class PlanService:
    def __init__(self, session: AsyncSession, clock: Clock):
        self.session = session
        self.clock = clock

    async def import_plan(
        self, actor: Actor, rows: Sequence[Mapping[str, str]], *, replace_plans: bool = False
    ) -> PlanImportReport:
        """J-14: the plans of the assignments the rows name, all or nothing. A plan already stored is replaced only
        with `replace_plans` (lessons keep the topics they were given); the same plan again changes nothing."""
        if not actor.oversees(actor.school_id):
            raise Forbidden("plan.not_allowed")
        school = await self.session.get_one(School, actor.school_id)
        calendar = await SchoolCalendar.load(self.session, school.id, school_today(self.clock, school))
        issues: list[ImportIssue] = []
        cells = [
            RowCells(PLAN_SHEET, number, row, issues)
            for number, row in enumerate(rows, start=2)
            if any((value or "").strip() for value in row.values())
        ]
        if not cells:
            raise ImportFailed([ImportIssue("", None, None, "", "sheet.empty", {})])
        async with write_transaction(self.session):
            refs = await PlanReferences.load(self.session, school.id, calendar)
            parsed = [row for row in (parse_row(c, refs) for c in cells) if row is not None]
            plans = positions(parsed)
            stored = await self._stored(list(plans))
            warnings = await self._warnings(parsed, plans, calendar)
            for assignment_id, plan in plans.items():
                before = stored.get(assignment_id)
                if before and before != plan.topics and not replace_plans:
                    plan.first_row.issue("subject", "plan.exists", **describe(plan.assignment))
            if issues:
                raise ImportFailed(one_table(issues))
            return await self._write(actor, plans, stored, warnings)

    async def _stored(self, ids: list[int]) -> dict[int, dict[int, str]]:
        stored: dict[int, dict[int, str]] = defaultdict(dict)
        for assignment_id, position, topic in await self.session.execute(
            select(PlanTopic.assignment_id, PlanTopic.position, PlanTopic.topic).where(PlanTopic.assignment_id.in_(ids))
        ):
            stored[assignment_id][position] = topic
        return stored

    async def _warnings(
        self, rows: list[PlanRow], plans: Mapping[int, Plan], calendar: SchoolCalendar
    ) -> list[ImportIssue]:
        """Planned dates to move («перенести»): a holiday or a day off, a day without the lesson in the timetable;
        and lessons the numbering skips."""
        found: list[ImportIssue] = []
        entries = (
            await self.session.execute(
                select(
                    TimetableEntry.assignment_id,
                    TimetableEntry.weekday,
                    TimetableEntry.valid_from,
                    TimetableEntry.valid_to,
                ).where(TimetableEntry.assignment_id.in_(list(plans)))
            )
        ).all()
        weekdays: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
        for assignment_id, weekday, valid_from, valid_to in entries:
            weekdays[assignment_id].append((weekday, valid_from, valid_to))
        for row in rows:
            day = row.planned_on
            if day is None:
                continue
            status = calendar.status(day, row.assignment.class_group.grade)
            if status.kind == "holiday":
                found.append(warning(row.cells, "plan.move_holiday", date=day, holiday=status.holiday or ""))
            elif not status.has_lessons:
                found.append(warning(row.cells, "plan.move_day_off", date=day))
            elif not any(
                w == day.weekday() and start <= day and (end is None or end >= day)
                for w, start, end in weekdays[row.assignment.id]
            ):
                found.append(warning(row.cells, "plan.move_no_lesson", date=day))
        for plan in plans.values():
            expected = 1
            for position in sorted(plan.topics):
                if position > expected:
                    found.append(
                        warning(plan.rows[position], "plan.gap", first=expected, last=position - 1, column="lesson")
                    )
                expected = position + 1
        return sorted(found, key=lambda i: (i.row or 0, i.code))

    async def _write(
        self, actor: Actor, plans: Mapping[int, Plan], stored: Mapping[int, dict[int, str]], warnings: list[ImportIssue]
    ) -> PlanImportReport:
        created = replaced = unchanged = topics = 0
        changed = [a for a, plan in plans.items() if stored.get(a) != plan.topics]
        renewed = [a for a in changed if stored.get(a)]
        if renewed:  # J-14: a new plan replaces the old one; the lessons keep the topics they were given
            await self.session.execute(delete(PlanTopic).where(PlanTopic.assignment_id.in_(renewed)))
        values = [
            {"assignment_id": a, "position": position, "topic": topic}
            for a in changed
            for position, topic in sorted(plans[a].topics.items())
        ]
        if values:
            await self.session.execute(insert(PlanTopic), values)
        for assignment_id, plan in plans.items():
            before = stored.get(assignment_id)
            if assignment_id not in changed:
                unchanged += 1
                continue
            topics += len(plan.topics)
            created += not before
            replaced += bool(before)
            audit(
                self.session,
                school_id=actor.school_id,
                actor_id=actor.person_id or None,
                action="plan.replace" if before else "plan.import",
                entity="assignment",
                entity_id=assignment_id,
                before={"topics": len(before)} if before else None,
                after={"topics": len(plan.topics)},
            )
        return PlanImportReport(actor.school_id, created, replaced, unchanged, topics, tuple(one_table(warnings)))


def warning(cells: RowCells, code: str, column: str = "date", **params: Any) -> ImportIssue:
    """A warning at a row's cell: an issue that does not stop the import."""
    return ImportIssue(
        "", cells.number, PLAN_SHEET.columns[COLUMN_INDEX[column]].header, cells.raw(column), code, params
    )


COLUMN_INDEX = {column.key: index for index, column in enumerate(PLAN_SHEET.columns)}


def describe(assignment: Assignment) -> dict[str, str]:
    group = f" ({assignment.subgroup.name})" if assignment.subgroup else ""
    return {"subject": assignment.subject.name + group, "class": assignment.class_group.name}


@dataclass
class Plan:
    assignment: Assignment
    first_row: RowCells
    topics: dict[int, str]  # position -> topic
    rows: dict[int, RowCells]  # position -> its row


def positions(rows: list[PlanRow]) -> dict[int, Plan]:
    """Each assignment's topics by position; a row of several hours takes as many positions, a position taken
    twice is reported at the later row."""
    plans: dict[int, Plan] = {}
    for row in rows:
        plan = plans.setdefault(row.assignment.id, Plan(row.assignment, row.cells, {}, {}))
        for position in range(row.first, row.first + row.hours):
            if position in plan.rows:
                row.cells.issue(
                    "lesson", "plan.position_taken", position=position, first_row=plan.rows[position].number
                )
                break
            plan.rows[position] = row.cells
            plan.topics[position] = row.topic
    return plans


class PlanReferences:
    """What a plan row may name, in the school year of the calendar: its staff, classes, subgroups, subjects and
    teaching load, read in five queries."""

    def __init__(self) -> None:
        self.staff: dict[str, int] = {}
        self.short: dict[str, int] = {}  # «смирноваев» -> the one teacher of that surname and initials
        self.classes: dict[tuple[int, str], int] = {}
        self.subgroups: dict[tuple[int, str], int] = {}
        self.subjects: dict[str, int] = {}
        self.assignments: dict[AssignmentKey, Assignment] = {}
        self.year = ""

    @classmethod
    async def load(cls, session: AsyncSession, school_id: int, calendar: SchoolCalendar) -> PlanReferences:
        refs = cls()
        year_id = calendar.year.id if calendar.year else 0
        refs.year = calendar.year.name if calendar.year else ""
        staff = (
            select(Person.id, Person.last_name, Person.first_name, Person.middle_name)
            .where(Person.school_id == school_id, Person.id.in_(select(StaffRole.person_id)))
            .order_by(Person.id.desc())  # of two namesakes, the first one stays
        )
        initials: dict[str, set[int]] = defaultdict(set)
        for person_id, last, first, middle in await session.execute(staff):
            refs.staff[name_key(full_name(last, first, middle))] = person_id
            initials[compact(" ".join([last, *(part[:1] for part in (first, middle) if part)]))].add(person_id)
        # «Смирнова Е. В.», as plans are often signed, when it names one person only.
        refs.short = {key: ids.pop() for key, ids in initials.items() if len(ids) == 1}
        year_classes = select(ClassGroup.id).where(ClassGroup.year_id == year_id, ClassGroup.school_id == school_id)
        for class_id, grade, letter in await session.execute(
            select(ClassGroup.id, ClassGroup.grade, ClassGroup.letter).where(ClassGroup.id.in_(year_classes))
        ):
            refs.classes[grade, letter] = class_id
        for subgroup_id, class_id, name in await session.execute(
            select(Subgroup.id, Subgroup.class_id, Subgroup.name).where(Subgroup.class_id.in_(year_classes))
        ):
            refs.subgroups[class_id, name_key(name)] = subgroup_id
        for subject_id, name in await session.execute(
            select(Subject.id, Subject.name).where(Subject.school_id == school_id)
        ):
            refs.subjects[name_key(name)] = subject_id
        for a in (await session.scalars(select(Assignment).where(Assignment.class_id.in_(year_classes)))).unique():
            refs.assignments[a.teacher_id, a.class_id, a.subgroup_id, a.subject_id] = a
        return refs


def compact(name: str) -> str:
    """A name without spaces and full stops: «Смирнова Е.В.» and «Смирнова Е. В.» are one."""
    return re.sub(r"[\s.]", "", name_key(name))


def parse_row(cells: RowCells, refs: PlanReferences) -> PlanRow | None:
    """A row's cells, each bad one reported; its assignment found by teacher, class, subgroup and subject."""
    teacher = cells.get("teacher", name_key)
    class_key = cells.get("class", parse_class)
    subgroup = cells.get("subgroup", name_key)
    subject = cells.get("subject", name_key)
    first = cells.get("lesson", integer(1, MAX_POSITION))
    planned_on = cells.get("date", parse_date)
    topic = cells.get("topic", text(length(PlanTopic.topic)))
    hours = cells.get("hours", integer(1, MAX_HOURS)) or 1

    teacher_id = (refs.staff.get(teacher) or refs.short.get(compact(teacher))) if teacher else None
    if teacher and teacher_id is None:
        cells.issue("teacher", "plan.unknown_teacher")
    class_id = refs.classes.get(class_key) if class_key else None
    if class_key and class_id is None:
        cells.issue("class", "plan.unknown_class", year=refs.year)
    subgroup_id = refs.subgroups.get((class_id, subgroup)) if class_id and subgroup else None
    if class_id and subgroup and subgroup_id is None:
        cells.issue("subgroup", "value.unknown_subgroup", **{"class": class_name(class_key or (0, ""))})
    subject_id = refs.subjects.get(subject) if subject else None
    if subject and subject_id is None:
        cells.issue("subject", "plan.unknown_subject")
    if None in (teacher_id, class_id, subject_id) or (subgroup and subgroup_id is None):
        return None
    assert teacher_id is not None and class_id is not None and subject_id is not None
    assignment = refs.assignments.get((teacher_id, class_id, subgroup_id, subject_id))
    if assignment is None:
        cells.issue("subject", "plan.no_assignment")
        return None
    if first is None or topic is None:
        return None
    if first + hours - 1 > MAX_POSITION:
        cells.issue("hours", "value.bad_number", min=1, max=MAX_POSITION - first + 1, integer=True)
        return None
    return PlanRow(cells, assignment, first, hours, topic, planned_on)


# ---- the plan against the journal (REP-3) ------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    """A lesson whose recorded topic is not the plan's topic at its position (None: past the plan's end)."""

    date: date
    number: int
    class_name: str
    subgroup: str | None
    subject: str
    teacher: str
    position: int
    topic: str
    planned: str | None


@dataclass(frozen=True)
class Completion:
    """The programme of one assignment: lessons given with a topic, plan topics due by today (the timetable's
    lessons so far, at most the plan's total), and the plan's total."""

    assignment_id: int
    class_name: str
    subgroup: str | None
    subject: str
    teacher: str
    given: int
    due: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.given / self.due) if self.due else 100

    @property
    def behind(self) -> bool:
        return self.given < self.due


def same_topic(recorded: str, planned: str) -> bool:
    """Case, «ё», spaces and punctuation do not make a topic another: the words do."""

    def simple(topic: str) -> str:
        return " ".join(re.sub(r"\W+", " ", topic.casefold().replace("ё", "е")).split())

    return simple(recorded) == simple(planned)


async def departures(
    session: AsyncSession, assignments: Mapping[int, Assignment], date_from: date, date_to: date
) -> tuple[Departure, ...]:
    """J-14: the lessons of the dates whose topic is not the plan's, of the assignments that have a plan; one
    statement (the position is a window function over the assignment's lessons with a topic)."""
    ids = list(assignments)
    numbered = (
        select(
            Lesson.assignment_id,
            Lesson.date,
            Lesson.lesson_number,
            Lesson.topic,
            func.row_number()
            .over(partition_by=Lesson.assignment_id, order_by=(Lesson.date, Lesson.lesson_number))
            .label("position"),
        )
        .where(Lesson.assignment_id.in_(ids), Lesson.topic != "", Lesson.date <= date_to)
        .subquery()
    )
    has_plan = select(PlanTopic.assignment_id).where(PlanTopic.assignment_id.in_(ids)).distinct()
    rows = await session.execute(
        select(
            numbered.c.assignment_id,
            numbered.c.date,
            numbered.c.lesson_number,
            numbered.c.topic,
            numbered.c.position,
            PlanTopic.topic,
        )
        .outerjoin(
            PlanTopic,
            and_(PlanTopic.assignment_id == numbered.c.assignment_id, PlanTopic.position == numbered.c.position),
        )
        .where(numbered.c.date >= date_from, numbered.c.assignment_id.in_(has_plan))
    )
    found = []
    for assignment_id, day, number, topic, position, planned in rows:
        if planned is not None and same_topic(topic, planned):
            continue
        a = assignments[assignment_id]
        found.append(
            Departure(
                date=day,
                number=number,
                class_name=a.class_group.name,
                subgroup=a.subgroup.name if a.subgroup else None,
                subject=a.subject.name,
                teacher=a.teacher.short_name,
                position=position,
                topic=topic,
                planned=planned,
            )
        )
    return tuple(sorted(found, key=lambda d: (d.date, d.number, d.class_name, d.subject)))


async def completion(
    session: AsyncSession, calendar: SchoolCalendar, assignments: Mapping[int, Assignment], today: date
) -> tuple[tuple[Completion, ...], tuple[int, ...]]:
    """J-14 per assignment: lessons given with a topic in the year up to today against the plan topics due by
    today; and the assignments without a plan. Two statements."""
    ids = list(assignments)
    starts = calendar.year.starts_on if calendar.year else date.min
    counts: CompoundSelect = union_all(
        select(literal_column("'plan'"), PlanTopic.assignment_id, func.count(PlanTopic.id))
        .where(PlanTopic.assignment_id.in_(ids))
        .group_by(PlanTopic.assignment_id),
        select(literal_column("'given'"), Lesson.assignment_id, func.count(Lesson.id))
        .where(Lesson.assignment_id.in_(ids), Lesson.topic != "", Lesson.date.between(starts, today))
        .group_by(Lesson.assignment_id),
    )
    totals: dict[int, int] = {}
    given: dict[int, int] = {}
    for tag, assignment_id, count in await session.execute(counts):
        (totals if tag == "plan" else given)[assignment_id] = count
    entries = (
        await session.execute(
            select(
                TimetableEntry.assignment_id, TimetableEntry.weekday, TimetableEntry.valid_from, TimetableEntry.valid_to
            ).where(TimetableEntry.assignment_id.in_(list(totals)))
        )
    ).all()
    school_days = school_days_by_weekday(calendar, {assignments[a].class_group.grade for a in totals}, starts, today)
    held: dict[int, int] = defaultdict(int)
    for assignment_id, weekday, valid_from, valid_to in entries:
        days = school_days[assignments[assignment_id].class_group.grade][weekday]
        low = bisect.bisect_left(days, max(valid_from, starts))
        high = bisect.bisect_right(days, min(valid_to or today, today))
        held[assignment_id] += max(0, high - low)
    result = []
    for assignment_id, total in totals.items():
        a = assignments[assignment_id]
        result.append(
            Completion(
                assignment_id=a.id,
                class_name=a.class_group.name,
                subgroup=a.subgroup.name if a.subgroup else None,
                subject=a.subject.name,
                teacher=a.teacher.short_name,
                given=given.get(a.id, 0),
                due=min(total, held[a.id]),
                total=total,
            )
        )
    order = {
        a.id: (a.class_group.grade, a.class_group.letter, a.subject.name, a.subgroup.name if a.subgroup else "")
        for a in assignments.values()
    }
    without = tuple(sorted((a for a in ids if a not in totals), key=order.__getitem__))
    return tuple(sorted(result, key=lambda c: order[c.assignment_id])), without


def school_days_by_weekday(
    calendar: SchoolCalendar, grades: set[int], first: date, last: date
) -> dict[int, dict[int, list[date]]]:
    """Per grade and weekday, the school days (PER-1: no holiday of the grade) from `first` to `last`, in order."""
    result: dict[int, dict[int, list[date]]] = {grade: defaultdict(list) for grade in grades}
    day = max(first, calendar.year.starts_on) if calendar.year else last + timedelta(days=1)
    while day <= last:
        for grade in grades:
            if calendar.status(day, grade).has_lessons:
                result[grade][day.weekday()].append(day)
        day += timedelta(days=1)
    return result
