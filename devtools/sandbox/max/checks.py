"""What MAX refuses in a NewMessageBody: long texts, HTML beyond its tags, keyboards over its limits."""

from __future__ import annotations

import html
import re
from typing import Any

from devtools.sandbox.max.errors import bad_payload, keyboard_invalid, text_too_long

MAX_TEXT = 4000
MAX_BUTTONS, MAX_ROWS, MAX_PER_ROW = 210, 30, 7
MAX_BUTTON_TEXT = 64
MAX_PAYLOAD_BYTES = 1024
BUTTON_TYPES = {
    "callback",
    "link",
    "message",
    "request_contact",
    "request_geo_location",
    "chat",
    "open_app",
    "clipboard",
}
ATTACHMENT_TYPES = {"inline_keyboard", "file", "image"}
FORMATS = {"html", "markdown"}
# The tags MAX's html format knows (the contract); its markup element for each.
HTML_TAGS = {
    "b": "strong",
    "strong": "strong",
    "i": "emphasized",
    "em": "emphasized",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "del": "strikethrough",
    "code": "monospaced",
    "pre": "monospaced",
    "a": "link",
}

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);")


def check_body(body: Any, *, edit: bool = False) -> dict[str, Any]:
    """The body as a dict after MAX's checks; an edit may leave text and attachments out."""
    if not isinstance(body, dict):
        raise bad_payload("request body must be a JSON object")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise bad_payload("text must be a string")
    if text is not None and len(text) > MAX_TEXT:
        raise text_too_long(len(text))
    fmt = body.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise bad_payload(f"unknown format {fmt!r}")
    attachments = body.get("attachments")
    if attachments is not None:
        check_attachments(attachments)
    if not edit and not text and not attachments:
        raise bad_payload("text or attachments required")
    return body


def render_text(text: str, fmt: str | None) -> tuple[str, list[dict]]:
    """The plain text a user reads and MAX's markup for it; 400 proto.payload for HTML MAX does not know."""
    if fmt != "html":
        return text, []
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int, str | None]] = []
    markup: list[dict] = []
    pos = 0
    for match in re.finditer(r"[<&]", text):
        if match.start() < pos:
            continue
        piece = text[pos : match.start()]
        out.append(piece)
        length += len(piece)
        if text[match.start()] == "&":
            ref = _ENTITY.match(text, match.start())
            piece = html.unescape(ref.group()) if ref else "&"
            out.append(piece)
            length += len(piece)
            pos = ref.end() if ref else match.start() + 1
            continue
        tag = _TAG.match(text, match.start())
        if tag is None:
            raise bad_payload(f"unexpected '<' at {match.start()}")
        name = tag.group(2).lower()
        if name not in HTML_TAGS:
            raise bad_payload(f"unsupported tag <{name}>")
        if tag.group(1):
            if not stack or stack[-1][0] != name:
                raise bad_payload(f"unmatched end tag </{name}>")
            _, start, url = stack.pop()
            if length > start:
                element: dict[str, Any] = {"type": HTML_TAGS[name], "from": start, "length": length - start}
                if url is not None:
                    element["url"] = url
                markup.append(element)
        else:
            url = None
            if name == "a":
                href = _HREF.search(tag.group(3) or "")
                if href is None:
                    raise bad_payload("<a> needs href")
                url = html.unescape(next(g for g in href.groups() if g is not None))
            stack.append((name, length, url))
        pos = tag.end()
    out.append(text[pos:])
    if stack:
        raise bad_payload(f"tag <{stack[-1][0]}> is not closed")
    return "".join(out), sorted(markup, key=lambda e: (e["from"], -e["length"]))


def check_attachments(attachments: Any) -> None:
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise bad_payload("attachments must be a list of objects")
    keyboards = [a for a in attachments if a.get("type") == "inline_keyboard"]
    if len(keyboards) > 1:
        raise keyboard_invalid("only one inline keyboard per message")
    for attachment in attachments:
        kind = attachment.get("type")
        if kind not in ATTACHMENT_TYPES:
            raise bad_payload(f"unknown attachment type {kind!r}")
        payload = attachment.get("payload")
        if not isinstance(payload, dict):
            raise bad_payload(f"{kind} attachment needs a payload object")
        if kind == "inline_keyboard":
            check_keyboard(payload.get("buttons"))
        elif not isinstance(payload.get("token"), str):
            raise bad_payload(f"{kind} attachment needs payload.token")


def check_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not rows or not all(isinstance(row, list) and row for row in rows):
        raise keyboard_invalid("buttons must be a non-empty list of non-empty rows")
    if len(rows) > MAX_ROWS:
        raise keyboard_invalid(f"at most {MAX_ROWS} rows, got {len(rows)}")
    for row in rows:
        if len(row) > MAX_PER_ROW:
            raise keyboard_invalid(f"at most {MAX_PER_ROW} buttons in a row, got {len(row)}")
    total = sum(len(row) for row in rows)
    if total > MAX_BUTTONS:
        raise keyboard_invalid(f"at most {MAX_BUTTONS} buttons, got {total}")
    for row in rows:
        for button in row:
            check_button(button)


def check_button(button: Any) -> None:
    if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
        raise keyboard_invalid(f"unknown button {button!r}")
    text = button.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_BUTTON_TEXT:
        raise keyboard_invalid(f"button text must be 1..{MAX_BUTTON_TEXT} characters: {text!r}")
    if button["type"] == "callback":
        payload = button.get("payload")
        if not isinstance(payload, str) or not 1 <= len(payload.encode()) <= MAX_PAYLOAD_BYTES:
            raise keyboard_invalid(f"callback payload must be 1..{MAX_PAYLOAD_BYTES} bytes")
    if button["type"] == "link":
        url = button.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise keyboard_invalid(f"link button needs an http(s) url: {url!r}")
