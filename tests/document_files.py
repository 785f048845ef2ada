"""Real documents made at test time with the libraries that write them (fpdf2, python-docx, openpyxl),
and the bad files portals serve: encrypted, corrupt and truncated PDFs, a DOC that is HTML, a ZIP bomb.

PDFs embed DejaVu Sans for Vietnamese letters (the PDF core fonts are Latin-1 only); Debian's
fonts-dejavu-core comes with fontconfig, which Chromium needs anyway. Without it the tests fail.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf(pages: list[str], *, encrypt_with: str | None = None) -> bytes:
    """A PDF with a real text layer: one page per string, lines split on newlines."""
    from fpdf import FPDF

    if not FONT.exists():
        pytest.fail(f"{FONT} is missing: apt-get install -y fonts-dejavu-core", pytrace=False)
    document = FPDF()
    document.add_font("DejaVu", fname=str(FONT))
    document.set_font("DejaVu", size=12)
    for text in pages:
        document.add_page()
        for line in text.splitlines():
            document.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if encrypt_with:
        document.set_encryption(owner_password="owner", user_password=encrypt_with)
    return bytes(document.output())


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF of drawn shapes only: what a scanned decision looks like to a text extractor."""
    from fpdf import FPDF

    document = FPDF()
    for _ in range(pages):
        document.add_page()
        document.rect(20, 20, 170, 250, style="F")
    return bytes(document.output())


def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheet: str, rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 210) -> bytes:
    """A DOCX-named ZIP whose one member inflates from ~200 KB to `unpacked_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(unpacked_mb):
                member.write(chunk)
    return out.getvalue()


def html_page(text: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Lỗi</title></head>"
            f"<body><p>{text}</p></body></html>").encode()
