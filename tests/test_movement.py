"""The movement book's use cases (DATA-4, ROLE-2, ACC-9, ACC-6): an arrival makes a student of a class from the
order's date, once per draft; the book reads the school's orders a page at a time, latest first; wrong values,
another school's ids and the wrong role are refused and write nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.access import load_actor
from services.errors import AlreadySaved, Forbidden, InvalidInput, NotFound
from services.invites import InviteService
from services.models import (
    AcademicYear,
    AuditEntry,
    ClassGroup,
    Enrolment,
    Movement,
    MovementKind,
    Person,
    Role,
    StaffRole,
    Student,
    StudentStatus,
)
from services.movement import (
    PAGE,
    Arrival,
    FullName,
    MovementService,
    Order,
    check_order_number,
    parse_full_name,
)
from tests.factories import build_school

WEEK = timedelta(days=7)
NEW = FullName("Петров-Водкин", "Кузьма", "Сергеевич")


async def secretary_of(session, school):
    person = Person(school_id=school.school_id, last_name="Ершова", first_name="Нина")
    person.roles = [StaffRole(role=Role.SECRETARY)]
    session.add(person)
    await session.commit()
    return await load_actor(session, person.id)


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_an_arrival_is_a_student_of_the_class_from_the_order_date_written_once_DATA_4(session, clock, school):
    secretary = await secretary_of(session, school)
    movement = MovementService(session, clock)
    arrival = Arrival(school.classes["5Б"], NEW, date(2015, 3, 14), date(2026, 11, 25), " 47 ")
    recorded = await movement.arrive(secretary, arrival, draft="d1")
    assert (recorded.kind, recorded.to_class, recorded.order_number, recorded.access_closed) == (
        MovementKind.ENROLMENT,
        "5Б",
        "47",
        False,
    )
    student = await session.get(Student, recorded.student.id)
    await session.refresh(student)
    person = await session.get(Person, student.person_id)
    assert (person.full_name, person.birth_date, person.school_id) == (
        "Петров-Водкин Кузьма Сергеевич",
        date(2015, 3, 14),
        school.school_id,
    )
    assert (student.class_id, student.status) == (school.classes["5Б"], StudentStatus.ACTIVE)
    stays = (await session.scalars(select(Enrolment).where(Enrolment.student_id == student.id))).all()
    assert [(e.class_id, e.starts_on, e.ends_on) for e in stays] == [(school.classes["5Б"], date(2026, 11, 25), None)]
    entry = await session.get(Movement, recorded.movement_id)
    assert (entry.kind, entry.from_class_id, entry.to_class_id, entry.recorded_by) == (
        MovementKind.ENROLMENT,
        None,
        school.classes["5Б"],
        secretary.person_id,
    )
    [audited] = (await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == student.id))).all()
    assert (audited.action, audited.actor_id, audited.before) == ("enrolment", secretary.person_id, None)
    assert audited.after["last_name"] == "Петров-Водкин"
    with pytest.raises(AlreadySaved):  # a second tap on «Записать», or a retry
        await movement.arrive(secretary, arrival, draft="d1")
    assert await count(session, Movement) == 1 and await count(session, Student) == 8


async def test_the_arrived_students_code_is_the_secretarys_to_give_ACC_6_ROLE_2(session, clock, school):
    secretary = await secretary_of(session, school)
    arrival = Arrival(school.classes["5Б"], NEW, None, date(2026, 11, 25), "47")
    recorded = await MovementService(session, clock).arrive(secretary, arrival)
    invites = InviteService(session, clock)
    [code] = await invites.for_person(secretary, recorded.student.person_id, WEEK)
    assert (code.full_name, code.role, code.class_name) == ("Петров-Водкин Кузьма Сергеевич", Role.STUDENT, "5Б")
    with pytest.raises(Forbidden):  # staff get their codes from the administrator (ACC-6)
        await invites.for_person(secretary, school.staff["math"], WEEK)


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"order_date": date(2026, 8, 31)}, InvalidInput, "movement.outside_year"),
        ({"order_number": "1" * 41}, InvalidInput, "movement.order_too_long"),
        ({"order_number": " \u200b "}, InvalidInput, "movement.order_required"),
        ({"birth_date": date(2026, 11, 25)}, InvalidInput, "person.bad_birth_date"),
        ({"birth_date": date(1990, 1, 1)}, InvalidInput, "person.bad_birth_date"),
        ({"name": FullName("Я" * 81, "Кузьма")}, InvalidInput, "person.name_too_long"),
        ({"name": FullName("Петров", "Кузьма1")}, InvalidInput, "person.name_format"),
    ],
)
async def test_an_arrival_with_a_wrong_value_writes_nothing(session, clock, school, change, error, code):
    secretary = await secretary_of(session, school)
    values = {"class_id": school.classes["5Б"], "name": NEW, "birth_date": None, "order_date": date(2026, 11, 25)}
    values |= {"order_number": "47"} | change
    with pytest.raises(error) as raised:
        await MovementService(session, clock).arrive(secretary, Arrival(**values))
    assert raised.value.code == code
    assert await count(session, Movement) == 0 and await count(session, Student) == 7


async def test_only_the_secretary_or_administrator_and_only_in_their_school_ROLE_2(session, clock, school):
    other = await build_school(session, "Школа № 8")
    movement = MovementService(session, clock)
    arrival = Arrival(school.classes["5Б"], NEW, None, date(2026, 11, 25), "47")
    for teacher in ("math", "deputy"):
        with pytest.raises(Forbidden):
            await movement.arrive(await load_actor(session, school.staff[teacher]), arrival)
        with pytest.raises(Forbidden):
            await movement.book(await load_actor(session, school.staff[teacher]))
    secretary = await secretary_of(session, school)
    with pytest.raises(NotFound):
        await movement.arrive(secretary, Arrival(other.classes["5Б"], NEW, None, date(2026, 11, 25), "47"))
    with pytest.raises(NotFound):
        await movement.students(secretary, other.classes["5А"])
    with pytest.raises(NotFound):
        await movement.student(secretary, other.students["vasiliev"])
    with pytest.raises(NotFound):
        await movement.enter(secretary, Order(MovementKind.LEAVING, other.students["vasiliev"], date(2026, 11, 24)))
    with pytest.raises(InvalidInput):  # a transfer into another school's class
        await movement.enter(
            secretary,
            Order(MovementKind.TRANSFER, school.students["alekseev"], date(2026, 11, 24), "1", other.classes["5Б"]),
        )
    admin = await load_actor(session, school.staff["admin"])
    await movement.arrive(admin, arrival)
    assert await count(session, Movement) == 1


async def test_a_transfer_stays_in_the_year_and_a_student_leaves_once_DATA_4_ACC_9(session, clock, school):
    secretary = await secretary_of(session, school)
    movement = MovementService(session, clock)
    alekseev = school.students["alekseev"]
    with pytest.raises(InvalidInput, match=r"movement\.same_class"):
        await movement.enter(
            secretary, Order(MovementKind.TRANSFER, alekseev, date(2026, 11, 24), "1", school.classes["5А"])
        )
    next_year = AcademicYear(
        school_id=school.school_id, name="2027/2028", starts_on=date(2027, 9, 1), ends_on=date(2028, 5, 31)
    )
    session.add(next_year)
    await session.flush()
    sixth = ClassGroup(school_id=school.school_id, year_id=next_year.id, grade=6, letter="А")
    session.add(sixth)
    await session.commit()
    with pytest.raises(InvalidInput, match=r"movement\.other_year"):
        await movement.enter(secretary, Order(MovementKind.TRANSFER, alekseev, date(2026, 11, 24), "1", sixth.id))
    assert [c.name for c in (await movement.start(secretary)).classes] == ["1А", "5А", "5Б"]  # this year's
    recorded = await movement.enter(secretary, Order(MovementKind.LEAVING, alekseev, date(2026, 11, 24), "2"))
    assert recorded.access_closed and recorded.from_class == "5А" and recorded.to_class == ""
    with pytest.raises(InvalidInput, match=r"movement\.not_studying"):
        await movement.enter(secretary, Order(MovementKind.LEAVING, alekseev, date(2026, 11, 25), "3"))
    with pytest.raises(InvalidInput, match=r"movement\.not_studying"):
        await movement.student(secretary, alekseev)
    assert await count(session, Movement) == 1


async def test_the_book_is_read_latest_first_a_page_at_a_time_of_ones_own_school_DATA_4(session, clock, school):
    secretary = await secretary_of(session, school)
    other = await build_school(session, "Школа № 8")
    movement = MovementService(session, clock)
    other_secretary = await secretary_of(session, other)
    await movement.arrive(other_secretary, Arrival(other.classes["5А"], NEW, None, date(2026, 11, 2), "чужой"))
    assert (await movement.book(secretary)).entries == ()
    for n in range(PAGE + 2):
        await movement.arrive(
            secretary,
            Arrival(school.classes["1А"], FullName("Новиков", f"Ян{'а' * n}"), None, date(2026, 11, 1 + n), str(n)),
        )
    first, second = await movement.book(secretary, 0), await movement.book(secretary, 1)
    assert (first.pages, len(first.entries), len(second.entries)) == (2, PAGE, 2)
    assert [e.order_number for e in first.entries][:2] == [str(PAGE + 1), str(PAGE)]
    assert [e.order_number for e in second.entries] == ["1", "0"]
    assert (second.entries[0].kind, second.entries[0].to_class, second.entries[0].from_class) == (
        MovementKind.ENROLMENT,
        "1А",
        "",
    )
    assert (await movement.book(secretary, 99)).page == 1  # past the end: the last page


def test_typed_names_and_order_numbers_are_read_or_refused():
    assert parse_full_name("  петров   Кузьма ") == FullName("Петров", "Кузьма", "")
    assert parse_full_name("Алиев Тимур Рустам оглы") == FullName("Алиев", "Тимур", "Рустам оглы")
    assert parse_full_name("Д’Арк Жанна") == FullName("Д’Арк", "Жанна", "")
    for bad in ("Петров", "Петров 123", "Петров -", "<b>Петров</b> Иван", ""):
        with pytest.raises(InvalidInput, match=r"person\.name_format"):
            parse_full_name(bad)
    with pytest.raises(InvalidInput, match=r"person\.name_too_long"):
        parse_full_name("Я" * 5000)
    assert check_order_number("  № 45-у\n") == "45-у"  # the screens write the «№»
    assert check_order_number("45/1-у") == "45/1-у"
