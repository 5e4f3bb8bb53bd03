"""The scheduled reminders to families: tomorrow's homework (J-2..J-4, J-13, opt-in), the weekly
summary of marks and absences (DIA-3, J-5, ABS-2), the forecast of the period marks before a period ends (DIA-4,
PER-3, PER-4); each for the right students and nobody else, written once, and read in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from bot import jobs
from services.attachments import AttachmentIn
from services.db import write_transaction
from services.journal import JournalService
from services.models import (
    Absence,
    AbsenceReason,
    AttachmentKind,
    EventKind,
    Holiday,
    OutboxEvent,
    Student,
    StudentStatus,
)
from services.reminders import PERIOD_WARNING_SCHOOL_DAYS
from services.reminders.family import homework_tomorrow, period_forecast, weekly_summary
from tests.factories import MONDAY, TODAY, add_students, open_lesson
from tests.statements import statements_run
from ui.pushes.render import text_of

WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = (TODAY + timedelta(days=n) for n in (1, 2, 3, 4))
FORECAST_DAY = date(2026, 12, 22)  # the 2nd quarter ends on Monday 28.12: 22, 23, 24, 25 and 28 are left
LONG_TEXT = "Учебник, с. 12, упр. 3 и 4; выучить слова. " * 8


async def homework(
    session,
    clock,
    school,
    teacher: str,
    assignment: str,
    day: date,
    number: int,
    text: str | None,
    due_on: date | None = None,
    files: int = 0,
) -> None:
    journal = JournalService(session, clock)
    actor, lesson = await open_lesson(journal, school, teacher, assignment, day, number)
    await journal.set_homework(actor, lesson.lesson_id, text, due_on)
    for n in range(files):
        await journal.add_homework_file(actor, lesson.lesson_id, AttachmentIn(AttachmentKind.PHOTO, f"f{n}", f"u{n}"))


async def marks(
    session,
    clock,
    school,
    teacher: str,
    assignment: str,
    day: date,
    number: int,
    given: dict[str, int],
    work_type: str = "answer",
    absent: tuple[str, ...] = (),
) -> int:
    journal = JournalService(session, clock)
    actor, lesson = await open_lesson(journal, school, teacher, assignment, day, number)
    if absent:
        await journal.save_attendance(actor, lesson.lesson_id, [school.students[k] for k in absent])
    if given:
        await journal.add_marks(
            actor, lesson.lesson_id, school.work_types[work_type], [(school.students[k], v) for k, v in given.items()]
        )
    return lesson.lesson_id


async def leaves(session, school, key: str) -> None:
    """ACC-9: a student who left gets nothing."""
    (await session.get(Student, school.students[key])).status = StudentStatus.LEFT
    await session.commit()


async def run(session, reminder, school, day: date) -> int:
    async with write_transaction(session):
        return await reminder(session, school.school_id, day)


async def written(session, kind: EventKind) -> dict[int, dict]:
    """The events of a kind, by student; a student written to twice would fail here."""
    await session.rollback()  # a fresh snapshot: the jobs write in their own sessions
    found = {}
    for e in await session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id)):
        assert e.payload["student_id"] not in found
        found[e.payload["student_id"]] = e.payload
    return found


def by_key(school, found: dict[int, dict]) -> dict[str, dict]:
    names = {v: k for k, v in school.students.items()}
    return {names[student_id]: payload for student_id, payload in found.items()}


# ---- tomorrow's homework ---------------------------------------------------------------------------------------


@pytest.fixture
async def thursdays_homework(session, clock, school):
    """Homework due on Thursday 26.11, set on Tuesday: math for 5А with two photos, English for its first group,
    «не задано» for the second (J-3); 5Б's math is due on Friday."""
    await homework(session, clock, school, "math", "math5A", TODAY, 2, "№ 1–5, с. 40", due_on=THURSDAY, files=2)
    await homework(session, clock, school, "eng1", "eng5A1", TODAY, 3, LONG_TEXT)  # due on the next lesson: Thursday
    await homework(session, clock, school, "eng2", "eng5A2", TODAY, 3, None)
    await homework(session, clock, school, "russian", "math5B", TODAY, 2, "№ 7", due_on=FRIDAY)
    await leaves(session, school, "grigorieva")


