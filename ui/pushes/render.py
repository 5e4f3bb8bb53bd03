"""One account's due news as one message, in the account's language.

News of the same thing in one message is said once, as it stands now: a mark added and changed is the
changed mark; added and deleted before anybody was told is nothing at all. News correcting what the account
was already told is said as a correction.

Each item's stored payload is read through its kind's dataclass (services/pushes/payloads.py); the text
functions get it with one Translator for the account's language (ui/i18n.py says why not aiogram's `_`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from services.models import EventKind
from services.pushes.payloads import Announcement, FileRef, MarkAdded, MarkChanged, Payload, ReportReady, payload_of
from services.pushes.queue import Item, Outgoing
from ui.i18n import Translator

from . import texts_announcements, texts_family, texts_journal, texts_staff, texts_timetable

RENDERERS: dict[EventKind, Callable[[Any, Translator], str]] = {
    **texts_journal.RENDERERS,
    **texts_staff.RENDERERS,
    **texts_family.RENDERERS,
    **texts_announcements.RENDERERS,
    **texts_timetable.RENDERERS,
}
TAKEN_BACK = (EventKind.MARK_DELETED, EventKind.ABSENCE_REMOVED)


@dataclass(frozen=True)
class Rendered:
    text: str
    files: tuple[FileRef, ...] = ()  # sent by bot/pushes/sender.py, by reference or from the kept bytes
    reports: tuple[ReportReady, ...] = ()  # made into files as the message is sent (bot/pushes/reports.py)


@dataclass(frozen=True)
class News:
    """An item with its payload read: what the message says of it."""

    item: Item
    payload: Payload


def text_of(kind: EventKind, payload: dict, locale: str) -> str:
    """One event's text from its stored payload, as a message would say it."""
    return RENDERERS[kind](payload_of(kind, payload), Translator(locale))


def render(outgoing: Outgoing) -> Rendered | None:
    """The message for `outgoing`, or None when its news cancelled out."""
    news = said(outgoing.items)
    if not news:
        return None
    _ = Translator(outgoing.locale)
    parts: list[str] = []
    if all(one.item.digest for one in news):
        parts.append(_("<b>Your digest</b>"))
    groups: dict[int | None, list[str]] = {}
    for one in news:
        groups.setdefault(one.item.student_id, []).append(RENDERERS[one.payload.kind](one.payload, _))
    for student_id, blocks in groups.items():
        heading = outgoing.names.get(student_id) if student_id is not None else None
        separator = "\n\n" if any("\n" in block for block in blocks) else "\n"
        body = separator.join(blocks)
        parts.append(f"<b>{html.escape(heading)}</b>\n{body}" if heading else body)
    files = tuple(f for one in news if isinstance(one.payload, Announcement) for f in one.payload.files)
    reports = tuple(one.payload for one in news if isinstance(one.payload, ReportReady))
    return Rendered("\n\n".join(parts), files, reports)


def said(items: tuple[Item, ...]) -> list[News]:
    """What is left to say once the news of the same thing is folded into its latest state."""
    by_topic: dict[str | None, list[News]] = {}
    result: list[News | str] = []
    for item in items:
        one = News(item, payload_of(item.kind, item.payload))
        if item.topic is None:
            result.append(one)
            continue
        if item.topic not in by_topic:
            result.append(item.topic)
        by_topic.setdefault(item.topic, []).append(one)
    folded = [one if isinstance(one, News) else _fold(by_topic[one]) for one in result]
    return [one for one in folded if one is not None]


def _fold(news: list[News]) -> News | None:
    first, last = news[0], news[-1]
    if len(news) == 1:
        return first
    if not first.item.told_before and first.item.kind is EventKind.MARK_ADDED:
        # Nobody was told of the mark yet: say it as it is now, or nothing if it is gone.
        if last.item.kind in TAKEN_BACK:
            return None
        return replace(last, payload=_as_added(last.payload))  # type: ignore[arg-type]  # a mark's news
    if not first.item.told_before and first.item.kind is EventKind.ABSENCE_RECORDED:
        return None if last.item.kind in TAKEN_BACK else last
    if isinstance(last.payload, MarkChanged) and isinstance(first.payload, MarkChanged):
        # What they were told is the value before the first change.
        return replace(last, payload=replace(last.payload, old_value=first.payload.old_value))
    return last


def _as_added(mark: MarkAdded | MarkChanged) -> MarkAdded:
    """A mark's latest news said as news of a new mark."""
    return MarkAdded(
        mark_id=mark.mark_id,
        student_id=mark.student_id,
        lesson_id=mark.lesson_id,
        value=mark.value,
        work_type_id=mark.work_type_id,
        facts=mark.facts,
    )
