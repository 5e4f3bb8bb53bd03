"""A student's history survives every move (DATA-4, ACC-9, ACC-3): after a transfer mid-term the parent's diary
shows, day by day, the lessons of the class the child was in that day with their marks, /marks counts a subject's
marks from both classes, the old teacher's roster of a lesson after the move lacks the child and the new one's has
them; a student who left drops from the rosters from that day, and their parent is refused."""

from __future__ import annotations

from datetime import date

import pytest

from services.access import load_actor
from services.errors import Forbidden
from services.journal import JournalService
from services.models import MovementKind, Role, StaffRole
from services.movement import MovementService
from tests.factories import MONDAY, TODAY
from tests.flows.test_diary_flow import keep_journal

WEDNESDAY = date(2026, 11, 25)  # the transfer's first day
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)


async def move(bot_world, clock, student: str, kind: MovementKind, on: date, to_class: str | None = None) -> None:
    school, sessions = bot_world
    async with sessions() as session:
        session.add(StaffRole(person_id=school.staff["deputy"], role=Role.SECRETARY))
        await session.commit()
        secretary = await load_actor(session, school.staff["deputy"])
        await MovementService(session, clock).record(
            secretary,
            school.students[student],
            kind,
            TODAY,
            "№ 15",
            to_class_id=school.classes[to_class] if to_class else None,
            on=on,
        )


def roster(view) -> list[int]:
    return [entry.student_id for entry in view.roster]


async def test_a_transfer_mid_term_keeps_the_diary_and_the_marks_whole_DATA_4_ACC_3(bot_world, linked, clock):
    school, sessions = bot_world
    await keep_journal(bot_world, clock)  # Monday: Артём's 4 and 5 in 5А's math
    await move(bot_world, clock, "alekseev", MovementKind.TRANSFER, WEDNESDAY, "5Б")
    artyom = school.students["alekseev"]
    clock.at(FRIDAY)
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])  # 5А's math
        russian = await load_actor(session, school.staff["russian"])  # 5Б's math
        new = await journal.open_lesson(russian, school.assignments["math5B"], THURSDAY, 2)
        assert artyom in roster(new)
        await journal.add_marks(russian, new.lesson_id, school.work_types["answer"], [(artyom, 3)])
        # ACC-3: the old class's lesson after the move has him no more, and nobody writes for him there.
        old = await journal.open_lesson(math, school.assignments["math5A"], THURSDAY, 1)
        assert artyom not in roster(old) and school.students["borisova"] in roster(old)
        with pytest.raises(Forbidden):
            await journal.add_marks(math, old.lesson_id, school.work_types["answer"], [(artyom, 5)])
        # Before the move he is on 5А's roster, with his marks.
        monday = await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1)
        assert artyom in roster(monday) and len(monday.entry(artyom).marks) == 2

    mother = await linked(school.parents["alekseeva_mother"])
    await mother.send("/diary")  # Friday: 5Б's day
    assert mother.last_text() == (
        "Дневник: Артём, 5Б\nПятница, 27 ноября, сегодня\n\n1. 09:00–09:45 Математика\nД/з: ещё не внесено"
    )
    await mother.tap("◀ чт, 26 нояб.")  # 5Б's Thursday with the new mark; 5А's math and English gone
    assert mother.last_text() == (
        "Дневник: Артём, 5Б\nЧетверг, 26 ноября\n\n2. 10:00–10:45 Математика\nД/з: ещё не внесено\n"
        "Оценка: 3 (Ответ на уроке)"
    )
    await mother.tap("◀◀ Неделя назад")  # 19 November, a week before the move: 5А's Thursday
    thursday_before = mother.last_text()
    assert "1. 09:00–09:45 Математика" in thursday_before and "3. 11:00–11:45 Английский язык" in thursday_before
    await mother.tap("Неделя вперёд ▶▶")
    await mother.tap("◀ ср, 25 нояб.")
    await mother.tap("◀ вт, 24 нояб.")
    await mother.tap("◀ пн, 23 нояб.")  # the week of the move, before it: 5А's Monday with his marks
    monday_text = mother.last_text()
    assert "1. 09:00–09:45 Математика\nТема: Дроби" in monday_text
    assert "Оценки: 4 (Ответ на уроке), 5 (Контрольная работа)" in monday_text

    # /marks: the math marks of both classes under one subject.
    await mother.send("/marks")
    await mother.tap("Математика")
    assert "23 нояб.: 4 (Ответ на уроке), 5 (Контрольная работа, вес 2)\n26 нояб.: 3 (Ответ на уроке)" in (
        mother.last_text()
    )


async def test_a_student_who_left_drops_from_rosters_from_that_day_and_the_parent_is_refused_ACC_9(
    bot_world, linked, clock
):
    school, sessions = bot_world
    await keep_journal(bot_world, clock)
    borisova = school.students["borisova"]
    father = await linked(school.parents["borisov_father"])
    await father.send("/diary")
    assert father.last_text().startswith("Дневник: Вера, 5А")

    await move(bot_world, clock, "borisova", MovementKind.LEAVING, WEDNESDAY)
    clock.at(FRIDAY)
    async with sessions() as session:
        journal = JournalService(session, clock)
        math = await load_actor(session, school.staff["math"])
        assert borisova in roster(await journal.open_lesson(math, school.assignments["math5A"], MONDAY, 1))
        assert borisova in roster(await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2))
        after = await journal.open_lesson(math, school.assignments["math5A"], THURSDAY, 1)
        assert borisova not in roster(after)
        with pytest.raises(Forbidden):
            await journal.save_attendance(math, after.lesson_id, [borisova])
        father_actor = await load_actor(session, school.parents["borisov_father"])
        assert borisova not in father_actor.children

    await father.send("/diary")
    assert "Вера" not in father.last_text()


async def test_the_homework_screen_follows_a_transfer_at_once_DATA_4(bot_world, linked, clock):
    """The stays are kept between updates (services/freshness.py): a transfer's commit makes them stale."""
    school, _ = bot_world
    father = await linked(school.parents["borisov_father"])
    await father.send("/homework")
    await father.send("/homework")  # the stays are kept now
    assert father.last_text().startswith("Домашнее задание: Вера Борисова, 5А")
    assert "Английский язык" in father.last_text()

    await move(bot_world, clock, "borisova", MovementKind.TRANSFER, WEDNESDAY, "5Б")
    await father.send("/homework")
    shown = father.last_text()
    assert shown.startswith("Домашнее задание: Вера Борисова, 5Б")
    assert "Математика" in shown and "Английский язык" not in shown and "Русский язык" not in shown
