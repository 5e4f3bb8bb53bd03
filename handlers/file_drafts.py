"""The step of a form that gathers photos and PDFs into its draft (an absence document, an announcement):
one at a time or as an album, each checked as it comes, by what is inside it too (handlers.stored_files),
nothing written until the form is sent; and the form's cancel, which drops the draft."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from ui.errors_text import error_text
from ui.filters import not_for_others
from ui.screens import chat_lock
from handlers.stored_files import receive
from services.accounts import CurrentUser
from services.container import Services
from services.errors import InvalidInput
from services.attachments import AttachmentIn
from services.models import AttachmentKind

log = logging.getLogger(__name__)


async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    """«Отмена» under a form that gathers a draft: the draft is dropped, nothing was written."""
    await state.clear()
    await query.message.edit_text(_("Cancelled: nothing was sent."))


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled: nothing was sent."))


@dataclass(frozen=True)
class FileStep:
    state: State
    max_files: int
    too_many: str  # the error code past max_files
    keyboard: Callable[[int], InlineKeyboardMarkup]  # by the number of files so far
    hint: Callable[[], str]  # the answer to a text sent at this step

    def count_text(self, count: int) -> str:
        return _("Files attached: {count} of {max}. Send more, or tap «Done».").format(count=count,
                                                                                        max=self.max_files)

    def register(self, router: Router) -> None:
        router.message.register(self.on_photo, self.state, F.photo)
        router.message.register(self.on_document, self.state, F.document)
        router.message.register(self.on_other, self.state, not_for_others)

    async def on_photo(self, message: Message, user: CurrentUser, services: Services, state: FSMContext) -> None:
        largest = message.photo[-1]  # Telegram lists the sizes smallest first; the original is last
        await self._add(message, user, services, state, AttachmentIn(
            kind=AttachmentKind.PHOTO, telegram_file_id=largest.file_id, telegram_unique_id=largest.file_unique_id,
            size=largest.file_size or 0))

    async def on_document(self, message: Message, user: CurrentUser, services: Services, state: FSMContext
                          ) -> None:
        doc = message.document
        await self._add(message, user, services, state, AttachmentIn(
            kind=AttachmentKind.DOCUMENT, telegram_file_id=doc.file_id, telegram_unique_id=doc.file_unique_id,
            file_name=doc.file_name or "", mime_type=doc.mime_type or "", size=doc.file_size or 0))

    async def on_other(self, message: Message, user: CurrentUser, state: FSMContext) -> None:
        """A video, a voice message, a sticker, a text …: refused with the reason; the draft stays as it was."""
        count = len((await state.get_data()).get("files", []))
        if message.text is not None:
            text = self.hint()
        else:
            text = error_text("document.file_kind", {}, user.locale) + "\n\n" + self.count_text(count)
        await message.answer(text, reply_markup=self.keyboard(count))

    async def _add(self, message: Message, user: CurrentUser, services: Services, state: FSMContext,
                   file: AttachmentIn) -> None:
        async with chat_lock(message.chat.id):  # an album's photos arrive together
            if await state.get_state() != self.state.state:  # cancelled or sent while this file was on its way
                return
            files = list((await state.get_data()).get("files", []))
            try:
                if len(files) >= self.max_files:
                    raise InvalidInput(self.too_many, max=self.max_files)
                file = await receive(message.bot, services, file)
            except InvalidInput as err:
                log.info("file refused: %s", err.code)
                await message.answer(error_text(err.code, err.params, user.locale) + "\n\n"
                                     + self.count_text(len(files)), reply_markup=self.keyboard(len(files)))
                return
            files.append({**asdict(file), "kind": file.kind.value})
            await state.update_data(files=files)
        await message.answer(self.count_text(len(files)), reply_markup=self.keyboard(len(files)))
