"""Scheduled reminders to staff (J-1, J-2, J-11, ABS-3): who is reminded of what, on which day, and what the push says.

J-2 homework before the deadline, J-1 attendance and topic at the end of the day, J-11 written works marked within
3 days, ABS-3 absence reasons within 2 working days and the week's review, PER-4 marks before the period ends.
Lessons are reminded to whoever keeps them (ACC-5: the substitute, not the teacher away); one event per person
and day, so a job run twice writes nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.absences import AbsenceService
from services.access import load_actor
from services.class_absences import ClassAbsenceService
from services.db import write_transaction
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceReason,
    Assignment,
    DocumentKind,
    EventKind,
    OutboxEvent,
    Person,
    Student,
    StudentStatus,
    Subject,
    Substitution,
    TimetableEntry,
)
from services.reminders.staff import (
    LIMIT,
    absence_deadlines,
    homework_missing,
    lessons_unfilled,
    period_failing,
    week_unreasoned,
    works_unmarked,
)
from tests.factories import TODAY, add_students, build_school, open_lesson
from tests.flows.conftest import plain, span
from tests.statements import statements_run
from ui.pushes.render import text_of
from ui.pushes.texts_staff import RENDERERS

MONDAY, WEDNESDAY, THURSDAY, FRIDAY = (TODAY + timedelta(days=d) for d in (-1, 1, 2, 3))  # the week of TODAY
LAST_WEEK = {d: TODAY - timedelta(days=d) for d in (4, 5)}  # Thursday 19.11, Friday 20.11
QUARTER_END = date(2026, 12, 28)  # the 2nd quarter's last day, a Monday


async def run(session, job, school_id: int, day: date) -> int:
    """As the scheduler calls a job: one write transaction."""
    async with write_transaction(session):
        return await job(session, school_id, day)


async def events(session, kind: EventKind) -> dict[int, dict]:
    """The reminders of a kind by the one person each is for; every one is keyed by kind, day and person."""
    found = {}
    for e in (await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind))).all():
        [person] = e.payload["to_persons"]
        assert e.key == f"{kind.value}:{e.payload['day']}:{person}"
        assert person not in found
        found[person] = e.payload
    return found


async def count(session) -> int:
    """The reminders written (the journal's own events have no key)."""
    return await session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.key.is_not(None)))


def lessons_of(payload: dict, *extra: str) -> list[tuple]:
    return [
        (x["date"], x["number"], x["class"], x["subgroup"], x["subject"], *(x[k] for k in extra))
        for x in payload["lessons"]
    ]


async def lesson(
    session,
    clock,
    school,
    teacher: str,
    assignment: str,
    day: date,
    number: int,
    *,
    absent: tuple[str, ...] | None = None,
    topic: str | None = None,
    homework: str | bool = False,
    marks: tuple[str, list[str]] | None = None,
) -> int:
    """A lesson as its teacher fills it in: attendance (the absent students), topic, homework (None: «не задано»),
    marks of one work type. The clock stands on the lesson's day meanwhile."""
    saved = clock.now
    clock.at(day)
    journal = JournalService(session, clock)
    actor, view = await open_lesson(journal, school, teacher, assignment, day, number)
    if absent is not None:
        await journal.save_attendance(actor, view.lesson_id, [school.students[s] for s in absent])
    if topic is not None:
        await journal.set_topic(actor, view.lesson_id, topic)
    if homework is not False:
        await journal.set_homework(actor, view.lesson_id, homework)
    if marks is not None:
        work_type, students = marks
        await journal.add_marks(
            actor, view.lesson_id, school.work_types[work_type], [(school.students[s], 4) for s in students]
        )
    clock.now = saved
    return view.lesson_id


async def substitute(session, school, assignment: str, who: str, starts_on: date, ends_on: date) -> None:
    session.add(
        Substitution(
            assignment_id=school.assignments[assignment],
            substitute_id=school.staff[who],
            starts_on=starts_on,
            ends_on=ends_on,
        )
    )
    await session.commit()


# ---- J-2: homework before the deadline -----------------------------------------------------------------------


