"""Invite codes (ACC-6), consent (ACC-7), shared access (ACC-8), leaving the school (ACC-9, DATA-4)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.access import load_actor, system_actor
from services.errors import Conflict, Forbidden, NotFound, TooManyAttempts
from services.invites import CODE_LENGTH, MAX_FAILED_PER_HOUR, InviteService, hash_code
from services.models import (
    Consent,
    ConsentAnswer,
    InviteAttempt,
    InviteCode,
    Mark,
    Movement,
    MovementKind,
    Person,
    PersonAccount,
    Role,
    StaffRole,
    Student,
    StudentStatus,
)
from services.movement import MovementService
from tests.factories import account_of

TG_MOTHER, TG_OTHER = 5_000_000_001, 5_000_000_002
WEEK = timedelta(days=7)


@pytest.fixture
def invites(session, clock):
    return InviteService(session, clock)


async def test_class_teacher_issues_codes_for_the_class_one_per_person_ACC_6(invites, session, school):
    class_teacher = await load_actor(session, school.staff["math"])
    codes = await invites.for_class(class_teacher, school.classes["5А"], WEEK)
    assert [(c.role, c.full_name) for c in codes[:3]] == [
        (Role.STUDENT, "Алексеев Артём Игоревич"),
        (Role.PARENT, "Алексеева Ольга Петровна"),
        (Role.STUDENT, "Борисова Вера Олеговна"),
    ]
    assert len(codes) == 6 and len({c.code for c in codes}) == 6
    assert all(len(c.code) == CODE_LENGTH for c in codes)
    mother = next(c for c in codes if c.full_name.startswith("Алексеева Ольга"))
    assert mother.class_name == "5А, 5Б"
    # Only hashes are stored, never a code.
    stored = (await session.scalars(select(InviteCode.code_hash))).all()
    assert hash_code(codes[0].code) in stored and codes[0].code not in stored
    with pytest.raises(Forbidden):  # another class's teacher
        await invites.for_class(await load_actor(session, school.staff["russian"]), school.classes["5А"], WEEK)
    with pytest.raises(Forbidden):  # staff codes come from the administrator
        await invites.for_role(class_teacher, Role.TEACHER, WEEK)


async def test_redeem_after_consent_links_the_account_ACC_6_ACC_7(invites, session, school):
    [code] = await invites.for_person(system_actor(school.school_id), school.parents["alekseeva_mother"], WEEK)
    preview = await invites.preview(TG_MOTHER, code.code)
    assert preview.roles == {Role.PARENT}
    person_id = await invites.accept(TG_MOTHER, code.code.lower())  # typed in lower case: still right
    assert person_id == school.parents["alekseeva_mother"]
    assert await account_of(session, person_id) == TG_MOTHER
    consent = await session.scalar(select(Consent).where(Consent.by_parent_id.is_(None)))
    assert (consent.person_id, consent.account_id, consent.answer) == (person_id, TG_MOTHER, ConsentAnswer.ACCEPTED)
    with pytest.raises(Conflict) as err:  # one-time
        await invites.accept(TG_OTHER, code.code)
    assert err.value.code == "invite.used"


async def test_declined_consent_is_recorded_and_links_nothing_ACC_7(invites, session, school):
    [code] = await invites.for_person(system_actor(school.school_id), school.parents["borisov_father"], WEEK)
    await invites.decline(TG_OTHER, code.code)
    assert await account_of(session, school.parents["borisov_father"]) is None
    assert (await session.scalars(select(Consent.answer))).all() == [ConsentAnswer.DECLINED]
    await invites.accept(TG_OTHER, code.code)  # they may change their mind with the same code


async def test_wrong_expired_and_too_many_codes(invites, session, clock, school):
    [code] = await invites.for_person(system_actor(school.school_id), school.parents["borisov_father"], WEEK)
    with pytest.raises(NotFound) as err:
        await invites.preview(TG_OTHER, "WRONGCODE2")
    assert err.value.code == "invite.invalid"
    clock.now += WEEK + timedelta(minutes=1)
    with pytest.raises(Conflict) as err:
        await invites.preview(TG_OTHER, code.code)
    assert err.value.code == "invite.expired"
    for _ in range(4):
        with pytest.raises(NotFound):
            await invites.preview(TG_OTHER, "x")
    # Five failures within the hour (the expired code and four wrong ones) close the door, even for a good code.
    [fresh] = await invites.for_person(system_actor(school.school_id), school.parents["borisov_father"], WEEK)
    with pytest.raises(TooManyAttempts):
        await invites.accept(TG_OTHER, fresh.code)
    clock.now += timedelta(hours=1, minutes=1)
    await invites.accept(TG_OTHER, fresh.code)


async def test_twenty_wrong_codes_at_once_get_five_checks_ACC_6(session_factory, clock, school):
    """The count and the check cannot be raced: each try is written before it is counted."""

    async def try_code(n: int) -> str:
        async with session_factory() as own:
            try:
                await InviteService(own, clock).preview(TG_OTHER, f"WRONGCODE{n % 10}")
            except (NotFound, TooManyAttempts) as refused:
                return type(refused).__name__
        return "accepted"

    results = await asyncio.gather(*(try_code(n) for n in range(20)))
    # Tries that overlap may refuse one another (all of them, when all are written before any is counted): never
    # more than the limit is checked.
    checked = results.count("NotFound")
    assert checked <= MAX_FAILED_PER_HOUR and results.count("TooManyAttempts") == 20 - checked
    async with session_factory() as fresh:
        assert await fresh.scalar(select(func.count()).select_from(InviteAttempt)) == checked
    # One at a time, the hour's remaining tries are checked, and not one more.
    later = [await try_code(n) for n in range(MAX_FAILED_PER_HOUR + 1)]
    assert later == ["NotFound"] * (MAX_FAILED_PER_HOUR - checked) + ["TooManyAttempts"] * (checked + 1)


async def test_a_fresh_code_replaces_the_old_one_and_moves_access_ACC_8(invites, session, school):
    admin = system_actor(school.school_id)
    [old] = await invites.for_person(admin, school.parents["alekseeva_mother"], WEEK)
    await invites.accept(TG_MOTHER, old.code)
    [new] = await invites.for_person(admin, school.parents["alekseeva_mother"], WEEK)
    await invites.accept(TG_OTHER, new.code)
    person = await session.get(Person, school.parents["alekseeva_mother"])
    assert await account_of(session, person.id) == TG_OTHER
    assert await invites.unlink_person(admin, person.id) is True
    assert await account_of(session, person.id) is None


async def test_logout_and_consent_withdrawal_unlink(invites, session, school):
    admin = system_actor(school.school_id)
    [code] = await invites.for_person(admin, school.parents["alekseeva_mother"], WEEK)
    await invites.accept(TG_MOTHER, code.code)
    await invites.withdraw_consent(TG_MOTHER, school.parents["alekseeva_mother"])
    mother = school.parents["alekseeva_mother"]
    answers = (
        await session.scalars(select(Consent.answer).where(Consent.person_id == mother).order_by(Consent.id))
    ).all()
    assert answers == [ConsentAnswer.ACCEPTED, ConsentAnswer.WITHDRAWN]
    [code] = await invites.for_person(admin, school.parents["alekseeva_mother"], WEEK)
    await invites.accept(TG_MOTHER, code.code)
    assert await invites.logout(TG_MOTHER) == 1
    assert (
        await session.scalar(
            select(func.count()).select_from(PersonAccount).where(PersonAccount.account_id == TG_MOTHER)
        )
        == 0
    )


async def test_administrator_issues_staff_codes_by_role(invites, session, school):
    admin = await load_actor(session, school.staff["admin"])
    codes = await invites.for_role(admin, Role.DEPUTY, WEEK)
    assert [(c.full_name, c.role, c.class_name) for c in codes] == [("Волкова Ирина Николаевна", Role.DEPUTY, "")]


async def test_student_who_leaves_loses_access_records_stay_ACC_9_DATA_4(invites, session, clock, school):
    admin = system_actor(school.school_id)
    [code] = await invites.for_person(admin, school.student_persons["vasiliev"], WEEK)
    await invites.accept(TG_OTHER, code.code)
    movement = MovementService(session, clock)
    with pytest.raises(Forbidden):  # a teacher does not keep the movement book
        await movement.record(
            await load_actor(session, school.staff["math"]),
            school.students["vasiliev"],
            MovementKind.LEAVING,
            date(2026, 11, 24),
            "№ 45-у",
        )
    session.add(StaffRole(person_id=school.staff["deputy"], role=Role.SECRETARY))
    await session.commit()
    secretary = await load_actor(session, school.staff["deputy"])
    await movement.record(secretary, school.students["vasiliev"], MovementKind.LEAVING, date(2026, 11, 24), "№ 45-у")
    student = await session.get(Student, school.students["vasiliev"])
    await session.refresh(student)
    assert student.status == StudentStatus.LEFT
    person = await session.get(Person, school.student_persons["vasiliev"])
    assert await account_of(session, person.id) is None
    assert (await load_actor(session, person.id)).roles == frozenset()
    entry = await session.scalar(select(Movement))
    assert (entry.kind, entry.order_number, entry.from_class_id) == (
        MovementKind.LEAVING,
        "№ 45-у",
        school.classes["5А"],
    )
    await movement.record(
        secretary,
        school.students["alekseev"],
        MovementKind.TRANSFER,
        date(2026, 11, 24),
        "№ 46",
        to_class_id=school.classes["5Б"],
    )
    moved = await session.get(Student, school.students["alekseev"])
    await session.refresh(moved)
    assert moved.class_id == school.classes["5Б"]
    assert await session.scalar(select(func.count()).select_from(Mark)) == 0
