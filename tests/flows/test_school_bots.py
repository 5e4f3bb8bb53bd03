"""Several schools' own bots in one process (SCHOOL_BOTS): two schools in one database, two bots on one dispatcher.
Each bot serves its school only: a person linked in one school is a stranger to the other's bot until they link
there too, a code of one school is refused by the other's bot, and each school's news comes from its own bot."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.dispatcher import create_dispatcher
from bot.pushes.worker import PushWorker
from bot.runtime import create_bots, run_polling, run_webhook
from bot.scope import serve_schools
from services.access import system_actor
from services.db import create_engine, create_session_factory
from services.invites import InviteService
from services.journal import JournalService
from services.migrate import upgrade
from services.models import (
    Account,
    Consent,
    Delivery,
    DeliveryStatus,
    DocumentStatus,
    InviteCode,
    OutboxEvent,
    PersonAccount,
)
from services.pushes.payloads import DocumentDecided
from services.records import emit
from tests.factories import TODAY, MiniSchool, add_link, build_school, open_lesson
from tests.flows.conftest import TOKEN, TelegramUser, plain
from tests.flows.test_cross_school_replay import give_school_2_its_own_names
from tests.flows.test_webhook import free_port

pytestmark = pytest.mark.telegram_only(
    "several schools' own bots are Telegram bots (SCHOOL_BOTS); MAX serves every school through one"
)

TOKEN_B = "654321:TEST-token-of-school-2"
STRANGER = "Это электронный журнал и дневник школы."
OTHER_SCHOOL = "Этот код — для бота другой школы: отправьте его боту той школы, которая его выдала."


@pytest.fixture
async def two_bots(school, session_factory, emulator, clock, file_store):
    """School 1 (bot TOKEN) and school 2, its people renamed (bot TOKEN_B), in one database; the two bots polling on
    one dispatcher as `schoolbot run` runs SCHOOL_BOTS: (school 1, school 2, sessions, a function that starts the
    delivery workers, one per bot)."""
    async with session_factory() as session:
        two = await build_school(session, "Школа № 8")
        await give_school_2_its_own_names(session, two)
        await session.commit()
    settings = Settings(
        _env_file=None,
        school_bots={school.school_id: TOKEN, two.school_id: TOKEN_B},
        telegram_api_url=emulator.base_url,
    )
    bots = create_bots(settings)
    dp = create_dispatcher(session_factory, clock, files=file_store)
    serve_schools(dp, bots)
    polling = asyncio.create_task(dp.start_polling(*bots.values(), handle_signals=False, polling_timeout=1))
    running: list[asyncio.Task] = []

    def start_workers() -> None:
        workers = PushWorker.per_bot(bots.items(), session_factory, clock=clock, gather=timedelta(0), poll=0.05)
        running.extend(asyncio.create_task(worker.run()) for worker in workers)

    try:
        yield school, two, session_factory, start_workers
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
        for bot in bots.values():
            await bot.session.close()


async def code_of(sessions, clock, school: MiniSchool, person_id: int) -> str:
    async with sessions() as session:
        [issued] = await InviteService(session, clock).for_person(
            system_actor(school.school_id), person_id, timedelta(days=7)
        )
    return issued.code


async def link(user: TelegramUser, code: str) -> None:
    await user.send("/start " + code)
    await user.tap("Принимаю")


async def give_a_mark(sessions, clock, school: MiniSchool) -> None:
    """Math in 5А (5Л in school 2), today's lesson 2: Алексеев (Носов in school 2) gets a 5 for an answer."""
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher, view = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)]
        )


async def pushes(user: TelegramUser, count: int = 1) -> list[str]:
    """The push texts (🆕) in the user's chat with their bot, once there are `count` of them (or after 8 s)."""

    def found() -> list[str]:
        return [plain(t) for t in user.texts() if t and "🆕" in t]

    for _ in range(160):
        if len(found()) >= count:
            break
        await asyncio.sleep(0.05)
    return found()


