"""A school year's end played through, each step by the one who does it (PER-2, PER-3, PER-5, DATA-4, DIA-1):
the teacher sets a period mark, then the year marks; the deputy director revises a year mark by the director's
order after a retake; the council's decisions are recorded by class; the new year moves the students on; and the
promoted student's diary shows this year's class and, a year back, last year's lessons with their marks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.access import system_actor
from services.models import (
    Assignment,
    ClassGroup,
    Enrolment,
    FinalMark,
    FinalMarkKind,
    FinalResult,
    MarkRevision,
    Student,
    YearDecision,
    YearDecisionKind,
)
from services.new_year import NewYearService
from tests.flows.conftest import plain
from tests.flows.test_diary_flow import keep_journal

LAST_DAY_OF_Q2 = date(2026, 12, 28)  # the mini school's last period ends the year's marks
NEW_START, NEW_END = date(2027, 9, 1), date(2028, 5, 31)


def starting(user, prefix: str) -> str:
    """The one button whose text starts with `prefix` (a sheet's row carries its marks and signs after the name)."""
    [found] = [text for text in user.buttons() if text.startswith(prefix)]
    return found


async def seed_period_marks(sessions, school) -> None:
    """The first quarter as set in October, and Борисова's second: both 2 in mathematics."""
    async with sessions() as session:
        math = await session.get(Assignment, school.assignments["math5A"])
        for key, period_id, value in (
            ("alekseev", school.q1, 4),
            ("borisova", school.q1, 2),
            ("borisova", school.q2, 2),
        ):
            session.add(
                FinalMark(
                    student_id=school.students[key],
                    subject_id=math.subject_id,
                    year_id=school.year_id,
                    period_id=period_id,
                    kind=FinalMarkKind.PERIOD,
                    value=value,
                )
            )
        await session.commit()


async def record_class(deputy, class_name: str, order: str) -> str:
    """/yearend: a class's decisions approved as suggested, by one order; returns the class's sheet as shown."""
    await deputy.send("/yearend")
    await deputy.tap(class_name)
    sheet = plain(deputy.last_text())
    await deputy.tap("Утвердить всех как предложено")
    await deputy.send(order)
    while "Сохранить" not in deputy.buttons():  # under load the prompt's edit may land after the order is typed
        await deputy.emulator.wait_for_bot_message(deputy.token, deputy.id)
    answer = await deputy.tap("Сохранить")
    assert "Решения записаны." in deputy.last_text(), (answer, deputy.texts()[-3:])
    return sheet


async def test_a_year_ends_and_the_next_begins_with_the_history_kept_PER_5_DATA_4(
    faster_than_a_person, bot_world, linked, clock
):
    school, sessions = bot_world
    await keep_journal(bot_world, clock)  # Monday 23 November: Артём's 4 and 5 in 5А's mathematics
    await seed_period_marks(sessions, school)
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    deputy = await linked(school.staff["deputy"])

    # The period's last day: the teacher sets Артём's second-quarter mark from the sheet (PER-2).
    clock.at(LAST_DAY_OF_Q2)
    await math.press("Отметки за период")
    await math.tap(starting(math, "⚠ 1 Алексеев") if "⚠" in math.buttons()[0] else starting(math, "1 Алексеев"))
    await math.tap("5 (предложено)")  # the period's last week: set at once, nothing asked
    assert "⚠ 1 Алексеев: 5 ✅" in math.buttons()

    # The next day the year marks, suggested from the period marks (PER-3): 4 and 5 → 5; 2 and 2 → 2.
    clock.at(date(2026, 12, 29))
    await math.press("Отметки за период")
    await math.tap("Годовые и итоговые отметки")
    await math.tap("1 Алексеев → 5")
    await math.tap("5 (предложено)")
    await math.tap("◀ Годовые отметки")
    await math.tap("2 Борисова → 2")
    await math.tap("2 (предложено)")

    # June: Борисова has retaken mathematics; the deputy enters the director's order (PER-5).
    clock.at(date(2027, 6, 1))
    await deputy.send("/revise")
    await deputy.tap("5А")
    await deputy.tap("Математика")
    await deputy.tap("Борисова Вера Олеговна")
    await deputy.tap(starting(deputy, "Годовая"))
    await deputy.tap("3")
    await deputy.send("52-у")
    await deputy.send("31.05.2027")
    await deputy.send("Пересдача: задолженность ликвидирована")
    await deputy.tap("Внести")
    async with sessions() as session:
        [revision] = (await session.scalars(select(MarkRevision))).all()
        assert (revision.old_value, revision.new_value, revision.order_number) == (2, 3, "52-у")

    # The council: with the debt cleared every student of 5А is promoted; 5Б and 1А as suggested too.
    clock.at(date(2027, 6, 18))
    sheet = await record_class(deputy, "5А", "45-у от 18.06.2027")
    assert "2. Борисова Вера Олеговна — переведён\n" in sheet  # no debt left
    await record_class(deputy, "5Б", "45-у от 18.06.2027")
    await record_class(deputy, "1А", "45-у от 18.06.2027")
    async with sessions() as session:
        decisions = {d.student_id: d.decision for d in await session.scalars(select(YearDecision))}
    assert decisions[school.students["borisova"]] == YearDecisionKind.PROMOTED
    assert len(decisions) == 7

    # The new year (what `schoolbot new-year` runs): 5А → 6А with its students and their stays (DATA-4).
    async with sessions() as session:
        plan = await NewYearService(session, clock).start(
            system_actor(school.school_id), "2027/2028", NEW_START, NEW_END
        )
        assert plan.done
        artyom = await session.get(Student, school.students["alekseev"])
        new_class = await session.get(ClassGroup, artyom.class_id)
        stays = (
            await session.scalars(
                select(Enrolment.class_id).where(Enrolment.student_id == artyom.id).order_by(Enrolment.starts_on)
            )
        ).all()
        year_mark = await session.scalar(
            select(FinalMark).where(FinalMark.student_id == artyom.id, FinalMark.kind == FinalMarkKind.YEAR)
        )
    assert new_class.name == "6А" and stays == [school.classes["5А"], new_class.id]
    assert (year_mark.value, year_mark.result) == (5, FinalResult.MARK)  # last year's marks stay his

    # September: the mother's diary shows this year's class, and a year back 5А's Monday with Артём's marks.
    clock.at(date(2027, 9, 6))
    await mother.send("/diary")
    assert mother.last_text().startswith("Дневник: Артём, 6А\nПонедельник, 6 сентября")
    await mother.tap("📅 Выбрать дату")
    for _ in range(10):  # September 2027 → November 2026, a month a tap
        await mother.tap("◀")
    assert "Ноябрь 2026" in mother.buttons()
    await mother.tap("23")
    monday = mother.last_text()
    assert monday.startswith("Дневник: Артём, 6А\nПонедельник, 23 ноября")
    assert "1. 09:00–09:45 Математика\nТема: Дроби" in monday
    assert "Оценки: 4 (Ответ на уроке), 5 (Контрольная работа)" in monday
