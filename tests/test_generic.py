"""The generic extractor on every bundled page with the layouts off, on re-themed copies, and its rules.

The bundled portals stand for portals the generic extractor must read without a layout: every
field of every expected record must come out exactly (the measured floor is exact, F1 1.0 on
every page), and none of the portal's chrome lines may reach the text, title or author.
"""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from scraper.extraction.dates import parse_date_words
from scraper.extraction.generic import generic_record
from scraper.extraction.generic.words import is_meta_line, is_toolbar_text
from scraper.extraction.pages import ExtractionError
from scraper.model import RECORD_KEYS
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.rethemed import CHROME_TEXTS, RELATED_TEXTS, chrome, f1, pages, redesign

PAGES = {page.name: page for page in pages()}
FIELDS = [key for key in RECORD_KEYS if key != "text"]


@lru_cache(maxsize=None)
def record(name: str) -> dict:
    page = PAGES[name]
    return generic_record(page.body, page.url, page.portal, page.province, page.content_type)


@lru_cache(maxsize=None)
def redesigned(name: str) -> dict:
    page = PAGES[name]
    html = redesign(page.body, page.content_type, page.expected["text"])
    return generic_record(html, page.url, page.portal, page.province)


@lru_cache(maxsize=None)
def chrome_of(portal: str) -> frozenset[str]:
    return frozenset(chrome(portal, [p for p in PAGES.values() if p.portal == portal]))


