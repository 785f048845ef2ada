"""The generic extractor's fields on pages of portals it was not written on (R3: fields).

Each page in tests/generic_cases/fields-*.html is written in the image of a Vietnamese government
portal family (a classic ASP table site, Liferay 7, a Bootstrap vendor portal) and shows the failure
kinds met on unseen portals: a site's name in the document title, the header's name taken for the
headline, a section label instead of a breadcrumb, a meta line or a ticker taken for the sapo, a sapo
inside the body that also opened the text, views printed as 'Số lần đọc', '1.203 lượt xem', credits
on one line, an organisation as the JSON-LD author, advertisements counted as images, a lead image
outside the body. Every field is asserted exactly; the smaller tests below each fail without its rule.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from scraper.extraction.generic import generic_record
from scraper.extraction.generic.fields import looks_like_name, split_credits
from scraper.extraction.generic.meta import without_site_name
from scraper.extraction.generic.words import VIEWS, VISITS, is_meta_line

CASES = Path(__file__).parent / "generic_cases"


def read(name: str, url: str) -> dict:
    return generic_record((CASES / name).read_bytes(), url, "test", "Thử")


ASP_URL = "http://soyte.vinhlong.gov.vn/tintuc/chitiet.asp?id=1571"
LIFERAY_URL = "https://soyte.laocai.gov.vn/web/soyte/w/tiem-vac-xin-soi-rubella"
BOOTSTRAP_URL = "https://soyte.yenbai.gov.vn/tin/1210"


def test_asp_table_site_every_field():
    record = read("fields-asp-table.html", ASP_URL)
    assert record["title"] == "Tăng cường phòng, chống sốt xuất huyết trong mùa mưa"
    assert record["published"] == "2023-10-12"
    assert record["category"] == "Y tế dự phòng"
    assert record["sapo"] is None  # 'Ngày cập nhật: … | Số lần đọc: 2954' is a meta line, not a lead
    assert record["views"] == 2954
    assert record["author"] == "Thanh Tùng"  # 'Tác giả: Thanh Tùng<br>(Nguồn: …)': the name alone
    assert record["source"] == "Trung tâm Y tế huyện Long Hồ"
    assert record["images"] == [{  # the banner linking to another site is an advertisement
        "url": "http://soyte.vinhlong.gov.vn/upload/images/2023/10/phun-hoa-chat-long-ho.jpg",
        "caption": "Nhân viên y tế phun hóa chất diệt muỗi tại xã Phú Đức."}]
    assert record["attachments"] == []
    assert record["text"] == (
        "Từ đầu năm đến nay, huyện Long Hồ ghi nhận 214 ca sốt xuất huyết, tăng gần gấp đôi so với cùng kỳ năm "
        "2022, trong đó có 12 ca sốt xuất huyết nặng.\n\n"
        "Trung tâm Y tế huyện đã phối hợp với các xã tổ chức chiến dịch diệt lăng quăng, phun hóa chất tại các ổ "
        "dịch và tuyên truyền người dân đậy kín dụng cụ chứa nước.\n\n"
        "Người dân có biểu hiện sốt cao liên tục, đau đầu, đau cơ, xuất huyết dưới da cần đến ngay cơ sở y tế để "
        "được khám và điều trị kịp thời.")
    assert "3.456.789" not in str(record["views"])  # the sidebar's 'Lượt truy cập' is the site's counter


def test_liferay_page_without_a_headline_element_every_field():
    record = read("fields-liferay.html", LIFERAY_URL)
    # the title's site part is cut, the header's site name is not the headline, the ' - ' inside stays
    assert record["title"] == "Lào Cai tiêm vắc xin sởi - rubella cho trẻ vùng cao"
    assert record["published"] == "2024-03-14T08:15:00+07:00"
    assert record["category"] == "Tin hoạt động"  # <div class="title-cate">, no breadcrumb
    assert record["sapo"] == ("Từ ngày 15/3, ngành y tế Lào Cai tiêm bổ sung vắc xin sởi - rubella cho gần 9.000 "
                              "trẻ tại các xã vùng cao.")
    assert not record["text"].startswith("Từ ngày 15/3")  # the sapo does not open the text too
    assert record["views"] == 1254
    assert record["author"] == "Hoàng Thị Mai"  # not the JSON-LD Organization
    assert record["source"] == "Trung tâm Kiểm soát bệnh tật tỉnh"
    assert record["images"] == [{"url": "https://soyte.laocai.gov.vn/documents/20126/0/tiem-soi-y-ty.jpg",
                                 "caption": "Cán bộ y tế xã Y Tý khám sàng lọc cho trẻ trước khi tiêm."}]
    assert record["attachments"] == []
    assert record["text"] == (
        "Theo Trung tâm Kiểm soát bệnh tật tỉnh, năm 2023 tỷ lệ tiêm vắc xin sởi - rubella ở một số xã vùng cao "
        "chỉ đạt khoảng 85%, thấp hơn mức cần thiết để tạo miễn dịch cộng đồng.\n\n"
        "Chiến dịch được triển khai theo hình thức cuốn chiếu, tiêm tại trạm y tế xã kết hợp với các điểm tiêm "
        "lưu động ở thôn, bản xa trung tâm.\n\n"
        "Sở Y tế đề nghị các huyện phối hợp rà soát đối tượng, thông báo lịch tiêm đến từng hộ gia đình bằng "
        "tiếng phổ thông và tiếng dân tộc.")


def test_bootstrap_vendor_portal_every_field():
    record = read("fields-bootstrap.html", BOOTSTRAP_URL)
    assert record["title"] == "Bệnh viện Đa khoa tỉnh triển khai bệnh án điện tử"
    assert record["published"] == "2024-04-16T09:30:00+07:00"
    assert record["category"] == "Hoạt động ngành"
    # not the marquee between the headline and the body, not the '<time>…</time><span>… lượt xem</span>' line
    assert record["sapo"] == "Từ ngày 15/4, Bệnh viện Đa khoa tỉnh chính thức sử dụng bệnh án điện tử tại toàn bộ các khoa lâm sàng."
    assert record["views"] == 1203
    assert record["author"] == "Nguyễn Văn An - TTYT huyện Văn Chấn"
    assert record["source"] is None
    assert record["images"] == [{  # the lead image outside the body with its italic caption; no quang-cao banner
        "url": "https://soyte.yenbai.gov.vn/Uploads/2024/04/benh-an-dien-tu.jpg",
        "caption": "Bác sĩ tra cứu bệnh án điện tử tại Khoa Nội tổng hợp."}]
    assert record["attachments"] == []
    assert record["text"] == (
        "Bệnh án điện tử giúp lưu trữ đầy đủ thông tin khám, chữa bệnh, giảm in ấn phim chụp và giấy tờ cho "
        "người bệnh.\n\n"
        "Bệnh viện đã đầu tư hệ thống lưu trữ và truyền tải hình ảnh (PACS), đồng thời tập huấn cho hơn 600 nhân "
        "viên y tế sử dụng phần mềm.\n\n"
        "Người bệnh có thể xem kết quả xét nghiệm, chẩn đoán hình ảnh qua ứng dụng của bệnh viện trên điện thoại.")
    assert "Chào mừng" not in record["text"]


@pytest.mark.parametrize("text, count", [
    ("Số lần đọc: 2954", "2954"), ("Lượt xem: 1.254", "1.254"), ("Lượt đọc: 87", "87"), ("1.234 lượt xem", "1.234"),
    ("1543 lượt đọc", "1543"), ("Đã xem: 215 lần", "215"), ("View Count: 81", "81"),
])
def test_view_counters_in_every_wording(text, count):
    match = VIEWS.match(text)
    assert match and (match[1] or match[2]) == count
    assert is_meta_line(text)


def test_a_visitor_counter_is_read_only_with_the_article():
    assert VISITS.match("Lượt truy cập: 1.254")[1] == "1.254"
    assert VISITS.match("Tổng lượt truy cập: 3.456.789") is None
    page = ("<html><head><title>Hội nghị tổng kết công tác y tế dự phòng năm 2023</title></head>"
            "<body><div class='bai'><div class='side'><p>Lượt truy cập: 999.999</p></div><h1>Hội nghị tổng kết "
            "công tác y tế dự phòng năm 2023</h1><p>Lượt truy cập: 321</p><div class='nd'>" + "<p>" + "Nội dung bài viết "
            "về công tác y tế dự phòng của tỉnh trong năm qua. " * 3 + "</p>" * 1 + "<p>" + "Các đơn vị đã hoàn thành "
            "chỉ tiêu kế hoạch được giao trong năm. " * 3 + "</p></div></div></body></html>")
    assert generic_record(page, "https://soyte.example.gov.vn/tin/1", "t", "T")["views"] == 321


@pytest.mark.parametrize("title, left", [
    ("Tiêm vắc xin sởi - rubella cho trẻ - Sở Y tế tỉnh Lào Cai", "Tiêm vắc xin sởi - rubella cho trẻ"),
    ("SỞ Y TẾ CAO BẰNG - Cao Bằng: Khám bệnh, cấp thuốc miễn phí", "Cao Bằng: Khám bệnh, cấp thuốc miễn phí"),
    ("Hội nghị tổng kết năm 2023 | Cổng thông tin điện tử Sở Y tế Hà Nam", "Hội nghị tổng kết năm 2023"),
    ("Bệnh viện tỉnh ghép thận thành công - Báo Lào Cai", "Bệnh viện tỉnh ghép thận thành công"),
    ("Hội nghị | Cổng thông tin điện tử Sở Y tế", "Hội nghị | Cổng thông tin điện tử Sở Y tế"),  # too little left
    ("Phòng chống sốt xuất huyết - những điều cần biết", "Phòng chống sốt xuất huyết - những điều cần biết"),
])
def test_the_sites_name_is_cut_from_a_document_title_never_the_headlines_part(title, left):
    assert without_site_name(title, ["báo lào cai"]) == left


def test_credits_on_one_line_split_into_byline_and_source():
    assert split_credits("Tác giả: Hoàng Thị Mai / Nguồn: Trung tâm Kiểm soát bệnh tật tỉnh") == (
        "Tác giả: Hoàng Thị Mai", "Trung tâm Kiểm soát bệnh tật tỉnh")
    assert split_credits("Minh Thư (Nguồn: Trung tâm Y tế huyện Long Hồ)") == ("Minh Thư", "Trung tâm Y tế huyện Long Hồ")
    assert split_credits("Nguyễn Văn An - TTYT huyện Văn Chấn") == ("Nguyễn Văn An - TTYT huyện Văn Chấn", None)


def test_a_name_with_its_unit_is_a_byline_a_sentence_is_not():
    assert looks_like_name("Nguyễn Văn An - TTYT huyện Văn Chấn")
    assert not looks_like_name("Người dân cần đến cơ sở y tế - không tự điều trị")
    assert not looks_like_name("Hội nghị diễn ra - từ ngày 12/3")