async def test_a_person_linked_through_one_schools_bot_is_a_stranger_to_the_others_until_linked_there(
    two_bots, emulator, clock
):
    one, two, sessions, _ = two_bots
    uid = 720_000_001
    in_one = TelegramUser(emulator, uid, "ru")
    in_two = TelegramUser(emulator, uid, "ru", token=TOKEN_B)  # the same Telegram account, the other bot
    await link(in_one, await code_of(sessions, clock, one, one.parents["alekseeva_mother"]))
    await in_one.press("Дневник")
    assert in_one.last_text().startswith("Дневник: Артём, 5А")

    await in_two.send("/start")
    assert in_two.last_text().startswith(STRANGER)
    await in_two.send("/diary")
    assert in_two.last_text().startswith(STRANGER)
    assert in_two.keyboard() == []

    await link(in_two, await code_of(sessions, clock, two, two.parents["alekseeva_mother"]))
    await in_two.press("Дневник")
    assert in_two.last_text().startswith("Дневник: Добрыня, 5Л")
    # Each bot keeps to its school: one child each, nothing to switch between.
    await in_one.press("Дневник")
    assert in_one.last_text().startswith("Дневник: Артём, 5А")
    assert "Носов" not in "\n".join(in_one.texts()) and "Алексеев" not in "\n".join(in_two.texts())
    async with sessions() as session:
        linked = await session.scalars(
            select(PersonAccount.person_id).where(PersonAccount.account_id == uid).order_by(PersonAccount.person_id)
        )
        assert list(linked) == [one.parents["alekseeva_mother"], two.parents["alekseeva_mother"]]

    # Logging out of one school's bot leaves the other as it was.
    await in_two.send("/logout")
    await in_two.tap("Выйти")
    await emulator.wait_for_bot_message(TOKEN_B, uid)
    await in_two.send("/start")
    assert in_two.last_text().startswith(STRANGER)
    await in_one.press("Дневник")
    assert in_one.last_text().startswith("Дневник: Артём, 5А")
    async with sessions() as session:
        linked = await session.scalars(select(PersonAccount.person_id).where(PersonAccount.account_id == uid))
        assert list(linked) == [one.parents["alekseeva_mother"]]


async def test_a_code_of_another_school_is_refused_and_nothing_is_written(two_bots, emulator, clock):
    one, _two, sessions, _ = two_bots
    father = one.parents["borisov_father"]
    code = await code_of(sessions, clock, one, father)
    in_two = TelegramUser(emulator, 720_000_002, "ru", token=TOKEN_B)
    await in_two.send(code)  # typed
    assert in_two.last_text() == OTHER_SCHOOL
    await in_two.send("/start " + code)  # by deep link
    assert in_two.last_text() == OTHER_SCHOOL
    assert in_two.buttons() == []  # no consent offered
    async with sessions() as session:
        assert await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == father)) is None
        assert await session.scalar(select(func.count()).select_from(Consent)) == 0
        assert await session.scalar(select(InviteCode.used_at).where(InviteCode.person_id == father)) is None
    # The code is still good where it belongs.
    in_one = TelegramUser(emulator, 720_000_002, "ru")
    await link(in_one, code)
    async with sessions() as session:
        assert (
            await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == father)) == in_one.id
        )


async def test_each_schools_news_comes_from_its_own_bot(two_bots, emulator, clock):
    """A parent with a child in each school hears of each mark from that school's bot, and from no other. The two
    marks are saved before the workers start: one that claimed both (an account's due news at once) would send them
    as one message."""
    one, two, sessions, start_workers = two_bots
    uid = 720_000_003
    in_one, in_two = TelegramUser(emulator, uid, "ru"), TelegramUser(emulator, uid, "ru", token=TOKEN_B)
    await link(in_one, await code_of(sessions, clock, one, one.parents["alekseeva_mother"]))
    await link(in_two, await code_of(sessions, clock, two, two.parents["alekseeva_mother"]))

    await give_a_mark(sessions, clock, one)
    await give_a_mark(sessions, clock, two)
    start_workers()
    assert await pushes(in_one) == ["Артём Алексеев\n🆕 5 — Математика, 24 нояб. (Ответ на уроке)"]
    assert await pushes(in_two) == ["Добрыня Носов\n🆕 5 — Алгебра, 24 нояб. (Устный опрос)"]


