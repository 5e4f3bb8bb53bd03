"""The layers point one way: bot → handlers → services. services/ knows nothing of Telegram."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(("package", "forbidden"), [
    ("services", {"aiogram", "bot", "handlers", "aiohttp"}),
    ("handlers", {"sqlalchemy"}),
])
def test_layers_do_not_import_upwards(package, forbidden):
    offenders = {path: names & forbidden for path, names in imported_modules(package).items() if names & forbidden}
    assert offenders == {}
