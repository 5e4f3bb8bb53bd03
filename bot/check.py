"""`schoolbot check`: is this deployment ready to run? One line a check, ✓ or ✗; each problem is one sentence that
says what to do, in LOCALE; a warning (⚠) names a risk that is not an error.

Checked: the token (getMe at TELEGRAM_API_URL or Telegram), the database (which one, its file for SQLite), its
migrations (the database's revision against the newest of the program), Redis where REDIS_URL is set, and the two
backup folders (writable; on different devices where possible). The bot's @name for invite links is asked of
Telegram here too (bot_username()) when BOT_USERNAME is not set.
"""

from __future__ import annotations

import enum
import os
import tempfile
from dataclasses import dataclass

from pydantic import SecretStr

from bot.config import Settings, token_fault
from ui.i18n import translator


class Level(enum.Enum):
    OK = "✓"
    WARNING = "⚠"
    PROBLEM = "✗"


@dataclass(frozen=True)
class Finding:
    level: Level
    text: str

    def line(self) -> str:
        return f"{self.level.value} {self.text}"


class UsernameUnknown(Exception):
    """The bot's @name is not known; the message says what to do. `asked`: Telegram was asked and failed (else
    there was no token to ask with)."""

    def __init__(self, message: str, *, asked: bool) -> None:
        super().__init__(message)
        self.asked = asked


async def ask_telegram(settings: Settings, token: SecretStr, *, linger: bool = True) -> tuple[str | None, str | None]:
    """getMe with `token`: (the bot's username, None) or (None, why it failed, as one sentence); `linger`: as
    BotSession.close."""
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    from bot.runtime import create_bot

    _ = translator(settings.locale)
    where = settings.telegram_api_url or "https://api.telegram.org"
    bot = create_bot(settings, token)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return None, _(
            "Telegram refused the token (getMe at {where}): it is wrong or revoked; take the current one from "
            "@BotFather (/token) and put it into .env."
        ).format(where=where)
    except (TelegramNetworkError, OSError) as err:
        return None, _(
            "Telegram did not answer getMe at {where} ({error}): check the network, or TELEGRAM_API_URL."
        ).format(where=where, error=type(err).__name__)
    except TelegramAPIError as err:
        return None, _("Telegram refused getMe at {where} ({error}): check BOT_TOKEN and TELEGRAM_API_URL.").format(
            where=where, error=err.message
        )
    finally:
        await bot.session.close(linger=linger)  # type: ignore[call-arg]  # create_bot's session is a BotSession
    return me.username, None


async def bot_username(settings: Settings, school_id: int | None = None) -> str:
    """BOT_USERNAME, or else the @name of the bot (BOT_TOKEN, or the school's own of SCHOOL_BOTS) asked of Telegram
    once; remembered in `settings`. UsernameUnknown when it cannot be asked."""
    if settings.bot_username:
        return settings.bot_username
    _ = translator(settings.locale)
    token = settings.school_bots.get(school_id) if school_id is not None else None
    token = token or settings.bot_token
    if token_fault(token) is not None:
        raise UsernameUnknown(
            _(
                "The invite links are left out: set BOT_USERNAME (the bot's @name) or BOT_TOKEN in the environment "
                "or in .env; the codes work sent to the bot as they are."
            ),
            asked=False,
        )
    assert token is not None
    username, failure = await ask_telegram(settings, token)
    if username is None:
        raise UsernameUnknown(
            _("The bot's @name for the invite links is unknown: {failure} Or set BOT_USERNAME.").format(
                failure=failure
            ),
            asked=True,
        )
    if school_id is None or not settings.school_bots:
        settings.bot_username = username
    return username


