"""/marks' «📊 Табель и динамика» end to end (REP-1): a parent opens the student's reports of the period the marks
screen shows, gets the dynamics of the average mark as a picture with the average in its caption and the report card
as a PDF and an XLSX; the student sees their own; a forged button for another family's child is refused (REP-5)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from services.access import load_actor
from services.reports.student import StudentReports
from tests.flows.conftest import TOKEN, plain
from tests.flows.test_marks_flow import a_term_of_marks
from ui.callbacks import StudentReport, StudentReportCB
from ui.reports.document import Table
from ui.reports.student import card_document

# By hand, Артём's 2nd quarter (a_term_of_marks): Математика 23.11 — 4 (weight 1), 5 (weight 2): 14/3 = 4.67;
# Русский язык 17.11 — 3, 2: 5/2 = 2.50, then 24.11 — 4 (weight 2): 13/4 = 3.25; no English.
# Weeks 5.11, 9.11: no marks; 16.11–22.11: Русский 2.50 alone → 2.50; 23.11–24.11: (4.67 + 3.25) / 2 = 3.96.
# So 3.96 now, 3.96 − 2.50 = +1.46 over the quarter.
MENU = (
    "Табель и динамика\n"
    "Алексеев Артём, 5А, 2026/2027 · 2 четверть\n"
    "\n"
    "Средний балл: 3,96 (+1,46 за четверть)\n"
    "\n"
    "Табель — отметки за периоды года, годовые и итоговые, средние баллы, число отметок и пропущенные уроки. "
    "Динамика — как менялся средний балл от недели к неделе."
)
CHOICES = ["Табель (PDF)", "Табель (XLSX)", "Динамика среднего балла", "← Все предметы"]


async def test_a_parent_gets_the_chart_and_the_report_card_from_marks_REP_1(bot_world, clock, linked, emulator):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    mother = await linked(school.parents["alekseeva_mother"])
    await mother.press("Оценки")
    await mother.tap("📊 Табель и динамика")
    assert mother.last_text() == MENU
    assert mother.buttons() == CHOICES
    menu = emulator.last_message(TOKEN, mother.id)

    # The card the files are made of: the 1st quarter's period mark «4» and the 2nd quarter's averages.
    async with sessions() as session:
        actor = await load_actor(session, school.parents["alekseeva_mother"])
        card = await StudentReports(session, clock).card(actor, school.students["alekseev"], school.q2)
    marks = card_document(card, "ru").parts[0]
    assert isinstance(marks, Table)
    assert marks.rows == (
        ("Английский язык", None, None, None, None, None, None),
        ("Математика", 4, None, None, None, None, 4.67),
        ("Русский язык", None, None, None, None, None, 3.25),
    )
    assert marks.totals is not None and marks.totals[-1] == 3.96

    assert mother.files() == []
    await mother.tap("Динамика среднего балла")
    [chart] = mother.files()
    assert chart["caption"] == (
        "Динамика среднего балла: Алексеев Артём, 5А, 2026/2027, 2 четверть\nСредний балл: 3,96 (+1,46 за четверть)"
    )
    assert chart["kind"] == "photo" and chart["data"].startswith(b"\x89PNG")

    files = {}
    for button, extension in (("Табель (PDF)", "pdf"), ("Табель (XLSX)", "xlsx")):
        await mother.tap_late(menu, button)  # the choice stays above the files sent
        sent = mother.files()[-1]
        assert (sent["kind"], sent["file_name"]) == (
            "document",
            f"report_card_{school.students['alekseev']}_{school.q2}.{extension}",
        )
        assert sent["caption"] == "Табель: Алексеев Артём, 5А, 2026/2027\nОбщий средний балл за 2 четверть: 3,96"
        files[extension] = sent["data"]
    # What the parent prints and what a spreadsheet reads: the same hand-counted averages.
    text = plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"])).pages))
    assert "Табель успеваемости" in text and "Алексеев Артём, 5А, 2026/2027" in text
    assert "4,67" in text and "3,25" in text and "3,96" in text
    rows = load_workbook(io.BytesIO(files["xlsx"])).active.iter_rows(values_only=True)
    assert ("Математика", 4, None, None, None, None, 4.67) in [row[:7] for row in rows]


async def test_the_student_sees_their_own_and_another_familys_child_is_refused_REP_5(
    bot_world, clock, linked, emulator
):
    school, sessions = bot_world
    await a_term_of_marks(sessions, clock, school)
    artyom = await linked(school.student_persons["alekseev"])
    await artyom.press("Оценки")
    await artyom.tap("📊 Табель и динамика")
    assert artyom.last_text() == MENU and artyom.buttons() == CHOICES
    await artyom.tap("← Все предметы")
    assert artyom.last_text().startswith("Оценки: Артём Алексеев, 5А\n2 четверть")

    father = await linked(school.parents["borisov_father"])  # Вера's father, forging Артём's buttons
    await father.press("Оценки")
    before = father.texts()
    for report in StudentReport:
        forged = StudentReportCB(student=school.students["alekseev"], period=school.q2, report=report).pack()
        answer = await father.tap_raw(forged)
        assert (answer["text"], answer["show_alert"]) == ("Вы видите только своих детей.", True)
    assert father.texts() == before  # nothing of Артём shown
    assert father.files() == [] and artyom.files() == []
