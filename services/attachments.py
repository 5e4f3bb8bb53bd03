"""Files that come with a record: homework (J-4), absence documents (ABS-4) and announcements, as they arrive
from the bot, and the check of what they say they are before anything downloads them (services/files.py keeps
the bytes)."""

from __future__ import annotations

import math
import mimetypes
from dataclasses import dataclass

from .errors import InvalidInput
from .models import AttachmentKind

# ABS-4: the school must be able to fetch a scan to keep it, and Telegram hands a bot files up to 20 MB.
MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
# A scan or a photo of the paper: PDF or an image; nothing a teacher's computer would run or unpack.
FILE_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/tiff", "image/bmp"}
)
FILE_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff", ".bmp"})


@dataclass(frozen=True)
class AttachmentIn:
    """A file as the bot received it: Telegram's ids, what it says it is, and (once kept) its sha256."""

    kind: AttachmentKind
    telegram_file_id: str
    telegram_unique_id: str
    file_name: str = ""
    mime_type: str = ""
    size: int = 0
    sha256: str | None = None  # the bytes kept in the school's file store (services/files.py)
    telegram_bot_id: int | None = None  # the bot the file id belongs to


def check_file(file: AttachmentIn) -> None:
    """ABS-4: a document's file is a photo, a PDF or an image the school can fetch and keep (20 MB at most)."""
    if file.size > MAX_FILE_BYTES:
        raise InvalidInput("document.file_too_big", size_mb=math.ceil(file.size / (1024 * 1024)), max_mb=MAX_FILE_MB)
    if file.kind == AttachmentKind.PHOTO:
        return
    extension = ("." + file.file_name.rsplit(".", 1)[1].lower()) if "." in file.file_name else ""
    mime = (file.mime_type or mimetypes.guess_type(file.file_name)[0] or "").lower()
    if mime not in FILE_TYPES or (extension and extension not in FILE_EXTENSIONS):
        raise InvalidInput("document.file_kind", name=file.file_name)
