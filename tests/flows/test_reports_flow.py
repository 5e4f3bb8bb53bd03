"""/reports end to end (REP-2, REP-4, REP-5): the deputy director's school results made in the background (a
progress message at once, the file, then the message says it is ready; a second tap meanwhile is told it is being
prepared), a teacher's class-and-subject sheet, and a teacher's forged buttons refused."""

from __future__ import annotations

import asyncio

import pytest

from handlers.deputy import reports as deputy_reports
from handlers.teacher import reports as teacher_reports
from services.reports.school import SchoolReports
from tests.flows.conftest import TOKEN, plain
from tests.test_school_reports import second_quarter
from tests.test_teacher_reports import mathematics_marks
from ui.callbacks import ReportFormat, SchoolReport, SchoolReportCB, TeacherReport, TeacherReportCB
from ui.reports.document import Document
from ui.reports.render import render as real_render

PREPARING = "Готовлю отчёт по школе…"
READY = "Отчёт по школе готов: файл ниже."


@pytest.fixture
def made(monkeypatch) -> list[Document]:
    """The Documents the bot renders (with the real renderer), to read their figures."""
    documents: list[Document] = []

    def render(document, fmt):
        documents.append(document)
        return real_render(document, fmt)

    monkeypatch.setattr(deputy_reports, "render", render)
    monkeypatch.setattr(teacher_reports, "render", render)
    return documents


async def messages_until(user, text: str, limit: int = 10) -> list[dict]:
    """The messages the bot sends or edits in the chat, in order, until one says `text`."""
    seen = []
    for _ in range(limit):
        message = await user.emulator.wait_for_bot_message(TOKEN, user.id, timeout=10)
        seen.append(message)
        if message.get("text") == text:
            return seen
    raise AssertionError(f"no «{text}» in {seen}")


async def test_the_deputy_gets_the_school_results_made_in_the_background_REP_2_REP_5(bot_world, linked, clock, made):
    school, sessions = bot_world
    async with sessions() as session:
        await second_quarter(session, school)
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Отчёты")
    # The deputy director teaches no class: the school's reports only.
    assert deputy.buttons() == ["Итоги по школе", "Сводная ведомость итоговых отметок", "Отчёты класса"]
    await deputy.tap("Итоги по школе")
    assert deputy.buttons() == ["Текущий период", "1 четверть", "2 четверть", "Годовые отметки", "◀ Отчёты"]
    await deputy.tap("2 четверть")
    assert deputy.buttons() == ["PDF", "XLSX", "◀ Отчёты"]
    await deputy.tap("PDF")

    seen = await messages_until(deputy, READY)
    assert seen[0]["text"] == PREPARING  # the answer at once
    [document] = [m for m in seen if "document" in m]
    assert document["document"]["file_name"] == "school-results-2026-2027.pdf"
    # The figures of tests/test_school_reports.py: 6 students, quality 3/6 = 50 %, success 4/6 = 66,7 %, 4,08.
    assert plain(document["caption"]) == (
        "Итоги по школе: 2 четверть 2026/2027\n"
        "Учащихся: 6; качество знаний 50,0 %; успеваемость 66,7 %; средний балл 4,08.\n"
        "Ниже среднего балла по школе: 5А."
    )
    assert deputy.texts()[-2:] == [READY, document["caption"]]  # the progress message, edited, above the file
    [doc] = made
    table = doc.parts[0]
    assert (doc.title, doc.signatures) == ("Итоги по школе", ("Заместитель директора", "Директор"))
    assert [row[:2] for row in table.rows] == [("5А", 4), ("5Б", 2), ("5-е классы, итого", 6)]
    assert table.marked_rows == frozenset({0})  # 5А: 4,0 below the school's 4,08
    assert table.totals[:2] == ("По школе", 6) and float(table.totals[-3]) == 50.0


async def test_a_second_tap_while_the_report_is_made_is_told_it_is_coming_REP_5(
    bot_world, linked, clock, made, monkeypatch
):
    school, _sessions = bot_world
    gate = asyncio.Event()
    results = SchoolReports.results

    async def slow(self, *args, **kwargs):
        await gate.wait()
        return await results(self, *args, **kwargs)

    monkeypatch.setattr(SchoolReports, "results", slow)
    deputy = await linked(school.staff["admin"])
    await deputy.press("Отчёты")
    await deputy.tap("Итоги по школе")
    await deputy.tap("Годовые отметки")
    formats = deputy.emulator.last_message(TOKEN, deputy.id)
    await deputy.tap("XLSX")
    assert (await deputy.emulator.wait_for_bot_message(TOKEN, deputy.id))["text"] == PREPARING
    again = await deputy.tap_late(formats, "XLSX")
    assert again["text"] == "Отчёт по школе уже готовится: он придёт сюда, когда будет готов."
    gate.set()
    seen = await messages_until(deputy, READY)
    assert [m["document"]["file_name"] for m in seen if "document" in m] == ["school-results-year-2026-2027.xlsx"]
    assert len(made) == 1  # one report, not two


