"""Shared body reading on the shapes Vietnamese CMS editors produce (every layout relies on it)."""
from __future__ import annotations

from lxml import html

from scraper.extraction.body import read_body

BASE = "https://soyte.example.gov.vn/tin/bai-viet.html"


def body(markup: str):
    return read_body(html.fromstring(f"<div>{markup}</div>"), BASE)


def test_paragraphs_list_items_and_table_rows_are_paragraphs():
    read = body("<p>Mở đầu.</p><ul><li>Một</li><li>Hai</li></ul>"
                "<table><tr><td>Đơn vị</td><td>Số ca</td></tr><tr><td>Huyện A</td><td>12</td></tr></table>")
    assert read.text == "Mở đầu.\n\nMột\n\nHai\n\nĐơn vị | Số ca\n\nHuyện A | 12"


def test_loose_text_in_a_container_is_its_own_paragraph():
    read = body("<div>Dòng đầu <b>đậm</b> tiếp<p>Đoạn sau.</p>Dòng cuối</div>")
    assert read.paragraphs == ["Dòng đầu đậm tiếp", "Đoạn sau.", "Dòng cuối"]


def test_figcaption_is_the_caption_and_not_text():
    read = body('<p>Trước.</p><figure><img src="/a.jpg"><figcaption>Ảnh A.</figcaption></figure><p>Sau.</p>')
    assert read.images == [{"url": "https://soyte.example.gov.vn/a.jpg", "caption": "Ảnh A."}]
    assert read.paragraphs == ["Trước.", "Sau."]


def test_italic_paragraph_after_an_image_is_its_caption():
    read = body('<p style="text-align:center"><img src="a.jpg"></p><p><em>Chú thích.</em></p><p>Nội dung.</p>')
    assert read.images[0]["caption"] == "Chú thích." and read.paragraphs == ["Nội dung."]


def test_centred_paragraph_after_a_centred_image_is_its_caption():
    read = body('<p align="center"><img src="a.jpg"></p><p align="center">Chú thích.</p><p>Nội dung.</p>')
    assert read.images[0]["caption"] == "Chú thích." and read.paragraphs == ["Nội dung."]


def test_caption_beside_the_image_in_the_same_paragraph():
    read = body('<p><img src="a.jpg"><br><i>Lãnh đạo Sở phát biểu.</i></p><p>Nội dung.</p>')
    assert read.images[0]["caption"] == "Lãnh đạo Sở phát biểu." and read.paragraphs == ["Nội dung."]


def test_a_caption_printed_twice_is_kept_once():
    read = body('<table class="tplCaption"><tr><td><img src="a.jpg"></td></tr><tr><td>Khám cho trẻ.</td></tr>'
                '</table><p><em>Khám cho trẻ.</em></p><p>Nội dung.</p>')
    assert read.images == [{"url": "https://soyte.example.gov.vn/tin/a.jpg", "caption": "Khám cho trẻ."}]
    assert read.paragraphs == ["Nội dung."]


def test_an_image_without_caption_keeps_none_and_each_image_is_listed_once():
    read = body('<p><img src="a.jpg"></p><p>Nội dung.</p><p><a href="a.jpg"><img src="a.jpg"></a></p>')
    assert read.images == [{"url": "https://soyte.example.gov.vn/tin/a.jpg", "caption": None}]


def test_right_aligned_bold_byline_and_italic_source_are_peeled():
    read = body('<p>Nội dung.</p><p align="right"><b>Ngọc Hân</b></p><p align="right"><i>Khoa TT-GDSK</i></p>')
    assert (read.author, read.source, read.paragraphs) == ("Ngọc Hân", "Khoa TT-GDSK", ["Nội dung."])


def test_source_label_is_removed_and_a_labelled_byline_kept_as_printed():
    read = body("<p>Nội dung.</p><p>Tin, ảnh: Thu Trang</p><p>Nguồn: Báo Hà Giang</p>")
    assert (read.author, read.source) == ("Tin, ảnh: Thu Trang", "Báo Hà Giang")


