"""How many SQL statements one update costs through the real dispatcher: the screens people open most (/diary, a
tap in the diary) and a teacher's most frequent write (an attendance save). Counting is deterministic, so the
counts are asserted; time is measured by the benchmarks in bench/, never here.

The targets: /diary and a diary tap in at most 6 statements, an attendance save in at most 8. Where a count is not
down to its target yet, the limit below is today's count, so that no change adds a statement unnoticed. Counted
before the first cuts: /diary 26, a diary tap 21, an attendance save 41.

The current user, the school's calendar and the class's timetable are kept by the process between updates
(services/freshness.py): the first /diary after a start reads them (cold), the next ones do not (warm); both are
counted, each with its limit."""

from __future__ import annotations

import pytest

from tests.flows.conftest import open_card
from tests.flows.test_diary_flow import ARTYOM_TODAY, keep_journal
from tests.statements import statements_of_one_update

pytestmark = pytest.mark.telegram_only(
    "the counts are of the journal's work; a MAX bot also keeps each sent message's id (one more statement a message)"
)

# The cold diary reads the class's substitutions once (ACC-5: the substitute is named), then keeps them with the
# timetable: one statement more cold, none warm.
DIARY_COLD_LIMIT = 8
# Warm, the student is kept too (services/diary.py DiaryStudent): a screen reads only its lessons.
DIARY_LIMIT = 1
DIARY_TAP_LIMIT = 1
ATTENDANCE_SAVE_LIMIT = 8  # the current user is kept from the teacher's taps before it


def shown(seen: list[str]) -> str:
    return f"{len(seen)} statements:\n\n" + "\n\n".join(seen)


async def test_diary_and_a_tap_in_it_run_few_statements(bot_world, linked, clock):
    school, sessions = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"])
    async with statements_of_one_update(sessions.kw["bind"]) as cold:
        await mother.send("/diary")
    assert mother.last_text() == ARTYOM_TODAY
    assert len(cold) <= DIARY_COLD_LIMIT, shown(cold)

    async with statements_of_one_update(sessions.kw["bind"]) as diary:
        await mother.send("/diary")
    assert mother.last_text() == ARTYOM_TODAY
    assert len(diary) <= DIARY_LIMIT, shown(diary)

    async with statements_of_one_update(sessions.kw["bind"]) as tap:
        await mother.tap("ср, 25 нояб. ▶")
    assert mother.last_text().startswith("Дневник: Артём, 5А\nСреда, 25 ноября")
    assert len(tap) <= DIARY_TAP_LIMIT, shown(tap)


async def test_an_attendance_save_runs_few_statements(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("2 Борисова")
    async with statements_of_one_update(sessions.kw["bind"]) as save:
        answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert len(save) <= ATTENDANCE_SAVE_LIMIT, shown(save)
