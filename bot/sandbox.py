"""`schoolbot sandbox`: the bot, a demo school and the local Bot API in one process, with a web page on 127.0.0.1
where one is any of a few demo people (a parent, a student, a teacher, a class teacher, the deputy director) and
chats with the bot as in Telegram, or as in MAX.

The bot runs as `schoolbot run` runs it with BOT_TOKEN and MAX_TOKEN (bot/runtime.py: one dispatcher, a pushes'
worker per bot, the scheduler), polling the two emulators, on a SQLite file in a fresh folder; the demo school is made
at start. MAX always runs: its emulator and bot add about 0.12 s (imports 0.05 s, the bot with its getMe 0.07 s) to a
start of 7 to 9 s, nearly all of it the demo school. The emulator and its page live in
devtools/, which the wheel leaves out: this command works from a source checkout only, and says so otherwise. The bot
never imports devtools in production; this module loads it by name when the command is run.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import secrets
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from bot.config import Settings

# A well-formed token (digits, a colon, letters), made anew at each start; the emulator takes any such token.
TOKEN_PREFIX = "777000:sandbox-"
FIRST_USER_ID = 900_000_001
FIRST_MAX_USER_ID = 800_000_001  # apart from the Telegram users: the page finds a chat's messenger by its user id


class SandboxError(Exception):
    """The sandbox cannot start: devtools/ (the local Bot API) is not importable (an installed wheel does not carry
    it), or the port is taken. The message says what to do."""


def load_devtools() -> tuple[Any, Any, Any]:
    """(devtools.sandbox, devtools.sandbox.page, devtools.sandbox.max), or SandboxError with the way out. An editable install
    (`pip install -e .`) runs bot/ from the checkout, whose devtools/ sits beside it: that folder is then used."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "devtools" / "sandbox" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        sandbox = importlib.import_module("devtools.sandbox")
        page = importlib.import_module("devtools.sandbox.page")
        max_sandbox = importlib.import_module("devtools.sandbox.max")
    except ModuleNotFoundError as err:
        raise SandboxError(
            "`schoolbot sandbox` needs the project's source checkout: the local Bot API (devtools/) is not in the "
            "installed package. Run it from the checkout's folder after `pip install -e '.[test]'`."
        ) from err
    return sandbox, page, max_sandbox


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    note: str
    person_id: int


async def demo_people(sessions) -> list[DemoPerson]:
    """A class of the demo school's middle grades, and around it: a student, one of their parents, the class
    teacher, a teacher of another subject there, and the deputy director."""
    from services.models import Assignment, ClassGroup, Guardianship, Person, Role, StaffRole, Student, Subject

    async with sessions() as session:
        group = (
            await session.scalars(
                select(ClassGroup)
                .where(ClassGroup.class_teacher_id.is_not(None), ClassGroup.grade.between(5, 9))
                .order_by(ClassGroup.grade, ClassGroup.letter)
                .limit(1)
            )
        ).one()
        class_name = f"{group.grade}{group.letter}"
        student, parent_id = (
            await session.execute(
                select(Student, func.min(Guardianship.parent_id))
                .join(Guardianship, Guardianship.student_id == Student.id)
                .join(Person, Person.id == Student.person_id)
                .where(Student.class_id == group.id)
                .group_by(Student.id, Person.last_name, Person.first_name)
                .order_by(Person.last_name, Person.first_name)
                .limit(1)
            )
        ).one()
        teacher_id, subject = (
            await session.execute(
                select(Assignment.teacher_id, Subject.name)
                .join(Subject, Subject.id == Assignment.subject_id)
                .where(Assignment.class_id == group.id, Assignment.teacher_id != group.class_teacher_id)
                .order_by(Assignment.hours_per_week.desc(), Subject.name)
                .limit(1)
            )
        ).one()
        deputy_id = await session.scalar(select(func.min(StaffRole.person_id)).where(StaffRole.role == Role.DEPUTY))
        ids = {
            "parent": parent_id,
            "student": student.person_id,
            "teacher": teacher_id,
            "class_teacher": group.class_teacher_id,
            "deputy": deputy_id,
        }
        names = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(ids.values())))}
    notes = {
        "parent": f"{class_name}: {student.person.first_name}",
        "student": class_name,
        "teacher": f"{subject}, {class_name}",
        "class_teacher": class_name,
        "deputy": "",
    }
    return [
        DemoPerson(key, f"{names[pid].first_name} {names[pid].last_name}", notes[key], pid)
        for key, pid in ids.items()
        if pid is not None
    ]


async def access_code(sessions, school_id: int, person_id: int) -> str:
    """A fresh one-time code for the person, as `schoolbot invite --person` gives."""
    from services.access import system_actor
    from services.invites import InviteService
    from services.models import utcnow

    async with sessions() as session:
        [issued] = await InviteService(session, utcnow).for_person(
            system_actor(school_id), person_id, timedelta(days=1)
        )
    return issued.code


