"""The files the bundled demo portals' articles attach, rebuilt by `python -m scraper.portals.demo_documents [ROOT]`.

Each bundled article that attaches files links them at the URLs its portal serves them at (the
`attachments` of scraper/demo_portals/<portal>/expected/*.json, which the portal tests prove are what
the article pages give). Without files there a crawl of the demo met one 404 per attachment; this
module writes a real file for each into `<portal>/documents/` and registers it in the portal's
site.json as a page of kind `document` (URL, file, content type), which the replay server serves.

Beside them, `<portal>/images/`: a small JPEG for each image the articles show (`picture`, its
caption written on it), registered as pages of kind `image`, so a crawl of the demo archives images too.

The files are meant to be read: text PDFs, DOCX, an XLSX table, and one scanned decision (an image
of the page, no text layer, as Cần Thơ's stamped decision would be), in Vietnamese, saying what
their link titles say. The format follows the URL's extension; Thanh Hóa's DNN links
(`LinkClick.aspx?fileticket=…`) have none, so their titles' "(bản PDF)" / "(bản Word)" decide.
Nghệ An's `.doc`: no Python library writes Word 97-2003 binaries, so the file is RTF, which Word
opens and saves under `.doc` too and which portals serve under that name; it is served as
`application/rtf`, so the archive reads its text instead of warning about a declared type.

Same bytes on every run: each file carries its document's date (PDF creation date, DOCX/XLSX core
properties, ZIP entry times) and no random id, so re-running changes nothing in git, given the same
fpdf2, python-docx, openpyxl, Pillow and Debian's DejaVu fonts (fonts-dejavu-core). Only
maintainers and the tests run this (fpdf2 is a test extra); nothing a crawl imports imports it. The
tests make their own files with the same functions (tests/document_files.py).
"""
from __future__ import annotations

import io
import json
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT, BOLD_FONT = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)  # the date of a file made without one (the tests')
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RTF = "application/rtf"


def _fonts() -> None:
    """PDFs embed DejaVu Sans: the PDF core fonts are Latin-1 only, without Vietnamese letters."""
    if not (FONT.exists() and BOLD_FONT.exists()):
        raise RuntimeError(f"{FONT} or its bold face is missing: apt-get install -y fonts-dejavu-core")


def _heading(line: str) -> tuple[bool, str]:
    """(whether it is a heading, the text to print) of a line or paragraph: "# " starts a centred bold one."""
    return (True, line[2:]) if line.startswith("# ") else (False, line)


def _new_pdf(when: datetime):
    """An empty fpdf2 document dated `when`, the same bytes on every run and every fpdf2 version."""
    from fpdf import FPDF

    _fonts()
    document = FPDF()
    document.set_creation_date(when)
    document.set_producer("soyte")  # not fpdf2's version: the bytes stay when fpdf2 is upgraded
    return document


def pdf(pages: list[str], *, when: datetime = EPOCH, encrypt_with: str | None = None) -> bytes:
    """A PDF with a real text layer: one page per string, one line per line; a line starting
    with "# " is a centred bold heading (the "# " is not printed)."""
    document = _new_pdf(when)
    document.add_font("DejaVu", fname=str(FONT))
    document.add_font("DejaVu", style="B", fname=str(BOLD_FONT))
    for text in pages:
        document.add_page()
        for heading, line in map(_heading, text.splitlines()):
            document.set_font("DejaVu", "B" if heading else "", size=13 if heading else 12)
            document.multi_cell(0, 8, line, align="C" if heading else "J", new_x="LMARGIN", new_y="NEXT")
    if encrypt_with:
        document.set_encryption(owner_password="owner", user_password=encrypt_with)
    return bytes(document.output())


def scanned_pdf(pages: list[str], *, when: datetime = EPOCH) -> bytes:
    """A PDF of page images only, as a scanner makes it: the text is drawn into the picture (with a
    round stamp on the last page), so a person reads it and a text extractor finds nothing."""
    from PIL import Image, ImageDraw, ImageFont

    document = _new_pdf(when)
    regular, bold = ImageFont.truetype(str(FONT), 22), ImageFont.truetype(str(BOLD_FONT), 24)
    for number, text in enumerate(pages, 1):
        image = Image.new("L", (1240, 1754), 246)  # A4 at 150 dpi, the grey of scanned paper
        draw = ImageDraw.Draw(image)
        y = 140
        for heading, line in map(_heading, text.splitlines()):
            font = bold if heading else regular
            x = (1240 - draw.textlength(line, font=font)) / 2 if heading else 130
            draw.text((x, y), line, fill=25, font=font)
            y += 42
        if number == len(pages):
            draw.ellipse((780, y + 20, 1000, y + 240), outline=90, width=6)
            draw.ellipse((805, y + 45, 975, y + 215), outline=90, width=3)
        document.add_page()
        document.image(image.rotate(0.4, fillcolor=246), x=0, y=0, w=210, h=297)
    return bytes(document.output())


