"""The layers point one way: bot → handlers → ui → services (ARCHITECTURE.md draws them). A package imports only
those below it; services/ knows nothing of Telegram and ui/ nothing of the database; the Bot API emulator
(devtools/) is used by tests and benchmarks, never by the bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["bot", "handlers", "ui", "services"]  # each may import those after it, never those before
OUTSIDE = {  # third-party packages a layer may not use
    "handlers": {"sqlalchemy"},
    "ui": {"sqlalchemy"},
    "services": {"aiogram", "aiohttp"},
}


def imported_modules(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Every top-level name each module of `package` imports, at module level or inside a function."""
    found = {}
    for path in (root / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = names
    return found


def forbidden_for(package: str) -> set[str]:
    above = set(LAYERS[: LAYERS.index(package)]) if package in LAYERS else set(LAYERS)
    return above | OUTSIDE.get(package, set()) | {"devtools", "tests", "bench"}


@pytest.mark.parametrize("package", LAYERS)
def test_layers_do_not_import_upwards(package):
    forbidden = forbidden_for(package)
    offenders = {path: names & forbidden for path, names in imported_modules(package).items() if names & forbidden}
    assert offenders == {}


def test_the_emulator_uses_nothing_of_the_bot():
    """devtools/ stands apart: it emulates Telegram's side and must not lean on the bot it tests."""
    offenders = {
        path: names & set(LAYERS) for path, names in imported_modules("devtools").items() if names & set(LAYERS)
    }
    assert offenders == {}


def test_the_wheel_leaves_the_emulator_out():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    include = next(line for line in text.splitlines() if line.startswith("include = "))
    packages = set(ast.literal_eval(include.split("=", 1)[1].strip()))
    assert {f"{name}*" for name in LAYERS} <= packages
    assert not any(name.startswith("devtools") for name in packages)


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule can fail: a services module importing aiogram, or ui importing handlers, is found."""
    for package, line in [("services", "from aiogram import Bot"), ("ui", "from handlers.drafts import SAVED")]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "bad.py").write_text(line + "\n", encoding="utf-8")
    assert imported_modules("services", tmp_path)["services/bad.py"] & forbidden_for("services") == {"aiogram"}
    assert imported_modules("ui", tmp_path)["ui/bad.py"] & forbidden_for("ui") == {"handlers"}


MOST_PARAMETERS = 6  # a handler takes the update, its data, the screen and the services; a view a few values more


def long_signatures(package: str, root: Path = ROOT) -> dict[str, int]:
    """`module:function` → its number of parameters, for those with more than MOST_PARAMETERS."""
    found = {}
    for path in (root / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
                if count > MOST_PARAMETERS:
                    found[f"{path.relative_to(root)}:{node.name}"] = count
    return found


@pytest.mark.parametrize("package", ["handlers", "ui"])
def test_no_parameter_trains(package):
    """Handlers answer through `screen` (ui.screens.Screen), not through bot, chat, user, state and the tap's answer
    passed one by one."""
    assert long_signatures(package) == {}


def test_the_parameter_check_sees_a_train(tmp_path):
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "long.py").write_text(
        "async def on_x(query, data, user, services, state, bot, answer):\n    pass\n", encoding="utf-8"
    )
    assert long_signatures("handlers", tmp_path) == {"handlers/long.py:on_x": 7}
