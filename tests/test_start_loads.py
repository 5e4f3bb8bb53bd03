"""What a start loads stays in the bot's memory for its life (bench/startup.py measures it beside a bare aiogram bot:
at most 1.3 times its memory): redis only with REDIS_URL, alembic only when the database is behind its migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_db import REDIS_URL, redis  # noqa: F401 (a fixture: skips without a server)

ROOT = Path(__file__).resolve().parent.parent

# The bot as `schoolbot run` makes it (the database brought up to date, the bots, the dispatcher, the push worker
# and the scheduler), then which of the optional libraries it has loaded.
START = """
import asyncio, sys
from bot.config import Settings
from bot.runtime import bot_and_dispatcher

async def main():
    settings = Settings(bot_token="123456:TEST-start", telegram_api_url="http://127.0.0.1:9")
    async with bot_and_dispatcher(settings):
        print(sorted({name.split(".")[0] for name in sys.modules} & {"redis", "alembic"}))

asyncio.run(main())
"""


def start(tmp_path: Path, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", START],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.usefixtures("redis")
def test_a_start_loads_alembic_only_for_a_database_behind_and_redis_only_with_redis_url(tmp_path):
    assert start(tmp_path) == "['alembic']"  # a new database: its tables made by the migrations
    assert start(tmp_path) == "[]"  # every later start, until an update brings a migration
    assert start(tmp_path, REDIS_URL=REDIS_URL) == "['redis']"
