"""/settings: for the profile's child, which pushes arrive and how, the digest time and the quiet hours.

One message, edited in place: the main screen lists the kinds with their modes (a tap moves a kind on:
at once → in the digest → off); the digest time and the quiet hours have screens of choices, or a time
typed by the user. Every button carries the student id, and the service re-checks it (ACC-2).
"""

from __future__ import annotations

import html
from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import get_timezone_location

from services.accounts import CurrentUser
from services.container import Services
from services.models import NotifyMode
from services.preferences import ChildPreferences, parse_quiet_hours, parse_time
from ui import consents
from ui.callbacks import (
    DigestTimeCB,
    NotifyModeCB,
    QuietHoursCB,
    SettingsView,
    SettingsViewCB,
    WithdrawCB,
    WithdrawStep,
)
from ui.formatting import time_span
from ui.labels import NOTIFY_KINDS, NOTIFY_MODES
from ui.menus import help_text, hide_menu, menu_filter, show_menu
from ui.screens import Screen

MODE_ICONS = {NotifyMode.INSTANT: "🔔", NotifyMode.DIGEST: "🗓", NotifyMode.OFF: "🔕"}
NEXT_MODE = {
    NotifyMode.INSTANT: NotifyMode.DIGEST,
    NotifyMode.DIGEST: NotifyMode.OFF,
    NotifyMode.OFF: NotifyMode.INSTANT,
}
DIGEST_CHOICES = ("07:00", "15:00", "19:00", "21:00")
QUIET_CHOICES = (("21:00", "08:00"), ("22:00", "07:00"), ("23:00", "07:00"))


class SettingsStates(StatesGroup):
    digest_time = State()  # waiting for a typed «HH:MM»
    quiet_hours = State()  # waiting for a typed «HH:MM–HH:MM»


async def cmd_settings(_message: Message, services: Services, screen: Screen):
    await screen.state.clear()
    prefs = await services.preferences.of_child(screen.user, screen.user.student_id)
    await screen.send(main_text(prefs, screen.user), main_keyboard(prefs, screen.user))


async def on_mode(_query: CallbackQuery, callback_data: NotifyModeCB, services: Services, screen: Screen):
    prefs = await services.preferences.set_mode(
        screen.user, callback_data.student, callback_data.kind, callback_data.mode
    )
    await show_main(screen, prefs)


async def on_main(_query: CallbackQuery, callback_data: SettingsViewCB, services: Services, screen: Screen):
    await show_main(screen, await services.preferences.of_child(screen.user, callback_data.student))


async def on_digest(_query: CallbackQuery, callback_data: SettingsViewCB, services: Services, screen: Screen):
    prefs = await services.preferences.of_child(screen.user, callback_data.student)
    await screen.state.clear()
    await screen.show(digest_text(prefs, screen.user), digest_keyboard(prefs))


async def on_quiet(_query: CallbackQuery, callback_data: SettingsViewCB, services: Services, screen: Screen):
    prefs = await services.preferences.of_child(screen.user, callback_data.student)
    await screen.state.clear()
    await screen.show(quiet_text(prefs, screen.user), quiet_keyboard(prefs))


async def on_digest_typed(_query: CallbackQuery, callback_data: SettingsViewCB, services: Services, screen: Screen):
    prefs = await services.preferences.of_child(screen.user, callback_data.student)
    await ask_typed(
        screen, prefs, SettingsStates.digest_time, _("Send the time of the digest as HH:MM, for example 18:30.")
    )


async def on_quiet_typed(_query: CallbackQuery, callback_data: SettingsViewCB, services: Services, screen: Screen):
    prefs = await services.preferences.of_child(screen.user, callback_data.student)
    await ask_typed(
        screen, prefs, SettingsStates.quiet_hours, _("Send the quiet hours as HH:MM–HH:MM, for example 22:30–07:00.")
    )


async def ask_typed(screen: Screen, prefs: ChildPreferences, waiting: State, prompt: str) -> None:
    """The screen asks for a typed value; the message is remembered, to give way to the answer's screen."""
    await screen.state.set_state(waiting)
    await screen.state.update_data(
        settings_student=prefs.student.student_id, settings_message=screen.tapped.message_id if screen.tapped else None
    )
    await screen.show(header(prefs) + "\n\n" + prompt, back_keyboard(prefs))


async def on_digest_time(_query: CallbackQuery, callback_data: DigestTimeCB, services: Services, screen: Screen):
    prefs = await services.preferences.set_digest_time(screen.user, callback_data.student, parse_time(callback_data.at))
    await show_main(screen, prefs)


async def on_quiet_hours(_query: CallbackQuery, callback_data: QuietHoursCB, services: Services, screen: Screen):
    quiet = None if callback_data.span == "off" else parse_quiet_hours(callback_data.span)
    prefs = await services.preferences.set_quiet_hours(screen.user, callback_data.student, quiet)
    await show_main(screen, prefs)