async def test_homework_missing_goes_to_whoever_keeps_each_lesson_of_the_day_J_2_J_3_ACC_5(session, clock, school):
    other = await build_school(session, "Школа № 8")  # its teachers have Tuesday lessons too
    await lesson(session, clock, school, "math", "math5A", TODAY, 2, homework=None)  # «не задано» is said (J-3)
    await lesson(session, clock, school, "eng1", "eng5A1", TODAY, 3, homework="Упр. 5, с. 40")
    await substitute(session, school, "eng5A2", "deputy", TODAY, TODAY + timedelta(days=7))  # Орлов is away

    assert await run(session, homework_missing, school.school_id, TODAY) == 3
    found = await events(session, EventKind.HOMEWORK_MISSING)
    day = TODAY.isoformat()
    assert {person: lessons_of(p) for person, p in found.items()} == {
        school.staff["russian"]: [(day, 1, "5А", None, "Русский язык"), (day, 2, "5Б", None, "Математика")],
        school.staff["primary"]: [(day, 1, "1А", None, "Литературное чтение")],  # grade 1 says «не задано» too
        school.staff["deputy"]: [(day, 3, "5А", "Англ. 2", "Английский язык")],  # the substitute, not Орлов
    }
    assert all((p["deadline"], p["day"], p["more"]) == ("16:00", day, 0) for p in found.values())
    assert not set(found) & set(other.staff.values())
    assert "5Б, Математика" in text_of(EventKind.HOMEWORK_MISSING, found[school.staff["russian"]], "ru")

    assert await run(session, homework_missing, school.school_id, TODAY) == 0  # the job run again the same day
    assert await count(session) == 3
    # A Sunday and a holiday have no lessons, so nothing to remind of (PER-1).
    assert await run(session, homework_missing, school.school_id, date(2026, 11, 29)) == 0
    assert await run(session, homework_missing, school.school_id, date(2026, 11, 3)) == 0
    assert await run(session, homework_missing, other.school_id, TODAY) == 5
    assert set(await events(session, EventKind.HOMEWORK_MISSING)) - set(found) <= set(other.staff.values())


# ---- J-1: attendance and topic at the end of the day ---------------------------------------------------------


async def test_lessons_unfilled_lists_lessons_without_attendance_or_topic_J_1_ACC_5(session, clock, school):
    await lesson(session, clock, school, "math", "math5A", TODAY, 2, absent=(), topic="§1. Тема 1")  # no homework
    await lesson(session, clock, school, "russian", "rus5A", TODAY, 1, absent=("borisova",))
    await lesson(session, clock, school, "russian", "math5B", TODAY, 2, topic="Дроби")
    await lesson(session, clock, school, "primary", "read1A", TODAY, 1, absent=(), topic="Чтение по слогам")
    await substitute(session, school, "eng5A2", "deputy", MONDAY, FRIDAY)
    await lesson(session, clock, school, "deputy", "eng5A2", TODAY, 3, absent=())

    assert await run(session, lessons_unfilled, school.school_id, TODAY) == 3
    found = await events(session, EventKind.LESSONS_UNFILLED)
    day = TODAY.isoformat()
    assert {person: lessons_of(p, "missing") for person, p in found.items()} == {
        school.staff["russian"]: [
            (day, 1, "5А", None, "Русский язык", ["topic"]),
            (day, 2, "5Б", None, "Математика", ["attendance"]),
        ],
        school.staff["eng1"]: [(day, 3, "5А", "Англ. 1", "Английский язык", ["attendance", "topic"])],
        school.staff["deputy"]: [(day, 3, "5А", "Англ. 2", "Английский язык", ["topic"])],
    }  # Смирнова's lesson lacks only homework: J-2's reminder, not this one
    assert "посещаемость" in text_of(EventKind.LESSONS_UNFILLED, found[school.staff["russian"]], "ru")
    assert await run(session, lessons_unfilled, school.school_id, TODAY) == 0
    assert await count(session) == 3


# ---- J-11: written works marked within 3 days ----------------------------------------------------------------


