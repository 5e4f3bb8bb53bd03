"""FSM states: one StatesGroup per flow that asks the user several things in turn."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class AbsenceDocumentForm(StatesGroup):
    """/absence → «Send a document» (ABS-1): nothing is written until the last step's «Send»."""

    child = State()  # a parent of several children picks one
    dates = State()  # one day or a range, typed or by button
    kind = State()  # what the absence was for (DocumentKind)
    comment = State()  # optional
    files = State()  # photos and PDFs, then «Done»
    confirm = State()  # the summary and «Send»


class LessonTextForm(StatesGroup):
    """A lesson's topic (J-14) or homework (J-2..J-4), typed; then the homework's photos and PDFs."""

    topic = State()
    homework = State()
    files = State()


class CorrectionForm(StatesGroup):
    """J-10: the reason of a correction request for a locked lesson; the changes wait in the FSM data."""

    reason = State()


class DeclineCorrectionForm(StatesGroup):
    """/corrections → «Decline»: the comment the teacher gets."""

    comment = State()


class DocumentDecline(StatesGroup):
    """/documents → «Decline»: the class teacher writes why (required) before the document is declined."""

    comment = State()


class MarksEntry(StatesGroup):
    """A lesson's marks: after the work type is chosen, typed lines («Иванов 5», «12 4») go into the draft."""

    lines = State()


class AnnouncementForm(StatesGroup):
    """/announce: the audience, the text, the files, then the preview and «Send»; nothing is written
    before «Send»."""

    audience = State()
    text = State()
    files = State()
    confirm = State()


class MovementForm(StatesGroup):
    """/movement (DATA-4): an order of leaving, a transfer or an arrival, step by step; nothing is written before
    «Record» on the summary."""

    name = State()  # an arrival: «Фамилия Имя Отчество», typed
    birth = State()  # an arrival: the birth date, typed, or skipped
    day = State()  # the order's date: picked or typed
    order = State()  # the order's number, typed
    confirm = State()  # the summary and «Record»


class YearEndForm(StatesGroup):
    """/yearend: a class's decisions (changed ones kept in the FSM data), the order's number and date, then «Save»;
    nothing is written before «Save»."""

    sheet = State()
    order = State()
    confirm = State()


class SubstitutionForm(StatesGroup):
    """/substitutions → «Assign a substitute» (ACC-5): the choices wait in the FSM data; nothing is written before
    «Confirm»."""

    teacher = State()  # the absent teacher
    dates = State()  # one day or a range, typed or by button
    assignment = State()  # all of the teacher's classes, or one class and subject
    substitute = State()
    confirm = State()


class RevisionForm(StatesGroup):
    """/revise (PER-5): the mark and its new value wait in the FSM data while the order is typed."""

    number = State()
    date = State()
    reason = State()
    confirm = State()
