"""Outbox payloads are typed (services/pushes/payloads.py) but keep the JSON they were always written with: an event
already in an outbox when the types came reads, renders and would be written again the same."""

from __future__ import annotations

import pytest

from services.models import AbsenceReason, DocumentStatus, EventKind
from services.pushes.payloads import PAYLOADS, Announcement, DocumentDecided, FileRef, payload_of, stored
from ui.pushes.render import text_of

LINE = {"date": "2026-11-24", "number": 2, "class": "5А", "subgroup": None, "subject": "Математика"}
# As the services wrote each kind before the payloads had types (one row of each, facts left out).
WRITTEN_BEFORE = {
    EventKind.MARK_ADDED: {"mark_id": 1, "student_id": 2, "lesson_id": 3, "value": 5, "work_type_id": 4},
    EventKind.MARK_CHANGED: {
        "mark_id": 1,
        "student_id": 2,
        "lesson_id": 3,
        "value": 4,
        "old_value": 5,
        "work_type_id": 4,
    },
    EventKind.MARK_DELETED: {"mark_id": 1, "student_id": 2, "lesson_id": 3, "old_value": 5},
    EventKind.ABSENCE_RECORDED: {"student_id": 2, "lesson_id": 3, "absence_id": 9},
    EventKind.ABSENCE_REMOVED: {"student_id": 2, "lesson_id": 3},
    EventKind.ABSENCE_REASON_SET: {"absence_id": 9, "student_id": 2, "lesson_id": 3, "reason": "illness"},
    EventKind.HOMEWORK_SET: {"lesson_id": 3, "assignment_id": 7, "due_on": "2026-11-25"},
    EventKind.HOMEWORK_CHANGED: {"lesson_id": 3, "assignment_id": 7, "due_on": None},
    EventKind.DOCUMENT_SENT: {"document_id": 5, "student_id": 2, "class_id": 6},
    EventKind.DOCUMENT_DECIDED: {
        "document_id": 5,
        "student_id": 2,
        "submitted_by": 8,
        "status": "accepted",
        "reason": "illness",
        "applied": 2,
        "locked": 1,
    },
    EventKind.PERIOD_MARK_SET: {"student_id": 2, "subject_id": 3, "period_id": 4, "value": None, "not_attested": True},
    EventKind.FINAL_MARK_REVISED: {
        "student_id": 2,
        "final_mark_id": 7,
        "mark_kind": "period",
        "subject": "Математика",
        "period": "1 четверть",
        "value": 3,
        "result": "mark",
        "old_value": None,
        "old_result": "not_attested",
        "order_number": "45-у",
        "order_date": "2026-11-30",
    },
    EventKind.FINALS_MISSING: {
        "to_persons": [5],
        "day": "2026-12-29",
        "lines": [{"class": "5А", "subject": "Математика", "missing": 2, "kind": "year"}],
        "more": 0,
    },
    EventKind.REPORT_READY: {
        "to_persons": [5],
        "day": "2026-12-29",
        "report": "class_results",
        "class_id": 1,
        "class_name": "5А",
        "period_id": 2,
        "period_name": "2 четверть",
        "month": "",
    },
    EventKind.CORRECTION_REQUESTED: {"request_id": 1, "to_persons": [5, 6]},
    EventKind.CORRECTION_DECIDED: {"request_id": 1, "teacher_id": 5, "status": "applied", "lesson_id": 3},
    EventKind.ANNOUNCEMENT: {
        "audience": {"scope": "grade", "title": "", "grade": 5, "class_ids": [1, 2]},
        "text": "Собрание",
        "files": [{"kind": "photo", "file_id": "AgAD"}],
        "author": {"person_id": 3, "name": "Иванова Анна", "role": "deputy"},
    },
    EventKind.TIMETABLE_CHANGED: {  # ACC-5, SUB-2
        "substitution_id": 4,
        "class_id": 1,
        "subgroup_id": None,
        "class": "5А",
        "subgroup": None,
        "subject": "Математика",
        "teacher": "Смирнова Е. В.",
        "substitute": "Волкова И. Н.",
        "starts_on": "2026-11-25",
        "ends_on": "2026-11-25",
        "cancelled": False,
    },
    EventKind.HOMEWORK_MISSING: {
        "to_persons": [5],
        "day": "2026-11-24",
        "deadline": "16:00",
        "lessons": [LINE],
        "more": 0,
    },
    EventKind.LESSONS_UNFILLED: {
        "to_persons": [5],
        "day": "2026-11-24",
        "lessons": [{**LINE, "missing": ["attendance"]}],
        "more": 0,
    },
    EventKind.WORKS_UNMARKED: {
        "to_persons": [5],
        "day": "2026-11-24",
        "days": 3,
        "works": [{**LINE, "work": "Контрольная работа № 2", "due": "2026-11-27"}],
        "more": 0,
    },
    EventKind.ABSENCE_DEADLINES: {
        "to_persons": [5],
        "day": "2026-11-24",
        "documents": [
            {
                "student": "Борисова Вера",
                "class": "5А",
                "date_from": "2026-11-23",
                "date_to": "2026-11-23",
                "due": "2026-11-25",
            }
        ],
        "more_documents": 0,
        "absences": [
            {"student": "Васильев Глеб", "class": "5А", "date": "2026-11-23", "lessons": 2, "due": "2026-11-25"}
        ],
        "more_absences": 0,
    },
    EventKind.WEEK_UNREASONED: {
        "to_persons": [5],
        "day": "2026-11-27",
        "week_from": "2026-11-23",
        "absences": [{"student": "Васильев Глеб", "class": "5А", "date": "2026-11-23", "lessons": 2}],
        "more": 0,
    },
    EventKind.PERIOD_FAILING: {
        "to_persons": [5],
        "day": "2026-12-22",
        "students": [
            {
                "class": "5А",
                "subgroup": None,
                "subject": "Математика",
                "period": "2 четверть",
                "ends_on": "2026-12-28",
                "student": "Борисова Вера",
                "marks": 1,
                "required": 3,
            }
        ],
        "more": 0,
    },
    EventKind.HOMEWORK_TOMORROW: {
        "student_id": 2,
        "due_on": "2026-11-25",
        "homework": [{"subject": "Математика", "text": "Упр. 5", "files": 1}],
        "more": 0,
    },
    EventKind.WEEKLY_SUMMARY: {
        "student_id": 2,
        "week_from": "2026-11-23",
        "week_to": "2026-11-28",
        "period": "2 четверть",
        "subjects": [{"subject": "Математика", "marks": [5, 4], "average": 4.5}],
        "more": 0,
        "absences": {"illness": 1},
    },
    EventKind.PERIOD_FORECAST: {
        "student_id": 2,
        "period": "2 четверть",
        "ends_on": "2026-12-28",
        "subjects": [{"subject": "Математика", "average": 4.5, "mark": 5, "marks": 2, "required": 3}],
        "more": 0,
    },
}


