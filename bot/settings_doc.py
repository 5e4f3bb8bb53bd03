"""The settings as an administrator meets them: each one's environment variable, its default as written in the
environment or .env, and its meaning (the comment beside it in bot/config.py). `schoolbot --help` lists them;
`python -m bot.settings_doc` writes the settings' part of .env.example (tests/test_deploy_files.py checks it)."""

from __future__ import annotations

import ast
import inspect
import io
import json
import textwrap
import tokenize
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from pydantic import SecretStr

from bot import config
from bot.config import Settings


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None  # as written in .env; None: not set by default
    meaning: str


def env_value(value: object) -> str | None:
    """A default as the environment gives it (pydantic-settings reads lists and mappings as JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict | tuple | list):
        return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Path):
        return str(value)
    return str(value)


def comments() -> dict[str, str]:
    """Field name → the comment lines right above it in Settings and the comment at its line's end, joined."""
    try:
        source = inspect.getsource(config)
    except OSError:  # installed without its sources: the names and defaults are still known
        return {}
    by_line = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    lines = source.splitlines()
    settings = next(
        node for node in ast.parse(source).body if isinstance(node, ast.ClassDef) and node.name == Settings.__name__
    )
    found = {}
    for node in settings.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name) or node.target.id[0] == "_":
            continue  # a private attribute (_legacy_paths) is no setting
        above, number = [], node.lineno - 1
        while number in by_line and lines[number - 1].lstrip().startswith("#"):
            above.insert(0, by_line[number])
            number -= 1
        parts = above + ([by_line[node.lineno]] if node.lineno in by_line and node.lineno not in above else [])
        found[node.target.id] = " ".join(" ".join(parts).split())
    return found


def settings() -> list[Setting]:
    meanings = comments()
    return [
        Setting(name.upper(), env_value(field.get_default(call_default_factory=True)), meanings.get(name, ""))
        for name, field in Settings.model_fields.items()
    ]


def quoted(value: str) -> str:
    """JSON in single quotes, which python-dotenv, Docker Compose and systemd's EnvironmentFile all take off (systemd
    would take the double quotes inside off otherwise)."""
    return f"'{value}'" if value[:1] in "[{" and value else value


def env_example() -> str:
    """The settings' part of .env.example: each meaning as a comment, then NAME=default; a setting without a default
    is left commented out (an empty value would not mean «unset»)."""
    out = []
    for setting in settings():
        meaning = setting.meaning[:1].upper() + setting.meaning[1:]
        out.append(textwrap.fill(meaning, width=118, initial_indent="# ", subsequent_indent="# ") or "#")
        out.append(f"{setting.env}={quoted(setting.default)}" if setting.default is not None else f"# {setting.env}=")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(env_example(), end="")
