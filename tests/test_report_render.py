"""The report files a person prints or opens (REP-4): the PDF (Cyrillic, numbers in the reader's way, the totals,
the signature lines of a certified copy, «стр. N из M»), the XLSX (real numbers, the header kept in view, a sheet
per table) and the chart's picture. Documents are built by hand here; the figures in them are the test's own."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from ui.reports.document import Chart, Document, Format, Percent, Table
from ui.reports.render import chart_png, file_name, render

ROOT = Path(__file__).resolve().parent.parent
MADE_ON = date(2026, 11, 24)

RESULTS = Table(
    title="Итоги 2 четверти по классам",
    headers=("Класс", "Учеников", "Средний балл", "Качество знаний", "Пропуски"),
    rows=(
        ("5А", 24, 4.25, Percent(87.5), 12),  # 21 of 24 without a «3»: 21 / 24 = 87,5 %
        ("5Б", 25, 3.9, Percent(60.0), None),  # 15 of 25 = 60,0 %; absences not counted: an empty cell
    ),
    totals=("По школе", 49, 4.07, Percent(73.5), 12),  # 36 of 49 = 73,469… → 73,5 %
    marked_rows=frozenset({1}),  # 5Б is below the school's average
    note="«н/а» не учитываются.",
)
WEEKS = Chart(
    title="Средний балл по неделям",
    labels=("02.11", "09.11", "16.11", "23.11"),
    series=(("5А", (4.1, None, 4.3, 4.25)), ("5Б", (3.8, 3.9, None, 4.0))),
    y_label="Средний балл",
)
SUBJECTS = (
    "Русский язык",
    "Литература",
    "Математика",
    "История",
    "Обществознание",
    "География",
    "Биология",
    "Английский язык",
    "Физическая культура",
    "Музыка",
    "ИЗО",
    "Технология",
    "ОБЖ",
)
SUMMARY = Table(  # 40 pupils × (a name and 13 subjects): more than a page, wider than a portrait page
    title="Сводная ведомость 5А",
    headers=("Ученик", *SUBJECTS),
    rows=tuple((f"{n}. Ученикова Анна Сергеевна", *[4.5] * 13) for n in range(1, 41)),
)


def russian(*parts, signatures=("Классный руководитель", "Директор"), **more) -> Document:
    return Document(
        title="Итоги периода",
        school="МБОУ СОШ № 7",
        subtitle="5А, 2 четверть 2026/2027",
        made_on=MADE_ON,
        locale="ru",
        parts=parts,
        signatures=signatures,
        file_stem="results-5a",
        **more,
    )


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text as pypdf reads it, with no-break spaces as plain ones."""
    return [
        page.extract_text().replace("\xa0", " ").replace("\u202f", " ") for page in PdfReader(io.BytesIO(data)).pages
    ]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk: right after the 8-byte signature, 4 bytes of length, «IHDR»."""
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_russian_pdf_prints_cyrillic_numbers_the_russian_way_and_the_signature_lines_REP_4():
    data = render(russian("Отметки электронного журнала на 24 ноября.", RESULTS, WEEKS), Format.PDF)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Итоги периода"
    assert reader.metadata.author == "МБОУ СОШ № 7"
    page = reader.pages[0]
    assert page.mediabox.width < page.mediabox.height  # five columns: A4 upright
    text = "\n".join(pdf_pages(data))
    for expected in (
        "МБОУ СОШ № 7",
        "Итоги периода",
        "5А, 2 четверть 2026/2027",
        "Сформировано: 24 ноября 2026 г.",
        "Отметки электронного журнала на 24 ноября.",
        "Итоги 2 четверти по классам",
        "Качество знаний",
        "5А 24 4,25 87,5 % 12",  # an int as it is, a float with two decimals and a comma, a share with « %»
        "5Б 25 3,90 60,0 %\n",  # 3.9 with two decimals; no absences count: nothing printed, not «None» or 0
        "По школе 49 4,07 73,5 % 12",
        "«н/а» не учитываются.",
        "Классный руководитель ____________ / ____________ /",
        "Директор ____________ / ____________ /",
        "подпись",
        "расшифровка подписи",
        "стр. 1 из 1",
    ):
        assert expected in text, expected
    assert "None" not in text
    assert len(page.images) == 1  # the chart, as a picture


def test_a_long_wide_table_turns_the_pages_sideways_and_repeats_its_header_REP_4():
    data = render(russian(SUMMARY, signatures=()), Format.PDF)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)  # 14 columns: landscape
    first, second = pdf_pages(data)
    assert "стр. 1 из 2" in first and "стр. 2 из 2" in second
    assert "1. Ученикова Анна Сергеевна" in first and "40. Ученикова Анна Сергеевна" in second
    for page in (first, second):  # the header row on each page
        assert "Обществознание" in page and "Ученик " in page
    assert "____________" not in first + second  # no signatures asked for, no lines printed


def test_an_english_pdf_writes_numbers_and_dates_the_english_way_REP_4():
    document = Document(
        title="Period results",
        school="School No. 7",
        subtitle="5A, term 2",
        made_on=MADE_ON,
        locale="en",
        parts=(RESULTS,),
        signatures=("Principal",),
        extra={"author": "Deputy head"},
    )
    data = render(document, Format.PDF)
    text = "\n".join(pdf_pages(data))
    for expected in (
        "Made on November 24, 2026",
        "5А 24 4.25 87.5% 12",
        "Principal ____________ / ____________ /",
        "signature",
        "printed name",
        "page 1 of 1",
    ):
        assert expected in text, expected
    assert PdfReader(io.BytesIO(data)).metadata.author == "Deputy head"


def test_the_xlsx_holds_numbers_bold_headers_and_keeps_the_header_in_view_REP_4():
    data = render(russian("Отметки электронного журнала.", RESULTS, WEEKS), Format.XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value is not None}
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == ["МБОУ СОШ № 7", "Итоги периода", "5А, 2 четверть 2026/2027"]
    assert sheet.cell(4, 1).value.replace("\u202f", " ") == "Сформировано: 24 ноября 2026 г."
    header = rows["Класс"]
    assert [c.value for c in header] == ["Класс", "Учеников", "Средний балл", "Качество знаний", "Пропуски"]
    assert all(c.font.b for c in header)
    assert sheet.freeze_panes == f"A{header[0].row + 1}"  # everything down to the header stays when scrolling
    five_a = rows["5А"]
    assert [c.value for c in five_a] == ["5А", 24, 4.25, 0.875, 12]  # 87,5 % as the fraction 0.875
    assert isinstance(five_a[1].value, int) and isinstance(five_a[2].value, float)
    assert five_a[2].number_format == "0.00" and five_a[3].number_format == "0.0%"
    five_b = rows["5Б"]
    assert five_b[3].value == pytest.approx(0.6) and five_b[4].value is None  # empty, not 0 or «None»
    assert five_b[0].fill.fgColor.rgb.endswith("FFE4C4") and not five_a[0].fill.fgColor.rgb.endswith("FFE4C4")
    totals = rows["По школе"]
    assert [c.value for c in totals] == ["По школе", 49, 4.07, 0.735, 12] and all(c.font.b for c in totals)
    assert rows["«н/а» не учитываются."] and rows["Отметки электронного журнала."]
    # the chart: its numbers (a row a week, a column a class, a gap left empty) and a native line chart of them
    week = rows["09.11"]
    assert [c.value for c in week[:3]] == ["09.11", None, 3.9]
    assert len(sheet._charts) == 1
    assert sheet.column_dimensions["A"].width >= len("По школе")


def test_the_xlsx_has_a_sheet_per_table_named_as_excel_allows_REP_4():
    tables = [
        Table(title="Математика: 5А/5Б", headers=("Ученик", "Балл"), rows=(("Иванов", 4.5),)),
        Table(title="Итоги по русскому языку и литературе за четверть", headers=("A",), rows=((1,),)),
        Table(title="Итоги по русскому языку и литературе за полугодие", headers=("A",), rows=((2,),)),
        Table(title="[История]?", headers=("A",), rows=((3,),)),
    ]
    data = render(russian("Вступление.", *tables, one_sheet_per_table=True), Format.XLSX)
    book = openpyxl.load_workbook(io.BytesIO(data))
    # «:» «/» «[» «]» «?» become «-»; 31 characters at most; the second long title, alike in its first 31, gets « (2)»
    assert book.sheetnames == [
        "Математика- 5А-5Б",
        "Итоги по русскому языку и литер",
        "Итоги по русскому языку и л (2)",  # 27 characters and « (2)»: 31
        "-История--",
    ]
    first = book["Математика- 5А-5Б"]
    assert first.cell(2, 1).value == "Итоги периода"  # every sheet has the title block
    assert any(c.value == "Вступление." for c in first["A"])  # the paragraph before the first table: on its sheet
    assert first.freeze_panes is not None
    assert [book[name].max_row > 5 for name in book.sheetnames] == [True] * 4


def test_a_chart_is_a_png_of_1000_by_600_pixels_with_gaps_where_a_week_has_no_marks_REP_4():
    for locale in ("ru", "en"):
        data = chart_png(WEEKS, locale)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert png_size(data) == (1000, 600)
    empty = Chart(title="Нет данных", labels=(), series=())
    assert png_size(chart_png(empty, "ru")) == (1000, 600)


def test_charts_are_drawn_in_threads_at_once():
    """The bot renders in asyncio.to_thread: no pyplot state shared between two drawings."""
    charts = [
        Chart(title=f"Класс {n}", labels=("1", "2", "3"), series=((str(n), (n, 3.0, None)),)) for n in (2, 3, 4, 5)
    ]
    with ThreadPoolExecutor(4) as pool:
        pictures = list(pool.map(lambda chart: chart_png(chart, "ru"), charts))
    assert all(png_size(picture) == (1000, 600) for picture in pictures)
    assert len(set(pictures)) == 4


def test_the_file_names():
    document = russian(RESULTS)
    assert (file_name(document, Format.PDF), file_name(document, Format.XLSX)) == ("results-5a.pdf", "results-5a.xlsx")


def test_the_bot_loads_the_drawing_libraries_only_when_a_report_is_made():
    code = (
        "import bot.dispatcher, bot.cli, handlers, ui.reports.render; import sys; "
        "print(sorted(m for m in ('matplotlib', 'fpdf') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_very_wide_table_gets_smaller_letters_and_wrapped_headers_but_keeps_its_numbers_whole_REP_4():
    """25 columns do not fit a landscape page even at the smallest letters: the headers' words break, a per cent
    or a name does not (each is printed whole on its line)."""
    wide = Table(
        title="Очень широкая таблица",
        headers=("Ученик", *[f"Предмет номер {n} с длинным названием" for n in range(1, 25)]),
        rows=tuple((f"Константинопольский-Заречный Александр {n}", *[4.25] * 24) for n in range(1, 6)),
        totals=("Итого", *[Percent(87.5)] * 24),
    )
    data = render(russian(wide, signatures=()), Format.PDF)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    (text,) = pdf_pages(data)
    assert "Итого " + " ".join(["87,5 %"] * 24) in text
    assert "Константинопольский-Заречный" in text
    assert "5 " + " ".join(["4,25"] * 24) in text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru", ["5", "4,25", "3,90", "87,5\xa0%", "100,0\xa0%", "", "5А"]),  # «87,5 %»: a no-break space before «%»
        ("en", ["5", "4.25", "3.90", "87.5%", "100.0%", "", "5А"]),
    ],
)
def test_a_cell_is_printed_in_the_readers_way_REP_4(locale, expected):
    from ui.reports.pdf import cell_text

    cells = (5, 4.25, 3.9, Percent(87.5), Percent(100), None, "5А")
    assert [cell_text(cell, locale) for cell in cells] == expected
