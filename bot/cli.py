"""`schoolbot …`: the administrator's command line."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.config import Settings, token_fault
from ui.i18n import N_

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
    logs.configure()  # LOG_FORMAT and LOG_LEVEL from the environment, until the settings are read
    parser = localize(build_parser(), help_locale())
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValueError as err:  # pydantic's errors are; hide_input_in_errors keeps a token out of the message
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    logs.configure(
        settings.log_format, settings.log_level, default_level="INFO" if args.command == "run" else "WARNING"
    )
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
    parser = argparse.ArgumentParser(prog="schoolbot", description=N_("School e-journal and diary bot"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help=N_("one of these; `schoolbot COMMAND --help` tells more")
    )

    sub.add_parser("migrate", help=N_("bring the database up to date")).set_defaults(handler=cmd_migrate)
    p = sub.add_parser("run", help=N_("run the bot (long polling, or a webhook with --webhook)"))
    p.add_argument("--webhook", action="store_true", help=N_("receive updates at WEBHOOK_URL instead of polling"))
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser(
        "template", help=N_("write blank import templates (XLSX and CSV); `template ktp`: of the thematic plan")
    )
    p.add_argument(
        "words",
        nargs="*",
        metavar="ARG",
        help=N_("[ktp] [FOLDER]: `ktp` for the thematic plan; the folder (default: import-template or ktp-template)"),
    )
    p.set_defaults(handler=cmd_template)

    p = sub.add_parser("import", help=N_("import the school from an XLSX workbook or a folder of CSV files"))
    p.add_argument("path", type=Path, help=N_("the workbook (.xlsx) or the folder of CSV files"))
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("import-plan", help=N_("import a thematic plan (КТП) from an XLSX or CSV file"))
    p.add_argument("path", type=Path, help=N_("the plan's file (.xlsx or .csv)"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.add_argument("--replace", action="store_true", help=N_("replace the plans already loaded for the same subjects"))
    p.set_defaults(handler=cmd_import_plan)

    p = sub.add_parser("demo", help=N_("generate a realistic demo school around today's date"))
    p.add_argument("--seed", type=int, default=1, help=N_("the random seed: the same seed makes the same school"))
    p.add_argument("--schools", type=int, default=1, help=N_("how many demo schools"))
    p.add_argument("--today", type=date.fromisoformat, default=None, help=N_("YYYY-MM-DD; default: today"))
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("invite", help=N_("one-time access codes, printed as CSV"))
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--class", dest="class_name", help=N_("a class, e.g. 5А: its students and parents"))
    who.add_argument(
        "--role", choices=["teacher", "deputy", "secretary", "admin"], help=N_("every member of staff with this role")
    )
    who.add_argument("--person", type=int, help=N_("one person's id"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.add_argument("--days", type=int, default=14, help=N_("days until the codes expire"))
    p.add_argument("--only", choices=["students", "parents"], help=N_("with --class: only these"))
    p.set_defaults(handler=cmd_invite)

    p = sub.add_parser("revoke", help=N_("cut a person's access: unlink their Telegram, revoke their codes"))
    p.add_argument("person", type=int, help=N_("the person's id"))
    p.add_argument("--school", help=N_("school name or id"))
    p.set_defaults(handler=cmd_revoke)

    p = sub.add_parser("settings", help=N_("the school's grading policy: show it, or set key=value"))
    p.add_argument("changes", nargs="*", metavar="key=value", help=N_("a setting to change; none: show them all"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.set_defaults(handler=cmd_settings)

    p = sub.add_parser("dismiss", help=N_("a member of staff dismissed: no access from that day, records kept"))
    p.add_argument("person", help=N_("«Фамилия Имя Отчество» as in the staff list, or the person's id"))
    p.add_argument(
        "--on", required=True, type=parse_cli_date, help=N_("the dismissal's date: DD.MM.YYYY or YYYY-MM-DD")
    )
    p.add_argument("--order", default="", help=N_("the director's order number"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.set_defaults(handler=cmd_dismiss)

    p = sub.add_parser("exam", help=N_("the school's exam of a grade in a subject: its marks are set from that day"))
    p.add_argument("--grade", required=True, type=int, help=N_("the grade (parallel), e.g. 9"))
    p.add_argument("--subject", required=True, help=N_("the subject's name as the school has it"))
    p.add_argument("--on", required=True, type=date.fromisoformat, help=N_("the exam's day, YYYY-MM-DD"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.set_defaults(handler=cmd_exam)

    p = sub.add_parser("revise", help=N_("enter a period, year, exam or final mark changed by the director's order"))
    p.add_argument("student", help=N_("the student's full name, or «Фамилия Имя»"))
    p.add_argument("subject", help=N_("the subject's name as the school has it"))
    p.add_argument("kind", choices=["period", "year", "exam", "final"], help=N_("which mark is changed"))
    p.add_argument("value", help=N_("a mark of the scale, or н/а, зач., осв. (n/a, pass, exempt)"))
    p.add_argument("--period", help=N_("a period mark's period, e.g. «1 четверть»"))
    p.add_argument(
        "--year", help=N_("an earlier school year's mark, e.g. «2026/2027» (a debt cleared after promotion)")
    )
    p.add_argument("--order", required=True, help=N_("the order's number"))
    p.add_argument("--order-date", required=True, type=date.fromisoformat, help=N_("the order's date, YYYY-MM-DD"))
    p.add_argument("--reason", required=True, help=N_("why the mark is changed, as the order says"))
    p.add_argument("--school", help=N_("school name or id (when the database holds several)"))
    p.set_defaults(handler=cmd_revise)

    p = sub.add_parser("backup", help=N_("an online backup in two copies, each verified"))
    p.add_argument("--to", nargs="+", type=Path, help=N_("folders (at least two); default: BACKUP_DIRS"))
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser(
        "decide", help=N_("record the pedagogical council's decisions for a class; those recorded before stay")
    )
    p.add_argument("--school", help=N_("school name or id"))
    p.add_argument("--class", dest="class_name", required=True, help=N_("e.g. 5А"))
    p.add_argument("--order", required=True, help=N_("the director's order number"))
    p.add_argument("--date", type=date.fromisoformat, required=True, help=N_("the order's date, YYYY-MM-DD"))
    p.add_argument("--student", help=N_("one student's full name (or its beginning); default: the whole class"))
    p.add_argument(
        "--decision",
        choices=["promoted", "conditional", "repeat", "graduated"],
        help=N_("with --student: the council's decision for that student"),
    )
    p.set_defaults(handler=cmd_decide)

    p = sub.add_parser("new-year", help=N_("make the next school year and move the students by the decisions"))
    p.add_argument("--school", help=N_("school name or id"))
    p.add_argument("--name", required=True, help=N_("e.g. 2027/2028"))
    p.add_argument("--starts", type=date.fromisoformat, required=True, help=N_("YYYY-MM-DD"))
    p.add_argument("--ends", type=date.fromisoformat, required=True, help=N_("YYYY-MM-DD"))
    p.add_argument("--dry-run", action="store_true", help=N_("print what would happen; write nothing"))
    p.add_argument("--promote-rest", action="store_true", help=N_("promote the students without a decision"))
    p.set_defaults(handler=cmd_new_year)

    p = sub.add_parser("sandbox", help=N_("try the bot without Telegram: a demo school and a chat page on 127.0.0.1"))
    p.add_argument("--port", type=int, default=8081, help=N_("the page's and the local Bot API's port (0: any free)"))
    p.add_argument("--host", default="127.0.0.1", help=N_("the address the page listens on"))
    p.add_argument("--data", type=Path, default=None, help=N_("a folder for the database (default: a temporary one)"))
    p.add_argument("--seed", type=int, default=1, help=N_("the demo school's seed"))
    p.set_defaults(handler=cmd_sandbox)

    p = sub.add_parser("fetch-files", help=N_("download into FILES_DIR every recorded file not kept there yet"))
    p.set_defaults(handler=cmd_fetch_files)

    # Operations: is the deployment ready (exit 1 when not), and a backup copy put back (DATA-1).
    sub.add_parser(
        "check", help=N_("check the token, database, migrations, Redis and backup folders; exit 1 on a problem")
    ).set_defaults(handler=cmd_check)
    p = sub.add_parser("restore", help=N_("restore the database from a backup copy, verified first"))
    p.add_argument("copy", type=Path, help=N_("a copy made by `schoolbot backup`: school-….sqlite3 or school-….dump"))
    p.add_argument("--force", action="store_true", help=N_("replace a database that holds data (stop the bot first)"))
    p.set_defaults(handler=cmd_restore)

    from bot.cli_reports import add_report_parser  # its code lives apart; it is loaded when the parser is built

    add_report_parser(sub)
    return parser


# argparse's own words, in the catalogue so that the help speaks LOCALE throughout.
ARGPARSE_WORDS = {
    "usage": N_("usage: "),
    "positionals": N_("positional arguments"),
    "optionals": N_("options"),
    "help": N_("show this help message and exit"),
    "version": N_("show program's version number and exit"),
}


def help_locale() -> str:
    """LOCALE from the environment or .env, read without Settings (which may refuse another setting's value): the
    help speaks the administrator's language even when the settings are wrong."""
    from ui.i18n import DEFAULT_LOCALE, LOCALES

    wanted = next((v for k, v in os.environ.items() if k.upper() == "LOCALE"), None)
    if wanted is None and Path(".env").is_file():
        from dotenv import dotenv_values

        wanted = next((v for k, v in dotenv_values(".env").items() if k.upper() == "LOCALE"), None)
    wanted = (wanted or "").strip().lower()
    return wanted if wanted in LOCALES else DEFAULT_LOCALE


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("schoolbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help with its «usage:» in LOCALE; the epilog's lines kept as they are."""

    def __init__(self, prog: str, *, locale: str, **kwargs) -> None:
        super().__init__(prog, **kwargs)
        self.locale = locale

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        from ui.i18n import gettext

        super().add_usage(usage, actions, groups, prefix or gettext(ARGPARSE_WORDS["usage"], self.locale))


def localize(parser: argparse.ArgumentParser, locale: str) -> argparse.ArgumentParser:
    """Every help text, description and title of the parser and its subcommands' in LOCALE (the catalogues), and the
    settings (each one's environment variable and default) under the main help."""
    from functools import partial

    from ui.i18n import gettext

    def words(text: str | None) -> str | None:
        return gettext(text, locale) if text and text != argparse.SUPPRESS else text

    parsers = [parser]
    for each in parsers:
        each.formatter_class = partial(HelpFormatter, locale=locale)
        each.description = words(each.description)
        each._positionals.title = words(ARGPARSE_WORDS["positionals"])
        each._optionals.title = words(ARGPARSE_WORDS["optionals"])
        for action in each._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = ARGPARSE_WORDS["help"]
            elif isinstance(action, argparse._VersionAction):
                action.help = ARGPARSE_WORDS["version"]
            action.help = words(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = words(choice.help)
                parsers.extend(dict.fromkeys(action.choices.values()))
    parser.epilog = settings_epilog(locale)
    return parser


def settings_epilog(locale: str) -> str:
    from bot.settings_doc import settings
    from ui.i18n import gettext

    rows = [(s.env, '""' if s.default == "" else s.default or "—") for s in settings()]
    width = max(len(env) for env, _ in rows)
    lines = [gettext("Settings, from the environment or .env (see .env.example), with their defaults:", locale)]
    lines += [f"  {env.ljust(width)}  {default}" for env, default in rows]
    return "\n".join(lines)


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


async def cmd_sandbox(args, settings: Settings) -> None:
    """The local Bot API, the bot and a demo school in one process, and a web page to chat as a demo person."""
    from bot.sandbox import SandboxError, run_sandbox

    try:
        await run_sandbox(args.host, args.port, args.data, args.seed)
    except SandboxError as err:
        raise CliError(str(err)) from None


async def cmd_migrate(args, settings: Settings) -> None:
    from ui.i18n import gettext

    engine, _ = await open_database(settings)
    await engine.dispose()
    print(gettext("The database is up to date.", settings.locale))


async def cmd_run(args, settings: Settings) -> None:
    check_token(settings)
    if args.webhook and settings.webhook_url is None and (settings.bot_token or settings.school_bots):
        from ui.i18n import gettext

        raise CliError(
            gettext(
                "Set WEBHOOK_URL, the HTTPS address Telegram sends updates to, in the environment or in .env.",
                settings.locale,
            )
        )
    if args.webhook and settings.max_token is not None and settings.max_webhook_url is None:
        from ui.i18n import gettext

        raise CliError(
            gettext(
                "Set MAX_WEBHOOK_URL too, the HTTPS address on port 443 that MAX sends its updates to, or run without "
                "--webhook.",
                settings.locale,
            )
        )
    # What the bot imports (aiogram's models, SQLAlchemy's, the handlers) it keeps until it stops: the collector's
    # passes over it while it grows find nothing to free and cost a sixth of the start's CPU. Frozen, those objects
    # are left out of every later pass too.
    gc.disable()
    from bot.check import Level, check_max, check_tokens
    from bot.runtime import run_polling, run_webhook

    gc.freeze()
    gc.enable()
    # The token (each of SCHOOL_BOTS) asked of Telegram once: a refused one is said in a sentence, not a traceback;
    # the bot's @name is known from here on (BOT_USERNAME unset).
    for finding in await check_tokens(settings, linger=False) + await check_max(settings):
        if finding.level is Level.PROBLEM:
            raise CliError(finding.text)
    # APScheduler's «Running job …» every 10 minutes is noise; bot/jobs.py logs what each run wrote.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    await (run_webhook if args.webhook else run_polling)(settings)


PLAN_WORDS = ("ktp", "ктп", "plan")


async def cmd_template(args, settings: Settings) -> None:
    """`template [FOLDER]`: the school's workbook; `template ktp [FOLDER]`: the thematic plan's (J-14)."""
    from services.school_import import write_plan_templates, write_templates
    from ui.i18n import gettext

    words = list(args.words)
    plan = bool(words) and words[0].casefold() in PLAN_WORDS
    if plan:
        words.pop(0)
    if len(words) > 1:
        raise CliError(gettext("Name one folder for the templates.", settings.locale))
    folder = Path(words[0]) if words else Path("ktp-template" if plan else "import-template")
    for path in (write_plan_templates if plan else write_templates)(folder):
        print(path)


async def cmd_import(args, settings: Settings) -> None:
    from services.models import utcnow
    from services.school_import import ImportFailed, import_school, read_source
    from services.staff import StaffService
    from ui.i18n import translator

    engine, sessions = await open_database(settings)
    try:
        try:
            tables = read_source(args.path)
            async with sessions() as session:
                report = await import_school(session, tables)
                # ACC-6: a dismissal dated today or earlier in the staff sheet cuts the access at once.
                await StaffService(session, utcnow).apply_due(report.school_id)
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


async def cmd_import_plan(args, settings: Settings) -> None:
    """J-14: a thematic plan (КТП) per teacher, class and subject; all of it or nothing."""
    from services.access import system_actor
    from services.models import utcnow
    from services.plan import PlanService
    from services.school_import import ImportFailed, read_plan
    from ui.errors_text import import_issue_text
    from ui.i18n import translator

    engine, sessions = await open_database(settings)
    try:
        try:
            rows = read_plan(args.path)
            async with sessions() as session:
                school = await find_school(session, args.school, settings.locale)
                report = await PlanService(session, utcnow).import_plan(
                    system_actor(school.id), rows, replace_plans=args.replace
                )
        except ImportFailed as failed:
            raise CliError(import_failure_text(failed, settings.locale)) from None
    finally:
        await engine.dispose()
    _ = translator(settings.locale)
    print(
        _(
            "Thematic plan imported: {created} new, {replaced} replaced, {unchanged} unchanged; {topics} topics written."
        ).format(created=report.created, replaced=report.replaced, unchanged=report.unchanged, topics=report.topics)
    )
    if report.warnings:
        print(_("To move (the plan's date does not fit the calendar or the timetable):"))
        for issue in report.warnings:
            print(import_issue_text(issue, settings.locale))


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

    from bot.check import UsernameUnknown, bot_username
    from services.access import system_actor
    from services.invites import InviteService
    from services.models import Person, Role, utcnow
    from services.safe_cells import csv_row
    from ui.i18n import translator
    from ui.invite_links import InviteLinks
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
    username: str | None = None
    in_telegram = settings.bot_token or settings.school_bots or settings.bot_username or not settings.max_token
    try:
        if in_telegram:  # not when the bot is served in MAX alone
            username = await bot_username(settings, school_id)
    except UsernameUnknown as unknown:
        if unknown.asked:  # Telegram was asked and did not say
            raise CliError(str(unknown)) from None
        # Neither BOT_USERNAME nor a token yet (a first look at the demo): the codes work sent to the bot as they are.
        print(str(unknown), file=sys.stderr)
    _ = translator(settings.locale)
    links = InviteLinks(telegram=username, max=settings.max_bot_name)
    # The link to MAX in a column of its own, there only when the bot is served in MAX (MAX_BOT_NAME).
    in_max = [_("link in MAX")] if links.max else []
    out = csv.writer(sys.stdout)
    out.writerow(csv_row([_("role"), _("full name"), _("class"), _("code"), _("link"), *in_max, _("expires")]))
    for c in codes:
        by_messenger = dict(links.of(c.code))
        out.writerow(
            csv_row(
                [
                    _(ROLE_NAMES[c.role]),
                    c.full_name,
                    c.class_name,
                    c.code,
                    by_messenger.get("Telegram", ""),
                    *([by_messenger["MAX"]] if links.max else []),
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


def parse_cli_date(value: str) -> date:
    from services.school_import.cells import BadValue, parse_date

    try:
        return parse_date(value)
    except BadValue:
        raise argparse.ArgumentTypeError(f"{value!r}: DD.MM.YYYY") from None


async def cmd_settings(args, settings: Settings) -> None:
    """ROLE-2: the administrator reads or sets the school's grading policy; a bad value changes nothing."""
    from services.access import system_actor
    from services.grading_policy import PolicyService

    changes = {}
    for item in args.changes:
        key, sep, value = item.partition("=")
        if not sep:
            from ui.i18n import gettext

            raise CliError(
                gettext(
                    "«{item}»: write a setting as key=value, e.g. marks_needed_one_hour=4.", settings.locale
                ).format(item=item)
            )
        changes[key.strip()] = value
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            service = PolicyService(session)
            admin = system_actor(school.id)
            policy = await service.update(admin, changes) if changes else await service.current(admin)
            name = school.name
    finally:
        await engine.dispose()
    print(policy_text(name, policy, settings.locale))


def policy_text(school: str, policy, locale: str) -> str:
    """Each setting with its value and what it means, in the teacher's words."""
    from services.grading_policy import required_marks
    from ui.final_marks import RESULTS
    from ui.formatting import fraction
    from ui.i18n import gettext, ngettext
    from ui.labels import EXCUSED_ABSENCES

    _ = lambda text: gettext(text, locale)  # noqa: E731
    two = required_marks(policy, 2)
    lines = [
        _("Grading policy of {school}:").format(school=school),
        "  period_round_from = {} — {}".format(
            fraction(policy.round_from, locale),
            _("a period mark is rounded up from this fraction of the average ({average} → {mark}); 0,5 to 0,9").format(
                average=fraction(4 + policy.round_from, locale), mark=5
            ),
        ),
        "  marks_needed_one_hour = {} — {}".format(
            policy.one_hour,
            ngettext(
                "an objective period mark needs at least {count} mark with 1 lesson a week; 3 to 5",
                "an objective period mark needs at least {count} marks with 1 lesson a week; 3 to 5",
                policy.one_hour,
                locale,
            ).format(count=policy.one_hour),
        ),
        "  marks_needed_many_hours = {} — {}".format(
            policy.many_hours,
            ngettext(
                "and at least {count} mark with 3 lessons a week (more lessons, more marks; 2 lessons: {two}); 8 to 10",
                "and at least {count} marks with 3 lessons a week (more lessons, more marks; 2 lessons: {two}); 8 to 10",
                policy.many_hours,
                locale,
            ).format(count=policy.many_hours, two=two),
        ),
        f"  excused_absences = {policy.excused.value} — {_(EXCUSED_ABSENCES[policy.excused])}",
        "  written_works_obligatory = {} — {}".format(
            _("yes") if policy.written_obligatory else _("no"),
            _("every written work a student sat must have a mark")
            if policy.written_obligatory
            else _("written works count like any other mark"),
        ),
        "  final_results = {} — {}".format(
            ", ".join(_(RESULTS[r]) for r in policy.results) or _("none"),
            _("the results without a number a teacher may give for year, exam and final marks"),
        ),
    ]
    return "\n".join(lines)


async def cmd_dismiss(args, settings: Settings) -> None:
    """ACC-6, ROLE-2: a member of staff dismissed from a day; the access ends that day, the records stay."""
    from services.access import system_actor
    from services.models import utcnow
    from services.staff import StaffService
    from ui.i18n import gettext

    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            service = StaffService(session, utcnow)
            admin = system_actor(school.id)
            person_id = await service.find(admin, args.person)
            done = await service.dismiss(admin, person_id, args.on, args.order)
    finally:
        await engine.dispose()
    day = done.dismissed_on.strftime("%d.%m.%Y")
    lines = [
        gettext("{name} is dismissed from {date}.", settings.locale).format(name=done.full_name, date=day)
        if not done.order
        else gettext("{name} is dismissed from {date} (order № {order}).", settings.locale).format(
            name=done.full_name, date=day, order=done.order
        ),
        gettext("The access is cut: Telegram unlinked, codes revoked, staff roles ended.", settings.locale)
        if done.in_force
        else gettext("The access ends on that day; until then nothing changes.", settings.locale),
    ]
    if done.loads:
        lines.append(
            gettext(
                "Classes and subjects that need another teacher: {count}; the journal control lists them.",
                settings.locale,
            ).format(count=done.loads)
        )
    if done.classes:
        lines.append(
            gettext("Classes left without a class teacher: {classes}.", settings.locale).format(
                classes=", ".join(done.classes)
            )
        )
    print("\n".join(lines))


async def cmd_exam(args, settings: Settings) -> None:
    """PER-2: an exam's day recorded from the school's order; the exam marks are set from it."""
    from services.access import system_actor
    from services.final_marks import FinalMarkService
    from services.models import utcnow
    from ui.i18n import gettext

    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            changed = await FinalMarkService(session, utcnow).schedule_exam(
                system_actor(school.id), args.grade, args.subject, args.on
            )
    finally:
        await engine.dispose()
    if changed:
        print(gettext("The exam is recorded: its marks are set from that day.", settings.locale))
    else:
        print(gettext("The exam is so already: nothing changed.", settings.locale))


async def cmd_revise(args, settings: Settings) -> None:
    """PER-5: the administrator enters a revision by order; the same rules as the deputy director's /revise."""
    from services.access import system_actor
    from services.final_marks import Outcome
    from services.grading_policy import RESULT_WORDS
    from services.models import FinalMarkKind, utcnow
    from services.revisions import RevisionService
    from ui.i18n import gettext

    typed = args.value.strip().lower()
    if typed.isdigit():
        outcome = Outcome.mark(int(typed))
    elif typed in RESULT_WORDS:
        outcome = Outcome(RESULT_WORDS[typed])
    else:
        raise CliError(gettext("The value is a mark of the scale, or н/а, зач., осв.", settings.locale))
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            revisions = RevisionService(session, utcnow)
            actor = system_actor(school.id)
            kind = FinalMarkKind(args.kind)
            mark_id = await revisions.find_mark(actor, args.student, args.subject, kind, args.period, args.year)
            revised = await revisions.revise(actor, mark_id, outcome, args.order, args.order_date, args.reason)
    finally:
        await engine.dispose()
    if revised.applied:
        print(gettext("The mark is changed by the order; the family will be told.", settings.locale))
    else:
        print(gettext("The mark is so already: nothing changed.", settings.locale))


async def cmd_backup(args, settings: Settings) -> None:
    from bot.restore import readable_size
    from services.backup import make_backup
    from ui.i18n import gettext

    settings.ensure_sqlite_folder()
    copies = await make_backup(
        settings.database_url, args.to or list(settings.backup_dirs), files=settings.files_folder()
    )
    for copy in copies:
        print(
            gettext("{path}: {size}, {tables} tables, {files} kept files, verified", settings.locale).format(
                path=copy.path, size=readable_size(copy.size, settings.locale), tables=copy.tables, files=copy.files
            )
        )


async def cmd_check(args, settings: Settings) -> None:
    """Each check's line, ✓ or ✗ with the fix; exit status 1 when any is a problem."""
    from bot.check import report, run_checks

    status = report(await run_checks(settings))
    if status:
        raise SystemExit(status)


async def cmd_restore(args, settings: Settings) -> None:
    from bot.restore import restore

    print(await restore(settings, args.copy, force=args.force))


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


async def cmd_decide(args, settings: Settings) -> None:
    """PER-5, DATA-4: the council's decisions for a class by the order, as suggested from the year marks; with
    --student and --decision, that student's alone."""
    from services.access import system_actor
    from services.models import YearDecisionKind, utcnow
    from services.year_end import YearEndService
    from ui.i18n import translator
    from ui.year_end import DECISION_NAMES

    _ = translator(settings.locale)
    if bool(args.student) != bool(args.decision):
        raise CliError(_("Give --student and --decision together."))
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            class_group = await find_class(session, school, args.class_name, settings.locale)
            service = YearEndService(session, utcnow)
            admin = system_actor(school.id)
            changes, only = {}, None
            if args.student:
                sheet = await service.sheet(admin, class_group.id)
                wanted = " ".join(args.student.split()).casefold()
                found = [s for s in sheet.students if s.full_name.casefold().startswith(wanted)]
                if len(found) != 1:
                    listing = "\n".join(f"  {s.full_name}" for s in sheet.students)
                    raise CliError(
                        _("Name one student of {class_name} (full name or its beginning):").format(
                            class_name=sheet.class_name
                        )
                        + "\n"
                        + listing
                    )
                changes, only = {found[0].student_id: YearDecisionKind(args.decision)}, [found[0].student_id]
            sheet = await service.record(admin, class_group.id, args.order, args.date, changes, only=only)
    finally:
        await engine.dispose()
    print(_("{class_name}, {year}: the council's decisions").format(class_name=sheet.class_name, year=sheet.year_name))
    for row in sheet.students:
        decision = _(DECISION_NAMES[row.recorded]) if row.recorded else _("no decision")
        debts = f" ({', '.join(row.recorded_debts)})" if row.recorded_debts else ""
        order = (
            " " + _("order № {number} of {date}").format(number=row.order_number, date=row.order_date.isoformat())
            if row.order_date
            else ""
        )
        print(f"  {row.full_name}: {decision}{debts}{order}")


async def cmd_new_year(args, settings: Settings) -> None:
    """DATA-4, ACC-9: the next year, its classes, and every student moved by the council's decision."""
    from services.access import system_actor
    from services.models import MovementKind, utcnow
    from services.new_year import NewYearService
    from ui.i18n import translator

    _ = translator(settings.locale)
    engine, sessions = await open_database(settings)
    try:
        async with sessions() as session:
            school = await find_school(session, args.school, settings.locale)
            plan = await NewYearService(session, utcnow).start(
                system_actor(school.id),
                args.name,
                args.starts,
                args.ends,
                dry_run=args.dry_run,
                promote_rest=args.promote_rest,
            )
    finally:
        await engine.dispose()
    if plan.exists:
        print(
            _("The year {name} already exists in {school}: nothing was changed.").format(
                name=plan.name, school=school.name
            )
        )
        return
    kinds = {
        MovementKind.PROMOTION: _("promoted"),
        MovementKind.REPEAT: _("left to repeat the year"),
        MovementKind.GRADUATION: _("graduated"),
    }
    lines = [
        _("Dry run: nothing was written.") if args.dry_run else _("The new year is made."),
        _("{name}: {starts} – {ends}, after {source}.").format(
            name=plan.name, starts=plan.starts_on.isoformat(), ends=plan.ends_on.isoformat(), source=plan.source_name
        ),
        _(
            "Study periods: {periods}, holidays: {holidays}, copied from {source} a year on: a draft; import the "
            "new year's real calendar (`schoolbot import`)."
        ).format(periods=plan.periods, holidays=plan.holidays, source=plan.source_name),
        _("Classes: {classes}.").format(classes=", ".join(plan.classes) or "—"),
        _("Promoted: {promoted}; left to repeat the year: {repeat}; graduated: {graduated}.").format(
            promoted=plan.count(MovementKind.PROMOTION),
            repeat=plan.count(MovementKind.REPEAT),
            graduated=plan.count(MovementKind.GRADUATION),
        ),
    ]
    if args.dry_run:
        for move in plan.moves:
            flag = "" if move.decided else " " + _("(no decision)")
            lines.append(f"  {move.full_name}: {move.from_class} → {move.to_class or '—'}, {kinds[move.kind]}{flag}")
    if plan.missing and args.promote_rest:
        lines.append(
            _("Moved by --promote-rest, without the council's decision: students of {classes}.").format(
                classes=", ".join(plan.missing)
            )
        )
    elif plan.missing:
        lines.append(
            _("Without the council's decision: students of {classes}.").format(classes=", ".join(plan.missing))
        )
        if args.dry_run and not args.promote_rest:
            lines.append(
                _(
                    "The run would be refused: record the decisions (/yearend in the bot, or `schoolbot decide`), "
                    "or add --promote-rest."
                )
            )
    lines.append(
        _(
            "The new year's teaching load and timetable come from the school import (`schoolbot import`). Families' "
            "links, accounts and access codes stay as they are; graduates' access is closed."
        )
    )
    print("\n".join(lines))


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
    if fault is None or (fault == "missing" and settings.max_token is not None):
        return  # MAX_TOKEN alone serves MAX alone
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
    # `python -m bot.cli`: through the module `bot.cli`, so that bot/cli_reports.py raises this module's CliError.
    from bot.cli import main as module_main

    module_main()
