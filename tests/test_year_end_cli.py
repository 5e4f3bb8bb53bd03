"""`schoolbot decide` and `schoolbot new-year` (PER-5, DATA-4, ACC-9): the council's decisions from the command line,
then the next year made from them, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.models import AcademicYear, ClassGroup, Movement, Student, YearDecision, YearDecisionKind
from tests.factories import build_school
from tests.test_cli import database, run, with_session  # noqa: F401 - the fixture

NEW_YEAR = ("new-year", "--name", "2027/2028", "--starts", "2027-09-01", "--ends", "2028-05-31")


def test_decide_then_new_year_once_DATA_4(database, capsys):  # noqa: F811
    run("migrate")
    school = with_session(database, build_school)
    run("decide", "--class", "5А", "--order", "45-у", "--date", "2027-06-18")
    out = capsys.readouterr().out
    assert "Алексеев Артём Игоревич" in out and "45-у" in out
    run(
        "decide",
        "--class",
        "5А",
        "--order",
        "46-у",
        "--date",
        "2027-06-19",
        "--student",
        "Васильев",
        "--decision",
        "repeat",
    )
    decisions = with_session(database, lambda s: s.execute(select(YearDecision.student_id, YearDecision.decision)))
    assert dict(decisions.all())[school.students["vasiliev"]] == YearDecisionKind.REPEAT

    # 5Б and 1А have no decisions yet: refused, with their names; a dry run says so and writes nothing.
    with pytest.raises(SystemExit):
        run(*NEW_YEAR)
    assert "5Б" in capsys.readouterr().err
    run(*NEW_YEAR, "--dry-run")
    out = capsys.readouterr().out
    assert "5Б" in out and "1А" in out and "6А" in out
    assert with_session(database, lambda s: s.scalar(select(func.count()).select_from(AcademicYear))) == 1

    run("decide", "--class", "5Б", "--order", "45-у", "--date", "2027-06-18")
    run("decide", "--class", "1А", "--order", "45-у", "--date", "2027-06-18")
    capsys.readouterr()
    run(*NEW_YEAR)
    out = capsys.readouterr().out
    assert "2А, 5А, 6А, 6Б" in out and "schoolbot import" in out
    assert with_session(database, lambda s: s.scalar(select(func.count()).select_from(Movement))) == 7

    async def vasiliev_class(session):
        student = await session.get(Student, school.students["vasiliev"])
        return (await session.get(ClassGroup, student.class_id)).name

    assert with_session(database, vasiliev_class) == "5А"
    run(*NEW_YEAR)  # again: the year exists, nothing changes
    assert "2027/2028" in capsys.readouterr().out
    assert with_session(database, lambda s: s.scalar(select(func.count()).select_from(Movement))) == 7
