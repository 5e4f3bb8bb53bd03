"""A Document as a PDF to print (REP-4): A4, the school, the title, the subtitle and the day it was made; the tables
(their header row on each page, the totals in bold, the marked rows shaded), the charts as pictures, the signature
lines of a certified copy and «стр. N из M» under each page.

The letters are DejaVu Sans, the font matplotlib ships, so that Cyrillic prints on a server without fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent
from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.enums import TableBordersLayout

from ui.formatting import decimal
from ui.i18n import Translator, translator

from .charts import png_bytes
from .document import Cell, Chart, Document, Percent, Table

FONT = "DejaVu"
FONTS_DIR = Path(mpl.get_data_path()) / "fonts" / "ttf"
MARGIN = 12  # mm on every side
LANDSCAPE_FROM = 9  # a table of this many columns or more turns the pages sideways
BODY_PT = 10
TABLE_PT = 9  # a table's letters at their largest …
SMALLEST_PT = 7  # … and at their smallest, for a very wide one (still read without a lens); then headers wrap
FLOOR_PT = 5  # a table so wide that even its words do not fit at SMALLEST_PT: smaller still, down to this
PADDING = 1.2  # mm inside a cell, on each side
HEADER_FILL = (225, 229, 235)
MARKED_FILL = (255, 228, 196)  # a marked row: light orange, still grey enough on a black-and-white printer
CHART_WIDTH = 180  # mm: the picture's width, the portrait page's text width


class _Pages(FPDF):
    """FPDF with the page numbers in the footer, in the reader's language."""

    def __init__(self, orientation: str, page_label: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.page_label = page_label  # «стр. {page} из {pages}» with {pages} left for fpdf's alias

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.page_label.format(page=self.page_no(), pages=self.str_alias_nb_pages), align="C")
        self.set_text_color(0, 0, 0)


def pdf_bytes(document: Document) -> bytes:
    _ = translator(document.locale)
    wide = any(isinstance(part, Table) and len(part.headers) >= LANDSCAPE_FROM for part in document.parts)
    pdf = _Pages("L" if wide else "P", _("page {page} of {pages}"))
    pdf.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 4)
    pdf.set_title(document.title)
    pdf.set_author(document.extra.get("author", document.school))
    pdf.set_subject(document.extra.get("subject", document.subtitle))
    pdf.set_keywords(document.extra.get("keywords", ""))
    pdf.set_lang(document.locale)
    pdf.add_page()
    _heading(pdf, document, _)
    for part in document.parts:
        if isinstance(part, Table):
            _table(pdf, part, document.locale)
        elif isinstance(part, Chart):
            _chart(pdf, part, document.locale)
        else:
            _paragraph(pdf, part)
    if document.signatures:
        _signatures(pdf, document.signatures, _)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float, style: str = "", height: float = 0) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height or size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, document: Document, _: Translator) -> None:
    _line(pdf, document.school, 10)
    pdf.ln(2)
    _line(pdf, document.title, 16, "B", 8)
    if document.subtitle:
        _line(pdf, document.subtitle, 12, height=6)
    made_on = format_date(document.made_on, "long", locale=document.locale)
    pdf.set_text_color(90, 90, 90)
    _line(pdf, _("Made on {date}").format(date=made_on), 9)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)


def _paragraph(pdf: FPDF, text: str) -> None:
    _line(pdf, text, BODY_PT, height=5)
    pdf.ln(2)


def cell_text(cell: Cell, locale: str) -> str:
    """A cell as it is printed: 5, «4,25», «87,5 %» (the locale's percent sign and its spacing), or nothing."""
    if cell is None:
        return ""
    if isinstance(cell, Percent):
        return percent(cell, locale)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return decimal(cell, locale)
    return cell


def percent(value: float, locale: str) -> str:
    """A share of 0–100 with one decimal in the locale's percent pattern: «87,5 %» (a no-break space), "87.5%"."""
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(value / 100, pattern, locale=locale)


@dataclass(frozen=True)
class _Layout:
    size: float  # the letters' size, pt
    widths: tuple[float, ...]  # mm per column


def _layout(pdf: FPDF, texts: list[list[str]], headers: tuple[str, ...]) -> _Layout:
    """Columns as wide as their longest cell and their header. A table wider than the page gets smaller letters,
    down to SMALLEST_PT; then its headers wrap at their spaces; then, past all that, the columns give up the room
    their headers' words and their texts' lines ask for, but not the room of a cell's longest word: a number, a
    per cent or a name is never broken, a header's word is."""
    room = pdf.epw
    size = float(TABLE_PT)
    while True:
        wanted, least, hard = _widths(pdf, texts, headers, size)
        if sum(wanted) <= room:
            return _Layout(size, tuple(wanted))
        if (size <= SMALLEST_PT and sum(hard) <= room) or size <= FLOOR_PT:
            break  # at SMALLEST_PT, smaller still only when a number or a name would have to break
        size -= 0.5
    if sum(least) <= room:  # headers wrap: each column gets its least and a share of the rest as its header asks
        widths = _share(least, wanted, room)
    elif sum(hard) <= room:
        widths = _share(hard, least, room)
    else:
        widths = [h * room / sum(hard) for h in hard]
    return _Layout(size, tuple(widths))


