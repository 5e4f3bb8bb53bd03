"""Each profile's menu: a reply keyboard and the command list in Telegram's menu, in the user's language.

The command list is set for the user's chat only (setMyCommands with a chat scope), so a teacher and a
parent using the same bot see different menus. An entry is listed once its flow exists; the flow's
handler takes both the command and the keyboard button through `menu_filter`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F
from aiogram.filters import Command, MagicData, or_f
from aiogram.types import BotCommand, BotCommandScopeChat, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.i18n import lazy_gettext
from aiogram.utils.keyboard import ReplyKeyboardBuilder

from services.accounts import CurrentUser
from services.models import Role
from ui.i18n import N_, gettext


@dataclass(frozen=True)
class MenuEntry:
    command: str
    description: str  # in the command list
    button: str | None = None  # on the reply keyboard; None: the command list only
    roles: frozenset[Role] = frozenset()  # whose menu it is in; empty: everyone's
    needs_choice: bool = False  # shown only to an account with several profiles


FAMILY = frozenset({Role.PARENT, Role.STUDENT})
TEACHING = frozenset({Role.TEACHER})
CLASS_TEACHING = frozenset({Role.CLASS_TEACHER})
CONTROL = frozenset({Role.DEPUTY, Role.ADMIN})  # ROLE-2: the deputy director controls the journal
# ROLE-2: the secretary keeps the lists of students and parents (their consents, ACC-7) and the movement book.
RECORDS = frozenset({Role.SECRETARY, Role.ADMIN})

ENTRIES = (
    MenuEntry("diary", N_("Diary: lessons, marks and homework by day"), N_("Diary"), FAMILY),
    MenuEntry("homework", N_("Homework due"), N_("Homework"), FAMILY),
    MenuEntry("marks", N_("Marks and averages"), N_("Marks"), FAMILY),
    MenuEntry("schedule", N_("Timetable of the week"), N_("Timetable"), FAMILY),
    MenuEntry("absence", N_("Absences and documents for them"), N_("Absences"), FAMILY),
    MenuEntry("settings", N_("Notification settings"), N_("Settings"), FAMILY),
    MenuEntry("today", N_("Lessons of the day: attendance, marks, topic, homework"), N_("Lessons"), TEACHING),
    MenuEntry("period", N_("Period marks of a class"), N_("Period marks"), TEACHING),
    MenuEntry("reports", N_("Reports: class sheets, the school's results"), N_("Reports"), TEACHING | CONTROL),
    MenuEntry("class", N_("My class: absences, attendance today, access codes"), N_("My class"), CLASS_TEACHING),
    MenuEntry("documents", N_("Absence documents from parents"), N_("Documents"), CLASS_TEACHING),
    MenuEntry("corrections", N_("Correction requests to decide"), N_("Corrections"), CONTROL),
    MenuEntry("control", N_("Journal control: what is missing"), N_("Journal control"), CONTROL),
    MenuEntry("movement", N_("Student movement book: leaving, transfers, arrivals"), N_("Movement book"), RECORDS),
    MenuEntry(
        "yearend", N_("Year's end: the council's decisions, the conditionally promoted"), N_("Year's end"), CONTROL
    ),
    MenuEntry("substitutions", N_("Substitute teachers for absent ones"), N_("Substitutions"), CONTROL),
    MenuEntry("history", N_("History of changes: who changed what in the journal"), N_("History of changes"), CONTROL),
    MenuEntry("consents", N_("Consents to personal data processing, by class"), N_("Consents"), RECORDS),
    MenuEntry("revise", N_("A mark changed by the director's order"), None, CONTROL),
    MenuEntry(
        "announce",
        N_("Announcement to the school, a grade, a class or parents"),
        N_("Announcement"),
        CONTROL | CLASS_TEACHING,
    ),
    MenuEntry("switch", N_("Switch between roles and children"), N_("Switch profile"), needs_choice=True),
    MenuEntry("help", N_("What the bot can do")),
    MenuEntry("language", N_("Language")),
    MenuEntry("logout", N_("Log out")),
)
BY_COMMAND = {entry.command: entry for entry in ENTRIES}


def entries_for(user: CurrentUser) -> list[MenuEntry]:
    return [
        e for e in ENTRIES if (not e.roles or e.roles & user.roles) and (not e.needs_choice or len(user.profiles) > 1)
    ]


def is_menu_choice(text: str, locale: str) -> bool:
    """A command, or the label of any menu's keyboard button in this language: the user went somewhere else."""
    return text.startswith("/") or text in {gettext(e.button, locale) for e in ENTRIES if e.button}


def menu_filter(command: str):
    """The command, or a tap on its keyboard button in the user's language."""
    entry = BY_COMMAND[command]
    if entry.button is None:
        return Command(command)
    # MagicData, not a bare `F.text == …`: aiogram runs a filter that is not a coroutine (a magic filter too) in a
    # worker thread, and an update is tried against every menu entry before its own: a thread hop each.
    return or_f(Command(command), MagicData(F.event.text == lazy_gettext(entry.button)))


def keyboard(user: CurrentUser) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    buttons = [gettext(e.button, user.locale) for e in entries_for(user) if e.button]
    if not buttons:
        return ReplyKeyboardRemove()
    builder = ReplyKeyboardBuilder()
    for text in buttons:
        builder.button(text=text)
    builder.adjust(2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def help_text(user: CurrentUser) -> str:
    return "\n".join(f"/{e.command} — {gettext(e.description, user.locale)}" for e in entries_for(user))


def every_command(locale: str) -> list[BotCommand]:
    """Every command of every profile: the one list a bot has in MAX, which keeps no list per chat."""
    return [BotCommand(command=e.command, description=gettext(e.description, locale)) for e in ENTRIES]


async def show_menu(bot: Bot, chat_id: int, user: CurrentUser, text: str) -> None:
    """Sends `text` with the profile's keyboard and sets the profile's command list."""
    commands = [
        BotCommand(command=e.command, description=gettext(e.description, user.locale)) for e in entries_for(user)
    ]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    await bot.send_message(chat_id, text, reply_markup=keyboard(user))


async def hide_menu(bot: Bot, chat_id: int, text: str) -> None:
    """After logout: back to the bot's default commands, and no keyboard."""
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    await bot.send_message(chat_id, text, reply_markup=ReplyKeyboardRemove())