async def test_written_works_not_marked_within_3_days_J_11_J_8_J_9_ACC_5(session, clock, school):
    thursday, friday = LAST_WEEK[5], LAST_WEEK[4]
    await lesson(session, clock, school, "math", "math5A", friday, 2, topic="Контрольная работа № 2")
    await lesson(
        session,
        clock,
        school,
        "math",
        "math5A",
        thursday,
        1,
        topic="Контрольная работа № 1",
        marks=("test", ["alekseev"]),
    )  # marked (for some students: the teacher is at it)
    await lesson(
        session,
        clock,
        school,
        "math",
        "math5A",
        date(2026, 11, 18),
        1,
        topic="§5. Тема 5",
        marks=("answer", ["borisova"]),
    )  # no written work
    await lesson(session, clock, school, "math", "math5A", MONDAY, 1, topic="Контрольная работа № 3")  # 1 day old
    await lesson(
        session, clock, school, "math", "math5A", date(2026, 11, 6), 2, topic="Контрольная работа № 0"
    )  # 18 days old: past the edit window (J-9), a correction's matter
    await lesson(
        session,
        clock,
        school,
        "russian",
        "math5B",
        friday,
        1,
        topic="Контрольная работа по теме «Дроби»",
        marks=("answer", ["zaitsev"]),
    )  # an answer in class does not mark the written work
    await lesson(session, clock, school, "primary", "read1A", thursday, 1, topic="Контрольная работа")  # J-8
    await substitute(session, school, "eng5A1", "math", date(2026, 11, 16), friday)  # Белова was away
    await lesson(session, clock, school, "math", "eng5A1", thursday, 3, topic="Контрольная работа")

    assert await run(session, works_unmarked, school.school_id, TODAY) == 2
    found = await events(session, EventKind.WORKS_UNMARKED)
    works = {
        person: [
            (w["date"], w["number"], w["class"], w["subgroup"], w["subject"], w["work"], w["due"]) for w in p["works"]
        ]
        for person, p in found.items()
    }
    assert works == {
        school.staff["math"]: [
            ("2026-11-19", 3, "5А", "Англ. 1", "Английский язык", "Контрольная работа", "2026-11-22"),
            ("2026-11-20", 2, "5А", None, "Математика", "Контрольная работа № 2", "2026-11-23"),
        ],
        school.staff["russian"]: [
            ("2026-11-20", 1, "5Б", None, "Математика", "Контрольная работа по теме «Дроби»", "2026-11-23")
        ],
    }  # Белова, whose class the substitute tested, is not reminded
    assert found[school.staff["math"]]["days"] == 3
    assert "Контрольная работа № 2" in text_of(EventKind.WORKS_UNMARKED, found[school.staff["math"]], "ru")
    assert await run(session, works_unmarked, school.school_id, TODAY) == 0
    # The third day after the work is its last: Friday's work is listed on Monday, not on Sunday.
    assert await run(session, works_unmarked, school.school_id, date(2026, 11, 22)) == 1  # the Thursday work
    sunday = (await session.scalars(select(OutboxEvent).where(OutboxEvent.key.like("%:2026-11-22:%")))).one()
    assert [w["date"] for w in sunday.payload["works"]] == ["2026-11-19"]


# ---- ABS-3: absence reasons within 2 working days ------------------------------------------------------------


