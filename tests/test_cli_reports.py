"""`schoolbot report KIND` (REP-1, REP-2, REP-4): every report as a file for the administrator, the files' names,
a figure read back from the PDF and the XLSX, the refusals in one sentence, and the progress of a whole-school run."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.cli_reports import ProgressBar
from services.final_marks import Outcome
from services.models import FinalMark, FinalMarkKind, Subject
from tests.factories import MSK, TODAY, FixedClock, add_students, build_school
from tests.test_cli import database, run, with_session  # noqa: F401 - the fixture

# The 2nd quarter's marks of 5А, by student (Алексеев, Борисова, Васильев, Григорьева):
MATH = (5, 5, 4, 3)
RUSSIAN = (5, 4, 4, 4)
ENGLISH = (5, 5, 4, 4)  # Алексеев and Борисова in «Англ. 1», Васильев and Григорьева in «Англ. 2»
FOUR = ("alekseev", "borisova", "vasiliev", "grigorieva")


@pytest.fixture
def school(database, monkeypatch):  # noqa: F811
    """The factory's school on its Tuesday 24.11.2026 (the 2nd quarter), with 5А's 2nd quarter marks set."""
    monkeypatch.setattr("services.models.utcnow", FixedClock(datetime.combine(TODAY, time(12), MSK).astimezone(UTC)))
    run("migrate")
    built = with_session(database, build_school)

    async def marks(session):
        subjects = dict(
            (await session.execute(select(Subject.name, Subject.id).where(Subject.school_id == built.school_id))).all()
        )
        for subject, values in (("Математика", MATH), ("Русский язык", RUSSIAN), ("Английский язык", ENGLISH)):
            for key, value in zip(FOUR, values, strict=True):
                outcome = Outcome.mark(value)
                session.add(
                    FinalMark(
                        student_id=built.students[key],
                        subject_id=subjects[subject],
                        year_id=built.year_id,
                        period_id=built.q2,
                        kind=FinalMarkKind.PERIOD,
                        value=outcome.value,
                        result=outcome.result,
                    )
                )
        await session.commit()

    with_session(database, marks)
    return built


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_every_kind_writes_its_files_REP_1_REP_2_REP_4(school, tmp_path, capsys):
    s = school
    out = tmp_path / "reports" / "new"  # made if missing
    cases = [
        (
            ["card", "--class", "5A", "--period", "2"],  # Latin «A»: still 5А
            [f"report_card_{s.students[k]}_{s.q2}.pdf" for k in FOUR],
        ),
        (["dynamics", "--student", str(s.students["zaitsev"])], [f"average_mark_{s.students['zaitsev']}_{s.q2}.pdf"]),
        # Every class with marks (1А has none, J-8): 5А and 5Б.
        (
            ["class-results", "--period", "2"],
            [f"class-results-{s.classes['5А']}-{s.q2}.pdf", f"class-results-{s.classes['5Б']}-{s.q2}.pdf"],
        ),
        (["summary", "--class", "5а", "--year"], [f"summary-sheet-{s.classes['5А']}-year.pdf"]),
        (
            ["attendance", "--class", "5Б", "--month", "2026-11", "--format", "xlsx"],
            [f"class-attendance-{s.classes['5Б']}-20261101-20261130.xlsx"],
        ),
        (
            ["subject-sheet", "--class", "5А", "--subject", "математика", "--period", "1"],
            [f"subject-sheet-{s.assignments['math5A']}-{s.q1}-2026-2027.pdf"],
        ),
        (["programme", "--class", "1А"], [f"programme-{s.assignments['read1A']}-2026-2027.pdf"]),
        (["school-results", "--year"], ["school-results-year-2026-2027.pdf"]),
        (["final-sheet", "--format", "xlsx"], ["final-marks-2026-2027.xlsx"]),
    ]
    for args, names in cases:
        folder = out / args[0]
        run("report", *args, "--out", str(folder))
        assert files(folder) == sorted(names), args
        assert all((folder / name).stat().st_size > 1000 for name in names)
        said = capsys.readouterr().out
        assert str(folder) in said and str(len(names)) in said
    # Run again: the files are replaced, not doubled.
    run("report", "card", "--class", "5A", "--period", "2", "--out", str(out / "card"))
    assert len(files(out / "card")) == 4


def test_the_class_results_pdf_and_xlsx_carry_the_hand_computed_figures_REP_2(school, tmp_path):
    run("report", "class-results", "--class", "5А", "--period", "2", "--out", str(tmp_path))
    run("report", "class-results", "--class", "5А", "--period", "2", "--format", "xlsx", "--out", str(tmp_path))
    stem = f"class-results-{school.classes['5А']}-{school.q2}"
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / f"{stem}.pdf").pages)
    assert "5А" in text and "2 четверть" in text
    # Mathematics: (5 + 5 + 4 + 3) / 4 = 4,25; quality 3 of 4 with «4» and «5» = 75,0 %.
    assert "4,25" in text
    assert "75,0" in text
    # The class's total: each student by their lowest mark — 5, 4, 4, 3 — so 3 of 4 with «4» and «5»: 75 %,
    # and none below «3»: a success rate of 100 %.
    assert "100,0" in text
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / f"{stem}.xlsx").read_bytes()))
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    maths = next(row for row in rows if row and row[0] == "Математика")
    # Numbers, not texts: two «5», one «4», one «3»; the average 4.25; the quality 75 % as the fraction 0.75.
    assert maths[:5] == ("Математика", 4, 2, 1, 1)
    assert 4.25 in maths and 0.75 in maths


def test_a_period_out_of_range_is_refused_with_the_periods_there_are(school, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run("report", "class-results", "--class", "5А", "--period", "3", "--out", str(tmp_path / "x"))
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "Для 5А нет учебного периода 3 в 2026/2027; есть: 1 — 1 четверть (01.09.2026–24.10.2026); "
        "2 — 2 четверть (05.11.2026–28.12.2026)."
    )
    assert not (tmp_path / "x").exists()


def test_refusals_are_one_sentence_and_write_nothing_REP_5(school, database, tmp_path, capsys):  # noqa: F811
    other = with_session(database, lambda session: build_school(session, "Школа № 8"))
    stranger = other.students["alekseev"]
    for args, sentence in [
        (["summary", "--school", "1", "--class", "9Я"], "В школе «Школа № 7» нет класса «9Я»."),
        (["card", "--school", "1", "--student", str(stranger)], f"В школе «Школа № 7» нет ученика с id {stranger}."),
        (["class-results", "--school", "1", "--class", "1А"], "В 1 классе отметки не ставятся."),
    ]:
        with pytest.raises(SystemExit) as exit_:
            run("report", *args, "--out", str(tmp_path / "x"))
        assert exit_.value.code == 2
        assert capsys.readouterr().err.strip() == sentence
    assert not (tmp_path / "x").exists()


def test_a_whole_school_run_shows_its_progress_a_line_a_tenth_off_a_tty_REP_1(school, database, tmp_path, capsys):  # noqa: F811
    async def twenty_more(session):
        await add_students(session, school, 20, class_key="5Б")
        await session.commit()

    with_session(database, twenty_more)
    run("report", "card")  # into the current folder (the test's own)
    captured = capsys.readouterr()
    # 7 + 20 = 27 students: 27 cards. With more files than ten, each tenth is crossed by one file: ten lines,
    # the first at 3 of 27 (11 %), the last at 27 of 27.
    lines = captured.err.splitlines()
    assert len(lines) == 10
    assert lines[0] == "Готовлю отчёты: 11 % (3 из 27)"
    assert lines[-1] == "Готовлю отчёты: 100 % (27 из 27)"
    assert "\r" not in captured.err
    assert len([name for name in files(tmp_path) if name.endswith(".pdf")]) == 27
    assert captured.out.strip() == f"Записано файлов: 27, в папку {tmp_path}."


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = ProgressBar("ru", stream)
    for done in range(1, 5):
        bar(done, 4)
    bar.close()
    drawn = stream.getvalue()
    # Four redraws over one line, a bar of 30 marks filled by a quarter each time, and the line ended at the close.
    assert drawn.count("\r") == 4 and drawn.count("\n") == 1
    assert drawn.endswith("\r[" + "#" * 30 + "] Готовлю отчёты: 100 % (4 из 4)\n")
    assert "\r[" + "#" * 8 + "." * 22 + "] Готовлю отчёты: 25 % (1 из 4)" in drawn  # round(0.25 × 30) = 8
