"""Real documents made at test time with the libraries that write them, and the bad files portals
serve: encrypted, corrupt and truncated PDFs, a DOC that is HTML, a ZIP bomb.

PDF, DOCX and XLSX are made by scraper/portals/demo_documents.py, which makes the demo portals' own files
(fpdf2, python-docx, openpyxl). PDFs embed DejaVu Sans for Vietnamese letters (the PDF core fonts
are Latin-1 only); Debian's fonts-dejavu-core comes with fontconfig, which Chromium needs anyway.
Without it the tests fail.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from scraper.portals.demo_documents import docx, pdf, xlsx  # noqa: F401 (the tests' file makers too)
from scraper.portals.demo_documents import scanned_pdf as scanned_pages


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF of page images only: what a scanned decision looks like to a text extractor."""
    return scanned_pages([f"QUYẾT ĐỊNH\nTrang {number}" for number in range(1, pages + 1)])


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


# The attachments the bundled portals' articles link (the demo portals serve files of their own there:
# scraper/portals/demo_documents.py; serve_attachments puts these instead).
BACNINH_ARTICLE = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                   "huong-dan-dang-ky-kham-chua-benh-bao-hiem-y-te-ban-dau-nam-2020")
BACNINH_PDF = "https://soyte.bacninh.gov.vn/documents/20182/0/cong-van-2310-syt-bhxh.pdf/c85d1f31-85fa52ac?t=1575249300000"
HAGIANG_PDF = "https://soyte.hagiang.gov.vn/Upload/Files/2020/01/lich-truc-tet-canh-ty-2020.pdf"
ANGIANG_PDF = "https://soyte.angiang.gov.vn/wps/wcm/connect/5f9b28b0/huong-dan-phong-chong-sxh.pdf?MOD=AJPERES"
HATINH_ARTICLE = ("https://soyte.hatinh.gov.vn/tin-tuc-su-kien/cong-bo-danh-sach-co-so-kham-benh-chua-benh-du-"
                  "dieu-kien-kham-suc-khoe-lai-xe-1686731400.html")
HATINH_PDF = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/danh-sach-co-so-kham-sk-lai-xe.pdf"
HATINH_DOCX = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/mau-giay-kham-sk-lai-xe.docx"
HATINH_XLSX = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/bang-tong-hop-co-so.xlsx"
HATINH_PAGE = Path(__file__).resolve().parent.parent / "scraper/demo_portals/hatinh/pages/hatinh-5.html"

PDF_MEDIA = "application/pdf"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Words of the Bắc Ninh PDF; its number 2310 is in no article of the bundled portals (Thanh Hóa's
# 2024 vaccination plan mentions rubella too).
BACNINH_PDF_PAGES = ["SỞ Y TẾ TỈNH BẮC NINH\nCông văn số 2310/SYT-BHXH",
                     "Kế hoạch tiêm chủng vắc xin sởi – rubella cho trẻ em từ 1 đến 5 tuổi"]
DOCX_PARAGRAPHS = ["MẪU GIẤY KHÁM SỨC KHỎE LÁI XE", "Họ và tên người lái xe: ……"]
XLSX_ROWS = [["STT", "Cơ sở khám", "Huyện"], [1, "Bệnh viện Đa khoa tỉnh Hà Tĩnh", "TP Hà Tĩnh"],
             [2, "Trung tâm Y tế huyện Kỳ Anh", "Kỳ Anh"]]


def hatinh_article_linking(extra: list[tuple[str, str]]) -> bytes:
    """Hà Tĩnh's article with more attachment links, as its CMS prints them."""
    links = "".join(f'<p><a href="{url}" download>{title}</a></p>' for url, title in extra)
    page = HATINH_PAGE.read_bytes()
    marker = b"</div>"
    start = page.index(b'class="post-attachments"')
    end = page.index(marker, start)
    return page[:end] + links.encode() + page[end:]


def serve_attachments(server) -> dict[str, bytes]:
    """Real files at every attachment URL of the first four bundled portals (Bắc Ninh, Hà Giang,
    An Giang, Hà Tĩnh), plus an XLSX that Hà Tĩnh's article is made to link. Hà Giang and An Giang
    attach the same file (one content, two URLs). Returns URL → served bytes."""
    national = pdf(["BỘ Y TẾ\nHướng dẫn phòng chống sốt xuất huyết Dengue", "Lịch trực Tết Canh Tý 2020"])
    files = {
        BACNINH_PDF: (pdf(BACNINH_PDF_PAGES), PDF_MEDIA),
        HAGIANG_PDF: (national, PDF_MEDIA),
        ANGIANG_PDF: (national, "application/octet-stream"),  # WebSphere's WCM sends every file so
        HATINH_PDF: (pdf(["QUYẾT ĐỊNH số 842/QĐ-SYT\nDanh sách cơ sở khám sức khỏe lái xe"]), PDF_MEDIA),
        HATINH_DOCX: (docx(DOCX_PARAGRAPHS), DOCX_MEDIA),
        HATINH_XLSX: (xlsx("Danh sách", XLSX_ROWS), XLSX_MEDIA),
    }
    for url, (body, media) in files.items():
        server.set_page(url, body, media)
    server.set_page(HATINH_ARTICLE, hatinh_article_linking([(HATINH_XLSX, "Bảng tổng hợp cơ sở")]))
    return {url: body for url, (body, _media) in files.items()}


def xls(sheet: str, rows: list[list[object]]) -> bytes:
    """An Excel 97-2003 workbook (xlwt), as older portals still attach."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    grid = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            grid.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt(paragraphs: list[str]) -> bytes:
    """An OpenDocument text (odfpy), as LibreOffice writes it."""
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for text in paragraphs:
        document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()
