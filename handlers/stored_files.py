"""The files behind the journal's records (ABS-4, J-4): downloaded when they arrive, checked by what is inside them
and kept in the school's own store (services/files.py); shown from there, by this bot's file id or as the kept bytes."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Message

from services.attachments import AttachmentIn, check_file
from services.container import Services
from services.models import AttachmentKind

log = logging.getLogger(__name__)


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
    data = (await bot.download(file.telegram_file_id)).read()
    return await services.files.keep(file, data, bot.id)


async def send_kept(bot: Bot, chat_id: int, services: Services, file, caption: str) -> Message:
    """A kept file (services' DocumentFile or HomeworkFile) sent by this bot's file id; by the kept bytes when the
    id is another bot's or Telegram no longer knows it (a new token, a second bot, a restore elsewhere)."""
    kind = AttachmentKind(file.kind)
    send = bot.send_photo if kind == AttachmentKind.PHOTO else bot.send_document
    if file.telegram_bot_id in (None, bot.id) or file.sha256 is None:
        try:
            return await send(chat_id, file.telegram_file_id, caption=caption)
        except TelegramBadRequest as err:
            if file.sha256 is None:
                raise
            log.info("file id of attachment %s refused (%s): sending the kept bytes", file.attachment_id, err)
    name = file.file_name or ("photo.jpg" if kind == AttachmentKind.PHOTO else "file.pdf")
    sent = await send(chat_id, BufferedInputFile(await services.files.read(file.sha256), name), caption=caption)
    new = sent.photo[-1] if kind == AttachmentKind.PHOTO else sent.document
    await services.files.remember_file_id(file.sha256, kind, bot.id, new.file_id, new.file_unique_id)
    return sent
