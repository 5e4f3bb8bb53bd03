"""`schoolbot …`: the administrator's command line."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, token_fault

if TYPE_CHECKING:
    from services.errors import DomainError
    from services.models import ClassGroup, School

# Only what parsing the command line needs is imported here: each command imports its own, so that
# `schoolbot run` without a usable BOT_TOKEN says so at once, before SQLAlchemy or aiogram are loaded,
# and the bot does not carry the import's, the demo's or the command line's modules.

log = logging.getLogger("schoolbot")

LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXabcehkmoptx", "АВСЕНКМОРТХавсенкмортх")


class CliError(Exception):
    """A message for the administrator; the command exits with status 2."""


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValueError as err:  # pydantic's errors are; hide_input_in_errors keeps a token out of the message
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    from services.errors import DomainError

    try:
        asyncio.run(args.handler(args, settings))
    except BrokenPipeError:  # `schoolbot invite … | head`: the reader has what it wanted
        sys.stderr.close()
    except CliError as err:
        print(str(err), file=sys.stderr)
        raise SystemExit(2) from None
    except DomainError as err:
        print(describe_error(err, settings.locale), file=sys.stderr)
        raise SystemExit(2) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schoolbot", description="School e-journal and diary bot")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="bring the database up to date").set_defaults(handler=cmd_migrate)
    p = sub.add_parser("run", help="run the bot (long polling, or a webhook with --webhook)")
    p.add_argument("--webhook", action="store_true", help="receive updates at WEBHOOK_URL instead of polling")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("template", help="write blank import templates (XLSX and CSV)")
    p.add_argument("folder", nargs="?", default="import-template", type=Path)
    p.set_defaults(handler=cmd_template)

    p = sub.add_parser("import", help="import the school from an XLSX workbook or a folder of CSV files")
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("demo", help="generate a realistic demo school around today's date")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--schools", type=int, default=1)
    p.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD; default: today")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("invite", help="one-time access codes, printed as CSV")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--class", dest="class_name", help="a class, e.g. 5А: its students and parents")
    who.add_argument("--role", choices=["teacher", "deputy", "secretary", "admin"])
    who.add_argument("--person", type=int, help="one person's id")
    p.add_argument("--school", help="school name or id (when the database holds several)")
    p.add_argument("--days", type=int, default=14, help="days until the codes expire")
    p.add_argument("--only", choices=["students", "parents"], help="with --class: only these")
    p.set_defaults(handler=cmd_invite)

    p = sub.add_parser("revoke", help="cut a person's access: unlink their Telegram, revoke their codes")
    p.add_argument("person", type=int)
    p.add_argument("--school", help="school name or id")
    p.set_defaults(handler=cmd_revoke)

    p = sub.add_parser(
        "revise", help="enter a period, year, exam or final mark changed by the director's order (PER-5)"
    )
    p.add_argument("student", help="the student's full name, or «Фамилия Имя»")
    p.add_argument("subject", help="the subject's name as the school has it")
    p.add_argument("kind", choices=["period", "year", "exam", "final"])
    p.add_argument("value", help="a mark of the scale, or н/а, зач., осв. (n/a, pass, exempt)")
    p.add_argument("--period", help="a period mark's period, e.g. «1 четверть»")
    p.add_argument("--order", required=True, help="the order's number")
    p.add_argument("--order-date", required=True, type=date.fromisoformat, help="the order's date, YYYY-MM-DD")
    p.add_argument("--reason", required=True)
    p.add_argument("--school", help="school name or id (when the database holds several)")
    p.set_defaults(handler=cmd_revise)

    p = sub.add_parser("backup", help="an online backup in two copies, each verified (DATA-1)")
    p.add_argument("--to", nargs="+", type=Path, help="folders (at least two); default: BACKUP_DIRS")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("fetch-files", help="download into FILES_DIR every recorded file not kept there yet (ABS-4)")
    p.set_defaults(handler=cmd_fetch_files)
    return parser


async def open_database(settings: Settings):
    from services.db import create_engine, create_session_factory
    from services.freshness import Freshness
    from services.migrate import upgrade

    settings.ensure_sqlite_folder()
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    # With Redis, a command's commits reach the bot's processes at once (services/freshness.py), else within
    # BACKSTOP_SECONDS.
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
    return engine, create_session_factory(engine, Freshness(redis))


async def cmd_migrate(args, settings: Settings) -> None:
    from ui.i18n import gettext

    engine, _ = await open_database(settings)
    await engine.dispose()
    print(gettext("The database is up to date.", settings.locale))


async def cmd_run(args, settings: Settings) -> None:
    check_token(settings)
    if args.webhook and settings.webhook_url is None:
        from ui.i18n import gettext

        raise CliError(
            gettext(
                "Set WEBHOOK_URL, the HTTPS address Telegram sends updates to, in the environment or in .env.",
                settings.locale,
            )
        )
    # What the bot imports (aiogram's models, SQLAlchemy's, the handlers) it keeps until it stops: the collector's
    # passes over it while it grows find nothing to free and cost a sixth of the start's CPU. Frozen, those objects
    # are left out of every later pass too.
    gc.disable()
    from bot.runtime import run_polling, run_webhook

    gc.freeze()
    gc.enable()
    logging.getLogger().setLevel(logging.INFO)
    # APScheduler's «Running job …» every 10 minutes is noise; bot/jobs.py logs what each run wrote.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    await (run_webhook if args.webhook else run_polling)(settings)


async def cmd_template(args, settings: Settings) -> None:
    from services.school_import import write_templates

    for path in write_templates(args.folder):
        print(path)


async def cmd_import(args, settings: Settings) -> None:
    from services.school_import import ImportFailed, import_school, read_source
    from ui.i18n import translator

    engine, sessions = await open_database(settings)
    try:
        try:
            tables = read_source(args.path)
            async with sessions() as session:
                report = await import_school(session, tables)
        except ImportFailed as failed:
            raise CliError(import_failure_text(failed, settings.locale)) from None
    finally:
        await engine.dispose()
    _ = translator(settings.locale)
    print(
        _("Import finished: {created} created, {updated} updated, {unchanged} unchanged.").format(
            created=sum(report.created.values()),
            updated=sum(report.updated.values()),
            unchanged=sum(report.unchanged.values()),
        )
    )


async def cmd_demo(args, settings: Settings) -> None:
    from services.demo import generate_demo
    from ui.i18n import gettext

    if args.schools < 1:
        raise CliError(gettext("--schools must be at least 1.", settings.locale))
    engine, sessions = await open_database(settings)
    try:
        summary = await generate_demo(sessions, seed=args.seed, schools=args.schools, today=args.today)
    finally:
        await engine.dispose()
    if not summary.schools:
        print(gettext("The demo schools are already in the database; nothing was added.", settings.locale))
        return
    print(
        gettext(
            "Demo: {schools} schools, {classes} classes, {students} students, {parents} parents, "
            "{teachers} teachers, {lessons} lessons, {marks} marks.",
            settings.locale,
        ).format(**summary.totals)
    )


async def cmd_invite(args, settings: Settings) -> None:
    import csv

    from services.access import system_actor
    from services.invites import InviteService
    from services.models import Person, Role, utcnow
    from services.safe_cells import csv_row
    from ui.i18n import translator
    from ui.labels import ROLE_NAMES

    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            if args.person and not args.school:
                # Person ids are unique across schools: the person names their school, as for `revoke`.
                person = await session.get(Person, args.person)
                school_id = person.school_id if person else 0
            else:
                school_id = (await find_school(session, args.school, settings.locale)).id
            service = InviteService(session, utcnow)
            admin = system_actor(school_id)
            ttl = timedelta(days=args.days)
            if args.class_name:
                school = await find_school(session, args.school, settings.locale)
                class_group = await find_class(session, school, args.class_name, settings.locale)
                codes = await service.for_class(
                    admin, class_group.id, ttl, students=args.only != "parents", parents=args.only != "students"
                )
            elif args.role:
                codes = await service.for_role(admin, Role(args.role), ttl)
            else:
                codes = await service.for_person(admin, args.person, ttl)
    finally:
        await engine.dispose()
    _ = translator(settings.locale)
    out = csv.writer(sys.stdout)
    out.writerow(csv_row([_("role"), _("full name"), _("class"), _("code"), _("link"), _("expires")]))
    for c in codes:
        out.writerow(
            csv_row(
                [
                    _(ROLE_NAMES[c.role]),
                    c.full_name,
                    c.class_name,
                    c.code,
                    f"https://t.me/{settings.bot_username}?start={c.code}",
                    c.expires_at.date().isoformat(),
                ]
            )
        )


async def cmd_revoke(args, settings: Settings) -> None:
    from services.access import system_actor
    from services.invites import InviteService
    from services.models import Person, utcnow
    from ui.i18n import translator

    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            # Person ids are unique across schools: the person names their school; --school only narrows.
            person = await session.get(Person, args.person)
            school_id = person.school_id if person else 0
            if args.school:
                school_id = (await find_school(session, args.school, settings.locale)).id
            unlinked = await InviteService(session, utcnow).unlink_person(system_actor(school_id), args.person)
    finally:
        await engine.dispose()
    _ = translator(settings.locale)
    print(_("Access revoked; Telegram unlinked.") if unlinked else _("Access revoked; no Telegram was linked."))


# What the command line takes for a result without a number.
TYPED_RESULTS = {
    "н/а": "not_attested",
    "на": "not_attested",
    "n/a": "not_attested",
    "зач": "passed",
    "зач.": "passed",
    "pass": "passed",
    "осв": "exempt",
    "осв.": "exempt",
    "exempt": "exempt",
}


async def cmd_revise(args, settings: Settings) -> None:
    """PER-5: the administrator enters a revision by order; the same rules as the deputy director's /revise."""
    from services.access import system_actor
    from services.final_marks import Outcome
    from services.models import FinalMarkKind, FinalResult, utcnow
    from services.revisions import RevisionService
    from ui.i18n import gettext

    typed = args.value.strip().lower()
    if typed.isdigit():
        outcome = Outcome.mark(int(typed))
    elif typed in TYPED_RESULTS:
        outcome = Outcome(FinalResult(TYPED_RESULTS[typed]))
    else:
        raise CliError(gettext("The value is a mark of the scale, or н/а, зач., осв.", settings.locale))
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            revisions = RevisionService(session, utcnow)
            actor = system_actor(school.id)
            kind = FinalMarkKind(args.kind)
            mark_id = await revisions.find_mark(actor, args.student, args.subject, kind, args.period)
            revised = await revisions.revise(actor, mark_id, outcome, args.order, args.order_date, args.reason)
    finally:
        await engine.dispose()
    if revised.applied:
        print(gettext("The mark is changed by the order; the family will be told.", settings.locale))
    else:
        print(gettext("The mark is so already: nothing changed.", settings.locale))


