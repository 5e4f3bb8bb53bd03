"""`schoolbot demo`: a realistic school around today, loaded through the importer, reproducible.

Rule ids: PER-1 (calendar, no lessons on holidays), PER-2/PER-4 (period marks, accumulation), J-3/J-4
(homework), J-6 (two marks a day), J-8 (no marks in grade 1), J-13 (subgroups), J-14 (plan topics),
ABS-1..ABS-4 (absences, reasons, documents), ACC-4 (class teachers), ROLE-1 (staff roles).

The heavy checks read schools generated once per module into SQLite files (November and July); one
generation runs on every backend of the run.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.db import create_engine, create_session_factory
from services.demo import DemoSummary, generate_demo
from services.demo.activity import DEMO_NOW
from services.demo.calendar import calendar_for, true_calendar
from services.demo.names import PATRONYMICS, female_surname
from services.grading_policy import GradingPolicy, required_marks
from services.models import (
    Absence,
    AbsenceDocument,
    AcademicYear,
    Assignment,
    AuditEntry,
    Base,
    Bell,
    ClassGroup,
    FinalMark,
    FinalMarkKind,
    Guardianship,
    Holiday,
    Kinship,
    Lesson,
    Mark,
    OutboxEvent,
    Person,
    PlanTopic,
    Role,
    School,
    StaffRole,
    Student,
    StudyPeriod,
    Subgroup,
    Subject,
    TimetableEntry,
    WorkType,
)

NOVEMBER = date(2026, 11, 24)  # a Tuesday in the second quarter
JULY = date(2026, 7, 15)  # summer: the calendar is shifted (services/demo/calendar.py)
MSK = ZoneInfo("Europe/Moscow")


async def _generate(url: str, today: date, schools: int = 1, seed: int = 1) -> DemoSummary:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        return await generate_demo(create_session_factory(engine), seed=seed, schools=schools, today=today)
    finally:
        await engine.dispose()


class Demo:
    """A generated database, read through a plain synchronous session."""

    def __init__(self, summary: DemoSummary, conn, today: date) -> None:
        self.summary = summary
        self.conn = conn
        self.today = today

    def rows(self, query):
        return self.conn.execute(query).all()

    def scalar(self, query):
        return self.conn.execute(query).scalar()


def _demo(tmp_path_factory, name: str, today: date, schools: int = 1):
    path = tmp_path_factory.mktemp("demo") / f"{name}.db"
    summary = asyncio.run(_generate(f"sqlite+aiosqlite:///{path}", today, schools))
    engine = create_sync_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        yield Demo(summary, session, today)
    engine.dispose()


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    yield from _demo(tmp_path_factory, "november", NOVEMBER)


@pytest.fixture(scope="module")
def july(tmp_path_factory):
    yield from _demo(tmp_path_factory, "july", JULY)


@pytest.fixture(scope="module")
def two_schools(tmp_path_factory):
    yield from _demo(tmp_path_factory, "two", NOVEMBER, schools=2)


def lessons_with_grade(demo: Demo):
    return demo.rows(
        select(Lesson.id, Lesson.date, Lesson.lesson_number, ClassGroup.grade, Lesson.assignment_id)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
    )


def holidays_of(demo: Demo) -> list[Holiday]:
    return list(demo.conn.execute(select(Holiday)).scalars())


# ---- the people -----------------------------------------------------------------------------------


def test_counts_are_those_of_a_big_school(november):
    (school,) = november.summary.schools
    assert school.name == "МБОУ «Средняя школа № 1»"
    assert 27 <= school.classes <= 33
    assert 650 <= school.students <= 850
    assert 1100 <= school.parents <= 1500
    assert 50 <= school.teachers <= 66
    assert school.lessons > 2000 and school.marks > 15000 and school.absences > 1000 and school.documents > 20
    db = november
    assert db.scalar(select(func.count()).select_from(ClassGroup)) == school.classes
    assert db.scalar(select(func.count()).select_from(Student)) == school.students
    assert db.scalar(select(func.count(func.distinct(Guardianship.parent_id)))) == school.parents
    assert db.scalar(select(func.count()).select_from(Lesson)) == school.lessons
    assert db.scalar(select(func.count()).select_from(Mark)) == school.marks
    assert db.scalar(select(func.count()).select_from(Absence)) == school.absences
    assert november.summary.totals["schools"] == 1
    assert november.summary.totals["marks"] == school.marks
    # Grades 1-11 with 2-3 letters each; about 25 students a class.
    per_grade = Counter(g for (g,) in db.rows(select(ClassGroup.grade)))
    assert set(per_grade) == set(range(1, 12)) and all(2 <= n <= 3 for n in per_grade.values())
    sizes = Counter(c for (c,) in db.rows(select(Student.class_id)))
    assert all(20 <= n <= 30 for n in sizes.values())


def test_staff_roles(november):
    """ROLE-1: two deputies who also teach, a secretary, an administrator, the rest teachers."""
    roles = defaultdict(set)
    for person_id, role in november.rows(select(StaffRole.person_id, StaffRole.role)):
        roles[person_id].add(role)
    held = Counter(frozenset(r) for r in roles.values())
    assert held[frozenset({Role.TEACHER, Role.DEPUTY})] == 2
    assert held[frozenset({Role.SECRETARY})] == 1
    assert held[frozenset({Role.ADMIN})] == 1
    assert held[frozenset({Role.TEACHER})] >= 45


def test_every_class_has_its_own_class_teacher(november):
    """ACC-4: each class is led by a teacher who leads no other class."""
    leaders = [t for (t,) in november.rows(select(ClassGroup.class_teacher_id))]
    assert None not in leaders and len(set(leaders)) == len(leaders)
    teachers = {p for (p,) in november.rows(select(StaffRole.person_id).where(StaffRole.role == Role.TEACHER))}
    assert set(leaders) <= teachers


def test_names_genders_phones_and_ages(november):
    female_endings = ("вна", "ична")
    people = {p.id: p for p in november.conn.execute(select(Person)).scalars()}
    students = november.rows(
        select(Student.id, Student.person_id, ClassGroup.grade).join(ClassGroup, ClassGroup.id == Student.class_id)
    )
    for _sid, person_id, grade in students:
        p = people[person_id]
        female = p.middle_name.endswith(female_endings)
        assert female or p.middle_name.endswith("ич"), p.middle_name
        if p.last_name.endswith(("ов", "ев", "ёв", "ин", "ын", "ский", "цкий", "ой")):
            assert not female, p.full_name
        if female and female_surname(p.last_name) != p.last_name:
            assert p.last_name.endswith(("ова", "ева", "ёва", "ина", "ына", "ая")), p.full_name
        # Grade 1 at 6.5-7.5 years on 1 September, a few a year older.
        age = (date(2026, 9, 1) - p.birth_date).days / 365.25
        assert grade + 5.4 <= age <= grade + 7.6, (p.full_name, grade, age)
    phone = re.compile(r"\+79\d{9}")
    assert all(phone.fullmatch(p.phone) for p in people.values() if p.birth_date is None)

    # A father's first name gives his children their patronymic and his surname.
    fathers = november.rows(
        select(Guardianship.parent_id, Student.person_id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Guardianship.kinship == Kinship.FATHER)
    )
    assert len(fathers) > 400
    for father_id, child_id in fathers:
        father, child = people[father_id], people[child_id]
        assert child.middle_name in PATRONYMICS[father.first_name]
        assert child.last_name in (father.last_name, female_surname(father.last_name))
        assert father.middle_name.endswith("ич")
    mothers = november.rows(select(Guardianship.parent_id).where(Guardianship.kinship == Kinship.MOTHER))
    assert all(people[m].middle_name.endswith(female_endings) for (m,) in mothers)


def test_most_children_have_two_parents_some_one(november):
    parents = Counter(s for (s,) in november.rows(select(Guardianship.student_id)))
    students = november.scalar(select(func.count()).select_from(Student))
    assert len(parents) == students
    two = sum(1 for n in parents.values() if n == 2)
    assert 0.7 * students <= two <= 0.92 * students
    assert any(n == 1 for n in parents.values())


def test_a_parent_has_children_in_two_classes(november):
    classes = defaultdict(set)
    for parent, class_id in november.rows(
        select(Guardianship.parent_id, Student.class_id).join(Student, Student.id == Guardianship.student_id)
    ):
        classes[parent].add(class_id)
    families = [p for p, c in classes.items() if len(c) >= 2]
    assert 10 <= len(families) <= 200
    assert any(len(c) == 3 for c in classes.values())


# ---- teaching and the timetable -------------------------------------------------------------------


def test_timetable_has_no_clash_and_places_every_hour(november):
    rows = november.rows(
        select(
            TimetableEntry.assignment_id,
            TimetableEntry.weekday,
            TimetableEntry.lesson_number,
            Assignment.teacher_id,
            Assignment.class_id,
            Assignment.subgroup_id,
            Assignment.subject_id,
            Assignment.hours_per_week,
            ClassGroup.grade,
        )
        .join(Assignment, Assignment.id == TimetableEntry.assignment_id)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
    )
    teachers = Counter((r.teacher_id, r.weekday, r.lesson_number) for r in rows)
    assert max(teachers.values()) == 1, "a teacher in two places at once"
    by_class = defaultdict(list)
    for r in rows:
        by_class[r.class_id, r.weekday, r.lesson_number].append(r)
    for entries in by_class.values():
        if len(entries) > 1:  # J-13: only the subgroups of one subject share a lesson, each with its teacher
            assert all(e.subgroup_id is not None for e in entries)
            assert len({e.subgroup_id for e in entries}) == len(entries)
            assert len({e.subject_id for e in entries}) == 1
    placed = Counter(r.assignment_id for r in rows)
    hours = dict(november.rows(select(Assignment.id, Assignment.hours_per_week)))
    assert placed == Counter(hours)
    # Mon-Fri, no gaps, at most 5 lessons a day in grades 1-4 and 7 above.
    days = defaultdict(set)
    grade = {}
    for r in rows:
        days[r.class_id, r.weekday].add(r.lesson_number)
        grade[r.class_id] = r.grade
    for (class_id, weekday), numbers in days.items():
        assert weekday in range(5)
        assert numbers == set(range(1, len(numbers) + 1))
        assert len(numbers) <= (5 if grade[class_id] <= 4 else 7)


def test_subjects_and_subgroups(november):
    subjects = {name for (name,) in november.rows(select(Subject.name))}
    assert {
        "Русский язык",
        "Литература",
        "Математика",
        "Алгебра",
        "Геометрия",
        "Окружающий мир",
        "Иностранный язык (английский)",
        "История",
        "Обществознание",
        "География",
        "Биология",
        "Физика",
        "Химия",
        "Информатика",
        "Музыка",
        "Изобразительное искусство",
        "Технология",
        "Физическая культура",
    } <= subjects
    split = november.rows(
        select(ClassGroup.grade, Subject.name, Subgroup.name, Assignment.teacher_id)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
        .join(Subject, Subject.id == Assignment.subject_id)
        .join(Subgroup, Subgroup.id == Assignment.subgroup_id)
    )
    assert {name for _, _, name, _ in split} == {"Англ. 1", "Англ. 2", "Инф. 1", "Инф. 2"}
    assert min(g for g, s, _, _ in split if s.startswith("Иностранный")) == 2
    assert min(g for g, s, _, _ in split if s == "Информатика") == 5
    bells = november.rows(select(Bell.lesson_number, Bell.starts_at, Bell.ends_at).order_by(Bell.lesson_number))
    assert bells[0][1:] == (time(8, 30), time(9, 15))
    assert all(b.starts_at > a.ends_at for a, b in pairwise(bells))


# ---- the calendar ---------------------------------------------------------------------------------


def _check_today_in_study_period(demo: Demo) -> None:
    periods = demo.conn.execute(select(StudyPeriod)).scalars().all()
    holidays = holidays_of(demo)
    for grade in range(1, 12):
        assert any(p.covers(grade, demo.today) for p in periods), grade
        assert not any(h.starts_on <= demo.today <= h.ends_on and h.applies_to(grade) for h in holidays)


def _check_no_lessons_on_days_off(demo: Demo) -> None:
    holidays = holidays_of(demo)
    periods = demo.conn.execute(select(StudyPeriod)).scalars().all()
    lessons = lessons_with_grade(demo)
    assert lessons
    for _id, day, _n, grade, _a in lessons:
        assert day.weekday() < 5, day
        assert not any(h.starts_on <= day <= h.ends_on and h.applies_to(grade) for h in holidays), day
        assert any(p.covers(grade, day) for p in periods), day
        assert day <= demo.today


def test_today_is_in_a_study_period(november, july):
    _check_today_in_study_period(november)
    _check_today_in_study_period(july)


def test_no_lessons_on_weekends_or_holidays(november, july):
    _check_no_lessons_on_days_off(november)
    _check_no_lessons_on_days_off(july)


def test_november_calendar_is_the_true_one(november):
    year = november.conn.execute(select(AcademicYear)).scalar_one()
    assert (year.name, year.starts_on, year.ends_on) == ("2026/2027", date(2026, 9, 1), date(2027, 5, 31))
    periods = {
        (p.name, p.grade_from): (p.starts_on, p.ends_on) for p in november.conn.execute(select(StudyPeriod)).scalars()
    }
    assert periods["2 четверть", 1] == (date(2026, 11, 5), date(2026, 12, 28))
    assert periods["1 полугодие", 10] == (date(2026, 9, 1), date(2026, 12, 28))
    holidays = {h.name: h for h in holidays_of(november)}
    assert holidays["Дополнительные каникулы для 1 классов"].grades == "1"
    assert holidays["День защитника Отечества"].starts_on == date(2027, 2, 23)


def test_july_shifts_the_calendar_into_a_term(july):
    year = july.conn.execute(select(AcademicYear)).scalar_one()
    assert year.name == "2025/2026" and year.starts_on < JULY < year.ends_on
    assert (year.starts_on - date(2025, 9, 1)).days % 7 == 0  # moved by whole weeks
    assert july.summary.schools[0].lessons > 3000
    # Three quarters and a half-year are over: their period marks are there.
    assert july.scalar(select(func.count(func.distinct(FinalMark.period_id)))) == 4


def test_calendar_for_every_day_of_a_year():
    day = date(2026, 3, 1)
    while day < date(2027, 3, 1):
        calendar = calendar_for(day)
        assert calendar.is_study_day(day), day
        if true_calendar(day.year if day.month >= 9 else day.year - 1).is_study_day(day):
            assert calendar.shift_days == 0
        else:
            assert calendar.term_days_before(day) >= 14 and calendar.shift_days % 7 == 0
        day += timedelta(days=1)


# ---- the journal ----------------------------------------------------------------------------------


def test_todays_lessons_only_until_midday(november):
    today = november.rows(select(Lesson.lesson_number).where(Lesson.date == NOVEMBER))
    assert today, "the morning's lessons are written"
    ends = dict(november.rows(select(Bell.lesson_number, Bell.ends_at)))
    assert all(ends[n] <= DEMO_NOW for (n,) in today)
    now = datetime.combine(NOVEMBER, DEMO_NOW, MSK)
    assert november.scalar(select(func.max(Lesson.updated_at))) <= now
    assert november.scalar(select(func.max(Mark.created_at))) <= now
    assert november.scalar(select(func.max(AbsenceDocument.created_at))) <= now


def test_lessons_follow_the_timetable(november):
    planned = defaultdict(set)
    for a, weekday, n in november.rows(
        select(TimetableEntry.assignment_id, TimetableEntry.weekday, TimetableEntry.lesson_number)
    ):
        planned[a].add((weekday, n))
    for _id, day, n, _grade, a in lessons_with_grade(november):
        assert (day.weekday(), n) in planned[a]


def test_homework_and_topics(november):
    """J-3/J-4: homework text or «не задано», due on the next lesson; J-14: topics follow the plan."""
    lessons = (
        november.conn.execute(select(Lesson).order_by(Lesson.assignment_id, Lesson.date, Lesson.lesson_number))
        .scalars()
        .all()
    )
    weekdays = defaultdict(set)
    for a, weekday in november.rows(select(TimetableEntry.assignment_id, TimetableEntry.weekday)):
        weekdays[a].add(weekday)
    with_text = [lsn for lsn in lessons if lsn.homework]
    assert len(with_text) > len(lessons) // 2
    assert any(re.search(r"Упр\. \d+, с\. \d+", lsn.homework) for lsn in with_text)
    for lsn in with_text:
        assert lsn.homework_due_on > lsn.date and lsn.homework_due_on.weekday() in weekdays[lsn.assignment_id]
        assert (lsn.homework_due_on - lsn.date).days <= 21
    assert any(lsn.no_homework and not lsn.homework for lsn in lessons)
    assert all(lsn.homework_due_on is None for lsn in lessons if not lsn.homework)
    grade1 = {a for (a,) in november.rows(select(Assignment.id).join(ClassGroup).where(ClassGroup.grade == 1))}
    assert not any(lsn.homework for lsn in lessons if lsn.assignment_id in grade1)

    plans = defaultdict(dict)
    for a, position, topic in november.rows(select(PlanTopic.assignment_id, PlanTopic.position, PlanTopic.topic)):
        plans[a][position] = topic
    given = Counter()
    for lsn in lessons:
        assert lsn.teacher_id is not None and lsn.created_at.tzinfo is not None
        if lsn.topic:
            given[lsn.assignment_id] += 1
            assert lsn.topic == plans[lsn.assignment_id][given[lsn.assignment_id]]
    assert any(t.startswith("§") for lsn in lessons if (t := lsn.topic))


def test_some_recent_lessons_miss_something(november):
    """REP-3 has something to show: a few recent lessons lack topic, homework or attendance."""

    def missing(*where):
        return november.rows(select(Lesson.date).where(*where, Lesson.date < NOVEMBER))

    no_topic = missing(Lesson.topic == "")
    no_homework = missing(Lesson.homework == "", Lesson.no_homework.is_(False))
    no_attendance = missing(Lesson.attendance_taken_at.is_(None))
    total = november.scalar(select(func.count()).select_from(Lesson))
    for found in (no_topic, no_homework, no_attendance):
        assert 0 < len(found) < total * 0.05
        assert min(d for (d,) in found) >= NOVEMBER - timedelta(days=21)
    assert not november.rows(select(Absence.id).join(Lesson).where(Lesson.attendance_taken_at.is_(None)))


def test_marks(november):
    """J-8: none in grade 1, 2..5; mostly 4 and 5; J-6: two marks in one lesson happen; J-5: work types."""
    rows = november.rows(
        select(Mark.value, ClassGroup.grade, Mark.student_id, Mark.lesson_id, WorkType.name)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
    )
    assert rows and all(grade > 1 for _, grade, *_ in rows)
    values = Counter(v for v, *_ in rows)
    assert set(values) <= {2, 3, 4, 5}
    share = {v: n / len(rows) for v, n in values.items()}
    assert share[4] + share[5] > 0.7 and 0.1 < share[3] < 0.3 and 0 < share[2] < 0.06
    per_lesson = Counter((student, lesson) for _, _, student, lesson, _ in rows)
    assert any(n == 2 for n in per_lesson.values())
    kinds = Counter(w for *_, w in rows)
    assert len(kinds) >= 8 and kinds["Контрольная работа"] > 0 and kinds["Ответ на уроке"] > 0
    # Only students who were there get a mark.
    absent = set(november.rows(select(Absence.student_id, Absence.lesson_id)))
    assert not absent & set(per_lesson)


def test_marks_accumulate_towards_per4(july):
    """PER-4: by the period's end (four days away in the July school) nearly everyone has enough marks."""
    lessons = july.rows(
        select(Lesson.assignment_id, func.count())
        .where(Lesson.attendance_taken_at.is_not(None))
        .group_by(Lesson.assignment_id)
    )
    held = dict(lessons)
    marks = Counter(july.rows(select(Mark.student_id, Lesson.assignment_id).join(Lesson)))
    meets = total = 0
    for a, hours, class_id, subgroup_id, grade in july.rows(
        select(
            Assignment.id, Assignment.hours_per_week, Assignment.class_id, Assignment.subgroup_id, ClassGroup.grade
        ).join(ClassGroup)
    ):
        if grade == 1 or not held.get(a):
            continue
        students = [s for (s,) in july.rows(select(Student.id).where(Student.class_id == class_id))]
        for s in students:
            got = marks.get((s, a), 0)
            if subgroup_id is not None and got == 0:
                continue  # not in this subgroup
            total += 1
            meets += got >= math.ceil(required_marks(GradingPolicy(), hours) * 0.85)
    assert meets / total > 0.95


