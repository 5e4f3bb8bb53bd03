"""Two schools in one database, end to end: every kind of button the bot makes, taken from the users of school 2
and tapped again by everyone of school 1 — each role, a stranger, a user who logged out and one whose access was
revoked — shows nothing of school 2 and changes nothing in it (ROLE-2: "the whole school" is one's own school;
ACC-1..ACC-4, ACC-8; DIA-2).

The buttons are found, not listed: each user of school 2 opens every command of their menu and taps one button
of each kind it leads to (a kind is the callback data with its numbers left out), and so on down. Every
CallbackData class the bot defines must be among those found, so a new kind of button fails this test until
the walk reaches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import Counter
from datetime import timedelta
from itertools import count

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select, update

import ui.callbacks  # noqa: F401  (the bot's CallbackData classes; the dispatcher imports any others)
from devtools.sandbox import BotAPIEmulator
from services.absences import AbsenceService
from services.access import load_actor, system_actor
from services.correction_changes import ChangeMark
from services.corrections import CorrectionService
from services.db import create_engine, create_session_factory
from services.invites import InviteService
from services.journal import JournalService
from services.models import (
    Base,
    ClassGroup,
    DocumentKind,
    Person,
    PlanTopic,
    School,
    Subject,
    WorkType,
)
from tests.factories import OLD, TODAY, MiniSchool, build_school
from tests.flows.conftest import TOKEN, TelegramUser, polling_bot

_user_ids = count(710_000_001)

# School 2 is built as school 1 is, then given names of its own, so that anything of it on a screen is recognised.
PEOPLE_2 = {  # person key → (last name, first name)
    "math": ("Ежова", "Снежана"),
    "russian": ("Жуков", "Тимофей"),
    "eng1": ("Зимина", "Ульяна"),
    "eng2": ("Игнатов", "Фёдор"),
    "primary": ("Калинина", "Эвелина"),
    "deputy": ("Лаптева", "Юлиана"),
    "admin": ("Мухин", "Ярополк"),
    "alekseev": ("Носов", "Добрыня"),
    "borisova": ("Осипова", "Любава"),
    "vasiliev": ("Пахомов", "Мирон"),
    "grigorieva": ("Рябова", "Василиса"),
    "alekseeva": ("Носова", "Есения"),
    "zaitsev": ("Титов", "Ростислав"),
    "ivanov": ("Уваров", "Святогор"),
    "alekseeva_mother": ("Носова", "Богдана"),
    "borisov_father": ("Осипов", "Радомир"),
}
SUBJECTS_2 = {
    "Математика": "Алгебра",
    "Русский язык": "Риторика",
    "Английский язык": "Немецкий язык",
    "Литературное чтение": "Чистописание",
}
WORK_TYPES_2 = {"Ответ на уроке": "Устный опрос", "Контрольная работа": "Зачётная работа"}
LETTERS_2 = {"А": "Л", "Б": "М"}  # 5А → 5Л, 5Б → 5М, 1А → 1Л
SCHOOL_2 = "Лицей № 2"
TOPIC_2, HOMEWORK_2 = "Лицейская тема", "Лицейское задание"
COMMENT_2, REASON_2 = "Лицейская справка", "Лицейская ошибка"  # a parent's document, a correction request

# What the journal and the accounts are made of; a replay must leave every row of them as it was.
JOURNAL_TABLES = (
    "lessons",
    "marks",
    "absences",
    "absence_documents",
    "attachments",
    "final_marks",
    "correction_requests",
    "audit_log",
    "outbox",
    "notification_settings",
    "persons",
    "students",
    "guardianships",
    "invite_codes",
    "consents",
    "substitutions",
)


# Texts that only school 2's data can put on a screen.
MARKERS_2 = sorted(
    {part for pair in PEOPLE_2.values() for part in pair}
    | {"5Л", "5М", "1Л"}
    | set(SUBJECTS_2.values())
    | set(WORK_TYPES_2.values())
    | {SCHOOL_2, TOPIC_2, HOMEWORK_2, COMMENT_2, REASON_2}
)


# Buttons that end the walker's own access (ACC-7: a consent withdrawn): seen and replayed, never tapped in the walk.
ENDS_ACCESS = ("cwd:confirm:",)


def button_kinds() -> dict[str, str]:
    """prefix → class name of every CallbackData the bot defines (subclasses of subclasses too), once the
    dispatcher has imported every handler module."""
    kinds, todo = {}, list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] not in ("aiogram", "tests"):
            kinds[cls.__prefix__] = f"{cls.__module__}.{cls.__qualname__}"
    return kinds


def kind_of(data: str) -> str:
    """A button's kind: its callback data with the numbers (ids, dates) left out; a lone 0 (none, the list) stays."""
    return re.sub(r"\d+", lambda number: number[0] if number[0] == "0" else "#", data)


