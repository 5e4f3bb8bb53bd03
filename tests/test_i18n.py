"""Every user-facing text is translated: Russian (default) and English complete, placeholders intact."""

from __future__ import annotations

import os
import re
import shutil
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


def copy_of_locales(monkeypatch, tmp_path: Path) -> Path:
    """The catalogues' .po files in a folder of the test's own, where ui.i18n looks for them."""
    import ui.i18n

    folder = tmp_path / "locales"
    for locale in LOCALES:
        (folder / locale / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", folder / locale / "LC_MESSAGES")
    monkeypatch.setattr(ui.i18n, "LOCALES_DIR", folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return folder


def test_catalogues_are_compiled_beside_the_po_files_once_and_again_when_one_changes(monkeypatch, tmp_path):
    """Every start finds the .mo files the first compiled (one folder, nothing in the temporary directory); a .po
    newer than its .mo is compiled again."""
    folder = copy_of_locales(monkeypatch, tmp_path)
    compile_once = compile_catalogues.__wrapped__
    assert compile_once() == folder
    mo = folder / "ru" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(b"kept")  # as if compiled by the first start: the second does not compile again
    assert compile_once() == folder and mo.read_bytes() == b"kept"
    assert list((tmp_path / "tmp").iterdir()) == [] and not (tmp_path / "cache").exists()
    po = folder / "ru" / "LC_MESSAGES" / "messages.po"
    later = mo.stat().st_mtime_ns + 10**9
    os.utime(po, ns=(later, later))
    assert compile_once() == folder and mo.stat().st_size > len(b"kept")
    assert sorted(p.name for p in mo.parent.iterdir()) == ["messages.mo", "messages.po"]  # no partial file left


def test_a_read_only_install_compiles_into_the_users_cache_folder_once(monkeypatch, tmp_path):
    import ui.i18n

    folder = copy_of_locales(monkeypatch, tmp_path)
    monkeypatch.setattr(ui.i18n, "writable", lambda path: path != folder and not path.is_relative_to(folder))
    compile_once = compile_catalogues.__wrapped__
    first = compile_once()
    assert first == tmp_path / "cache" / "schoolbot" / "locales"
    assert compile_once() == first and list((tmp_path / "tmp").iterdir()) == []
    assert (first / "en" / "LC_MESSAGES" / "messages.mo").stat().st_size > 0


def test_where_nothing_is_writable_the_temporary_folder_is_removed_at_exit(monkeypatch, tmp_path):
    import ui.i18n

    copy_of_locales(monkeypatch, tmp_path)
    monkeypatch.setattr(ui.i18n, "writable", lambda path: False)
    at_exit = []
    monkeypatch.setattr(ui.i18n.atexit, "register", lambda *call, **kw: at_exit.append((call, kw)))
    fresh = compile_catalogues.__wrapped__()
    assert fresh.parent == tmp_path / "tmp" and (fresh / "ru" / "LC_MESSAGES" / "messages.mo").is_file()
    for (func, *args), kw in at_exit:
        func(*args, **kw)
    assert list((tmp_path / "tmp").iterdir()) == []
