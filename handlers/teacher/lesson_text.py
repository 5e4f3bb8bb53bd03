"""A lesson's topic (J-14) and homework (J-2..J-4), from the lesson card.

Topic: typed, or the next topic of the thematic plan with one tap; on a lesson past the 14 days (J-9) it
becomes a correction request (J-10). Homework: typed, or «не задано» (J-3); then photos and PDF files may
follow (J-4) until «Done». Each ends on the card, which shows what was saved. Typing again the same day
replaces the text."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.stored_files import receive, sent_file
from services.attachments import AttachmentIn
from services.container import Services
from services.corrections import topic_change
from services.errors import InvalidInput
from services.journal import HOMEWORK_MAX, TOPIC_MAX, LessonView
from ui.callbacks import LessonCB, LessonPart, LessonTextAction, LessonTextCB
from ui.errors_text import error_text
from ui.filters import not_for_others
from ui.formatting import split_text
from ui.keyboards import step_keyboard as ui_step_keyboard
from ui.screens import Screen
from ui.states import LessonTextForm as Form

from .correction_request import offer_correction
from .lesson import homework_lines, lesson_title, locked_lines, show_card

LESSON = "text_lesson"  # FSM data: the lesson whose topic or homework is typed
BUTTON_CHARS = 60  # a longer plan topic is cut on its button; the whole topic is saved


# ---- keyboards and texts ---------------------------------------------------------------------------------


def step_keyboard(view: LessonView, *buttons: tuple[str, LessonTextAction]) -> InlineKeyboardMarkup:
    """The step's buttons, one a row, then «◀ Lesson», which leaves the step."""
    return ui_step_keyboard(
        *((text, LessonTextCB(lesson=view.lesson_id, action=action)) for text, action in buttons),
        leave=("◀ " + _("Lesson"), LessonTextCB(lesson=view.lesson_id, action=LessonTextAction.back)),
        one_row=False,
    )


def topic_text(view: LessonView, locale: str) -> str:
    lines = [lesson_title(view, locale), ""]
    lines.append(_("Topic: {topic}").format(topic=escape(view.topic)) if view.topic else _("Topic: not given yet"))
    if view.suggested_topic:
        lines.append(_("Next in the thematic plan: {topic}").format(topic=escape(view.suggested_topic)))
    lines += ["", _("Send the lesson's topic as a message (at most {max} characters).").format(max=TOPIC_MAX)]
    if view.suggested_topic:
        lines.append(_("Or tap the plan's topic below."))
    lines += locked_lines(view)
    return "\n".join(lines)


def topic_keyboard(view: LessonView) -> InlineKeyboardMarkup:
    if not view.suggested_topic:
        return step_keyboard(view)
    topic = view.suggested_topic
    shown = topic if len(topic) <= BUTTON_CHARS else topic[: BUTTON_CHARS - 1].rstrip() + "…"
    return step_keyboard(view, (shown, LessonTextAction.plan))


def homework_text(view: LessonView, locale: str) -> str:
    lines = [lesson_title(view, locale), "", *homework_lines(view, locale)]
    lines += [
        "",
        _(
            "Send the homework as a message: what to do, pages, exercise numbers, whether it is a test "
            "or a practical work (at most {max} characters). Photos and PDF files can follow."
        ).format(max=HOMEWORK_MAX),
        _("If nothing is set, tap «Not set»."),
    ]
    return "\n".join(lines)


def files_text(count: int) -> str:
    return _("Files attached: {count}. Send photos or PDF files of the homework, or tap «Done».").format(count=count)


def files_keyboard(view: LessonView) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Done"), callback_data=LessonTextCB(lesson=view.lesson_id, action=LessonTextAction.done))
    return builder.as_markup()


# ---- the topic -------------------------------------------------------------------------------------------


async def on_topic(query: CallbackQuery, callback_data: LessonCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)  # refuses another's lesson
    await screen.state.set_state(Form.topic)
    await screen.state.update_data({LESSON: view.lesson_id})
    await screen.show(split_text(topic_text(view, screen.locale)), topic_keyboard(view))


async def on_topic_text(message: Message, screen: Screen, services: Services):
    await save_topic(screen, services, (await screen.state.get_data())[LESSON], message.text)


async def on_plan_topic(query: CallbackQuery, callback_data: LessonTextCB, screen: Screen, services: Services):
    """J-14: the plan's next topic, as it is now (the button holds only the lesson)."""
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    if not view.suggested_topic:  # the topic was given meanwhile
        screen.out_of_date()
        return
    await save_topic(screen, services, view.lesson_id, view.suggested_topic)