def test_bold_lines_that_are_not_credits_stay_in_the_text():
    read = body("<p><strong>1. Mục tiêu</strong></p><p>Nội dung.</p><p><strong>Kết luận của hội nghị</strong></p>")
    assert read.author is None
    assert read.paragraphs == ["1. Mục tiêu", "Nội dung.", "Kết luận của hội nghị"]


def test_words_that_boilerplate_also_uses_are_kept():
    read = body("<p>Xem thêm hướng dẫn tại trạm y tế.</p><p>Chia sẻ kinh nghiệm, 2.000 lượt truy cập.</p>")
    assert read.paragraphs == ["Xem thêm hướng dẫn tại trạm y tế.", "Chia sẻ kinh nghiệm, 2.000 lượt truy cập."]


def test_scripts_and_styles_are_not_text():
    read = body("<p>Nội dung.<script>var x = 1;</script></p><style>p{}</style>")
    assert read.text == "Nội dung."


def test_attachment_links_keep_only_web_urls():
    from scraper.extraction.body import iter_links

    links = html.fromstring('<div><a href="JavaScript:void(0)">Tải</a><a href=" data:text/html,x">Dữ liệu</a>'
                            '<a href="mailto:syt@example.gov.vn">Thư</a><a href="/files/qd-12.pdf">Quyết định 12</a></div>')
    assert iter_links(iter(links.iter("a")), BASE) == [
        {"url": "https://soyte.example.gov.vn/files/qd-12.pdf", "title": "Quyết định 12"}]


def test_a_lazy_image_is_read_from_its_real_source_not_the_placeholder():
    read = body('<p><img src="data:image/svg+xml,%3Csvg%3E" data-lazy-src="/wp/anh-1.jpg"></p>'
                '<p><img src="/lazy.svg" data-src="/wp/anh-2.jpg"></p><p>Nội dung.</p>')
    assert [image["url"] for image in read.images] == ["https://soyte.example.gov.vn/wp/anh-1.jpg",
                                                        "https://soyte.example.gov.vn/wp/anh-2.jpg"]


def test_a_caption_kept_in_an_image_attribute_when_the_layout_says_so():
    markup = '<div><p><img class="caption" src="/a.jpg" title="Ảnh hội nghị."></p><p>Nội dung.</p></div>'
    assert read_body(html.fromstring(markup), BASE).images[0]["caption"] is None
    assert read_body(html.fromstring(markup), BASE, caption_attribute="title").images[0]["caption"] == "Ảnh hội nghị."


def test_a_source_prefix_takes_only_a_short_last_credit_line_never_a_sentence():
    markup = ("<div><p>Theo Trung tâm Kiểm soát bệnh tật, số ca mắc tăng.</p><p>Nội dung.</p>"
              "<p>Theo Báo Cần Thơ</p></div>")
    read = read_body(html.fromstring(markup), BASE, source_prefixes=["Theo"])
    assert read.source == "Báo Cần Thơ"
    assert read.paragraphs == ["Theo Trung tâm Kiểm soát bệnh tật, số ca mắc tăng.", "Nội dung."]
    sentence = read_body(html.fromstring("<div><p>Nội dung.</p><p>Theo kế hoạch, tiêm chủng xong trong tháng.</p></div>"),
                         BASE, source_prefixes=["Theo"])
    assert sentence.source is None


def test_what_a_layout_drops_is_out_of_the_body_and_back_in_the_page_after():
    """The page class takes dropped blocks out while the body is read and puts them back (nested
    drops, adjacent drops, tails, a drop as first child), so the page's other fields still see them."""
    from lxml import etree

    from scraper.extraction.pages import dropped, without

    markup = ('<div id="b">lead<div class="share">S<span class="share">inner</span></div>after-share'
              '<p>Một.</p><div class="rel">R</div><div class="share">S2</div>between<p>Hai.</p>'
              '<div class="files"><a href="/a.pdf">A</a></div>end</div>')
    root = html.fromstring(markup)
    before = etree.tostring(root)
    drop = ("div.share", ".rel", "div.files")
    with dropped(root, drop) as element:
        read = read_body(element, BASE)
        assert etree.tostring(element) == etree.tostring(without(html.fromstring(markup), drop))
    assert read.paragraphs == ["leadafter-share", "Một.", "between", "Hai.", "end"]
    assert etree.tostring(root) == before
