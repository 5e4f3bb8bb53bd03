"""SCHOOL_BOTS (several schools' own bots in one process) as the administrator sets it: parsed from JSON, checked
by `schoolbot run` before aiogram is imported, every fault said in one sentence that never repeats a token."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.config import Settings
from tests.test_cli import run_bot

TOKEN_1, TOKEN_2 = "123456789:AAE-school-one", "987654321:AAE-school-two"


def test_school_bots_are_read_as_json_school_id_to_token(monkeypatch):
    monkeypatch.setenv("SCHOOL_BOTS", json.dumps({"1": TOKEN_1, "2": TOKEN_2}))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    settings = Settings(_env_file=None)
    assert {school: token.get_secret_value() for school, token in settings.school_bots.items()} == {
        1: TOKEN_1,
        2: TOKEN_2,
    }
    assert TOKEN_1 not in repr(settings)
    assert settings.bot_token is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SCHOOL_BOTS": json.dumps({"1": TOKEN_1, "2": "987654321 AAE copied with a space"})},
            "SCHOOL_BOTS: the token of school 2 is not a bot token",
        ),
        (
            {"SCHOOL_BOTS": json.dumps({"1": TOKEN_1}), "BOT_TOKEN": TOKEN_2},
            "Set BOT_TOKEN (one bot for every school) or SCHOOL_BOTS (a bot for each school), not both.",
        ),
        ({"SCHOOL_BOTS": '{"1": "' + TOKEN_1 + '", '}, 'error parsing value for field "school_bots"'),
        ({"SCHOOL_BOTS": json.dumps({"first": TOKEN_1})}, "1 validation error for Settings"),
    ],
    ids=["malformed-token", "both", "not-json", "school-not-an-id"],
)
def test_run_says_what_is_wrong_with_school_bots_without_a_token(tmp_path, env, expected):
    done = run_bot(tmp_path, LOCALE="en", **env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(expected)
    for secret in ("AAE-school-one", "AAE-school-two", "AAE copied"):  # the part of a token after its colon
        assert secret not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was touched


def test_fetch_files_asks_for_the_bot_token_that_received_the_files(monkeypatch, tmp_path, capsys):
    """The files recorded before the store came to the one bot of BOT_TOKEN: SCHOOL_BOTS does not stand for it."""
    monkeypatch.setenv("SCHOOL_BOTS", json.dumps({"1": TOKEN_1}))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("LOCALE", "en")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}")
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    with pytest.raises(SystemExit) as exit_:
        main(["fetch-files"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "Set BOT_TOKEN (from @BotFather) in the environment or in .env.\n"
    assert not (tmp_path / "data").exists()
