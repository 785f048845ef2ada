"""Attached documents: text extraction time per PDF page (and per DOCX / XLSX), storage per document.

Documents are made here, as the tests make them: PDFs with a real text layer (fpdf2, DejaVu Sans,
the bundled records' Vietnamese sentences, ~2,400 characters a page, as a typed decision has),
"scanned" PDFs (one 150 dpi greyscale JPEG a page, no text: what most portals' signed decisions
are), a DOCX of the same text and an XLSX list of 1,000 facilities. Each file's extraction
(`scraper.extraction.document_text.extract_text`, the crawl's own function) is timed alone, after one
untimed run, `--reps` times; storage is what `archive.documents.DocumentStore` adds to a real
archive file (compressed bytes, text, full-text index), read from SQLite's page count.

    python -m bench.documents            # 1, 10 and 50 pages, 7 repetitions (~1 min)
    python -m bench.documents --quick    # 1 and 10 pages, 3 repetitions
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from archive.documents import DocumentStore
from archive.store import Archive, now
from bench.common import summary, table, write_results
from bench.synthetic import Corpus
from scraper.extraction.document_text import extract_text

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE_CHARS = 2400


def text_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_font("DejaVu", fname=str(FONT))
    document.set_font("DejaVu", size=11)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 6, text)
    return bytes(document.output())


def scanned_pdf(pages: int, rng: random.Random) -> bytes:
    """A greyscale A4 page at 150 dpi with speckle, JPEG at quality 75, as a scanner writes it."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    document = FPDF()
    for _ in range(pages):
        image = Image.new("L", (1240, 1754), 245)
        draw = ImageDraw.Draw(image)
        for _ in range(4000):  # lines of "type" and speckle
            x, y = rng.randrange(100, 1140), rng.randrange(120, 1650)
            draw.rectangle((x, y, x + rng.randrange(4, 30), y + rng.randrange(2, 14)), fill=rng.randrange(20, 120))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=75)
        document.add_page()
        document.image(io.BytesIO(out.getvalue()), x=0, y=0, w=210, h=297)
    return bytes(document.output())


def docx_file(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file(rows: int, corpus: Corpus, rng: random.Random) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["STT", "Tên cơ sở", "Địa chỉ", "Số giấy phép", "Ngày cấp"])
    for n in range(1, rows + 1):
        sheet.append([n, corpus.title(rng)[:60], corpus.title(rng)[:40], f"{rng.randrange(10**5):05d}/SYT-GPHĐ",
                      f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/2024"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def documents(page_counts: list[int], corpus: Corpus, rng: random.Random) -> list[tuple[str, str, int, bytes]]:
    """(name, url, pages, bytes) of every document measured."""
    made = []
    for n in page_counts:
        pages = [corpus.sentence_run(rng, PAGE_CHARS) for _ in range(n)]
        made.append((f"PDF, text, {n} p.", f"https://soyte.example.gov.vn/kh-{n}.pdf", n, text_pdf(pages)))
    for n in page_counts:
        made.append((f"PDF, scanned, {n} p.", f"https://soyte.example.gov.vn/qd-{n}.pdf", n, scanned_pdf(n, rng)))
    ten_pages = [corpus.sentence_run(rng, 600) for _ in range(40)]  # ~10 pages of text
    made.append(("DOCX, ~10 p. of text", "https://soyte.example.gov.vn/mau.docx", 10, docx_file(ten_pages)))
    made.append(("XLSX, 1,000 rows", "https://soyte.example.gov.vn/ds.xlsx", 0, xlsx_file(1000, corpus, rng)))
    return made


def time_extraction(body: bytes, url: str, reps: int) -> tuple[list[float], object]:
    result = extract_text(body, url, None)  # warm-up: imports and caches
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = extract_text(body, url, None)
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def storage(made: list[tuple[str, str, int, bytes]], results: dict[str, object]) -> dict[str, dict]:
    """Bytes each document adds to an archive file (SQLite pages: body, row, text, FTS index)."""
    measured = {}
    with tempfile.TemporaryDirectory(prefix="soyte-bench-documents-") as folder:
        archive = Archive(Path(folder) / "archive.db")
        store = DocumentStore(archive)
        page_size = archive.conn.execute("PRAGMA page_size").fetchone()[0]
        for name, url, _pages, body in made:
            before = archive.conn.execute("PRAGMA page_count").fetchone()[0]
            text = results[name]
            store.store(url, "bench", body, status=200, served_type=None, headers={}, run_id=None, at=now(),
                        extracted=text)
            after = archive.conn.execute("PRAGMA page_count").fetchone()[0]
            stored = archive.conn.execute("SELECT stored_size, text_length FROM documents WHERE url = ?", (url,)).fetchone()
            measured[name] = {"size": len(body), "stored_size": stored[0], "text_chars": stored[1],
                              "archive_growth": (after - before) * page_size}
        archive.close()
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per document (default 7)")
    parser.add_argument("--quick", action="store_true", help="1 and 10 pages, 3 repetitions")
    args = parser.parse_args(argv)
    if not FONT.exists():
        sys.exit(f"{FONT} is missing: apt-get install -y fonts-dejavu-core")
    reps = 3 if args.quick else args.reps
    page_counts = [1, 10] if args.quick else [1, 10, 50]
    rng = random.Random(17)
    made = documents(page_counts, Corpus(), rng)
    timings, results, rows = {}, {}, []
    for name, url, pages, body in made:
        times, result = time_extraction(body, url, reps)
        timings[name] = {**summary(times), "max": max(times), "pages": pages, "status": result.status}
        results[name] = result
        per_page = [t / pages for t in times] if pages else None
        rows.append([name, f"{len(body) / 1024:,.0f} KB", result.status, summary(times)["median"],
                     f"{min(times):,.1f}–{max(times):,.1f}", summary(per_page)["median"] if per_page else None])
    print(f"Text extraction, ms ({reps} repetitions each, after one untimed run)\n")
    print(table(["document", "size", "text", "median ms", "min–max ms", "median ms / page"], rows))
    stored = storage(made, results)
    print("\nStorage per document (bytes added to a real archive: compressed file, row, text, FTS index)\n")
    print(table(["document", "file bytes", "stored (zlib)", "stored ÷ file", "text chars", "archive growth"],
                [[name, s["size"], s["stored_size"], s["stored_size"] / s["size"], s["text_chars"], s["archive_growth"]]
                 for name, s in stored.items()]))
    path = write_results("documents", {"reps": reps, "page_chars": PAGE_CHARS, "extraction_ms": timings,
                                       "storage_bytes": stored}, argv)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
