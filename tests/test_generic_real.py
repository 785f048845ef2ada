"""The generic extractor on pages in the image of real sites nobody here wrote (tests/generic_cases/):
one page per failure kind of "the generic extractor on real pages" — an article refused as a listing,
a story of <br> lines refused as too short, half a story taken, the wrong block taken — and a
newspaper's home page and a gov.vn category listing, which must still be refused. The pages are
written in the image of the sites' markup (their text is ours), each with its exact expected text.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from scraper.extraction.generic import generic_record
from scraper.extraction.pages import ExtractionError

CASES = Path(__file__).parent / "generic_cases"


def extract(name: str) -> dict:
    return generic_record((CASES / name).read_bytes(), f"https://news.example.vn/{name}", "example", "Ví dụ")


def test_an_article_that_opens_with_related_links_is_read_not_refused_as_a_listing():
    """Three link-only lines ('>> …', 'Tin liên quan: …', a bare headline) and a 'Xem thêm:' line before
    any text: the story's paragraphs follow one another, so it is an article; the links are not text."""
    got = extract("related_links_first.html")
    assert got["title"] == "Hà Nội: Số ca sốt xuất huyết tăng, ngành y tế ra quân diệt bọ gậy"
    assert got["text"] == "\n\n".join([
        "Theo Sở Y tế Hà Nội, trong tuần qua thành phố ghi nhận 1.852 ca mắc sốt xuất huyết, tăng 23% so với tuần "
        "trước; các ca bệnh phân bố tại 30 quận, huyện, thị xã.",
        "Từ đầu năm đến nay, toàn thành phố đã ghi nhận hơn 9.000 ca mắc, 2 trường hợp tử vong. Số ổ dịch mới phát "
        "sinh tập trung ở các quận nội thành có mật độ dân cư cao.",
        "Để chủ động kiểm soát dịch, ngành y tế phối hợp với chính quyền các phường, xã tổ chức chiến dịch vệ sinh "
        "môi trường, diệt lăng quăng, bọ gậy tại từng hộ gia đình.",
        "Người dân khi có biểu hiện sốt cao đột ngột, đau đầu, đau cơ cần đến ngay cơ sở y tế để được khám, tư vấn "
        "và điều trị kịp thời, không tự ý truyền dịch tại nhà."])
    for boilerplate in ("Bộ Y tế yêu cầu", "Tin liên quan", "Xem thêm", "Bình luận", "Khu tôi ở muỗi", "Đọc nhiều",
                        "Bản quyền"):
        assert boilerplate not in got["text"]


@pytest.mark.parametrize("name", ["home_page.html", "category_listing.html"])
def test_a_home_page_and_a_category_listing_are_still_refused(name):
    """A newspaper's home page (teaser groups, no running text) and a gov.vn column of teasers
    (thumbnail, headline link, date, one summary each)."""
    with pytest.raises(ExtractionError, match="generic: the page is a listing of articles"):
        extract(name)


def test_a_story_of_br_lines_beside_a_date_block_counts_its_whole_length():
    """Loose text in the cell that holds the headline and date <div>s, one <br> between lines: read
    whole (a single <br> is a space, as in every layout), the italic credit after the last <br> is the source."""
    got = extract("br_lines.html")
    assert (got["title"], got["published"], got["source"]) == (
        "Huyện tổ chức tiêm vắc xin phòng bệnh sởi - rubella cho trẻ em từ 1 đến 5 tuổi", "2024-04-05",
        "Trung tâm Y tế huyện")
    assert got["text"] == (
        "Thực hiện kế hoạch của Sở Y tế, từ ngày 1/4 đến 10/4/2024 Trung tâm Y tế huyện tổ chức tiêm bổ sung vắc xin "
        "sởi - rubella cho trẻ em. Đối tượng là trẻ từ 1 đến 5 tuổi chưa tiêm đủ mũi vắc xin theo lịch tiêm chủng mở "
        "rộng trên địa bàn 18 xã, thị trấn. Các trạm y tế xã bố trí điểm tiêm cố định tại trạm và điểm tiêm lưu động "
        "tại các thôn, bản vùng sâu, vùng xa. Cha mẹ cần mang theo sổ tiêm chủng của trẻ và thông báo cho cán bộ y tế "
        "tình trạng sức khỏe của trẻ trước khi tiêm.")


