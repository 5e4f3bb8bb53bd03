"""A lesson's marks (J-5..J-8): choose the work type, then give marks fast — tap a student and a value, or send
lines such as «Иванов 5» or «12 4» (roster number and mark), several in one message. The marks wait in a draft
(FSM data) shown as a preview, lines not understood listed apart; «Save» writes them all or none. A student may
get several marks a day (J-6, one more round), and a mark though absent (J-7). A saved mark given by mistake is
deleted from the student's screen. A lesson past the edit window (J-9) sends the draft as a correction request.

The roster shows the marks the lesson already has, so that a second one is given knowingly (J-6); deleting one
asks first. «◀ Lesson» with marks not saved asks «Save / Don't save»; a draft lost in a restart says so.

Typed lines are taken only in the MarksEntry state; /cancel or «◀ Lesson» leaves it."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.drafts import forget_saved, new_draft_id, remember_saved, saved_now, was_saved
from services.accounts import CurrentUser
from services.container import Services
from services.correction_changes import AddMark
from services.errors import InvalidInput, NotFound
from services.journal import LessonView, MarkOptions, RosterEntry
from services.text import clean_text
from ui.callbacks import LessonCB, LessonPart, MarkEntryAction, MarkEntryCB
from ui.filters import not_for_others
from ui.formatting import split_text, work_type_name
from ui.screens import Screen
from ui.states import MarksEntry

from .attendance import roster_rows, surname_button
from .correction_request import offer_correction
from .lesson import ask_unsaved, lesson_title, locked_lines, show_card

KIND = DRAFT = "marks"  # FSM data: {"lesson": id, "type": work type id, "entries": {"<student id>": value},
# "id": draft id} and, once written, "saved": True (handlers.drafts)
ABSENT_WORDS = {"н", "нб", "н/б", "от", "n"}  # how «absent» is written on paper and in the journal (J-12)
SURNAME_PREFIX = 3  # «Мед» may stand for «Медведев»; two letters name too many
ERRORS_SHOWN = 10  # a pasted essay is not echoed back line by line


class LineError(Exception):
    """A typed line that names no one student, or no mark; the message is for the teacher."""


# ---- the steps ---------------------------------------------------------------------------------------------


async def on_open(query: CallbackQuery, callback_data: LessonCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    await leave(screen.state)
    await show_types(screen, view, options)


async def on_type(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    work_type = options.work_type(callback_data.work_type)  # refuses a work type of another school
    draft = {"lesson": view.lesson_id, "type": work_type.id, "entries": {}, "id": new_draft_id()}
    await screen.state.update_data({DRAFT: draft})
    await screen.state.set_state(MarksEntry.lines)
    await forget_saved(screen.state, KIND, view.lesson_id)
    await show_list(screen, view, options, draft)


async def on_student(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    entry = view.entry(callback_data.student)  # refuses a student who is not in the lesson
    draft = await draft_of(screen.state, view)
    if draft is None:
        await gone(screen, view, options)
        return
    await show_student(screen, view, options, draft, entry)


async def on_value(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    view.entry(callback_data.student)
    options.check(callback_data.value)  # J-8: a value off the scale is refused with the reason
    await change_draft(
        screen, view, options, lambda entries: entries.update({str(callback_data.student): callback_data.value})
    )


async def on_drop(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    await change_draft(screen, view, options, lambda entries: entries.pop(str(callback_data.student), None))


async def change_draft(
    screen: Screen, view: LessonView, options: MarkOptions, change: Callable[[dict[str, int]], object]
) -> None:
    """`change(entries)` on the draft's marks, then the list again."""
    async with screen.lock():
        draft = await draft_of(screen.state, view)
        if draft is None:
            await gone(screen, view, options)
            return
        entries = dict(draft["entries"])
        change(entries)
        draft = {**draft, "entries": entries}
        await screen.state.update_data({DRAFT: draft})
        await show_list(screen, view, options, draft)