async def check_max(settings: Settings) -> list[Finding]:
    """With MAX_TOKEN: the certificate file (MAX_CA_FILE) readable as one, and the token asked of MAX (GET /me), which
    also gives the bot's name for the MAX links when MAX_BOT_NAME is unset. Nothing without MAX_TOKEN."""
    if settings.max_token is None:
        return []
    import ssl

    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    from bot.max import MemoryRefs, create_max_bot

    _ = translator(settings.locale)
    if settings.max_ca_file is not None:
        try:
            ssl.create_default_context().load_verify_locations(cafile=str(settings.max_ca_file))
        except (OSError, ssl.SSLError):
            return [
                Finding(
                    Level.PROBLEM,
                    _(
                        "MAX_CA_FILE ({path}) is not a readable PEM file of certificates: download the Russian "
                        "Trusted Root CA again (gosuslugi.ru/crt) or unset MAX_CA_FILE."
                    ).format(path=settings.max_ca_file),
                )
            ]
    where = settings.max_api_url
    bot = create_max_bot(
        settings.max_token.get_secret_value(), api_url=where, ca_file=settings.max_ca_file, refs=MemoryRefs()
    )
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return [
            Finding(
                Level.PROBLEM,
                _(
                    "MAX refused MAX_TOKEN (GET /me at {where}): it is wrong or revoked; take the current one from "
                    "the bot's page on MAX's platform for partners and put it into .env."
                ).format(where=where),
            ),
        ]
    except (TelegramNetworkError, OSError) as err:
        return [
            Finding(
                Level.PROBLEM,
                _(
                    "MAX did not answer at {where} ({error}): check the network, MAX_API_URL, and MAX_CA_FILE if the "
                    "certificate is not trusted."
                ).format(where=where, error=type(err).__name__),
            ),
        ]
    except TelegramAPIError as err:
        return [
            Finding(
                Level.PROBLEM,
                _("MAX refused GET /me at {where} ({error}): check MAX_TOKEN and MAX_API_URL.").format(
                    where=where, error=err.message
                ),
            ),
        ]
    finally:
        await bot.session.close()
    settings.max_bot_name = settings.max_bot_name or me.username
    return [Finding(Level.OK, _("MAX_TOKEN: the bot {name} in MAX.").format(name=me.username or me.id))]


async def run_checks(settings: Settings) -> list[Finding]:
    findings = await check_tokens(settings)
    findings += await check_max(settings)
    findings += await check_database(settings)
    if settings.redis_url:
        findings.append(await check_redis(settings))
    findings += check_backup_folders(settings)
    return findings


async def check_tokens(settings: Settings, *, linger: bool = True) -> list[Finding]:
    """Each token asked of Telegram (getMe); `linger`: as BotSession.close (False where the bot then starts)."""
    _ = translator(settings.locale)
    if settings.school_bots:
        tokens = {
            _("the token of school {school}").format(school=school): t for school, t in settings.school_bots.items()
        }
    elif settings.bot_token is None and settings.max_token is not None:
        tokens = {}  # the bot served in MAX alone (check_max)
    else:
        tokens = {"BOT_TOKEN": settings.bot_token}
    findings = []
    for name, token in tokens.items():
        fault = token_fault(token)
        if fault == "missing":
            findings.append(Finding(Level.PROBLEM, _("Set BOT_TOKEN (from @BotFather) in the environment or in .env.")))
            continue
        if fault == "malformed":
            findings.append(
                Finding(
                    Level.PROBLEM,
                    _(
                        "{name} is not a bot token: @BotFather gives one like 123456789:AAE…, digits, a colon and "
                        "then letters and digits; copy it again into .env."
                    ).format(name=name),
                )
            )
            continue
        assert token is not None
        username, failure = await ask_telegram(settings, token, linger=linger)
        if username is None:
            findings.append(Finding(Level.PROBLEM, f"{name}: {failure}"))
        else:
            findings.append(Finding(Level.OK, _("{name}: the bot @{username}.").format(name=name, username=username)))
            if not settings.bot_username and not settings.school_bots:
                settings.bot_username = username
    return findings


