"""Consents (ACC-7): the age from which a student's own consent suffices, an unknown birth date read as younger, a
paper consent standing for the parent's, and a withdrawal that ends a child's access only when no parent's consent
is left."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.access import load_actor, system_actor
from services.consents import ConsentService, needs_parent
from services.errors import Forbidden
from services.invites import InviteService
from services.models import Consent, Guardianship, Kinship, Person, PersonAccount, Role, StaffRole

WEEK = timedelta(days=7)


def test_from_14_a_student_consents_alone_an_unknown_birth_date_reads_younger_ACC_7():
    today = date(2026, 12, 3)
    assert needs_parent(date(2012, 12, 3), today) is False  # 14 today
    assert needs_parent(date(2012, 12, 4), today) is True  # 14 tomorrow
    assert needs_parent(None, today) is True


async def link(session, clock, school, person_id: int, account: int) -> None:
    invites = InviteService(session, clock)
    [code] = await invites.for_person(system_actor(school.school_id), person_id, WEEK)
    await invites.accept(account, code.code)


async def test_a_paper_consent_stands_for_the_parents_and_is_recorded_once_ACC_7(session, clock, school):
    son = await session.get(Person, school.student_persons["alekseev"])
    son.birth_date = date(2016, 5, 1)
    secretary = Person(school_id=school.school_id, last_name="Лебедева", first_name="Нина")
    secretary.roles = [StaffRole(role=Role.SECRETARY)]
    session.add(secretary)
    await session.commit()
    son_id, secretary_id = son.id, secretary.id
    with pytest.raises(Forbidden) as refused:
        await link(session, clock, school, son_id, 901)
    assert refused.value.code == "consent.parent_needed"
    consents = ConsentService(session, clock)
    keeper = await load_actor(session, secretary_id)
    for _ in range(2):
        person = await consents.record_paper(keeper, school.classes["5А"], son_id)
    assert person.standing.paper and person.standing.by_parent
    papers = select(func.count()).select_from(Consent).where(Consent.paper, Consent.recorded_by == secretary_id)
    assert await session.scalar(papers) == 1
    await link(session, clock, school, son_id, 901)
    assert await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == son_id)) == 901
    with pytest.raises(Forbidden):  # a teacher keeps no consents
        await consents.record_paper(await load_actor(session, school.staff["math"]), school.classes["5А"], son_id)


async def test_one_parent_withdrawing_leaves_the_child_linked_while_the_others_consent_stands_ACC_7(
    session, clock, school
):
    father = Person(school_id=school.school_id, last_name="Алексеев", first_name="Игорь")
    session.add(father)
    await session.flush()
    session.add(Guardianship(parent_id=father.id, student_id=school.students["alekseev"], kinship=Kinship.FATHER))
    await session.commit()
    mother, son = school.parents["alekseeva_mother"], school.student_persons["alekseev"]
    await link(session, clock, school, mother, 801)
    await link(session, clock, school, father.id, 802)
    await link(session, clock, school, son, 803)
    invites = InviteService(session, clock)
    assert await invites.withdraw_consent(801, mother) == 1  # the father's consent still stands
    assert await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == son)) == 803
    assert await invites.withdraw_consent(802, father.id) == 2  # none left: the son's access ends too
    session.expire_all()
    assert await session.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == son)) is None
