"""The text people type, as it is kept: one place for every field (topics, homework, reasons, comments,
announcements, imported names) and for text before it is parsed (typed marks, dates).

A NUL byte is refused by PostgreSQL and kept as is by SQLite; a text of zero-width characters looks empty but is
not. Here control characters go (newlines and tabs stay in a text of several lines), and so do the invisible
format characters (zero-width spaces, direction marks, BOM) but for the joiners inside emoji and words; what is
left of invisible characters at the ends is stripped, so an invisible-only text is empty.
"""

from __future__ import annotations

import unicodedata

from services.errors import InvalidInput

_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: they hold emoji sequences and some scripts' words together
_FILLERS = "\u115f\u1160\u2800\u3164\uffa0"  # letters and symbols that show nothing: Hangul fillers, blank braille
_NEWLINES = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n"})


def clean_text(text: str | None, *, one_line: bool = False) -> str:
    """The text as kept: control and format characters removed, invisible ends stripped; "" when nothing shows.
    `one_line`: newlines, tabs and runs of spaces become one space (a topic, a name)."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").translate(_NEWLINES))
    text = "".join(ch for ch in text if ch in "\n\t" or ch in _JOINERS or unicodedata.category(ch) not in _DROPPED)
    if one_line:
        text = " ".join(text.split())
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def required_text(text: str | None, empty_code: str, *, one_line: bool = False) -> str:
    """clean_text(), refused with InvalidInput(empty_code) when nothing is left."""
    cleaned = clean_text(text, one_line=one_line)
    if not cleaned:
        raise InvalidInput(empty_code)
    return cleaned


_DROPPED = {"Cc", "Cf", "Cs"}  # control, format, lone surrogates (unassigned ones stay: newer emoji)


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _JOINERS or ch in _FILLERS