async def test_a_teacher_gets_the_class_sheet_of_their_subject_REP_2(bot_world, linked, clock, made):
    school, sessions = bot_world
    async with sessions() as session:
        await mathematics_marks(session, clock, school)
    teacher = await linked(school.staff["math"])
    await teacher.press("Отчёты")
    assert teacher.buttons() == ["5А, Математика"]  # not the school's reports
    await teacher.tap("5А, Математика")
    assert teacher.buttons() == ["Ведомость класса по предмету", "Выполнение программы", "◀ Отчёты"]
    await teacher.tap("Ведомость класса по предмету")
    await teacher.tap("2 четверть")
    answer = await teacher.tap("XLSX")
    assert answer["text"] == "Отчёт отправлен."
    document = [m for m in teacher.emulator.messages(TOKEN, teacher.id) if "document" in m][-1]
    assert (
        document["document"]["file_name"] == f"subject-sheet-{school.assignments['math5A']}-{school.q2}-2026-2027.xlsx"
    )
    assert plain(document["caption"]).startswith("Ведомость класса по предмету: 5А, Математика, 2 четверть")
    [doc] = made
    sheet = doc.parts[1]
    # Алексеев: 5 on Monday; 4 and 5 today; simple 4,67, weighted 4,5, period mark 5, no absences.
    assert sheet.rows[1][1:] == ("Алексеев Артём Игоревич", 5, "4 5", 4.67, 4.5, 5, 0)
    assert sheet.rows[3][1:4] == ("Васильев Глеб Денисович", "ОТ", 5)


async def test_a_teachers_forged_buttons_are_refused_REP_5(bot_world, linked, clock, made):
    school, _sessions = bot_world
    teacher = await linked(school.staff["math"])
    await teacher.press("Отчёты")
    # Another teacher's class and subject (mathematics in 5Б is Кузнецов's; 5А's Russian she would read as 5А's
    # class teacher): refused with the reason, no file.
    forged = TeacherReportCB(
        assignment=school.assignments["math5B"], kind=TeacherReport.sheet, period=school.q2, fmt=ReportFormat.pdf
    )
    answer = await teacher.tap_raw(forged.pack())
    assert (answer["text"], answer["show_alert"]) == ("Вы не ведёте этот класс или предмет.", True)
    answer = await teacher.tap_raw(TeacherReportCB(assignment=school.assignments["math5B"]).pack())
    assert answer["text"] == "Вы не ведёте этот класс или предмет."
    # The school's results: not a teacher's report at all.
    answer = await teacher.tap_raw(SchoolReportCB(kind=SchoolReport.results, chosen=True, fmt=ReportFormat.pdf).pack())
    assert "устарела" in answer["text"]
    assert made == [] and not [m for m in teacher.emulator.messages(TOKEN, teacher.id) if "document" in m]


async def test_the_summary_sheet_of_final_marks_comes_as_a_file_REP_4(bot_world, linked, clock, made):
    school, _sessions = bot_world
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Отчёты")
    await deputy.tap("Сводная ведомость итоговых отметок")
    assert deputy.buttons() == ["PDF", "XLSX", "◀ Отчёты"]
    await deputy.tap("XLSX")
    seen = await messages_until(deputy, READY)
    [document] = [m for m in seen if "document" in m]
    assert document["document"]["file_name"] == "final-marks-2026-2027.xlsx"
    assert plain(document["caption"]) == (
        "Сводная ведомость итоговых отметок, 2026/2027\n"
        "Классов: 2; учащихся: 6. Распечатайте, подпишите и сдайте в архив."
    )
    [doc] = made
    assert [t.title for t in doc.parts] == ["5А", "5Б"] and doc.one_sheet_per_table


async def test_a_report_in_the_making_when_the_bot_stops_says_it_was_not_made_REP_5(
    bot_world, linked, clock, made, monkeypatch
):
    school, _sessions = bot_world
    never = asyncio.Event()

    async def stuck(self, *args, **kwargs):
        await never.wait()

    monkeypatch.setattr(SchoolReports, "final_sheet", stuck)
    deputy = await linked(school.staff["deputy"])
    await deputy.press("Отчёты")
    await deputy.tap("Сводная ведомость итоговых отметок")
    await deputy.tap("PDF")
    assert (await deputy.emulator.wait_for_bot_message(TOKEN, deputy.id))["text"] == PREPARING
    await deputy_reports.stop_reports()  # the dispatcher's shutdown hook, before the bot's session closes
    failed = "Не удалось подготовить отчёт по школе. Попробуйте немного позже."
    assert (await deputy.emulator.wait_for_bot_message(TOKEN, deputy.id))["text"] == failed
    assert deputy_reports.RUNNING == {} and made == []
