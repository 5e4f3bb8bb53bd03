"""J-10's list of changes: what a correction request asks to change in a locked lesson, one frozen dataclass per
kind of change. A request keeps them in its JSON column (CorrectionRequest.changes) and the teacher's screen in
its draft, as {"op": …, field: …}: `change_to_json` writes that, `change_of` reads it, today's rows and those
written before the changes had types alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import InvalidInput
from .jsonable import from_json, optional, to_json


@dataclass(frozen=True, kw_only=True)
class AddMark:
    op: ClassVar[str] = "add_mark"
    student_id: int
    value: int
    work_type_id: int


@dataclass(frozen=True, kw_only=True)
class ChangeMark:
    op: ClassVar[str] = "change_mark"
    mark_id: int
    value: int
    work_type_id: int | None = optional()  # None: the mark keeps its work type
    # The mark's student and value when the request was filed, so that the request still names them.
    student_id: int | None = optional()
    old_value: int | None = optional()


@dataclass(frozen=True, kw_only=True)
class DeleteMark:
    op: ClassVar[str] = "delete_mark"
    mark_id: int
    student_id: int | None = optional()  # as for ChangeMark
    old_value: int | None = optional()


@dataclass(frozen=True, kw_only=True)
class SetAbsent:
    """«ОТ» for a student present in the journal (J-12)."""

    op: ClassVar[str] = "set_absent"
    student_id: int


@dataclass(frozen=True, kw_only=True)
class SetPresent:
    """A student's «ОТ» taken back."""

    op: ClassVar[str] = "set_present"
    student_id: int


@dataclass(frozen=True, kw_only=True)
class SetTopic:
    op: ClassVar[str] = "set_topic"
    topic: str


Change = AddMark | ChangeMark | DeleteMark | SetAbsent | SetPresent | SetTopic
CHANGES: dict[str, type[Change]] = {
    cls.op: cls for cls in (AddMark, ChangeMark, DeleteMark, SetAbsent, SetPresent, SetTopic)
}


def change_of(data: dict[str, Any]) -> Change:
    """A change from its JSON; InvalidInput for an op this bot does not know or a change that lacks a field."""
    kind = CHANGES.get(data.get("op"))  # type: ignore[arg-type]
    if kind is None:
        raise InvalidInput("correction.bad_change", op=str(data.get("op")))
    try:
        return from_json(kind, data)
    except TypeError:
        raise InvalidInput("correction.bad_change", op=kind.op) from None


def change_to_json(change: Change) -> dict[str, Any]:
    return {"op": change.op, **to_json(change)}
