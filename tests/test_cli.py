"""The administrator's command line, run as `schoolbot …` would run it (ACC-6, DATA-1)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from services.access import system_actor
from services.db import create_engine, create_session_factory
from services.errors import Forbidden
from services.invites import InviteService
from services.models import Account, InviteCode, Person, PersonAccount, PlanTopic, utcnow
from tests.factories import add_link, build_school


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BOT_USERNAME", "school7_bot")
    monkeypatch.chdir(tmp_path)  # no stray .env of the developer's
    return url


def run(*args: str) -> None:
    main(list(args))


def with_session(url, work):
    async def go():
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_migrate_then_invite_a_class_prints_working_codes(database, capsys):
    run("migrate")
    capsys.readouterr()
    with_session(database, build_school)
    run("invite", "--class", "5a")  # a Latin «a» typed by mistake still finds 5А
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, body = rows[0], rows[1:]
    assert len(header) == 6 and len(body) == 6
    _, name, class_name, code, link, _ = body[0]
    assert (name, class_name) == ("Алексеев Артём Игоревич", "5А")
    assert link == f"https://t.me/school7_bot?start={code}"

    async def redeem(session):
        return await InviteService(session, utcnow).accept(777, code)

    person_id = with_session(database, redeem)
    assert (
        with_session(
            database, lambda s: s.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))
        )
        == 777
    )


def test_with_max_served_each_code_has_a_link_to_max_too(database, capsys, monkeypatch):
    monkeypatch.setenv("MAX_BOT_NAME", "school7_max_bot")
    run("migrate")
    with_session(database, build_school)
    capsys.readouterr()
    run("invite", "--class", "5А")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["роль", "ФИО", "класс", "код", "ссылка", "ссылка в MAX", "действует до"]
    for _, _, _, code, link, max_link, _ in rows[1:]:
        assert link == f"https://t.me/school7_bot?start={code}"
        assert max_link == f"https://max.ru/school7_max_bot?start={code}"


def test_unknown_class_is_a_clear_error_and_nothing_is_issued(database, capsys):
    run("migrate")
    with_session(database, build_school)
    with pytest.raises(SystemExit) as exit_:
        run("invite", "--class", "9Я")
    assert exit_.value.code == 2
    assert "9Я" in capsys.readouterr().err
    assert with_session(database, lambda s: s.scalar(select(InviteCode.id))) is None


def test_invite_without_a_school_says_what_to_do(database, capsys):
    with pytest.raises(SystemExit):
        run("invite", "--role", "teacher")
    assert "schoolbot import" in capsys.readouterr().err


def test_backup_makes_two_verified_copies_DATA_1(database, tmp_path, capsys):
    run("migrate")
    with_session(database, build_school)
    capsys.readouterr()
    run("backup", "--to", str(tmp_path / "a"), str(tmp_path / "b"))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2
    assert len(list((tmp_path / "a").glob("school-*.sqlite3"))) == 1
    assert len(list((tmp_path / "b").glob("school-*.sqlite3"))) == 1


def test_template_then_import_then_reimport_changes_nothing(database, tmp_path, capsys):
    run("template", str(tmp_path / "tpl"))
    assert (tmp_path / "tpl" / "school_template.xlsx").exists()
    capsys.readouterr()
    run("import", str(tmp_path / "tpl" / "school_template.xlsx"))
    created, updated, unchanged = map(int, re.findall(r"\d+", capsys.readouterr().out))
    assert created > 0 and updated == unchanged == 0
    run("import", str(tmp_path / "tpl" / "csv"))  # the same school again, from the CSV files
    assert list(map(int, re.findall(r"\d+", capsys.readouterr().out))) == [0, 0, created]
    count = with_session(database, lambda s: s.scalar(select(func.count()).select_from(Person)))
    assert count > 0


def test_broken_import_names_every_error_and_writes_nothing(database, tmp_path, capsys):
    run("template", str(tmp_path / "tpl"))
    students = tmp_path / "tpl" / "csv" / "students.csv"
    text = students.read_text(encoding="utf-8-sig")
    students.write_text(text.replace("14.03.2015", "31.02.2015").replace(";5А;", ";5Я;"), encoding="utf-8-sig")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        run("import", str(tmp_path / "tpl" / "csv"))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    # Russian by default; the wrong class also leaves the parent's child unfound.
    assert lines[0] == "Импорт не выполнен: 3 ошибки. Ничего не записано."
    assert lines[1] == (
        "  лист «Ученики» (students.csv), строка 2, столбец «Дата рождения», значение «31.02.2015»: "
        "это не дата; нужно ДД.ММ.ГГГГ"
    )
    assert lines[2].startswith("  лист «Ученики» (students.csv), строка 2, столбец «Класс», значение «5Я»: ")
    assert lines[3].startswith("  лист «Родители» (parents.csv), строка 2, столбец «Ребёнок»")
    assert with_session(database, lambda s: s.scalar(select(func.count()).select_from(Person))) == 0


def test_demo_then_invite_5A_prints_working_codes_as_the_readme_promises(database, capsys):
    run("demo", "--today", "2026-11-24")
    assert capsys.readouterr().out.startswith("Демо: школ — 1, классов — ")
    run("demo", "--today", "2026-11-24")  # the README's command run twice adds nothing
    assert "ничего не добавлено" in capsys.readouterr().out
    run("invite", "--class", "5А")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    students = [r for r in rows if r[0] == "ученик"]
    assert 20 <= len(students) <= 30 and all(r[2] == "5А" for r in students)
    assert any(r[0] == "родитель" for r in rows)
    student_code = students[0][3]
    with pytest.raises(Forbidden, match=r"consent\.parent_needed"):  # ACC-7: under 14, the parent consents first
        with_session(database, lambda s: InviteService(s, utcnow).accept(4241, student_code))
    code = next(r for r in rows if r[0] == "родитель")[3]
    person_id = with_session(database, lambda s: InviteService(s, utcnow).accept(4242, code))
    assert (
        with_session(
            database, lambda s: s.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))
        )
        == 4242
    )


def test_revoke_needs_no_school_on_a_two_school_database_and_fails_loudly_when_nothing_was_cut_ACC_8(database, capsys):
    run("migrate")

    async def two_schools_one_linked(session):
        first, second = await build_school(session), await build_school(session, "Школа № 8")
        session.add(Account(id=555))
        person = await session.get(Person, second.parents["alekseeva_mother"])
        add_link(session, person.id, 555)
        await session.commit()
        return first, second, person.id

    first, _, person_id = with_session(database, two_schools_one_linked)
    with pytest.raises(SystemExit) as exit_:
        run("revoke", str(person_id), "--school", str(first.school_id))  # not this school's person
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        run("revoke", "999999")  # no such person
    assert exit_.value.code == 2
    assert (
        with_session(
            database, lambda s: s.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))
        )
        == 555
    )
    capsys.readouterr()
    run("revoke", str(person_id))  # exits 0: the access is cut
    assert capsys.readouterr().out.strip()
    assert (
        with_session(
            database, lambda s: s.scalar(select(PersonAccount.account_id).where(PersonAccount.person_id == person_id))
        )
        is None
    )


def test_invite_csv_never_hands_a_formula_to_the_spreadsheet(database, capsys):
    """A name stored before import refused formulas still reaches the secretary as text (OWASP CSV injection)."""
    run("migrate")

    async def hostile_name(session):
        school = await build_school(session)
        person = await session.get(Person, school.parents["borisov_father"])
        person.last_name = '=HYPERLINK("http://evil","x")'
        await session.commit()
        return person.id

    person_id = with_session(database, hostile_name)
    capsys.readouterr()
    run("invite", "--person", str(person_id))
    [_header, row] = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert row[1].startswith("'=HYPERLINK(")
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_invite_one_person_needs_no_school_on_a_two_school_database_and_voids_only_their_codes_ACC_6(database, capsys):
    run("migrate")

    async def two_schools_with_paper_codes(session):
        first, second = await build_school(session), await build_school(session, "Школа № 8")
        invites = InviteService(session, utcnow)
        paper = await invites.for_class(system_actor(second.school_id), second.classes["5А"], timedelta(days=14))
        return first, second, len(paper)

    first, second, handed_out = with_session(database, two_schools_with_paper_codes)
    mother = second.parents["alekseeva_mother"]
    capsys.readouterr()
    run("invite", "--person", str(mother))  # no --school: the person's own
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and rows[1][1] == "Алексеева Ольга Петровна"

    async def valid_codes(session):
        return dict(
            (
                await session.execute(
                    select(InviteCode.person_id, func.count())
                    .where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
                    .group_by(InviteCode.person_id)
                )
            ).all()
        )

    valid = with_session(database, valid_codes)
    assert sum(valid.values()) == handed_out and valid[mother] == 1  # hers replaced, nobody else's touched
    with pytest.raises(SystemExit) as exit_:
        run("invite", "--person", str(mother), "--school", str(first.school_id))  # not this school's person
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        run("invite", "--person", "999999")
    assert exit_.value.code == 2


# `schoolbot run` as a shell runs it, with aiogram importing refused: the token is judged before it is needed.
NO_AIOGRAM = (
    "import runpy, sys\n"
    "class Refuse:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] == 'aiogram':\n"
    "            raise ImportError('aiogram imported before BOT_TOKEN was checked')\n"
    "sys.meta_path.insert(0, Refuse())\n"
    "sys.argv = ['schoolbot', 'run']\n"
    "runpy.run_module('bot.cli', run_name='__main__')\n"
)
ROOT = Path(__file__).resolve().parent.parent


def run_bot(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'school.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", NO_AIOGRAM],
        check=False,
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("token", "locale", "expected"),
    [
        (None, None, "Укажите BOT_TOKEN (от @BotFather) в окружении или в файле .env."),
        ("", "en", "Set BOT_TOKEN (from @BotFather) in the environment or in .env."),
        ("AAE-no-id-and-no-colon", None, "BOT_TOKEN — не токен бота"),
        ("987654321:AAE copied with a space", "en", "BOT_TOKEN is not a bot token"),
        ("bot987654321:AAE-prefixed", "en", "BOT_TOKEN is not a bot token"),
        ("987654321:", "en", "BOT_TOKEN is not a bot token"),
    ],
    ids=["unset", "empty", "no-colon", "space", "not-digits", "nothing-after-colon"],
)
def test_run_without_a_usable_token_says_so_in_a_sentence_before_aiogram_is_imported(tmp_path, token, locale, expected):
    env = {"BOT_TOKEN": token} if token is not None else {}
    if locale:
        env["LOCALE"] = locale
    done = run_bot(tmp_path, **env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(expected)
    assert not token or token.partition(":")[2 if ":" in token[:-1] else 0] not in line  # never the token itself
    assert not (tmp_path / "data").exists()  # nothing was touched


def test_thematic_plan_template_then_import_plan_then_replace_J_14(database, tmp_path, capsys):
    """`template ktp` beside the school's template: the two examples import together, the plan without a date to
    move; again, nothing changes; a changed plan is refused without --replace and replaces the old one with it."""
    run("template", str(tmp_path / "tpl"))
    run("import", str(tmp_path / "tpl" / "school_template.xlsx"))
    run("template", "ktp", str(tmp_path / "ktp"))
    assert capsys.readouterr().out.splitlines()[-2:] == [
        str(tmp_path / "ktp" / "ktp_template.xlsx"),
        str(tmp_path / "ktp" / "ktp_template.csv"),
    ]
    run("import-plan", str(tmp_path / "ktp" / "ktp_template.xlsx"))
    assert capsys.readouterr().out == ("КТП загружено: новых — 1, заменено — 0, без изменений — 0; записано тем: 1.\n")
    run("import-plan", str(tmp_path / "ktp" / "ktp_template.csv"))
    assert "без изменений — 1" in capsys.readouterr().out

    plan = tmp_path / "ktp" / "ktp_template.csv"
    plan.write_text(
        plan.read_text(encoding="utf-8-sig").replace("Натуральные числа;1", "Натуральные числа;2"), encoding="utf-8-sig"
    )
    with pytest.raises(SystemExit) as exit_:
        run("import-plan", str(plan))
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "Импорт не выполнен: 1 ошибка. Ничего не записано.",
        (
            "  строка 2, столбец «Предмет», значение «Математика»: план по предмету Математика, 5А уже загружен и "
            "отличается: чтобы заменить его, загрузите файл с --replace"
        ),
    ]
    run("import-plan", str(plan), "--replace")
    assert capsys.readouterr().out == ("КТП загружено: новых — 0, заменено — 1, без изменений — 0; записано тем: 2.\n")
    topics = with_session(database, lambda s: s.scalar(select(func.count()).select_from(PlanTopic)))
    assert topics == 2


def test_revise_enters_a_mark_changed_by_the_directors_order_PER_5(database, capsys):
    """`schoolbot revise`: the administrator's command line, under the same rules as the deputy's /revise."""
    from services.models import Assignment, FinalMark, FinalMarkKind, FinalResult, MarkRevision

    run("migrate")

    async def first_quarter_mark(session):
        school = await build_school(session)
        math = await session.get(Assignment, school.assignments["math5A"])
        mark = FinalMark(
            student_id=school.students["alekseev"],
            subject_id=math.subject_id,
            year_id=school.year_id,
            period_id=school.q1,  # over since 24 October 2026
            kind=FinalMarkKind.PERIOD,
            value=None,
            result=FinalResult.NOT_ATTESTED,
        )
        session.add(mark)
        await session.commit()
        return mark.id

    mark_id = with_session(database, first_quarter_mark)
    capsys.readouterr()
    order = ("--order", "45-у", "--order-date", "2026-11-02", "--reason", "Задолженность ликвидирована")
    with pytest.raises(SystemExit) as exit_:
        run("revise", "Алексеев Артём", "Математика", "period", "4", *order)  # which period?
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        run("revise", "Алексеев Артём", "Математика", "period", "отлично", "--period", "1 четверть", *order)
    assert exit_.value.code == 2
    run("revise", "Алексеев Артём", "Математика", "period", "4", "--period", "1 четверть", *order)
    assert capsys.readouterr().out.strip()
    run("revise", "Алексеев Артём", "Математика", "period", "4", "--period", "1 четверть", *order)  # again: nothing

    async def stored(session):
        mark = await session.get(FinalMark, mark_id)
        revisions = (await session.scalars(select(MarkRevision))).all()
        return (mark.value, mark.result), [(r.old_result, r.new_value, r.order_number) for r in revisions]

    assert with_session(database, stored) == (
        (4, FinalResult.MARK),
        [(FinalResult.NOT_ATTESTED, 4, "45-у")],
    )


def test_exam_records_the_day_its_marks_open_on_PER_2(database, capsys):
    """`schoolbot exam`: the exam of a grade in a subject, from the school's order; a second run moves the day, a
    third changes nothing; a subject the school lacks or a day outside its years is refused and nothing written."""
    from services.models import Exam

    run("migrate")
    with_session(database, build_school)
    capsys.readouterr()
    run("exam", "--grade", "5", "--subject", "Математика", "--on", "2026-12-21")
    run("exam", "--grade", "5", "--subject", "Математика", "--on", "2026-12-22")
    assert capsys.readouterr().out.count("Экзамен записан") == 2
    run("exam", "--grade", "5", "--subject", "Математика", "--on", "2026-12-22")
    assert "ничего не изменилось" in capsys.readouterr().out
    for wrong in (("--subject", "Астрология", "--on", "2026-12-22"), ("--subject", "Математика", "--on", "2030-01-10")):
        with pytest.raises(SystemExit) as exit_:
            run("exam", "--grade", "5", *wrong)
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "В школе нет предмета «Астрология»." in err and "не лежит ни в одном учебном году школы" in err

    async def exams(session):
        return [(e.grade, e.held_on) for e in await session.scalars(select(Exam))]

    assert with_session(database, exams) == [(5, date(2026, 12, 22))]
