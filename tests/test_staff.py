"""A member of staff dismissed (ACC-6, ROLE-2, in the spirit of ACC-9): no access from the day of the dismissal,
the staff roles and the class teacher's class end, the person and the records stay, and the deputy director's
control lists the classes and subjects that need a teacher."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot import jobs
from services.access import load_actor, system_actor
from services.control import ControlService
from services.errors import Forbidden, InvalidInput, NotFound
from services.invites import InviteService
from services.journal import JournalService
from services.models import (
    Account,
    AuditEntry,
    ClassGroup,
    Guardianship,
    InviteCode,
    Lesson,
    Mark,
    Person,
    Role,
    StaffRole,
)
from services.school_import import import_school
from services.staff import StaffService, Vacancy
from tests.factories import TODAY, account_of, add_link, build_school
from tests.test_import import small_school

DECEMBER_10 = date(2026, 12, 10)


async def linked_with_marks(session, clock, school) -> None:
    """The maths teacher of 5А has a Telegram, an unused code and a lesson with a mark."""
    journal = JournalService(session, clock)
    math = await load_actor(session, school.staff["math"])
    view = await journal.open_lesson(math, school.assignments["math5A"], TODAY, 2)
    await journal.add_marks(math, view.lesson_id, school.work_types["answer"], [(school.students["alekseev"], 5)])
    session.add(Account(id=9001))
    await session.flush()
    add_link(session, school.staff["math"], 9001)
    await session.commit()
    await InviteService(session, clock).for_person(system_actor(school.school_id), school.staff["math"], timedelta(7))


async def state_of(session, person_id: int) -> tuple:
    await session.commit()  # a fresh read: the job wrote through sessions of its own
    person = await session.get_one(Person, person_id, populate_existing=True)
    roles = set((await session.scalars(select(StaffRole.role).where(StaffRole.person_id == person_id))).all())
    led = (await session.scalars(select(ClassGroup.id).where(ClassGroup.class_teacher_id == person_id))).all()
    codes = await session.scalar(
        select(func.count()).where(
            InviteCode.person_id == person_id, InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None)
        )
    )
    return await account_of(session, person.id), roles, len(led), codes


async def test_dismissed_today_loses_access_roles_and_class_at_once_records_kept_ACC_6(session, clock, school):
    await linked_with_marks(session, clock, school)
    service = StaffService(session, clock)
    admin = system_actor(school.school_id)
    person_id = await service.find(admin, "смирнова елена викторовна")  # case and spaces do not matter
    assert person_id == school.staff["math"]
    done = await service.dismiss(admin, person_id, TODAY, "12-к")
    assert (done.in_force, done.loads, done.classes, done.order) == (True, 1, ("5А",), "12-к")
    assert await state_of(session, person_id) == (None, set(), 0, 0)
    person = await session.get_one(Person, person_id)
    assert (person.dismissed_on, person.dismissal_order, person.full_name) == (
        TODAY,
        "12-к",
        "Смирнова Елена Викторовна",
    )
    # Every record stays: the lesson, its mark, the assignment.
    assert await session.scalar(select(func.count()).select_from(Mark)) == 1
    assert await session.scalar(select(Lesson.teacher_id)) == person_id
    actions = set((await session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "person"))).all())
    assert {"dismiss", "dismissal_in_force"} <= actions
    actor = await load_actor(session, person_id)
    assert not actor.roles and not actor.led_classes  # nothing of the journal is theirs any more
    with pytest.raises(InvalidInput) as err:  # in force: a new date would not give anything back
        await service.dismiss(admin, person_id, DECEMBER_10)
    assert err.value.code == "staff.already_dismissed"


async def test_a_dismissal_dated_ahead_takes_effect_on_its_day_by_the_job_ACC_6(
    session, session_factory, clock, school
):
    await linked_with_marks(session, clock, school)
    done = await StaffService(session, clock).dismiss(system_actor(school.school_id), school.staff["math"], DECEMBER_10)
    assert not done.in_force
    before = (9001, {Role.TEACHER}, 1, 1)
    assert await state_of(session, school.staff["math"]) == before
    clock.at(DECEMBER_10 - timedelta(days=1), hour=23)
    assert await jobs.dismissals(session_factory, clock) == 0
    assert await state_of(session, school.staff["math"]) == before
    clock.at(DECEMBER_10, hour=0)  # 00:00 in Moscow: the day has come
    assert await jobs.dismissals(session_factory, clock) == 1
    assert await state_of(session, school.staff["math"]) == (None, set(), 0, 0)
    assert await jobs.dismissals(session_factory, clock) == 0  # run again: nothing left to close


async def test_the_control_screen_lists_the_classes_that_need_a_teacher_ACC_6(session, clock, school):
    deputy = await load_actor(session, school.staff["deputy"])
    control = ControlService(session, clock)
    assert (await control.report(deputy)).vacancies == ()
    await StaffService(session, clock).dismiss(system_actor(school.school_id), school.staff["russian"], DECEMBER_10)
    expected_ahead = (
        Vacancy("5А", "Русский язык", None, DECEMBER_10, 5, "А"),
        Vacancy("5Б", None, None, DECEMBER_10, 5, "Б"),  # still led by him until the day comes
        Vacancy("5Б", "Математика", None, DECEMBER_10, 5, "Б"),
    )
    assert (await control.report(deputy)).vacancies == expected_ahead
    clock.at(DECEMBER_10)
    await StaffService(session, clock).apply_due(school.school_id)
    report = await control.report(deputy)
    assert [(v.class_name, v.subject, v.since) for v in report.vacancies] == [
        ("5А", "Русский язык", DECEMBER_10),
        ("5Б", None, None),  # no class teacher now
        ("5Б", "Математика", DECEMBER_10),
    ]
    one_class = await control.report(deputy, school.classes["5А"])
    assert [(v.class_name, v.subject) for v in one_class.vacancies] == [("5А", "Русский язык")]


async def test_only_the_administrator_dismisses_and_only_in_their_school_ROLE_2(session, clock, school):
    other = await build_school(session, "Школа № 8")
    service = StaffService(session, clock)
    deputy = await load_actor(session, school.staff["deputy"])
    with pytest.raises(Forbidden):
        await service.dismiss(deputy, school.staff["math"], TODAY)
    with pytest.raises(Forbidden):
        await service.find(deputy, "Смирнова Елена Викторовна")
    with pytest.raises(NotFound):  # another school's teacher, by id
        await service.dismiss(system_actor(school.school_id), other.staff["math"], TODAY)
    with pytest.raises(NotFound):
        await service.find(system_actor(school.school_id), "Иванов Иван Иванович")
    with pytest.raises(NotFound):  # a pupil is not a member of staff, by name or by id
        await service.find(system_actor(school.school_id), "Алексеев Артём Игоревич")
    with pytest.raises(NotFound):
        await service.find(system_actor(school.school_id), str(school.parents["borisov_father"]))
    assert await service.find(system_actor(school.school_id), str(school.staff["math"])) == school.staff["math"]
    with pytest.raises(InvalidInput):
        await service.dismiss(system_actor(school.school_id), school.staff["math"], TODAY, "1" * 41)
    assert await state_of(session, school.staff["math"]) == (None, {Role.TEACHER}, 1, 0)
    assert (await session.get_one(Person, other.staff["math"])).dismissed_on is None


async def test_a_teacher_who_is_also_a_parent_keeps_the_diary_ACC_6(session, clock, school):
    session.add(Guardianship(parent_id=school.staff["math"], student_id=school.students["zaitsev"]))
    await session.commit()
    await linked_with_marks(session, clock, school)
    await StaffService(session, clock).dismiss(system_actor(school.school_id), school.staff["math"], TODAY)
    account, roles, led, _codes = await state_of(session, school.staff["math"])
    assert (account, roles, led) == (9001, set(), 0)
    actor = await load_actor(session, school.staff["math"])
    assert actor.roles == {Role.PARENT} and actor.children == frozenset({school.students["zaitsev"]})


async def test_the_import_dismisses_and_a_later_import_neither_returns_the_roles_nor_doubles_the_person_ACC_6(
    session, clock
):
    tables = small_school()
    report = await import_school(session, tables)
    staff = tables["staff"]
    for row in staff:
        row.update(dismissed_on="", dismissal_order="")
    staff[2].update(dismissed_on="01.11.2026", dismissal_order="7-к")  # Орлова
    await import_school(session, tables)
    orlova = await session.scalar(select(Person).where(Person.last_name == "Орлова"))
    assert (orlova.dismissed_on, orlova.dismissal_order) == (date(2026, 11, 1), "7-к")
    assert await StaffService(session, clock).apply_due(report.school_id) == 1
    for _ in range(2):  # the same sheet again, with the date or without the columns: the roles stay ended
        await import_school(session, tables)
        for row in staff:
            row.pop("dismissed_on", None), row.pop("dismissal_order", None)
    assert await session.scalar(select(func.count()).where(Person.last_name == "Орлова")) == 1
    assert not (await session.scalars(select(StaffRole).where(StaffRole.person_id == orlova.id))).all()
    staff[2].update(dismissed_on="")  # hired again: the empty date takes the dismissal back
    await import_school(session, tables)
    await session.refresh(orlova)
    assert orlova.dismissed_on is None
    roles = (await session.scalars(select(StaffRole.role).where(StaffRole.person_id == orlova.id))).all()
    assert roles == [Role.TEACHER]


async def test_two_namesakes_are_named_by_id_ACC_6(session, clock, school):
    namesake = Person(school_id=school.school_id, last_name="Смирнова", first_name="Елена", middle_name="Викторовна")
    namesake.roles = [StaffRole(role=Role.SECRETARY)]
    session.add(namesake)
    await session.commit()
    with pytest.raises(InvalidInput) as err:
        await StaffService(session, clock).find(system_actor(school.school_id), "Смирнова Елена Викторовна")
    assert (err.value.code, err.value.params["ids"]) == ("staff.ambiguous", f"{school.staff['math']}, {namesake.id}")
