"""Dates, times and numbers in the reader's language (Babel), and long texts cut to Telegram's size."""

from __future__ import annotations

import re
from datetime import date, time

from babel.dates import format_date, format_interval
from babel.numbers import format_decimal

from ui.i18n import gettext, pgettext
from ui.labels import ABSENCE_REASONS, WORK_TYPE_NAMES

MESSAGE_LIMIT = 4000  # MAX's limit for one message's text (Telegram's is 4096): a screen fits both


def day_title(day: date, locale: str) -> str:
    """«Вторник, 24 ноября» / «Tuesday, 24 November»."""
    text = format_date(day, "EEEE, d MMMM", locale=locale)
    return text[:1].upper() + text[1:]


def short_date(day: date, locale: str) -> str:
    """«24 нояб.» / «24 Nov»: a mark's or a document's date in a list."""
    return format_date(day, "d MMM", locale=locale)


def short_iso_date(value: str | None, locale: str) -> str:
    """short_date() of a date kept as an ISO string (a push's payload); «?» if it has none."""
    return short_date(date.fromisoformat(value), locale) if value else "?"


def dates_text(date_from: date, date_to: date, locale: str, with_year: bool = False) -> str:
    """«25–27 нояб.» / «Nov 25 – 27», and «1 дек.» for one day; the year when asked for or when the days cross
    one. Every span of days a reader sees (a document's, a reminder's) is written by this one function."""
    skeleton = "yMMMd" if with_year or date_from.year != date_to.year else "MMMd"
    return format_interval(date_from, date_to, skeleton, locale=locale)


def iso_dates_text(date_from: str | None, date_to: str | None, locale: str) -> str:
    """dates_text() of two dates kept as ISO strings (a push's payload); «?» if one is missing."""
    if not date_from or not date_to:
        return "?"
    return dates_text(date.fromisoformat(date_from), date.fromisoformat(date_to), locale)


def time_span(starts: time | None, ends: time | None) -> str:
    if starts is None:
        return ""
    return f"{starts:%H:%M}–{ends:%H:%M}" if ends else f"{starts:%H:%M}"


def decimal(value: float, locale: str) -> str:
    """An average as people write it: «4,25» in Russian, «4.25» in English."""
    return format_decimal(value, "0.00", locale=locale)


def fraction(value: float, locale: str) -> str:
    """A setting's fraction as a rule says it: «0,5», «4,6»."""
    return format_decimal(value, "0.0#", locale=locale)


def work_type_name(name: str, locale: str) -> str:
    """A work type's name in the reader's language: a standard one translated, a school's own as it is."""
    message = WORK_TYPE_NAMES.get(name)
    return pgettext("work type", message, locale) if message else name


def absence_reason(reason, locale: str) -> str:
    """«по болезни» / "illness": an AbsenceReason, its value, or None (not set yet)."""
    return gettext(ABSENCE_REASONS[getattr(reason, "value", reason) or "none"], locale)


def text_size(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units, so an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cuts a long text into messages at line ends (at blank lines where it can), never mid-word.

    Sizes are counted as Telegram counts them (UTF-16) on the HTML source, which is never shorter than
    what Telegram counts after parsing it. A single line longer than the limit is cut at its last space
    before the limit, never inside an HTML tag or entity (``&amp;``); keep each tag within one line.
    Blank parts are dropped: Telegram refuses an empty message.
    """
    parts: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            parts.append(current)
        current = ""

    def join(piece: str, separator: str) -> bool:
        """Adds `piece` to the current part if it still fits."""
        nonlocal current
        candidate = f"{current}{separator}{piece}" if current else piece
        if text_size(candidate) > limit:
            return False
        current = candidate
        return True

    for block in text.split("\n\n"):
        if join(block, "\n\n"):
            continue
        flush()
        for line in block.split("\n"):
            if join(line, "\n"):
                continue
            flush()
            rest = line
            while text_size(rest) > limit:
                cut = _cut(rest, limit)
                current = rest[:cut].rstrip()
                flush()
                rest = rest[cut:].lstrip()
            current = rest
    flush()
    return parts


_HTML_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def _cut(line: str, limit: int) -> int:
    """Where to cut a line too long for one message: the last space that fits, else as much as fits,
    stepping back out of an HTML entity or tag."""
    fit, size = 0, 0
    for char in line:
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
        fit += 1
    space = line.rfind(" ", 0, fit + 1)
    if space > 0:
        return space
    amp = line.rfind("&", 0, fit)
    entity = _HTML_ENTITY.match(line, amp) if amp > 0 else None
    if entity and entity.end() > fit:
        return amp
    tag = line.rfind("<", 0, fit)
    if tag > line.rfind(">", 0, fit) and tag > 0:
        return tag
    return fit