def test_a_story_split_around_an_ad_slot_and_a_photo_is_read_whole_without_the_teasers():
    """Three sibling text blocks (two paragraphs, an ad slot labelled 'Quảng cáo', three paragraphs, a
    photo, one paragraph) and a 'Có thể bạn quan tâm' box of teasers after them."""
    got = extract("split_blocks.html")
    assert got["text"] == "\n\n".join([
        "Ngày 9/5, Bệnh viện Đa khoa tỉnh cho biết đã thực hiện thành công 25 ca phẫu thuật thay khớp háng toàn phần "
        "cho người bệnh cao tuổi.",
        "Trước đây, người bệnh phải chuyển lên tuyến trung ương để phẫu thuật, chi phí đi lại và ăn ở rất tốn kém cho "
        "gia đình người bệnh.",
        "Kỹ thuật được triển khai nhờ sự chuyển giao của Bệnh viện Hữu nghị Việt Đức trong khuôn khổ Đề án 1816 và "
        "Đề án bệnh viện vệ tinh.",
        "Sau phẫu thuật, phần lớn người bệnh có thể tập đi lại sau 2 ngày và xuất viện sau một tuần, giảm đáng kể "
        "thời gian nằm viện.",
        "Bệnh viện đang tiếp tục cử bác sĩ đi đào tạo để triển khai thêm kỹ thuật thay khớp gối và nội soi khớp trong "
        "năm nay.",
        "Giám đốc Bệnh viện cho biết, mục tiêu là đến năm 2025 người dân trong tỉnh được hưởng các dịch vụ kỹ thuật "
        "cao ngay tại địa phương."])
    assert got["images"] == [{"url": "https://news.example.vn/uploads/2024/05/phau-thuat.jpg",
                              "caption": "Ê-kíp phẫu thuật thay khớp háng cho người bệnh"}]
    for boilerplate in ("Quảng cáo", "Có thể bạn quan tâm", "Tiêm vắc xin sởi", "Copyright"):
        assert boilerplate not in got["text"]


def test_a_customer_service_box_comments_and_you_may_also_like_after_a_short_story_are_not_taken():
    """The story (two paragraphs) is shorter than the customer-service box after it, and than its
    'Comments'; neither they, the 'You may also like' teasers nor the copyright footer are its text."""
    got = extract("boxes_after_story.html")
    assert got["title"] == "Health ministry extends free screening for hepatitis B"
    assert got["text"] == (
        "The Ministry of Health will extend free hepatitis B screening to every commune health station in 20 "
        "provinces until the end of the year.\n\nOfficials said more than 300,000 people were tested in the first "
        "phase, and one in twelve of them learnt for the first time that they carried the virus.")
    for boilerplate in ("Chăm sóc khách hàng", "1900 9095", "You may also like", "Measles", "Comments", "patiently",
                        "Copyright"):
        assert boilerplate not in got["text"]


# Inline pages: one rule each.

SENTENCES = [
    "Sáng 12/3, Sở Y tế tổ chức hội nghị tổng kết công tác phòng chống dịch bệnh năm 2023 và triển khai nhiệm vụ.",
    "Theo báo cáo, trong năm qua toàn tỉnh ghi nhận 1.250 ca sốt xuất huyết, giảm 30% so với cùng kỳ năm trước.",
    "Giám đốc Sở Y tế đề nghị các đơn vị tiếp tục tăng cường giám sát, phát hiện sớm và xử lý triệt để ổ dịch.",
    "Ngành y tế cũng sẽ đẩy mạnh truyền thông để người dân chủ động diệt lăng quăng, bọ gậy tại hộ gia đình.",
]


def page(article: str, after: str = "") -> str:
    return ("<html><head><title>Tổng kết phòng chống dịch năm 2023</title></head><body>"
            "<div><a href='/'>Trang chủ</a> <a href='/tin-tuc'>Tin tức</a></div><div class='main'>"
            f"<h1>Tổng kết phòng chống dịch năm 2023</h1>{article}{after}</div>"
            "<div><p>Cơ quan chủ quản: Sở Y tế tỉnh. Giấy phép số 12/GP-TTĐT.</p></div></body></html>")


def generic(html: str) -> dict:
    return generic_record(html, "https://soyte.example.gov.vn/tin/1", "example", "Ví dụ")