async def give_school_2_its_own_names(session, two: MiniSchool) -> None:
    keys = {**two.staff, **two.student_persons, **two.parents}
    for key, (last, first) in PEOPLE_2.items():
        await session.execute(update(Person).where(Person.id == keys[key]).values(last_name=last, first_name=first))
    await session.execute(update(School).where(School.id == two.school_id).values(name=SCHOOL_2))
    for old, new in SUBJECTS_2.items():
        await session.execute(
            update(Subject).where(Subject.school_id == two.school_id, Subject.name == old).values(name=new)
        )
    for old, new in WORK_TYPES_2.items():
        await session.execute(
            update(WorkType).where(WorkType.school_id == two.school_id, WorkType.name == old).values(name=new)
        )
    for old, new in LETTERS_2.items():
        await session.execute(
            update(ClassGroup).where(ClassGroup.school_id == two.school_id, ClassGroup.letter == old).values(letter=new)
        )
    await session.execute(
        update(PlanTopic)
        .where(PlanTopic.assignment_id == two.assignments["math5A"])
        .values(topic=PlanTopic.topic.op("||")(" " + TOPIC_2))
    )
    await session.commit()


async def school_2_at_work(session, clock, two: MiniSchool) -> None:
    """A day of school 2: today's math lesson with an absence, marks and homework; a lesson 15 days old with a
    correction request waiting for the deputy director; a parent's document waiting for the class teacher."""
    journal = JournalService(session, clock)
    math = await load_actor(session, two.staff["math"])
    kid = two.students
    clock.at(OLD)
    old = (await journal.open_lesson(math, two.assignments["math5A"], OLD, 1)).lesson_id
    [old_mark] = await journal.add_marks(math, old, two.work_types["answer"], [(kid["alekseev"], 3)])
    clock.at(TODAY)
    await CorrectionService(session, clock).request(math, old, [ChangeMark(mark_id=old_mark, value=4)], REASON_2)
    lesson = (await journal.open_lesson(math, two.assignments["math5A"], TODAY, 2)).lesson_id
    await journal.save_attendance(math, lesson, [kid["borisova"]])
    await journal.add_marks(math, lesson, two.work_types["test"], [(kid["alekseev"], 5), (kid["vasiliev"], 4)])
    await journal.set_homework(math, lesson, HOMEWORK_2)
    english = await load_actor(session, two.staff["eng1"])  # 2 hours a week: 5 marks make a period mark (PER-4)
    english_lesson = (await journal.open_lesson(english, two.assignments["eng5A1"], TODAY, 3)).lesson_id
    await journal.add_marks(english, english_lesson, two.work_types["answer"], [(kid["alekseev"], 5)] * 5)
    father = await load_actor(session, two.parents["borisov_father"])
    await AbsenceService(session, clock).submit_document(
        father, kid["borisova"], TODAY, TODAY, DocumentKind.FAMILY, COMMENT_2
    )


