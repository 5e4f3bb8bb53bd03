"""Push preferences (/settings): defaults, per child and kind, the digest time, quiet hours, and only
for one's own children (ACC-1, ACC-2)."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from services.access import system_actor
from services.accounts import AccountService
from services.errors import Forbidden, InvalidInput
from services.invites import InviteService
from services.models import Account, NotificationSetting, NotifyKind, NotifyMode, Student
from services.preferences import (
    DEFAULT_DIGEST_TIME,
    DEFAULT_MODES,
    DEFAULT_QUIET_FROM,
    DEFAULT_QUIET_TO,
    KINDS,
    PreferenceService,
    QuietHours,
    parse_quiet_hours,
    parse_time,
)

MOTHER_TG = 9_200_000_001
OTHER_TG = 9_200_000_002

INSTANT, DIGEST, OFF = NotifyMode.INSTANT, NotifyMode.DIGEST, NotifyMode.OFF


async def link(session, clock, person_id, account):
    [code] = await InviteService(session, clock).for_person(system_actor(1), person_id, timedelta(days=1))
    await InviteService(session, clock).accept(account, code.code)
    return await AccountService(session).current_user(account)


async def stored(session) -> set[tuple[int, int, str, str]]:
    await session.rollback()  # a fresh snapshot: other sessions may have written
    rows = await session.scalars(select(NotificationSetting))
    return {(r.account_id, r.student_id, r.kind.value, r.mode.value) for r in rows}


async def account_times(session, account_id) -> tuple[time, time, time]:
    await session.rollback()  # a fresh snapshot: other sessions may have written
    account = await session.get(Account, account_id)
    return account.digest_time, account.quiet_from, account.quiet_to


@pytest.fixture
async def mother(session, clock, school):
    return await link(session, clock, school.parents["alekseeva_mother"], MOTHER_TG)


async def test_defaults_where_nothing_is_stored(session, school, mother):
    prefs = await PreferenceService(session).of_child(mother, school.students["alekseev"])
    assert prefs.modes == (
        (NotifyKind.MARKS, INSTANT),
        (NotifyKind.ABSENCES, INSTANT),
        (NotifyKind.HOMEWORK, DIGEST),
        (NotifyKind.DOCUMENTS, INSTANT),
        (NotifyKind.ANNOUNCEMENTS, INSTANT),
        (NotifyKind.TOMORROW, OFF),  # the evening reminder of tomorrow's homework is opt-in
        (NotifyKind.SUMMARY, INSTANT),  # the weekly summary and the period forecast (DIA-4)
    )
    assert [k for k, _ in prefs.modes] == list(KINDS) == list(NotifyKind)  # every kind on the screen
    assert (prefs.digest_time, prefs.quiet_hours) == (time(19), QuietHours(time(21), time(8)))
    assert (prefs.student.first_name, prefs.student.class_name, prefs.timezone) == ("Артём", "5А", "Europe/Moscow")
    assert await stored(session) == set()  # reading writes nothing


def test_service_defaults_are_the_model_defaults():
    columns = Account.__table__.c
    assert (columns.digest_time.default.arg, columns.quiet_from.default.arg, columns.quiet_to.default.arg) == (
        DEFAULT_DIGEST_TIME,
        DEFAULT_QUIET_FROM,
        DEFAULT_QUIET_TO,
    )
    assert NotificationSetting.__table__.c.mode.default.arg == NotifyMode.INSTANT  # a row's own default
    assert set(DEFAULT_MODES) == set(NotifyKind)


async def test_modes_are_set_per_child_and_kind_ACC_2(session, school, mother):
    prefs = PreferenceService(session)
    son, daughter = school.students["alekseev"], school.students["alekseeva"]
    await prefs.set_mode(mother, son, NotifyKind.MARKS, DIGEST)
    await prefs.set_mode(mother, son, NotifyKind.MARKS, OFF)  # changed again: the same row
    after = await prefs.set_mode(mother, daughter, NotifyKind.HOMEWORK, INSTANT)
    assert after.mode(NotifyKind.HOMEWORK) == INSTANT and after.student.first_name == "Ксения"
    await prefs.set_mode(mother, daughter, NotifyKind.ABSENCES, INSTANT)  # equal to the default: still stored
    assert await stored(session) == {
        (MOTHER_TG, son, "marks", "off"),
        (MOTHER_TG, daughter, "homework", "instant"),
        (MOTHER_TG, daughter, "absences", "instant"),
    }
    assert (await prefs.of_child(mother, son)).mode(NotifyKind.MARKS) == OFF
    assert (await prefs.of_child(mother, son)).mode(NotifyKind.HOMEWORK) == DIGEST  # the other child's choice only
    assert (await prefs.of_child(mother, daughter)).mode(NotifyKind.MARKS) == INSTANT


async def test_another_familys_child_is_refused_and_nothing_changes_ACC_2(session, clock, school, mother):
    prefs = PreferenceService(session)
    borisova = school.students["borisova"]
    with pytest.raises(Forbidden) as refused:
        await prefs.of_child(mother, borisova)
    assert refused.value.code == "student.not_yours"
    for write in (
        prefs.set_mode(mother, borisova, NotifyKind.MARKS, OFF),
        prefs.set_digest_time(mother, borisova, time(7)),
        prefs.set_quiet_hours(mother, borisova, None),
        prefs.set_mode(mother, 999_999, NotifyKind.MARKS, OFF),
    ):  # no such student: the same answer
        with pytest.raises(Forbidden, match=r"student\.not_yours"):
            await write
    assert await stored(session) == set()
    assert await account_times(session, MOTHER_TG) == (time(19), time(21), time(8))


async def test_a_teacher_may_see_but_not_set_a_students_pushes(session, clock, school):
    # The class teacher of 5А sees her students (ACC-4), but their pushes are their families' to set.
    teacher = await link(session, clock, school.staff["math"], OTHER_TG)
    with pytest.raises(Forbidden, match=r"student\.not_yours"):
        await PreferenceService(session).set_mode(teacher, school.students["alekseev"], NotifyKind.MARKS, OFF)
    assert await stored(session) == set()


async def test_a_student_sets_their_own_ACC_1(session, clock, school):
    person_id = (await session.get(Student, school.students["zaitsev"])).person_id
    student = await link(session, clock, person_id, OTHER_TG)
    prefs = PreferenceService(session)
    await prefs.set_mode(student, school.students["zaitsev"], NotifyKind.HOMEWORK, INSTANT)
    assert await stored(session) == {(OTHER_TG, school.students["zaitsev"], "homework", "instant")}
    with pytest.raises(Forbidden):  # a classmate
        await prefs.set_mode(student, school.students["alekseeva"], NotifyKind.HOMEWORK, INSTANT)


async def test_unknown_kind_or_mode_is_refused(session, school, mother):
    prefs = PreferenceService(session)
    with pytest.raises(InvalidInput, match=r"settings\.bad_choice"):
        await prefs.set_mode(mother, school.students["alekseev"], "weather", INSTANT)
    with pytest.raises(InvalidInput, match=r"settings\.bad_choice"):
        await prefs.set_mode(mother, school.students["alekseev"], NotifyKind.MARKS, "loud")
    assert await stored(session) == set()


async def test_digest_time_and_quiet_hours_are_stored_for_the_account(session, clock, school, mother):
    prefs = PreferenceService(session)
    son, daughter = school.students["alekseev"], school.students["alekseeva"]
    after = await prefs.set_digest_time(mother, son, time(7, 30))
    assert after.digest_time == time(7, 30)
    after = await prefs.set_quiet_hours(mother, daughter, QuietHours(time(22, 30), time(6, 45)))
    assert after.quiet_hours == QuietHours(time(22, 30), time(6, 45))
    assert await account_times(session, MOTHER_TG) == (time(7, 30), time(22, 30), time(6, 45))
    # The same for both children: they belong to the account.
    assert (await prefs.of_child(mother, son)).quiet_hours == QuietHours(time(22, 30), time(6, 45))
    assert not after.digest_in_quiet_hours
    # Quiet hours off: an empty span; back on with new times.
    assert (await prefs.set_quiet_hours(mother, son, None)).quiet_hours is None
    assert (await prefs.of_child(mother, daughter)).quiet_hours is None
    back = await prefs.set_quiet_hours(mother, son, QuietHours(time(9), time(15)))  # a day span is fine too
    assert back.quiet_hours == QuietHours(time(9), time(15)) and back.digest_in_quiet_hours is False
    assert (await prefs.set_digest_time(mother, son, time(12))).digest_in_quiet_hours
    assert await stored(session) == set()


async def test_bad_times_are_refused_and_nothing_changes(session, school, mother):
    prefs = PreferenceService(session)
    son = school.students["alekseev"]
    with pytest.raises(InvalidInput, match=r"settings\.bad_time"):
        await prefs.set_digest_time(mother, son, time(19, 0, 30))  # whole minutes only
    with pytest.raises(InvalidInput, match=r"settings\.quiet_hours_empty"):
        await prefs.set_quiet_hours(mother, son, QuietHours(time(22), time(22)))
    with pytest.raises(InvalidInput, match=r"settings\.bad_time"):
        await prefs.set_quiet_hours(mother, son, QuietHours(time(22, 0, 1), time(7)))
    assert await account_times(session, MOTHER_TG) == (time(19), time(21), time(8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:00", time(19)),
        ("7:30", time(7, 30)),
        (" 07.05 ", time(7, 5)),
        ("1900", time(19)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "19:60", "7:5", "seven", "", "19:00:00", "-1:00", "12345"])
def test_parse_time_refuses(text):
    with pytest.raises(InvalidInput, match=r"settings\.bad_time"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00–08:00", (time(21), time(8))),
        ("22:30 - 07:00", (time(22, 30), time(7))),
        ("23:00—6:30", (time(23), time(6, 30))),
        ("22:00 07:00", (time(22), time(7))),
        ("2100-0800", (time(21), time(8))),
    ],
)
def test_parse_quiet_hours(text, expected):
    assert parse_quiet_hours(text) == QuietHours(*expected)


@pytest.mark.parametrize("text", ["21:00", "21:00–25:00", "from nine to eight", "21:00-08:00-09:00", ""])
def test_parse_quiet_hours_refuses(text):
    with pytest.raises(InvalidInput, match=r"settings\.bad_quiet_hours"):
        parse_quiet_hours(text)


@pytest.mark.parametrize(
    ("moment", "covered"),
    [
        (time(20, 59), False),
        (time(21), True),
        (time(23, 59), True),
        (time(0), True),
        (time(7, 59), True),
        (time(8), False),
        (time(12), False),
    ],
)
def test_quiet_hours_across_midnight(moment, covered):
    assert QuietHours(time(21), time(8)).covers(moment) is covered


async def test_taps_at_the_same_time_leave_one_row(session_factory, session, school, mother):
    # Double taps reach the bot as concurrent updates, each with its own session; none may fail.
    async def tap(mode):
        async with session_factory() as own:
            await PreferenceService(own).set_mode(mother, school.students["alekseev"], NotifyKind.MARKS, mode)

    await asyncio.gather(*(tap(mode) for mode in (DIGEST, OFF, DIGEST, OFF, DIGEST, OFF)))
    [(_account, _student, kind, mode)] = await stored(session)
    assert kind == "marks" and mode in ("digest", "off")
