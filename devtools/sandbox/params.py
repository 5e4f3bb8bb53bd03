"""The parameters of one Bot API call, whichever way the client sent them.

Telegram accepts a query string, `application/json`, `application/x-www-form-urlencoded` and
`multipart/form-data` alike. In the form encodings every value is a string and structured values
(reply_markup, entities, scope...) are JSON text, so the getters below accept both shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from devtools.sandbox.errors import bad_request, entity_too_large

_MISSING = object()


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart body."""

    filename: str
    content_type: str
    data: bytes


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method != "POST" or not request.can_read_body:
            return cls(values)
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("can't parse request JSON object")
                values.update(body)
            else:
                for name, field in (await request.post()).items():
                    if isinstance(field, FileField):
                        uploads[name] = Upload(field.filename, field.content_type, field.file.read())
                    else:
                        values[name] = field
        except web.HTTPRequestEntityTooLarge:
            raise entity_too_large() from None
        except ValueError:
            raise bad_request("can't parse request JSON object") from None
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get_str(self, name: str, default: Any = _MISSING) -> Any:
        value = self.values.get(name)
        if value is None:
            return self._missing(name, default)
        return value if isinstance(value, str) else str(value)

    def get_int(self, name: str, default: Any = _MISSING) -> Any:
        value = self.values.get(name)
        if value in (None, ""):
            return self._missing(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def get_json(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self) -> int | str:
        """An integer id or an "@username"; Telegram accepts both."""
        value = self.values.get("chat_id")
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def input_file(self, name: str) -> Upload | str | None:
        """An upload (sent as the field itself or as "attach://<part>"), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in self.uploads:
                raise bad_request(f"file attach://{part} not found")
            return self.uploads[part]
        return value or None

    def _missing(self, name: str, default: Any) -> Any:
        if default is _MISSING:
            raise bad_request(f"{name} is empty")
        return default
