"""REP-2 (000 §6.8.3) end to end: after the 2nd quarter (its last day Monday 28 December) the class teacher of 5А
gets her class's results on Tuesday and the deputy director the school's on Wednesday, without asking: a push that
says what it is, then the PDF to print and the XLSX, made from the journal as it is when they are sent."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader

from bot import jobs
from tests.flows.conftest import plain
from tests.test_school_reports import second_quarter


async def files_after(user, emulator) -> tuple[list[str], dict[str, bytes]]:
    """The push's text (the «📊» line) and its two files, by extension, as they arrive after what the chat holds."""
    said, got = [], {}
    while len(got) < 2:
        message = await emulator.wait_for_bot_message(user.token, user.id, timeout=15)
        if "document" in message:
            name = message["document"]["file_name"]
            got[name.rsplit(".", 1)[1]] = emulator.state(user.token).files[message["document"]["file_id"]].data
        elif message["text"].startswith("📊"):
            said.append(plain(message["text"]))
    return said, got


def pdf_text(data: bytes) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


async def test_the_class_teacher_and_the_deputy_get_the_quarters_results_without_asking_REP_2(
    bot_world, linked, clock, emulator, start_worker
):
    school, sessions = bot_world
    async with sessions() as session:
        await second_quarter(session, school)
        await session.commit()
    math = await linked(school.staff["math"])  # the class teacher of 5А
    deputy = await linked(school.staff["deputy"])
    start_worker()

    clock.at(date(2026, 12, 29), hour=8)  # the first working day after the quarter
    assert await jobs.reports_due(sessions, school.school_id, clock) == 2  # 5А's and 5Б's class teachers
    said, files = await files_after(math, emulator)
    assert said == ["📊 Итоги 5А: 2 четверть\nОтчёт — в файлах ниже: PDF для печати, XLSX для таблиц."]
    # 5А by hand (the lowest of each student's three): Алексеев 5, Борисова 4, Васильев 3, Григорьева н/а —
    # quality 2/4 = 50,0 %, success 3/4 = 75,0 %, the average of the eleven marks (5+5+5 + 4+5+4 + 3+4+4 + 2+3)/11
    # = 44/11 = 4,00.
    text = pdf_text(files["pdf"])
    assert "5А" in text and "2 четверть" in text and "50,0 %" in text and "75,0 %" in text
    assert "Итого по классу 4 1 1 1 0 1 0 50,0 % 75,0 % 4,00" in text
    rows = list(load_workbook(io.BytesIO(files["xlsx"])).active.iter_rows(values_only=True))
    [total] = [row for row in rows if row[0] == "Итого по классу"]
    assert total[-3:] == (0.5, 0.75, 4.0)
    assert [m for m in emulator.messages(deputy.token, deputy.id) if "document" in m] == []  # not yet hers

    clock.at(date(2026, 12, 30), hour=8)  # the second working day: the school's, to the deputy director
    assert await jobs.reports_due(sessions, school.school_id, clock) == 1
    said, files = await files_after(deputy, emulator)
    assert said == ["📊 Итоги по школе: 2 четверть\nОтчёт — в файлах ниже: PDF для печати, XLSX для таблиц."]
    # The school: 5А's four and 5Б's two (Алексеева 5, Зайцев not marked) — quality 3/6 = 50 %, success 4/6.
    text = pdf_text(files["pdf"])
    assert "Итоги по школе" in text and "По школе 6" in text and "66,7 %" in text
    assert await jobs.reports_due(sessions, school.school_id, clock) == 0  # a second run sends nothing more