def test_absences_are_clustered_with_reasons_and_documents(november):
    """ABS-1..ABS-4: 3-5 % of student lessons; illnesses take whole days; reasons set for older absences."""
    db = november
    attended = db.scalar(
        select(func.count())
        .select_from(Lesson)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(Student, Student.class_id == Assignment.class_id)
        .where(Lesson.attendance_taken_at.is_not(None))
    )
    absences = db.rows(
        select(
            Absence.student_id, Lesson.date, Absence.reason, Absence.document_id, Absence.reason_set_at, Lesson.id
        ).join(Lesson, Lesson.id == Absence.lesson_id)
    )
    # `attended` counts subgroup lessons for the whole class, so the share is a little understated.
    share = len(absences) / attended
    assert 0.025 < share < 0.05, share
    per_day = Counter((s, d) for s, d, *_ in absences)
    assert sum(n for n in per_day.values() if n >= 4) > len(absences) * 0.7  # whole days away
    days_of = defaultdict(set)
    for s, d in per_day:
        days_of[s].add(d)
    assert any(any(d + timedelta(days=1) in days for d in days) for days in days_of.values())

    reasons = Counter(r for _s, _d, r, *_ in absences)
    assert reasons["illness"] > len(absences) * 0.4
    assert reasons["unexcused"] > 0 and reasons["excused"] > 0 and reasons[None] > 0
    # No reason yet mostly for the last working days (ABS-3).
    unset = [d for _s, d, r, *_ in absences if r is None]
    assert sum(1 for d in unset if d >= NOVEMBER - timedelta(days=5)) > len(unset) * 0.4
    for _s, d, r, _doc, at, _l in absences:
        if r is not None:
            assert at is not None and at.astimezone(MSK).date() >= d

    docs = {d.id: d for d in db.conn.execute(select(AbsenceDocument)).scalars()}
    status = Counter(d.status for d in docs.values())
    assert status["accepted"] > 10 and status["pending"] >= 1 and 1 <= status["declined"] <= 2
    assert all(d.decision_comment for d in docs.values() if d.status == "declined")
    # Pending ones are recent: trips are announced a few days ahead, illness notes come these days.
    assert all(
        d.created_at >= datetime.combine(NOVEMBER - timedelta(days=14), time(0), MSK)
        for d in docs.values()
        if d.status == "pending"
    )
    guardians = set(db.rows(select(Guardianship.parent_id, Guardianship.student_id)))
    assert all((d.submitted_by, d.student_id) in guardians for d in docs.values())
    linked = [(s, d, r, docs[doc]) for s, d, r, doc, _at, _l in absences if doc is not None]
    assert len(linked) > len(absences) * 0.3
    for s, d, r, doc in linked:
        assert doc.status == "accepted" and doc.student_id == s and r == doc.reason
        assert doc.date_from <= d <= doc.date_to