async def show_main(screen: Screen, prefs: ChildPreferences) -> None:
    await screen.state.clear()  # a tap on the screen ends any wait for a typed time
    await screen.show(main_text(prefs, screen.user), main_keyboard(prefs, screen.user))


async def on_typed_digest_time(message: Message, services: Services, screen: Screen):
    data = await screen.state.get_data()
    # A wrong time is answered by the error handler; the state stays, so the user simply tries again.
    prefs = await services.preferences.set_digest_time(screen.user, data["settings_student"], parse_time(message.text))
    await after_typed(screen, prefs, data)


async def on_typed_quiet_hours(message: Message, services: Services, screen: Screen):
    data = await screen.state.get_data()
    prefs = await services.preferences.set_quiet_hours(
        screen.user, data["settings_student"], parse_quiet_hours(message.text)
    )
    await after_typed(screen, prefs, data)


async def after_typed(screen: Screen, prefs: ChildPreferences, data: dict) -> None:
    """The prompt gives way to a fresh screen below the user's answer, so the chat keeps one settings message."""
    await screen.state.clear()
    if data.get("settings_message"):
        with suppress(TelegramBadRequest):  # already gone, or too old to delete
            await screen.bot.delete_message(screen.chat_id, data["settings_message"])
    await screen.send(main_text(prefs, screen.user), main_keyboard(prefs, screen.user))


# --- screens ---------------------------------------------------------------------------------------------


def header(prefs: ChildPreferences) -> str:
    card = prefs.student
    name = html.escape(f"{card.first_name} {card.last_name}")
    return (
        "<b>"
        + _("Notifications: {name}, {class_name}").format(name=name, class_name=html.escape(card.class_name))
        + "</b>"
    )


def clock_line(prefs: ChildPreferences, user: CurrentUser) -> str:
    city = get_timezone_location(prefs.timezone, locale=user.locale, return_city=True)
    return _("Times are by the school's clock ({city}).").format(city=html.escape(city))


def quiet_span(prefs: ChildPreferences) -> str:
    quiet = prefs.quiet_hours
    return time_span(quiet.starts, quiet.ends) if quiet else ""


def main_text(prefs: ChildPreferences, user: CurrentUser) -> str:
    lines = [
        header(prefs),
        "",
        _("Tap a kind of notification to change how it arrives: at once → in the digest → off."),
    ]
    if sum(1 for p in user.profiles if p.student_id is not None) > 1:
        lines.append(
            _(
                "Each child has their own settings: /switch to another child to set theirs. "
                "The digest time and the quiet hours are the same for all."
            )
        )
    lines += ["", _("Digest: every day at {time}.").format(time=f"{prefs.digest_time:%H:%M}")]
    if prefs.quiet_hours is None:
        lines.append(_("Quiet hours: none."))
    else:
        lines.append(
            _("Quiet hours: {span}; notifications wait until {end}.").format(
                span=quiet_span(prefs), end=f"{prefs.quiet_hours.ends:%H:%M}"
            )
        )
    if prefs.digest_in_quiet_hours:
        lines.append(_("The digest comes at its time even within the quiet hours."))
    lines.append(clock_line(prefs, user))
    return "\n".join(lines)


def main_keyboard(prefs: ChildPreferences, user: CurrentUser) -> InlineKeyboardMarkup:
    student = prefs.student.student_id
    keyboard = InlineKeyboardBuilder()
    for kind, mode in prefs.modes:
        keyboard.button(
            text=f"{MODE_ICONS[mode]} {_(NOTIFY_KINDS[kind])}: {_(NOTIFY_MODES[mode])}",
            callback_data=NotifyModeCB(student=student, kind=kind, mode=NEXT_MODE[mode]),
        )
    keyboard.button(
        text="🕖 " + _("Digest at {time}").format(time=f"{prefs.digest_time:%H:%M}"),
        callback_data=SettingsViewCB(student=student, view=SettingsView.digest),
    )
    keyboard.button(
        text="🌙 "
        + (_("Quiet hours {span}").format(span=quiet_span(prefs)) if prefs.quiet_hours else _("No quiet hours")),
        callback_data=SettingsViewCB(student=student, view=SettingsView.quiet),
    )
    if user.actor is not None:  # ACC-7: the consent given from this Telegram can be withdrawn here
        consents.withdraw_button(keyboard, user.actor.person_id)
    keyboard.adjust(*([1] * len(prefs.modes)), 2, 1)
    return keyboard.as_markup()


def digest_text(prefs: ChildPreferences, user: CurrentUser) -> str:
    return "\n".join(
        [
            header(prefs),
            "",
            _("At what time should the day's digest come? Now at {time}.").format(time=f"{prefs.digest_time:%H:%M}"),
            clock_line(prefs, user),
        ]
    )