def test_a_story_whose_first_part_precedes_an_ad_slot_keeps_that_part():
    """The longer part after the ad wins the body search; the two paragraphs before the ad are its start."""
    ad = "<div><a href='https://ads.example.com/c'><img src='/ad.gif'></a><div>Advertisement</div></div>"
    article = (f"<div><div><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></div>{ad}"
               f"<div><p>{SENTENCES[2]}</p><p>{SENTENCES[3]}</p><p>{SENTENCES[0]}</p></div></div>")
    assert generic(page(article))["text"] == "\n\n".join(SENTENCES + SENTENCES[:1])


def test_a_longer_comment_section_under_a_bare_comments_heading_is_not_the_story():
    comments = "".join(f"<div><b>Reader {n}</b><p>{s} Tôi hoàn toàn đồng tình với ý kiến này.</p></div>"
                       for n, s in enumerate(SENTENCES))
    got = generic(page(f"<div><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></div>",
                       f"<div><div>Bình luận (4)</div>{comments}</div>"))
    assert got["text"] == f"{SENTENCES[0]}\n\n{SENTENCES[1]}"


def test_a_sentence_that_begins_with_a_boilerplate_word_is_still_text():
    """'Bình luận' opens a heading only when it is a short line alone: a sentence stays."""
    sentence = ("Bình luận về kết quả này, Giám đốc Sở Y tế cho rằng công tác giám sát tại cơ sở đã được "
                "thực hiện tốt hơn nhiều so với các năm trước.")
    got = generic(page(f"<div><p>{SENTENCES[0]}</p><p>{sentence}</p><p>{SENTENCES[1]}</p></div>"))
    assert got["text"] == f"{SENTENCES[0]}\n\n{sentence}\n\n{SENTENCES[1]}"


# Boxes inside the story's column, told by the names the page gives them (words.BOX_NAMES, OFFER_NAMES,
# SCREEN_READER_ONLY, AD_NAMES, TICKER_NAMES), and a quotation longer than the story around it.

QUOTE = [
    "Chúng tôi đã rà soát toàn bộ quy trình tiếp nhận, phân loại người bệnh tại khoa cấp cứu và bổ sung thêm "
    "nhân lực trực vào ban đêm để bảo đảm không để người bệnh phải chờ đợi lâu.",
    "Bên cạnh đó, bệnh viện đã đầu tư thêm hệ thống máy thở, máy theo dõi bệnh nhân và mở rộng khu hồi sức để "
    "đáp ứng nhu cầu điều trị của người dân trong mùa dịch.",
    "Đội ngũ bác sĩ, điều dưỡng được tập huấn định kỳ về kỹ năng giao tiếp, ứng xử với người bệnh và người nhà "
    "người bệnh, hướng tới sự hài lòng của người dân khi đến khám chữa bệnh.",
    "Chúng tôi cũng thiết lập đường dây nóng tiếp nhận phản ánh, mọi ý kiến đều được xem xét, trả lời trong vòng "
    "24 giờ và công khai kết quả xử lý trên trang thông tin của bệnh viện.",
]


def test_a_comment_box_named_by_the_page_after_a_short_story_is_not_taken_with_it():
    """Drupal's 'comment-wrapper' under a 'View comments (4)' header (no comment heading word to read):
    longer than the story, it would make the story's column (and the author's note after it) the body."""
    comments = "".join(f"<div class='comment'><b>Reader {n}</b><p>{s} Tôi hoàn toàn đồng tình với ý kiến này.</p>"
                       f"<span>reply</span></div>" for n, s in enumerate(SENTENCES))
    story = "".join(f"<p>{s}</p>" for s in SENTENCES)
    got = generic(page(f"<div class='column'><div class='description'>{story}</div>"
                       f"<div class='pane-social-comments'><div class='comments comment-wrapper'><div><span>View "
                       f"comments</span> (4)</div><div class='content'><div id='comments'>{comments}</div></div></div></div>"
                       "<div class='author-bio'><p>Bài viết thuộc chuyên mục Sức khỏe cộng đồng do phóng viên thường "
                       "trú tại tỉnh thực hiện, cập nhật các hoạt động của ngành y tế địa phương.</p></div></div>"))
    assert got["text"] == "\n\n".join(SENTENCES)