def _steady_zip(body: bytes, when: datetime) -> bytes:
    """The same ZIP with every member dated `when`: python-docx and openpyxl date them now."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(zipfile.ZipInfo(member.filename, when.timetuple()[:6]), source.read(member),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx(paragraphs: list[str], table: list[list[str]] | None = None, *, when: datetime = EPOCH) -> bytes:
    """A Word document: the paragraphs ("# " starts a centred bold one), then the table, if any."""
    import docx as python_docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = python_docx.Document()
    properties = document.core_properties
    properties.author, properties.last_modified_by, properties.comments = "Sở Y tế", "Sở Y tế", ""
    properties.created = properties.modified = when
    for heading, text in map(_heading, paragraphs):
        paragraph = document.add_paragraph()
        if heading:
            paragraph.add_run(text).bold = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.add_run(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        grid.style = "Table Grid"
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return _steady_zip(out.getvalue(), when)


def xlsx(sheet: str, rows: list[list[object]], *, when: datetime = EPOCH) -> bytes:
    """A one-sheet workbook of these rows."""
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.properties.creator = "Sở Y tế"
    book.properties.created = book.properties.modified = when.replace(tzinfo=None)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # openpyxl's save_workbook would date the file now
    return _steady_zip(out.getvalue(), when)


def _rtf_escape(text: str) -> str:
    """RTF is ASCII: a letter past it is `\\uN?` (N a signed 16-bit number; "?" for old readers)."""
    def one(c: str) -> str:
        if c in "\\{}":
            return "\\" + c
        code = ord(c)
        return c if code < 128 else f"\\u{code - 65536 if code > 32767 else code}?"
    return "".join(map(one, text))


def rtf(paragraphs: list[str]) -> bytes:
    """An RTF document; a paragraph starting with "# " is centred and bold."""
    body = "".join(f"{{\\pard\\qc\\b {_rtf_escape(text)}\\b0\\par}}\n" if heading else
                   f"{{\\pard\\qj {_rtf_escape(text)}\\par}}\n" for heading, text in map(_heading, paragraphs))
    return ("{\\rtf1\\ansi\\ansicpg1258\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}\\f0\\fs26\n"
            + body + "}\n").encode("ascii")


@dataclass(frozen=True)
class Attachment:
    """One attached file of a demo portal: where the portal serves it, and how to make it."""

    portal: str
    url: str
    name: str          # its file in <portal>/documents/
    content_type: str  # as the portal serves it
    date: str          # the document's day, the one date the file carries
    make: Callable[[datetime], bytes]

    def body(self) -> bytes:
        return self.make(datetime.fromisoformat(self.date).replace(hour=8, tzinfo=timezone.utc))


def _letter(head: str, number: str, place: str, day: str) -> str:
    """The top of an administrative document: the issuing body, its number, the place and day."""
    return f"{head}\nSố: {number}\n{place}, {day}\n"


ATTACHMENTS = [
    Attachment("bacninh", "https://soyte.bacninh.gov.vn/documents/20182/0/cong-van-2310-syt-bhxh.pdf/"
               "c85d1f31-85fa52ac?t=1575249300000", "cong-van-2310-syt-bhxh.pdf", PDF, "2019-11-29",
               lambda when: pdf([
                   _letter("SỞ Y TẾ TỈNH BẮC NINH – BẢO HIỂM XÃ HỘI TỈNH BẮC NINH", "2310/SYT-BHXH",
                           "Bắc Ninh", "ngày 29 tháng 11 năm 2019")
                   + "V/v hướng dẫn đăng ký khám chữa bệnh bảo hiểm y tế ban đầu năm 2020\n"
                   "Kính gửi: Các cơ sở khám bệnh, chữa bệnh bảo hiểm y tế trên địa bàn tỉnh.\n"
                   "Để bảo đảm quyền lợi của người tham gia bảo hiểm y tế, Sở Y tế và Bảo hiểm xã hội tỉnh "
                   "hướng dẫn việc đăng ký khám chữa bệnh ban đầu năm 2020 như sau:\n"
                   "1. Người tham gia bảo hiểm y tế được thay đổi nơi đăng ký khám chữa bệnh ban đầu vào tháng "
                   "đầu của mỗi quý.\n"
                   "2. Trẻ em dưới 6 tuổi đăng ký tại cơ sở y tế thuận tiện nơi cư trú.\n"
                   "3. Mỗi cơ sở chỉ nhận đăng ký đến số thẻ tối đa ghi tại danh sách kèm theo.\n"
                   "GIÁM ĐỐC SỞ Y TẾ – GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH (đã ký)",
                   "# DANH SÁCH CƠ SỞ NHẬN ĐĂNG KÝ KHÁM CHỮA BỆNH BAN ĐẦU NĂM 2020\n"
                   "1. Bệnh viện Đa khoa tỉnh Bắc Ninh: tối đa 45.000 thẻ\n"
                   "2. Trung tâm Y tế huyện Gia Bình: tối đa 30.000 thẻ\n"
                   "3. Trung tâm Y tế huyện Lương Tài: tối đa 32.000 thẻ\n"
                   "4. Trung tâm Y tế thị xã Từ Sơn: tối đa 40.000 thẻ"], when=when)),
    Attachment("hagiang", "https://soyte.hagiang.gov.vn/Upload/Files/2020/01/lich-truc-tet-canh-ty-2020.pdf",
               "lich-truc-tet-canh-ty-2020.pdf", PDF, "2020-01-20",
               lambda when: pdf([
                   "SỞ Y TẾ TỈNH HÀ GIANG\n"
                   "# LỊCH TRỰC TẾT NGUYÊN ĐÁN CANH TÝ 2020\n"
                   "Thời gian trực: từ 7 giờ ngày 23/01/2020 (29 tháng Chạp năm Kỷ Hợi) đến 7 giờ ngày "
                   "30/01/2020 (mùng 6 tháng Giêng năm Canh Tý).\n"
                   "Các đơn vị tổ chức trực 4 cấp: lãnh đạo, chuyên môn, hành chính và bảo vệ.\n"
                   "Bệnh viện Đa khoa tỉnh: 126 cán bộ trực, 60 giường dự phòng.\n"
                   "Bệnh viện Đa khoa khu vực Yên Minh: 48 cán bộ trực, 25 giường dự phòng.\n"
                   "Trung tâm Kiểm soát bệnh tật tỉnh: 2 đội cơ động phòng chống dịch.\n"
                   "Các đơn vị báo cáo tình hình trực Tết về Phòng Nghiệp vụ Y trước 16 giờ hằng ngày."], when=when)),
    Attachment("angiang", "https://soyte.angiang.gov.vn/wps/wcm/connect/5f9b28b0/huong-dan-phong-chong-sxh.pdf"
               "?MOD=AJPERES", "huong-dan-phong-chong-sxh.pdf",
               "application/octet-stream",  # WebSphere's WCM sends every file so
               "2018-07-02",
               lambda when: pdf([
                   "SỞ Y TẾ AN GIANG – TRUNG TÂM Y TẾ DỰ PHÒNG TỈNH\n"
                   "# HƯỚNG DẪN PHÒNG CHỐNG BỆNH SỐT XUẤT HUYẾT TRONG MÙA MƯA\n"
                   "Sốt xuất huyết Dengue do vi rút Dengue gây ra, lây truyền qua muỗi vằn. Bệnh chưa có thuốc "
                   "điều trị đặc hiệu; diệt lăng quăng và muỗi là biện pháp phòng bệnh chủ yếu.\n"
                   "1. Đậy kín các dụng cụ chứa nước, thả cá diệt lăng quăng.\n"
                   "2. Thu gom, hủy các vật dụng phế thải có thể đọng nước quanh nhà.\n"
                   "3. Ngủ mùng kể cả ban ngày, mặc quần áo dài tay.\n"
                   "4. Phối hợp với ngành y tế khi phun hóa chất diệt muỗi.\n"
                   "Khi có dấu hiệu sốt cao đột ngột, xuất huyết dưới da, chảy máu cam, đau bụng, nôn, cần đến "
                   "ngay cơ sở y tế; không tự điều trị tại nhà."], when=when)),
    Attachment("hatinh", "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/danh-sach-co-so-kham-sk-lai-xe.pdf",
               "danh-sach-co-so-kham-sk-lai-xe.pdf", PDF, "2023-06-13",
               lambda when: pdf([
                   _letter("SỞ Y TẾ HÀ TĨNH", "842/QĐ-SYT", "Hà Tĩnh", "ngày 13 tháng 6 năm 2023")
                   + "# QUYẾT ĐỊNH\n"
                   "# Công bố danh sách cơ sở khám bệnh, chữa bệnh đủ điều kiện khám sức khỏe cho người lái xe\n"
                   "Căn cứ Thông tư liên tịch số 24/2015/TTLT-BYT-BGTVT ngày 21/8/2015 của Bộ Y tế và Bộ Giao "
                   "thông vận tải quy định về tiêu chuẩn sức khỏe của người lái xe;\n"
                   "Điều 1. Công bố danh sách cơ sở khám sức khỏe cho người lái xe trên địa bàn tỉnh:\n"
                   "1. Bệnh viện Đa khoa tỉnh, TP Hà Tĩnh.\n"
                   "2. Bệnh viện Đa khoa thị xã Kỳ Anh, TX Kỳ Anh.\n"
                   "3. Trung tâm Y tế huyện Can Lộc, huyện Can Lộc.\n"
                   "Điều 2. Quyết định có hiệu lực kể từ ngày ký.\n"
                   "KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC (đã ký)"], when=when)),
    Attachment("hatinh", "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/mau-giay-kham-sk-lai-xe.docx",
               "mau-giay-kham-sk-lai-xe.docx", DOCX, "2023-06-13",
               lambda when: docx([
                   "# CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "# Độc lập – Tự do – Hạnh phúc",
                   "# GIẤY KHÁM SỨC KHỎE CỦA NGƯỜI LÁI XE",
                   "Họ và tên (chữ in hoa): ……………………………", "Ngày tháng năm sinh: …………  Giới: Nam ☐ Nữ ☐",
                   "Số căn cước công dân: ……………………………", "Đề nghị khám sức khỏe để lái xe hạng: ……",
                   "TIỀN SỬ BỆNH CỦA NGƯỜI LÁI XE"],
                   [["Tiền sử bệnh", "Có", "Không"],
                    ["Có bệnh hay bị thương trong 5 năm qua", "", ""],
                    ["Có bệnh thần kinh hay bị thương ở đầu", "", ""],
                    ["Có bệnh mắt hoặc giảm thị lực", "", ""],
                    ["Đang dùng thuốc điều trị", "", ""]], when=when)),
    Attachment("thanhhoa", "https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=n9KASeSjhXQ%3d&tabid=75"
               "&portalid=0&mid=1841", "qd-612-qd-syt-2024.pdf", PDF, "2024-02-26",
               lambda when: pdf([
                   _letter("SỞ Y TẾ THANH HÓA", "612/QĐ-SYT", "Thanh Hóa", "ngày 26 tháng 02 năm 2024")
                   + "# QUYẾT ĐỊNH\n"
                   "# Về việc ban hành Kế hoạch tiêm chủng mở rộng năm 2024\n"
                   "GIÁM ĐỐC SỞ Y TẾ THANH HÓA QUYẾT ĐỊNH:\n"
                   "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch tiêm chủng mở rộng năm 2024 trên địa bàn "
                   "tỉnh Thanh Hóa.\n"
                   "Điều 2. Quyết định có hiệu lực kể từ ngày ký.\n"
                   "Điều 3. Giám đốc Trung tâm Kiểm soát bệnh tật tỉnh, giám đốc các trung tâm y tế huyện, thị "
                   "xã, thành phố chịu trách nhiệm thi hành Quyết định này.\n"
                   "GIÁM ĐỐC (đã ký)"], when=when)),
    Attachment("thanhhoa", "https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=bCqLVwkaMJw%3d&tabid=75"
               "&portalid=0&mid=1841", "ke-hoach-tiem-chung-mo-rong-2024.docx", DOCX, "2024-02-26",
               lambda when: docx([
                   "# KẾ HOẠCH TIÊM CHỦNG MỞ RỘNG NĂM 2024",
                   "(Ban hành kèm theo Quyết định số 612/QĐ-SYT ngày 26/02/2024 của Giám đốc Sở Y tế Thanh Hóa)",
                   "I. MỤC TIÊU CHUNG",
                   "Duy trì tỷ lệ tiêm chủng đầy đủ các vắc xin trong Chương trình tiêm chủng mở rộng đạt trên 95% "
                   "ở quy mô xã, phường, thị trấn; duy trì thành quả thanh toán bệnh bại liệt, loại trừ uốn ván sơ "
                   "sinh, tiến tới loại trừ bệnh sởi.",
                   "II. CHỈ TIÊU CỤ THỂ"],
                   [["Chỉ tiêu", "Năm 2024"],
                    ["Trẻ dưới 1 tuổi được tiêm chủng đầy đủ 8 loại vắc xin", "trên 95%"],
                    ["Trẻ 18 tháng tuổi được tiêm mũi 2 vắc xin sởi - rubella", "trên 95%"],
                    ["Phụ nữ có thai được tiêm đủ mũi vắc xin uốn ván", "trên 90%"],
                    ["Điểm tiêm chủng quản lý đối tượng trên Hệ thống thông tin tiêm chủng quốc gia", "100%"]],
                   when=when)),
    Attachment("thanhhoa", "https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=TUO%2bLHo2E5U%3d&tabid=75"
               "&portalid=0&mid=1841", "tb-1025-tb-syt-2024.pdf", PDF, "2024-03-28",
               lambda when: pdf([
                   _letter("SỞ Y TẾ THANH HÓA", "1025/TB-SYT", "Thanh Hóa", "ngày 28 tháng 3 năm 2024")
                   + "# THÔNG BÁO\n"
                   "# Lịch tiếp công dân định kỳ của Giám đốc Sở Y tế tháng 4/2024\n"
                   "Thời gian: ngày 15/4/2024 (thứ Hai), từ 7 giờ 30.\n"
                   "Địa điểm: Phòng tiếp công dân, trụ sở Sở Y tế, số 101 Nguyễn Trãi, phường Ba Đình, thành phố "
                   "Thanh Hóa.\n"
                   "Công dân có nhu cầu đề nghị mang theo giấy tờ tùy thân và tài liệu liên quan."], when=when)),
    Attachment("nghean", "https://soyte.nghean.gov.vn/tin-tuc/Documents/2024/"
               "tai%20lieu%20hoi%20nghi%20luat%20kbcb%202023.doc", "tai-lieu-hoi-nghi-luat-kbcb-2023.doc",
               RTF, "2024-01-10",
               lambda when: rtf([
                   "SỞ Y TẾ NGHỆ AN",
                   "# TÀI LIỆU HỘI NGHỊ TRIỂN KHAI LUẬT KHÁM BỆNH, CHỮA BỆNH NĂM 2023",
                   "I. NHỮNG ĐIỂM MỚI CỦA LUẬT",
                   "1. Luật Khám bệnh, chữa bệnh số 15/2023/QH15 được Quốc hội thông qua ngày 09/01/2023, có hiệu "
                   "lực từ ngày 01/01/2024.",
                   "2. Chuyển từ cấp chứng chỉ hành nghề sang cấp giấy phép hành nghề có thời hạn 5 năm.",
                   "3. Đánh giá năng lực trước khi cấp giấy phép hành nghề.",
                   "4. Phân cấp chuyên môn kỹ thuật theo ba cấp: cấp ban đầu, cấp cơ bản và cấp chuyên sâu.",
                   "5. Bổ sung quy định về khám bệnh, chữa bệnh từ xa và bệnh án điện tử.",
                   "II. THỦ TỤC CẤP GIẤY PHÉP HÀNH NGHỀ",
                   "Hồ sơ đề nghị cấp mới, cấp lại, gia hạn giấy phép hành nghề nộp tại Bộ phận một cửa của Sở Y "
                   "tế hoặc qua Cổng dịch vụ công trực tuyến."])),
    Attachment("nghean", "https://soyte.nghean.gov.vn/tin-tuc/Documents/2024/nghi%20dinh%2096%202023%20nd%20cp.pdf",
               "nghi-dinh-96-2023-nd-cp.pdf", PDF, "2023-12-30",
               lambda when: pdf([
                   _letter("CHÍNH PHỦ", "96/2023/NĐ-CP", "Hà Nội", "ngày 30 tháng 12 năm 2023")
                   + "# NGHỊ ĐỊNH\n"
                   "# Quy định chi tiết một số điều của Luật Khám bệnh, chữa bệnh\n"
                   "(Bản trích do Sở Y tế Nghệ An gửi kèm tài liệu hội nghị)\n"
                   "Căn cứ Luật Khám bệnh, chữa bệnh ngày 09 tháng 01 năm 2023;\n"
                   "Theo đề nghị của Bộ trưởng Bộ Y tế;\n"
                   "Chính phủ ban hành Nghị định quy định chi tiết một số điều của Luật Khám bệnh, chữa bệnh.\n"
                   "Chương I. NHỮNG QUY ĐỊNH CHUNG\n"
                   "Điều 1. Phạm vi điều chỉnh: Nghị định này quy định chi tiết một số điều của Luật Khám bệnh, "
                   "chữa bệnh về giấy phép hành nghề, giấy phép hoạt động và cấp chuyên môn kỹ thuật."], when=when)),
    Attachment("quangninh", "https://soyte.quangninh.gov.vn/wp-content/uploads/2024/02/KH-phong-chong-dich-2024.pdf",
               "kh-phong-chong-dich-2024.pdf", PDF, "2024-01-31",
               lambda when: pdf([
                   _letter("SỞ Y TẾ QUẢNG NINH", "38/KH-SYT", "Quảng Ninh", "ngày 31 tháng 01 năm 2024")
                   + "# KẾ HOẠCH\n"
                   "# Phòng, chống dịch bệnh truyền nhiễm trên địa bàn tỉnh năm 2024\n"
                   "I. MỤC TIÊU\n"
                   "Giảm tỷ lệ mắc và tử vong do các bệnh truyền nhiễm, không để dịch lớn xảy ra; chủ động ngăn "
                   "chặn dịch bệnh mới nổi xâm nhập qua các cửa khẩu Móng Cái, Hoành Mô, Bắc Phong Sinh.\n"
                   "II. CHỈ TIÊU CHUYÊN MÔN\n"
                   "- Tỷ lệ mắc sốt xuất huyết dưới 60 ca/100.000 dân.\n"
                   "- 100% ổ dịch được phát hiện và xử lý kịp thời.\n"
                   "- Tỷ lệ trẻ dưới 1 tuổi được tiêm chủng đầy đủ đạt trên 95%.\n"
                   "III. TỔ CHỨC THỰC HIỆN\n"
                   "Trung tâm Kiểm soát bệnh tật tỉnh là đầu mối tổng hợp, theo dõi tình hình dịch bệnh; các trung "
                   "tâm y tế tuyến huyện xây dựng kế hoạch cụ thể và chuẩn bị sẵn sàng thuốc, hóa chất, vật tư."],
                   when=when)),
    Attachment("quangninh", "https://soyte.quangninh.gov.vn/wp-content/uploads/2024/01/TB-ket-qua-xet-tuyen-vong-2.pdf",
               "tb-ket-qua-xet-tuyen-vong-2.pdf", PDF, "2024-01-25",
               lambda when: pdf([
                   _letter("SỞ Y TẾ QUẢNG NINH – HỘI ĐỒNG XÉT TUYỂN VIÊN CHỨC", "215/TB-HĐXT", "Quảng Ninh",
                           "ngày 25 tháng 01 năm 2024")
                   + "# THÔNG BÁO\n"
                   "# Kết quả xét tuyển viên chức năm 2023 (vòng 2)\n"
                   "Hội đồng xét tuyển viên chức Sở Y tế thông báo kết quả xét tuyển vòng 2: 146 thí sinh dự xét "
                   "tuyển, 118 thí sinh trúng tuyển. Danh sách theo từng vị trí việc làm được niêm yết tại trụ sở "
                   "các đơn vị dự tuyển.\n"
                   "Thí sinh trúng tuyển hoàn thiện hồ sơ và nộp về đơn vị dự tuyển trước ngày 15/02/2024; quá "
                   "thời hạn trên, thí sinh không hoàn thiện hồ sơ sẽ bị hủy kết quả trúng tuyển."], when=when)),
    Attachment("cantho", "https://soyte.cantho.gov.vn/attachments/article/3523/QD-cong-nhan-xa-dat-BTCQG-2023.pdf",
               "qd-cong-nhan-xa-dat-btcqg-2023.pdf", PDF, "2024-01-04",
               lambda when: scanned_pdf([  # the signed, stamped decision, scanned: no text layer
                   "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ\nSố: 28/QĐ-UBND\nCần Thơ, ngày 04 tháng 01 năm 2024\n\n"
                   "# QUYẾT ĐỊNH\n# Về việc công nhận xã, phường đạt Bộ tiêu chí quốc gia về y tế xã năm 2023\n\n"
                   "# CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ\n\n"
                   "Điều 1. Công nhận 09 xã, phường đạt Bộ tiêu chí quốc gia về y tế xã giai đoạn\n"
                   "đến năm 2030 trong năm 2023 (danh sách kèm theo).\n"
                   "Điều 2. Giao Sở Y tế phối hợp với UBND các quận, huyện hướng dẫn, kiểm tra\n"
                   "các xã, phường duy trì và nâng cao chất lượng các tiêu chí đã đạt.\n"
                   "Điều 3. Quyết định có hiệu lực kể từ ngày ký.\n\n"
                   "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"], when=when)),
    Attachment("cantho", "https://soyte.cantho.gov.vn/attachments/article/3523/Danh-sach-xa-phuong-dat-chuan-2023.xlsx",
               "danh-sach-xa-phuong-dat-chuan-2023.xlsx", XLSX, "2024-01-04",
               lambda when: xlsx("Danh sách", [
                   ["Danh sách xã, phường đạt Bộ tiêu chí quốc gia về y tế xã năm 2023 (kèm theo Quyết định số "
                    "28/QĐ-UBND ngày 04/01/2024)"],
                   ["STT", "Xã, phường", "Quận, huyện", "Điểm đạt"],
                   [1, "Phường An Hòa", "Quận Ninh Kiều", 92], [2, "Phường Long Hòa", "Quận Bình Thủy", 90],
                   [3, "Phường Lê Bình", "Quận Cái Răng", 88], [4, "Phường Thới Long", "Quận Ô Môn", 87],
                   [5, "Phường Trung Kiên", "Quận Thốt Nốt", 86], [6, "Xã Mỹ Khánh", "Huyện Phong Điền", 89],
                   [7, "Xã Thới Hưng", "Huyện Cờ Đỏ", 85], [8, "Xã Định Môn", "Huyện Thới Lai", 84],
                   [9, "Xã Thạnh An", "Huyện Vĩnh Thạnh", 83]], when=when)),
]


def linked_urls(folder: Path) -> set[str]:
    """The attachment URLs a portal folder's articles link, per their expected records."""
    return {attachment["url"] for path in sorted((folder / "expected").glob("*.json"))
            for attachment in json.loads(path.read_text(encoding="utf-8")).get("attachments") or []}


