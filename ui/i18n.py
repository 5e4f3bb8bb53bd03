"""Babel catalogues from locales/: Russian by default, English complete.

The .po files are compiled when first used, again only after a .po changes, so a fresh clone needs no build step
(the container's image compiles them at its build).

Handlers speak through aiogram's I18n, whose `_` reads the language the middleware set for the update. Pushes
and the command line run outside any update, so that context is not set: they take a `Translator`, one object
bound to the reader's language, made once per message (ui/pushes/render.py) and handed to each text function.
It is called as `_`, so the catalogue extraction finds its texts: `_("…")`, `_.ngettext(…)`, `_.pgettext(…)`,
and `_.locale` for the dates and numbers.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.support import Translations

from services.locales import LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown, in the reader's language."""
    return message


def NP_(context: str, message: str) -> str:
    """N_ with a context (`-k NP_:1c,2`), for a msgid that means something else elsewhere; shown with pgettext."""
    return message


def compiled(locale: str) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_file(locale).open("rb") as f:
        catalog = read_po(f, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


@cache
def translations(locale: str) -> Translations:
    with mo_file(compile_catalogues(), locale).open("rb") as f:
        return Translations(f, domain=DOMAIN)


def mo_file(folder: Path, locale: str) -> Path:
    return folder / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def compile_catalogues() -> Path:
    """The folder of the .mo files, for aiogram's I18n and translations(), compiled from the .po files only when a
    .po is newer than its .mo: beside the .po files when that folder is writable (a checkout; the container's
    image, compiled at its build), else in the user's cache folder ($XDG_CACHE_HOME/schoolbot/locales, for a
    read-only install). One folder for every start: nothing is left in the temporary directory. Where neither is
    writable, a temporary folder is compiled and removed at exit."""
    for folder in (LOCALES_DIR, cache_folder()):
        if up_to_date(folder):
            return folder
        if writable(folder):
            write_catalogues(folder)
            return folder
    fresh = Path(tempfile.mkdtemp(prefix="schoolbot-locales-"))
    atexit.register(shutil.rmtree, fresh, ignore_errors=True)
    write_catalogues(fresh)
    return fresh


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "schoolbot" / "locales"


def po_file(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def up_to_date(folder: Path) -> bool:
    """Every .mo there, none older than its .po."""
    try:
        return all(mo_file(folder, loc).stat().st_mtime_ns >= po_file(loc).stat().st_mtime_ns for loc in LOCALES)
    except OSError:
        return False


def writable(folder: Path) -> bool:
    """The folder, or the nearest of its parents that exists, may be written by this user."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def write_catalogues(folder: Path) -> None:
    """Each .mo written whole beside a temporary name and renamed over the old one: another process reading it at
    the same moment sees the old file or the new one, never half of one."""
    for locale in LOCALES:
        target = mo_file(folder, locale)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{DOMAIN}-", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as f:
                f.write(compiled(locale))
            os.chmod(partial, 0o644)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def gettext(message: str, locale: str = DEFAULT_LOCALE) -> str:
    return translations(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int, locale: str = DEFAULT_LOCALE) -> str:
    return translations(locale).ngettext(singular, plural, n)


def pgettext(context: str, message: str, locale: str = DEFAULT_LOCALE) -> str:
    return translations(locale).pgettext(context, message)


@dataclass(frozen=True)
class Translator:
    """gettext, ngettext and pgettext bound to one language, for code that speaks outside an update."""

    locale: str

    def __call__(self, message: str) -> str:
        return gettext(message, self.locale)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n, self.locale)

    def pgettext(self, context: str, message: str) -> str:
        return pgettext(context, message, self.locale)


def translator(locale: str) -> Translator:
    """A `_` bound to one language, for code that speaks to one reader (a push, the command line)."""
    return Translator(locale)