def test_newsletter_offers_ad_slots_screen_reader_labels_and_a_marquee_inside_the_story_are_not_its_text():
    """A newspaper's story column: 'Article content' for screen readers, a scrolling greeting, a newsletter
    sign-up box before the first paragraph, an ad slot ('Story continues below') between two, a ticker at
    the end; none is text, and the greeting's dates are not the article's."""
    article = ("<div class='story'><h2 class='visually-hidden'>Article content</h2>"
               "<marquee>Chào mừng kỷ niệm 70 năm Ngày Thầy thuốc Việt Nam 27/2/1955 - 27/2/2025</marquee>"
               "<div class='newsletter-component'><h3>Sign up to our free health news emails</h3>"
               "<p>For free real time health alerts sent straight to your inbox sign up to our emails</p>"
               "<a href='/signup'>Sign up</a></div>"
               f"<p>{SENTENCES[0]}</p><section class='ad'><div class='ad__label'>Story continues below</div></section>"
               f"<p>{SENTENCES[1]}</p><p>{SENTENCES[2]}</p><p>{SENTENCES[3]}</p><div class='news-ticker'>Tin mới: Tỉnh triển khai chiến "
               "dịch tiêm vắc xin sởi cho trẻ em</div></div>")
    got = generic(page(article))
    assert got["text"] == "\n\n".join(SENTENCES)
    assert got["published"] is None


def test_a_long_quotation_inside_a_story_is_read_with_the_story_around_it():
    """A blockquote holding more text than the paragraphs around it scores best; the story is its parent."""
    article = (f"<div class='entry'><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>"
               f"<blockquote>{''.join(f'<p>{q}</p>' for q in QUOTE)}</blockquote><p>{SENTENCES[2]}</p></div>")
    got = generic(page(article))
    assert got["text"] == "\n\n".join(SENTENCES[:2] + QUOTE + SENTENCES[2:3])


def test_a_title_tag_that_names_only_the_site_does_not_make_its_logo_the_headline_nor_its_clock_the_date():
    """No <h1>, no metadata, a <title> that is the site's name: the logo's text confirms it, but the
    headline is the article's own title line, and the header's clock is not the publication date."""
    html = ("<html><head><title>Sở Y tế tỉnh Ví Dụ</title></head><body>"
            "<div id='header'><div class='logo'><a href='/'>SỞ Y TẾ TỈNH VÍ DỤ</a></div>"
            "<div class='clock'>Thứ Hai, 15/04/2024 10:30</div></div>"
            "<div class='menu'><a href='/'>Trang chủ</a> <a href='/tin-tuc'>Tin tức</a></div>"
            "<table><tr><td class='content'><span class='tieude'>Tổng kết công tác phòng chống dịch bệnh năm 2023</span>"
            f"<div>{''.join(f'<p>{s}</p>' for s in SENTENCES)}</div></td></tr></table>"
            "<div><p>Cơ quan chủ quản: Sở Y tế tỉnh. Giấy phép số 12/GP-TTĐT.</p></div></body></html>")
    got = generic(html)
    assert (got["title"], got["published"], got["sapo"]) == ("Tổng kết công tác phòng chống dịch bệnh năm 2023", None, None)
    assert got["text"] == "\n\n".join(SENTENCES)


def test_a_comment_box_named_by_the_page_inside_the_story_element_is_dropped():
    """WordPress's 'comments-area' inside the <article> after its text: its heading ('2 Responses') is
    no comment word; the box's name says what it is."""
    article = ("<article class='post'>" + "".join(f"<p>{s}</p>" for s in SENTENCES) +
               "<div id='comments' class='comments-area'><h3>2 Responses</h3><ol><li><b>Lan</b><p>Cảm ơn bài viết rất "
               "hữu ích cho người dân.</p></li><li><b>Minh</b><p>Mong ngành y tế tiếp tục phát huy.</p></li></ol></div>"
               "</article>")
    assert generic(page(article))["text"] == "\n\n".join(SENTENCES)


def test_a_photo_gallerys_controls_inside_the_story_are_not_its_text():
    """An embedded gallery between two paragraphs: its counter and buttons are toolbar words, its photo
    is the record's image."""
    gallery = ("<div class='inline-gallery'><div class='bar'><div>1 of 12</div><div>Full Screen</div><div>Autoplay"
               "</div><div>Close</div><div>×</div></div><img src='/anh/tiem-chung.jpg'><div>View Photos</div></div>")
    article = f"<div class='body'><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>{gallery}<p>{SENTENCES[2]}</p></div>"
    got = generic(page(article))
    assert got["text"] == "\n\n".join(SENTENCES[:3])
    assert [image["url"] for image in got["images"]] == ["https://soyte.example.gov.vn/anh/tiem-chung.jpg"]
