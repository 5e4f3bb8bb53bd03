"""A message's text and entities (UTF-16 offsets, as the Bot API stores them) turned into safe HTML for the page.

Every character of the text is escaped; only the tags below are written, and a link only to http(s), tg: or
mailto: addresses. Entities from the bot's HTML nest; any that overlap are closed and reopened around each other.
"""

from __future__ import annotations

import html
from typing import Any

# Entity type -> (opening tag, closing tag).
TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "bot_command": ('<span class="command">', "</span>"),
}
SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def entities_to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    units = text.encode("utf-16-le")
    length = len(units) // 2
    spans = [e for e in entities or [] if _opening(e, _piece(units, e)) and e.get("length", 0) > 0]
    spans = [e for e in spans if 0 <= e["offset"] < length]
    bounds = sorted(
        {0, length} | {e["offset"] for e in spans} | {min(e["offset"] + e["length"], length) for e in spans}
    )
    out: list[str] = []
    stack: list[dict] = []
    for position, following in zip(bounds, [*bounds[1:], length], strict=True):
        _close_ending(stack, position, units, out)
        starting = [e for e in spans if e["offset"] == position]
        for entity in sorted(starting, key=lambda e: -e["length"]):  # the longer one outside
            out.append(_opening(entity, _piece(units, entity)))
            stack.append(entity)
        out.append(html.escape(units[position * 2 : following * 2].decode("utf-16-le", errors="replace")))
    _close_ending(stack, length, units, out, everything=True)
    return "".join(out)


def _close_ending(stack: list[dict], position: int, units: bytes, out: list[str], everything: bool = False) -> None:
    """Close the entities that end at `position`; those opened inside them and going on are reopened."""
    while any(everything or _end(e) <= position for e in stack):
        reopen: list[dict] = []
        while stack:
            entity = stack.pop()
            out.append(_closing(entity))
            if everything or _end(entity) <= position:
                break
            reopen.append(entity)
        for entity in reversed(reopen):
            out.append(_opening(entity, _piece(units, entity)))
            stack.append(entity)


def _end(entity: dict) -> int:
    return entity["offset"] + entity["length"]


def _piece(units: bytes, entity: dict) -> str:
    return units[entity["offset"] * 2 : _end(entity) * 2].decode("utf-16-le", errors="replace")


def _opening(entity: dict, piece: str) -> str:
    kind = entity.get("type")
    if kind in TAGS:
        return TAGS[kind][0]
    url = entity.get("url", "") if kind == "text_link" else piece if kind == "url" else ""
    if kind == "url" and not url.startswith(SAFE_SCHEMES):
        url = "https://" + url
    if url and url.startswith(SAFE_SCHEMES):
        return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
    return ""  # mentions, hashtags, custom emoji, an unsafe link: the text alone


def _closing(entity: dict) -> str:
    kind = entity.get("type")
    if kind in TAGS:
        return TAGS[kind][1]
    return "</a>"
