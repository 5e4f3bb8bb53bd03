"""Settings from the environment and a .env file (pydantic-settings)."""
from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/school.db"
    bot_token: SecretStr | None = None
    bot_username: str = "school_journal_bot"
    telegram_api_url: str | None = None
    # The language of the command line's messages; the bot speaks each user's own.
    locale: str = "ru"
    # DATA-1: two copies kept apart.
    backup_dirs: tuple[Path, Path] = (Path("backups/primary"), Path("backups/secondary"))

    def ensure_sqlite_folder(self) -> None:
        """A newcomer's first command must not fail because data/ does not exist yet."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            Path(self.database_url[len(prefix):]).parent.mkdir(parents=True, exist_ok=True)