async def test_tomorrows_homework_for_each_student_of_their_own_subgroup_J_13(session, school, thursdays_homework):
    assert await run(session, homework_tomorrow, school, WEDNESDAY) == 3
    found = by_key(school, await written(session, EventKind.HOMEWORK_TOMORROW))
    # Not 5Б (due on Friday), nor 1А (nothing set), nor Grigorieva who left (ACC-9).
    assert sorted(found) == ["alekseev", "borisova", "vasiliev"]
    english, math = found["alekseev"]["homework"]
    assert found["alekseev"] == {
        "student_id": school.students["alekseev"],
        "due_on": "2026-11-26",
        "homework": [english, math],
        "more": 0,
    }
    assert math == {"subject": "Математика", "text": "№ 1–5, с. 40", "files": 2}
    assert english["subject"] == "Английский язык" and english["files"] == 0
    assert len(english["text"]) == 200 and english["text"].endswith("…")  # shortened: /homework has it whole
    assert LONG_TEXT.startswith(english["text"][:-1])
    assert found["borisova"]["homework"] == [english, math]
    assert found["vasiliev"]["homework"] == [math]  # J-13: his group's English says «не задано»

    assert await run(session, homework_tomorrow, school, WEDNESDAY) == 0  # twice: no more
    assert len(await written(session, EventKind.HOMEWORK_TOMORROW)) == 3
    assert text_of(EventKind.HOMEWORK_TOMORROW, found["vasiliev"], "ru") == (
        "📚 <b>Домашнее задание к 26 нояб.</b>\n"
        "• <b>Математика</b>: № 1–5, с. 40 (📎 2 файла)\n"
        "Всё задание, с файлами: /homework"
    )


async def test_tomorrows_homework_job_runs_the_evening_before_a_school_day_only(
    session, session_factory, clock, school, thursdays_homework
):
    clock.at(TODAY, hour=19)  # Tuesday: Wednesday's homework, of which there is none
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 0
    clock.at(WEDNESDAY, hour=19)
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 3
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 0
    # Saturday 28.11 has no lessons in 5А: homework due on it is nobody's news on Friday evening.
    clock.at(FRIDAY)
    await homework(session, clock, school, "math", "math5A", FRIDAY, 2, "Повторить", due_on=SATURDAY)
    clock.at(FRIDAY, hour=19)
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 0
    assert len(await written(session, EventKind.HOMEWORK_TOMORROW)) == 3


async def test_no_homework_reminder_on_the_eve_of_a_holiday_PER_1(session, session_factory, clock, school):
    # Tuesday 1.12 is a holiday for grade 5 only (a quarantine): 5А's homework due then is not reminded.
    session.add(
        Holiday(
            school_id=school.school_id,
            name="Карантин",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 1),
            grades="5",
        )
    )
    await session.commit()
    clock.at(date(2026, 11, 30))
    await homework(session, clock, school, "math", "math5A", date(2026, 11, 30), 1, "№ 9", due_on=date(2026, 12, 1))
    await homework(session, clock, school, "primary", "read1A", date(2026, 11, 30), 1, "Читать с. 5")
    clock.at(date(2026, 11, 30), hour=19)
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 1
    assert list(by_key(school, await written(session, EventKind.HOMEWORK_TOMORROW))) == ["ivanov"]
    # The whole school's autumn vacation ends on 4.11: nothing on the evening of 3.11.
    clock.at(date(2026, 10, 23))
    await homework(session, clock, school, "math", "math5A", date(2026, 10, 23), 2, "№ 3", due_on=date(2026, 11, 4))
    clock.at(date(2026, 11, 3), hour=19)
    assert await jobs.homework_tomorrow(session_factory, school.school_id, clock) == 0