def _share(floor: list[float], ask: list[float], room: float) -> list[float]:
    """Each column its floor, and the room left shared in proportion to what it asks for above its floor."""
    spare = room - sum(floor)
    asked = sum(a - f for a, f in zip(ask, floor, strict=True)) or 1
    return [f + spare * (a - f) / asked for a, f in zip(ask, floor, strict=True)]


def _widths(pdf: FPDF, texts: list[list[str]], headers: tuple[str, ...], size: float) -> tuple[list[float], ...]:
    """Each column's width in mm at this size: with its header on one line, with its header wrapped at its spaces,
    and the least that breaks no word of its cells (a no-break space, as in «87,5 %», joins). Measured in bold, as
    the headers and the totals are printed."""
    pdf.set_font(FONT, "B", size)
    extra = 2 * PADDING + 0.6
    wanted, least, hard = [], [], []
    for column, header in enumerate(headers):
        cells = [row[column] for row in texts if column < len(row)]
        body = max((pdf.get_string_width(text) for text in cells), default=0) + extra
        word = max((pdf.get_string_width(w) for w in header.split(" ")), default=0) + extra
        longest = max((pdf.get_string_width(w) for text in cells for w in text.split(" ")), default=0) + extra
        wanted.append(max(body, pdf.get_string_width(header) + extra))
        least.append(max(body, word))
        hard.append(longest)
    return wanted, least, hard


def _table(pdf: FPDF, table: Table, locale: str) -> None:
    rows = [[cell_text(cell, locale) for cell in row] for row in table.rows]
    totals = [cell_text(cell, locale) for cell in table.totals] if table.totals is not None else None
    layout = _layout(pdf, [*rows, *([totals] if totals else [])], table.headers)
    if table.title:
        pdf.set_font(FONT, "B", 11)
        _keep_with_next(pdf, 6 + 3 * layout.size * 0.6)
        pdf.multi_cell(0, 6, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    numeric = [
        all(isinstance(row[c], int | float) or row[c] is None for row in table.rows) and bool(table.rows)
        for c in range(len(table.headers))
    ]
    aligns = tuple("RIGHT" if n else "LEFT" for n in numeric)
    pdf.set_font(FONT, "", layout.size)
    bold = FontFace(emphasis="BOLD")
    marked = FontFace(fill_color=MARKED_FILL)
    with pdf.table(
        col_widths=layout.widths,
        width=min(sum(layout.widths), pdf.epw),  # the widths are shares of it; a rounding may pass the page
        align="LEFT",
        text_align=aligns,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        line_height=layout.size * 0.45,
        padding=(PADDING * 0.6, PADDING),
        borders_layout=TableBordersLayout.ALL,
        v_align="MIDDLE",
    ) as grid:
        heading = grid.row()
        for title in table.headers:
            heading.cell(title, align="CENTER")
        for index, texts in enumerate(rows):
            style = marked if index in table.marked_rows else None
            row = grid.row()
            for text in texts:
                row.cell(text, style=style)
        if totals is not None:
            row = grid.row()
            for text in totals:
                row.cell(text, style=bold)
    if table.note:
        pdf.ln(1)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, 4, table.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _keep_with_next(pdf: FPDF, height: float) -> None:
    """A heading is not left alone at a page's foot: a new page when the heading and a few lines do not fit."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _chart(pdf: FPDF, chart: Chart, locale: str) -> None:
    width = min(CHART_WIDTH, pdf.epw)
    height = width * 0.6  # the picture is 1000 × 600
    _keep_with_next(pdf, height)
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(png_bytes(chart, locale)), x=x, w=width, h=height, alt_text=chart.title)
    pdf.ln(4)


def _signatures(pdf: FPDF, roles: tuple[str, ...], _: Translator) -> None:
    """«Директор ____________ / ____________ /»: the signature, then the name written out, for each role, with what
    each blank is for written small under it; all of them on one page."""
    line_height, caption_height, gap = 6, 3, 5
    _keep_with_next(pdf, 8 + len(roles) * (line_height + caption_height + gap))
    pdf.ln(8)
    captions = (_("signature"), _("printed name"))
    for role in roles:
        pdf.set_font(FONT, "", BODY_PT + 1)
        text = _("{role} ____________ / ____________ /").format(role=role)
        blanks = _blanks(pdf, text)
        pdf.cell(0, line_height, text)
        pdf.ln(line_height)
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(90, 90, 90)
        y = pdf.get_y()
        for (start, width), caption in zip(blanks, captions, strict=False):
            pdf.set_xy(pdf.l_margin + start, y)
            pdf.cell(width, caption_height, caption, align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y + caption_height + gap)


def _blanks(pdf: FPDF, text: str) -> list[tuple[float, float]]:
    """Where each run of underscores of a line starts and how wide it is, in mm from the line's start."""
    found, index = [], text.find("_")
    while index >= 0:
        end = index
        while end < len(text) and text[end] == "_":
            end += 1
        found.append((pdf.get_string_width(text[:index]) + pdf.c_margin, pdf.get_string_width(text[index:end])))
        index = text.find("_", end)
    return found
