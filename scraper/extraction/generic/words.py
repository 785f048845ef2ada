"""The field's words: how Vietnamese government portals label their chrome, metadata and credits.

Data, not code: every rule of the generic extractor that looks at wording reads it from here.
A label only ever marks a short block (a heading, a toolbar, a meta line); running text that
happens to contain one of these words is never dropped for it.
"""
from __future__ import annotations

import re

from scraper.extraction.dates import has_date

# Headings of blocks that sit beside or inside an article but are not part of it. Such a heading
# marks chrome only when the block it heads is mostly links (or empty once the heading is gone).
CHROME_HEADINGS = re.compile(
    r"^\s*(?:tin|bài|bài viết|tin tức|văn bản)\s+(?:liên quan|khác|cùng chuyên mục|cùng loại|mới(?:\s+nhất)?|"
    r"đã đăng|đọc nhiều(?:\s+nhất)?|xem nhiều(?:\s+nhất)?|nổi bật|tiêu điểm)|"
    r"^\s*(?:các|những)\s+(?:tin|bài|bài viết|tin bài)\s+(?:liên quan|khác|đã đưa|đã đăng|mới|cùng chuyên mục)|"
    r"^\s*(?:xem thêm|đọc thêm|có thể bạn quan tâm|từ khóa|từ khoá|tags?|chia sẻ|chuyên mục|danh mục|bình luận|ý kiến bạn đọc|"
    r"gửi ý kiến|ý kiến|đánh giá|liên kết website|liên kết|thống kê truy cập|related(?: posts| articles)?|"
    r"other news|more news|share)\b",
    re.IGNORECASE,
)

# Words of share, print and font-size toolbars and of previous/next links: a short block made of
# nothing else is a toolbar.
TOOLBAR_WORDS = [
    "chia sẻ", "chia se", "facebook", "zalo", "twitter", "tweet", "linkedin", "google\\+?", "like", "share",
    "in bài", "in trang", "bản in", "in", "print", "gửi email", "gửi e-mail", "gửi bài", "email", "e-mail",
    "mail", "lưu bài", "lưu", "cỡ chữ", "phóng to", "thu nhỏ", "a-", "a\\+", "a", "quay lại", "trở về",
    "về đầu trang", "đầu trang", "lên đầu trang", "bài trước", "bài sau", "bài tiếp theo", "trước", "tiếp",
    "tiếp theo", "sau", "prev(?:ious)?", "next", "back", "top", "copy link", "sao chép liên kết", "rss",
    "bình luận", "phản hồi", "đánh giá", "nghe đọc bài", "nghe bài viết", "tải về", "tải xuống", "download",
    "bookmark", "zoom", "font", "menu", "gửi bạn bè", "gửi cho bạn bè", "gửi bài viết", "in bài viết",
    "lưu bài viết", "chia sẻ bài viết", "quay về", "trở lại", "về trang trước", "đóng cửa sổ", "góp ý",
    "kích thước chữ", "kích cỡ chữ", "mặc định", "bình chọn", "lượt bình chọn", "lượt", "phiếu", "votes?",
    "đánh giá bài viết", "nghe đọc bài viết", "nghe đọc", "pinterest", "messenger", "whatsapp", "telegram",
    "[★☆✩✭]+",
    # a photo gallery's controls inside a story ('1 of 24', 'Full Screen', 'Autoplay', 'Close', '×')
    "\\d+ of \\d+", "full screen", "fullscreen", "toàn màn hình", "autoplay", "tự động phát", "close", "đóng", "×",
    "view photos", "view gallery", "xem ảnh", "xem album ảnh",
]
_TOOLBAR = re.compile(r"(?:(?<![\w+-])(?:" + "|".join(sorted(TOOLBAR_WORDS, key=len, reverse=True))
                      + r")(?![\w+-]))|[\s|·•:;,/\\()\[\]«»<>‹›\-–—_*+=!?.]+", re.IGNORECASE)


_RATING = re.compile(r"[★☆✩✭]|đánh giá|bình chọn", re.IGNORECASE)
_COUNTS = re.compile(r"\d+(?:[.,/]\d+)*")


def is_toolbar_text(text: str) -> bool:
    """True when a short text is made only of toolbar words ('In bài | Gửi email | A- A A+'), or of a
    rating widget's words, stars and counts ('Đánh giá: ★★★★☆ (12)'). A number alone is not a toolbar."""
    if not text or len(text) > 160:
        return False
    if _RATING.search(text):
        text = _COUNTS.sub("", text)
    return not _TOOLBAR.sub("", text)


