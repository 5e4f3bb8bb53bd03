"""The text of an announcement (/announce, DIA-4) in the reader's language: a heading with the audience, the
author, then the author's own text, escaped. The worker sends the files after it, (Announcement.files)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from services.models import EventKind, Role
from services.pushes.payloads import Announcement, AudienceShown
from ui.i18n import Translator
from ui.labels import ROLE_NAMES


def audience_label(audience: AudienceShown, _: Translator) -> str:
    """«вся школа», «параллель 5-х классов», «5А: ученики и родители», «родители 5А»."""
    if audience.scope == "school":
        return _("the whole school")
    if audience.scope == "grade":
        return _("grade {grade}").format(grade=audience.grade)
    if audience.scope == "class":
        return _("{class_name}: students and parents").format(class_name=escape(audience.title))
    return _("parents of {class_name}").format(class_name=escape(audience.title))


def heading(audience: AudienceShown, _: Translator) -> str:
    if audience.scope == "school":
        return _("School announcement")
    if audience.scope == "grade":
        return _("Announcement for grade {grade}").format(grade=audience.grade)
    if audience.scope == "class":
        return _("Announcement for {class_name}").format(class_name=escape(audience.title))
    return _("Announcement for the parents of {class_name}").format(class_name=escape(audience.title))


def render_announcement(payload: Announcement, _: Translator) -> str:
    """«📣 Объявление — 5А», «Смирнова Елена Викторовна, классный руководитель» (roles as the command line
    names them), then the text."""
    author = payload.author
    signed = f"{escape(author.name)}, {_(ROLE_NAMES[Role(author.role)])}"
    return f"📣 <b>{heading(payload.audience, _)}</b>\n<i>{signed}</i>\n\n{escape(payload.text)}"


RENDERERS: dict[EventKind, Callable[[Announcement, Translator], str]] = {EventKind.ANNOUNCEMENT: render_announcement}