def test_every_kind_has_its_payload():
    assert set(PAYLOADS) == set(EventKind) == set(WRITTEN_BEFORE)


@pytest.mark.parametrize("kind", list(EventKind), ids=lambda kind: kind.value)
def test_a_row_written_before_reads_and_is_written_again_the_same(kind):
    payload = payload_of(kind, WRITTEN_BEFORE[kind])
    assert payload.kind is kind
    assert stored(payload) == WRITTEN_BEFORE[kind]


def test_a_row_written_before_renders_with_its_facts():
    row = {
        **WRITTEN_BEFORE[EventKind.DOCUMENT_DECIDED],
        "facts": {"date_from": "2026-11-23", "date_to": "2026-11-24", "comment": "Справка <№ 5>"},
    }
    payload = payload_of(EventKind.DOCUMENT_DECIDED, row)
    assert isinstance(payload, DocumentDecided)
    assert (payload.status, payload.reason, payload.facts.comment) == (
        DocumentStatus.ACCEPTED,
        AbsenceReason.ILLNESS,
        "Справка <№ 5>",
    )
    text = text_of(EventKind.DOCUMENT_DECIDED, row, "en")
    assert text.replace("\u2009", " ").replace("\u00a0", " ") == (
        "✅ The document for Nov 23 – 24 is accepted: illness. The reason is set for 2 absences. "
        "1 absence is older than the days for corrections and keeps its reason.\nСправка &lt;№ 5&gt;"
    )


def test_keys_it_does_not_know_are_left_out_and_missing_ones_take_their_default():
    payload = payload_of(EventKind.MARK_DELETED, {"mark_id": 1, "student_id": 2, "lesson_id": 3, "extra": True})
    assert stored(payload) == {"mark_id": 1, "student_id": 2, "lesson_id": 3, "old_value": None}
    assert text_of(EventKind.MARK_DELETED, {"mark_id": 1, "student_id": 2, "lesson_id": 3}, "en") == (
        "✏️ Correction: the mark ? in  for ? was removed"
    )


def test_an_announcements_files_with_their_kept_bytes_and_bot_read_and_are_written_again_the_same():
    """Since files are kept, an announcement's file says whose id it is and where its bytes are (another bot uploads
    them); a row without them (above) still reads, its file sent by its id."""
    row = {
        **WRITTEN_BEFORE[EventKind.ANNOUNCEMENT],
        "files": [
            {"kind": "photo", "file_id": "AgAD", "sha256": "ab" * 32, "bot_id": 123456},
            {"kind": "document", "file_id": "BQAD", "sha256": "cd" * 32, "bot_id": 123456, "file_name": "план.pdf"},
        ],
    }
    payload = payload_of(EventKind.ANNOUNCEMENT, row)
    assert isinstance(payload, Announcement)
    assert payload.files == (
        FileRef("photo", "AgAD", "ab" * 32, 123456),
        FileRef("document", "BQAD", "cd" * 32, 123456, "план.pdf"),
    )
    assert stored(payload) == row
    old = payload_of(EventKind.ANNOUNCEMENT, WRITTEN_BEFORE[EventKind.ANNOUNCEMENT])
    assert isinstance(old, Announcement)
    assert old.files == (FileRef("photo", "AgAD", sha256=None, bot_id=None, file_name=None),)
