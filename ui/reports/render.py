"""A Document as a file, a Chart as a picture. The drawing libraries (fpdf2, openpyxl, matplotlib) are imported here,
inside the calls, so that only a process that makes a report loads them."""

from __future__ import annotations

from .document import Chart, Document, Format


def render(document: Document, fmt: Format) -> bytes:
    if fmt is Format.PDF:
        from .pdf import pdf_bytes  # heavy: loaded on the first report

        return pdf_bytes(document)
    from .xlsx import xlsx_bytes

    return xlsx_bytes(document)


def chart_png(chart: Chart, locale: str) -> bytes:
    from .charts import png_bytes

    return png_bytes(chart, locale)


def file_name(document: Document, fmt: Format) -> str:
    return f"{document.file_stem}.{fmt.value}"