async def test_absence_deadlines_due_by_the_next_working_day_or_past_ABS_3_J_9(session, clock, school):
    thursday, friday = LAST_WEEK[5], LAST_WEEK[4]
    await lesson(session, clock, school, "math", "math5A", MONDAY, 1, absent=("vasiliev",))  # due Wed 25.11
    await lesson(session, clock, school, "math", "math5A", thursday, 1, absent=("borisova",))  # due Mon 23.11
    await lesson(session, clock, school, "eng1", "eng5A1", thursday, 3, absent=("borisova",))
    await lesson(session, clock, school, "math", "math5A", TODAY, 2, absent=("alekseev",))  # due Thu 26.11: later
    await lesson(session, clock, school, "math", "math5A", friday, 2, absent=("grigorieva",))
    await lesson(session, clock, school, "math", "math5A", date(2026, 11, 9), 1, absent=("borisova",))  # J-9
    reasoned = await session.scalar(select(Absence).where(Absence.student_id == school.students["grigorieva"]))
    reasoned.reason = AbsenceReason.ILLNESS
    await session.commit()
    absences = AbsenceService(session, clock)

    async def send(parent: str, child: str, sent_on: date) -> None:
        clock.at(sent_on)
        await absences.submit_document(
            await load_actor(session, school.parents[parent]),
            school.students[child],
            sent_on,
            sent_on,
            DocumentKind.FAMILY,
        )

    await send("alekseeva_mother", "alekseeva", thursday)  # 5Б, due Mon 23.11: late
    await send("borisov_father", "borisova", MONDAY)  # due Wed 25.11, the next working day
    await send("alekseeva_mother", "alekseev", TODAY)  # due Thu 26.11: not yet
    other = await build_school(session, "Школа № 8")
    await lesson(session, clock, other, "math", "math5A", MONDAY, 1, absent=("vasiliev",))
    clock.at(TODAY)

    assert await run(session, absence_deadlines, school.school_id, TODAY) == 2
    found = await events(session, EventKind.ABSENCE_DEADLINES)
    assert set(found) == {school.staff["math"], school.staff["russian"]}  # 1А's class teacher has nothing due
    math, russian = found[school.staff["math"]], found[school.staff["russian"]]
    assert math["documents"] == [
        {
            "student": "Борисова Вера",
            "class": "5А",
            "date_from": "2026-11-23",
            "date_to": "2026-11-23",
            "due": "2026-11-25",
        }
    ]
    assert math["absences"] == [
        {"student": "Борисова Вера", "class": "5А", "date": "2026-11-19", "lessons": 2, "due": "2026-11-23"},
        {"student": "Васильев Глеб", "class": "5А", "date": "2026-11-23", "lessons": 1, "due": "2026-11-25"},
    ]
    assert (math["more_documents"], math["more_absences"]) == (0, 0)
    assert russian["documents"] == [
        {
            "student": "Алексеева Ксения",
            "class": "5Б",
            "date_from": "2026-11-19",
            "date_to": "2026-11-19",
            "due": "2026-11-23",
        }
    ]
    assert russian["absences"] == []
    # The same deadlines as the class teacher's own screens show.
    teacher = await load_actor(session, school.staff["math"])
    screen = {
        (a.student_name, a.date.isoformat()): a.due.isoformat()
        for a in await ClassAbsenceService(session, clock).unreasoned(teacher, school.classes["5А"])
    }
    assert all(screen[(a["student"], a["date"])] == a["due"] for a in math["absences"])
    assert [
        d.review_due.isoformat()
        for d in await absences.inbox(teacher, school.classes["5А"])
        if d.student_name.startswith("Борисова")
    ] == ["2026-11-25"]
    assert "Васильев Глеб" in text_of(EventKind.ABSENCE_DEADLINES, math, "ru")

    assert await run(session, absence_deadlines, school.school_id, TODAY) == 0
    assert await count(session) == 2


async def test_an_absence_with_a_document_is_due_two_working_days_after_the_document_ABS_3(session, clock, school):
    """Last Thursday's absence, its note brought today: due Thursday 26.11, nothing to remind of yet; the same
    absence without the note was due Monday."""
    thursday = LAST_WEEK[5]
    await lesson(session, clock, school, "math", "math5A", thursday, 1, absent=("borisova", "alekseev"))
    father = await load_actor(session, school.parents["borisov_father"])
    await AbsenceService(session, clock).submit_document(
        father, school.students["borisova"], thursday, thursday, DocumentKind.ILLNESS
    )

    assert await run(session, absence_deadlines, school.school_id, TODAY) == 1
    [math] = (await events(session, EventKind.ABSENCE_DEADLINES)).values()
    assert (math["documents"], math["absences"]) == (
        [],
        [{"student": "Алексеев Артём", "class": "5А", "date": "2026-11-19", "lessons": 1, "due": "2026-11-23"}],
    )


async def test_week_unreasoned_lists_the_class_absences_of_the_week_without_a_reason_ABS_3_ACC_9(
    session, clock, school
):
    await lesson(session, clock, school, "math", "math5A", MONDAY, 1, absent=("vasiliev",))
    await lesson(session, clock, school, "math", "math5A", THURSDAY, 1, absent=("borisova",))
    await lesson(session, clock, school, "eng1", "eng5A1", THURSDAY, 3, absent=("borisova",))
    await lesson(session, clock, school, "math", "math5A", WEDNESDAY, 1, absent=("alekseev",))
    await lesson(session, clock, school, "math", "math5A", LAST_WEEK[4], 2, absent=("grigorieva",))  # last week
    await lesson(session, clock, school, "russian", "math5B", THURSDAY, 2, absent=("zaitsev",))
    reasoned = await session.scalar(select(Absence).where(Absence.student_id == school.students["alekseev"]))
    reasoned.reason = AbsenceReason.EXCUSED
    left = await session.get(Student, school.students["zaitsev"])
    left.status = StudentStatus.LEFT  # ACC-9: not the class's any more
    await session.commit()

    assert await run(session, week_unreasoned, school.school_id, FRIDAY) == 1
    found = await events(session, EventKind.WEEK_UNREASONED)
    assert list(found) == [school.staff["math"]]
    payload = found[school.staff["math"]]
    assert (payload["week_from"], payload["day"], payload["more"]) == ("2026-11-23", "2026-11-27", 0)
    assert payload["absences"] == [
        {"student": "Борисова Вера", "class": "5А", "date": "2026-11-26", "lessons": 2},
        {"student": "Васильев Глеб", "class": "5А", "date": "2026-11-23", "lessons": 1},
    ]
    assert "2 урока" in text_of(EventKind.WEEK_UNREASONED, payload, "ru")
    assert await run(session, week_unreasoned, school.school_id, FRIDAY) == 0
    assert await count(session) == 1