async def on_list(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    draft = await draft_of(screen.state, view)
    if draft is None:
        await gone(screen, view, options)
        return
    await show_list(screen, view, options, draft)


async def on_lines(message: Message, screen: Screen, services: Services):
    """Typed lines go into the draft; the preview lists them, and the lines not understood apart."""
    draft = (await screen.state.get_data()).get(DRAFT) or {}
    if not draft or draft.get("saved"):  # the draft is gone (saved meanwhile): the text is not marks any more
        await screen.state.set_state(None)
        await screen.send(_("Send /help to see what the bot can do."))
        return
    view, options = await lesson_of(services, screen.user, draft["lesson"])
    entries, errors = read_lines(message.text, view, options, screen)
    async with screen.lock():
        draft = await draft_of(screen.state, view)
        if draft is None:
            return
        draft = {**draft, "entries": {**draft["entries"], **{str(s): v for s, v in entries.items()}}}
        await screen.state.update_data({DRAFT: draft})
    await show_list(screen, view, options, draft, errors=errors)


async def on_delete(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    """A saved mark given by mistake: asked first, a journal entry is not undone by a slip of the finger."""
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    entry, mark = mark_of(view, callback_data.mark)
    draft = await draft_of(screen.state, view)
    text = head(view, options, draft, screen.locale) if draft else [lesson_title(view, screen.locale), ""]
    text.append(
        _("Delete the mark {value} ({work_type}) of {name}?").format(
            value=mark[1], work_type=escape(mark[2]), name=escape(entry.name)
        )
    )
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, delete"),
        callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.erase, mark=mark[0]),
    )
    builder.button(
        text=_("Don't delete"),
        callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.student, student=entry.student_id),
    )
    builder.adjust(1)
    await screen.show(split_text("\n".join(text)), builder.as_markup())