# The pictures the demo articles show (their `images`), drawn here: a JPEG per image URL, showing its
# caption. Hà Tĩnh reuses one photo of its conference hall for two years' conferences, as portals do:
# two URLs, the same bytes, which the archive keeps once (tests/test_images.py).
SAME_PICTURE = {
    "https://soyte.hatinh.gov.vn/uploads/soyte/2023_12/toan-canh-hoi-nghi-tong-ket-2023.jpg":
        "https://soyte.hatinh.gov.vn/uploads/soyte/2022_03/hoi-nghi-chuyen-doi-so-2022.jpg",
}
PICTURE_SIZE = (400, 266)  # what a portal's thumbnail-sized upload is; ~10 KB each as JPEG


def linked_images(folder: Path) -> dict[str, str]:
    """Image URL → its caption, of the images a portal folder's articles show, per their expected records."""
    found: dict[str, str] = {}
    for path in sorted((folder / "expected").glob("*.json")):
        for image in json.loads(path.read_text(encoding="utf-8")).get("images") or []:
            found.setdefault(image["url"], image.get("caption") or "")
    return found


def image_file_name(url: str) -> str:
    """The demo file of an image URL: its last path segment named like an image (Liferay puts an id
    after it: …/kiem-tra-o-bo-gay.jpg/48c4215e-81fa4c60), without its query."""
    from urllib.parse import unquote, urlsplit

    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    named = [s for s in segments if s.lower().endswith((".jpg", ".jpeg", ".png"))]
    return (named or segments)[-1]


