"""Files: uploads kept in memory, file_ids, photo sizes, getFile paths."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from pathlib import PurePosixPath
from typing import Any

from devtools.sandbox.errors import bad_request, entity_too_large
from devtools.sandbox.params import Upload
from devtools.sandbox.state import BotState, StoredFile

MB = 1024 * 1024
UPLOAD_LIMITS = {"photo": 10 * MB, "document": 50 * MB}  # what a bot may upload
DOWNLOAD_LIMIT = 20 * MB  # what getFile lets a bot download
_THUMB_SIDES = (90, 320, 800)
# Real file_ids start with a type tag; keeping it makes ids in logs look familiar.
_ID_PREFIX = {"photo": "AgAC", "document": "BQAC"}


def store(
    state: BotState,
    kind: str,
    data: bytes,
    *,
    size: int | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    width: int = 0,
    height: int = 0,
) -> StoredFile:
    number = state.new_file_number()
    suffix = PurePosixPath(file_name).suffix if file_name else ".jpg" if kind == "photo" else ""
    stored = StoredFile(
        file_id=f"{_ID_PREFIX[kind]}{state.id}_{number}_{secrets.token_urlsafe(18)}",
        file_unique_id=f"AQAD{number}{secrets.token_hex(4)}",
        kind=kind,
        data=data,
        size=len(data) if size is None else size,
        file_path=f"{kind}s/file_{number}{suffix}",
        file_name=file_name,
        mime_type=mime_type,
        width=width,
        height=height,
    )
    state.files[stored.file_id] = stored
    state.file_paths[stored.file_path] = stored
    return stored


def store_photo(state: BotState, data: bytes, size: int | None = None) -> list[dict]:
    """A PhotoSize array: scaled-down sizes, then the original. Every size serves the original bytes."""
    width, height = image_size(data) or (800, 600)
    sides = [side for side in _THUMB_SIDES if side < max(width, height)]
    dims = [_scaled(width, height, side) for side in sides] + [(width, height)]
    stored = [store(state, "photo", data, size=size, width=w, height=h) for w, h in dims]
    sizes = [photo_size(f) for f in stored]
    for f in stored:
        f.photo = sizes
    return sizes


def store_document(state: BotState, upload: Upload, size: int | None = None) -> dict:
    # Telegram guesses the type from the name and ignores the part's generic octet-stream.
    mime = mimetypes.guess_type(upload.filename)[0] or upload.content_type or "application/octet-stream"
    return document(store(state, "document", upload.data, size=size, file_name=upload.filename, mime_type=mime))


def photo_from_input(state: BotState, value: Upload | str | None) -> list[dict]:
    if isinstance(value, Upload):
        check_upload(value, "photo")
        return store_photo(state, value.data)
    return existing(state, value, "photo").photo


def document_from_input(state: BotState, value: Upload | str | None) -> dict:
    if isinstance(value, Upload):
        check_upload(value, "document")
        return store_document(state, value)
    return document(existing(state, value, "document"))


def check_upload(upload: Upload, kind: str) -> None:
    if not upload.data:
        raise bad_request("file must be non-empty")
    if len(upload.data) > UPLOAD_LIMITS[kind]:
        raise entity_too_large()


def existing(state: BotState, file_id: str | None, kind: str) -> StoredFile:
    if not file_id:
        raise bad_request(f"there is no {kind} in the request")
    if file_id.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the sandbox never leaves 127.0.0.1
    stored = state.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request("type of file mismatch")
    return stored


def file_object(stored: StoredFile) -> dict[str, Any]:
    """getFile's answer; Telegram refuses files over 20 MB to bots."""
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def photo_size(f: StoredFile) -> dict[str, Any]:
    return {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "width": f.width,
        "height": f.height,
        "file_size": f.size,
    }


def document(f: StoredFile) -> dict[str, Any]:
    doc = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.size}
    if f.file_name:
        doc["file_name"] = f.file_name
    if f.mime_type:
        doc["mime_type"] = f.mime_type
    return doc


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    ratio = side / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, read from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:4] == b"GIF8" and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height, then width
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None
