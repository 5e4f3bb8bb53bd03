"""How many SQL statements one update costs through the real dispatcher: the screens people open most (/diary, a
tap in the diary) and a teacher's most frequent write (an attendance save). Counting is deterministic, so the
counts are asserted; time is measured by the benchmarks in bench/, never here.

The targets: /diary and a diary tap in at most 6 statements, an attendance save in at most 8. Where a count is not
down to its target yet, the limit below is today's count, so that no change adds a statement unnoticed. Counted
before the first cuts: /diary 26, a diary tap 21, an attendance save 41."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event

from tests.flows.conftest import open_card
from tests.flows.test_diary_flow import ARTYOM_TODAY, keep_journal
from tests.statements import statements_run

DIARY_LIMIT = 9  # the target: at most 6
DIARY_TAP_LIMIT = 8  # the target: at most 6
ATTENDANCE_SAVE_LIMIT = 29  # the target: at most 8


@asynccontextmanager
async def one_update(sessions) -> AsyncIterator[list[str]]:
    """`async with one_update(sessions) as seen:` around sending an update and waiting for the bot's answer:
    `seen` gets the statements the update ran (transaction control, BEGIN, left out: SQLite's is a statement and
    PostgreSQL's is not). The block waits until every connection is back in the pool, so that what the handler
    runs after its answer is counted too."""
    engine = sessions.kw["bind"]
    in_use = [0]

    def checkout(*_args) -> None:
        in_use[0] += 1

    def checkin(*_args) -> None:
        in_use[0] -= 1

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)
    seen: list[str] = []
    try:
        with statements_run(engine) as run:
            yield seen
            for _ in range(500):
                if in_use[0] <= 0:
                    break
                await asyncio.sleep(0.01)
        seen.extend(s for s in run if not s.lstrip().upper().startswith("BEGIN"))
    finally:
        event.remove(engine.sync_engine, "checkout", checkout)
        event.remove(engine.sync_engine, "checkin", checkin)


def shown(seen: list[str]) -> str:
    return f"{len(seen)} statements:\n\n" + "\n\n".join(seen)


async def test_diary_and_a_tap_in_it_run_few_statements(bot_world, linked, clock):
    school, sessions = bot_world
    await keep_journal(bot_world, clock)
    mother = await linked(school.parents["alekseeva_mother"])
    async with one_update(sessions) as diary:
        await mother.send("/diary")
    assert mother.last_text() == ARTYOM_TODAY
    assert len(diary) <= DIARY_LIMIT, shown(diary)

    async with one_update(sessions) as tap:
        await mother.tap("ср, 25 нояб. ▶")
    assert mother.last_text().startswith("Дневник: Артём, 5А\nСреда, 25 ноября")
    assert len(tap) <= DIARY_TAP_LIMIT, shown(tap)


async def test_an_attendance_save_runs_few_statements(bot_world, linked):
    school, sessions = bot_world
    math = await linked(school.staff["math"])
    await open_card(math)
    await math.tap("Посещаемость")
    await math.tap("2 Борисова")
    async with one_update(sessions) as save:
        answer = await math.tap("Сохранить")
    assert answer["text"] == "Посещаемость сохранена."
    assert len(save) <= ATTENDANCE_SAVE_LIMIT, shown(save)
