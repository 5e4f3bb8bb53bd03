"""Push texts: one account's due news as one message, in its language; news of one thing folded into its latest
state, corrections said as corrections, news cancelled out said not at all."""

from __future__ import annotations

from services.models import EventKind
from services.pushes.queue import Item, Outgoing
from ui.pushes.render import render

ARTEM, KSENIA = 11, 12
LESSON = {"subject": "Математика", "date": "2026-11-24", "number": 2}
NAMES = {ARTEM: "Артём Алексеев", KSENIA: "Ксения Алексеева"}


def mark(
    kind: EventKind,
    mark_id: int = 1,
    value: int = 5,
    old: int | None = None,
    told: bool = False,
    student: int = ARTEM,
    digest: bool = False,
) -> Item:
    payload = {
        "mark_id": mark_id,
        "student_id": student,
        "lesson_id": 7,
        "value": value,
        "work_type_id": 3,
        "facts": {**LESSON, "work_type": "Контрольная работа"},
    }
    if old is not None:
        payload["old_value"] = old
    return Item(
        delivery_id=mark_id * 10 + value,
        event_id=mark_id * 10 + value,
        kind=kind,
        payload=payload,
        student_id=student,
        topic=f"mark:{mark_id}",
        digest=digest,
        told_before=told,
    )


def message(*items: Item, locale: str = "ru") -> str | None:
    rendered = render(Outgoing(account_id=1, locale=locale, items=items, names=NAMES))
    return None if rendered is None else rendered.text.replace("\u00a0", " ")


def test_several_marks_of_two_children_are_one_message_with_a_heading_each():
    text = message(
        mark(EventKind.MARK_ADDED, 1, 5),
        mark(EventKind.MARK_ADDED, 2, 4),
        mark(EventKind.MARK_ADDED, 3, 3, student=KSENIA),
    )
    assert text == (
        "<b>Артём Алексеев</b>\n"
        "🆕 5 — Математика, 24 нояб. (Контрольная работа)\n"
        "🆕 4 — Математика, 24 нояб. (Контрольная работа)\n\n"
        "<b>Ксения Алексеева</b>\n"
        "🆕 3 — Математика, 24 нояб. (Контрольная работа)"
    )


def test_in_english():
    text = message(mark(EventKind.MARK_ADDED), locale="en")
    assert text == "<b>Артём Алексеев</b>\n🆕 5 in Математика, 24 Nov (Test)"


def test_a_mark_changed_before_anybody_was_told_is_said_as_it_is_now():
    text = message(mark(EventKind.MARK_ADDED, value=5), mark(EventKind.MARK_CHANGED, value=4, old=5), locale="en")
    assert text == "<b>Артём Алексеев</b>\n🆕 4 in Математика, 24 Nov (Test)"


def test_a_mark_added_and_deleted_before_anybody_was_told_is_not_said_at_all():
    assert message(mark(EventKind.MARK_ADDED), mark(EventKind.MARK_DELETED, old=5)) is None


def test_a_mark_changed_after_it_was_told_is_a_correction_from_what_was_told():
    text = message(
        mark(EventKind.MARK_CHANGED, value=4, old=5, told=True),
        mark(EventKind.MARK_CHANGED, value=3, old=4, told=True),
        locale="en",
    )
    assert text == "<b>Артём Алексеев</b>\n✏️ Correction: the mark in Математика for 24 Nov is 3, not 5"


def test_a_mark_deleted_after_it_was_told_is_a_correction():
    text = message(mark(EventKind.MARK_DELETED, old=5, told=True), locale="en")
    assert text == "<b>Артём Алексеев</b>\n✏️ Correction: the mark 5 in Математика for 24 Nov was removed"


def test_the_digest_says_it_is_the_digest():
    text = message(mark(EventKind.MARK_ADDED, digest=True), locale="en")
    assert text.startswith("<b>Your digest</b>\n\n<b>Артём Алексеев</b>\n🆕 5 in")


def test_names_and_subjects_are_escaped():
    item = mark(EventKind.MARK_ADDED)
    item.payload["facts"]["subject"] = "<script>"
    assert "&lt;script&gt;" in message(item, locale="en")
