"""Settings from the environment and a .env file (pydantic-settings)."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What Telegram accepts as a webhook's secret token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
SQLITE_PREFIX = "sqlite+aiosqlite:///"
# The path of a WEBHOOK_URL given without one: the bot never serves its root.
DEFAULT_WEBHOOK_PATH = "/webhook"


def token_fault(token: SecretStr | None) -> Literal["missing", "malformed"] | None:
    """What is wrong with BOT_TOKEN, by aiogram's own rule (aiogram.utils.token.validate_token: no whitespace,
    digits, a colon, something after it), checked without importing aiogram."""
    if token is None or not token.get_secret_value():
        return "missing"
    bot_id, colon, rest = token.get_secret_value().partition(":")
    if any(c.isspace() for c in rest) or not (colon and bot_id.isascii() and bot_id.isdigit() and rest):
        return "malformed"
    return None


class Settings(BaseSettings):
    # An error in a value must not print it: it may be a token or a secret.
    model_config = SettingsConfigDict(
        env_file=".env", env_nested_delimiter="__", extra="ignore", hide_input_in_errors=True
    )

    # Where the bot's own files are: the SQLite database (school.db), the kept files (files/), the backups
    # (backups/primary, backups/secondary) by default. Every relative path of these settings (DATABASE_URL's SQLite
    # file, FILES_DIR, BACKUP_DIRS) is taken inside it, not in the folder the bot was started from; DATA_DIR itself,
    # when relative, is taken from the folder the bot starts in (`data`, as before it existed).
    data_dir: Path = Path("data")
    # Where the journal is kept: a SQLite file, or a region's PostgreSQL (postgresql+asyncpg://user:password@host/db).
    database_url: str = SQLITE_PREFIX + "school.db"
    # The bot's token from @BotFather (123456789:AAE…).
    bot_token: SecretStr | None = None
    # Several schools' own bots in one process instead: school id → its bot's token, as JSON
    # (SCHOOL_BOTS='{"1": "123:AAA…", "2": "456:BBB…"}'); each bot serves its school only. Not with BOT_TOKEN.
    school_bots: dict[int, SecretStr] = {}
    # The bot's @username, without the @: the invite links (t.me/…?start=code) point at it; unset, asked of
    # Telegram (getMe) with BOT_TOKEN.
    bot_username: str | None = None
    # A local Bot API server (http://host:8081) instead of Telegram's own.
    telegram_api_url: str | None = None
    # The same bot in MAX: the token of a bot registered by the school's organisation on MAX's platform for
    # partners (business.max.ru); with it `schoolbot run` serves MAX too, or MAX alone without BOT_TOKEN.
    max_token: SecretStr | None = None
    # The MAX bot's name as in its link (max.ru/<name>): the invite links for MAX (max.ru/<name>?start=code).
    max_bot_name: str | None = None
    # MAX's Bot API; another address only for a local emulator or if MAX moves it.
    max_api_url: str = "https://platform-api2.max.ru"
    # A PEM file of the certificate authorities MAX's servers chain to (the Russian Trusted Root and Sub CA of the
    # Ministry of Digital Development), trusted beside the system's own; unset, the system's alone.
    max_ca_file: Path | None = None
    # `schoolbot run --webhook` with MAX_TOKEN: MAX posts its updates to this address, which MAX accepts only as
    # https on port 443 (a path of the same proxy as WEBHOOK_URL will do; `/max` when it has none); the bot listens
    # at its path beside Telegram's webhook, and MAX's secret header is checked as Telegram's is.
    max_webhook_url: str | None = None
    # `schoolbot run --webhook`: Telegram posts updates to webhook_url; a reverse proxy passes them on to
    # webhook_host:webhook_port at the same path. Without a secret, one is made at start (shared in Redis by the
    # processes serving one address).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None  # Telegram's secret header: letters, digits, _ and -
    webhook_host: str = "127.0.0.1"  # the address the bot listens on for the proxy (0.0.0.0 in a container)
    webhook_port: int = 8080  # the port the bot listens on for the proxy
    # The language of the command line's messages; the bot speaks each user's own.
    locale: str = "ru"
    # The log's shape: text, one line per event with its time, or json, one object a line (bot/logs.py).
    log_format: Literal["text", "json"] = "text"
    # The least severe level logged (DEBUG, INFO, WARNING, ERROR); by default INFO for `schoolbot run`, WARNING for
    # the other commands.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = None
    # Updates handled at once by `schoolbot run` (polling or webhook); more wait at Telegram. Each may hold a
    # database connection, so about the pool's size (SQLAlchemy's default: 5 + 10 overflow).
    max_updates_in_flight: int = Field(default=15, ge=1)
    # Conversations in progress (an attendance roster, an absence form, an announcement being written):
    # in this process's memory by default, lost when it restarts; with redis://… kept across restarts
    # and shared by the bot's processes.
    redis_url: str | None = None
    # ABS-4, DATA-1: the bytes of absence documents and homework files, by their sha256; by default a folder
    # `files` beside the SQLite database (data/files for PostgreSQL). Backed up with the database.
    files_dir: Path | None = None
    # DATA-1: two copies kept apart.
    backup_dirs: tuple[Path, Path] = (Path("backups/primary"), Path("backups/secondary"))
    # Telegram chat ids of the school's administrators: the bot tells them of an unhandled error, a failed
    # backup, a push backlog and a revoked token (bot/alerts.py), as JSON: ADMIN_CHAT_IDS='[123456789]'.
    admin_chat_ids: list[int] = []
    # With polling, /healthz and /metrics on 127.0.0.1:HEALTH_PORT (0: not served); with --webhook they are
    # served beside the webhook on WEBHOOK_HOST:WEBHOOK_PORT whatever this is.
    health_port: int = Field(default=0, ge=0, le=65535)
    # The address /healthz and /metrics listen on with polling (127.0.0.1: only this machine's monitoring).
    health_host: str = "127.0.0.1"
    # Messages a second per bot token, replies and pushes together: Telegram's limit. Another value only against a
    # Bot API without that limit (the benchmarks' emulator).
    messages_per_second: int = Field(default=30, ge=1)
    # The pushes' delivery worker (bot/pushes/worker.py). On PostgreSQL each process may run one (they claim
    # deliveries with SKIP LOCKED, under leases); on SQLite one process runs it: false in any other.
    run_pushes: bool = True
    # An instant push goes at once when nothing was sent to the person within this many seconds; news that
    # follows a push within them waits for their end and goes as one message, so five marks make two.
    push_gather_seconds: float = 15.0
    # Scheduled jobs (bot/scheduler.py). On PostgreSQL each process may run one: the jobs run in the one that holds
    # the leader's lock (services/leader.py). On SQLite one process runs everything: false in any other.
    run_scheduler: bool = True
    # Reminder times on each school's wall clock (School.timezone), to the second.
    reminder_homework_at: time = time(15, 0)  # J-2: before the 16:00 homework deadline
    reminder_end_of_day_at: time = time(18, 0)  # J-1, J-11, ABS-3, PER-4
    reminder_tomorrow_at: time = time(19, 0)  # tomorrow's homework, the evening before
    weekly_summary_at: time = time(18, 0)  # on Saturdays
    period_forecast_at: time = time(18, 0)  # DIA-4
    reports_at: time = time(8, 0)  # REP-2: the reports due that day, after a period's end or a month
    # The nightly backup (DATA-1) is one per deployment, by this zone's clock.
    backup_at: time = time(2, 0)
    scheduler_timezone: str = "Europe/Moscow"  # the zone of BACKUP_AT, an IANA name

    # The relative paths found where an older setup had them (Settings.inside), for `schoolbot check` to name.
    _legacy_paths: list[str] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._paths_inside_the_data_dir()

    @property
    def legacy_paths(self) -> list[str]:
        return self._legacy_paths

    def _paths_inside_the_data_dir(self) -> None:
        """Relative paths are read inside DATA_DIR, so that the bot finds its data whatever folder it starts in.
        An older setup named them from the folder it started in: a relative path found there but not in DATA_DIR
        is kept (found_relative), with a warning, so that an upgrade never opens a new empty database."""
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.database_url.startswith(SQLITE_PREFIX):
            path, query = self.database_url[len(SQLITE_PREFIX) :].partition("?")[::2]
            if path and path != ":memory:":
                self.database_url = SQLITE_PREFIX + str(self.inside(Path(path))) + (f"?{query}" if query else "")
        if self.files_dir is not None:
            self.files_dir = self.inside(self.files_dir)
        self.backup_dirs = (self.inside(self.backup_dirs[0]), self.inside(self.backup_dirs[1]))

    def inside(self, path: Path) -> Path:
        """`path` as an absolute path: a relative one inside DATA_DIR (or where an older setup has it)."""
        path = path.expanduser()
        if path.is_absolute():
            return path
        wanted, legacy = self.data_dir / path, Path.cwd() / path
        if not wanted.exists() and legacy.exists() and legacy.resolve() != wanted.resolve():
            self._legacy_paths.append(str(path))
            return legacy.resolve()
        return wanted

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database's file, None for PostgreSQL."""
        if not self.database_url.startswith(SQLITE_PREFIX):
            return None
        return Path(self.database_url[len(SQLITE_PREFIX) :].partition("?")[0])

    @field_validator("webhook_url")
    @classmethod
    def _webhook_path_by_default(cls, url: str | None) -> str | None:
        if url is None or urlsplit(url).path:
            return url
        return urlsplit(url)._replace(path=DEFAULT_WEBHOOK_PATH).geturl()

    @field_validator("max_webhook_url")
    @classmethod
    def _max_takes_https_on_443(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost")  # a local MAX emulator (devtools/sandbox/max)
        if not local and (parts.scheme != "https" or parts.port not in (None, 443)):
            raise ValueError("an https:// address on port 443: MAX sends its updates to no other")
        return parts._replace(path=parts.path or "/max").geturl()

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.lower() if value.lower() in ("text", "json") else value.upper() or None

    @field_validator("scheduler_timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone, for example Europe/Moscow") from None
        return zone

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_the_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and not WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
            raise ValueError("1 to 256 characters, each a letter A-Z or a-z, a digit, _ or -")
        return secret

    @property
    def webhook_path(self) -> str:
        """Where the bot listens: the public URL's path, so a proxy passes requests on unchanged."""
        return urlsplit(self.webhook_url).path if self.webhook_url else DEFAULT_WEBHOOK_PATH

    def files_folder(self) -> Path:
        if self.files_dir is not None:
            return self.files_dir
        if (path := self.sqlite_path) is not None:
            return path.parent / "files"
        return self.data_dir / "files"

    def ensure_sqlite_folder(self) -> None:
        """A newcomer's first command must not fail because data/ does not exist yet."""
        if (path := self.sqlite_path) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