async def check_database(settings: Settings) -> list[Finding]:
    """The database named, reachable, and at the newest migration."""
    from sqlalchemy.engine import make_url

    from services.db import create_engine
    from services.migrate import at_revision, head_revision

    _ = translator(settings.locale)
    path = settings.sqlite_path
    # It works, so a warning: the next start from another folder would not find it.
    findings = [
        Finding(
            Level.WARNING,
            _(
                "{path} is read from the folder the bot was started in, not from DATA_DIR ({data_dir}): move it "
                "into DATA_DIR or write its absolute path in .env."
            ).format(path=legacy, data_dir=settings.data_dir),
        )
        for legacy in settings.legacy_paths
    ]
    if path is not None:
        if not path.is_file():
            findings.append(
                Finding(
                    Level.PROBLEM,
                    _(
                        "The database file {path} does not exist: run `schoolbot migrate` for a new one or "
                        "`schoolbot restore COPY`, or set DATA_DIR or DATABASE_URL to where it is."
                    ).format(path=path),
                )
            )
            return findings
        findings.append(Finding(Level.OK, _("Database: SQLite, the file {path}.").format(path=path)))
    url = make_url(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        try:
            revisions = await at_revision(engine)
        except Exception as err:  # noqa: BLE001 - any failure to connect is reported as one sentence
            findings.append(
                Finding(
                    Level.PROBLEM,
                    _("The database does not answer ({error}): check DATABASE_URL and that its server runs.").format(
                        error=type(err).__name__
                    ),
                )
            )
            return findings
    finally:
        await engine.dispose()
    if path is None:
        findings.append(
            Finding(
                Level.OK, _("Database: PostgreSQL {database} on {host}.").format(database=url.database, host=url.host)
            )
        )
    head = head_revision() or alembic_head()
    if revisions == [head]:
        findings.append(Finding(Level.OK, _("Migrations: current ({revision}).").format(revision=head)))
    elif not revisions:
        findings.append(
            Finding(Level.PROBLEM, _("The database has no tables yet: run `schoolbot migrate` (or `schoolbot run`)."))
        )
    elif set(revisions) <= known_revisions():
        findings.append(
            Finding(
                Level.PROBLEM,
                _(
                    "The database is at migration {revision}, the program needs {head}: run `schoolbot migrate` "
                    "(`schoolbot run` does it too)."
                ).format(revision=", ".join(revisions), head=head),
            )
        )
    else:
        findings.append(
            Finding(
                Level.PROBLEM,
                _(
                    "The database is at migration {revision}, which this program does not know: it was written by "
                    "a newer version; update the program."
                ).format(revision=", ".join(revisions)),
            )
        )
    return findings


def alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    from services.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from services.migrate import alembic_config

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


async def check_redis(settings: Settings) -> Finding:
    from redis.asyncio import Redis

    _ = translator(settings.locale)
    assert settings.redis_url is not None
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        await redis.ping()
    except Exception as err:  # noqa: BLE001 - any failure is reported as one sentence
        return Finding(
            Level.PROBLEM,
            _("Redis does not answer at REDIS_URL ({error}): start it, or correct REDIS_URL.").format(
                error=type(err).__name__
            ),
        )
    finally:
        await redis.aclose()
    return Finding(Level.OK, _("Redis answers."))


def check_backup_folders(settings: Settings) -> list[Finding]:
    """Each folder exists (made when missing, as the backup would) and takes a file; the two are on different
    devices, where possible: a copy on the same disk is lost with it."""
    _ = translator(settings.locale)
    findings, devices = [], []
    for folder in settings.backup_dirs:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".schoolbot-check-"):
                pass
            devices.append(os.stat(folder).st_dev)
        except OSError as err:
            findings.append(
                Finding(
                    Level.PROBLEM,
                    _(
                        "The backup folder {folder} is not writable ({error}): create it and let the bot's user "
                        "write there, or name another in BACKUP_DIRS."
                    ).format(folder=folder, error=err.strerror or type(err).__name__),
                )
            )
            continue
        findings.append(Finding(Level.OK, _("Backup folder {folder}: writable.").format(folder=folder)))
    if len(devices) == 2 and devices[0] == devices[1]:
        findings.append(
            Finding(
                Level.WARNING,
                _(
                    "Both backup folders are on the same device: a failing disk takes both copies; put the second "
                    "on another disk or a mounted share (BACKUP_DIRS)."
                ),
            )
        )
    return findings


def report(findings: list[Finding]) -> int:
    """Prints the findings; the exit status: 1 when any is a problem."""
    for finding in findings:
        print(finding.line())
    return 1 if any(f.level is Level.PROBLEM for f in findings) else 0
