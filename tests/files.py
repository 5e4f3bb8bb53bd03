"""Photos the tests' users send: the emulator reads only a PNG's header (devtools/sandbox/files.image_size)."""

from __future__ import annotations

import struct


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"


PHOTO = png(1200, 1600)  # a phone's photo of a document or a page
