"""Message text as Telegram stores it: parse_mode HTML turned into plain text plus entities.

The HTML check is deliberately loose but fails where Telegram fails in practice: an unsupported
tag, an end tag that does not match, a tag left open. Offsets and lengths are in UTF-16 code
units, as in the Bot API. Markdown modes are accepted and passed through unparsed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from devtools.sandbox.errors import bad_request

# Tag name -> entity type; None means the tag is allowed but makes no entity of its own.
HTML_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
PARSE_MODES = {"html", "markdown", "markdownv2"}

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ATTR = re.compile(r"""([a-zA-Z][\w-]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def format_text(text: str, parse_mode: str | None, entities: list | None) -> tuple[str, list[dict]]:
    """Plain text and entities for a text or caption; raises 400 "can't parse entities" on bad HTML."""
    mode = (parse_mode or "").lower()
    if mode and mode not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")
    if mode != "html":
        return text, list(entities or [])
    try:
        return _HtmlParser(text).parse()
    except ValueError as err:
        raise bad_request(f"can't parse entities: {err}") from None


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the plain text
    at_byte: int


@dataclass
class _HtmlParser:
    source: str
    out: list[str] = field(default_factory=list)
    length: int = 0  # UTF-16 length of `out`
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def parse(self) -> tuple[str, list[dict]]:
        pos = 0
        for match in re.finditer(r"[<&]", self.source):
            if match.start() < pos:
                continue
            self._add_text(self.source[pos : match.start()])
            pos = self._token(match.start())
        self._add_text(self.source[pos:])
        if self.stack:
            raise ValueError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _token(self, at: int) -> int:
        """Consume the tag or character reference at `at`; return the position after it."""
        if self.source[at] == "&":
            ref = _ENTITY.match(self.source, at)
            # Unknown references stay as they are, as Telegram leaves them.
            self._add_text(html.unescape(ref.group()) if ref else "&")
            return ref.end() if ref else at + 1
        tag = _TAG.match(self.source, at)
        if not tag:
            raise ValueError(f"Unexpected start tag at byte offset {self._byte(at)}")
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if closing:
            self._close(name, at)
        else:
            self._open(name, tag.group(3), at)
        return tag.end()

    def _open(self, name: str, raw_attrs: str, at: int) -> None:
        if name not in HTML_TAGS:
            raise ValueError(f'Unsupported start tag "{name}" at byte offset {self._byte(at)}')
        attrs = {
            m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
            for m in _ATTR.finditer(raw_attrs)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise ValueError(f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte(at)}')
        self.stack.append(_Open(name, attrs, self.length, self._byte(at)))

    def _close(self, name: str, at: int) -> None:
        if not self.stack:
            raise ValueError(f"Unexpected end tag at byte offset {self._byte(at)}")
        top = self.stack.pop()
        if top.name != name:
            raise ValueError(
                f'Unmatched end tag at byte offset {self._byte(at)}, expected "</{top.name}>", found "</{name}>"'
            )
        if self.length > top.start:
            self._add_entity(top)

    def _add_entity(self, tag: _Open) -> None:
        entity: dict[str, Any] = {"type": HTML_TAGS[tag.name], "offset": tag.start, "length": self.length - tag.start}
        if tag.name == "a":
            entity["url"] = tag.attrs.get("href", "")
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "pre" and "language" in tag.attrs:
            entity["language"] = tag.attrs["language"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        elif tag.name == "code" and self._inside("pre"):
            # <pre><code class="language-x"> is one pre entity with a language.
            self._set_pre_language(tag.attrs.get("class", ""))
            return
        self.entities.append(entity)

    def _inside(self, name: str) -> bool:
        return any(t.name == name for t in self.stack)

    def _set_pre_language(self, css_class: str) -> None:
        if css_class.startswith("language-"):
            pre = next(t for t in reversed(self.stack) if t.name == "pre")
            pre.attrs["language"] = css_class.removeprefix("language-")

    def _add_text(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.length += utf16_len(text)

    def _byte(self, at: int) -> int:
        return len(self.source[:at].encode())
