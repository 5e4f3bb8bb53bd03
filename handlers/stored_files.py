"""Files that arrive as homework (J-4), an absence document (ABS-4) or an announcement: their bytes are downloaded
and checked by what is inside them before anything takes them."""
from __future__ import annotations

from dataclasses import replace

from aiogram import Bot

from services.absences import check_file
from services.errors import InvalidInput
from services.files import check_content
from services.journal import AttachmentIn


async def receive(bot: Bot, file: AttachmentIn) -> AttachmentIn:
    """The file as it will be kept: its size and type as found in its bytes; InvalidInput when it is refused."""
    check_file(file)  # the declared size and kind first: a refused file is not downloaded
    if file.size == 0:
        raise InvalidInput("file.empty", name=file.file_name)
    data = (await bot.download(file.telegram_file_id)).read()
    return replace(file, size=len(data), mime_type=check_content(file, data))
