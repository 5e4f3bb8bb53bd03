"""Consent screens (ACC-7): a student waiting for a parent's consent, the family's withdrawal, and the secretary's
lists of who has consented, who withdrew and who holds a paper consent (000 §8.6)."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from services.access import ClassRef
from services.consents import ClassConsents, PersonConsent
from services.models import ConsentAnswer, Role
from ui.callbacks import ConsentsCB, ConsentsView, SettingsView, SettingsViewCB, WithdrawCB, WithdrawStep

PER_ROW = 4


def parent_needed_text() -> str:
    """ACC-7: a student under 14 before their parent's consent: what to do, and nothing of their data."""
    return "\n".join(
        [
            "<b>" + _("A parent's consent is needed") + "</b>",
            "",
            _(
                "Until your parent (legal representative) consents to the processing of personal data, the bot "
                "shows nothing. Ask your parent to log in to the bot with their own code and accept the consent, "
                "or to hand the signed paper to the school's secretary. Then send your code again."
            ),
        ]
    )


# ---- withdrawal (the family's /settings) -------------------------------------------------------------------------


def withdraw_button(builder: InlineKeyboardBuilder, person_id: int) -> None:
    builder.button(text=_("Withdraw consent"), callback_data=WithdrawCB(step=WithdrawStep.ask, person=person_id))


def withdraw_question(is_parent: bool) -> str:
    lines = [
        "<b>" + _("Withdraw the consent to the processing of personal data?") + "</b>",
        "",
        _("The bot stops showing the diary at once, in every messenger."),
    ]
    if is_parent:
        lines.append(_("Your consent for your child is withdrawn too: their access to the bot ends as well."))
    lines.append(_("To come back, a new access code and a new consent will be needed."))
    return "\n".join(lines)


def withdraw_keyboard(person_id: int, student_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, withdraw consent"), callback_data=WithdrawCB(step=WithdrawStep.confirm, person=person_id)
    )
    builder.button(text="◀ " + _("Back"), callback_data=SettingsViewCB(student=student_id, view=SettingsView.main))
    builder.adjust(1)
    return builder.as_markup()


def withdrawn_text() -> str:
    return _(
        "The consent is withdrawn and recorded; the bot shows nothing any more. To come back, ask the class teacher "
        "for a new access code."
    )


# ---- the secretary's lists ---------------------------------------------------------------------------------------


def classes_text() -> str:
    return _("Consents to personal data processing: choose a class.")


def classes_keyboard(classes: list[ClassRef]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in classes:
        builder.button(text=c.name, callback_data=ConsentsCB(view=ConsentsView.cls, id=c.id))
    builder.adjust(PER_ROW)
    return builder.as_markup()


def state_text(person: PersonConsent, locale: str) -> str:
    """«в боте 03.12», «бумажное», «отозвано 03.12», «отказ», «нет»; a student's adds the parent's."""
    s = person.standing
    parts = []
    when = format_date(s.own_at, "dd.MM", locale=locale) if s.own_at else ""
    if s.own == ConsentAnswer.ACCEPTED:
        parts.append("✅ " + _("in the bot {date}").format(date=when))
    elif s.own == ConsentAnswer.WITHDRAWN:
        parts.append("↩️ " + _("withdrawn {date}").format(date=when))
    elif s.own == ConsentAnswer.DECLINED:
        parts.append("✖️ " + _("declined {date}").format(date=when))
    if s.paper:
        parts.append("📄 " + _("paper"))
    if person.role == Role.STUDENT:
        if s.parents:
            parts.append(_("parent's: in the bot"))
        elif s.parent_withdrawn and not s.paper:
            parts.append(_("parent's: withdrawn"))
        elif not s.paper and person.needs_parent:
            parts.append("⚠️ " + _("parent's: none"))
    return "; ".join(parts) if parts else "— " + _("no consent")


def class_text(found: ClassConsents, locale: str) -> str:
    lines = ["<b>" + _("Consents: {class_name}").format(class_name=escape(found.class_name)) + "</b>", ""]
    lines.append("<b>" + _("Students") + "</b>")
    lines += [f"{escape(p.full_name)}: {state_text(p, locale)}" for p in found.students] or [_("none")]
    lines += ["", "<b>" + _("Parents") + "</b>"]
    lines += [
        f"{escape(p.full_name)} ({escape(', '.join(p.children))}): {state_text(p, locale)}" for p in found.parents
    ] or [_("none")]
    lines += ["", _("Tap a person to record a signed paper consent.")]
    return "\n".join(lines)


def class_keyboard(found: ClassConsents) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    people = found.students + found.parents
    for p in people:
        builder.button(
            text=("👤 " if p.role == Role.STUDENT else "👪 ") + p.full_name,
            callback_data=ConsentsCB(view=ConsentsView.person, id=p.person_id, cls=found.class_id),
        )
    builder.button(text="◀ " + _("Classes"), callback_data=ConsentsCB(view=ConsentsView.classes))
    builder.adjust(*([2] * ((len(people) + 1) // 2)), 1)
    return builder.as_markup()


def person_text(person: PersonConsent, locale: str, recorded: bool = False) -> str:
    role = _("student") if person.role == Role.STUDENT else _("parent")
    lines = [f"<b>{escape(person.full_name)}</b>, {role}"]
    if person.children:
        lines.append(_("Children: {names}").format(names=escape(", ".join(person.children))))
    lines += ["", _("Consent: {state}").format(state=state_text(person, locale))]
    lines.append(_("Linked to the bot") if person.linked else _("Not linked to the bot yet"))
    if recorded:
        lines += ["", "✅ " + _("The paper consent is recorded.")]
    elif person.role == Role.STUDENT:
        lines += ["", _("A student's paper consent is the one their parent signed for them.")]
    return "\n".join(lines)


def person_keyboard(person: PersonConsent, class_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if not person.standing.paper:
        builder.button(
            text="📄 " + _("Paper consent received"),
            callback_data=ConsentsCB(view=ConsentsView.paper, id=person.person_id, cls=class_id),
        )
    builder.button(text="◀ " + _("Class"), callback_data=ConsentsCB(view=ConsentsView.cls, id=class_id))
    builder.adjust(1)
    return builder.as_markup()
