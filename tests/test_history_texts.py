"""The history's lines in people's words (DATA-3): each kind of entry the services write, its cause (a correction
request, J-10; an order, PER-5), and an entry of a kind not known here said in a general line, never a crash."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aiogram.utils.i18n import I18n

from services.history import HistoryLine, HistoryPage
from tests.flows.conftest import plain
from ui.history import line_text, page_text
from ui.i18n import DEFAULT_LOCALE, DOMAIN, compile_catalogues

AT = datetime(2026, 12, 3, 11, 5, tzinfo=UTC)  # 14:05 in Moscow


def page(student: bool = True, lines: tuple[HistoryLine, ...] = ()) -> HistoryPage:
    return HistoryPage(
        student_id=7 if student else None,
        lesson_id=None if student else 9,
        title="Петров Илья, 5А" if student else "Математика, 5А",
        lesson_date=None if student else date(2026, 12, 3),
        lesson_number=None if student else 2,
        class_id=1,
        assignment_id=None if student else 3,
        lines=lines,
        page=0,
        has_next=False,
        timezone="Europe/Moscow",
    )


def line(entity: str, action: str, before=None, after=None, **names) -> HistoryLine:
    return HistoryLine(AT, "Иванова А. П.", entity, action, 12, dict(before or {}), dict(after or {}), **names)


@pytest.fixture
def ru():
    i18n = I18n(path=compile_catalogues(), default_locale=DEFAULT_LOCALE, domain=DOMAIN)
    with i18n.context(), i18n.use_locale("ru"):
        yield


MARK = {
    "student": "Петров Илья",
    "subject": "Математика",
    "lesson_date": date(2026, 12, 1),
    "work_type": "Ответ на уроке",
}


@pytest.mark.parametrize(
    ("entry", "student_page", "said"),
    [
        (
            line("mark", "change", {"value": 4}, {"value": 5}, **MARK),
            False,
            "отметка 4 → 5 (Петров Илья, ответ на уроке)",
        ),
        (
            line("mark", "change", {"value": 4}, {"value": 5}, **MARK),
            True,
            "отметка 4 → 5 (Математика, 1 дек., ответ на уроке)",
        ),
        (line("mark", "delete", {"value": 3}, None, **MARK), False, "отметка 3 удалена (Петров Илья, ответ на уроке)"),
        (
            line("absence", "add", None, {"reason": None}, student="Петров Илья"),
            False,
            "посещаемость: ОТ (Петров Илья)",
        ),
        (line("absence", "set_reason", {"reason": None}, {"reason": "illness"}), True, "причина пропуска: по болезни"),
        (
            line("lesson", "change", {"topic": "", "homework": ""}, {"topic": "§5", "homework": "№ 12"}),
            False,
            "тема: «§5»; задание: «№ 12»",
        ),
        (line("lesson", "change", {"no_homework": False}, {"no_homework": True}), False, "задание: не задано"),
        (
            line("final_mark", "set", {"value": 4}, {"value": 5}, period="2 четверть", subject="Математика"),
            True,
            "отметка за 2 четверть: 4 → 5 (Математика)",
        ),
        (
            line("final_mark", "set", None, {"value": None}, period="2 четверть", subject="Математика"),
            True,
            "отметка за 2 четверть: н/а (Математика)",
        ),
        (
            line("correction_request", "decide", {"status": "pending"}, {"status": "applied"}),
            False,
            "заявка на исправление №12 применена",
        ),
        (
            line("student", "transfer", {"class_id": 1}, {"class_id": 2}, classes=("5А", "5Б")),
            True,
            "переведён(а) в другой класс (5А → 5Б)",
        ),
        (line("grade_book", "archive"), True, "изменение (grade_book, archive)"),
        (line("mark", "stamp", None, {"value": 5}), True, "изменение (mark, stamp)"),
    ],
)
def test_each_kind_of_entry_in_peoples_words_DATA_3(ru, entry, student_page, said):
    assert plain(line_text(entry, page(student_page), "ru")) == "03.12 14:05 · Иванова А. П.: " + said


def test_a_correction_or_an_order_is_named_J_10_PER_5(ru):
    corrected = line("mark", "change", {"value": 3}, {"value": 4}, correction_id=12, **MARK)
    assert plain(line_text(corrected, page(False), "ru")).endswith(
        "(Петров Илья, ответ на уроке) · по заявке на исправление №12"
    )
    ordered = line("final_mark", "set", {"value": 2}, {"value": 3}, period="1 четверть", order="45-у")
    assert plain(line_text(ordered, page(True), "ru")).endswith("отметка за 1 четверть: 2 → 3 · по приказу №45-у")


def test_an_empty_history_says_so(ru):
    assert plain(page_text(page(False), "ru")) == (
        "<b>История изменений: Математика, 5А</b>\nЧетверг, 3 декабря, 2-й урок\n\nИзменений не записано."
    )
