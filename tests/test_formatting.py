"""ui/formatting: dates in the reader's language, absence reasons (ABS-2), and long texts split to Telegram's
4,096 characters, never cut off."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from devtools.sandbox.formatting import format_text
from services.models import AbsenceReason
from ui.formatting import (
    MESSAGE_LIMIT,
    absence_reason,
    day_title,
    decimal,
    short_date,
    split_text,
    text_size,
    time_span,
)

TUESDAY = date(2026, 11, 24)


def test_day_title_in_both_languages():
    assert day_title(TUESDAY, "ru") == "Вторник, 24 ноября"
    assert day_title(TUESDAY, "en") == "Tuesday, 24 November"


def test_short_date_and_decimal_follow_the_locale():
    assert short_date(TUESDAY, "ru") == "24 нояб."
    assert short_date(TUESDAY, "en") == "24 Nov"
    assert decimal(4.25, "ru") == "4,25"
    assert decimal(4.25, "en") == "4.25"
    assert decimal(4, "ru") == "4,00"


def test_time_span_of_a_bell():
    assert time_span(time(9), time(9, 45)) == "09:00–09:45"
    assert time_span(time(9), None) == "09:00"
    assert time_span(None, None) == ""


def test_absence_reasons_as_the_regulations_name_them_ABS_2():
    assert absence_reason(AbsenceReason.ILLNESS, "ru") == "по болезни"
    assert absence_reason(AbsenceReason.EXCUSED, "ru") == "уважительная причина"
    assert absence_reason(AbsenceReason.UNEXCUSED, "ru") == "неуважительная причина"
    assert absence_reason(None, "ru") == "причина не указана"
    assert absence_reason("none", "en") == "no reason given"  # the attendance report's key for «не указана»
    assert absence_reason("illness", "en") == "illness"


def words(text: str) -> list[str]:
    return text.split()


def test_a_short_text_is_one_message():
    assert split_text("Дневник\n\n1. Математика") == ["Дневник\n\n1. Математика"]
    assert split_text("") == []


def test_long_text_is_split_at_blank_lines_and_nothing_is_lost():
    blocks = [
        f"<b>День {i}</b>\n" + "\n".join(f"{n}. 09:00–09:45 Математика — каб. {n}" for n in range(1, 9))
        for i in range(40)
    ]
    text = "\n\n".join(blocks)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(text_size(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n\n".join(parts) == text  # cut only between days: joined back, it is the same text
    assert all(p.startswith("<b>День ") for p in parts)


def test_a_block_longer_than_a_message_is_split_at_line_ends():
    text = "\n".join(f"строка {i:04d} " + "х" * 50 for i in range(200))
    parts = split_text(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == text


def test_a_line_longer_than_a_message_is_cut_at_a_space_never_mid_word():
    line = " ".join(f"слово{i}" for i in range(2000))
    parts = split_text(line)
    assert len(parts) >= 2 and all(text_size(p) <= MESSAGE_LIMIT for p in parts)
    assert words(" ".join(parts)) == words(line)


def test_a_word_longer_than_a_message_is_cut_where_it_must_be():
    parts = split_text("x" * 5000)
    assert [len(p) for p in parts] == [MESSAGE_LIMIT, 5000 - MESSAGE_LIMIT]


def test_size_is_counted_as_telegram_counts_it_an_emoji_is_two():
    """Telegram measures in UTF-16 code units: 3,000 emoji are 6,000 of them, two messages."""
    parts = split_text("😀" * 3000)
    assert all(text_size(p) <= MESSAGE_LIMIT for p in parts)
    assert "".join(parts) == "😀" * 3000


def test_a_cut_never_falls_inside_an_html_entity_or_tag():
    escaped = "&amp;" * 1000  # «&» written 1,000 times in a homework, escaped for HTML
    parts = split_text(escaped)
    assert "".join(parts) == escaped
    for part in parts:
        format_text(part, "HTML", None)  # Telegram would refuse a cut entity: this raises on one
        assert re.fullmatch(r"(&amp;)+", part)
    tagged = "<b>" + "я" * (MESSAGE_LIMIT - 2) + "</b>"  # no space in it: cut before the closing tag, not inside it
    assert split_text(tagged)[0] == "<b>" + "я" * (MESSAGE_LIMIT - 3)


def test_the_markup_not_the_text_shown_is_what_fits_maxs_4000_characters():
    """Telegram counts the text shown, MAX the `text` string it is sent, which with HTML is the markup: 3,500 «&»
    are 3,500 characters shown and 17,500 of HTML. Every part is within 4,000 characters of markup (MAX's count
    and Telegram's UTF-16 alike), cut between whole entities, each tag whole on its line."""
    text = "<b>Проверьте объявление</b>\nКому: вся школа\n\n📣 <b>Объявление школы</b>\n\n" + "&amp;" * 3500
    parts = split_text(text)
    assert all(len(p) <= MESSAGE_LIMIT and text_size(p) <= MESSAGE_LIMIT for p in parts)
    assert len(parts) == 6  # the headings, then 17,500 characters of entities in 4,000-character parts
    assert parts[0] == "<b>Проверьте объявление</b>\nКому: вся школа\n\n📣 <b>Объявление школы</b>"
    assert "".join(parts[1:]) == "&amp;" * 3500
    for part in parts:
        format_text(part, "HTML", None)  # raises on a cut tag or entity


def test_blank_parts_are_dropped_telegram_refuses_an_empty_message():
    parts = split_text("   " + "x" * 5000)
    assert all(p.strip() for p in parts)
    assert "".join(parts) == "x" * 5000
    assert [p.strip() for p in split_text("a\n\n\n\n\n\nb", limit=3)] == ["a", "b"]


@pytest.mark.parametrize("limit", [50, 200, 4096])
def test_every_part_fits_whatever_the_limit(limit):
    text = "\n\n".join("\n".join(f"Урок {i}.{j}: " + "д/з " * (i % 7 + j) for j in range(6)) for i in range(60))
    parts = split_text(text, limit=limit)
    assert all(0 < text_size(p) <= limit for p in parts)
    assert words(" ".join(parts)) == words(text)