@pytest.fixture
async def sessions(tmp_path):
    """SQLite only: the checks under test are Python, and the run is long enough on one database."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'schools.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def schools(sessions, clock) -> tuple[MiniSchool, MiniSchool]:
    async with sessions() as session:
        one = await build_school(session)
        two = await build_school(session, "Школа № 8")
        await give_school_2_its_own_names(session, two)
        await school_2_at_work(session, clock, two)
    return one, two


class Visitor(TelegramUser):
    """A user who walks through every button they are shown, and one who taps buttons they were never shown."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int):
        super().__init__(emulator, user_id, "ru")
        self.found: set[str] = set()  # the callback data of every button the bot showed this user

    async def tap(self, button_text: str) -> dict:
        self.found.update(data for _, data in self.inline_buttons())
        return await super().tap(button_text)

    async def do(self, text: str) -> None:
        """Sends a command or a text and waits for the bot's answer (one message or more)."""
        await self.forget_seen()
        self.emulator.user_sends_text(TOKEN, self.id, text, language_code=self.language_code)
        # A command may answer nothing (or only by a callback answer); what came is read anyway.
        with contextlib.suppress(TimeoutError):
            await self.emulator.wait_for_bot_message(TOKEN, self.id)

    async def forget_seen(self) -> None:
        """Skips what the bot sent before, so that `do` waits for the answer to what is sent now."""
        while True:
            try:
                await self.emulator.wait_for_bot_message(TOKEN, self.id, timeout=0)
            except TimeoutError:
                return

    async def tap_data(self, message_id: int, data: str) -> dict:
        query = self.emulator.user_sends_callback_raw(TOKEN, self.id, message_id, data)
        return await self.emulator.wait_for_callback_answer(TOKEN, query)

    def inline_buttons(self) -> list[tuple[int, str]]:
        """(message id, callback data) of every inline button in the chat now."""
        return [
            (m["message_id"], button["callback_data"])
            for m in self.emulator.messages(TOKEN, self.id)
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]

    def menu(self) -> list[str]:
        """The commands of the user's menu, but for leaving (/logout) and the language (kept for the end)."""
        return [f"/{c}" for c in self.commands() if c not in ("logout", "language")]

    async def walk(self, *entries: str) -> set[str]:
        """Each entry (a command, a text), then one tap on each kind of button it leads to, depth first, until no
        new kind shows. Returns the callback data of every button seen."""
        seen = self.found
        seen.update(data for _, data in self.inline_buttons())
        for entry in entries:
            await self.do(entry)
            tapped: set[str] = set()
            todo = [(m, d) for m, d in self.inline_buttons() if d not in seen]
            while todo:
                message_id, data = todo.pop(0)
                seen.add(data)
                if kind_of(data) in tapped or data.startswith(ENDS_ACCESS):
                    continue
                tapped.add(kind_of(data))
                await self.tap_data(message_id, data)
                todo = [(m, d) for m, d in self.inline_buttons() if d not in seen] + todo
        return seen

    async def replay(self, buttons: list[str]) -> dict[str, list[str]]:
        """Taps each button (data the user was never shown), one after another; what of school 2 each showed."""
        found = {}
        for data in buttons:
            seen_before = len(self.shown())
            answer = await self.tap_raw(data)
            shown = json.dumps([answer, *self.shown()[seen_before:]], ensure_ascii=False)
            found[data] = [marker for marker in MARKERS_2 if marker in shown]
        return found

    def shown(self) -> list[dict]:
        """Every message the bot sent to this chat, and every edit of one, in order: texts, captions, buttons."""
        chat = self.emulator.state(TOKEN).chats.get(self.id)
        return chat.events if chat else []


async def link(emulator: BotAPIEmulator, sessions, clock, school_id: int, person_id: int) -> Visitor:
    user = Visitor(emulator, next(_user_ids))
    async with sessions() as session:
        [issued] = await InviteService(session, clock).for_person(system_actor(school_id), person_id, timedelta(days=7))
    await user.do("/start " + issued.code)
    await user.tap("Принимаю")
    return user


async def journal_rows(sessions) -> dict[str, list[tuple]]:
    async with sessions() as session:
        result = {}
        for name in JOURNAL_TABLES:
            table = Base.metadata.tables[name]
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            result[name] = [tuple(row) for row in rows]
        return result


