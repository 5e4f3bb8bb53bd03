"""The import's status and dates (DATA-4, ACC-9): «Статус» (обучается / выбыл / выпускник, English accepted),
«Дата зачисления» and «Дата выбытия». A leaver's stay ends the day before they left and their access closes; a
student who had left is not enrolled again by a later import; a bad row writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.cli import import_failure_text
from services.models import Account, Enrolment, Person, Student, StudentStatus
from services.school_import import ImportFailed, import_school
from tests.factories import account_of, add_link
from tests.test_import import issue_tuples, parse_failed, small_school

START = date(2026, 9, 1)
COLUMNS = ("status", "enrolled_on", "left_on")


def with_stays(**rows: tuple[str, str, str]) -> dict[str, list[dict[str, str]]]:
    """small_school() with the three columns on every student row; `rows` by last name: (status, from, left)."""
    tables = small_school()
    for row in tables["students"]:
        row.update(dict(zip(COLUMNS, rows.get(row["last_name"], ("", "", "")), strict=True)))
    return tables


async def stays(session) -> dict[str, tuple[StudentStatus, list[tuple[date, date | None]]]]:
    """Each student's status and stays, by last name."""
    found: dict[str, tuple[StudentStatus, list[tuple[date, date | None]]]] = {}
    for last_name, status, starts, ends in await session.execute(
        select(Person.last_name, Student.status, Enrolment.starts_on, Enrolment.ends_on)
        .join(Student, Student.person_id == Person.id)
        .outerjoin(Enrolment, Enrolment.student_id == Student.id)
        .order_by(Person.last_name, Enrolment.starts_on)
    ):
        found.setdefault(last_name, (status, []))[1].extend([(starts, ends)] if starts else [])
    return found


async def test_status_and_dates_are_imported_DATA_4_ACC_9(session):
    await import_school(session, small_school())
    petrov = await session.scalar(select(Person).where(Person.last_name == "Петров"))
    session.add(Account(id=777))
    await session.flush()
    add_link(session, petrov.id, 777)
    await session.commit()

    tables = with_stays(
        Иванов=("обучается", "", ""),
        Петров=("выбыл", "", "20.11.2026"),
        Козлов=("", "10.09.2026", ""),
        Новиков=("graduated", "", "01.11.2026"),
    )
    await import_school(session, tables)
    found = await stays(session)
    assert found["Иванов"] == (StudentStatus.ACTIVE, [(START, None)])
    assert found["Петров"] == (StudentStatus.LEFT, [(START, date(2026, 11, 19))])  # in rosters before the 20th
    assert found["Козлов"] == (StudentStatus.ACTIVE, [(date(2026, 9, 10), None)])
    assert found["Новиков"] == (StudentStatus.GRADUATED, [(START, date(2026, 10, 31))])
    assert await account_of(session, petrov.id) is None  # ACC-9: the leaver's access is closed

    # The same tables again change nothing; without the columns a leaver is not enrolled again.
    await import_school(session, tables)
    assert await stays(session) == found
    await import_school(session, small_school())
    assert await stays(session) == found


async def test_a_new_student_who_left_gets_a_closed_stay_DATA_4(session):
    await import_school(session, with_stays(Петров=("выбыл", "15.09.2026", "01.10.2026")))
    assert (await stays(session))["Петров"] == (StudentStatus.LEFT, [(date(2026, 9, 15), date(2026, 9, 30))])


@pytest.mark.parametrize(
    ("cells", "column", "value", "code"),
    [
        (("выбыл", "", ""), "Статус", "выбыл", "value.left_on_required"),
        (("выпускник", "", ""), "Статус", "выпускник", "value.left_on_required"),
        (("обучается", "", "20.11.2026"), "Дата выбытия", "20.11.2026", "value.left_on_not_left"),
        (("", "", "20.11.2026"), "Дата выбытия", "20.11.2026", "value.left_on_not_left"),
        (("отчислен", "", ""), "Статус", "отчислен", "value.bad_status"),
        (("выбыл", "", "31.02.2026"), "Дата выбытия", "31.02.2026", "value.bad_date"),
        (("обучается", "завтра", ""), "Дата зачисления", "завтра", "value.bad_date"),
        (("выбыл", "20.11.2026", "20.11.2026"), "Дата выбытия", "20.11.2026", "value.left_before_enrolled"),
    ],
)
async def test_a_bad_status_or_date_writes_nothing_DATA_4(session, cells, column, value, code):
    with pytest.raises(ImportFailed) as failed:
        await import_school(session, with_stays(Петров=cells))
    assert issue_tuples(failed.value) == [("students", 3, column, value, code)]
    assert await session.scalar(select(func.count(Student.id))) == 0
    assert await session.scalar(select(func.count(Enrolment.id))) == 0


def test_the_messages_say_what_to_fix():
    with pytest.raises(ImportFailed) as failed:
        parse_failed(with_stays(Петров=("выбыл", "", ""), Иванов=("", "", "20.11.2026")))
    text = import_failure_text(failed.value, "ru")
    assert "для выбывшего или выпускника нужна «Дата выбытия»" in text
    assert "дата выбытия указывается только со статусом «выбыл» или «выпускник»" in text
    assert "needs «Дата выбытия»" in import_failure_text(failed.value, "en")
