"""PER-6: final attestation results are entered no later than one day after they are known: the day after the
year's last period (or an exam) ended, the deputy directors hear of the classes and subjects whose year, exam or
final marks are missing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot import jobs
from services.models import Assignment, EventKind, Exam, FinalMark, FinalMarkKind, OutboxEvent
from tests.flows.conftest import plain
from ui.pushes.render import text_of

LAST_DAY = date(2026, 12, 28)  # the mini school's last period ends
NEXT_DAY = date(2026, 12, 29)


async def reminders(session) -> list[OutboxEvent]:
    await session.rollback()  # what the jobs wrote in their own sessions since
    return list(
        (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == EventKind.FINALS_MISSING).order_by(OutboxEvent.id)
            )
        ).all()
    )


async def test_the_deputy_hears_the_day_after_of_missing_year_and_final_marks_PER_6(
    session, session_factory, clock, school
):
    math = await session.get(Assignment, school.assignments["math5A"])
    for key in ("alekseev", "borisova", "vasiliev", "grigorieva"):
        for kind in (FinalMarkKind.YEAR, FinalMarkKind.FINAL):
            session.add(
                FinalMark(
                    student_id=school.students[key],
                    subject_id=math.subject_id,
                    year_id=school.year_id,
                    kind=kind,
                    value=4,
                )
            )
    rus = await session.get(Assignment, school.assignments["rus5A"])
    session.add(
        Exam(
            school_id=school.school_id,
            year_id=school.year_id,
            grade=5,
            subject_id=rus.subject_id,
            held_on=date(2027, 1, 5),
        )
    )
    await session.commit()

    clock.at(LAST_DAY)
    assert await jobs.finals_missing(session_factory, school.school_id, clock) == 0  # known only today
    clock.at(NEXT_DAY)  # a holiday: the reminder goes all the same
    assert await jobs.finals_missing(session_factory, school.school_id, clock) == 1
    assert await jobs.finals_missing(session_factory, school.school_id, clock) == 0  # once a day

    [event] = await reminders(session)
    assert event.payload["to_persons"] == [school.staff["deputy"]]
    lines = [(line["class"], line["subject"], line["kind"], line["missing"]) for line in event.payload["lines"]]
    assert lines == [
        ("5А (Англ. 1)", "Английский язык", "year", 2),  # each subgroup's teacher keeps two students
        ("5А (Англ. 1)", "Английский язык", "final", 2),
        ("5А (Англ. 2)", "Английский язык", "year", 2),
        ("5А (Англ. 2)", "Английский язык", "final", 2),
        ("5А", "Русский язык", "year", 4),  # its final mark waits for the exam
        ("5Б", "Математика", "year", 2),
        ("5Б", "Математика", "final", 2),
    ]
    assert "Математика" not in {line[1] for line in lines if line[0] == "5А"}  # all set
    assert "1А" not in {line[0] for line in lines}  # no marks in the first grade (J-8)
    text = plain(text_of(EventKind.FINALS_MISSING, event.payload, "ru"))
    assert "5А, Русский язык: годовая отметка — 4 ученика" in text, text
    assert "5Б, Математика: итоговая отметка — 2 ученика" in text, text

    clock.at(date(2027, 1, 6))  # the day after the exam: its marks and the final ones
    assert await jobs.finals_missing(session_factory, school.school_id, clock) == 1
    event = (await reminders(session))[-1]
    assert [(line["subject"], line["kind"], line["missing"]) for line in event.payload["lines"]] == [
        ("Русский язык", "exam", 4),
        ("Русский язык", "final", 4),
    ]
    english = plain(text_of(EventKind.FINALS_MISSING, event.payload, "en"))
    assert "5А, Русский язык: exam mark — 4 students" in english, english