def digest_keyboard(prefs: ChildPreferences) -> InlineKeyboardMarkup:
    student = prefs.student.student_id
    current = f"{prefs.digest_time:%H:%M}"
    keyboard = InlineKeyboardBuilder()
    for choice in DIGEST_CHOICES:
        keyboard.button(
            text=("✓ " if choice == current else "") + choice,
            callback_data=DigestTimeCB(student=student, at=choice.replace(":", "")),
        )
    keyboard.button(
        text=_("Other time…"), callback_data=SettingsViewCB(student=student, view=SettingsView.digest_typed)
    )
    keyboard.button(text="◀ " + _("Back"), callback_data=SettingsViewCB(student=student, view=SettingsView.main))
    keyboard.adjust(len(DIGEST_CHOICES), 1, 1)
    return keyboard.as_markup()


def quiet_text(prefs: ChildPreferences, user: CurrentUser) -> str:
    now = quiet_span(prefs) if prefs.quiet_hours else _("none")
    return "\n".join(
        [
            header(prefs),
            "",
            _("In the quiet hours no notification comes: they wait until the quiet hours end. Now: {span}.").format(
                span=now
            ),
            clock_line(prefs, user),
        ]
    )


def quiet_keyboard(prefs: ChildPreferences) -> InlineKeyboardMarkup:
    student = prefs.student.student_id
    current = quiet_span(prefs)
    keyboard = InlineKeyboardBuilder()
    for starts, ends in QUIET_CHOICES:
        span = f"{starts}–{ends}"
        keyboard.button(
            text=("✓ " if span == current else "") + span,
            callback_data=QuietHoursCB(student=student, span=f"{starts}-{ends}".replace(":", "")),
        )
    keyboard.button(
        text=("✓ " if prefs.quiet_hours is None else "") + _("No quiet hours"),
        callback_data=QuietHoursCB(student=student, span="off"),
    )
    keyboard.button(
        text=_("Other hours…"), callback_data=SettingsViewCB(student=student, view=SettingsView.quiet_typed)
    )
    keyboard.button(text="◀ " + _("Back"), callback_data=SettingsViewCB(student=student, view=SettingsView.main))
    keyboard.adjust(len(QUIET_CHOICES), 1, 1, 1)
    return keyboard.as_markup()


def back_keyboard(prefs: ChildPreferences) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text="◀ " + _("Back"), callback_data=SettingsViewCB(student=prefs.student.student_id, view=SettingsView.main)
    )
    return keyboard.as_markup()


async def on_withdraw_ask(_query: CallbackQuery, callback_data: WithdrawCB, screen: Screen):
    """ACC-7: «Отозвать согласие» asks first; the button must be this profile's own (a stale or forged one is not)."""
    if screen.user.actor is None or callback_data.person != screen.user.actor.person_id:
        screen.out_of_date()
        return
    is_parent = screen.user.student_id is not None and screen.user.student_id != screen.user.actor.student_id
    await screen.state.clear()
    await screen.show(
        consents.withdraw_question(is_parent),
        consents.withdraw_keyboard(callback_data.person, screen.user.student_id or 0),
    )


async def on_withdraw(_query: CallbackQuery, callback_data: WithdrawCB, services: Services, screen: Screen):
    """ACC-7: withdrawn and recorded; access ends at once (the menu of what is left, or none)."""
    if screen.user.actor is None or callback_data.person != screen.user.actor.person_id:
        screen.out_of_date()
        return
    await services.invites.withdraw_consent(screen.user.account_id, callback_data.person)
    if screen.tapped is not None:
        await screen.tapped.edit_reply_markup(reply_markup=None)
    user = await services.accounts.reread(screen.user)
    if user.linked:
        await show_menu(screen.bot, screen.chat_id, user, consents.withdrawn_text() + "\n\n" + help_text(user))
    else:
        await hide_menu(screen.bot, screen.chat_id, consents.withdrawn_text())


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_settings, menu_filter("settings"))
    router.callback_query.register(on_withdraw_ask, WithdrawCB.filter(F.step == WithdrawStep.ask))
    router.callback_query.register(on_withdraw, WithdrawCB.filter(F.step == WithdrawStep.confirm))
    typed = F.text & ~F.text.startswith("/")  # a command while typing goes on to its own handler
    router.message.register(on_typed_digest_time, StateFilter(SettingsStates.digest_time), typed)
    router.message.register(on_typed_quiet_hours, StateFilter(SettingsStates.quiet_hours), typed)
    router.callback_query.register(on_mode, NotifyModeCB.filter())
    router.callback_query.register(on_main, SettingsViewCB.filter(F.view == SettingsView.main))
    router.callback_query.register(on_digest, SettingsViewCB.filter(F.view == SettingsView.digest))
    router.callback_query.register(on_quiet, SettingsViewCB.filter(F.view == SettingsView.quiet))
    router.callback_query.register(on_digest_typed, SettingsViewCB.filter(F.view == SettingsView.digest_typed))
    router.callback_query.register(on_quiet_typed, SettingsViewCB.filter(F.view == SettingsView.quiet_typed))
    router.callback_query.register(on_digest_time, DigestTimeCB.filter())
    router.callback_query.register(on_quiet_hours, QuietHoursCB.filter())
    return router
