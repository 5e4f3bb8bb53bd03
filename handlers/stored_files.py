"""The files behind the journal's records (ABS-4, J-4) and announcements: downloaded when they arrive, checked by what
is inside them and kept in the school's own store (services/files.py); shown from there, by this bot's own reference
or as the kept bytes (once per bot: the reference the upload gives is remembered for that bot)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Message

from services.attachments import MAX_FILE_BYTES, AttachmentIn, check_file
from services.container import Services
from services.models import AttachmentKind

log = logging.getLogger(__name__)

CHAT_NOT_FOUND = "chat not found"  # a refusal of the chat, not of the file: the bytes would be refused the same


def sent_file(message: Message) -> AttachmentIn:
    """The photo or the document of a message, as Telegram declares it (checked and kept by `receive`)."""
    if message.photo:
        largest = message.photo[-1]  # Telegram lists the sizes smallest first; the original is last
        return AttachmentIn(
            kind=AttachmentKind.PHOTO,
            telegram_file_id=largest.file_id,
            telegram_unique_id=largest.file_unique_id,
            size=largest.file_size or 0,
        )
    doc = message.document
    if doc is None:
        raise ValueError("a message without a photo or a document")
    return AttachmentIn(
        kind=AttachmentKind.DOCUMENT,
        telegram_file_id=doc.file_id,
        telegram_unique_id=doc.file_unique_id,
        file_name=doc.file_name or "",
        mime_type=doc.mime_type or "",
        size=doc.file_size or 0,
    )


async def receive(bot: Bot, services: Services, file: AttachmentIn) -> AttachmentIn:
    """The file as it will be recorded, its bytes kept; InvalidInput when it is refused (nothing is kept then)."""
    check_file(file)  # the declared size and kind first: a refused file is not downloaded
    data, size = await _download(bot, file.telegram_file_id)
    check_file(replace(file, size=size))  # MAX tells no image's size before: its bytes do
    return await services.files.keep(file, data, bot.id)


async def _download(bot: Bot, file_id: str) -> tuple[bytes, int]:
    """The file's bytes and its size. Past the bot's limit nothing more is kept, only counted: a bigger file is
    refused with its true size without being held whole (MAX tells no image's size before its download)."""
    found = await bot.get_file(file_id)
    if found.file_path is None:
        raise ValueError(f"no path to download file {file_id}")
    kept, size = bytearray(), 0
    chunks = bot.session.stream_content(bot.session.api.file_url(bot.token, found.file_path), raise_for_status=True)
    async with aclosing(chunks):
        async for chunk in chunks:
            size += len(chunk)
            if size <= MAX_FILE_BYTES:
                kept += chunk
            elif kept:
                kept = bytearray()  # refused whatever follows: the memory goes back now
    return bytes(kept), size


class FileRefs(Protocol):
    """The kept bytes and each bot's references to them (services/files.py: FileService, or KeptFiles)."""

    async def read(self, sha: str) -> bytes: ...

    async def file_id_for(self, sha: str, kind: AttachmentKind, bot_id: int) -> str | None: ...

    async def remember_file_id(self, sha: str, kind: AttachmentKind, bot_id: int, file_id: str) -> None: ...


@dataclass(frozen=True)
class StoredFile:
    """A file to send again: the reference it came with, the bot that reference belongs to (None: recorded before
    that was known) and its kept bytes' sha256 (None: not kept)."""

    kind: AttachmentKind
    file_id: str
    bot_id: int | None = None
    sha256: str | None = None
    file_name: str = ""


async def send_kept(bot: Bot, chat_id: int, services: Services, file, caption: str) -> Message:
    """A kept file (services' DocumentFile or HomeworkFile), as send_stored sends it."""
    stored = StoredFile(
        AttachmentKind(file.kind), file.telegram_file_id, file.telegram_bot_id, file.sha256, file.file_name
    )
    return await send_stored(bot, chat_id, services.files, stored, caption)


async def send_stored(
    bot: Bot, chat_id: int, refs: FileRefs | None, file: StoredFile, caption: str | None = None
) -> Message:
    """Sends `file` by the reference it came with when it is this bot's; else by this bot's own reference, remembered
    when it uploaded the bytes before; else (or when the messenger no longer knows the reference: a new token, a
    restore elsewhere) uploads the kept bytes and remembers the reference they got for this bot. Without kept bytes
    (or without `refs`) only the reference the file came with is tried."""
    kind = file.kind
    send = bot.send_photo if kind == AttachmentKind.PHOTO else bot.send_document
    if file.sha256 is None or refs is None:
        return await send(chat_id, file.file_id, caption=caption)
    sha = file.sha256
    tried: list[str] = []
    if file.bot_id in (None, bot.id):
        tried.append(file.file_id)
        try:
            return await send(chat_id, file.file_id, caption=caption)
        except TelegramBadRequest as err:
            _refused_file(err, sha)
    known = await refs.file_id_for(sha, kind, bot.id)
    if known is not None and known not in tried:
        tried.append(known)
        try:
            return await send(chat_id, known, caption=caption)
        except TelegramBadRequest as err:
            _refused_file(err, sha)
    # One upload per bot and file in this process: an announcement's photo for a whole class goes up once, and
    # the other sends (waiting here) take the reference it got.
    async with _upload_lock(bot.id, kind, sha):
        known = await refs.file_id_for(sha, kind, bot.id)
        if known is None or known in tried:
            return await _upload(bot, chat_id, refs, file, sha, caption)
    try:
        return await send(chat_id, known, caption=caption)
    except TelegramBadRequest as err:
        _refused_file(err, sha)
    return await _upload(bot, chat_id, refs, file, sha, caption)


async def _upload(bot: Bot, chat_id: int, refs: FileRefs, file: StoredFile, sha: str, caption: str | None) -> Message:
    """The kept bytes, uploaded; the reference they got remembered for this bot."""
    kind = file.kind
    send = bot.send_photo if kind == AttachmentKind.PHOTO else bot.send_document
    name = file.file_name or ("photo.jpg" if kind == AttachmentKind.PHOTO else "file.pdf")
    sent = await send(chat_id, BufferedInputFile(await refs.read(sha), name), caption=caption)
    new = sent.photo[-1] if kind == AttachmentKind.PHOTO and sent.photo else sent.document
    if new is None:
        log.warning("the upload of kept file %s gave no reference: it will be uploaded again", sha)
        return sent
    try:
        await refs.remember_file_id(sha, kind, bot.id, new.file_id)
    except Exception:  # the file went: the message stands, the next one uploads again
        log.exception("the reference bot %s got for kept file %s was not remembered", bot.id, sha)
    return sent


_UPLOADS: weakref.WeakValueDictionary[tuple[int, AttachmentKind, str], asyncio.Lock] = weakref.WeakValueDictionary()


def _upload_lock(bot_id: int, kind: AttachmentKind, sha: str) -> asyncio.Lock:
    key = (bot_id, kind, sha)
    lock = _UPLOADS.get(key)
    if lock is None:
        lock = _UPLOADS[key] = asyncio.Lock()
    return lock


def _refused_file(err: TelegramBadRequest, sha: str) -> None:
    """A reference the messenger refused: the kept bytes go instead, unless the chat itself is what it refused."""
    if CHAT_NOT_FOUND in err.message.lower():
        raise err
    log.info("file reference of kept file %s refused (%s): sending the kept bytes", sha, err.message)
