"""/class: the class teacher's class (ACC-4) on a few screens that the buttons edit in place:
- the main one: today's lessons of the class, who missed which, and where attendance is not taken yet;
- the absences still without a reason, oldest first, with the ABS-3 deadline, and a reason for a student's day
  or for one lesson (ABS-2);
- who has not linked Telegram yet, and fresh invite codes for them (ACC-6), sent to the class teacher only: for
  all of them, or for one person (a lost paper, a logout) without voiding the others' codes (ACC-8).
A teacher who leads several classes gets one screen per class."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from html import escape
from itertools import groupby

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.class_absences import ClassAbsence, ClassDay, ClassLesson
from services.container import Services
from services.errors import NotFound
from services.invites import IssuedCode, UnlinkedPerson
from services.models import AbsenceReason, Channel, ConsentAnswer, Role
from ui.callbacks import ClassCB, ClassReasonCB, ClassReport, ClassReportCB, ClassView, ReasonScope
from ui.formatting import absence_reason, day_title, short_date, split_text
from ui.invite_links import InviteLinks
from ui.labels import ROLE_NAMES
from ui.menus import menu_filter
from ui.screens import Screen

CODE_TTL = timedelta(days=14)
PICK_PAGE = 20  # people per page of «A code for one person»
MAX_DAY_BUTTONS = 40  # a long list keeps its text; the oldest days get buttons first
REASONS = (AbsenceReason.EXCUSED, AbsenceReason.ILLNESS, AbsenceReason.UNEXCUSED)  # ABS-2


# ---- shared with /documents ------------------------------------------------------------------------------


def reason_button(reason: AbsenceReason, locale: str) -> str:
    """«Уважительная причина», «По болезни», «Неуважительная причина»: the regulations' terms."""
    label = absence_reason(reason, locale)
    return label[:1].upper() + label[1:]


def applied_text(count: int) -> str:
    if not count:
        return _("There are no absences in the journal for these days yet.")
    return ngettext("The reason is set for {count} absence.", "The reason is set for {count} absences.", count).format(
        count=count
    )


# ---- the main screen -------------------------------------------------------------------------------------


async def cmd_class(_message: Message, services: Services, screen: Screen):
    for led in await services.class_absences.led_classes(screen.user.actor):
        await show_main(screen, services, led.id)