async def two_schools_with_a_parent_in_each(url: str, mother: TelegramUser) -> MiniSchool:
    """A database at `url` with two schools; `mother`'s account linked to Алексеева's mother in each, no quiet hours
    (`run` reads the real clock, and CI may run at night); school 2's document news in the outbox. Returns school 2."""
    engine = create_engine(url)
    await upgrade(engine)
    async with create_session_factory(engine)() as session:
        one = await build_school(session)
        two = await build_school(session, "Школа № 8")
        session.add(Account(id=mother.id, quiet_from=time(0), quiet_to=time(0)))
        await session.flush()
        add_link(session, one.parents["alekseeva_mother"], mother.id)
        add_link(session, two.parents["alekseeva_mother"], mother.id)
        emit(
            session,
            two.school_id,
            DocumentDecided(document_id=0, student_id=two.students["alekseev"], status=DocumentStatus.DECLINED),
        )
        await session.commit()
    await engine.dispose()
    return two


async def test_run_polls_every_schools_bot_and_sends_each_schools_news_by_it(emulator, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'school.db'}"
    mother = TelegramUser(emulator, 720_000_004, "ru", token=TOKEN_B)
    two = await two_schools_with_a_parent_in_each(url, mother)
    settings = Settings(
        _env_file=None,
        school_bots={1: TOKEN, two.school_id: TOKEN_B},
        telegram_api_url=emulator.base_url,
        database_url=url,
        push_gather_seconds=0,
    )
    bot_task = asyncio.create_task(run_polling(settings, handle_signals=False))
    try:
        push = await emulator.wait_for_bot_message(TOKEN_B, mother.id, timeout=10)
        assert push["text"] == "Артём Алексеев\n❌ Документ за ? отклонён."
        for token in (TOKEN, TOKEN_B):
            stranger = TelegramUser(emulator, 720_000_005, "ru", token=token)
            await stranger.send("/start")
            assert stranger.last_text().startswith(STRANGER)
        assert emulator.messages(TOKEN, mother.id) == []
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)


async def test_run_webhook_serves_each_schools_bot_at_a_path_of_its_own(emulator, tmp_path):
    port = free_port()
    settings = Settings(
        _env_file=None,
        school_bots={1: TOKEN, 2: TOKEN_B},
        telegram_api_url=emulator.base_url,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        webhook_port=port,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'school.db'}",
    )
    bot_task = asyncio.create_task(run_webhook(settings, handle_signals=False))
    try:
        for token in (TOKEN, TOKEN_B):
            stranger = TelegramUser(emulator, 720_000_006, "ru", token=token)
            await stranger.send("/start")
            assert stranger.last_text().startswith(STRANGER)
            bot_id = token.partition(":")[0]
            assert emulator.calls(token, "setWebhook")[-1]["url"] == f"http://127.0.0.1:{port}/webhook/{bot_id}"
            assert emulator.calls(token, "getUpdates") == []
    finally:
        bot_task.cancel()
        await asyncio.gather(bot_task, return_exceptions=True)
    assert all(emulator.calls(token, "deleteWebhook") for token in (TOKEN, TOKEN_B))


async def test_a_parent_who_blocked_one_schools_bot_still_hears_the_others(two_bots, emulator, clock):
    """Blocking is of a bot, not of the Telegram account: school 1's news fails, school 2's bot still sends its own,
    and the account stays active."""
    one, two, sessions, start_workers = two_bots
    uid = 720_000_008
    in_one, in_two = TelegramUser(emulator, uid, "ru"), TelegramUser(emulator, uid, "ru", token=TOKEN_B)
    await link(in_one, await code_of(sessions, clock, one, one.parents["alekseeva_mother"]))
    await link(in_two, await code_of(sessions, clock, two, two.parents["alekseeva_mother"]))
    emulator.block(TOKEN, uid)

    await give_a_mark(sessions, clock, one)
    await give_a_mark(sessions, clock, two)
    start_workers()
    assert await pushes(in_two) == ["Добрыня Носов\n🆕 5 — Алгебра, 24 нояб. (Устный опрос)"]
    for _ in range(100):
        async with sessions() as session:
            rows = await session.execute(
                select(OutboxEvent.school_id, Delivery.status).join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
            )
            statuses = dict(rows.all())
            active = await session.scalar(select(Account.is_active).where(Account.id == uid))
        if not {DeliveryStatus.PENDING, DeliveryStatus.SENDING} & set(statuses.values()):
            break
        await asyncio.sleep(0.05)
    assert statuses == {one.school_id: DeliveryStatus.FAILED, two.school_id: DeliveryStatus.SENT}
    assert active is True
    assert not any("🆕" in (t or "") for t in in_one.texts())
