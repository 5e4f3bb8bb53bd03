"""The documents a newcomer looks things up in: every rule id cited in the code, the tests or the docs is defined
in docs/regulations.md, and no comment sends the reader to a tracker item they cannot see from the repository."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = ROOT / "docs" / "regulations.md"
PREFIXES = ("ROLE", "ACC", "SUB", "J", "ABS", "PER", "DIA", "REP", "DATA")
_PREFIX = "|".join(PREFIXES)
# «J-9» in prose, «J_9» in a test's name; «J-2..J-4» cites the ids between too.
CITED = re.compile(rf"(?<![A-Za-z0-9])({_PREFIX})[-_](\d+)(?:\.\.\1-(\d+))?(?![0-9])")
DEFINED = re.compile(rf"^- \*\*(({_PREFIX})-\d+)\*\*", re.MULTILINE)
TRACKER = re.compile(r"\b(?:issues?|items?)\s+#?\d+|\bissue item\b", re.IGNORECASE)

PACKAGES = ("bot", "handlers", "ui", "services", "tests", "bench", "devtools", "migrations")
SUFFIXES = {".py", ".md", ".html", ".js", ".txt", ".toml", ".cfg", ".ini"}
TOP_LEVEL_DOCS = ("README.md", "ARCHITECTURE.md")


def project_files() -> list[Path]:
    """The code, tests and docs, without this file (its examples are made up on purpose)."""
    files = [ROOT / name for name in TOP_LEVEL_DOCS if (ROOT / name).exists()]
    files += sorted((ROOT / "docs").glob("*.md"))
    for package in PACKAGES:
        files += sorted(
            p
            for p in (ROOT / package).rglob("*")
            if p.suffix in SUFFIXES and p.is_file() and "__pycache__" not in p.parts
        )
    return [p for p in files if p != Path(__file__).resolve()]


def defined_ids() -> Counter[str]:
    return Counter(match[0] for match in DEFINED.findall(REGULATIONS.read_text(encoding="utf-8")))


def cited_ids(text: str) -> Iterable[tuple[int, str]]:
    """(line number, id) for every rule id the text cites, a range's ids one by one."""
    for number, line in enumerate(text.splitlines(), 1):
        for prefix, first, last in CITED.findall(line):
            for n in range(int(first), int(last or first) + 1):
                yield number, f"{prefix}-{n}"


def undefined_citations(files: Iterable[Path], defined: Iterable[str]) -> list[str]:
    known = set(defined)
    return [
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}: {rule}"
        for path in files
        for number, rule in cited_ids(path.read_text(encoding="utf-8", errors="replace"))
        if rule not in known
    ]


def tracker_references(files: Iterable[Path]) -> list[str]:
    return [
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}: {line.strip()}"
        for path in files
        if path.suffix == ".py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TRACKER.search(line)
    ]


def test_every_rule_is_defined_once_with_where_the_bot_keeps_it():
    defined = defined_ids()
    assert [rule for rule, count in defined.items() if count > 1] == []
    assert {rule.split("-")[0] for rule in defined} == set(PREFIXES)
    text = REGULATIONS.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=- \*\*)", text)
    missing = [DEFINED.match(e)[1] for e in entries if DEFINED.match(e) and "Bot:" not in e]
    assert missing == [], "say where the bot keeps the rule, or «not yet»"


def test_every_cited_rule_id_is_in_the_regulations():
    assert undefined_citations(project_files(), defined_ids()) == []


def test_a_made_up_id_is_reported(tmp_path):
    source = tmp_path / "journal.py"
    source.write_text(
        '"""Marks (J-5..J-8)."""\nLIMIT = 14  # J-9, and J-99 that nobody defined\ndef test_ABS_77(): ...\n',
        encoding="utf-8",
    )
    assert undefined_citations([source], defined_ids()) == [f"{source}:2: J-99", f"{source}:3: ABS-77"]
    assert undefined_citations([source], {"J-5", "J-6", "J-8", "J-9"}) == [
        f"{source}:1: J-7",
        f"{source}:2: J-99",
        f"{source}:3: ABS-77",
    ]


def test_comments_say_what_they_mean_not_which_tracker_item():
    assert tracker_references(project_files()) == []


def test_a_tracker_reference_is_reported(tmp_path):
    source = tmp_path / "reminders.py"
    source.write_text(
        '# the evening reminder (issue 6, item 3)\n# an item that costs 5 coins\n"""Split, not cut (Item 8)."""\n',
        encoding="utf-8",
    )
    assert tracker_references([source]) == [
        f"{source}:1: # the evening reminder (issue 6, item 3)",
        f'{source}:3: """Split, not cut (Item 8)."""',
    ]