# ---- the weekly summary ---------------------------------------------------------------------------------------


@pytest.fixture
async def week_of_marks(session, clock, school):
    """The week of 23.11: Alekseev's marks in math and Russian, Borisova absent twice; a mark of the week before."""
    await marks(
        session, clock, school, "math", "math5A", MONDAY - timedelta(days=7), 1, {"alekseev": 3}, work_type="test"
    )
    await marks(session, clock, school, "math", "math5A", MONDAY - timedelta(days=7), 1, {"vasiliev": 4})
    await marks(session, clock, school, "math", "math5A", MONDAY, 1, {"alekseev": 5, "grigorieva": 5})
    math = await marks(session, clock, school, "math", "math5A", TODAY, 2, {"alekseev": 4}, absent=("borisova",))
    await marks(session, clock, school, "russian", "rus5A", TODAY, 1, {"alekseev": 5}, absent=("borisova",))
    (await session.scalar(select(Absence).where(Absence.lesson_id == math))).reason = AbsenceReason.ILLNESS
    await session.commit()
    await leaves(session, school, "grigorieva")


async def test_weekly_summary_of_marks_averages_and_absences_DIA_3(session, school, week_of_marks):
    assert await run(session, weekly_summary, school, SATURDAY) == 2
    found = by_key(school, await written(session, EventKind.WEEKLY_SUMMARY))
    # Vasiliev's only mark is of the week before, 5Б and 1А had nothing, Grigorieva left: no summary.
    assert sorted(found) == ["alekseev", "borisova"]
    week = {"week_from": "2026-11-23", "week_to": "2026-11-28", "period": "2 четверть", "more": 0}
    assert found["alekseev"] == {
        "student_id": school.students["alekseev"],
        **week,
        "absences": {},
        # J-5: the 3 of the week before is a test (weight 2): (3·2 + 5 + 4) / 4.
        "subjects": [
            {"subject": "Математика", "marks": [5, 4], "average": 3.75},
            {"subject": "Русский язык", "marks": [5], "average": 5.0},
        ],
    }
    assert found["borisova"] == {
        "student_id": school.students["borisova"],
        **week,
        "subjects": [],
        "absences": {"illness": 1, "none": 1},
    }
    assert await run(session, weekly_summary, school, SATURDAY) == 0

    render = partial(text_of, EventKind.WEEKLY_SUMMARY)
    assert render(found["alekseev"], "ru") == (
        "📊 <b>Неделя 23 нояб. – 28 нояб.</b>\n"
        "• Математика: 5, 4; средний балл 3,75\n"
        "• Русский язык: 5; средний балл 5,00\n"
        "Средний балл — взвешенный, за 2 четверть на сегодня. Все оценки: /marks\n"
        "🚪 Пропусков нет."
    )
    assert render(found["borisova"], "en") == (
        "📊 <b>The week 23 Nov – 28 Nov</b>\n"
        "No marks this week.\n"
        "🚪 2 lessons missed (illness: 1, no reason given: 1)\n"
        "Tell the class teacher the reason: /absence"
    )


async def test_weekly_summary_job_on_saturday_and_not_in_a_vacation_week(
    session, session_factory, clock, school, week_of_marks
):
    clock.at(SATURDAY, hour=18)
    assert await jobs.weekly_summary(session_factory, school.school_id, clock) == 2
    assert await jobs.weekly_summary(session_factory, school.school_id, clock) == 0
    clock.at(date(2027, 1, 9), hour=18)  # the winter vacation's whole week
    assert await jobs.weekly_summary(session_factory, school.school_id, clock) == 0
    assert len(await written(session, EventKind.WEEKLY_SUMMARY)) == 2


# ---- the period forecast --------------------------------------------------------------------------------------


