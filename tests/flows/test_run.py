"""`schoolbot run` reaches the bot through TELEGRAM_API_URL alone, with no change in its code."""

from __future__ import annotations

import asyncio
from datetime import time

import pytest

from bot.config import Settings
from bot.runtime import run_polling
from services.db import create_engine, create_session_factory
from services.migrate import upgrade
from services.models import Account, DocumentStatus
from services.pushes.payloads import DocumentDecided
from services.records import emit
from tests.factories import add_link, build_school
from tests.flows.conftest import TOKEN, TelegramUser

pytestmark = pytest.mark.telegram_only(
    "`schoolbot run` against the local Bot API; MAX's run is played in test_max_webhook.py and test_two_messengers_flow.py"
)


async def test_run_polls_the_local_bot_api_and_answers(emulator, tmp_path):
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}",
    )
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        stranger = TelegramUser(emulator, 700_999_001, "ru")
        await stranger.send("/start")
        assert stranger.last_text().startswith("Это электронный журнал и дневник школы.")
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
    assert (tmp_path / "data" / "school.db").exists()


async def test_run_delivers_the_outbox(emulator, tmp_path):
    """Pushes: `schoolbot run` starts the delivery worker beside the bot: news written to
    the outbox by any process reaches its recipient."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'school.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        school = await build_school(session)
        mother = TelegramUser(emulator, 700_999_002, "ru")
        # No quiet hours: `run` reads the real clock, and CI may run at night in the school's zone.
        session.add(Account(id=mother.id, quiet_from=time(0), quiet_to=time(0)))
        await session.flush()
        add_link(session, school.parents["alekseeva_mother"], mother.id)
        emit(
            session,
            school.school_id,
            DocumentDecided(document_id=0, student_id=school.students["alekseev"], status=DocumentStatus.DECLINED),
        )
        await session.commit()
    await engine.dispose()
    settings = Settings(bot_token=TOKEN, telegram_api_url=emulator.base_url, database_url=url, push_gather_seconds=0)
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        push = await emulator.wait_for_bot_message(TOKEN, mother.id, timeout=10)
        assert push["text"] == "Артём Алексеев\n❌ Документ за ? отклонён."
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