def test_every_bundled_portal_is_covered():
    assert {page.portal for page in PAGES.values()} == {
        "angiang", "bacninh", "cantho", "hagiang", "hatinh", "nghean", "quangninh", "thanhhoa"}
    assert len(PAGES) == 38


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generic_text_is_the_expected_text(name):
    got = record(name)["text"]
    assert f1(got, PAGES[name].expected["text"]) == 1.0
    assert got == PAGES[name].expected["text"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_generic_field_is_the_expected_value(name, field):
    assert record(name)[field] == PAGES[name].expected[field]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generic_record_keys_are_the_record_keys_in_order(name):
    assert tuple(record(name)) == RECORD_KEYS


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_chrome_line_of_the_portal_reaches_text_title_or_author(name):
    got = record(name)
    shown = "\n".join(got[key] or "" for key in ("text", "title", "author"))
    lines = chrome_of(PAGES[name].portal)
    assert len(lines) >= 10  # the portal's counters, menus, footers, sidebar titles
    assert sorted(line for line in lines if line in shown) == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_redesigned_page_keeps_title_published_and_text(name):
    got, want = redesigned(name), PAGES[name].expected
    assert (got["title"], got["published"]) == (want["title"], want["published"])
    assert got["text"] == want["text"]
    assert [text for text in RELATED_TEXTS + CHROME_TEXTS if text in got["text"]] == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_redesigned_page_keeps_every_other_field(name):
    got, want = redesigned(name), PAGES[name].expected
    assert {field: got[field] for field in FIELDS} == {field: want[field] for field in FIELDS}


LISTINGS = [(portal, entry) for portal in sorted({p.portal for p in PAGES.values()})
            for entry in json.loads((DEMO_PORTALS / portal / "site.json").read_text("utf-8"))["pages"]
            if entry["kind"] == "listing"]


@pytest.mark.parametrize("portal, entry", LISTINGS, ids=[f"{p}-{e['file']}" for p, e in LISTINGS])
def test_a_listing_page_is_refused_not_stored_as_an_article(portal, entry):
    body = (DEMO_PORTALS / portal / entry["file"]).read_bytes()
    with pytest.raises(ExtractionError, match="generic: (the page is a listing of articles|no article here)"):
        generic_record(body, entry["url"], portal, "", entry["content_type"])


# The rules, one page each.

SENTENCE = ("Ngày 12/3, Sở Y tế tổ chức hội nghị tổng kết công tác phòng chống dịch bệnh năm 2023 và triển khai "
            "nhiệm vụ năm 2024 với sự tham gia của lãnh đạo các bệnh viện, trung tâm y tế tuyến huyện.")


def page(body: str, head: str = "", title: str = "Hội nghị tổng kết công tác y tế năm 2023") -> str:
    """A small portal page: site header, the article in a plain div, a footer."""
    return (f"<html><head><title>{title} - Sở Y tế</title>{head}</head><body>"
            "<div><a href='/'>Trang chủ</a> <a href='/gioi-thieu'>Giới thiệu</a> <a href='/tin-tuc'>Tin tức</a></div>"
            f"<div><h1>{title}</h1>{body}</div>"
            "<div><p>Cơ quan chủ quản: Sở Y tế tỉnh. Địa chỉ: số 1 đường Trần Phú, thành phố.</p></div>"
            "</body></html>")


def generic(html: str) -> dict:
    return generic_record(html, "https://soyte.example.gov.vn/tin-tuc/bai-1", "example", "Ví dụ")


def test_a_paragraph_that_mentions_tin_lien_quan_in_a_sentence_is_kept():
    mention = ("Tin liên quan đến dịch sốt xuất huyết được Sở Y tế cập nhật hằng ngày trên cổng thông tin, "
               "người dân cần theo dõi để chủ động phòng bệnh cho gia đình.")
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{mention}</p><p>{SENTENCE}</p></div>"))
    assert got["text"] == f"{SENTENCE}\n\n{mention}\n\n{SENTENCE}"


def test_a_tin_lien_quan_block_of_links_inside_the_body_is_dropped():
    related = ("<div><h3>Tin liên quan</h3><ul><li><a href='/a'>Khám sức khỏe cho người cao tuổi tại xã</a></li>"
               "<li><a href='/b'>Tăng cường phòng chống dịch bệnh mùa mưa lũ</a></li></ul></div>")
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p>{related}</div>"))
    assert got["text"] == f"{SENTENCE}\n\n{SENTENCE}"


def test_a_share_toolbar_and_a_date_line_inside_the_body_are_dropped():
    body = ("<div><div>Thứ Hai, 12/03/2024 - 08:15 | Lượt xem: 1.204</div>"
            "<div><a href='#'>In bài</a> | <a href='#'>Gửi email</a> | Chia sẻ: <a href='#'>Facebook</a></div>"
            f"<p>{SENTENCE}</p><p>{SENTENCE}</p></div>")
    got = generic(page(body))
    assert (got["text"], got["published"], got["views"]) == (f"{SENTENCE}\n\n{SENTENCE}",
                                                            "2024-03-12T08:15:00+07:00", 1204)


@pytest.mark.parametrize("text, iso", [
    ("03/07/2024 8:05 SA", "2024-07-03T08:05:00+07:00"),
    ("03/07/2024 2:15 CH", "2024-07-03T14:15:00+07:00"),
    ("12:30 SA 01/01/2024", "2024-01-01T00:30:00+07:00"),
    ("05/05/2020 02:57:13 PM", "2020-05-05T14:57:13+07:00"),
    ("Thứ hai, 20 Tháng 6 2022 09:14", "2022-06-20T09:14:00+07:00"),
    ("Cập nhật lúc 08:15 ngày 12/03/2024", "2024-03-12T08:15:00+07:00"),
])
def test_twelve_hour_times_and_month_words_parse(text, iso):
    assert parse_date_words(text) == iso


def test_a_12_hour_time_on_the_page_gives_the_24_hour_time():
    got = generic(page(f"<div>Ngày đăng: 03/07/2024 2:15 CH</div><div><p>{SENTENCE}</p><p>{SENTENCE}</p></div>"))
    assert got["published"] == "2024-07-03T14:15:00+07:00"


def test_a_utc_head_time_is_converted_to_vietnam_time():
    head = '<meta property="article:published_time" content="2023-12-05T10:22:46+00:00">'
    got = generic(page(f"<div>05/12/2023</div><div><p>{SENTENCE}</p><p>{SENTENCE}</p></div>", head=head))
    assert got["published"] == "2023-12-05T17:22:46+07:00"


def test_a_cms_account_name_is_not_an_author():
    body = (f"<div>Đăng bởi <span class='author'>Quản trị viên</span></div><div><p>{SENTENCE}</p>"
            f"<p>{SENTENCE}</p></div>")
    head = '<meta name="author" content="Quản trị viên">'
    assert generic(page(body, head=head))["author"] is None


def test_a_labelled_byline_and_a_theo_source_line_are_read_and_left_out_of_the_text():
    body = f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p><p>Tác giả: Hoàng Lan</p><p>Theo Báo Sức khỏe</p></div>"
    got = generic(page(body))
    assert (got["author"], got["source"], got["text"]) == ("Hoàng Lan", "Báo Sức khỏe", f"{SENTENCE}\n\n{SENTENCE}")


def test_a_sentence_beginning_with_theo_is_text_not_a_source():
    last = "Theo lãnh đạo bệnh viện, việc làm chủ kỹ thuật giúp người bệnh được điều trị ngay tại địa phương."
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{last}</p></div>"))
    assert (got["source"], got["text"]) == (None, f"{SENTENCE}\n\n{last}")


def test_toolbar_and_meta_lines_are_told_from_text():
    assert is_toolbar_text("In bài | Gửi email | A- A A+")
    assert not is_toolbar_text("In bài phát biểu, Giám đốc Sở nhấn mạnh")
    assert is_meta_line("Thứ Sáu, 19/01/2024 - 10:42 | Lượt xem: 1876")
    assert not is_meta_line("Ngày 4/12, Bệnh viện Bãi Cháy cho biết hai người bệnh đã xuất viện.")


@pytest.mark.parametrize("html, reason", [
    ("<html><head><title>Đăng nhập</title></head><body><form><input name='u'><input type='password' name='p'>"
     f"</form><p>{SENTENCE * 3}</p></body></html>", "generic: the page is a login form"),
    ("<html><head><title>Bảo trì</title></head><body><h1>Hệ thống đang bảo trì</h1>"
     "<p>Xin vui lòng quay lại sau.</p></body></html>", "generic: no article here"),
    ("<html><head><title>Sở Y tế</title></head><body><div><a href='/'>Trang chủ</a></div></body></html>",
     "generic: no article here"),
    (f"<html><body><div><p>{SENTENCE}</p><p>{SENTENCE}</p><p>{SENTENCE}</p></div></body></html>",
     "generic: no article here (title None"),
])
def test_pages_that_are_not_articles_are_refused(html, reason):
    with pytest.raises(ExtractionError, match=reason.replace("(", r"\(")):
        generic(html)


def test_an_old_table_layout_page_gives_its_headline_date_and_paragraphs():
    """Classic ASP: <title> names only the site, the headline is a large bold line, the date an italic
    line in parentheses, the paragraphs are separated by <br><br> inside one cell."""
    html = ("<html><head><title>SỞ Y TẾ TỈNH BẾN TRE - Chi tiết tin</title></head><body><table><tr>"
            "<td><a href='/'>Trang chủ</a><br><a href='/tintuc.asp'>Tin tức</a></td><td><table>"
            "<tr><td><font size='4'><b>Bến Tre triển khai tiêm vắc xin bại liệt IPV mũi 2 cho trẻ em</b></font></td></tr>"
            "<tr><td><i>(Ngày 22/08/2023)</i></td></tr>"
            f"<tr><td><font face='Arial'>{SENTENCE}<br><br>{SENTENCE}<br>"
            "<br><div align='right'><b>Minh Tâm</b></div></font></td></tr></table></td></tr>"
            "<tr><td colspan='2'>Cơ quan chủ quản: Sở Y tế tỉnh Bến Tre</td></tr></table></body></html>")
    got = generic(html)
    assert (got["title"], got["published"], got["author"], got["text"]) == (
        "Bến Tre triển khai tiêm vắc xin bại liệt IPV mũi 2 cho trẻ em", "2023-08-22", "Minh Tâm",
        f"{SENTENCE}\n\n{SENTENCE}")


def test_a_headline_named_title_is_found_when_the_document_title_is_the_site_name():
    html = ("<html><head><title>Sở Y tế tỉnh Quảng Bình</title></head><body><div><div class='clock'>Thứ Tư, "
            "20/11/2024</div><div class='x-title'>Tập huấn phòng, chống bệnh tay chân miệng cho cán bộ y tế</div>"
            "<div>Cập nhật lúc 08:15 ngày 12/03/2024</div><div><b>Trung tâm Kiểm soát bệnh tật tỉnh tổ chức lớp "
            f"tập huấn cho 120 cán bộ y tế tuyến xã.</b></div><div><div>{SENTENCE}</div><div>{SENTENCE}</div>"
            "<div style='text-align: right'><i>Nguồn: CDC Quảng Bình</i></div></div></div></body></html>")
    got = generic(html)
    assert (got["title"], got["published"], got["sapo"], got["source"], got["text"]) == (
        "Tập huấn phòng, chống bệnh tay chân miệng cho cán bộ y tế", "2024-03-12T08:15:00+07:00",
        "Trung tâm Kiểm soát bệnh tật tỉnh tổ chức lớp tập huấn cho 120 cán bộ y tế tuyến xã.", "CDC Quảng Bình",
        f"{SENTENCE}\n\n{SENTENCE}")


def test_an_article_split_over_sibling_blocks_is_read_whole():
    other = "Các trạm y tế xã tổ chức điểm tiêm cố định và điểm tiêm lưu động tại thôn bản trong suốt chiến dịch."
    body = (f"<div><div><p>{SENTENCE}</p><p>{SENTENCE}</p><p>{SENTENCE}</p></div>"
            "<figure><img src='/a.jpg'><figcaption>Quang cảnh hội nghị</figcaption></figure>"
            f"<div><p>{other}</p><p>{other}</p></div></div>")
    got = generic(page(body))
    assert got["text"] == "\n\n".join([SENTENCE] * 3 + [other] * 2)
    assert got["images"] == [{"url": "https://soyte.example.gov.vn/a.jpg", "caption": "Quang cảnh hội nghị"}]


def test_a_comment_section_after_the_text_is_not_text():
    comment = ("Tôi rất đồng tình với chủ trương này, mong ngành y tế tiếp tục triển khai rộng rãi tới các xã vùng "
               "sâu vùng xa để người dân được hưởng lợi.")
    body = (f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p><div><h3>Ý kiến bạn đọc</h3><div><b>Nguyễn Văn An</b>"
            f"<p>{comment}</p></div></div></div>")
    assert generic(page(body))["text"] == f"{SENTENCE}\n\n{SENTENCE}"


def test_unlabelled_teasers_of_other_articles_after_the_text_are_dropped_not_a_reason_to_refuse():
    teasers = "".join(f"<div><h3><a href='/tin/{n}'>Bài viết số {n} về công tác y tế cơ sở của tỉnh</a></h3>"
                      f"<p>Tóm tắt ngắn của bài viết số {n} về hoạt động của ngành.</p></div>" for n in range(4))
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p>{teasers}</div>"))
    assert got["text"] == f"{SENTENCE}\n\n{SENTENCE}"


def test_a_header_clock_in_a_time_element_is_not_the_publication_date():
    html = page(f"<div>12/03/2024 08:15</div><div><p>{SENTENCE}</p><p>{SENTENCE}</p></div>").replace(
        "<body>", "<body><div>Hôm nay: <time datetime='2024-11-25'>Thứ Hai, 25/11/2024</time></div>")
    assert generic(html)["published"] == "2024-03-12T08:15:00+07:00"


def test_a_shouting_or_truncated_document_title_still_confirms_the_headline():
    headline = "Hội nghị tổng kết công tác y tế năm 2023 và triển khai nhiệm vụ năm 2024"
    body = f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p></div>"
    shouting = page(body, title=headline).replace(f"<title>{headline} - Sở Y tế</title>",
                                                  f"<title>{headline.upper()}</title>")
    truncated = page(body, title=headline).replace(f"<title>{headline} - Sở Y tế</title>",
                                                   f"<title>{headline[:40]}...</title>")
    assert generic(shouting)["title"] == generic(truncated)["title"] == headline


def test_a_name_alone_on_the_last_line_is_the_byline():
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p><p><strong>Hoàng Lan</strong></p></div>"))
    assert (got["author"], got["text"]) == ("Hoàng Lan", f"{SENTENCE}\n\n{SENTENCE}")


def test_dates_numbers_and_single_letters_in_a_data_table_are_data():
    table = ("<table><tr><td>Ngày</td><td>Thứ</td><td>Mức</td></tr><tr><td>15/4/2024</td><td>Thứ Hai</td>"
             "<td>A</td></tr><tr><td>22/4/2024</td><td>Thứ Hai</td><td>12</td></tr></table>")
    got = generic(page(f"<div><p>{SENTENCE}</p>{table}<p>{SENTENCE}</p></div>"))
    assert got["text"] == (f"{SENTENCE}\n\nNgày | Thứ | Mức\n\n15/4/2024 | Thứ Hai | A\n\n22/4/2024 | Thứ Hai | 12"
                           f"\n\n{SENTENCE}")


def test_a_publication_date_printed_after_the_body_is_read_but_a_last_edit_is_not():
    body = f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p></div><div>Ngày đăng: 12/03/2024 08:15</div>"
    assert generic(page(body))["published"] == "2024-03-12T08:15:00+07:00"
    edited = f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p></div><div>Cập nhật lần cuối: 20/03/2024 10:00</div>"
    assert generic(page(edited))["published"] is None


def test_an_rdfa_publication_time_and_a_srcset_only_image_are_read():
    head = '<meta property="og:type" content="article">'
    body = ("<div><span property='dc:date dc:created' content='2024-05-14T02:30:00+00:00'>14/05/2024</span></div>"
            f"<div><p>{SENTENCE}</p><p><img srcset='/anh/tiem-chung.jpg 1x, /anh/tiem-chung@2x.jpg 2x'></p>"
            f"<p>{SENTENCE}</p></div>")
    got = generic(page(body, head=head))
    assert got["published"] == "2024-05-14T09:30:00+07:00"
    assert got["images"] == [{"url": "https://soyte.example.gov.vn/anh/tiem-chung.jpg", "caption": None}]


def test_a_notices_time_and_place_lines_are_its_text():
    lines = ["Thời gian: 8 giờ 00 ngày 15/4/2024 (thứ Hai).", "Địa điểm: Phòng tiếp công dân, số 101 Nguyễn Trãi."]
    got = generic(page(f"<div><p>{SENTENCE}</p><p>{lines[0]}</p><p>{lines[1]}</p><p>{SENTENCE}</p></div>"))
    assert got["text"] == "\n\n".join([SENTENCE, *lines, SENTENCE])


INTRO = ("Sở Y tế tỉnh là cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh, có chức năng tham mưu, giúp Ủy ban nhân dân "
         "tỉnh quản lý nhà nước về y tế, bao gồm: y tế dự phòng; khám bệnh, chữa bệnh, phục hồi chức năng; giám định "
         "y khoa, pháp y, pháp y tâm thần; y dược cổ truyền; trang thiết bị y tế; dược; mỹ phẩm; an toàn thực phẩm.")


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_short_notice_beats_a_longer_sidebar_text_beside_it(side):
    notice = ["Sở Y tế thông báo lịch tiếp công dân định kỳ của Giám đốc Sở trong tháng 5/2024 vào ngày 15/5/2024.",
              "Công dân có nhu cầu đề nghị mang theo giấy tờ tùy thân và hồ sơ liên quan đến nội dung kiến nghị, "
              "phản ánh để được hướng dẫn."]
    sidebar = f"<div><h3>Giới thiệu chung</h3><p>{INTRO}</p></div>"
    article = ("<div><h1>Thông báo lịch tiếp công dân tháng 5/2024</h1><div>Ngày đăng: 02/05/2024 08:00</div>"
               f"<div><p>{notice[0]}</p><p>{notice[1]}</p></div></div>")
    columns = sidebar + article if side == "left" else article + sidebar
    html = (f"<html><head><title>Thông báo lịch tiếp công dân tháng 5/2024</title></head><body><div>{columns}</div>"
            "</body></html>")
    got = generic(html)
    assert (got["text"], got["published"]) == ("\n\n".join(notice), "2024-05-02T08:00:00+07:00")


def test_control_characters_in_a_damaged_page_do_not_break_extraction():
    page_ = PAGES["hatinh-1"]
    damaged = page_.body.replace("Sáng 16/3".encode(), "Sáng\x0b 16/3\x01".encode())
    got = generic_record(damaged, page_.url, page_.portal, page_.province, page_.content_type)
    assert got["text"] == page_.expected["text"]


def test_a_sites_name_after_a_short_body_is_not_a_byline():
    html = page(f"<div><p>{SENTENCE}</p><p>{SENTENCE}</p></div>").replace(
        "<div><p>Cơ quan chủ quản", "<div><p>CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ TỈNH</p><p>Cơ quan chủ quản")
    assert generic(html)["author"] is None


def test_paragraphs_each_wrapped_in_a_row_and_a_column_are_read_together():
    paragraphs = [SENTENCE[:90], SENTENCE[:100], SENTENCE + " " + SENTENCE]  # the longest last
    rows = "".join(f"<div class='row'><div class='col'><p>{p}</p></div></div>" for p in paragraphs)
    assert generic(page(f"<div>{rows}</div>"))["text"] == "\n\n".join(paragraphs)