def test_period_marks_for_finished_periods(november):
    """PER-2: the first quarter is over for grades 1-9 (no marks in grade 1), the half-year is not."""
    rows = november.rows(
        select(FinalMark.kind, StudyPeriod.name, ClassGroup.grade, FinalMark.value)
        .join(StudyPeriod, StudyPeriod.id == FinalMark.period_id)
        .join(Student, Student.id == FinalMark.student_id)
        .join(ClassGroup, ClassGroup.id == Student.class_id)
    )
    assert rows
    assert {kind for kind, *_ in rows} == {FinalMarkKind.PERIOD}
    assert {name for _, name, *_ in rows} == {"1 четверть"}
    assert {grade for _, _, grade, _ in rows} == set(range(2, 10))
    assert {v for *_, v in rows} <= {2, 3, 4, 5}


def test_no_outbox_events_nor_audit_entries(november):
    """Seed data, not user actions: nobody is notified of the demo's history."""
    assert november.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert november.scalar(select(func.count()).select_from(AuditEntry)) == 0


# ---- reproducible, separate schools ---------------------------------------------------------------


def dump(demo: Demo, school_name: str) -> dict[str, list]:
    """What a school holds, by names rather than ids, to compare two databases."""
    db = demo
    school_id = db.scalar(select(School.id).where(School.name == school_name))
    people = {
        r[0]: tuple(r[1:])
        for r in db.rows(
            select(
                Person.id, Person.last_name, Person.first_name, Person.middle_name, Person.birth_date, Person.phone
            ).where(Person.school_id == school_id)
        )
    }
    students = dict(db.rows(select(Student.id, Student.person_id).where(Student.school_id == school_id)))
    work = dict(db.rows(select(WorkType.id, WorkType.name).where(WorkType.school_id == school_id)))
    lessons, lesson_rows = {}, []
    for r in db.rows(
        select(
            Lesson.id,
            ClassGroup.grade,
            ClassGroup.letter,
            Subgroup.name,
            Subject.name,
            Lesson.date,
            Lesson.lesson_number,
            Lesson.topic,
            Lesson.homework,
            Lesson.no_homework,
            Lesson.homework_due_on,
            Lesson.attendance_taken_at,
        )
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(ClassGroup, ClassGroup.id == Assignment.class_id)
        .join(Subject, Subject.id == Assignment.subject_id)
        .outerjoin(Subgroup, Subgroup.id == Assignment.subgroup_id)
        .where(Lesson.school_id == school_id)
    ):
        lessons[r[0]] = tuple(r[1:7])
        lesson_rows.append(tuple(r[1:]))
    marks = db.rows(
        select(Mark.lesson_id, Mark.student_id, Mark.work_type_id, Mark.value, Mark.created_at)
        .join(Lesson)
        .where(Lesson.school_id == school_id)
    )
    absences = db.rows(
        select(Absence.lesson_id, Absence.student_id, Absence.reason, Absence.reason_set_at, Absence.document_id)
        .join(Lesson)
        .where(Lesson.school_id == school_id)
    )
    documents = db.rows(
        select(
            AbsenceDocument.student_id,
            AbsenceDocument.date_from,
            AbsenceDocument.date_to,
            AbsenceDocument.status,
            AbsenceDocument.reason,
            AbsenceDocument.created_at,
            AbsenceDocument.decided_at,
        ).where(AbsenceDocument.school_id == school_id)
    )
    return {  # sorted by text, since None and dates do not compare
        "people": sorted(people.values(), key=str),
        "lessons": sorted(lesson_rows, key=str),
        "marks": sorted(
            (
                (lessons[lesson], people[students[student]], work[w], value, at)
                for lesson, student, w, value, at in marks
            ),
            key=str,
        ),
        "absences": sorted(
            (
                (lessons[lesson], people[students[student]], reason, at, doc is not None)
                for lesson, student, reason, at, doc in absences
            ),
            key=str,
        ),
        "documents": sorted(((people[students[student]], *rest) for student, *rest in documents), key=str),
    }


