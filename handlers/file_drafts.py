"""The step of a form that gathers photos and PDFs into its draft (an absence document, an announcement):
one at a time or as an album, each checked as it comes, by what is inside it too (handlers.stored_files),
nothing written until the form is sent; and the form's cancel, which drops the draft."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from aiogram import F, Router
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.stored_files import receive, sent_file
from services.attachments import AttachmentIn
from services.container import Services
from services.errors import InvalidInput
from services.models import AttachmentKind
from ui.filters import not_for_others
from ui.screens import Screen

log = logging.getLogger(__name__)


def draft_files(data: dict) -> list[AttachmentIn]:
    """The files gathered into a form's draft (FSM data), as the service takes them."""
    return [AttachmentIn(**{**f, "kind": AttachmentKind(f["kind"])}) for f in data.get("files", [])]


async def on_cancel(_query: CallbackQuery, screen: Screen) -> None:
    """«Отмена» under a form that gathers a draft: the draft is dropped, nothing was written."""
    await screen.state.clear()
    await screen.show(_("Cancelled: nothing was sent."), InlineKeyboardMarkup(inline_keyboard=[]))


async def cmd_cancel(_message: Message, screen: Screen) -> None:
    await screen.state.clear()
    await screen.send(_("Cancelled: nothing was sent."))


@dataclass(frozen=True)
class FileStep:
    state: State
    max_files: int
    too_many: str  # the error code past max_files
    keyboard: Callable[[int], InlineKeyboardMarkup]  # by the number of files so far
    hint: Callable[[], str]  # the answer to a text sent at this step

    def count_text(self, count: int) -> str:
        return _("Files attached: {count} of {max}. Send more, or tap «Done».").format(count=count, max=self.max_files)

    def register(self, router: Router) -> None:
        router.message.register(self.on_file, self.state, F.photo | F.document)
        router.message.register(self.on_other, self.state, not_for_others)

    async def on_file(self, message: Message, services: Services, screen: Screen) -> None:
        await self._add(screen, services, sent_file(message))

    async def on_other(self, message: Message, screen: Screen) -> None:
        """A video, a voice message, a sticker, a text …: refused with the reason; the draft stays as it was."""
        count = len((await screen.state.get_data()).get("files", []))
        if message.text is not None:
            text = self.hint()
        else:
            text = screen.refusal(InvalidInput("document.file_kind")) + "\n\n" + self.count_text(count)
        await screen.send(text, self.keyboard(count))

    async def _add(self, screen: Screen, services: Services, file: AttachmentIn) -> None:
        state = screen.state
        async with screen.lock():  # an album's photos arrive together
            if await state.get_state() != self.state.state:  # cancelled or sent while this file was on its way
                return
            files = list((await state.get_data()).get("files", []))
            try:
                if len(files) >= self.max_files:
                    raise InvalidInput(self.too_many, max=self.max_files)
                file = await receive(screen.bot, services, file)
            except InvalidInput as err:
                log.info("file refused: %s", err.code)
                await screen.reprompt(
                    screen.refusal(err) + "\n\n" + self.count_text(len(files)),
                    self.keyboard(len(files)),
                    try_again=False,
                )
                return
            files.append({**asdict(file), "kind": file.kind.value})
            await state.update_data(files=files)
        await screen.send(self.count_text(len(files)), self.keyboard(len(files)))