def picture(caption: str, seed: str) -> bytes:
    """A small JPEG: a scene of coloured shapes (its colours from `seed`, the same every run) and the
    caption's first words written on it, so a person sees which picture is which."""
    import hashlib

    from PIL import Image, ImageDraw, ImageFont

    _fonts()
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    width, height = PICTURE_SIZE
    image = Image.new("RGB", PICTURE_SIZE, (digest[0] // 2 + 100, digest[1] // 2 + 100, digest[2] // 2 + 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(digest[3] // 3 + 60, digest[4] // 3 + 60, 80))
    for n in range(5):  # people in a row
        x = 40 + n * 72 + digest[5 + n] % 20
        draw.ellipse((x, 120, x + 30, 150), fill=(230, 200, 170))
        draw.rectangle((x - 6, 152, x + 36, 215), fill=(digest[10 + n], digest[15 + n] // 2, 90))
    font = ImageFont.truetype(str(FONT), 15)
    words, line = caption.split(), ""
    for word in words:  # the caption's first line, as much as fits
        if draw.textlength(f"{line} {word}".strip(), font=font) > width - 24:
            break
        line = f"{line} {word}".strip()
    draw.rectangle((0, height - 30, width, height), fill=(20, 20, 20))
    draw.text((12, height - 25), line, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)  # no EXIF, no date: the same bytes every run
    return out.getvalue()


def _write_images(folder: Path) -> list[Path]:
    """Write one portal folder's pictures into `images/` (removing those no article shows any more)
    and their site.json entries (kind `image`), which replace its earlier `image` entries."""
    shown = linked_images(folder)
    names = {url: image_file_name(url) for url in shown}
    if len(set(names.values())) != len(names):
        raise ValueError(f"{folder.name}: two image URLs end with the same file name: {sorted(names.values())}")
    images = folder / "images"
    for stale in images.glob("*") if images.is_dir() else ():
        if stale.name not in names.values():
            stale.unlink()
    written = []
    for url, name in names.items():
        images.mkdir(exist_ok=True)
        same = SAME_PICTURE.get(url, url)
        (images / name).write_bytes(picture(shown.get(same, shown[url]), same))
        written.append(images / name)
    manifest_path = folder / "site.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["pages"] = [entry for entry in manifest["pages"] if entry.get("kind") != "image"] + [
        {"url": url, "file": f"images/{name}", "kind": "image", "content_type": "image/jpeg"}
        for url, name in names.items()]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


def write(root: Path) -> list[Path]:
    """(Re)write every portal folder's attachment files under `root` and their site.json entries.

    Refuses (ValueError, nothing written) when the articles link a URL this module makes no file for,
    or it makes one that no article links: the two lists are kept in step here, by hand.
    """
    folders = sorted(path for path in root.iterdir() if (path / "site.json").is_file())
    for folder in folders:  # every folder is checked before any is written
        _check_links(folder)
    return [path for folder in folders for path in (*_write_folder(folder), *_write_images(folder))]


def _attachments_of(portal: str) -> list[Attachment]:
    """The portal's attachments, in ATTACHMENTS' order (the order its site.json lists them in)."""
    return [a for a in ATTACHMENTS if a.portal == portal]


def _check_links(folder: Path) -> None:
    """Refuse (ValueError) a portal folder whose articles link other URLs than the files made for it."""
    made, linked = {a.url for a in _attachments_of(folder.name)}, linked_urls(folder)
    if linked != made:
        raise ValueError(f"{folder.name}: its articles link {sorted(linked - made)} that no file is "
                         f"made for, and files are made for {sorted(made - linked)} that no "
                         "article links: update ATTACHMENTS in scraper/portals/demo_documents.py")


def _write_folder(folder: Path) -> list[Path]:
    """Write one portal folder's attachment files (removing those no attachment names any more) and
    their site.json entries, which replace its `document` entries; the files written."""
    mine = _attachments_of(folder.name)
    documents = folder / "documents"
    for stale in documents.glob("*") if documents.is_dir() else ():
        if stale.name not in {a.name for a in mine}:
            stale.unlink()
    written = []
    for attachment in mine:
        documents.mkdir(exist_ok=True)
        (documents / attachment.name).write_bytes(attachment.body())
        written.append(documents / attachment.name)
    manifest_path = folder / "site.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["pages"] = [entry for entry in manifest["pages"] if entry.get("kind") != "document"] + [
        {"url": a.url, "file": f"documents/{a.name}", "kind": "document", "content_type": a.content_type}
        for a in mine]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    from scraper.portals.registry import DEMO_PORTALS

    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else DEMO_PORTALS
    try:
        written = write(root)
    except ImportError as error:
        sys.stderr.write(f"scraper.portals.demo_documents: {error.name} is missing: pip install -e '.[test]' (fpdf2)\n")
        return 1
    except (ValueError, RuntimeError) as error:
        sys.stderr.write(f"scraper.portals.demo_documents: {error}\n")
        return 1
    sys.stderr.write(f"wrote {len(written)} documents and images and their site.json entries under {root}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