WALKS = {  # who of school 2, and what they do besides their menu's commands
    "parent": ("alekseeva_mother", ("/logout",)),  # last: its «Выйти» leaves; a replayed one names its account
    "student": ("borisova", ()),
    "teacher": ("eng1", ()),
    "class teacher": ("math", ("/today 09.11",)),  # a lesson past the 14 days: changes go as a request (J-10)
    "deputy director": ("deputy", ()),
    "administrator": ("admin", ()),
}
REPLAYERS = ("alekseeva_mother", "borisova", "eng1", "math", "deputy", "admin")  # each role of school 1


async def test_no_button_of_school_2_shows_or_changes_anything_for_anyone_of_school_1(
    schools, sessions, emulator, clock, monkeypatch
):
    one, two = schools
    # These users tap faster than a person can: the flood limit would drop their taps, and a dropped replay
    # would pass for a refused one.
    monkeypatch.setattr("bot.dispatcher.FLOOD_LIMIT", 1_000_000)
    async with polling_bot(emulator, sessions, clock):
        ids_2 = {**two.staff, **two.student_persons, **two.parents}
        walkers = [await link(emulator, sessions, clock, two.school_id, ids_2[key]) for key, _ in WALKS.values()]
        found = await asyncio.gather(
            *(
                user.walk(*user.menu(), *extra, "/language")
                for user, (_, extra) in zip(walkers, WALKS.values(), strict=False)
            )
        )
        captured: dict[str, str] = {}  # callback data → whose button it was
        for role, buttons in zip(WALKS, found, strict=False):
            for data in sorted(buttons):
                captured.setdefault(data, role)
        shown_in_school_2 = "".join(json.dumps(user.shown(), ensure_ascii=False) for user in walkers)
        assert {"Добрыня", "Осипова", "Алгебра", "5Л", TOPIC_2} <= {m for m in MARKERS_2 if m in shown_in_school_2}, (
            "school 2's own screens show its names: so would a leak"
        )
        kinds = button_kinds()
        missing = {
            prefix: name for prefix, name in kinds.items() if not any(data.split(":")[0] == prefix for data in captured)
        }
        assert not missing, (
            "no button of these kinds was reached by the walk of school 2's users, so nobody replays them: "
            + ", ".join(f"«{p}» ({n})" for p, n in sorted(missing.items()))
            + "; add the step that shows one to WALKS"
        )
        ids_1 = {**one.staff, **one.student_persons, **one.parents}
        replayers = {key: await link(emulator, sessions, clock, one.school_id, ids_1[key]) for key in REPLAYERS}
        replayers["stranger"] = Visitor(emulator, next(_user_ids))
        await replayers["stranger"].do("/start")
        replayers["logged out"] = await link(emulator, sessions, clock, one.school_id, one.parents["borisov_father"])
        await replayers["logged out"].do("/logout")
        await replayers["logged out"].tap("Выйти")
        replayers["revoked"] = await link(emulator, sessions, clock, one.school_id, one.staff["eng2"])
        async with sessions() as session:
            await InviteService(session, clock).unlink_person(system_actor(one.school_id), one.staff["eng2"])
        for who in ("stranger", "logged out", "revoked"):
            await replayers[who].do("/help")
            assert "попросите код доступа" in replayers[who].last_text(), f"the {who} is let in"

        before = await journal_rows(sessions)
        one_of_each_kind: dict[str, str] = {}
        for data in captured:
            one_of_each_kind.setdefault(kind_of(data), data)
        buttons = sorted(one_of_each_kind.values())
        # Each one taps them in turn; the nine of them at once, as people do.
        seen = await asyncio.gather(*(user.replay(buttons) for user in replayers.values()))
        leaks = [
            f"{who} of school 1 tapped {data} (the {captured[data]}'s of school 2) and saw {found}"
            for who, shown in zip(replayers, seen, strict=False)
            for data, found in shown.items()
            if found
        ]
        replays = len(buttons) * len(replayers)
        after = await journal_rows(sessions)
    assert not leaks, f"{len(leaks)} of {replays} replays showed school 2:\n" + "\n".join(leaks[:30])
    changed = {
        name: (Counter(before[name]) - Counter(after[name]), Counter(after[name]) - Counter(before[name]))
        for name in JOURNAL_TABLES
        if before[name] != after[name]
    }
    assert not changed, f"replays changed school 2's records (gone, new): {changed}"