async def on_main(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    await show_main(screen, services, callback_data.cls)


async def show_main(screen: Screen, services: Services, class_id: int) -> None:
    user = screen.user
    day = await services.class_absences.class_day(user.actor, class_id)  # refuses another's class (ACC-4)
    missing = await services.class_absences.unreasoned(user.actor, class_id)
    unlinked = await services.invites.unlinked(user.actor, class_id)
    keyboard = InlineKeyboardBuilder()
    if missing:
        keyboard.button(
            text=_("Absences without a reason ({count})").format(count=len(missing)),
            callback_data=ClassCB(cls=class_id, view=ClassView.reasons),
        )
    if unlinked:
        keyboard.button(
            text=_("Not linked ({count})").format(count=len(unlinked)),
            callback_data=ClassCB(cls=class_id, view=ClassView.unlinked),
        )
    keyboard.button(text=_("📊 Reports"), callback_data=ClassReportCB(cls=class_id, kind=ClassReport.menu))
    keyboard.button(text=_("🔄 Refresh"), callback_data=ClassCB(cls=class_id, view=ClassView.main))
    keyboard.adjust(1)
    await screen.show(split_text(main_text(day, missing, unlinked, user.locale)), keyboard.as_markup())


def main_text(day: ClassDay, missing: list[ClassAbsence], unlinked: list[UnlinkedPerson], locale: str) -> str:
    head = "<b>" + _("My class: {name}").format(name=escape(day.class_name)) + "</b>"
    today = "<b>" + _("{day}: attendance").format(day=day_title(day.day, locale)) + "</b>"
    if day.lessons:
        today += "\n" + "\n".join(lesson_line(lesson) for lesson in day.lessons)
    elif day.holiday:
        today += "\n" + _("No lessons today: {holiday}.").format(holiday=escape(day.holiday))
    else:
        today += "\n" + _("No lessons today.")
    if missing:
        overdue = sum(a.overdue for a in missing)
        summary = _("Absences without a reason: {count}").format(count=len(missing))
        if overdue:
            summary += " (" + _("overdue: {count}").format(count=overdue) + " ⚠️)"
    else:
        summary = _("Every absence has a reason. ✅")
    summary += "\n" + (
        _("Not linked to the bot: {count}").format(count=len(unlinked))
        if unlinked
        else _("All students and parents have linked the bot. ✅")
    )
    return f"{head}\n\n{today}\n\n{summary}"


def lesson_line(lesson: ClassLesson) -> str:
    subject = escape(lesson.subject) + (f" ({escape(lesson.subgroup)})" if lesson.subgroup else "")
    if not lesson.taken:
        state = _("attendance not taken yet")
    elif lesson.absent:
        state = ngettext("absent: {names}", "absent: {names}", len(lesson.absent)).format(
            names=escape(", ".join(lesson.absent))
        )
    else:
        state = _("everyone present")
    return f"{lesson.number}. {subject} — {state}"


def back_to_class(keyboard: InlineKeyboardBuilder, class_id: int) -> None:
    keyboard.button(text=_("◀ My class"), callback_data=ClassCB(cls=class_id, view=ClassView.main))


# ---- absences without a reason (ABS-2, ABS-3) -------------------------------------------------------------


def student_days(absences: Iterable[ClassAbsence]) -> list[list[ClassAbsence]]:
    """A student's absences of one day go together: a note usually covers the day."""
    return [list(group) for _key, group in groupby(absences, key=lambda a: (a.date, a.student_id))]


async def on_reasons(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    await show_reasons(screen, services, callback_data.cls)


async def show_reasons(screen: Screen, services: Services, class_id: int) -> None:
    user = screen.user
    missing = await services.class_absences.unreasoned(user.actor, class_id)
    days = student_days(missing)
    keyboard = InlineKeyboardBuilder()
    for day in [d for d in days if d[0].editable][:MAX_DAY_BUTTONS]:
        keyboard.button(
            text=f"{day[0].student_name} · {short_date(day[0].date, user.locale)}",
            callback_data=ClassReasonCB(cls=class_id, absence=day[0].absence_id, scope=ReasonScope.day),
        )
    back_to_class(keyboard, class_id)
    keyboard.adjust(1)
    await screen.show(split_text(reasons_text(days, user.locale)), keyboard.as_markup())


def reasons_text(days: list[list[ClassAbsence]], locale: str) -> str:
    head = "<b>" + _("Absences without a reason") + "</b>"
    if not days:
        return head + "\n\n" + _("No absences without a reason. ✅")
    lines = [head, _("Oldest first, each with the day its reason is due."), ""]
    lines += [day_line(day, locale) for day in days]
    locked = [day[0] for day in days if not day[0].editable]
    if locked:
        count = locked[0].edit_window_days
        lines += [
            "",
            "🔒 "
            + ngettext(
                "More than {days} day has passed: the reason can no longer be set here.",
                "More than {days} days have passed: the reason can no longer be set here.",
                count,
            ).format(days=count),
        ]
    return "\n".join(lines)


def day_line(day: list[ClassAbsence], locale: str) -> str:
    first = day[0]
    lessons = ", ".join(f"{a.lesson_number}. {escape(a.subject)}" for a in day)
    line = _("{name}, {date}: {lessons}; due {due}").format(
        name="<b>" + escape(first.student_name) + "</b>",
        date=short_date(first.date, locale),
        lessons=lessons,
        due=short_date(first.due, locale),
    )
    if first.overdue:
        line += " ⚠️ " + _("overdue")
    return line if first.editable else "🔒 " + line


async def on_day_reason(_query: CallbackQuery, callback_data: ClassReasonCB, services: Services, screen: Screen):
    """The reason for the student's absences of the day that have none (the service re-checks the class and J-9)."""
    count = await services.absences.set_day_reason(screen.user.actor, callback_data.absence, callback_data.reason)
    screen.toast(applied_text(count))
    await show_reasons(screen, services, callback_data.cls)


async def on_lesson_reason(_query: CallbackQuery, callback_data: ClassReasonCB, services: Services, screen: Screen):
    await services.absences.set_reason(screen.user.actor, callback_data.absence, callback_data.reason)
    screen.toast(applied_text(1))
    await show_reasons(screen, services, callback_data.cls)


async def on_reason_choice(_query: CallbackQuery, callback_data: ClassReasonCB, services: Services, screen: Screen):
    """No reason in the button yet: the reasons to choose from, for the day or for the lesson."""
    user = screen.user
    day = await services.class_absences.absence_day(user.actor, callback_data.absence)  # refuses another's class
    if not day:  # the student has left the school meanwhile (ACC-9)
        raise NotFound("absence.not_found")
    one = callback_data.scope is ReasonScope.one
    chosen = [a for a in day if a.absence_id == callback_data.absence] if one else day
    first = day[0]
    lines = [f"<b>{escape(first.student_name)}</b>, {day_title(first.date, user.locale)}", ""]
    lines += [f"{a.lesson_number}. {escape(a.subject)}: {absence_reason(a.reason, user.locale)}" for a in day]
    lines += ["", _("Due {date}").format(date=short_date(first.due, user.locale)), ""]
    if one:
        lines.append(
            _("Which reason for lesson {number}, {subject}?").format(
                number=chosen[0].lesson_number, subject=escape(chosen[0].subject)
            )
        )
    else:
        lines.append(_("Which reason for this day's absences that have none?"))
    keyboard = InlineKeyboardBuilder()
    for reason in REASONS:
        keyboard.button(
            text=reason_button(reason, user.locale), callback_data=callback_data.model_copy(update={"reason": reason})
        )
    if not one and len(day) > 1:
        for a in day:
            keyboard.button(
                text=_("Only lesson {number}, {subject}").format(number=a.lesson_number, subject=a.subject),
                callback_data=ClassReasonCB(cls=callback_data.cls, absence=a.absence_id, scope=ReasonScope.one),
            )
    if one and len(day) > 1:
        keyboard.button(
            text=_("◀ Back"),
            callback_data=ClassReasonCB(cls=callback_data.cls, absence=callback_data.absence, scope=ReasonScope.day),
        )
    else:
        keyboard.button(text=_("◀ Back"), callback_data=ClassCB(cls=callback_data.cls, view=ClassView.reasons))
    keyboard.adjust(1)
    await screen.show(split_text("\n".join(lines)), keyboard.as_markup())


# ---- who has not linked Telegram, and fresh codes (ACC-6, ACC-7) -------------------------------------------


async def on_unlinked(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    await show_unlinked(screen, services, callback_data.cls)


async def show_unlinked(screen: Screen, services: Services, class_id: int) -> None:
    people = await services.invites.unlinked(screen.user.actor, class_id)
    keyboard = InlineKeyboardBuilder()
    if people:
        keyboard.button(text=_("🔑 A code for one person"), callback_data=ClassCB(cls=class_id, view=ClassView.pick))
        keyboard.button(
            text=_("🔑 New codes for all of them"), callback_data=ClassCB(cls=class_id, view=ClassView.codes_ask)
        )
    back_to_class(keyboard, class_id)
    keyboard.adjust(1)
    await screen.show(split_text(unlinked_text(people, screen.locale)), keyboard.as_markup())


def unlinked_text(people: list[UnlinkedPerson], locale: str) -> str:
    head = "<b>" + _("Not linked to the bot") + "</b>"
    if not people:
        return head + "\n\n" + _("All students and parents have linked the bot. ✅")
    students = [p for p in people if p.role == Role.STUDENT]
    parents = [p for p in people if p.role == Role.PARENT]
    blocks = [head]
    if students:
        blocks.append(
            "\n".join(
                [_("Students ({count}):").format(count=len(students))] + [person_line(p, locale) for p in students]
            )
        )
    if parents:
        blocks.append(
            "\n".join([_("Parents ({count}):").format(count=len(parents))] + [person_line(p, locale) for p in parents])
        )
    return "\n\n".join(blocks)


def person_line(person: UnlinkedPerson, locale: str) -> str:
    line = "• " + escape(person.full_name)
    if person.children:
        line += " (" + escape(", ".join(person.children)) + ")"
    notes = []
    if person.consent == ConsentAnswer.DECLINED:
        notes.append(_("declined the consent"))
    elif person.consent == ConsentAnswer.WITHDRAWN:
        notes.append(_("withdrew the consent"))
    if person.code_expires_at is not None:
        notes.append(
            _("a code is given, valid till {date}").format(date=short_date(person.code_expires_at.date(), locale))
        )
    return line + (" — " + "; ".join(notes) if notes else "")


async def on_codes_ask(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    """Fresh codes make the older unused ones stop working: one more tap, so a slip does not void handed-out paper."""
    class_id = callback_data.cls
    people = await services.invites.unlinked(screen.user.actor, class_id)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Issue the codes"), callback_data=ClassCB(cls=class_id, view=ClassView.codes))
    keyboard.button(text=_("◀ Back"), callback_data=ClassCB(cls=class_id, view=ClassView.unlinked))
    keyboard.adjust(1)
    text = (
        _("Issue new codes to those not linked ({count})?").format(count=len(people))
        + "\n"
        + _("Codes given to them before and not used yet will stop working.")
    )
    await screen.show(text, keyboard.as_markup())


async def on_codes(
    _query: CallbackQuery,
    callback_data: ClassCB,
    services: Services,
    screen: Screen,
    invite_links: InviteLinks | None = None,
):
    """The codes go in new messages without buttons, so that no tap edits them away; never into the log."""
    codes = await services.invites.for_unlinked(screen.user.actor, callback_data.cls, CODE_TTL)
    await show_unlinked(screen, services, callback_data.cls)
    if codes:
        await send_codes(screen, codes, invite_links)


async def send_codes(screen: Screen, codes: list[IssuedCode], links: InviteLinks | None) -> None:
    """`links`: the bots the codes lead to (the program names each messenger it serves); by default this bot."""
    if links is None:
        name = (await screen.bot.me()).username
        links = InviteLinks(max=name) if getattr(screen.bot, "channel", None) is Channel.MAX else InviteLinks(name)
    for part in split_text(codes_text(codes, links)):
        await screen.send(part)


async def on_pick(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    """ACC-6: the people not linked, one button each (students, then parents), a page at a time."""
    class_id = callback_data.cls
    people = await services.invites.unlinked(screen.user.actor, class_id)
    pages = max(1, -(-len(people) // PICK_PAGE))
    page = min(callback_data.page, pages - 1)
    keyboard = InlineKeyboardBuilder()
    for person in people[page * PICK_PAGE : (page + 1) * PICK_PAGE]:
        keyboard.button(
            text=pick_label(person),
            callback_data=ClassCB(cls=class_id, view=ClassView.one_ask, person=person.person_id),
        )
    rows = [1] * len(people[page * PICK_PAGE : (page + 1) * PICK_PAGE])
    if pages > 1:
        keyboard.button(text="◀", callback_data=ClassCB(cls=class_id, view=ClassView.pick, page=(page - 1) % pages))
        keyboard.button(text="▶", callback_data=ClassCB(cls=class_id, view=ClassView.pick, page=(page + 1) % pages))
        rows.append(2)
    keyboard.button(text=_("◀ Back"), callback_data=ClassCB(cls=class_id, view=ClassView.unlinked))
    keyboard.adjust(*rows, 1)
    if people:
        text = _("Who needs a new code?")
        if pages > 1:
            text += " " + _("Page {page} of {pages}.").format(page=page + 1, pages=pages)
    else:
        text = _("All students and parents have linked the bot. ✅")
    await screen.show(text, keyboard.as_markup())


def pick_label(person: UnlinkedPerson) -> str:
    """«Алексеева Мария (родитель: Алексеев Артём)» — a button's text, so no HTML."""
    if person.role == Role.PARENT and person.children:
        return _("{name} (parent: {children})").format(name=person.full_name, children=", ".join(person.children))
    return f"{person.full_name} ({_(ROLE_NAMES[person.role])})"


async def on_one_ask(_query: CallbackQuery, callback_data: ClassCB, services: Services, screen: Screen):
    """One more tap only where it costs something: the person's code handed out before stops working."""
    class_id, person_id = callback_data.cls, callback_data.person
    people = {p.person_id: p for p in await services.invites.unlinked(screen.user.actor, class_id)}
    person = people.get(person_id)
    if person is None:
        raise NotFound("person.not_found")
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("Issue the code"), callback_data=ClassCB(cls=class_id, view=ClassView.one, person=person_id))
    keyboard.button(text=_("◀ Back"), callback_data=ClassCB(cls=class_id, view=ClassView.pick))
    keyboard.adjust(1)
    lines = [_("A new code for {name}?").format(name=escape(pick_label(person)))]
    if person.code_expires_at is not None:
        lines.append(
            _("The code given before (valid till {date}) will stop working; nobody else's code changes.").format(
                date=short_date(person.code_expires_at.date(), screen.locale)
            )
        )
    else:
        lines.append(_("Nobody else's code changes."))
    await screen.show("\n".join(lines), keyboard.as_markup())


async def on_one(
    _query: CallbackQuery,
    callback_data: ClassCB,
    services: Services,
    screen: Screen,
    invite_links: InviteLinks | None = None,
):
    code = await services.invites.for_one(screen.user.actor, callback_data.cls, callback_data.person, CODE_TTL)
    await show_unlinked(screen, services, callback_data.cls)
    await send_codes(screen, [code], invite_links)


def codes_text(codes: list[IssuedCode], links: InviteLinks) -> str:
    """Each code with its deep links (Telegram, MAX): a tap on one opens the bot with the code already in it."""
    bots = [f"@{links.telegram}"] if links.telegram else []
    bots += [f"{links.max} (MAX)"] if links.max else []
    lines = [
        "<b>" + _("New codes") + "</b>",
        _(
            "Each code is valid for {days} days and works once. Give each person only their own code: "
            "they open the bot {bot}, tap Start and send the code."
        ).format(days=CODE_TTL.days, bot=escape(", ".join(bots))),
        "",
    ]
    for c in codes:
        deep_links = " · ".join(f'<a href="{escape(url)}">{name}</a>' for name, url in links.of(c.code))
        line = f"{escape(c.full_name)} ({_(ROLE_NAMES[c.role])}): <code>{c.code}</code>"
        lines.append(f"{line} — {deep_links}" if deep_links else line)
    return "\n".join(lines)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_class, menu_filter("class"))
    for view, handler in (
        (ClassView.main, on_main),
        (ClassView.reasons, on_reasons),
        (ClassView.unlinked, on_unlinked),
        (ClassView.codes_ask, on_codes_ask),
        (ClassView.codes, on_codes),
        (ClassView.pick, on_pick),
        (ClassView.one_ask, on_one_ask),
        (ClassView.one, on_one),
    ):
        router.callback_query.register(handler, ClassCB.filter(F.view == view))
    router.callback_query.register(on_reason_choice, ClassReasonCB.filter(F.reason.is_(None)))
    chosen = F.reason.is_not(None)
    router.callback_query.register(on_day_reason, ClassReasonCB.filter(chosen & (F.scope == ReasonScope.day)))
    router.callback_query.register(on_lesson_reason, ClassReasonCB.filter(chosen & (F.scope == ReasonScope.one)))
    return router
