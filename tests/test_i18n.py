"""Every user-facing text is translated: Russian (default) and English complete, placeholders intact."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ui.errors_text import ERRORS, error_text
from ui.i18n import LOCALES, LOCALES_DIR, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def messages_in_code() -> set:
    """(context, message) of every text the code marks; the context is None but for NP_ ("work type")."""
    found = set()
    for package in ("bot", "handlers", "ui"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "NP_": ((1, "c"), 2)},
        ):
            found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def catalog(locale: str):
    with open(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def placeholders(text) -> set[str]:
    texts = text if isinstance(text, tuple) else (text,)
    return {name for t in texts for name in PLACEHOLDER.findall(t)}


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_translates_every_message_of_the_code(locale):
    cat = catalog(locale)
    entries = {(m.context, m.id): m for m in cat if m.id}
    missing = [m for m in messages_in_code() if m not in entries]
    assert missing == [], f"run pybabel extract/update (see README): {missing}"
    for msg in entries.values():
        assert not msg.fuzzy, msg.id
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        assert all(strings), f"untranslated in {locale}: {msg.id!r}"
        assert placeholders(msg.string) == placeholders(msg.id), msg.id


def test_catalogues_carry_no_stale_entries():
    in_code = messages_in_code()
    for locale in LOCALES:
        stale = [m.id for m in catalog(locale) if m.id and (m.context, m.id) not in in_code]
        assert stale == [], f"{locale}: {stale}"


def test_english_catalogue_speaks_english():
    """A Russian string slipped into the English catalogue would pass every check above."""
    cyrillic = re.compile("[\u0400-\u04ff]")
    for msg in catalog("en"):
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        if msg.id and not any(cyrillic.search(i) for i in ids):
            assert not any(cyrillic.search(s) for s in strings), msg.id


def test_errors_read_in_the_users_language():
    params = {"value": 7, "min": 2, "max": 5}
    assert error_text("mark.out_of_scale", params, "ru") == "Отметка 7 вне шкалы: от 2 до 5."
    assert error_text("mark.out_of_scale", params, "en") == "A mark of 7 is outside the scale: from 2 to 5."
    assert len(ERRORS) > 50


REFUSAL = re.compile(r'(?:Forbidden|InvalidInput|NotFound|Locked|Conflict)\(\s*"([a-z_]+\.[a-z_.]+)"')


def test_every_refusal_the_services_raise_has_a_sentence():
    """A refusal's code without a sentence reaches the user as «The request was refused (final.not_yet)»."""
    raised = set()
    for path in (ROOT / "services").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        raised |= set(REFUSAL.findall(source))
    assert len(raised) > 100
    assert sorted(raised - set(ERRORS)) == []


RULE_ID = re.compile(r"\b(ROLE|ACC|J|ABS|PER|DIA|REP|DATA)-[0-9]")


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalogue_entry_shows_a_rule_id(locale):
    """Rule ids belong in tests, docstrings and docs; a teacher or a parent reads the school's words."""
    shown = []
    for msg in catalog(locale):
        texts = [t for part in (msg.id, msg.string) for t in (part if isinstance(part, tuple) else (part,))]
        if msg.id and any(RULE_ID.search(t or "") for t in texts):
            shown.append(msg.id)
    assert shown == []


def test_catalogues_are_compiled_once_and_an_open_folder_is_not_trusted(monkeypatch, tmp_path):
    """The .mo files compiled for these .po files are reused by the next start; a folder of that name that others
    may write to is not read (a fresh one is compiled)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    compile_once = compile_catalogues.__wrapped__
    first = compile_once()
    (first / "ru" / "LC_MESSAGES" / "messages.mo").write_bytes(b"")  # a reused folder is not compiled again
    assert compile_once() == first and (first / "ru" / "LC_MESSAGES" / "messages.mo").read_bytes() == b""
    first.chmod(0o777)
    fresh = compile_once()
    assert fresh != first and (fresh / "ru" / "LC_MESSAGES" / "messages.mo").stat().st_size > 0
