"""Consent to personal data processing end to end (ACC-7, 152-FZ): a parent's consent covers the child; a student
under 14 sees nothing until a parent has consented; a withdrawal in /settings ends access at once, the child's too;
the secretary sees who has consented and records a paper consent; the refusals (a parent, a teacher, a forged id)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from services.db import write_transaction
from services.models import Consent, ConsentAnswer, Person, PersonAccount, Role, StaffRole
from tests.flows.conftest import code_for
from ui.callbacks import ConsentsCB, ConsentsView


async def account_of(sessions, person_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))


async def make_secretary(sessions, school) -> int:
    async with sessions() as session:
        secretary = Person(school_id=school.school_id, last_name="Лебедева", first_name="Нина", middle_name="Ивановна")
        secretary.roles = [StaffRole(role=Role.SECRETARY)]
        session.add(secretary)
        await session.commit()
        return secretary.id


async def test_a_student_under_14_waits_for_the_parents_consent_ACC_7(bot_world, person, linked, clock):
    school, sessions = bot_world
    son = school.student_persons["alekseev"]
    async with sessions() as session, write_transaction(session):
        (await session.get(Person, son)).birth_date = date(2016, 5, 1)  # ten years old
    student = person()
    code = await code_for(sessions, clock, son)
    await student.send(f"/start {code}")
    assert "Нужно согласие родителя" in student.last_text()
    assert student.buttons() == [] and student.keyboard() == []
    assert await account_of(sessions, son) is None

    # The mother accepts her own consent: it covers her children, recorded for each, given by her.
    await linked(school.parents["alekseeva_mother"])
    async with sessions() as session:
        given = (
            await session.execute(select(Consent.by_parent_id, Consent.answer).where(Consent.person_id == son))
        ).all()
    assert given == [(school.parents["alekseeva_mother"], ConsentAnswer.ACCEPTED)]

    await student.send(code)  # the same code, again: now the consent is asked and the diary opens
    assert "152-ФЗ" in student.last_text()
    await student.tap("Принимаю")
    assert await account_of(sessions, son) == student.account_id
    await student.press("Дневник")
    assert "Артём" in student.last_text()


async def test_withdrawal_in_settings_ends_access_at_once_the_childs_too_ACC_7(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    son = await linked(school.student_persons["alekseev"])
    await mother.press("Настройки")
    await mother.tap("Отозвать согласие")
    assert "Отозвать согласие на обработку персональных данных?" in mother.last_text()
    assert "Согласие за ребёнка тоже будет отозвано" in mother.last_text()
    assert mother.buttons() == ["Да, отозвать согласие", "◀ Назад"]
    await mother.tap("◀ Назад")  # changed her mind: the settings again, nothing recorded
    assert mother.buttons()[-1] == "Отозвать согласие"
    await mother.tap("Отозвать согласие")
    await mother.tap("Да, отозвать согласие")
    await mother.emulator.wait_for_bot_message(mother.token, mother.id)
    assert "Согласие отозвано" in mother.last_text()
    assert not mother.menus_per_chat or mother.keyboard() == [] == mother.commands()
    assert await account_of(sessions, school.parents["alekseeva_mother"]) is None
    assert await account_of(sessions, school.student_persons["alekseev"]) is None  # rested on her consent
    async with sessions() as session:
        withdrawn = (
            await session.execute(
                select(Consent.person_id, Consent.by_parent_id).where(Consent.answer == ConsentAnswer.WITHDRAWN)
            )
        ).all()
    assert set(withdrawn) == {
        (school.parents["alekseeva_mother"], None),
        (school.student_persons["alekseev"], school.parents["alekseeva_mother"]),
        (school.student_persons["alekseeva"], school.parents["alekseeva_mother"]),
    }
    await son.send("/diary")
    assert "Артём" not in son.last_text()  # no data any more


async def test_secretary_sees_the_consents_and_records_a_paper_one_ACC_7(bot_world, linked):
    school, sessions = bot_world
    await linked(school.parents["alekseeva_mother"])
    secretary_id = await make_secretary(sessions, school)
    secretary = await linked(secretary_id)
    assert "Согласия" in secretary.keyboard()
    await secretary.press("Согласия")
    assert secretary.last_text() == "Согласия на обработку персональных данных: выберите класс."
    await secretary.tap("5А")
    text = secretary.last_text()
    assert "Алексеев Артём: родителя: в боте" in text
    assert "Борисова Вера: — нет согласия" in text
    assert "Алексеева Ольга Петровна (Алексеев Артём): ✅ в боте 24.11" in text
    assert "Борисов Олег Ильич (Борисова Вера): — нет согласия" in text
    await secretary.tap("👪 Борисов Олег Ильич")
    assert "Согласие: — нет согласия" in secretary.last_text()
    await secretary.double_tap("📄 Бумажное согласие получено")  # two taps in flight: recorded once
    await secretary.tap("◀ Класс")
    assert "Борисов Олег Ильич (Борисова Вера): 📄 бумажное" in secretary.last_text()
    async with sessions() as session:
        paper = (await session.scalars(select(Consent).where(Consent.paper))).all()
    assert [(c.person_id, c.recorded_by, c.account_id, c.answer) for c in paper] == [
        (school.parents["borisov_father"], secretary_id, None, ConsentAnswer.ACCEPTED)
    ]

    # A forged id of a person not in the class is refused, and nothing is recorded.
    forged = ConsentsCB(view=ConsentsView.paper, id=school.student_persons["alekseev"], cls=school.classes["5Б"])
    assert (await secretary.tap_raw(forged.pack()))["text"] == "Такого человека нет."
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Consent).where(Consent.paper)) == 1


async def test_a_parent_and_a_teacher_cannot_open_the_consents_ACC_7(bot_world, linked):
    school, sessions = bot_world
    mother = await linked(school.parents["alekseeva_mother"])
    teacher = await linked(school.staff["math"])
    for user in (mother, teacher):
        assert "Согласия" not in user.keyboard()
        assert "consents" not in user.commands() or not user.menus_per_chat
        await user.send("/consents")
        assert "Согласия" not in user.last_text()
        for forged in (
            ConsentsCB(view=ConsentsView.cls, id=school.classes["5Б"]),
            ConsentsCB(view=ConsentsView.paper, id=school.parents["borisov_father"], cls=school.classes["5А"]),
        ):
            answer = await user.tap_raw(forged.pack())
            assert "Борисов" not in (answer.get("text") or "") and "Согласия:" not in user.last_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Consent).where(Consent.paper)) == 0