async def on_erase(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    """The deletion confirmed (within the edit window; the service re-checks the mark and the lesson)."""
    view, options = await lesson_of(services, screen.user, callback_data.lesson)
    entry, _mark = mark_of(view, callback_data.mark)
    await services.journal.delete_mark(screen.user.actor, callback_data.mark)
    screen.toast(_("The mark is deleted."))
    view = await services.journal.lesson_view(screen.user.actor, view.lesson_id)
    draft = await draft_of(screen.state, view)
    if draft is None:
        await show_card(screen, view)
        return
    await show_student(screen, view, options, draft, view.entry(entry.student_id))


async def on_save(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    async with screen.lock():
        draft = await draft_of(screen.state, view, saved=True)
    if (draft and draft.get("saved")) or (draft is None and await was_saved(screen.state, KIND, view.lesson_id)):
        # a second tap that came after the first one's save, on this screen or on an older one
        screen.toast(_("Already saved."))
        await show_card(screen, view)
        return
    if draft is None:  # a restart without REDIS_URL, or a screen whose marks were not kept: said, not hidden
        await gone(screen, view, await services.journal.mark_options(screen.user.actor, view.lesson_id))
        return
    if not draft["entries"]:
        screen.toast(_("No marks to save yet."))
        return
    entries = [(int(student), value) for student, value in draft["entries"].items()]
    if not view.editable:  # J-9: the marks go to the deputy director as a correction request (J-10)
        await leave(screen.state)
        await offer_correction(
            screen,
            view,
            [AddMark(student_id=student, value=value, work_type_id=draft["type"]) for student, value in entries],
        )
        return
    if await saved_now(
        services.journal.add_marks(screen.user.actor, view.lesson_id, draft["type"], entries, draft=draft.get("id"))
    ):  # all or none, once
        screen.toast(ngettext("{count} mark saved.", "{count} marks saved.", len(entries)).format(count=len(entries)))
    else:  # a second tap in flight at once: the first one wrote them
        screen.toast(_("Already saved."))
    await leave(screen.state, saved=draft)
    await remember_saved(screen.state, KIND, view.lesson_id)
    await show_card(screen, await services.journal.lesson_view(screen.user.actor, view.lesson_id))


async def on_back(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    """«◀ Lesson»: marks not saved are not dropped without a word; the teacher chooses."""
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    draft = await draft_of(screen.state, view)
    if draft and draft["entries"]:
        count = len(draft["entries"])
        question = ngettext(
            "{count} mark is not saved. Save it?", "Marks are not saved ({count}). Save them?", count
        ).format(count=count)
        await ask_unsaved(
            screen,
            view,
            question,
            *(
                MarkEntryCB(lesson=view.lesson_id, action=action)
                for action in (MarkEntryAction.save, MarkEntryAction.discard, MarkEntryAction.list)
            ),
        )
        return
    await leave(screen.state)
    await show_card(screen, view)


async def on_discard(query: CallbackQuery, callback_data: MarkEntryCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    if await draft_of(screen.state, view):
        await leave(screen.state)
        screen.toast(_("Not saved."))
    await show_card(screen, view)


async def gone(screen: Screen, view: LessonView, options: MarkOptions) -> None:
    """A tap on a marks screen whose draft is not here: saved (the teacher is told so), or lost in a restart
    or left (the teacher is told the marks on the screen were not saved, and starts again from the work type)."""
    if await was_saved(screen.state, KIND, view.lesson_id):
        screen.toast(_("Already saved."))
        return
    screen.toast(_("The marks on this screen were not saved. Choose the work type and give them again."), alert=True)
    await show_types(screen, view, options)


async def cmd_cancel(message: Message, screen: Screen):
    await leave(screen.state)
    await screen.send(_("Cancelled: no marks were saved."))


# ---- the draft -------------------------------------------------------------------------------------------


async def lesson_of(services: Services, user: CurrentUser, lesson_id: int) -> tuple[LessonView, MarkOptions]:
    """Both re-check the teacher's rights on the lesson; the options refuse a class without marks (J-8)."""
    options = await services.journal.mark_options(user.actor, lesson_id)
    return await services.journal.lesson_view(user.actor, lesson_id), options


async def draft_of(state: FSMContext, view: LessonView, *, saved: bool = False) -> dict | None:
    """The lesson's draft being filled in; with `saved`, also one already written."""
    draft = (await state.get_data()).get(DRAFT)
    if not draft or draft["lesson"] != view.lesson_id or (draft.get("saved") and not saved):
        return None
    return draft


async def leave(state: FSMContext, saved: dict | None = None) -> None:
    """The draft is dropped, or kept as `saved` for a later tap on its «Save», and typed text is not taken as
    marks any more."""
    if await state.get_state() == MarksEntry.lines.state:
        await state.set_state(None)
    await state.update_data({DRAFT: {**saved, "saved": True} if saved else None})


def mark_of(view: LessonView, mark_id: int) -> tuple[RosterEntry, tuple[int, int, str]]:
    """The student and the (id, value, work type) of a mark of the lesson; a mark from elsewhere is refused."""
    for entry in view.roster:
        for mark in entry.marks:
            if mark[0] == mark_id:
                return entry, mark
    raise NotFound("mark.not_found")


def read_lines(text: str, view: LessonView, options: MarkOptions, screen: Screen) -> tuple[dict[int, int], list[str]]:
    """«Иванов 5», «Иванов Н. 5», «12 4» a line: the marks by student, and a sentence for each line not taken."""
    entries, errors = {}, []
    for line in filter(None, (raw.strip() for raw in clean_text(text).splitlines())):
        try:
            entry, value = read_line(line, view.roster)
            options.check(value)
        except LineError as err:
            errors.append(_("«{line}»: {reason}").format(line=escape(line[:60]), reason=err))
        except InvalidInput as err:
            errors.append(_("«{line}»: {reason}").format(line=escape(line[:60]), reason=screen.refusal(err)))
        else:
            entries[entry.student_id] = value
    return entries, errors


def read_line(line: str, roster: tuple[RosterEntry, ...]) -> tuple[RosterEntry, int]:
    *who, value = line.split()
    who_text = " ".join(who).rstrip(":-–— ")
    if who_text and value.casefold().strip(".") in ABSENT_WORDS:  # a paper journal's «н»: attendance, not a mark
        raise LineError(
            _("«{word}» is not a mark: absences are marked on the «Attendance» screen").format(word=escape(value))
        )
    if not who_text or not value.lstrip("+-").isdecimal() or len(value) > 3:  # not isdigit(): «²» is no int
        raise LineError(_("write a surname or a roster number, then the mark"))
    if who_text.isdecimal():
        found = [entry for entry in roster if entry.number == int(who_text)]
        if not found:
            raise LineError(_("no number {number} in the list").format(number=who_text))
        return found[0], int(value)
    found = [entry for entry in roster if names_match(who_text, entry.name)] or [
        entry for entry in roster if names_match(who_text, entry.name, prefix=True)
    ]
    if not found:
        raise LineError(_("no such student in the lesson"))
    if len(found) > 1:
        raise LineError(
            _("several students match ({names}): write the roster number").format(
                names=escape(", ".join(f"{e.number} {e.name}" for e in found))
            )
        )
    return found[0], int(value)


def names_match(typed: str, name: str, prefix: bool = False) -> bool:
    """The surname in full, then the first letters of the other names: «Иванов», «Иванов Н.», «иванов никита»;
    with `prefix`, the surname's first letters too («Медвед»), tried when no surname is written in full."""
    words, names = normal_words(typed), normal_words(name)
    surname = (len(words[0]) >= SURNAME_PREFIX and names[0].startswith(words[0])) if prefix else words[0] == names[0]
    return (
        len(words) <= len(names)
        and surname
        and all(full.startswith(part) for part, full in zip(words[1:], names[1:], strict=False))
    )


def normal_words(text: str) -> list[str]:
    return text.casefold().replace("ё", "е").replace(".", " ").split()


# ---- texts and keyboards -----------------------------------------------------------------------------------


def types_text(view: LessonView, locale: str) -> str:
    return "\n".join([lesson_title(view, locale), "", _("Choose the work type:"), *locked_lines(view)])


async def show_types(screen: Screen, view: LessonView, options: MarkOptions) -> None:
    await screen.show(split_text(types_text(view, screen.locale)), types_keyboard(view, options, screen.locale))


def types_keyboard(view: LessonView, options: MarkOptions, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for work_type in options.work_types:
        builder.button(
            text=work_type_name(work_type.name, locale),
            callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.type, work_type=work_type.id),
        )
    builder.button(
        text="◀ " + _("Lesson"), callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.back)
    )
    builder.adjust(1)
    return builder.as_markup()


async def show_list(
    screen: Screen, view: LessonView, options: MarkOptions, draft: dict, errors: list[str] = ()
) -> None:
    await screen.show(split_text(list_text(view, options, draft, errors, screen.locale)), list_keyboard(view, draft))


async def show_student(screen: Screen, view: LessonView, options: MarkOptions, draft: dict, entry: RosterEntry) -> None:
    await screen.show(
        split_text(student_text(view, options, draft, entry, screen.locale)),
        student_keyboard(view, options, draft, entry, screen.locale),
    )


def head(view: LessonView, options: MarkOptions, draft: dict, locale: str) -> list[str]:
    name = work_type_name(options.work_type(draft["type"]).name, locale)
    return [lesson_title(view, locale), _("Work type: {name}").format(name=escape(name)), ""]


def list_text(view: LessonView, options: MarkOptions, draft: dict, errors: list[str], locale: str) -> str:
    lines = head(view, options, draft, locale)
    lines += [
        _("Tap a student, then the mark. Or send lines of a surname or a roster number and the mark, for example:"),
        "<code>Иванов 5\n12 4</code>",
        "",
    ]
    given = [entry for entry in view.roster if entry.marks]
    if given:  # J-6: a second mark of the day is given knowingly, not by not seeing the first
        lines.append("<b>" + _("Already given in this lesson:") + "</b>")
        lines += [
            f"{entry.number}. {escape(entry.name)} — "
            + ", ".join(f"{value} ({escape(work_type)})" for _id, value, work_type in entry.marks)
            for entry in given
        ]
        lines.append("")
    entries = draft["entries"]
    if entries:
        lines.append(
            "<b>"
            + ngettext("{count} mark to save:", "{count} marks to save:", len(entries)).format(count=len(entries))
            + "</b>"
        )
        lines += [
            f"{entry.number}. {escape(entry.name)} — {entries[str(entry.student_id)]}"
            for entry in view.roster
            if str(entry.student_id) in entries
        ]
    else:
        lines.append(_("No marks to save yet."))
    if errors:
        lines += ["", "<b>" + _("Lines not taken:") + "</b>", *errors[:ERRORS_SHOWN]]
        if len(errors) > ERRORS_SHOWN:
            more = len(errors) - ERRORS_SHOWN
            lines.append(ngettext("…and {count} more line", "…and {count} more lines", more).format(count=more))
    return "\n".join(lines + locked_lines(view))


def list_keyboard(view: LessonView, draft: dict) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    entries = draft["entries"]
    for entry in view.roster:
        text = surname_button(entry)
        if entry.marks:
            text += " (" + ", ".join(str(value) for _id, value, _type in entry.marks) + ")"
        if str(entry.student_id) in entries:
            text += f" · {entries[str(entry.student_id)]}"
        builder.button(
            text=text,
            callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.student, student=entry.student_id),
        )
    rows = roster_rows(len(view.roster))
    if entries:
        builder.button(
            text=_("Save") if view.editable else _("Send a correction request"),
            callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.save),
        )
        rows.append(1)
    builder.button(
        text="◀ " + _("Lesson"), callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.back)
    )
    builder.adjust(*rows, 1)
    return builder.as_markup()