async def cmd_backup(args, settings: Settings) -> None:
    from services.backup import make_backup
    from ui.i18n import gettext

    settings.ensure_sqlite_folder()
    copies = await make_backup(
        settings.database_url, args.to or list(settings.backup_dirs), files=settings.files_folder()
    )
    for copy in copies:
        print(
            gettext("{path}: {size} bytes, {tables} tables, {files} kept files, verified", settings.locale).format(
                path=copy.path, size=copy.size, tables=copy.tables, files=copy.files
            )
        )


async def cmd_fetch_files(args, settings: Settings) -> None:
    """ABS-4, DATA-1: the files recorded by their Telegram file id only, downloaded into the school's store while
    the token still works. Run again, it fetches only what is still missing."""
    from aiogram.exceptions import TelegramAPIError
    from aiohttp import ClientError

    from bot.runtime import create_bot
    from services.files import FileService, FileStore
    from ui.i18n import gettext

    check_token(settings, school_bots=False)  # the files came to the one bot of BOT_TOKEN
    engine, sessions = await open_database(settings)
    bot = create_bot(settings)
    fetched = failed = 0
    try:
        async with sessions() as session:
            files = FileService(session, FileStore(settings.files_folder()))
            for recorded in await files.not_kept():
                try:
                    data = (await bot.download(recorded.telegram_file_id)).read()
                except (TelegramAPIError, ClientError) as err:
                    log.warning("attachment %d not fetched: %s", recorded.attachment_id, err)
                    failed += 1
                    continue
                await files.keep_recorded(recorded.attachment_id, data, bot.id)
                fetched += 1
            kept = await files.kept_count()
    finally:
        await bot.session.close()
        await engine.dispose()
    print(
        gettext(
            "Files fetched: {fetched}; kept in all: {kept}; not fetched (Telegram refused them): {failed}.",
            settings.locale,
        ).format(fetched=fetched, kept=kept, failed=failed)
    )