async def save_topic(screen: Screen, services: Services, lesson_id: int, topic: str) -> None:
    """Written within the 14 days; past them (J-9) offered as a correction (J-10). A refusal keeps the step."""
    view = await services.journal.lesson_view(screen.user.actor, lesson_id)
    if not view.editable:
        change = topic_change(topic)
        await leave(screen.state)
        await offer_correction(screen, view, [change])
        return
    await services.journal.set_topic(screen.user.actor, lesson_id, topic)
    await leave(screen.state)
    await show_card(screen, await services.journal.lesson_view(screen.user.actor, lesson_id))


# ---- the homework ----------------------------------------------------------------------------------------


async def on_homework(query: CallbackQuery, callback_data: LessonCB, screen: Screen, services: Services):
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)  # refuses another's lesson
    await screen.state.set_state(Form.homework)
    await screen.state.update_data({LESSON: view.lesson_id})
    await screen.show(
        split_text(homework_text(view, screen.locale)),
        step_keyboard(view, (_("Not set"), LessonTextAction.no_homework)),
    )


async def on_homework_text(message: Message, screen: Screen, services: Services):
    lesson_id = (await screen.state.get_data())[LESSON]
    await services.journal.set_homework(screen.user.actor, lesson_id, message.text)  # J-2: due on the next lesson
    await screen.state.set_state(Form.files)
    view = await services.journal.lesson_view(screen.user.actor, lesson_id)
    await screen.send(_("Homework saved.") + "\n" + files_text(len(view.files)), files_keyboard(view))


async def on_no_homework(query: CallbackQuery, callback_data: LessonTextCB, screen: Screen, services: Services):
    """J-3: «не задано», said explicitly."""
    await services.journal.set_homework(screen.user.actor, callback_data.lesson, None)
    await leave(screen.state)
    await show_card(screen, await services.journal.lesson_view(screen.user.actor, callback_data.lesson))


async def on_file(message: Message, screen: Screen, services: Services):
    await add_file(screen, services, sent_file(message))


async def add_file(screen: Screen, services: Services, file: AttachmentIn) -> None:
    """J-4: a photo, a PDF or a picture of at most 20 MB, as for absence documents, checked by its content too;
    anything else is refused, and the step still waits for files."""
    lesson_id = (await screen.state.get_data())[LESSON]
    refusal = ""
    try:
        file = await receive(screen.bot, services, file)
    except InvalidInput as err:
        refusal = screen.refusal(err) + "\n\n"
    else:
        await services.journal.add_homework_file(screen.user.actor, lesson_id, file)
    view = await services.journal.lesson_view(screen.user.actor, lesson_id)
    await screen.send(refusal + files_text(len(view.files)), files_keyboard(view))


async def on_other_in_files(message: Message, screen: Screen, services: Services):
    """A text, a video, a voice message …: nothing is attached; the step says what it takes."""
    view = await services.journal.lesson_view(screen.user.actor, (await screen.state.get_data())[LESSON])
    refusal = "" if message.text is not None else error_text("document.file_kind", {}, screen.locale) + "\n\n"
    await screen.send(refusal + files_text(len(view.files)), files_keyboard(view))


# ---- leaving ---------------------------------------------------------------------------------------------


async def on_card(query: CallbackQuery, callback_data: LessonTextCB, screen: Screen, services: Services):
    """«Done» and «◀ Lesson»: the step ends (a later text is not taken for a topic), the card shows."""
    view = await services.journal.lesson_view(screen.user.actor, callback_data.lesson)
    await leave(screen.state)
    await show_card(screen, view)


async def leave(state: FSMContext) -> None:
    """Ends this flow's step only: a correction's reason being typed elsewhere is not dropped by an old button."""
    if await state.get_state() in Form.__all_states_names__:
        await state.set_state(None)
        await state.update_data({LESSON: None})


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_topic, LessonCB.filter(F.part == LessonPart.topic))
    router.callback_query.register(on_homework, LessonCB.filter(F.part == LessonPart.homework))
    router.callback_query.register(on_plan_topic, LessonTextCB.filter(F.action == LessonTextAction.plan))
    router.callback_query.register(on_no_homework, LessonTextCB.filter(F.action == LessonTextAction.no_homework))
    router.callback_query.register(on_card, LessonTextCB.filter(F.action == LessonTextAction.done))
    router.callback_query.register(on_card, LessonTextCB.filter(F.action == LessonTextAction.back))
    router.message.register(on_topic_text, Form.topic, F.text, not_for_others)
    router.message.register(on_homework_text, Form.homework, F.text, not_for_others)
    router.message.register(on_file, Form.files, F.photo | F.document)
    router.message.register(on_other_in_files, Form.files, not_for_others)
    return router
