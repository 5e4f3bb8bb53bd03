"""One account's due news as one message, in the account's language.

News of the same thing in one message is said once, as it stands now: a mark added and changed is the
changed mark; added and deleted before anybody was told is nothing at all. News correcting what the account
was already told is said as a correction.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, replace

from ui.i18n import translator
from services.models import EventKind
from services.pushes.queue import Item, Outgoing

from . import texts_announcements, texts_family, texts_journal, texts_staff

RENDERERS = {**texts_journal.RENDERERS, **texts_staff.RENDERERS, **texts_family.RENDERERS,
             **texts_announcements.RENDERERS}
TAKEN_BACK = (EventKind.MARK_DELETED, EventKind.ABSENCE_REMOVED)


@dataclass(frozen=True)
class Rendered:
    text: str
    files: tuple[dict, ...] = ()


def render(outgoing: Outgoing) -> Rendered | None:
    """The message for `outgoing`, or None when its news cancelled out."""
    items = said(outgoing.items)
    if not items:
        return None
    _ = translator(outgoing.locale)
    parts: list[str] = []
    if all(item.digest for item in items):
        parts.append(_("<b>Your digest</b>"))
    groups: dict[int | None, list[str]] = {}
    for item in items:
        groups.setdefault(item.student_id, []).append(RENDERERS[item.kind](item.payload, outgoing.locale))
    for student_id, blocks in groups.items():
        heading = outgoing.names.get(student_id) if student_id is not None else None
        separator = "\n\n" if any("\n" in block for block in blocks) else "\n"
        body = separator.join(blocks)
        parts.append(f"<b>{html.escape(heading)}</b>\n{body}" if heading else body)
    files = tuple(f for item in items for f in item.payload.get("files", ()))
    return Rendered("\n\n".join(parts), files)


def said(items: tuple[Item, ...]) -> list[Item]:
    """What is left to say once the news of the same thing is folded into its latest state."""
    by_topic: dict[str | None, list[Item]] = {}
    result: list[Item | str] = []
    for item in items:
        if item.topic is None:
            result.append(item)
            continue
        if item.topic not in by_topic:
            result.append(item.topic)
        by_topic.setdefault(item.topic, []).append(item)
    folded = [item if isinstance(item, Item) else _fold(by_topic[item]) for item in result]
    return [item for item in folded if item is not None]


def _fold(news: list[Item]) -> Item | None:
    first, last = news[0], news[-1]
    if len(news) == 1:
        return first
    if not first.told_before and first.kind is EventKind.MARK_ADDED:
        # Nobody was told of the mark yet: say it as it is now, or nothing if it is gone.
        return None if last.kind in TAKEN_BACK else replace(last, kind=EventKind.MARK_ADDED)
    if not first.told_before and first.kind is EventKind.ABSENCE_RECORDED:
        return None if last.kind in TAKEN_BACK else replace(last, kind=EventKind.ABSENCE_RECORDED)
    if last.kind is EventKind.MARK_CHANGED and first.kind is EventKind.MARK_CHANGED:
        # What they were told is the value before the first change.
        return replace(last, payload={**last.payload, "old_value": first.payload.get("old_value")})
    return last
