"""What the pushes and screens say, end to end: a one-day document is «за 24 нояб.», not «за 24 нояб.–24 нояб.»; a
document accepted for days with no absence in the journal says so instead of «отмечено 0 пропусков» (ABS-2); the
standard work types (J-5), stored in Russian as the school's data, read in English for an English reader, on the
pushes, /diary, /marks and the teacher's screens, while a school's own name stays as it is."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from services.absences import AbsenceService
from services.access import load_actor
from services.models import DocumentKind, WorkType
from tests.factories import TODAY
from tests.flows.conftest import open_card, plain
from tests.flows.test_documents_flow import open_inbox
from tests.flows.test_pushes_flow import save_marks


async def pushed(user, mark: str, count: int = 1, timeout: float = 8.0) -> list[str]:
    """The texts in the user's chat that hold `mark`, once there are `count` of them."""
    for _ in range(int(timeout / 0.05)):
        found = [plain(t) for t in user.texts() if t and mark in t]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    return [plain(t) for t in user.texts() if t and mark in t]


async def test_a_one_day_document_without_absences_reads_true_in_both_languages_ABS_2(
    bot_world, linked, emulator, clock, start_worker
):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"], language_code="en")
    vera = await linked(school.student_persons["borisova"])
    math = await linked(school.staff["math"])  # 5А's class teacher
    async with sessions() as session:  # a note for today, when the journal has no absence of hers
        actor = await load_actor(session, school.parents["borisov_father"])
        await AbsenceService(session, clock).submit_document(
            actor, school.students["borisova"], TODAY, TODAY, DocumentKind.FAMILY, "Семейные обстоятельства"
        )
    await open_inbox(math, emulator, replies=2)
    await math.tap("✅ Принять")
    await math.tap("Уважительная причина")
    start_worker()
    assert await pushed(vera, "✅") == [
        "Вера Борисова\n✅ Документ за 24 нояб. принят: уважительная причина. Пропусков в журнале за эти дни не было."
    ]
    assert await pushed(father, "✅") == [
        (
            "Вера Борисова\n✅ The document for Nov 24 is accepted: excused. "
            "There were no absences in the journal on those days."
        )
    ]


async def test_standard_work_types_read_in_english_and_a_schools_own_name_stays_J_5(
    bot_world, linked, emulator, clock, start_worker
):
    school, sessions = bot_world
    father = await linked(school.parents["borisov_father"], language_code="en")
    mother = await linked(school.parents["alekseeva_mother"])
    math = await linked(school.staff["math"])
    start_worker()
    await save_marks(math, "Алексеев 5\nБорисова 4")
    assert await pushed(father, "🆕") == ["Вера Борисова\n🆕 4 in Математика, 24 Nov (Test)"]
    assert await pushed(mother, "🆕") == ["Артём Алексеев\n🆕 5 — Математика, 24 нояб. (Контрольная работа)"]

    await father.press("Diary")
    assert "Mark: 4 (Test)" in father.last_text()
    await father.press("Marks")
    await father.tap("Математика")  # the subject's marks, with their work types
    assert "Контрольная" not in father.last_text() and "4 (Test, weight 2)" in father.last_text()

    english_teacher = await linked(school.staff["math"], language_code="en")  # the same teacher, now in English
    await open_card(english_teacher)
    await english_teacher.tap("Marks")
    assert {"Answer in class", "Test"} <= set(english_teacher.buttons())
    assert "Контрольная работа" not in english_teacher.buttons()

    async with sessions() as session:  # a school's own name for a work type is its own: shown as it is
        await session.execute(
            update(WorkType).where(WorkType.name == "Контрольная работа").values(name="Контрольная по теме")
        )
        await session.commit()
    await open_card(english_teacher)
    await english_teacher.tap("Marks")
    assert "Контрольная по теме" in english_teacher.buttons()


def test_the_class_teachers_reminder_writes_one_day_once_ABS_3():
    from services.models import EventKind
    from ui.pushes.render import text_of

    payload = {
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
        "absences": [],
    }
    text = plain(text_of(EventKind.ABSENCE_DEADLINES, payload, "ru"))
    assert "Борисова Вера, 5А: 23 нояб. — до 25 нояб." in text


def test_every_standard_work_type_has_an_english_name_J_5():
    from services.demo.curriculum import WORK_TYPES
    from services.school_import.writer import DEFAULT_WORK_TYPES
    from ui.formatting import work_type_name

    for name in {n for n, *_ in DEFAULT_WORK_TYPES} | {n for n, *_ in WORK_TYPES}:
        assert work_type_name(name, "ru") == name
        assert work_type_name(name, "en") != name, name
    assert work_type_name("Домашняя работа", "en") == "Homework"
    assert work_type_name("Своя работа", "en") == "Своя работа"