def test_same_seed_and_day_give_the_same_school(november, two_schools):
    """Generated twice into two fresh databases: school № 1 is the same, whatever else is made."""
    name = "МБОУ «Средняя школа № 1»"
    first, second = dump(november, name), dump(two_schools, name)
    assert first["marks"] and first["absences"] and first["documents"]
    for part in first:
        assert first[part] == second[part], part


def test_two_schools_have_separate_data(two_schools):
    schools = two_schools.summary.schools
    assert [s.name for s in schools] == ["МБОУ «Средняя школа № 1»", "МБОУ «Средняя школа № 2»"]
    assert two_schools.summary.totals["students"] == sum(s.students for s in schools)
    one, two = (dump(two_schools, s.name) for s in schools)
    assert one["people"] != two["people"] and one["marks"] != two["marks"]
    # Everything a school's lessons point at is of that school.
    db = two_schools
    assert not db.rows(select(Lesson.id).join(Assignment).where(Assignment.school_id != Lesson.school_id))
    assert not db.rows(
        select(Mark.id)
        .join(Lesson)
        .join(Student, Student.id == Mark.student_id)
        .where(Student.school_id != Lesson.school_id)
    )
    assert not db.rows(
        select(Absence.id)
        .join(Lesson)
        .join(Student, Student.id == Absence.student_id)
        .where(Student.school_id != Lesson.school_id)
    )
    assert not db.rows(
        select(Guardianship.id)
        .join(Student)
        .join(Person, Person.id == Guardianship.parent_id)
        .where(Person.school_id != Student.school_id)
    )
    for s in schools:
        assert db.scalar(select(func.count()).select_from(Lesson).where(Lesson.school_id == s.school_id)) == s.lessons