# ---- PER-4: marks before the period ends ---------------------------------------------------------------------


async def rus_marks(session, clock, school) -> None:
    """Russian in 5А (1 lesson a week: 3 marks needed): Алексеев has 3, Борисова 1, the others none."""
    for k, students in enumerate((["alekseev", "borisova"], ["alekseev"], ["alekseev"])):
        await lesson(
            session, clock, school, "russian", "rus5A", TODAY - timedelta(days=7 * k), 1, marks=("answer", students)
        )


async def test_period_failing_in_the_last_school_days_of_the_period_PER_4_J_8_ACC_5(session, clock, school):
    await rus_marks(session, clock, school)
    other = await build_school(session, "Школа № 8")
    await substitute(session, school, "eng5A2", "deputy", date(2026, 12, 21), QUARTER_END)
    # Six school days left on Monday 21.12: not yet; five on Tuesday (22–25 and 28: the timetable has no Saturday
    # lessons, so Saturday is no school day, as in the families' forecast, DIA-4).
    assert await run(session, period_failing, school.school_id, date(2026, 12, 21)) == 0
    day = date(2026, 12, 22)
    assert await run(session, period_failing, school.school_id, day) == 4
    found = await events(session, EventKind.PERIOD_FAILING)
    lines = {
        person: [
            (x["class"], x["subgroup"], x["subject"], x["student"], x["marks"], x["required"]) for x in p["students"]
        ]
        for person, p in found.items()
    }
    assert lines == {
        school.staff["russian"]: [
            ("5А", None, "Русский язык", "Борисова Вера", 1, 3),
            ("5А", None, "Русский язык", "Васильев Глеб", 0, 3),
            ("5А", None, "Русский язык", "Григорьева Дина", 0, 3),
            ("5Б", None, "Математика", "Алексеева Ксения", 0, 8),
            ("5Б", None, "Математика", "Зайцев Лев", 0, 8),
        ],
        school.staff["math"]: [
            ("5А", None, "Математика", name, 0, 14)
            for name in ("Алексеев Артём", "Борисова Вера", "Васильев Глеб", "Григорьева Дина")
        ],
        school.staff["eng1"]: [
            ("5А", "Англ. 1", "Английский язык", "Алексеев Артём", 0, 5),
            ("5А", "Англ. 1", "Английский язык", "Борисова Вера", 0, 5),
        ],
        school.staff["deputy"]: [
            ("5А", "Англ. 2", "Английский язык", "Васильев Глеб", 0, 5),
            ("5А", "Англ. 2", "Английский язык", "Григорьева Дина", 0, 5),
        ],
    }  # Орлов is away, his substitute sets the marks; grade 1 has none (J-8); the other school is not here
    assert all(
        (x["period"], x["ends_on"]) == ("2 четверть", "2026-12-28") for p in found.values() for x in p["students"]
    )
    assert "Борисова Вера: 1 из 3" in text_of(EventKind.PERIOD_FAILING, found[school.staff["russian"]], "ru")
    assert not set(found) & set(other.staff.values())
    assert await run(session, period_failing, school.school_id, day) == 0
    assert await run(session, period_failing, school.school_id, QUARTER_END) == 4  # and every day to the last
    assert await run(session, period_failing, school.school_id, date(2026, 12, 29)) == 0  # the vacation
    assert await count(session) == 8