# Labels of the article's own metadata lines, dropped from the text once read. Not "Ngày:" or
# "Thời gian:": a notice's own lines ("Thời gian: 8 giờ ngày 15/4/2024") are its text.
META_LABEL = re.compile(
    r"^\s*(?:ngày đăng|đăng ngày|ngày đưa tin|ngày cập nhật|cập nhật(?: lúc| lần cuối| ngày)?|ngày xuất bản|"
    r"xuất bản|ngày tạo|thời gian đăng|đăng lúc|được đăng|sửa đổi lần cuối|chỉnh sửa lần cuối|"
    r"published|posted(?: on)?|updated|last updated|modified|chuyên mục|danh mục|"
    r"lượt xem|số lượt xem|lượt đọc|số lượt đọc|view count|views|hits|"
    r"viết bởi|đăng bởi|gửi bởi|người đăng|người gửi|tác giả|người viết)\b\s*:?",
    re.IGNORECASE,
)
WEEKDAY = re.compile(r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật|"
                     r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?", re.IGNORECASE)

# View counters of the article (never the site's visitor counter, 'Số lượt truy cập').
# Label first ('Số lần đọc: 2954', 'Đã xem: 215 lần') or the count first ('1.234 lượt xem'): the count is
# group 1 or group 2.
VIEWS = re.compile(r"^\s*(?:(?:số\s+)?(?:lượt\s+xem|lượt\s+đọc|lần\s+xem|lần\s+đọc|đã\s+xem|đã\s+đọc|view\s*count|"
                   r"views?|hits|lượt\s+truy\s+cập\s+bài\s+viết)"
                   r"\s*:?\s*(\d[\d.,\s]*?)\s*(?:lượt|lần)?|"
                   r"(\d[\d.,]*)\s*(?:lượt\s+xem|lượt\s+đọc|lần\s+xem|lần\s+đọc|views?|hits))\s*$", re.IGNORECASE)

# Bylines printed with a verb rather than a colon label (Joomla's "Viết bởi X", WordPress's "bởi X").
BYLINE_VERB = re.compile(r"^\s*(?:viết bởi|đăng bởi|gửi bởi|bởi|người đăng|người gửi|written by|posted by|submitted by|by)"
                         r"\s*:?\s*", re.IGNORECASE)
AUTHOR_LABEL_ANY = re.compile(r"^\s*(?:tác giả|người viết|bài(?:\s+và\s+ảnh)?|bài,?\s*ảnh|tin(?:,?\s*ảnh)?|"
                              r"tin và ảnh|author)\s*:\s*", re.IGNORECASE)
# Accounts of the CMS, printed where a byline would be: not an author.
CMS_ACCOUNTS = frozenset({
    "quản trị viên", "quản trị", "quản trị hệ thống", "admin", "administrator", "super user", "superuser",
    "webmaster", "host", "biên tập viên", "ban biên tập", "editor", "system", "root", "user", "guest", "test test",
})

# "Theo X" as the whole last line of a body credits a source (with no colon): short, no sentence.
THEO_SOURCE = re.compile(r"^\s*\(?\s*theo\s+(?P<source>[^,;:.!?]{2,80}?)\s*\)?\s*\.?\s*$", re.IGNORECASE)
SOURCE_WRAPPED = re.compile(r"^\s*\(\s*(?:nguồn(?:\s+tin)?|theo|source)\s*:?\s*(?P<source>.+?)\s*\)\s*\.?\s*$",
                            re.IGNORECASE)

# Crumbs that only say "home" or "you are here".
HOME_CRUMBS = re.compile(r"^\s*(?:trang chủ|trang chính|home|homepage|bạn đang ở|vị trí|you are here)\s*:?\s*$",
                         re.IGNORECASE)

# Headings that only name the page type, never the headline.
GENERIC_HEADINGS = re.compile(r"^\s*(?:chi tiết tin|chi tiết bài viết|chi tiết|tin tức|nội dung|tin chi tiết|"
                              r"xem tin|bài viết)\s*$", re.IGNORECASE)

# Login pages name themselves.
LOGIN_WORDS = re.compile(r"đăng nhập|login|log in|sign in|xác thực", re.IGNORECASE)

# Links to documents: the article's attachments.
DOCUMENT_LINK = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|zip|rar|7z)(?:$|[/?#&;])|"
                           r"linkclick\.aspx\?fileticket=|[?&]mod=ajperes|/download/|/attachments?/|"
                           r"download\.(?:aspx|php|ashx|jsp)\?|[?&](?:fileid|file_id|attachmentid)=", re.IGNORECASE)
GENERIC_LINK_TEXT = re.compile(r"^\s*(?:tải về(?: tập tin)?|tải xuống|download|xem|xem tại đây|tại đây|"
                               r"chi tiết|file đính kèm|tệp đính kèm)\s*:?\s*$", re.IGNORECASE)

# Lines of a site footer: the owner, the licence, the address. A container full of them is the footer.
FOOTER_LINE = re.compile(r"^\s*(?:cơ quan chủ quản|chịu trách nhiệm(?: chính)?|trưởng ban biên tập|giấy phép(?: số)?|"
                         r"đơn vị quản lý|địa chỉ|điện thoại|đt|fax|email|e-mail|hotline|copyright|bản quyền|©|"
                         r"ghi rõ nguồn|thiết kế bởi|phát triển bởi|designed by|powered by)\b", re.IGNORECASE)
CATEGORY_LABEL = re.compile(r"^\s*(?:danh mục|chuyên mục|chuyên trang|mục|category|categories)\s*:\s*", re.IGNORECASE)
# Labels that name the publication date itself (never the last edit's).
PUBLISHED_LABEL = re.compile(r"^\s*(?:ngày đăng|đăng ngày|đăng lúc|ngày đưa tin|ngày xuất bản|xuất bản|ngày ban hành|"
                             r"published|posted(?: on)?)\b\s*:?", re.IGNORECASE)


_CLOCK = re.compile(r"(?<!\d)\d{1,2}\s*[:hH]\s*\d{2}(?:\s*:\s*\d{2})?\s*(?:SA|CH|AM|PM|GMT\s*[+-]?\s*\d*)?", re.I)
_DATEISH = re.compile(r"(?<!\d)\d{1,4}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{2,4})?(?!\d)|(?<!\d)\d{1,2}\s+tháng\s+"
                      r"\d{1,2}\s*,?\s+(?:năm\s+)?\d{4}|\b(?:lúc|ngày|giờ|năm)\b", re.I)
_PUNCT = re.compile(r"[\s|·•:;,/\\()\[\]\-–—_.]+")


def is_meta_line(text: str) -> bool:
    """A line that only states the article's date, views, category or poster ('Ngày đăng: … | Lượt xem: 12')."""
    if not text or len(text) > 160:
        return False
    parts = [part.strip() for part in _META_SEPARATORS.split(text) if part.strip()]
    if not _DIGIT.search(text):  # no date, clock or count: only labels can make it a meta line (most text)
        return bool(parts) and all(len(part) <= 60 and META_LABEL.match(part) for part in parts)
    return bool(parts) and all(_meta_part(part) for part in parts)


_META_SEPARATORS = re.compile(r"\s[|·•]\s|\s{2,}|\|")
_DIGIT = re.compile(r"\d")  # every date, clock and count of _meta_part holds one


def _meta_part(part: str) -> bool:
    if VIEWS.match(part):
        return True
    if META_LABEL.match(part) and len(part) <= 60:
        return True
    if has_date(part) or _CLOCK.search(part):
        rest = _DATEISH.sub(" ", _CLOCK.sub(" ", WEEKDAY.sub(" ", META_LABEL.sub(" ", part))))
        return len(_PUNCT.sub("", rest)) <= 3
    return False


# Headings of the sections that follow a story on news sites and are never its text: reader comments,
# "you may also like" teasers, a customer-service or contact box, the copyright notice. A short block
# that is nothing but one of these heads the section it opens: the section (the heading and what
# follows it in its parent) gives no credit to the body search. Not "Xem thêm" / "Đọc thêm": those
# open single related links at the top or in the middle of a story, whose text goes on after them.
SECTION_HEADINGS = re.compile(
    r"^\s*(?:bình luận|ý kiến bạn đọc|ý kiến của bạn|gửi bình luận|viết bình luận|gửi ý kiến|"
    r"bạn đọc bình luận|phản hồi của bạn đọc|bản quyền|copyright|©|comments?|leave a (?:comment|reply)|"
    r"reader comments|you may also like|you might also like|recommended(?: for you)?|more stories|"
    r"related (?:posts|articles|news|stories)|có thể bạn quan tâm|bạn có thể quan tâm|có thể bạn chưa đọc|"
    r"tin cùng chuyên mục|tin khác|tin mới nhất|tin xem nhiều|đọc nhiều nhất|xem nhiều nhất|"
    r"chăm sóc khách hàng|hỗ trợ khách hàng|dịch vụ khách hàng|customer (?:service|care|support)|"
    r"liên hệ quảng cáo|contact us|liên hệ với chúng tôi)\b",
    re.IGNORECASE,
)
MAX_SECTION_HEADING = 40  # a heading is a short line; a sentence that starts with "Bình luận" is text

# The label of an advertisement slot inside a story ("Quảng cáo" under a banner): a block that is
# this word alone is chrome.
AD_LABEL = re.compile(r"^\s*(?:quảng cáo|advertisement|advertising|sponsored|tài trợ|ads?)\s*:?\s*$", re.IGNORECASE)

# 'Lượt truy cập: 1.254' counts the article's readers only when printed with the article (from its
# headline to its end); the same words head the site's visitor counter in a sidebar.
VISITS = re.compile(r"^\s*(?:số\s+)?lượt\s+truy\s+cập\s*:?\s*(\d[\d.,\s]*?)\s*(?:lượt|lần)?\s*$", re.IGNORECASE)

# Where a credits line names the source after the byline ('Tác giả: X / Nguồn: Y', 'X (Nguồn: Y)',
# 'X - Nguồn tin: Y'): the byline is cut there.
CREDIT_SPLIT = re.compile(r"\s*(?:[/|;,–—-]\s*|\(\s*)(?=(?:nguồn(?:\s+tin)?|source)\s*:)", re.IGNORECASE)

# Class or id words of advertising blocks: an image inside one is a banner, not the article's.
AD_NAMES = re.compile(r"(?:^|[\s_-])(?:ads?|advert\w*|banner\w*|quang-?cao|quangcao|qc|sponsor\w*)(?:$|[\s_-])",
                      re.IGNORECASE)

# Class or id words of the boxes news sites put after a story, inside its column, that are not the story:
# reader comments, newsletter and subscription offers, related and recommended stories (Drupal's
# 'comment-wrapper', WordPress's 'comments-area', 'newsletter-widget', 'related-posts', Outbrain,
# Taboola; Vietnamese themes' 'binh-luan', 'tin-lien-quan'). A word of its own in the name, between
# '-', '_' or spaces: 'comments' names a box, 'commentsCount' or 'recomment' does not.
_OFFER_WORDS = r"newsletters?|subscribe|subscription|signup|sign-up|paywall|regwall"
BOX_NAMES = re.compile(r"(?:^|[\s_-])(?:comments?|comment-?(?:list|wrapper|area|section|form)|disqus|" + _OFFER_WORDS +
                       r"|related|recommended|outbrain|taboola|binh-?luan|y-?kien-?ban-?doc|tin-?lien-?quan|tin-?khac)"
                       r"(?:$|[\s_-])", re.IGNORECASE)
# Of those, the offers (a newsletter sign-up, a subscription or paywall box): a short one is chrome
# wherever it sits in the story, before its text too.
OFFER_NAMES = re.compile(r"(?:^|[\s_-])(?:" + _OFFER_WORDS + r")(?:$|[\s_-])", re.IGNORECASE)

# Classes of text written for screen readers only, never shown on screen (Bootstrap's 'sr-only' and
# 'visually-hidden', WordPress's 'screen-reader-text', Drupal's 'element-invisible'): 'Article content',
# 'Advertisement', 'Share on Facebook' labels inside a story.
SCREEN_READER_ONLY = re.compile(r"(?:^|\s)(?:sr-only|visually-?hidden|screen-reader-(?:text|only)|element-invisible|"
                                r"a11y-hidden|u-hidden-visually)(?:$|\s)", re.IGNORECASE)

# Class or id words of a section label printed above an article ('<div class="title-cate">Tin hoạt động</div>').
SECTION_NAMES = re.compile(r"cate|chuyen-?muc|chuyenmuc|danh-?muc|section|channel|module-?title|box-?title|"
                           r"portlet-?title|title-?box|tieu-?de-?(?:khoi|muc|box)", re.IGNORECASE)

# Scrolling tickers: their text is never the article's lead.
TICKER_NAMES = re.compile(r"marquee|ticker|news-?run|chay-?chu|chu-?chay|tin-?chay|breaking", re.IGNORECASE)

# schema.org types of an author that is the site or its owner, not a person's byline.
ORGANISATION_TYPES = re.compile(r"organi[sz]ation|governmentorganization|corporation|ngo|website|webpage", re.IGNORECASE)

# Words that open a site's name in a document title ('… - Sở Y tế tỉnh Lào Cai', 'Cổng thông tin điện tử …'):
# such a part of a title, cut off by ' - ', ' | ' or ' – ', is the site, not the headline.
SITE_NAME_START = re.compile(r"^\s*(?:cổng thông tin(?: điện tử)?|trang thông tin(?: điện tử)?|cổng ttđt|trang ttđt|"
                             r"website|sở y tế|syt|ubnd|ủy ban nhân dân|uỷ ban nhân dân|bộ y tế|portal|home)\b",
                             re.IGNORECASE)
MAX_SITE_NAME_WORDS = 12  # a site's name is short; a longer part is the headline's own
