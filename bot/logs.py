"""The log's shape, set in one place for `schoolbot run` and every other command.

One line per event, with its time (UTC, ISO 8601, to the millisecond): a traceback stays on its record's line, its
line breaks written as `\\n`, so journald, `docker logs` and grep never split an event. LOG_FORMAT=json writes one
JSON object a line instead: time, level, logger, message, and exception when there is one. Only the shape is set
here: what each record says is its caller's (no personal data is added).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-11-24T08:00:00.123Z INFO bot.jobs: …`, a traceback appended on the same line."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message; exception (its traceback) and stack when given."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Handler(logging.StreamHandler):
    """The handler configure() installs, told apart from any other so that a second call replaces it. Without a
    stream of its own it writes to sys.stderr as it is at each record (a test, or a daemon, may replace it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.follows_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self.follows_stderr:
            self.stream = sys.stderr
        super().emit(record)


def configure(
    fmt: str | None = None, level: str | None = None, *, default_level: str = "WARNING", stream: TextIO | None = None
) -> None:
    """The root logger writes to stderr in `fmt` (text or json) from `level` up. Either left out is read from
    LOG_FORMAT / LOG_LEVEL in the environment, so that what runs before the settings load (or when they fail to)
    already logs in the chosen shape; a value not understood falls back to text and `default_level`."""
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    level = (level or os.environ.get("LOG_LEVEL") or default_level).strip().upper()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level if level in LEVELS else default_level)