async def test_a_long_reminder_lists_20_lines_and_counts_the_rest(session, clock, school):
    await add_students(session, school, 21, last_name="Яковлев")
    await session.commit()
    assert await run(session, period_failing, school.school_id, QUARTER_END) == 4
    payload = (await events(session, EventKind.PERIOD_FAILING))[school.staff["math"]]
    assert (len(payload["students"]), payload["more"]) == (LIMIT, 25 - LIMIT)
    assert [x["student"] for x in payload["students"][:2]] == ["Алексеев Артём", "Борисова Вера"]
    assert "…и ещё 5 строк" in text_of(EventKind.PERIOD_FAILING, payload, "ru")


# ---- a fixed number of queries ---------------------------------------------------------------------------------

JOBS = (homework_missing, lessons_unfilled, works_unmarked, absence_deadlines, week_unreasoned, period_failing)


async def test_each_job_reads_a_fixed_number_of_queries_whatever_the_school_size(session, clock, school, engine):
    """The demo school has ~700 students and ~60 teachers: no query per teacher, lesson or student (the outbox's
    own statements, one check and one insert per recipient, are not counted)."""
    day = date(2026, 12, 25)  # a Friday among the quarter's last school days
    await lesson(
        session,
        clock,
        school,
        "math",
        "math5A",
        date(2026, 12, 18),
        2,
        absent=("borisova",),
        topic="Контрольная работа № 4",
    )
    await lesson(session, clock, school, "math", "math5A", date(2026, 12, 24), 1, absent=("vasiliev",))

    async def measure() -> list[int]:
        counts = []
        for job in JOBS:
            await session.execute(OutboxEvent.__table__.delete())
            await session.commit()
            session.expunge_all()  # every run starts from an empty identity map
            with statements_run(engine) as statements:
                assert await run(session, job, school.school_id, day) > 0, job.__name__
            counts.append(sum("outbox" not in s and "SAVEPOINT" not in s.upper() for s in statements))
        return counts

    before = await measure()
    # More students, and another teacher with lessons that day.
    await add_students(session, school, 30, class_key="5Б")
    teacher = Person(school_id=school.school_id, last_name="Лебедев", first_name="Игорь")
    subject = Subject(school_id=school.school_id, name="История")
    session.add_all([teacher, subject])
    await session.flush()
    history = Assignment(
        school_id=school.school_id,
        teacher_id=teacher.id,
        class_id=school.classes["5Б"],
        subject_id=subject.id,
        hours_per_week=2,
    )
    session.add(history)
    await session.flush()
    session.add(
        TimetableEntry(assignment_id=history.id, weekday=day.weekday(), lesson_number=4, valid_from=date(2026, 9, 1))
    )
    await session.commit()
    after = await measure()
    assert after == before
    assert max(before) <= 16


# ---- the texts ---------------------------------------------------------------------------------------------------