@pytest.fixture
async def quarter_of_marks(session, clock, school):
    """Alekseev: two marks in Russian (3 needed, PER-4), two in math (14 needed), none in English; Borisova three
    in Russian, enough."""
    clock.at(FORECAST_DAY)
    await marks(session, clock, school, "russian", "rus5A", date(2026, 12, 8), 1, {"alekseev": 5, "borisova": 3})
    await marks(session, clock, school, "russian", "rus5A", date(2026, 12, 15), 1, {"alekseev": 4, "borisova": 3})
    await marks(session, clock, school, "russian", "rus5A", FORECAST_DAY, 1, {"borisova": 4})
    await marks(session, clock, school, "math", "math5A", date(2026, 12, 14), 1, {"alekseev": 5}, work_type="test")
    await marks(session, clock, school, "math", "math5A", date(2026, 12, 15), 2, {"alekseev": 4})
    await leaves(session, school, "grigorieva")


async def test_period_forecast_in_the_last_school_days_once_per_period_DIA_4_PER_4(session, school, quarter_of_marks):
    assert PERIOD_WARNING_SCHOOL_DAYS == 5
    assert await run(session, period_forecast, school, FORECAST_DAY - timedelta(days=1)) == 0  # six days left
    assert await run(session, period_forecast, school, FORECAST_DAY) == 5
    found = by_key(school, await written(session, EventKind.PERIOD_FORECAST))
    # Grade 1 has no marks (J-8), and Grigorieva left.
    assert sorted(found) == ["alekseev", "alekseeva", "borisova", "vasiliev", "zaitsev"]
    quarter = {"period": "2 четверть", "ends_on": "2026-12-28", "more": 0}
    assert found["alekseev"] == {
        "student_id": school.students["alekseev"],
        **quarter,
        "subjects": [
            {"subject": "Английский язык", "average": None, "mark": None, "marks": 0, "required": 5},
            {"subject": "Математика", "average": 4.67, "mark": 5, "marks": 2, "required": 14},
            {"subject": "Русский язык", "average": 4.5, "mark": 5, "marks": 2, "required": 3},
        ],
    }
    assert found["borisova"]["subjects"][2] == {
        "subject": "Русский язык",
        "average": 3.33,
        "mark": 3,
        "marks": 3,
        "required": None,
    }
    assert [s["subject"] for s in found["zaitsev"]["subjects"]] == ["Математика"]
    assert await run(session, period_forecast, school, FORECAST_DAY + timedelta(days=1)) == 0  # once a period

    assert text_of(EventKind.PERIOD_FORECAST, found["alekseev"], "ru") == (
        "🔮 <b>Прогноз оценок за 2 четверть</b>\n"
        "Последний день периода: 28 дек.\n"
        "• Английский язык: оценок пока нет ⚠️ 0 оценок из 5 нужных\n"
        "• Математика: 5 (средний балл 4,67) ⚠️ 2 оценки из 14 нужных\n"
        "• Русский язык: 5 (средний балл 4,50) ⚠️ 2 оценки из 3 нужных\n"
        "⚠️ Оценок меньше, чем нужно для объективной оценки за период.\n"
        "Это прогноз по оценкам на сегодня: оценку за период ставит учитель. Что нужно для каждой оценки: /marks"
    )


async def test_period_forecast_job_skips_saturdays_and_holidays(
    session, session_factory, clock, school, quarter_of_marks
):
    clock.at(date(2026, 12, 26), hour=18)  # a Saturday in the window
    assert await jobs.period_forecast(session_factory, school.school_id, clock) == 0
    session.add(Holiday(school_id=school.school_id, name="День школы", starts_on=FORECAST_DAY, ends_on=FORECAST_DAY))
    await session.commit()
    clock.at(FORECAST_DAY, hour=18)
    assert await jobs.period_forecast(session_factory, school.school_id, clock) == 0
    clock.at(FORECAST_DAY + timedelta(days=1), hour=18)
    assert await jobs.period_forecast(session_factory, school.school_id, clock) == 5


# ---- a fixed number of queries ---------------------------------------------------------------------------------


