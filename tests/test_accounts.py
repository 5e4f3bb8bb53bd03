"""The account behind an update: several roles and children (ROLE-1), switching only to one's own (ACC-2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.access import system_actor
from services.accounts import AccountService, Profile
from services.errors import Forbidden, InvalidInput
from services.invites import InviteService
from services.models import Role, Student

TG = 9_100_000_001


async def link(session, clock, person_id, account=TG):
    [code] = await InviteService(session, clock).for_person(system_actor(1), person_id, timedelta(days=1))
    await InviteService(session, clock).accept(account, code.code)


async def test_stranger_has_no_actor_and_the_default_language(session, school):
    user = await AccountService(session).current_user(TG)
    assert (user.linked, user.locale, user.actors) == (False, "ru", ())


async def test_teacher_who_is_also_a_parent_switches_roles_and_children_ROLE_1(session, clock, school):
    # The math teacher is also the mother of two children: one Telegram, two linked persons, three profiles.
    await link(session, clock, school.staff["math"])
    await link(session, clock, school.parents["alekseeva_mother"])
    accounts = AccountService(session)
    user = await accounts.current_user(TG)
    assert {a.person_id for a in user.actors} == {school.staff["math"], school.parents["alekseeva_mother"]}
    assert user.profiles == (
        Profile(school.staff["math"]),
        Profile(school.parents["alekseeva_mother"], school.students["alekseev"]),
        Profile(school.parents["alekseeva_mother"], school.students["alekseeva"]),
    )
    # The last linked person, looking at their first child.
    assert user.profile == Profile(school.parents["alekseeva_mother"], school.students["alekseev"])
    assert user.roles == {Role.PARENT}
    await accounts.switch(user, school.parents["alekseeva_mother"], school.students["alekseeva"])
    user = await accounts.current_user(TG)
    assert user.student_id == school.students["alekseeva"]
    await accounts.switch(user, school.staff["math"])
    user = await accounts.current_user(TG)
    assert user.roles == {Role.TEACHER, Role.CLASS_TEACHER} and user.student_id is None
    cards = await accounts.profile_cards(user)
    assert [(c.child, c.class_name) for c in cards] == [(None, None), ("Артём", "5А"), ("Ксения", "5Б")]
    with pytest.raises(Forbidden):  # another family's child, by a forged id
        await accounts.switch(user, school.parents["alekseeva_mother"], school.students["borisova"])
    with pytest.raises(Forbidden):  # a person not linked to this account
        await accounts.switch(user, school.parents["borisov_father"])
    with pytest.raises(Forbidden):  # a parent has no staff work to switch to
        await accounts.switch(user, school.parents["alekseeva_mother"])
    assert (await accounts.current_user(TG)).profile == Profile(school.staff["math"])


async def test_a_student_sees_their_own_diary_profile(session, clock, school):
    student = await session.get(Student, school.students["zaitsev"])
    await link(session, clock, student.person_id)
    user = await AccountService(session).current_user(TG)
    assert (user.student_id, user.roles) == (school.students["zaitsev"], {Role.STUDENT})


async def test_language_is_stored_and_unknown_ones_refused(session, school):
    accounts = AccountService(session)
    await accounts.set_locale(TG, "en")
    assert (await accounts.current_user(TG)).locale == "en"
    with pytest.raises(InvalidInput):
        await accounts.set_locale(TG, "de")
    assert (await accounts.current_user(TG)).locale == "en"
