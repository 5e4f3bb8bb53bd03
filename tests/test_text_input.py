"""Typed text as kept (services/text.py), on SQLite and PostgreSQL: a NUL byte is removed, not a crash on
PostgreSQL nor kept on SQLite; a text that shows nothing is empty, and an empty required text is refused with
nothing written (J-3: «не задано» only when the teacher says so)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.absences import AbsenceService
from services.access import load_actor
from services.announcements import AnnouncementService, Audience, Scope
from services.correction_changes import SetAbsent
from services.corrections import CorrectionService, topic_change
from services.errors import InvalidInput
from services.journal import JournalService
from services.models import AbsenceDocument, AuditEntry, CorrectionRequest, DocumentKind, Lesson, OutboxEvent
from services.preferences import parse_time
from services.text import clean_text
from tests.factories import TODAY

INVISIBLE = ("\u200b\u200b", " \u3164 \u2800 ", "\ufeff\u200e\u00ad", "\x00", "\t\n \r\n")


@pytest.mark.parametrize(
    ("typed", "kept", "line"),
    [
        ("Дроби\x00", "Дроби", "Дроби"),
        ("\ufeff Упр. 5,\r\nс. 12\x07\t(устно) \u200b", "Упр. 5,\nс. 12\t(устно)", "Упр. 5, с. 12 (устно)"),
        ("👨\u200d👩\u200d👧 семья", "👨\u200d👩\u200d👧 семья", "👨\u200d👩\u200d👧 семья"),
        ("a\u2028b\ud800", "a\nb", "a b"),
        *((text, "", "") for text in INVISIBLE),
    ],
)
def test_control_and_invisible_characters(typed, kept, line):
    assert clean_text(typed) == kept
    assert clean_text(typed, one_line=True) == line


async def counts(session) -> tuple[int, ...]:
    return tuple(
        [
            await session.scalar(select(func.count()).select_from(model))
            for model in (AuditEntry, OutboxEvent, CorrectionRequest, AbsenceDocument)
        ]
    )


async def test_topic_and_homework_keep_no_nul_and_refuse_invisible_text_J_3(session, clock, school):
    journal = JournalService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    lesson_id = (await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)).lesson_id
    await journal.set_topic(teacher, lesson_id, "Дроби\x00")
    await journal.set_homework(teacher, lesson_id, "№ 12\x00,\n№ 14")
    before = await counts(session)
    for text in INVISIBLE:
        with pytest.raises(InvalidInput) as topic:
            await journal.set_topic(teacher, lesson_id, text)
        with pytest.raises(InvalidInput) as homework:
            await journal.set_homework(teacher, lesson_id, text)
        assert (topic.value.code, homework.value.code) == ("topic.empty", "homework.empty")
        with pytest.raises(InvalidInput):
            topic_change(text)
    lesson = await session.get(Lesson, lesson_id, populate_existing=True)
    assert (lesson.topic, lesson.homework, lesson.no_homework) == ("Дроби", "№ 12,\n№ 14", False)
    assert await counts(session) == before


async def test_reasons_comments_and_announcements_keep_no_nul_and_refuse_invisible_text(session, clock, school):
    journal, corrections = JournalService(session, clock), CorrectionService(session, clock)
    teacher = await load_actor(session, school.staff["math"])
    lesson_id = (await journal.open_lesson(teacher, school.assignments["math5A"], TODAY, 2)).lesson_id
    father = await load_actor(session, school.parents["borisov_father"])
    absences = AbsenceService(session, clock)
    doc_id = await absences.submit_document(
        father, school.students["borisova"], TODAY, TODAY, DocumentKind.FAMILY, "Семейные\x00 обстоятельства\u200b"
    )
    clock.at(TODAY + timedelta(days=20))  # the lesson is locked: changes go as a correction (J-10)
    change = [SetAbsent(student_id=school.students["vasiliev"])]
    deputy = await load_actor(session, school.staff["deputy"])
    service = AnnouncementService(session, clock)
    before = await counts(session)
    for text in INVISIBLE:
        with pytest.raises(InvalidInput, match=r"correction\.reason_required"):
            await corrections.request(teacher, lesson_id, change, text)
        with pytest.raises(InvalidInput, match=r"document\.comment_required"):
            await absences.decide_document(teacher, doc_id, accept=False, comment=text)
        with pytest.raises(InvalidInput, match=r"announcement\.empty"):
            await service.send(deputy, Audience(Scope.SCHOOL), text)
    assert await counts(session) == before

    request_id = await corrections.request(teacher, lesson_id, change, "Был\x00 болен")
    declined = await corrections.decide(deputy, request_id, apply=False, comment="\x00Нет справки")
    await absences.decide_document(teacher, doc_id, accept=False, comment="Нужна\x00 справка")
    event_id = await service.send(deputy, Audience(Scope.SCHOOL), "Собрание\x00 в пятницу")
    request = await session.get(CorrectionRequest, request_id, populate_existing=True)
    doc = await session.get(AbsenceDocument, doc_id, populate_existing=True)
    assert (request.reason, declined.decision_comment) == ("Был болен", "Нет справки")
    assert (doc.comment, doc.decision_comment) == ("Семейные обстоятельства", "Нужна справка")
    assert (await session.get(OutboxEvent, event_id)).payload["text"] == "Собрание в пятницу"


def test_typed_times_are_read_through_invisible_characters():
    assert parse_time("\u200b19:00\x00").hour == 19
