"""`schoolbot sandbox` without the source checkout's devtools/ (an installed wheel leaves it out) says what to do and
exits with status 2, before it makes anything."""

from __future__ import annotations

import pytest

import bot.sandbox
from bot.cli import main


def test_without_devtools_the_command_says_it_needs_the_checkout(monkeypatch, capsys, tmp_path):
    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(bot.sandbox.importlib, "import_module", missing)
    with pytest.raises(SystemExit) as exit_:
        main(["sandbox", "--port", "0", "--data", str(tmp_path)])
    assert exit_.value.code == 2
    assert "source checkout" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no database was made
