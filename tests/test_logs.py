"""The log, as the administrator reads it (journald, `docker logs`): each event on one line with its time, a
traceback kept on its event's line; LOG_FORMAT=json writes one JSON object a line; LOG_LEVEL sets the threshold.
One place sets it up, for `schoolbot run` and every other command."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from bot import cli, logs

ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def root_logger():
    """The root logger as the test found it, put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def failing_event(name: str = "bot.jobs") -> None:
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger(name).exception("the job failed: %s", "reminders")


def test_text_lines_carry_the_time_and_a_traceback_stays_on_its_line(root_logger):
    out = io.StringIO()
    logs.configure("text", "INFO", stream=out)
    logging.getLogger("bot.runtime").info("started, %d schools", 2)
    failing_event()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # two events, two lines
    assert re.fullmatch(rf"{ISO_TIME} INFO bot\.runtime: started, 2 schools", lines[0])
    assert re.match(rf"{ISO_TIME} ERROR bot\.jobs: the job failed: reminders\\nTraceback", lines[1])
    assert "KeyError: 'missing'" in lines[1]


def test_json_lines_have_time_level_logger_message_and_exception(root_logger):
    out = io.StringIO()
    logs.configure("json", "INFO", stream=out)
    logging.getLogger("bot.runtime").info("Бот запущен")
    failing_event()
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(first) == {"time", "level", "logger", "message"}
    assert re.fullmatch(ISO_TIME, first["time"]) and first["level"] == "INFO" and first["logger"] == "bot.runtime"
    assert first["message"] == "Бот запущен"
    assert second["level"] == "ERROR" and second["message"] == "the job failed: reminders"
    assert second["exception"].startswith("Traceback") and "KeyError: 'missing'" in second["exception"]


def test_the_level_filters_and_a_second_setup_replaces_the_first(root_logger):
    out = io.StringIO()
    logs.configure("text", "INFO", stream=out)
    logs.configure("json", "WARNING", stream=out)
    logging.getLogger("bot.jobs").info("not shown")
    logging.getLogger("bot.jobs").warning("shown once")
    assert [json.loads(line)["message"] for line in out.getvalue().splitlines()] == ["shown once"]
    assert sum(isinstance(h, logs._Handler) for h in root_logger.handlers) == 1


def test_the_environment_chooses_when_nothing_is_given_and_nonsense_falls_back(root_logger, monkeypatch):
    out = io.StringIO()
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("LOG_LEVEL", "error")
    logs.configure(stream=out)
    logging.getLogger("x").warning("below the level")
    logging.getLogger("x").error("at the level")
    assert [json.loads(line)["message"] for line in out.getvalue().splitlines()] == ["at the level"]
    monkeypatch.setenv("LOG_FORMAT", "xml")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    logs.configure(stream=out, default_level="INFO")
    assert root_logger.level == logging.INFO
    assert isinstance(
        next(h for h in root_logger.handlers if isinstance(h, logs._Handler)).formatter, logs.TextFormatter
    )


def test_the_command_line_logs_in_the_chosen_format(root_logger, monkeypatch, capsys, tmp_path):
    """A command's warnings go to stderr as JSON when LOG_FORMAT=json (here: `schoolbot migrate` on a new SQLite
    database, with a warning logged by the test's own logger while the command line's logging is set)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/school.db")
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOCALE", "en")
    cli.main(["migrate"])
    logging.getLogger("schoolbot").warning("after the command")
    captured = capsys.readouterr()
    assert "The database is up to date." in captured.out
    records = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    assert records[-1]["message"] == "after the command" and records[-1]["level"] == "WARNING"
    assert root_logger.level == logging.WARNING  # the other commands' default; `run` logs from INFO


def test_run_logs_from_info_unless_log_level_says_otherwise(root_logger, monkeypatch, tmp_path):
    seen = {}

    async def fake_run(args, settings):
        seen["level"] = logging.getLogger().level

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "cmd_run", fake_run)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    cli.main(["run"])
    assert seen["level"] == logging.INFO
    monkeypatch.setenv("LOG_LEVEL", "debug")
    cli.main(["run"])
    assert seen["level"] == logging.DEBUG
