"""Babel catalogues from locales/: Russian by default, English complete.

The .po files are compiled when first used, once for each version of them, so a fresh clone needs no build step.

Handlers speak through aiogram's I18n, whose `_` reads the language the middleware set for the update. Pushes
and the command line run outside any update, so that context is not set: they take a `Translator`, one object
bound to the reader's language, made once per message (ui/pushes/render.py) and handed to each text function.
It is called as `_`, so the catalogue extraction finds its texts: `_("…")`, `_.ngettext(…)`, `_.pgettext(…)`,
and `_.locale` for the dates and numbers.
"""

from __future__ import annotations

import hashlib
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

    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
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
    """The .mo files, for aiogram's I18n and translations(): compiled once for the .po files as they are, into a
    folder of the temporary directory named by their digest, which later starts and other processes reuse (the
    checkout may be read-only). A folder of that name that another user holds is not trusted."""
    digest = hashlib.sha256()
    for locale in LOCALES:
        digest.update(locale.encode() + b"\0" + (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").read_bytes())
    folder = Path(tempfile.gettempdir()) / f"schoolbot-locales-{digest.hexdigest()[:20]}"
    if is_mine(folder):
        return folder
    fresh = Path(tempfile.mkdtemp(prefix="schoolbot-locales-"))
    for locale in LOCALES:
        mo_file(fresh, locale).parent.mkdir(parents=True)
        mo_file(fresh, locale).write_bytes(compiled(locale))
    try:
        fresh.rename(folder)  # whole or not at all: a reader never sees a folder half written
    except OSError:  # another process was first, or the name is someone else's
        if not is_mine(folder):
            return fresh
        shutil.rmtree(fresh, ignore_errors=True)
    return folder


def is_mine(folder: Path) -> bool:
    """The folder and its catalogues are there, this user's and writable by no one else."""
    try:
        info = folder.stat()
    except OSError:
        return False
    owner = getattr(os, "getuid", None)  # not on Windows: never trusted there, compiled at each start as before
    return (
        owner is not None
        and info.st_uid == owner()
        and not info.st_mode & 0o022
        and all(mo_file(folder, locale).is_file() for locale in LOCALES)
    )


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
