"""REP-2 in the bot: the class teacher's /class → «📊 Отчёты» → a report → its period → PDF or XLSX: the figures in
the chat and the file sent; a forged button for another class is refused (REP-5, ACC-4)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from services.access import load_actor
from services.reports.classes import ClassReports
from tests.flows.conftest import plain
from tests.test_class_reports import set_marks
from ui.callbacks import ClassReport, ClassReportCB
from ui.reports.classes import results_document
from ui.reports.document import Format


async def results_file(teacher, emulator, fmt: str) -> bytes:
    """/class → «📊 Отчёты» → the 2nd quarter's results in `fmt`: the bytes of the file the bot sends."""
    await teacher.press("Мой класс")
    await teacher.tap("📊 Отчёты")
    await teacher.tap("Итоги периода")
    await teacher.tap("• 2 четверть")
    await teacher.tap(fmt)
    for _shown in range(2):  # the figures in place of the choice, then the document
        await emulator.wait_for_bot_message(teacher.token, teacher.id)
    sent = emulator.messages(teacher.token, teacher.id)[-1]
    return emulator.state(teacher.token).files[sent["document"]["file_id"]].data


async def test_period_results_from_the_class_screen_REP_2(bot_world, linked, clock, emulator):
    school, sessions = bot_world
    async with sessions() as session:
        # 2nd quarter, math: Алексеев 5, Борисова 4, Васильев 3, Григорьева not set; Russian: 5, 5, 4, 2; English
        # (the four in two subgroups): 5, 5, 4, 4.
        await set_marks(session, school, "math5A", (5, 4, 3, None), school.q2)
        await set_marks(session, school, "rus5A", (5, 5, 4, 2), school.q2)
        await set_marks(session, school, "eng5A1", (5, 5, 4, 4), school.q2)
        await session.commit()
    math = await linked(school.staff["math"])  # the class teacher of 5А
    await math.press("Мой класс")
    await math.tap("📊 Отчёты")
    assert plain(math.last_text()) == "Отчёты: 5А\nВыберите отчёт."
    assert math.buttons() == [
        "Итоги периода",
        "Сводная ведомость",
        "Посещаемость за период",
        "Посещаемость за месяц",
        "Табель ученика",
        "◀ Мой класс",
    ]
    await math.tap("Итоги периода")
    assert math.buttons() == ["1 четверть", "• 2 четверть", "Год", "◀ Отчёты"]  # • today's period
    await math.tap("• 2 четверть")
    assert plain(math.last_text()) == "Итоги периода: 5А, 2 четверть\nВ каком виде прислать?"
    await math.tap("PDF")
    await emulator.wait_for_bot_message(math.token, math.id)  # the figures, in place of the choice
    await emulator.wait_for_bot_message(math.token, math.id)  # then the document
    # By student, the lowest of math, Russian and English: Алексеев 5 (5,5,5), Борисова 4 (4,5,5), Васильев 3
    # (3,4,4), Григорьева unmarked (—,2,4): quality 2/4 = 50,0 %; success 3/4 = 75,0 %; average of the eleven marks
    # (5+4+3 + 5+5+4+2 + 5+5+4+4)/11 = 46/11 = 4,18.
    texts = [plain(t or "") for t in math.texts()]
    assert "5А, 2 четверть: качество знаний 50,0 %, успеваемость 75,0 %, средний балл 4,18" in texts
    sent = emulator.messages(math.token, math.id)[-1]
    assert sent["document"]["file_name"] == f"class-results-{school.classes['5А']}-{school.q2}.pdf"
    assert sent["caption"] == "Итоги успеваемости класса за период"

    # The same figures in the Document the file is drawn from.
    async with sessions() as session:
        actor = await load_actor(session, school.staff["math"])
        found = await ClassReports(session, clock).results(actor, school.classes["5А"], school.q2)
    table = results_document(found, "ru").parts[0]
    assert table.totals == ("Итого по классу", 4, 1, 1, 1, 0, 0, 1, 50.0, 75.0, 4.18)  # type: ignore[union-attr]

    # The PDF to print and the XLSX for the spreadsheet say the same hand count.
    pdf = emulator.state(math.token).files[sent["document"]["file_id"]].data
    text = plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Итого по классу 4 1 1 1 0 0 1 50,0 % 75,0 % 4,18" in text
    sheet = load_workbook(io.BytesIO(await results_file(math, emulator, "XLSX"))).active
    [totals] = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Итого по классу"]
    assert totals == ("Итого по классу", 4, 1, 1, 1, 0, 0, 1, 0.5, 0.75, 4.18)  # the shares as numbers


