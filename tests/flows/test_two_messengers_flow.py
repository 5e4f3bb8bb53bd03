"""One school in two messengers at once: one dispatcher polling the Telegram bot and the MAX bot, one push worker
for each. A teacher who works in Telegram saves a mark and the parent linked in MAX is told; a parent's document
sent in MAX is opened by the class teacher in Telegram, from the school's own file store; a person linked in both
gets each push in both, each by its own settings."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import select

from bot.dispatcher import create_dispatcher
from bot.pushes.limiter import SharedLimits
from bot.pushes.worker import PushWorker
from devtools.sandbox import BotAPIEmulator
from devtools.sandbox.max import MaxAPIEmulator
from services.files import FileStore
from services.models import Account, Channel, NotificationSetting, NotifyKind, NotifyMode, PersonAccount
from tests.files import PHOTO
from tests.flows.conftest import (
    TOKEN,
    AlertsAsAsked,
    LocalHttpSession,
    TelegramUser,
    code_for,
    make_bot,
    open_absence_files,
    plain,
)
from tests.flows.test_pushes_flow import pushes, save_marks

PDF = b"%PDF-1.4 a note from the clinic"


@dataclass
class TwoMessengers:
    telegram: BotAPIEmulator
    max: MaxAPIEmulator
    sessions: object
    clock: object

    def in_telegram(self, user_id: int, language_code: str = "ru") -> TelegramUser:
        return TelegramUser(self.telegram, user_id, language_code)

    def in_max(self, user_id: int, language_code: str = "ru") -> TelegramUser:
        return TelegramUser(self.max, user_id, language_code)

    async def link(self, user: TelegramUser, person_id: int) -> TelegramUser:
        await user.start(await code_for(self.sessions, self.clock, person_id))
        await user.tap("Принимаю")
        return user


@pytest.fixture
async def two_messengers(school_db, clock) -> AsyncIterator[TwoMessengers]:
    """The bot as `schoolbot run` serves BOT_TOKEN and MAX_TOKEN: one dispatcher, both bots, a worker each."""
    _school, sessions = school_db
    files = FileStore(Path(tempfile.mkdtemp()))
    telegram, max_ = await BotAPIEmulator().start(), await MaxAPIEmulator().start()
    in_telegram = make_bot(telegram, sessions, session_class=LocalHttpSession)
    in_max = make_bot(max_, sessions)
    for bot in (in_telegram, in_max):
        bot.session.middleware(SharedLimits())
    in_max.session.middleware(AlertsAsAsked(max_, TOKEN))
    dp = create_dispatcher(sessions, clock, MemoryStorage(), files=files)
    max_.tell_when_taps_handled(dp, TOKEN)
    workers = PushWorker.per_bot(
        [(None, in_telegram), (None, in_max)], sessions, clock=clock, gather=timedelta(0), poll=0.05, files=files
    )
    tasks = [asyncio.create_task(w.run()) for w in workers]
    polling = asyncio.create_task(dp.start_polling(in_telegram, in_max, handle_signals=False, polling_timeout=1))
    try:
        yield TwoMessengers(telegram, max_, sessions, clock)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in (in_telegram, in_max):
            await bot.session.close()
        await telegram.stop()
        await max_.stop()


async def test_a_teacher_in_telegram_saves_a_mark_and_the_parent_in_max_is_told(two_messengers, school):
    both = two_messengers
    mother = await both.link(both.in_max(810_000_001), school.parents["alekseeva_mother"])
    math = await both.link(both.in_telegram(810_000_002), school.staff["math"])
    await save_marks(math, "Алексеев 5")
    assert await pushes(mother) == ["Артём Алексеев\n🆕 5 — Математика, 24 нояб. (Контрольная работа)"]
    assert mother.emulator is both.max and not any("🆕" in (t or "") for t in math.texts())
    async with both.sessions() as session:
        links = (await session.execute(select(PersonAccount.channel, PersonAccount.account_id))).all()
    assert sorted(links) == sorted([(Channel.MAX, mother.account_id), (Channel.TELEGRAM, math.account_id)])
    assert mother.account_id == -810_000_001  # a MAX user's account, never a Telegram user's


async def test_a_person_linked_in_both_gets_each_push_in_both_by_each_ones_settings(two_messengers, school):
    """The same mother linked in Telegram and in MAX (a code for each): a mark reaches both; muted in MAX, the next
    reaches Telegram only."""
    both = two_messengers
    person = school.parents["alekseeva_mother"]
    in_telegram = await both.link(both.in_telegram(810_000_011), person)
    in_max = await both.link(both.in_max(810_000_011), person)  # the same number in MAX: another account
    math = await both.link(both.in_telegram(810_000_012), school.staff["math"])
    await save_marks(math, "Алексеев 5")
    assert len(await pushes(in_telegram)) == 1 and len(await pushes(in_max)) == 1
    async with both.sessions() as session:
        session.add(
            NotificationSetting(
                account_id=in_max.account_id,
                student_id=school.students["alekseev"],
                kind=NotifyKind.MARKS,
                mode=NotifyMode.OFF,
            )
        )
        await session.commit()
        accounts = (await session.scalars(select(Account.channel).order_by(Account.channel))).all()
    assert accounts.count(Channel.MAX) == 1 and accounts.count(Channel.TELEGRAM) == 2
    await save_marks(math, "Алексеев 4")
    assert len(await pushes(in_telegram, 2)) == 2
    await asyncio.sleep(0.5)  # nothing more comes to MAX
    assert len(await pushes(in_max)) == 1


async def test_a_document_sent_in_max_is_opened_by_the_class_teacher_in_telegram_ABS_4(two_messengers, school):
    both = two_messengers
    father = await both.link(both.in_max(810_000_021), school.parents["borisov_father"])
    math = await both.link(both.in_telegram(810_000_022), school.staff["math"])
    await open_absence_files(father)
    both.max.user_sends_photo(TOKEN, father.id, PHOTO)
    await both.max.wait_for_bot_message(TOKEN, father.id)
    both.max.user_sends_document(TOKEN, father.id, PDF, "справка.pdf", mime_type="application/pdf")
    await both.max.wait_for_bot_message(TOKEN, father.id)
    await father.tap("Готово")
    await father.tap("Отправить")

    told = "📄 Новый документ об отсутствии: Борисова Вера, 5А. Рассмотреть: /documents"
    assert await both.telegram.state(TOKEN).changed.wait_until(
        lambda: told in [plain(t or "") for t in math.texts()], 5
    ), "the class teacher is told at once"
    await math.press("Документы")
    photo, document, _card = [await both.telegram.wait_for_bot_message(TOKEN, math.id) for _ in range(3)]
    bot = both.telegram.state(TOKEN)
    assert bot.files[photo["photo"][-1]["file_id"]].data == PHOTO  # the bytes the father sent in MAX
    assert bot.files[document["document"]["file_id"]].data == PDF
    assert document["document"]["file_name"] == "справка.pdf"
