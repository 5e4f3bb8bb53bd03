"""The front door end to end: codes (ACC-6), consent (ACC-7), strangers, languages, logout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.models import Consent, ConsentAnswer, PersonAccount
from tests.flows.conftest import TOKEN, code_for


async def test_stranger_is_told_how_to_get_in(bot_world, person):
    stranger = person()
    await stranger.send("/start")
    assert "классного руководителя" in stranger.last_text()
    assert len(stranger.last_text().splitlines()) == 2


async def test_deep_link_consent_accepted_links_the_parent_ACC_6_ACC_7(bot_world, person, clock):
    school, sessions = bot_world
    mother = person()
    code = await code_for(sessions, clock, school.parents["alekseeva_mother"])
    await mother.send(f"/start {code}")
    assert "152-ФЗ" in mother.last_text()
    await mother.tap("Принимаю")
    thanks, menu = mother.texts()[-2:]
    assert "Спасибо" in thanks
    assert "/help — Что умеет бот" in menu
    async with sessions() as session:
        assert (
            await session.scalar(
                select(PersonAccount.account_id).where(PersonAccount.person_id == school.parents["alekseeva_mother"])
            )
            == mother.account_id
        )
        # ACC-7: her own consent, and one for each child, given by her
        assert (await session.scalars(select(Consent.by_parent_id).order_by(Consent.id))).all() == [
            None,
            school.parents["alekseeva_mother"],
            school.parents["alekseeva_mother"],
        ]
        assert set((await session.scalars(select(Consent.answer))).all()) == {ConsentAnswer.ACCEPTED}
    assert {"help", "language", "logout"} <= set(mother.commands())


async def test_declined_consent_shows_nothing_and_links_nothing_ACC_7(bot_world, person, clock):
    school, sessions = bot_world
    father = person()
    code = await code_for(sessions, clock, school.parents["borisov_father"])
    await father.send(code)  # typed, not by the link
    await father.tap("Не принимаю")
    assert "ничего не показывает" in father.last_text()
    async with sessions() as session:
        assert (
            await session.scalar(
                select(PersonAccount.account_id).where(PersonAccount.person_id == school.parents["borisov_father"])
            )
            is None
        )
        assert (await session.scalars(select(Consent.answer))).all() == [ConsentAnswer.DECLINED]


async def test_wrong_and_expired_codes_are_explained(bot_world, person, clock):
    school, sessions = bot_world
    someone = person()
    await someone.send("/start WRONGCODE9")
    assert "Код не подходит" in someone.last_text()
    code = await code_for(sessions, clock, school.parents["borisov_father"])
    clock.now += timedelta(days=8)
    await someone.send(code)
    assert "истёк" in someone.last_text()


async def test_english_speaker_switches_language_and_logs_out(bot_world, person, clock):
    school, sessions = bot_world
    teacher = person(language_code="en")
    await teacher.send("/start")
    assert "access code" in teacher.last_text()  # Telegram's language until they choose
    code = await code_for(sessions, clock, school.staff["math"])
    await teacher.send(f"/start {code}")
    await teacher.tap("I accept")
    await teacher.send("/language")
    await teacher.tap("Русский")
    assert teacher.last_text() == "Теперь язык — русский."
    await teacher.send("/logout")
    await teacher.tap("Выйти")
    await teacher.emulator.wait_for_bot_message(TOKEN, teacher.id)
    assert teacher.last_text().startswith("Вы вышли.\nЧтобы вернуться, понадобится новый код доступа")
    async with sessions() as session:
        assert (
            await session.scalar(
                select(PersonAccount.account_id).where(PersonAccount.person_id == school.staff["math"])
            )
            is None
        )


async def test_the_consent_fits_the_reader_ACC_7(bot_world, person, clock):
    """A parent consents for themself and the child, a student for their own diary, a teacher as staff; the buttons
    say «Принимаю» / «Не принимаю», whoever reads them. The consent row keeps whose text was accepted."""
    school, sessions = bot_world
    shown = {}
    for who, person_id in (
        ("parent", school.parents["alekseeva_mother"]),
        ("student", school.student_persons["alekseev"]),
        ("staff", school.staff["math"]),
    ):
        user = person()
        await user.send("/start " + await code_for(sessions, clock, person_id))
        shown[who] = user.last_text()
        assert user.buttons() == ["Принимаю", "Не принимаю"]
        await user.tap("Принимаю")
        assert "Спасибо" in user.texts()[-2]
    assert "вашего ребёнка" in shown["parent"] and "152-ФЗ" in shown["parent"]
    assert "ребён" not in shown["student"] and "ваши ФИО, отметки" in shown["student"]
    assert "ребён" not in shown["staff"] and "что вы записываете в журнал" in shown["staff"]
    assert all(text.endswith("Вы даёте согласие?") for text in shown.values())
    async with sessions() as session:
        assert (
            await session.scalars(
                select(Consent.text_version).where(Consent.by_parent_id.is_(None)).order_by(Consent.id)
            )
        ).all() == [
            "2026-12/parent",
            "2026-12/student",
            "2026-12/staff",
        ]

    student = person(language_code="en")
    await student.send("/start " + await code_for(sessions, clock, school.student_persons["borisova"]))
    assert student.buttons() == ["I accept", "I decline"]
    assert "your name, marks, attendance and homework" in student.last_text()
    assert "child" not in student.last_text()
    await student.tap("I decline")
    assert "Without your consent" in student.last_text()