async def find_school(session, wanted: str | None, locale: str) -> School:
    from sqlalchemy import select

    from services.models import School
    from ui.i18n import gettext

    schools = list((await session.scalars(select(School).order_by(School.id))).all())
    found = [s for s in schools if str(s.id) == wanted or s.name == wanted] if wanted else schools
    if len(found) == 1:
        return found[0]
    if not schools:
        raise CliError(gettext("The database has no school yet: run `schoolbot import` or `schoolbot demo`.", locale))
    listing = "\n".join(f"  {s.id}: {s.name}" for s in schools)
    raise CliError(gettext("Name the school with --school (its name or id):", locale) + "\n" + listing)


async def find_class(session, school: School, name: str, locale: str) -> ClassGroup:
    """«5а», «5A» (Latin) and «5 А» all mean 5А; the class of the current academic year."""
    from sqlalchemy import select

    from services.clock import school_today
    from services.models import AcademicYear, ClassGroup, utcnow
    from ui.i18n import gettext

    cleaned = name.replace(" ", "").translate(LATIN_TO_CYRILLIC).upper()
    grade, letter = cleaned.rstrip("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"), cleaned.lstrip("0123456789")
    today = school_today(utcnow, school)
    if grade.isdigit():
        year_ids = select(AcademicYear.id).where(AcademicYear.school_id == school.id)
        candidates = (
            await session.scalars(
                select(ClassGroup)
                .join(AcademicYear, AcademicYear.id == ClassGroup.year_id)
                .where(ClassGroup.year_id.in_(year_ids), ClassGroup.grade == int(grade), ClassGroup.letter == letter)
                .order_by((AcademicYear.starts_on <= today).desc(), AcademicYear.starts_on.desc())
            )
        ).all()
        if candidates:
            return candidates[0]
    raise CliError(gettext("No class «{name}» in {school}.", locale).format(name=name, school=school.name))