LESSON = {"date": "2026-11-24", "number": 3, "class": "5А", "subgroup": "Англ. 1", "subject": "Английский язык"}
PAYLOADS = {
    EventKind.HOMEWORK_MISSING: {"day": "2026-11-24", "deadline": "16:00", "lessons": [LESSON], "more": 2},
    EventKind.LESSONS_UNFILLED: {
        "day": "2026-11-24",
        "lessons": [{**LESSON, "missing": ["attendance", "topic"]}],
        "more": 0,
    },
    EventKind.WORKS_UNMARKED: {
        "day": "2026-11-24",
        "days": 3,
        "more": 0,
        "works": [
            {**LESSON, "date": "2026-11-20", "work": "Контрольная работа № 2", "due": "2026-11-23"},
            {**LESSON, "date": "2026-11-21", "number": 1, "work": "Диктант <b>", "due": "2026-11-24"},
        ],
    },
    EventKind.ABSENCE_DEADLINES: {
        "day": "2026-11-24",
        "more_documents": 0,
        "more_absences": 1,
        "documents": [
            {
                "student": "Борисова Вера",
                "class": "5А",
                "date_from": "2026-11-23",
                "date_to": "2026-11-24",
                "due": "2026-11-25",
            }
        ],
        "absences": [
            {"student": "Васильев Глеб", "class": "5А", "date": "2026-11-19", "lessons": 2, "due": "2026-11-23"}
        ],
    },
    EventKind.WEEK_UNREASONED: {
        "day": "2026-11-27",
        "week_from": "2026-11-23",
        "more": 0,
        "absences": [{"student": "Васильев Глеб", "class": "5А", "date": "2026-11-23", "lessons": 1}],
    },
    EventKind.PERIOD_FAILING: {
        "day": "2026-12-23",
        "more": 0,
        "students": [
            {
                "class": "5А",
                "subgroup": None,
                "subject": "Русский язык",
                "period": "2 четверть",
                "ends_on": "2026-12-28",
                "student": "Борисова Вера",
                "marks": 1,
                "required": 3,
            },
            {
                "class": "5А",
                "subgroup": None,
                "subject": "Русский язык",
                "period": "2 четверть",
                "ends_on": "2026-12-28",
                "student": "Васильев Глеб",
                "marks": 0,
                "required": 3,
            },
        ],
    },
}
TWO_DAYS, WEEK = (date(2026, 11, 23), date(2026, 11, 24)), (date(2026, 11, 23), date(2026, 11, 27))
EXPECTED = {  # what each text must say, in Russian and in English
    EventKind.HOMEWORK_MISSING: (
        ["24 нояб.", "до 16:00", "3-й урок: 5А (Англ. 1), Английский язык", "«Не задано»", "/today", "ещё 2 строки"],
        ["24 Nov", "by 16:00", "Lesson 3: 5А (Англ. 1), Английский язык", "«Not set»", "/today", "2 more lines"],
    ),
    EventKind.LESSONS_UNFILLED: (
        ["24 нояб.", "3-й урок: 5А (Англ. 1), Английский язык: посещаемость, тема", "/today"],
        ["24 Nov", "Lesson 3: 5А (Англ. 1), Английский язык: attendance, topic", "/today"],
    ),
    EventKind.WORKS_UNMARKED: (
        [
            "20 нояб., 3-й урок",
            "«Контрольная работа № 2»",
            "срок истёк 23 нояб.",
            "до 24 нояб.",
            "Диктант &lt;b&gt;",
            "в течение 3 дней",
            "/today",
        ],
        [
            "20 Nov, lesson 3",
            "«Контрольная работа № 2»",
            "was due 23 Nov",
            "by 24 Nov",
            "Диктант &lt;b&gt;",
            "within 3 days",
            "/today",
        ],
    ),
    EventKind.ABSENCE_DEADLINES: (
        [
            f"Борисова Вера, 5А: {span(*TWO_DAYS, False)} — до 25 нояб.",
            "Васильев Глеб, 5А: 19 нояб., 2 урока",
            "срок истёк 23 нояб.",
            "ещё 1 строка",
            "/documents",
            "/class",
        ],
        [
            f"Борисова Вера, 5А: {span(*TWO_DAYS, False, 'en')} — by 25 Nov",
            "Васильев Глеб, 5А: 19 Nov, 2 lessons",
            "was due 23 Nov",
            "1 more line",
            "/documents",
            "/class",
        ],
    ),
    EventKind.WEEK_UNREASONED: (
        [f"Пропуски за {span(*WEEK, False)} без", "Васильев Глеб, 5А: 23 нояб., 1 урок", "/class"],
        [f"Absences of {span(*WEEK, False, 'en')} without", "Васильев Глеб, 5А: 23 Nov, 1 lesson", "/class"],
    ),
    EventKind.PERIOD_FAILING: (
        ["5А, Русский язык", "2 четверть, до 28 дек.", "Борисова Вера: 1 из 3", "Васильев Глеб: 0 из 3", "/period"],
        ["5А, Русский язык", "2 четверть, until 28 Dec", "Борисова Вера: 1 of 3", "Васильев Глеб: 0 of 3", "/period"],
    ),
}


@pytest.mark.parametrize("kind", list(PAYLOADS))
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_each_reminder_reads_in_the_recipients_language(kind, locale):
    text = plain(text_of(kind, PAYLOADS[kind], locale))
    for fact in EXPECTED[kind][0 if locale == "ru" else 1]:
        assert fact in text, (fact, text)
    if locale == "en":
        assert not any(word in text for word in ("урок", "срок", " до "))


def test_every_staff_reminder_kind_has_a_text():
    assert set(RENDERERS) == {
        EventKind.HOMEWORK_MISSING,
        EventKind.LESSONS_UNFILLED,
        EventKind.WORKS_UNMARKED,
        EventKind.ABSENCE_DEADLINES,
        EventKind.WEEK_UNREASONED,
        EventKind.PERIOD_FAILING,
        EventKind.FINALS_MISSING,
        EventKind.REPORT_READY,
    }