async def test_month_attendance_in_xlsx_REP_2(bot_world, linked, emulator):
    school, _sessions = bot_world
    math = await linked(school.staff["math"])
    await math.press("Мой класс")
    await math.tap("📊 Отчёты")
    await math.tap("Посещаемость за месяц")
    assert math.buttons() == ["Сентябрь 2026", "Октябрь 2026", "Ноябрь 2026", "◀ Отчёты"]  # the year so far
    await math.tap("Ноябрь 2026")
    await math.tap("XLSX")
    for _shown in range(2):  # the figures, then the document
        await emulator.wait_for_bot_message(math.token, math.id)
    texts = [plain(t or "") for t in math.texts()]
    # No absences recorded: nothing missed.
    assert "5А, ноябрь 2026: пропущено дней 0 (по уважительной 0), уроков 0 (по уважительной 0)" in texts
    sent = emulator.messages(math.token, math.id)[-1]
    assert sent["document"]["file_name"].endswith(".xlsx")
    assert sent["caption"] == "Отчёт о посещаемости класса за месяц"


async def test_a_forged_report_of_another_class_is_refused_REP_5(bot_world, linked, emulator):
    school, _sessions = bot_world
    math = await linked(school.staff["math"])  # leads 5А, not 5Б
    await math.press("Мой класс")
    before = len(emulator.messages(math.token, math.id))
    for data in (
        ClassReportCB(cls=school.classes["5Б"], kind=ClassReport.menu),
        ClassReportCB(cls=school.classes["5Б"], kind=ClassReport.results, period=school.q2, fmt=Format.PDF),
        ClassReportCB(cls=school.classes["5Б"], kind=ClassReport.attendance, period=school.q2, fmt=Format.XLSX),
    ):
        answer = await math.tap_raw(data.pack())
        assert answer["text"] == "Это не ваш класс."
    assert len(emulator.messages(math.token, math.id)) == before  # no file sent

    eng = await linked(school.staff["eng1"])  # a subject teacher of 5А: no /class, no reports
    answer = await eng.tap_raw(
        ClassReportCB(cls=school.classes["5А"], kind=ClassReport.results, period=school.q2, fmt=Format.PDF).pack()
    )
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."  # not a class teacher's
    assert all("document" not in m for m in emulator.messages(eng.token, eng.id))


async def test_the_years_summary_sheet_REP_2_REP_4(bot_world, linked, emulator):
    school, _sessions = bot_world
    math = await linked(school.staff["math"])
    await math.press("Мой класс")
    await math.tap("📊 Отчёты")
    await math.tap("Сводная ведомость")
    await math.tap("Год")
    assert plain(math.last_text()) == "Сводная ведомость: 5А, год\nВ каком виде прислать?"
    await math.tap("PDF")
    for _shown in range(2):
        await emulator.wait_for_bot_message(math.token, math.id)
    texts = [plain(t or "") for t in math.texts()]
    # No year marks yet: the four students all unmarked, quality 0/4 and success 0/4; no average.
    assert (
        "5А, 2026/2027 учебный год: качество знаний 0,0 %, успеваемость 0,0 %, средний балл —\n"
        "Сводная ведомость: учащихся — 4, предметов — 3." in texts
    )
    sent = emulator.messages(math.token, math.id)[-1]
    assert sent["document"]["file_name"] == f"summary-sheet-{school.classes['5А']}-year.pdf"
    assert sent["caption"] == "Сводная ведомость учёта успеваемости за год"


