"""Babel catalogues from locales/: Russian by default, English complete.

The .po files are compiled in memory when first used, so a fresh clone needs no build step.

Handlers speak through aiogram's I18n, whose `_` reads the language the middleware set for the update. Pushes
and the command line run outside any update, so that context is not set: they take a `Translator`, one object
bound to the reader's language, made once per message (ui/pushes/render.py) and handed to each text function.
It is called as `_`, so the catalogue extraction finds its texts: `_("…")`, `_.ngettext(…)`, `_.pgettext(…)`,
and `_.locale` for the dates and numbers.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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
    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


@cache
def translations(locale: str) -> Translations:
    return Translations(io.BytesIO(compiled(locale)), domain=DOMAIN)


@cache
def compile_catalogues() -> Path:
    """The .mo files, for aiogram's I18n, in a folder of their own (the checkout may be read-only)."""
    folder = Path(tempfile.mkdtemp(prefix="schoolbot-locales-"))
    for locale in LOCALES:
        target = folder / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / f"{DOMAIN}.mo").write_bytes(compiled(locale))
    return folder


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
