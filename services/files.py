"""The files behind the journal's records (ABS-4, J-4), kept by the school itself (DATA-1).

A messenger's file id belongs to one bot (a Telegram token's, a MAX bot's) and is in no backup, so each file's
bytes are downloaded when it arrives (by the bot layer: services know nothing of the messengers) and kept here:
content-addressed by their sha256 under a folder (`ab/cdef…`), written once and atomically, never changed. The
database records the sha256, the size and the type found in the bytes; what is inside is checked against what the
file says it is before anything takes it.

An attachment keeps the reference of the bot it came through; every other bot that sends the file uploads the
kept bytes once and remembers its own reference (services/messenger_refs.py, kind FILE_REFS, key
`<attachment kind>:<sha256>`), so a file sent in Telegram reaches a parent on MAX, and the other way round, without
either bot's reference replacing the other's.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import messenger_refs
from .attachments import AttachmentIn
from .db import write_transaction
from .errors import InvalidInput
from .models import Attachment, AttachmentKind

PDF = "application/pdf"
# ISO base media "brands" of HEIC/HEIF pictures, as phones write them.
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
SHA256 = re.compile(r"[0-9a-f]{64}")
FILE_REFS = "file"  # the kind of a bot's own reference to a kept file in messenger_refs


def file_key(sha: str, kind: AttachmentKind) -> str:
    """The key of a kept file's reference in messenger_refs: a photo and a document of the same bytes differ."""
    return f"{kind.value}:{sha}"


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
        file.mime_type.lower(),
        mimetypes.guess_type(file.file_name)[0],
    )
    if found is None or (found == PDF) != says_pdf:
        raise InvalidInput("file.content_mismatch", name=file.file_name)
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FileStore:
    """Bytes under root/ab/cdef… by their sha256: the same file sent twice is kept once."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if not SHA256.fullmatch(sha):
            raise ValueError(f"not a sha256: {sha!r}")
        return self.root / sha[:2] / sha[2:]

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.path(sha).exists():
            self._write(sha, lambda f: f.write(data))
        return sha

    def copy_in(self, source: Path, sha: str) -> None:
        """A kept file copied from another store (a backup), replacing what is there."""
        with open(source, "rb") as src:
            self._write(sha, lambda f: [f.write(chunk) for chunk in iter(lambda: src.read(1 << 20), b"")])

    def get(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def intact(self, sha: str) -> bool:
        """The file is there and its bytes still have its sha256."""
        path = self.path(sha)
        return path.is_file() and sha256_of(path) == sha

    def shas(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/*")):
            if path.is_file() and SHA256.fullmatch(path.parent.name + path.name):
                yield path.parent.name + path.name

    def _write(self, sha: str, write) -> None:
        # A temporary name beside it, flushed to disk, then renamed: a crash never leaves half a file under a
        # name that says it is whole.
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")
        try:
            with open(tmp, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class RecordedFile:
    """A file recorded by its Telegram file id only, not yet in the store (`schoolbot fetch-files`)."""

    attachment_id: int
    kind: AttachmentKind
    telegram_file_id: str


class FileService:
    def __init__(self, session: AsyncSession, store: FileStore):
        self.session = session
        self.store = store

    async def keep(self, file: AttachmentIn, data: bytes, bot_id: int) -> AttachmentIn:
        """ABS-4: the bytes of an arriving file, checked (check_content) and kept; the file as it will be recorded."""
        mime = check_content(file, data)
        sha = await asyncio.to_thread(self.store.put, data)
        return replace(file, size=len(data), mime_type=mime, sha256=sha, telegram_bot_id=bot_id)

    async def read(self, sha: str) -> bytes:
        return await asyncio.to_thread(self.store.get, sha)

    async def remember_file_id(self, sha: str, kind: AttachmentKind, bot_id: int, file_id: str) -> None:
        """The reference bot `bot_id` got by uploading the kept bytes: it sends that the next time. Kept beside the
        attachment's own reference (of the bot the file came through), which stays as it came."""
        await messenger_refs.remember(self.session, bot_id, FILE_REFS, {file_key(sha, kind): file_id})

    async def file_id_for(self, sha: str, kind: AttachmentKind, bot_id: int) -> str | None:
        """Bot `bot_id`'s own reference to the kept file: the one it remembered when it uploaded the bytes, else
        the one of a file of the same bytes that came through it; None when it has none (it uploads the bytes)."""
        remembered = await messenger_refs.recall(self.session, bot_id, FILE_REFS, file_key(sha, kind))
        if remembered is not None:
            return remembered
        came = await self.session.scalar(
            select(Attachment.telegram_file_id)
            .where(Attachment.sha256 == sha, Attachment.kind == kind, Attachment.telegram_bot_id == bot_id)
            .order_by(Attachment.id.desc())
            .limit(1)
        )
        await self.session.commit()  # no read transaction left open between the bot's requests
        return came

    async def not_kept(self) -> list[RecordedFile]:
        """The files recorded before the store, oldest first."""
        rows = await self.session.execute(
            select(Attachment.id, Attachment.kind, Attachment.telegram_file_id)
            .where(Attachment.sha256.is_(None))
            .order_by(Attachment.id)
        )
        return [RecordedFile(*row) for row in rows]

    async def kept_count(self) -> int:
        query = select(func.count(Attachment.id)).where(Attachment.sha256.is_not(None))
        return (await self.session.execute(query)).scalar_one()

    async def keep_recorded(self, attachment_id: int, data: bytes, bot_id: int) -> None:
        """A recorded file's bytes fetched late: kept as they are (it was taken when it came), with its size and
        the type found inside (or the one recorded)."""
        sha = await asyncio.to_thread(self.store.put, data)
        async with write_transaction(self.session):
            att = await self.session.get_one(Attachment, attachment_id)
            att.sha256, att.size, att.mime_type = sha, len(data), sniff(data) or att.mime_type
            att.telegram_bot_id = att.telegram_bot_id or bot_id


class KeptFiles:
    """FileService's kept bytes and bots' references for a caller without a session of its own (the pushes'
    worker): each call in a session of its own."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], store: FileStore):
        self.session_factory, self.store = session_factory, store

    async def read(self, sha: str) -> bytes:
        return await asyncio.to_thread(self.store.get, sha)

    async def file_id_for(self, sha: str, kind: AttachmentKind, bot_id: int) -> str | None:
        async with self.session_factory() as session:
            return await FileService(session, self.store).file_id_for(sha, kind, bot_id)

    async def remember_file_id(self, sha: str, kind: AttachmentKind, bot_id: int, file_id: str) -> None:
        async with self.session_factory() as session:
            await FileService(session, self.store).remember_file_id(sha, kind, bot_id, file_id)
