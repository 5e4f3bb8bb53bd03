"""End-to-end: the real create_dispatcher() polling a messenger's local API over HTTP, on a real database: each
flow runs twice, through the Telegram Bot API emulator and through the MAX one (devtools/sandbox/max), the bot
speaking MAX through its MAX session (bot/max/). The MAX runs are on SQLite only: the messenger changes nothing of
the database's work, which the Telegram runs cover on both.

People are driven as a person would, by one driver for both messengers: `await parent.start(code)`,
`await parent.tap("Принимаю")`, `parent.last_text()`.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery
from babel.dates import format_interval
from sqlalchemy import text

from bot.channels import from_max
from bot.dispatcher import create_dispatcher
from bot.max import DatabaseRefs, MemoryRefs, bot_number, create_max_bot
from bot.pushes.limiter import SharedLimits
from bot.pushes.worker import PushWorker
from devtools.sandbox import BotAPIEmulator
from devtools.sandbox.max import MaxAPIEmulator
from services.access import system_actor
from services.files import FileStore
from services.invites import InviteService
from services.journal import JournalService
from tests.factories import TODAY, open_lesson

# The bot's token, in either messenger (a MAX token is any string; the same one keeps the tests' calls alike).
TOKEN = "123456:TEST-token"
_user_ids = count(700_000_001)
Emulator = BotAPIEmulator | MaxAPIEmulator
MESSENGERS = ("telegram", "max")


def in_max(emulator: Emulator) -> bool:
    return isinstance(emulator, MaxAPIEmulator)


def bot_id_of(emulator: Emulator, token: str = TOKEN) -> int:
    """The id of the bot of `token` as aiogram knows it (the conversations' keys hold it)."""
    return bot_number(token) if in_max(emulator) else int(token.split(":")[0])


def pytest_collection_modifyitems(config, items):
    """MAX's runs on SQLite only (the module's docstring); a flow marked telegram_only(reason) is skipped in MAX with
    its reason: it plays something MAX has not (Telegram's webhook, several schools' Telegram bots...)."""
    kept = []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if params and params.get("emulator") == "max":
            if params.get("db_url") == "postgresql":
                continue
            if (mark := item.get_closest_marker("telegram_only")) is not None:
                item.add_marker(pytest.mark.skip(reason="Telegram only: " + mark.args[0]))
        kept.append(item)
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def messengers_pace_lifted(monkeypatch):
    """MAX takes 2 messages a second to a chat and 30 requests a second from a bot, a tap's answer too, and the bot
    keeps to them (bot/pushes/limiter.py): a flow of forty messages would take twenty seconds, and the cross-school
    replay's 2,200 taps 75 s more. The 30 a second is the setting Telegram's 30 messages a second share, so both
    messengers' flows go unpaced. The flows play what the bot says, not its pace: the pace is measured by
    bench/max.py and tested in tests/test_max_limits.py and tests/test_push_sender.py."""
    monkeypatch.setattr("bot.pushes.limiter.MAX_PER_CHAT_PER_SECOND", 1000)
    monkeypatch.setattr("bot.pushes.limiter.TELEGRAM_PER_SECOND", 1000)


@pytest.fixture(params=MESSENGERS)
async def emulator(request) -> AsyncIterator[Emulator]:
    """The messenger's local API the flow is played through: Telegram's Bot API, then MAX's."""
    emulator = await (MaxAPIEmulator() if request.param == "max" else BotAPIEmulator()).start()
    yield emulator
    await emulator.stop()


class TelegramUser:
    """A person in the messenger of `emulator` (the name is older than MAX: the driver plays both)."""

    def __init__(self, emulator: Emulator, user_id: int, language_code: str, token: str = TOKEN):
        """`token`: the bot the user talks to (another token is another bot, with file ids of its own)."""
        self.emulator, self.id, self.language_code, self.token = emulator, user_id, language_code, token
        emulator.add_user(token, user_id, first_name="Тест", language_code=language_code)

    @property
    def account_id(self) -> int:
        """The id of the person's account in the database: a MAX user's is made distinct from Telegram's."""
        return from_max(self.id) if in_max(self.emulator) else self.id

    async def start(self, code: str) -> dict:
        """Opens the invite link with `code`: Telegram sends «/start code», MAX a bot_started with the payload."""
        if in_max(self.emulator):
            self.emulator.user_starts(self.token, self.id, code, language_code=self.language_code)
            return await self.emulator.wait_for_bot_message(self.token, self.id)
        return await self.send("/start " + code)

    async def send(self, text: str, replies: int = 1) -> dict:
        """Returns the last of the `replies` messages the bot sends (or edits) in answer."""
        self.emulator.user_sends_text(self.token, self.id, text, language_code=self.language_code)
        for _ in range(replies):
            message = await self.emulator.wait_for_bot_message(self.token, self.id)
        return message

    async def press(self, label: str, replies: int = 1) -> dict:
        """A button of the menu: Telegram's reply keyboard, MAX's buttons that send their words; either way the
        label comes as the user's text."""
        assert label in self.keyboard(), f"no key «{label}» in {self.keyboard()}"
        if not in_max(self.emulator):
            return await self.send(label, replies)
        self.emulator.user_taps_message_button(self.token, self.id, label, language_code=self.language_code)
        for _ in range(replies):
            message = await self.emulator.wait_for_bot_message(self.token, self.id)
        return message

    def keyboard(self) -> list[str]:
        return [label for row in self.emulator.reply_keyboard(self.token, self.id) for label in row]

    async def tap(self, button_text: str) -> dict:
        message = self.emulator.last_message(self.token, self.id)
        data = self.button_data(message, button_text)
        query_id = self.emulator.user_taps(self.token, self.id, message["message_id"], data)
        return await self.emulator.wait_for_callback_answer(self.token, query_id)

    async def double_tap(self, button_text: str) -> list[dict]:
        """Two taps on one button of the last message, both in flight before the bot answers either; the answers."""
        message = self.emulator.last_message(self.token, self.id)
        data = self.button_data(message, button_text)
        queries = [self.emulator.user_taps(self.token, self.id, message["message_id"], data) for _ in range(2)]
        return [await self.emulator.wait_for_callback_answer(self.token, query_id) for query_id in queries]

    async def tap_late(self, message: dict, button_text: str) -> dict:
        """A tap on a button of `message` as it was shown, arriving after the bot has changed it (a slow network)."""
        data = self.button_data(message, button_text)
        query_id = self.emulator.user_sends_callback_raw(self.token, self.id, message["message_id"], data)
        return await self.emulator.wait_for_callback_answer(self.token, query_id)

    async def tap_raw(self, callback_data: str, chat_id: int | None = None) -> dict:
        """A forged callback: data the user was never shown (under a message in the group `chat_id`)."""
        message = self.emulator.last_message(self.token, chat_id or self.id) or {"message_id": 1}
        query_id = self.emulator.user_sends_callback_raw(
            self.token, self.id, message["message_id"], callback_data, chat_id=chat_id
        )
        return await self.emulator.wait_for_callback_answer(self.token, query_id)

    def last_text(self) -> str:
        return self.emulator.last_message(self.token, self.id)["text"]

    def texts(self) -> list[str]:
        """Every message the bot shows in the chat now, oldest first."""
        return [m.get("text", m.get("caption")) for m in self.emulator.messages(self.token, self.id)]

    def files(self) -> list[dict]:
        """The files and pictures among the bot's messages in the chat now, oldest first, as the person would save
        them: {"kind": "document" | "photo", "file_id", "file_name" (a document's), "caption", "data"}."""
        found = []
        for message in self.emulator.messages(self.token, self.id):
            if document := message.get("document"):
                shown = {"kind": "document", "file_id": document["file_id"], "file_name": document.get("file_name")}
            elif photo := message.get("photo"):
                shown = {"kind": "photo", "file_id": photo[-1]["file_id"], "file_name": None}  # the largest size
            else:
                continue
            data = self.emulator.state(self.token).files[shown["file_id"]].data
            found.append({**shown, "caption": message.get("caption"), "data": data})
        return found

    def buttons(self) -> list[str]:
        """The inline buttons under the bot's last message."""
        rows = (self.emulator.last_message(self.token, self.id).get("reply_markup") or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def bot_username(self) -> str:
        """The username of the bot the person writes to, in their messenger."""
        state = self.emulator.state(self.token)
        return state.me["username"] if in_max(self.emulator) else state.user["username"]

    def links(self) -> list[str]:
        """The addresses the words of the bot's last message link to, in order."""
        entities = self.emulator.last_message(self.token, self.id).get("entities", [])
        return [e["url"] for e in entities if e["type"] == "text_link"]

    @property
    def menus_per_chat(self) -> bool:
        """Telegram keeps each person's own commands and keyboard, and takes them away; MAX has one command list for
        the bot (bot/dispatcher.py) and the menu as buttons under messages, which stay where they were sent."""
        return not in_max(self.emulator)

    def commands(self) -> list[str]:
        return [c["command"] for c in self.emulator.visible_commands(self.token, self.id, self.language_code)]

    @staticmethod
    def button_data(message: dict, text: str) -> str:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if button["text"] == text:
                    return button["callback_data"]
        raise AssertionError(f"no button «{text}» in {rows}")


def plain(text: str) -> str:
    """Babel writes dates with no-break and thin spaces; the tests use plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")


def span(first: date, last: date, with_year: bool = True, locale: str = "ru") -> str:
    """A range of days as the screens write it, in plain spaces. Its dash is CLDR's and changes with Babel's
    releases (2.19 writes «23—28 нояб.» where 2.18 wrote «23–28 нояб.»): the tests check the screen, not CLDR."""
    return plain(format_interval(first, last, "yMMMd" if with_year else "MMMd", locale=locale))


async def open_card(teacher: TelegramUser, slot: str = "⚠️ 2. 5А, Математика", day: str = "") -> None:
    """A teacher opens a lesson's card from /today (of `day`, «23.11», or today)."""
    await teacher.send(f"/today {day}".strip())
    await teacher.tap(slot)


async def type_marks(teacher: TelegramUser, lines: str, work_type: str = "Ответ на уроке") -> None:
    """A teacher opens today's lesson's marks, chooses the work type and types `lines`: a draft, not saved yet."""
    await open_card(teacher)
    await teacher.tap("Оценки")
    await teacher.tap(work_type)
    await teacher.send(lines)


async def open_absence_files(parent: TelegramUser) -> None:
    """A parent starts an absence document for yesterday, illness, no comment: the form waits for files."""
    await parent.press("Пропуски")
    await parent.tap("📎 Отправить справку")
    await parent.tap("Вчера")
    await parent.tap("Болезнь")
    await parent.tap("Пропустить")


@pytest.fixture
def faster_than_a_person(monkeypatch):
    """A scripted walk taps faster than a person can: past bot.dispatcher.FLOOD_LIMIT updates in a second the bot
    drops the rest («Слишком много сообщений подряд»), which a long walk meets when the machine is quick. Listed
    before bot_world, so that the bot starts with the limit lifted."""
    monkeypatch.setattr("bot.dispatcher.FLOOD_LIMIT", 1_000_000)


@pytest.fixture
def school_db(school, session_factory):
    """The school in the test's database (SQLite, then PostgreSQL: tests/conftest.py): (school, sessions)."""
    return school, session_factory


# A broken disk under one table, in each database's own dialect: (create, drop).
_FAILING_INSERTS = {
    "sqlite": (
        ["CREATE TRIGGER broken_disk BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"],
        ["DROP TRIGGER broken_disk"],
    ),
    "postgresql": (
        [
            (
                "CREATE FUNCTION broken_disk() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$"
            ),
            "CREATE TRIGGER broken_disk BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION broken_disk()",
        ],
        ["DROP TRIGGER broken_disk ON {table}", "DROP FUNCTION broken_disk()"],
    ),
}


@asynccontextmanager
async def failing_inserts(sessions, table: str) -> AsyncIterator[None]:
    """Every insert into `table` fails, as on a broken disk, until the block ends."""

    async def run(statements: list[str]) -> None:
        async with sessions() as session:
            for statement in statements:
                await session.execute(text(statement.format(table=table)))
            await session.commit()

    async with sessions() as session:
        create, drop = _FAILING_INSERTS[session.bind.dialect.name]
    await run(create)
    try:
        yield
    finally:
        await run(drop)


class LocalHttpSession(AiohttpSession):
    """aiogram's HTTP session, closed without its quarter-second wait for SSL connections to end: the emulator
    speaks plain HTTP on localhost, and every flow test closes a session (a quarter of a second each)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@asynccontextmanager
async def polling_bot(
    emulator: Emulator,
    sessions,
    clock,
    storage: BaseStorage | None = None,
    *,
    files: FileStore | None = None,
    token: str = TOKEN,
) -> AsyncIterator[None]:
    """The bot polling the emulator until the block ends, as the program runs it (a process's life);
    `files`: the school's file store (a fresh folder by default)."""
    bot = make_bot(emulator, sessions, token=token, session_class=LocalHttpSession)
    bot.session.middleware(SharedLimits())
    dp = create_dispatcher(sessions, clock, storage, files=files or FileStore(Path(tempfile.mkdtemp())))
    if in_max(emulator):
        emulator.tell_when_taps_handled(dp, token)
        bot.session.middleware(AlertsAsAsked(emulator, token))
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
        await bot.session.close()


class AlertsAsAsked(BaseRequestMiddleware):
    """MAX shows a tap's answer as a notification, alert or not: the emulator is told what the bot asked for, so
    that a flow reads `show_alert` as in Telegram (the text is what went over the wire)."""

    def __init__(self, emulator: MaxAPIEmulator, token: str) -> None:
        self.emulator, self.token = emulator, token

    async def __call__(self, make_request, bot, method):
        if isinstance(method, AnswerCallbackQuery):
            self.emulator.callback_asked(self.token, method.callback_query_id, bool(method.show_alert))
        return await make_request(bot, method)


@pytest.fixture
def file_store(tmp_path) -> FileStore:
    """The school's file store, beside the test's database."""
    return FileStore(tmp_path / "files")


@pytest.fixture
def fsm() -> MemoryStorage:
    """The bot's conversations in progress (the drafts), for a test that plays a second process reading them."""
    return MemoryStorage()


@pytest.fixture
async def bot_world(school_db, emulator, clock, file_store, fsm):
    """The school in the test's database, and the bot polling the emulator."""
    async with polling_bot(emulator, school_db[1], clock, fsm, files=file_store):
        yield school_db


async def read_by_another_process(storage: BaseStorage, user: TelegramUser) -> Callable[[], Awaitable[None]]:
    """The user's conversation as kept now, and a function that puts it back as it was: a second process (the
    drafts in Redis) that read it for a second tap before the first tap's save ended it."""
    key = StorageKey(bot_id=bot_id_of(user.emulator), chat_id=user.account_id, user_id=user.account_id)
    state, data = await storage.get_state(key), await storage.get_data(key)

    async def as_it_read_it() -> None:
        await storage.set_state(key, state)
        await storage.set_data(key, data)

    return as_it_read_it


@pytest.fixture
def person(emulator):
    def make(language_code: str = "ru") -> TelegramUser:
        return TelegramUser(emulator, next(_user_ids), language_code)

    return make


async def code_for(sessions, clock, person_id) -> str:
    async with sessions() as session:
        [issued] = await InviteService(session, clock).for_person(system_actor(1), person_id, timedelta(days=7))
    return issued.code


@pytest.fixture
def linked(bot_world, person, clock):
    """`await linked(school.parents["alekseeva_mother"])`: a Telegram user who has linked by code and consent;
    `user=` links one more person to the same Telegram (a teacher who is also a parent)."""
    _school, sessions = bot_world

    async def link(person_id: int, user: TelegramUser | None = None, language_code: str = "ru") -> TelegramUser:
        user = user or person(language_code)
        await user.start(await code_for(sessions, clock, person_id))
        await user.tap("Принимаю" if user.language_code == "ru" else "I accept")
        return user

    return link


def make_bot(emulator: Emulator, sessions=None, *, token: str = TOKEN, session_class=AiohttpSession) -> Bot:
    """The bot of `token` in the emulator's messenger, replying in HTML as in production (bot/runtime.py), so tests
    see the text as the user does; a MAX bot keeps its message ids in the database of `sessions` (in memory
    without)."""
    if in_max(emulator):
        refs = DatabaseRefs(sessions) if sessions is not None else MemoryRefs()
        return create_max_bot(token, api_url=emulator.base_url, refs=refs)
    return Bot(
        token,
        session=session_class(api=emulator.api_server()),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@pytest.fixture
async def start_worker(bot_world, emulator, clock, file_store):
    """Starts the delivery worker (no gathering window: the tests do not wait for one) as the program does, with the
    test's file store; `token`: the bot it sends through."""
    _school, sessions = bot_world
    running: list[tuple[asyncio.Task, Bot]] = []

    def start(token: str = TOKEN) -> PushWorker:
        bot = make_bot(emulator, sessions, token=token)
        worker = PushWorker(bot, sessions, clock, gather=timedelta(0), poll=0.05, files=file_store)
        running.append((asyncio.create_task(worker.run()), bot))
        return worker

    yield start
    for task, bot in running:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()


async def mark_given_before(bot_world, clock, student: str, value: int) -> None:
    """Math in 5А, today's lesson 2: `student` (a key of `school.students`) already has `value` for an answer in
    class, given through the journal before the test's teacher opens the bot."""
    school, sessions = bot_world
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher, view = await open_lesson(journal, school, "math", "math5A", TODAY, 2)
        await journal.add_marks(
            teacher, view.lesson_id, school.work_types["answer"], [(school.students[student], value)]
        )
