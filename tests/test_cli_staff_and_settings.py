"""`schoolbot settings` and `schoolbot dismiss`, run as the administrator runs them (PER-3, PER-4, ACC-6, ROLE-2)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from services.models import Person, School, StaffRole
from tests.factories import build_school
from tests.test_cli import database, run, with_session

__all__ = ["database"]


def test_settings_prints_the_policy_in_words_and_sets_it_or_refuses_with_a_sentence_PER_4(database, capsys):
    run("migrate")
    with_session(database, build_school)
    capsys.readouterr()
    run("settings")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Положение об оценивании — Школа № 7:"
    assert "  period_round_from = 0,5 — отметка за период округляется вверх с этой доли среднего балла (4,5 → 5)" in out
    assert "  marks_needed_one_hour = 3 — для объективной отметки за период нужно не менее 3 отметок" in out
    assert "(больше часов — больше отметок; при 2 часах: 5)" in out
    assert "excused_absences = reduce — Пропуски по уважительной причине уменьшают это число пропорционально." in out
    assert "written_works_obligatory = да — за каждую письменную работу" in out
    assert "  final_results = н/а, зач., осв. — отметки без балла, которые учитель может поставить" in out

    with pytest.raises(SystemExit) as exit_:
        run("settings", "marks_needed_one_hour=4", "marks_needed_many_hours=12")
    assert exit_.value.code == 2
    assert "marks_needed_many_hours — целое число от 8 до 10" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("settings", "marks_needed_one_hour")
    assert "ключ=значение" in capsys.readouterr().err
    assert with_session(database, lambda s: s.scalar(select(School.marks_needed_one_hour))) == 3  # nothing written

    run("settings", "period_round_from=0,6", "marks_needed_one_hour=4", "excused_absences=exempt")
    out = capsys.readouterr().out
    assert "period_round_from = 0,6" in out and "(4,6 → 5)" in out and "не менее 4 отметок" in out
    assert "excused_absences = exempt — Ученики, пропускавшие уроки по уважительной причине" in out

    # PER-2: a school that gives only «н/а» among the results without a number.
    with pytest.raises(SystemExit):
        run("settings", "final_results=отлично")
    assert "final_results — отметки без балла, которые ставит школа: н/а, зач., осв. или «нет»." in (
        capsys.readouterr().err
    )
    run("settings", "final_results=Н/А")
    assert "  final_results = н/а — " in capsys.readouterr().out
    assert with_session(database, lambda s: s.scalar(select(School.final_results))) == "not_attested"


def test_dismiss_by_name_now_or_on_a_later_day_ACC_6(database, capsys):
    run("migrate")
    school = with_session(database, build_school)
    capsys.readouterr()
    run("dismiss", "Кузнецов Олег Петрович", "--on", "01.01.2026", "--order", "15-к")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Кузнецов Олег Петрович уволен(а) с 01.01.2026 (приказ № 15-к)."
    assert out[1] == "Доступ закрыт: Telegram отвязан, коды отозваны, роли сотрудника сняты."
    assert out[2].startswith("Нагрузка, которой нужен другой учитель (классов и предметов): 2")
    assert out[3] == "Классы остаются без классного руководителя: 5Б."

    run("dismiss", "смирнова  елена викторовна", "--on", "2099-09-01")
    out = capsys.readouterr().out
    assert "Доступ закроется в этот день" in out

    async def roles(session):
        found = await session.execute(select(StaffRole.person_id, StaffRole.role))
        return {(p, r.value) for p, r in found}, await session.get_one(Person, school.staff["math"])

    held, math = with_session(database, roles)
    assert (school.staff["russian"], "teacher") not in held and (school.staff["math"], "teacher") in held
    assert math.dismissed_on == date(2099, 9, 1)
    with pytest.raises(SystemExit):
        run("dismiss", "Петров Пётр Петрович", "--on", "01.01.2026")
    assert "нет сотрудника «Петров Пётр Петрович»" in capsys.readouterr().err
