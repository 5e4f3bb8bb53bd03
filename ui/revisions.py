"""/revise (PER-5): the deputy director's screens for a mark revised by the director's order: the class, the
subject, the student, the mark, its new value, then the order (typed) and the summary to enter."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from services.final_marks import Outcome
from services.revisions import Choice, KeptMark, Revised, StudentFinals
from ui.callbacks import RevisionCB, RevisionStep
from ui.final_marks import RESULTS_LONG, kind_title, outcome_text
from ui.formatting import short_date

PER_ROW = 2
VALUES_PER_ROW = 5


def button(text: str, data: RevisionCB) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def in_rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def classes_screen(choice: Choice) -> tuple[str, InlineKeyboardMarkup]:
    text = _("A mark changed by the director's order: choose the class.")
    buttons = [button(p.name, RevisionCB(step=RevisionStep.subjects, class_id=p.id)) for p in choice.items]
    return text, InlineKeyboardMarkup(inline_keyboard=in_rows(buttons, 4))


def subjects_screen(choice: Choice, class_id: int) -> tuple[str, InlineKeyboardMarkup]:
    text = _("{class_name}: choose the subject.").format(class_name=escape(choice.title))
    buttons = [
        button(p.name, RevisionCB(step=RevisionStep.students, class_id=class_id, subject=p.id)) for p in choice.items
    ]
    rows = in_rows(buttons, PER_ROW)
    rows.append([button(_("◀ Classes"), RevisionCB(step=RevisionStep.classes))])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def students_screen(choice: Choice, class_id: int, subject_id: int) -> tuple[str, InlineKeyboardMarkup]:
    text = _("{class_name}: choose the student.").format(class_name=escape(choice.title))
    buttons = [
        button(p.name, RevisionCB(step=RevisionStep.marks, class_id=class_id, subject=subject_id, student=p.id))
        for p in choice.items
    ]
    rows = in_rows(buttons, PER_ROW)
    rows.append([button(_("◀ Subjects"), RevisionCB(step=RevisionStep.subjects, class_id=class_id))])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def head(finals: StudentFinals) -> str:
    return f"<b>{escape(finals.student)}</b>, {escape(finals.class_name)}\n{escape(finals.subject)}"


def mark_title(mark: KeptMark, locale: str) -> str:
    """«1 четверть», «Годовая»; an earlier year's with its name: «2026/2027, Годовая»."""
    title = kind_title(mark.kind, mark.period, locale)
    return f"{mark.year}, {title}" if mark.year else title


def mark_line(mark: KeptMark, locale: str) -> str:
    line = f"{mark_title(mark, locale)}: <b>{outcome_text(mark.outcome, locale)}</b>"
    return line if mark.revisable else line + " — " + _("its teacher can still change it")


def marks_screen(finals: StudentFinals, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [head(finals), ""]
    lines += [mark_line(m, locale) for m in finals.marks] or [_("No period, year or final marks yet.")]
    if any(m.revisable for m in finals.marks):
        lines += ["", _("Choose the mark the order changes.")]
    base = RevisionCB(
        step=RevisionStep.value, class_id=finals.class_id, subject=finals.subject_id, student=finals.student_id
    )
    buttons = [
        button(
            f"{mark_title(m, locale)}: {outcome_text(m.outcome, locale)}",
            base.model_copy(update={"mark": m.final_mark_id}),
        )
        for m in finals.marks
        if m.revisable
    ]
    rows = in_rows(buttons, PER_ROW)
    rows.append(
        [
            button(
                _("◀ Students"),
                RevisionCB(step=RevisionStep.students, class_id=finals.class_id, subject=finals.subject_id),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def value_screen(finals: StudentFinals, mark: KeptMark, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [head(finals), "", mark_line(mark, locale), "", _("Choose the new mark:")]
    base = RevisionCB(
        step=RevisionStep.order,
        class_id=finals.class_id,
        subject=finals.subject_id,
        student=finals.student_id,
        mark=mark.final_mark_id,
    )
    values = [
        button(str(v), base.model_copy(update={"value": v}))
        for v in range(finals.mark_max, finals.mark_min - 1, -1)
        if Outcome.mark(v) != mark.outcome
    ]
    rows = in_rows(values, VALUES_PER_ROW)
    rows.append(
        [
            button(_(RESULTS_LONG[r]), base.model_copy(update={"result": r}))
            for r in finals.results
            if Outcome(r) != mark.outcome
        ]
    )
    rows.append(
        [
            button(
                _("◀ Marks"),
                base.model_copy(update={"step": RevisionStep.marks, "mark": 0}),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def cancel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(_("Cancel"), RevisionCB(step=RevisionStep.cancel))]])


def change_line(mark: KeptMark, new: Outcome, locale: str) -> str:
    return _("{mark}: {old} → <b>{new}</b>").format(
        mark=mark_title(mark, locale),
        old=outcome_text(mark.outcome, locale),
        new=outcome_text(new, locale),
    )


def number_prompt(finals: StudentFinals, mark: KeptMark, new: Outcome, locale: str) -> str:
    return "\n".join([head(finals), change_line(mark, new, locale), "", _("The director's order: write its number.")])


def date_prompt() -> str:
    return _("The order's date (as 12.06 or 12.06.2027)?")


def reason_prompt() -> str:
    return _("The reason (for example: the debt is cleared)?")


def confirm_screen(
    finals: StudentFinals, mark: KeptMark, new: Outcome, order: tuple[str, date, str], locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    number, day, reason = order
    lines = [
        head(finals),
        "",
        change_line(mark, new, locale),
        _("By the order № {number} of {date}").format(number=escape(number), date=short_date(day, locale)),
        _("Reason: {reason}").format(reason=escape(reason)),
        "",
        _("The family will be told. Enter the change?"),
    ]
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("Enter"), RevisionCB(step=RevisionStep.confirm)),
                button(_("Cancel"), RevisionCB(step=RevisionStep.cancel)),
            ]
        ]
    )
    return "\n".join(lines), keyboard


def revised_text(finals: StudentFinals, revised: Revised, locale: str) -> str:
    title = kind_title(revised.kind, revised.period, locale)
    if not revised.applied:
        return "\n".join(
            [
                head(finals),
                _("{mark} is {new} already: nothing changed.").format(
                    mark=title, new=outcome_text(revised.new, locale)
                ),
            ]
        )
    return "\n".join(
        [
            head(finals),
            "✅ "
            + _("{mark}: {old} → {new}, by the order. The family is told.").format(
                mark=title, old=outcome_text(revised.old, locale), new=outcome_text(revised.new, locale)
            ),
        ]
    )