def student_text(view: LessonView, options: MarkOptions, draft: dict, entry: RosterEntry, locale: str) -> str:
    lines = [*head(view, options, draft, locale), f"<b>{entry.number}. {escape(entry.name)}</b>"]
    if entry.absent:
        lines.append(_("Absent from the lesson (a mark may still be given)."))
    if entry.marks:
        lines.append(
            _("Marks of this lesson: {marks}").format(
                marks=", ".join(
                    f"{value} ({escape(work_type_name(work_type, locale))})" for _id, value, work_type in entry.marks
                )
            )
        )
    lines.append(_("Choose the mark:"))
    return "\n".join(lines)


def student_keyboard(
    view: LessonView, options: MarkOptions, draft: dict, entry: RosterEntry, locale: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    values = range(options.mark_min, options.mark_max + 1)
    for value in values:
        builder.button(
            text=str(value),
            callback_data=MarkEntryCB(
                lesson=view.lesson_id, action=MarkEntryAction.value, student=entry.student_id, value=value
            ),
        )
    rows = [len(values)]
    if str(entry.student_id) in draft["entries"]:
        builder.button(
            text=_("Remove from the list"),
            callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.drop, student=entry.student_id),
        )
        rows.append(1)
    if view.editable:
        for mark_id, value, work_type in entry.marks:
            builder.button(
                text="🗑 "
                + _("Delete the mark {value} ({work_type})").format(
                    value=value, work_type=work_type_name(work_type, locale)
                ),
                callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.delete, mark=mark_id),
            )
            rows.append(1)
    builder.button(
        text="◀ " + _("Back to the list"), callback_data=MarkEntryCB(lesson=view.lesson_id, action=MarkEntryAction.list)
    )
    builder.adjust(*rows, 1)
    return builder.as_markup()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(MarksEntry))
    router.message.register(on_lines, MarksEntry.lines, F.text, not_for_others)
    router.callback_query.register(on_open, LessonCB.filter(F.part == LessonPart.marks))
    router.callback_query.register(on_type, MarkEntryCB.filter(F.action == MarkEntryAction.type))
    router.callback_query.register(on_student, MarkEntryCB.filter(F.action == MarkEntryAction.student))
    router.callback_query.register(on_value, MarkEntryCB.filter(F.action == MarkEntryAction.value))
    router.callback_query.register(on_drop, MarkEntryCB.filter(F.action == MarkEntryAction.drop))
    router.callback_query.register(on_list, MarkEntryCB.filter(F.action == MarkEntryAction.list))
    router.callback_query.register(on_delete, MarkEntryCB.filter(F.action == MarkEntryAction.delete))
    router.callback_query.register(on_erase, MarkEntryCB.filter(F.action == MarkEntryAction.erase))
    router.callback_query.register(on_save, MarkEntryCB.filter(F.action == MarkEntryAction.save))
    router.callback_query.register(on_back, MarkEntryCB.filter(F.action == MarkEntryAction.back))
    router.callback_query.register(on_discard, MarkEntryCB.filter(F.action == MarkEntryAction.discard))
    return router
