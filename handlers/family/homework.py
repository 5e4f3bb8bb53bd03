"""/homework: what is due from tomorrow for a week (J-2..J-4), grouped by the due day, every lesson of those days
as the diary has it: the task, «не задано» where the teacher said so (J-3), or not entered yet; the teacher's files
sent after the text. Subgroup lessons are the student's own
group's only (J-13): the service picks them."""

from __future__ import annotations

import html
from itertools import groupby

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.stored_files import send_kept
from services.container import Services
from services.diary import HomeworkAhead, HomeworkItem, StudentCard
from ui.formatting import day_title, short_date, split_text
from ui.menus import menu_filter
from ui.screens import Screen


async def cmd_homework(_message: Message, services: Services, screen: Screen):
    view = await services.diary.homework_screen(screen.user.actor, screen.user.student_id)
    for part in split_text(render(view.student, view.ahead, screen.locale)):
        await screen.send(part)
    await send_files(screen, services, view.ahead)


def render(card: StudentCard, ahead: HomeworkAhead, locale: str) -> str:
    header = "<b>{}</b>\n{}".format(
        _("Homework: {name}, {class_name}").format(
            name=html.escape(f"{card.first_name} {card.last_name}"), class_name=html.escape(card.class_name)
        ),
        _("Due from {first} to {last}").format(
            first=short_date(ahead.first, locale), last=short_date(ahead.last, locale)
        ),
    )
    if not ahead.items:
        days = (ahead.last - ahead.first).days + 1
        return (
            header
            + "\n\n"
            + ngettext(
                "Nothing is due in the next {days} day. 🎉", "Nothing is due in the next {days} days. 🎉", days
            ).format(days=days)
        )
    blocks = [header]
    for due_on, grouped in groupby(ahead.items, key=lambda h: h.due_on):
        day_items = list(grouped)
        lines = [f"<b>{day_title(due_on, locale)}</b>", *(item_line(i) for i in day_items if i.text or i.no_homework)]
        waiting = [html.escape(i.subject) for i in day_items if not (i.text or i.no_homework)]
        if waiting:
            lines.append(_("Not entered yet: {subjects}").format(subjects=", ".join(waiting)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def item_line(item: HomeworkItem) -> str:
    subject = html.escape(item.subject)
    if item.no_homework:
        return "• " + _("{subject}: not set").format(subject=subject)
    line = f"• <b>{subject}</b>: {html.escape(item.text)}"
    if item.files:
        count = len(item.files)
        line += " (📎 " + ngettext("{count} file below", "{count} files below", count).format(count=count) + ")"
    return line


async def send_files(screen: Screen, services: Services, ahead: HomeworkAhead) -> None:
    """Each file (by its file id, or the school's kept copy), captioned with the homework it belongs to."""
    for item in ahead.items:
        for attachment_id in item.files:
            file = ahead.files.get(attachment_id)
            if file is None:
                continue
            caption = "📎 " + _("{subject}, due {date}").format(
                subject=html.escape(item.subject), date=short_date(item.due_on, screen.locale)
            )
            await send_kept(screen.bot, screen.chat_id, services, file, caption)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_homework, menu_filter("homework"))
    return router