# ---- on every backend -----------------------------------------------------------------------------


async def test_demo_on_each_backend(session_factory):
    summary = await generate_demo(session_factory, seed=3, today=NOVEMBER)
    (school,) = summary.schools
    async with session_factory() as session:
        count = lambda q: session.scalar(select(func.count()).select_from(q))  # noqa: E731
        assert await count(Lesson) == school.lessons > 0
        assert await count(Mark) == school.marks > 0
        assert await count(Absence) == school.absences > 0
        assert (
            await session.scalar(
                select(func.count()).select_from(ClassGroup).where(ClassGroup.class_teacher_id.is_(None))
            )
            == 0
        )
        low, high = (await session.execute(select(func.min(Mark.value), func.max(Mark.value)))).one()
        assert 2 <= low <= high <= 5
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Mark)
                .join(Lesson)
                .join(Assignment)
                .join(ClassGroup)
                .where(ClassGroup.grade == 1)
            )
            == 0
        )
    # The same command again changes nothing; asking for two schools adds only № 2.
    again = await generate_demo(session_factory, seed=3, today=NOVEMBER)
    assert again.schools == ()
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Mark)) == school.marks
    more = await generate_demo(session_factory, seed=3, schools=2, today=NOVEMBER)
    assert [s.name for s in more.schools] == ["МБОУ «Средняя школа № 2»"]
