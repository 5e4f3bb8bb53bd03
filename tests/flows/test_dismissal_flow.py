"""A dismissed teacher end to end (ACC-6, ROLE-2): their next update after the dismissal's day finds no journal,
the records they made stay, and the deputy director's control lists the class and subject that needs a teacher."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot import jobs
from services.access import load_actor, system_actor
from services.journal import JournalService
from services.models import Mark, Person
from services.staff import StaffService
from tests.factories import TODAY

DECEMBER_10 = date(2026, 12, 10)


async def test_a_dismissed_teacher_finds_no_journal_from_the_day_and_the_deputy_sees_the_gap_ACC_6(
    bot_world, linked, clock
):
    school, sessions = bot_world
    russian = await linked(school.staff["russian"])
    async with sessions() as session:
        journal = JournalService(session, clock)
        teacher = await load_actor(session, school.staff["russian"])
        lesson = await journal.open_lesson(teacher, school.assignments["rus5A"], TODAY, 1)
        await journal.add_marks(
            teacher, lesson.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)]
        )
        await StaffService(session, clock).dismiss(system_actor(school.school_id), school.staff["russian"], DECEMBER_10)
    await russian.send("/start")
    assert russian.keyboard()[:2] == ["Уроки", "Отметки за период"]  # until the day comes nothing changes

    clock.at(DECEMBER_10, hour=0)
    assert await jobs.dismissals(sessions, clock) == 1
    await russian.send("Уроки")  # the menu button still on their phone: the bot no longer knows them
    assert russian.last_text().startswith("У этого чата сейчас нет доступа к журналу: его закрыли или ещё не выдали.")
    assert not russian.menus_per_chat or russian.keyboard() == []  # the stale menu is taken away (Telegram)
    await russian.send("/start")
    assert russian.last_text().startswith("Это электронный журнал и дневник школы.\nЧтобы войти, попросите код")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Mark)) == 1
        assert (await session.get_one(Person, school.staff["russian"])).last_name == "Кузнецов"

    deputy = await linked(school.staff["deputy"])
    await deputy.press("Контроль журнала")
    assert deputy.last_text().endswith(
        "Нужен учитель\n"
        "5А · Русский язык — нет учителя с 10.12\n"
        "5Б — нет классного руководителя\n"
        "5Б · Математика — нет учителя с 10.12"
    )
