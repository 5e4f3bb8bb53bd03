"""The files behind the journal's records (ABS-4, J-4): what is inside a file is checked against what it says it is."""
from __future__ import annotations

import mimetypes

from .errors import InvalidInput
from .journal import AttachmentIn
from .models import AttachmentKind

PDF = "application/pdf"
# ISO base media "brands" of HEIC/HEIF pictures, as phones write them.
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


def sniff(data: bytes) -> str | None:
    """The type a file's first bytes show (a PDF or a picture the school takes), or None for anything else."""
    if b"%PDF-" in data[:1024]:  # readers accept the header anywhere in the first kilobyte
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image/heic"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data[:2] == b"BM" and len(data) > 26:
        return "image/bmp"
    return None


def check_content(file: AttachmentIn, data: bytes) -> str:
    """ABS-4: a file the school keeps and shows a class is what it says it is. Returns the type found inside;
    InvalidInput for an empty file, or for a photo or document whose content is not the picture or PDF declared."""
    if not data:
        raise InvalidInput("file.empty", name=file.file_name)
    found = sniff(data)
    says_pdf = file.kind == AttachmentKind.DOCUMENT and PDF in (
        file.mime_type.lower(), mimetypes.guess_type(file.file_name)[0])
    if found is None or (found == PDF) != says_pdf:
        raise InvalidInput("file.content_mismatch", name=file.file_name)
    return found
