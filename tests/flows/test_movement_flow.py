"""The student movement book in the bot (DATA-4, ROLE-2, ACC-9, ACC-6): the secretary records a leaving (the
student's account is unlinked at once: their next /diary finds no access), a transfer and an arrival (a new
student with a stay from the order's date, and a code for the family), each once however often «Записать» is
tapped. Refusals: a teacher has no such menu entry and a forged button of theirs is stale; another school's
student or class is not found; bad typed input is answered and writes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from services.models import AuditEntry, Enrolment, InviteCode, Movement, MovementKind, Person, Role, StaffRole, Student
from tests.factories import YEAR_START, account_of, build_school
from tests.flows.conftest import plain
from ui.callbacks import MoveAction, MoveFlow, MovementCB

STALE = "Эта кнопка устарела. Меню — по команде /help."


async def add_secretary(sessions, school) -> int:
    async with sessions() as session:
        person = Person(school_id=school.school_id, last_name="Ершова", first_name="Нина", middle_name="Павловна")
        person.roles = [StaffRole(role=Role.SECRETARY)]
        session.add(person)
        await session.commit()
        return person.id


async def movements(sessions) -> list[Movement]:
    async with sessions() as session:
        return list((await session.scalars(select(Movement).order_by(Movement.id))).all())


async def stays(sessions, student_id: int) -> list[tuple[int, date, date | None]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Enrolment).where(Enrolment.student_id == student_id).order_by(Enrolment.starts_on)
        )
        return [(e.class_id, e.starts_on, e.ends_on) for e in rows]


async def test_the_secretary_records_a_leaving_once_and_the_student_loses_access_DATA_4_ACC_9(bot_world, linked):
    school, sessions = bot_world
    secretary = await linked(await add_secretary(sessions, school))
    pupil = await linked(school.student_persons["vasiliev"])
    await pupil.send("/diary")
    assert "Васильев" in plain(pupil.last_text()) or "Глеб" in plain(pupil.last_text())
    assert "Книга движения" in secretary.keyboard() and "movement" in secretary.commands()
    await secretary.press("Книга движения")
    assert "Книга движения учащихся" in secretary.last_text() and "В книге пока нет записей." in secretary.last_text()
    await secretary.tap("Выбытие")
    await secretary.tap("5А")
    assert "5А: выберите ученика." in secretary.last_text()
    await secretary.tap("Васильев Глеб Денисович")
    assert "Дата приказа" in secretary.last_text()
    await secretary.tap("24")
    await secretary.send("№ 45-у")
    summary = plain(secretary.last_text())
    assert "Вид: выбытие" in summary and "Приказ: № 45-у от 24 ноября 2026" in summary
    answers = await secretary.double_tap("Записать")
    assert sorted(a.get("text") or "" for a in answers) == ["Записано.", "Уже записано."]
    done = plain(secretary.last_text())
    assert "✅ Записано: Васильев Глеб Денисович (5А) выбывает из школы с 24 ноября 2026" in done
    assert "Доступ ученика к журналу закрыт" in done
    [entry] = await movements(sessions)
    assert (entry.kind, entry.order_number, entry.order_date, entry.from_class_id, entry.to_class_id) == (
        MovementKind.LEAVING,
        "45-у",
        date(2026, 11, 24),
        school.classes["5А"],
        None,
    )
    async with sessions() as session:
        assert await account_of(session, school.student_persons["vasiliev"]) is None
        [audited] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "leaving"))).all()
        assert audited.entity_id == school.students["vasiliev"] and audited.after["status"] == "left"
    assert await stays(sessions, school.students["vasiliev"]) == [
        (school.classes["5А"], YEAR_START, date(2026, 11, 23))
    ]
    await pupil.send("/diary")
    assert "код доступа" in pupil.last_text()  # the no-access screen: the journal is closed to them
    await secretary.press("Книга движения")
    book = plain(secretary.last_text())
    assert "24 ноября 2026 · приказ № 45-у · выбытие\nВасильев Глеб Денисович, 5А" in book


async def test_the_secretary_transfers_a_student_to_another_class_of_the_year_DATA_4(bot_world, linked):
    school, sessions = bot_world
    secretary = await linked(await add_secretary(sessions, school))
    await secretary.press("Книга движения")
    await secretary.tap("Перевод")
    await secretary.tap("5А")
    await secretary.tap("Алексеев Артём Игоревич")
    assert "В какой класс переводится ученик?" in secretary.last_text()
    assert "5А" not in secretary.buttons() and "5Б" in secretary.buttons()
    await secretary.tap("5Б")
    await secretary.send("23.11")  # typed, not picked
    await secretary.send("46")
    assert "Класс: 5А → 5Б" in secretary.last_text()
    await secretary.tap("Записать")
    assert "перевод из 5А в 5Б с 23 ноября 2026 (приказ № 46 от 23 ноября 2026)" in plain(secretary.last_text())
    [entry] = await movements(sessions)
    assert (entry.kind, entry.to_class_id) == (MovementKind.TRANSFER, school.classes["5Б"])
    assert await stays(sessions, school.students["alekseev"]) == [
        (school.classes["5А"], YEAR_START, date(2026, 11, 22)),
        (school.classes["5Б"], date(2026, 11, 23), None),
    ]


async def test_an_arrival_makes_a_student_of_the_class_from_the_date_and_a_code_ACC_6_DATA_4(bot_world, linked):
    school, sessions = bot_world
    secretary = await linked(await add_secretary(sessions, school))
    await secretary.press("Книга движения")
    await secretary.tap("Зачисление")
    await secretary.tap("5Б")
    assert "Зачисление в 5Б" in secretary.last_text()
    await secretary.send("Я" * 5000)
    assert "Слишком длинное имя" in secretary.last_text()
    await secretary.send("Петров")
    assert "Фамилия Имя Отчество" in secretary.last_text()
    await secretary.send("петров-Водкин Кузьма Сергеевич")
    await secretary.send("31.02.2015")
    assert "Такой даты рождения" in secretary.last_text()
    await secretary.send("14.03.2015")
    await secretary.send("01.09.2025")
    assert "Дата вне учебного года." in secretary.last_text()
    await secretary.send("25.11")
    await secretary.send("1" * 41)
    assert "Номер приказа слишком длинный: не более 40 символов." in secretary.last_text()
    await secretary.send("47")
    summary = plain(secretary.last_text())
    assert "Ученик: Петров-Водкин Кузьма Сергеевич" in summary and "Дата рождения: 14 марта 2015" in summary
    await secretary.tap("Записать")
    assert "зачисляется в 5Б с 25 ноября 2026" in plain(secretary.last_text())
    async with sessions() as session:
        person = await session.scalar(select(Person).where(Person.last_name == "Петров-Водкин"))
        assert (person.first_name, person.middle_name, person.birth_date) == ("Кузьма", "Сергеевич", date(2015, 3, 14))
        student = await session.scalar(select(Student).where(Student.person_id == person.id))
        assert student.class_id == school.classes["5Б"]
        assert (
            await session.scalar(select(func.count()).select_from(InviteCode).where(InviteCode.person_id == person.id))
            == 0
        )
    assert await stays(sessions, student.id) == [(school.classes["5Б"], date(2026, 11, 25), None)]
    [entry] = await movements(sessions)
    assert (entry.kind, entry.student_id, entry.from_class_id) == (MovementKind.ENROLMENT, student.id, None)
    await secretary.tap("🔑 Выдать код доступа")
    assert "Петров-Водкин Кузьма Сергеевич (ученик): " in secretary.last_text()
    async with sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(InviteCode).where(InviteCode.person_id == person.id))
            == 1
        )


async def test_a_menu_button_ends_the_order_prompt_and_nothing_is_written(bot_world, linked):
    school, sessions = bot_world
    secretary = await linked(await add_secretary(sessions, school))
    await secretary.press("Книга движения")
    await secretary.tap("Выбытие")
    await secretary.tap("5А")
    await secretary.tap("Борисова Вера Олеговна")
    await secretary.tap("24")
    await secretary.press("Книга движения", replies=2)
    await secretary.send("45")  # no longer taken for the order's number
    assert "Проверьте приказ" not in secretary.last_text()
    assert await movements(sessions) == []


async def test_a_teacher_has_no_book_and_another_schools_ids_are_refused_ROLE_2(bot_world, linked):
    school, sessions = bot_world
    async with sessions() as session:
        other = await build_school(session, "Школа № 8")
    teacher = await linked(school.staff["math"])
    assert "Книга движения" not in teacher.keyboard()
    assert "movement" not in teacher.commands() or not teacher.menus_per_chat
    forged = MovementCB(action=MoveAction.cls, flow=MoveFlow.leaving, cls=school.classes["5А"]).pack()
    assert (await teacher.tap_raw(forged))["text"] == STALE
    await teacher.send("/movement")
    assert "Книга движения" not in teacher.last_text()
    secretary = await linked(await add_secretary(sessions, school))
    await secretary.press("Книга движения")
    await secretary.tap("Выбытие")
    for data, refusal in (
        (MovementCB(action=MoveAction.cls, flow=MoveFlow.leaving, cls=other.classes["5А"]), "Такого класса нет."),
        (
            MovementCB(
                action=MoveAction.student,
                flow=MoveFlow.leaving,
                cls=other.classes["5А"],
                student=other.students["vasiliev"],
            ),
            "Такого ученика нет.",
        ),
        (
            MovementCB(
                action=MoveAction.target,
                flow=MoveFlow.transfer,
                cls=school.classes["5А"],
                student=school.students["alekseev"],
                target=other.classes["5Б"],
            ),
            STALE,
        ),
    ):
        assert (await secretary.tap_raw(data.pack()))["text"] == refusal
    assert await movements(sessions) == []