async def test_a_second_run_reads_a_fixed_number_of_queries_whatever_the_roster(
    session, clock, school, engine, thursdays_homework
):
    """The demo school has ~730 students: no query per student. Thirty more students each get their reminder, and
    a run after it costs what it cost before."""
    await marks(session, clock, school, "math", "math5A", TODAY, 2, {"alekseev": 5}, absent=("borisova",))

    async def second_runs() -> list[int]:
        for reminder, day in (
            (homework_tomorrow, WEDNESDAY),
            (weekly_summary, SATURDAY),
            (period_forecast, FORECAST_DAY),
        ):
            await run(session, reminder, school, day)
        await session.commit()  # an empty identity map
        found = []
        for reminder, day in (
            (homework_tomorrow, WEDNESDAY),
            (weekly_summary, SATURDAY),
            (period_forecast, FORECAST_DAY),
        ):
            with statements_run(engine) as statements:
                assert await run(session, reminder, school, day) == 0
            found.append(len(statements))
        return found

    before = await second_runs()
    assert all(before)
    await add_students(session, school, 30)
    await session.commit()
    assert await second_runs() == before
    assert (
        await session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.kind == EventKind.HOMEWORK_TOMORROW))
        == 33
    )


# ---- the texts ------------------------------------------------------------------------------------------------


def test_texts_in_english_with_files_more_lines_and_no_average():
    homework = {
        "student_id": 1,
        "due_on": "2026-11-26",
        "more": 3,
        "homework": [
            {"subject": "Math <b>", "text": "No. 1 & 2", "files": 1},
            {"subject": "English", "text": "p. 12", "files": 0},
        ],
    }
    assert text_of(EventKind.HOMEWORK_TOMORROW, homework, "en") == (
        "📚 <b>Homework due 26 Nov</b>\n"
        "• <b>Math &lt;b&gt;</b>: No. 1 &amp; 2 (📎 1 file)\n"
        "• <b>English</b>: p. 12\n"
        "…and 3 more subjects\n"
        "All of it, with the files: /homework"
    )
    homework["homework"][0]["files"] = 0
    assert text_of(EventKind.HOMEWORK_TOMORROW, homework, "en").endswith(
        "No. 1 &amp; 2\n• <b>English</b>: p. 12\n…and 3 more subjects\nAll of it: /homework"
    )
    summary = {
        "student_id": 1,
        "week_from": "2026-11-23",
        "week_to": "2026-11-28",
        "period": None,
        "more": 0,
        "subjects": [{"subject": "Math", "marks": [5], "average": None}],
        "absences": {"unexcused": 1},
    }
    assert text_of(EventKind.WEEKLY_SUMMARY, summary, "en") == (
        "📊 <b>The week 23 Nov – 28 Nov</b>\n• Math: 5\n🚪 1 lesson missed (unexcused: 1)"
    )
    forecast = {
        "student_id": 1,
        "period": "Term 2",
        "ends_on": "2026-12-28",
        "more": 1,
        "subjects": [
            {"subject": "Math", "average": 4.5, "mark": 5, "marks": 9, "required": None},
            {"subject": "Art", "average": 3.0, "mark": 3, "marks": 1, "required": 3},
        ],
    }
    assert text_of(EventKind.PERIOD_FORECAST, forecast, "en") == (
        "🔮 <b>Forecast of the marks for Term 2</b>\n"
        "Its last day: 28 Dec\n"
        "• Math: 5 (average 4.50)\n"
        "• Art: 3 (average 3.00) ⚠️ 1 mark of the 3 needed\n"
        "…and 1 more subject\n"
        "⚠️ Too few marks for an objective period mark.\n"
        "A forecast from the marks so far: the teacher sets the period mark. What each mark needs: /marks"
    )
    forecast["subjects"] = forecast["subjects"][:1]
    assert "Too few" not in text_of(EventKind.PERIOD_FORECAST, forecast, "ru")