def describe_error(err: DomainError, locale: str) -> str:
    from ui.errors_text import error_text

    return error_text(err.code, err.params, locale)


def check_token(settings: Settings, *, school_bots: bool = True) -> None:
    """A missing or malformed BOT_TOKEN, or a token of SCHOOL_BOTS (where they may stand for it), said in one sentence
    before aiogram is imported (it would raise a traceback from deep inside Bot()); the token is never repeated."""
    from ui.i18n import gettext

    if school_bots and settings.school_bots:
        if settings.bot_token is not None:
            raise CliError(
                gettext(
                    "Set BOT_TOKEN (one bot for every school) or SCHOOL_BOTS (a bot for each school), not both.",
                    settings.locale,
                )
            )
        for school, token in settings.school_bots.items():
            if token_fault(token) is not None:
                raise CliError(
                    gettext(
                        "SCHOOL_BOTS: the token of school {school} is not a bot token: @BotFather gives one like "
                        "123456789:AAE…, digits, a colon and then letters and digits, without spaces; copy it again.",
                        settings.locale,
                    ).format(school=school)
                )
        return
    fault = token_fault(settings.bot_token)
    if fault is None:
        return
    if fault == "missing":
        raise CliError(gettext("Set BOT_TOKEN (from @BotFather) in the environment or in .env.", settings.locale))
    raise CliError(
        gettext(
            "BOT_TOKEN is not a bot token: @BotFather gives one like 123456789:AAE…, digits, a colon and then "
            "letters and digits, without spaces or quotes; copy it again into the environment or .env.",
            settings.locale,
        )
    )


def import_failure_text(failed, locale: str) -> str:
    from ui.errors_text import import_issue_text
    from ui.i18n import ngettext

    count, more = failed.total, failed.total - len(failed.issues)
    lines = [
        ngettext(
            "The import was not done: {count} error. Nothing was written.",
            "The import was not done: {count} errors. Nothing was written.",
            count,
            locale,
        ).format(count=count)
    ]
    lines += [import_issue_text(issue, locale) for issue in failed.issues]
    if more:
        lines.append(
            "  " + ngettext("… and {count} more error.", "… and {count} more errors.", more, locale).format(count=more)
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