async def no_quiet_hours(sessions, person_id: int) -> None:
    """The sandbox's people get pushes at any hour: one tries it at night too, when the default quiet hours
    (21:00-08:00) would hold a mark's push until the morning."""
    from services.db import write_transaction
    from services.models import Account, PersonAccount

    # The write lock first (BEGIN IMMEDIATE on SQLite), as the bot's own writes take it: two people linking at once
    # must not meet «database is locked».
    async with sessions() as session, write_transaction(session):
        await session.execute(
            update(Account)
            .where(Account.id.in_(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id)))
            .values(quiet_from=Account.quiet_to)
        )


async def run_sandbox(host: str, port: int, folder: Path | None, seed: int, ready=None) -> None:
    """Until SIGINT or SIGTERM (or `ready`'s caller cancels): the page at http://host:port/. `ready(url)` is called
    once everything runs (tests)."""
    from bot.runtime import bot_and_dispatcher
    from services.db import create_engine, create_session_factory
    from services.demo import generate_demo
    from services.freshness import Freshness
    from services.migrate import upgrade
    from services.models import School

    sandbox, page, max_sandbox = load_devtools()
    stop = _stop_on_signals()  # Ctrl-C while the demo is made stops the start cleanly too
    own_folder = folder is None
    data = Path(tempfile.mkdtemp(prefix="schoolbot-sandbox-")) if folder is None else folder
    data.mkdir(parents=True, exist_ok=True)
    token, max_token = TOKEN_PREFIX + secrets.token_urlsafe(8), "max-sandbox-" + secrets.token_urlsafe(8)
    try:
        emulator = sandbox.BotAPIEmulator(host, port)
        max_emulator = max_sandbox.MaxAPIEmulator(host, 0)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{data / 'school.db'}",
            bot_token=token,
            school_bots={},
            telegram_api_url=None,  # set once the emulator has its port
            max_token=max_token,
            max_bot_name=max_emulator.add_bot(max_token)["username"],
            redis_url=None,
            run_pushes=True,
            run_scheduler=True,
            files_dir=data / "files",
        )
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            sessions = create_session_factory(engine, Freshness(None))
            await generate_demo(sessions, seed=seed)
            school_id = await _first_school(sessions, School)
            found = await demo_people(sessions)
            people = [
                page.Person(p.key, p.key, p.name, p.note, FIRST_USER_ID + n, FIRST_MAX_USER_ID + n)
                for n, p in enumerate(found)
            ]
            ids = {p.key: p.person_id for p in found}

            async def code_for(person) -> str:
                return await access_code(sessions, school_id, ids[person.key])

            async def after_link(person) -> None:
                await no_quiet_hours(sessions, ids[person.key])

            config = page.PageConfig(token, people, code_for, after_link, page.MaxSide(max_emulator, max_token))
            emulator.extra_routes = (page.page_routes(config),)
            if stop.is_set():
                return
            try:
                await emulator.start()
                await max_emulator.start()
            except OSError as err:
                raise SandboxError(
                    f"The sandbox cannot listen on {host}:{port} ({err.strerror}); try --port 0."
                ) from None
            settings.telegram_api_url, settings.max_api_url = emulator.base_url, max_emulator.base_url
            async with bot_and_dispatcher(settings) as (bots, dp):
                max_emulator.tell_when_taps_handled(dp, max_token)
                polling = asyncio.create_task(
                    dp.start_polling(*bots.all(), handle_signals=False, polling_timeout=2), name="polling"
                )
                try:
                    _print_hints(emulator.base_url, token, data, max_emulator.base_url)
                    if ready is not None:
                        ready(emulator.base_url)
                    await stop.wait()
                finally:
                    with contextlib.suppress(RuntimeError):  # polling already ended
                        await dp.stop_polling()
                    await asyncio.wait_for(asyncio.gather(polling, return_exceptions=True), 10)
        finally:
            await emulator.stop()
            await max_emulator.stop()
            await engine.dispose()
    finally:
        if own_folder:
            shutil.rmtree(data, ignore_errors=True)


async def _first_school(sessions, school_model) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.min(school_model.id)))


def _print_hints(base_url: str, token: str, data: Path, max_url: str) -> None:
    hints = importlib.import_module("devtools.sandbox.__main__").hints
    print(f"\nThe sandbox is ready: open {base_url}/ in a browser (Ctrl-C stops it).\n", flush=True)
    print(hints(base_url, token, bot_line=False), flush=True)
    print(f"MAX's API:     {max_url} (the page plays its users too)", flush=True)
    print(f"database:      {data / 'school.db'}", flush=True)


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM; the handlers go when the loop closes."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):  # not the main thread, or Windows
            loop.add_signal_handler(sig, stop.set)
    return stop