async def test_a_grade_without_marks_has_its_attendance_only_REP_2(bot_world, linked):
    school, _sessions = bot_world
    primary = await linked(school.staff["primary"])  # the class teacher of 1А: no marks in the 1st grade (J-8)
    await primary.press("Мой класс")
    await primary.tap("📊 Отчёты")
    assert primary.buttons() == ["Посещаемость за период", "Посещаемость за месяц", "Табель ученика", "◀ Мой класс"]


async def test_the_deputy_reaches_any_class_reports_from_reports_REP_5(bot_world, linked, emulator):
    school, sessions = bot_world
    async with sessions() as session:
        await set_marks(session, school, "math5B", (5, None), school.q2, ("alekseeva", "zaitsev"))
        await session.commit()
    deputy = await linked(school.staff["deputy"])  # leads no class: REP-5, the whole school is hers
    await deputy.press("Отчёты")
    await deputy.tap("Отчёты класса")
    assert deputy.buttons() == ["1А", "5А", "5Б", "◀ Отчёты"]
    await deputy.tap("5Б")
    assert deputy.buttons()[-1] == "◀ Отчёты"  # back to /reports, not to a /class she does not have
    await deputy.tap("Итоги периода")
    await deputy.tap("• 2 четверть")
    await deputy.tap("PDF")
    for _shown in range(2):
        await emulator.wait_for_bot_message(deputy.token, deputy.id)
    # 5Б's one subject: Алексеева 5, Зайцев unmarked — quality 1/2 = 50,0 %, success 1/2 = 50,0 %, average 5,00.
    assert "5Б, 2 четверть: качество знаний 50,0 %, успеваемость 50,0 %, средний балл 5,00" in [
        plain(t or "") for t in deputy.texts()
    ]
    assert emulator.messages(deputy.token, deputy.id)[-1]["document"]["file_name"].endswith(".pdf")

    eng = await linked(school.staff["eng1"])  # a subject teacher: no class's reports, however the button is made
    answer = await eng.tap_raw(ClassReportCB(cls=school.classes["5А"], kind=ClassReport.menu).pack())
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."


async def test_the_class_teacher_gets_a_students_report_card_REP_1_REP_5(bot_world, linked, clock, emulator):
    school, sessions = bot_world
    async with sessions() as session:
        await set_marks(session, school, "math5A", (4,), school.q1)  # Алексеев's 1st quarter in mathematics: 4
        await session.commit()
    math = await linked(school.staff["math"])  # the class teacher of 5А
    await math.press("Мой класс")
    await math.tap("📊 Отчёты")
    await math.tap("Табель ученика")
    assert math.buttons() == [
        "Алексеев Артём Игоревич",
        "Борисова Вера Олеговна",
        "Васильев Глеб Денисович",
        "Григорьева Дина Ефимовна",
        "◀ Отчёты",
    ]
    await math.tap("Алексеев Артём Игоревич")
    assert plain(math.last_text()) == "Табель ученика: 5А, 2 четверть\nВ каком виде прислать?"
    await math.tap("PDF")
    for _shown in range(2):  # the card's line in place of the choice, then the document
        await emulator.wait_for_bot_message(math.token, math.id)
    sent = emulator.messages(math.token, math.id)[-1]
    assert sent["document"]["file_name"].endswith(".pdf")
    pdf = emulator.state(math.token).files[sent["document"]["file_id"]].data
    text = plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Табель успеваемости" in text and "Алексеев Артём, 5А" in text and "Математика 4" in text

    eng = await linked(school.staff["eng1"])  # teaches 5А, leads no class: no class teacher's buttons
    forged = ClassReportCB(cls=school.classes["5А"], kind=ClassReport.cards, student=school.students["alekseev"])
    answer = await eng.tap_raw(forged.model_copy(update={"fmt": Format.PDF}).pack())
    assert answer["text"] == "Эта кнопка устарела. Меню — по команде /help."
    russian = await linked(school.staff["russian"])  # leads 5Б: 5А's card through his own class's button is refused
    answer = await russian.tap_raw(forged.model_copy(update={"fmt": Format.PDF}).pack())
    assert answer["text"] == "Это не ваш класс."
