"""The administrator's command line explains itself in LOCALE: every subcommand's options have a help text in the
catalogues, `--version` says the installed version, and `schoolbot --help` lists the settings' variables."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib.metadata import version

import pytest

from bot import cli
from bot.config import Settings
from ui.i18n import gettext


def parsers(parser: argparse.ArgumentParser):
    """The parser and each subcommand's, with its name."""
    found = [("schoolbot", parser)]
    for _, each in found:
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):
                found += [(f"schoolbot {name}", sub) for name, sub in action.choices.items()]
    return found


def test_every_option_and_subcommand_has_a_help_text():
    missing = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, parser in parsers(cli.build_parser())
        for action in parser._actions
        if not action.help
    ]
    missing += [
        f"schoolbot {choice.dest}"
        for _, parser in parsers(cli.build_parser())
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
        if not choice.help
    ]
    assert missing == []


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_help_text_is_in_the_catalogue(locale):
    """A help text without a translation would show English in the Russian help (and the other way round)."""
    texts = {
        action.help
        for _, parser in parsers(cli.build_parser())
        for action in [*parser._actions, *(c for a in parser._actions for c in getattr(a, "_choices_actions", []))]
        if action.help and action.help != argparse.SUPPRESS
    }
    texts |= set(cli.ARGPARSE_WORDS.values()) | {"School e-journal and diary bot"}
    untranslated = sorted(t for t in texts if locale == "ru" and gettext(t, locale) == t)
    assert untranslated == []


def help_text(monkeypatch, capsys, argv, locale="ru") -> str:
    monkeypatch.setenv("LOCALE", locale)
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


def test_the_help_speaks_russian_with_locale_ru(monkeypatch, capsys):
    out = help_text(monkeypatch, capsys, ["--help"])
    assert out.startswith("использование: schoolbot")
    assert "Бот электронного журнала и дневника школы" in out
    assert "показать эту справку и выйти" in out and "обновить структуру базы данных" in out
    assert "usage:" not in out and "show this help" not in out and "bring the database" not in out
    sub = help_text(monkeypatch, capsys, ["invite", "--help"])
    assert "через сколько дней коды истекают" in sub and "параметры:" in sub


def test_the_help_speaks_english_with_locale_en(monkeypatch, capsys):
    out = help_text(monkeypatch, capsys, ["run", "--help"], locale="en")
    assert out.startswith("usage: schoolbot run") and "receive updates at WEBHOOK_URL instead of polling" in out


def test_the_help_speaks_locale_even_when_another_setting_is_wrong(monkeypatch, capsys):
    """Settings refuse a bad value (here the time zone) and would stop the program before it could say anything;
    the help reads LOCALE by itself."""
    monkeypatch.setenv("SCHEDULER_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="IANA"):
        Settings()
    assert "использование:" in help_text(monkeypatch, capsys, ["--help"])


def test_an_unknown_locale_falls_back_to_russian(monkeypatch, capsys):
    assert "использование:" in help_text(monkeypatch, capsys, ["--help"], locale="xx")


def test_the_help_lists_every_setting_with_its_default(monkeypatch, capsys):
    out = help_text(monkeypatch, capsys, ["--help"], locale="en")
    listed = out.split("Settings, from the environment or .env (see .env.example), with their defaults:")[1]
    rows = dict(line.split(None, 1) for line in listed.strip().splitlines())
    assert set(rows) == {name.upper() for name in Settings.model_fields}
    assert rows["DATABASE_URL"] == "sqlite+aiosqlite:///school.db"  # inside DATA_DIR
    assert rows["WEBHOOK_PORT"] == "8080" and rows["BACKUP_AT"] == "02:00" and rows["RUN_PUSHES"] == "true"
    assert rows["BOT_TOKEN"] == "—"  # no default: not set


def test_version_prints_the_installed_version(monkeypatch, capsys):
    assert help_text(monkeypatch, capsys, ["--version"]).strip() == f"schoolbot {version('schoolbot')}"


def test_the_installed_command_answers_help_and_version():
    """The console script itself, as an administrator runs it."""
    env = {"LOCALE": "ru", "PATH": "", "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "использование: schoolbot" in out and "LOG_FORMAT" in out
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == f"schoolbot {version('schoolbot')}"
