"""The record's other fields: sapo, byline, source, views, attachments.

Read from what every portal family prints, with the field's words ("Lượt xem", "Ngày đăng",
"Viết bởi", "Tác giả:", "Nguồn tin:", "Theo …") at the places an article puts them: between
the headline and the body, or at the body's end; then from microdata and JSON-LD.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from scraper.extraction.body import BLOCK_TAGS, holder_images
from scraper.extraction.cleaning import SOURCE_LABEL, parse_count, tidy
from scraper.extraction.dates import has_date, parse_date_words
from scraper.extraction.generic.content import OUTSIDE_TAGS, Stats
from scraper.extraction.generic.meta import in_ticker, ld_values
from scraper.extraction.generic.words import (AUTHOR_LABEL_ANY, BYLINE_VERB, CHROME_HEADINGS, CMS_ACCOUNTS,
                                   DOCUMENT_LINK, FOOTER_LINE, GENERIC_HEADINGS, GENERIC_LINK_TEXT,
                                   PUBLISHED_LABEL, SOURCE_WRAPPED, THEO_SOURCE, VIEWS, is_meta_line, is_toolbar_text)
from scraper.extraction.generic.words import AD_NAMES, CREDIT_SPLIT, ORGANISATION_TYPES, VISITS
from scraper.extraction.urls import absolute_url
from scraper.extraction.visible import tag_of, text_of


def article_scope(title_node, body):
    """The smallest element holding both the headline and the body; without a headline element, the
    body's container when it adds only a few lines (date, views, sapo) to the body."""
    if title_node is None:
        parent = body.getparent()
        if parent is not None and tag_of(parent) not in ("body", "html", "form") \
                and len(text_of(parent)) <= len(text_of(body)) + MAX_AROUND_BODY:
            return parent
        return body
    ancestors = set(title_node.iterancestors())
    node = body
    while node is not None and node not in ancestors:
        node = node.getparent()
    return node if node is not None else body


MAX_LINE = 160
MAX_AROUND_BODY = 600  # characters a body's container may add (meta lines, a sapo) and still be the article


def short_lines(scope, stats: Stats) -> list[tuple]:
    """(element, text) of every element of the article's scope with a short text (a label line),
    outside menus and sidebars, in document order: read once, searched by each labelled field."""
    found: list[tuple] = []
    chars = stats.chars
    menus = {node for menu in scope.iter("nav", "aside") for node in menu.iter()}
    for node in scope.iter():  # (what Stats left out, scripts and form controls, it has no count for)
        count = chars.get(node)
        if count is None or node in menus:
            continue
        if 0 < count <= 2 * MAX_LINE and node.tag != "a":
            text = text_of(node)
            if text and len(text) <= MAX_LINE:
                found.append((node, text))
    return found


def _short_lines(lines: list[tuple], limit: int):
    return ((node, text) for node, text in lines if len(text) <= limit)


def views(lines: list[tuple]) -> int | None:
    for _node, text in _short_lines(lines, 160):
        for part in re.split(r"\s[|·•]\s|\|", text):  # "19/01/2024 - 10:42 | Lượt xem: 1876"
            match = VIEWS.match(part)
            if match:
                return parse_count(match[1] or match[2])
    return None


def labeled_published(lines: list[tuple]) -> str | None:
    """A date line labelled as the publication date anywhere in the article ('Ngày đăng: …' at its end)."""
    for _node, text in _short_lines(lines, 100):
        if PUBLISHED_LABEL.match(text) and has_date(text):
            parsed = parse_date_words(text)
            if parsed:
                return parsed
    return None


def not_an_account(name: str | None) -> str | None:
    """None for a CMS account name ("Quản trị viên", "admin") printed where a byline would be."""
    name = tidy(name)
    return None if not name or name.lower() in CMS_ACCOUNTS else name


def labeled_author(lines: list[tuple]) -> str | None:
    """A byline with a label ("Tác giả: X") or a verb ("Viết bởi X"), account names excepted."""
    for _node, text in _short_lines(lines, 160):
        text = split_credits(text)[0]
        for label in (AUTHOR_LABEL_ANY, BYLINE_VERB):
            if label.match(text) and len(text) <= 100 and not is_meta_line(label.sub("", text, count=1)):
                name = not_an_account(label.sub("", text, count=1))
                if name and not has_date(name):
                    return name
    return None


def labeled_source(lines: list[tuple]) -> str | None:
    for _node, text in _short_lines(lines, 160):
        if SOURCE_LABEL.match(text) and not text.lower().startswith("theo"):
            return clean_source(text)
        if SOURCE_WRAPPED.match(text) and not text.lstrip("( ").lower().startswith("theo"):
            return clean_source(text)  # '(Nguồn: X)' on its own line after the body
    for _node, text in _short_lines(lines, 160):
        _name, source = split_credits(text)
        if source:
            return source  # 'Tác giả: X / Nguồn: Y' on one line
    return None


def split_credits(text: str) -> tuple[str, str | None]:
    """A credits line that names the byline and then the source ('Tác giả: X / Nguồn: Y', 'X (Nguồn: Y)'):
    (the byline part, the source); (text, None) when no source label follows a byline."""
    match = CREDIT_SPLIT.search(text)
    if not match or match.start() == 0:
        return text, None
    return tidy(text[:match.start()]), clean_source(text[match.end():].rstrip(") ").strip() or None)


def clean_source(text: str | None) -> str | None:
    """'Nguồn: X', 'Nguồn tin: X', '(Nguồn: X)', 'Theo X' all give X."""
    text = tidy(text)
    if not text:
        return None
    for pattern in (SOURCE_WRAPPED, THEO_SOURCE):
        match = pattern.match(text)
        if match:
            return tidy(match["source"]) or None
    return tidy(SOURCE_LABEL.sub("", text, count=1)) or None


_AUTHOR_MARKED = etree.XPath(".//*[contains(translate(@class,'AUTHOR','author'),'author') or contains(@class,'tacgia')"
                             " or contains(@class,'tac-gia') or contains(@class,'byline') or @itemprop='author' or "
                             "@rel='author' or contains(@class,'createdby')]")


def marked_author(scope) -> str | None:
    """A short element the CMS marks as the author (class 'author'/'byline', itemprop or rel author)."""
    for node in _AUTHOR_MARKED(scope):
        text = text_of(node)
        if not text or len(text) > 80:
            continue
        for label in (AUTHOR_LABEL_ANY, BYLINE_VERB):
            text = label.sub("", text, count=1)
        name = not_an_account(text)
        if name and not has_date(name) and not is_meta_line(name):
            return name
    return None


def looks_like_name(text: str) -> bool:
    """A printed byline: a few capitalised words, maybe with a unit ('Minh Hà – TTKSBT'), no digits."""
    words = text.split()
    if text.isupper() and len(words) > 3 or _SITE_WORDS.search(text):
        return False  # a site's name in capitals ('CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ …'), not a person
    if (1 < len(words) <= 9 and len(text) <= 70 and not re.search(r"\d", text)
            and all(word in ("–", "-", "/", "&", ",") or word.lstrip("(")[:1].isupper() for word in words)):
        return True
    return _name_with_unit(text)


_NAME_UNIT = re.compile(r"^(?P<name>[^–\-/,()]+?)\s+[–-]\s+(?P<unit>[^–\-]+)$")
MAX_UNIT_WORDS = 8  # 'TTYT huyện Văn Chấn', 'Trung tâm Kiểm soát bệnh tật tỉnh': a unit, not a sentence


def _name_with_unit(text: str) -> bool:
    """'Nguyễn Văn An - TTYT huyện Văn Chấn': a capitalised name of 2–5 words, a dash, then a unit whose
    first word is capitalised or an abbreviation; no digits, no sentence punctuation."""
    match = _NAME_UNIT.match(text)
    if not match or len(text) > 80 or re.search(r"[\d.!?;:]", text):
        return False
    name, unit = match["name"].split(), match["unit"].split()
    return (2 <= len(name) <= 5 and all(word[:1].isupper() for word in name)
            and 1 <= len(unit) <= MAX_UNIT_WORDS and unit[0][:1].isupper())


_SITE_WORDS = re.compile(r"cổng thông tin|trang thông tin|website|cổng ttđt|bản quyền", re.IGNORECASE)


def trailing_byline(body, position: dict) -> str | None:
    """A name on its own line right after the body (DNN and PHP themes print the byline there)."""
    last = body
    for last in body.iter():
        pass
    ordered = list(position)
    for node in ordered[position.get(last, 0) + 1:position.get(last, 0) + 40]:
        if tag_of(node) not in BLOCK_TAGS or any(tag_of(c) in BLOCK_TAGS for c in node):
            continue
        text = text_of(node)
        if not text:
            continue
        text = BYLINE_VERB.sub("", AUTHOR_LABEL_ANY.sub("", text, count=1), count=1)
        if not looks_like_name(text) or CHROME_HEADINGS.match(text) or GENERIC_HEADINGS.match(text) \
                or FOOTER_LINE.match(text) or is_toolbar_text(text) or is_meta_line(text):
            return None
        return not_an_account(text)
    return None


def metadata_author(root, ld, scope) -> str | None:
    """Microdata/JSON-LD author, only when the page prints that name in the article too.

    <meta name=author> is not read: CMSs fill it with the account or the site's name.
    """
    names = [text_of(n) for n in root.xpath("//*[@itemprop='author']//*[@itemprop='name']")]
    names += [str(a.get("name")) for a in ld_values(ld, "author") if isinstance(a, dict) and a.get("name")
              and not ORGANISATION_TYPES.search(str(a.get("@type") or ""))]  # the site, not a person's byline
    shown = text_of(scope)
    for name in names:
        name = not_an_account(name)
        if name and name in shown and len(name) <= 80:
            return name
    return None

def sapo(title_node, body, position: dict, title: str | None) -> str | None:
    """A lead paragraph set apart between the headline and the body (outside the body element): a leaf
    block, or a loose inline run beside blocks (an ASP.NET label, <span class=Summary>); never a date or
    views line, an image's caption or a scrolling ticker."""
    if title_node is None and body.getparent() is None:
        return None
    # without a headline element (a title only in <head>): from the start of the body's container
    anchor = title_node if title_node is not None else body.getparent()
    start, end = position.get(anchor, 0), position.get(body, 0)
    ancestors = set(body.iterancestors())
    taken = None  # the last candidate examined: its descendants are not candidates again
    for node in list(position)[start + 1:end]:
        if node in ancestors or (title_node is not None and title_node in node.iterancestors()):
            continue
        tag = tag_of(node)
        if tag in BLOCK_TAGS:
            if any(tag_of(c) in BLOCK_TAGS for c in node):
                continue
        elif not (tag in _INLINE_RUNS and node.getparent() is not None
                  and any(tag_of(c) in BLOCK_TAGS for c in node.getparent())):
            continue
        if taken is not None and taken in node.iterancestors():
            continue
        taken = node
        if tag == "figcaption" or any(tag_of(a) == "figure" for a in node.iterancestors()) or _caption_like(node):
            continue  # a lead image's caption is not a sapo
        if in_ticker(node):
            continue
        text = text_of(node)
        links = sum(len(text_of(a)) for a in node.iter("a"))
        if 40 <= len(text) <= 1000 and links < 0.3 * len(text) and text.casefold() != (title or "").casefold() \
                and not is_meta_line(text) and not _meta_pieces(node) \
                and not is_toolbar_text(text) and not CHROME_HEADINGS.match(text) and not BYLINE_VERB.match(text):
            return text
    return None


_INLINE_RUNS = frozenset({"span", "b", "strong", "font", "em", "i"})


def _caption_like(node) -> bool:
    """The node, or a wrapper of it up to two levels, comes right after an image (or a block holding only
    an image): an image's caption. An icon beside a date line is no image block."""
    for element in (node, *list(node.iterancestors())[:2]):
        previous = element.getprevious()
        if previous is not None and (tag_of(previous) == "img" or (next(previous.iter("img"), None) is not None
                                                                   and not text_of(previous))):
            return True
    return False


def _meta_pieces(node) -> bool:
    """True when the node's own text and each child's text are all date, views or label lines
    ('<time>Thứ Ba, 14/05/2024 - 09:30</time><span>1.234 lượt xem</span>')."""
    pieces = [node.text or ""] + [piece for child in node for piece in (text_of(child), child.tail or "")]
    pieces = [tidy(piece).strip("|·•-–— ") for piece in pieces]
    pieces = [piece for piece in pieces if piece]
    return len(pieces) > 1 and all(is_meta_line(piece) for piece in pieces)


MIN_LEAD, MAX_LEAD = 40, 1000  # shorter is a label or a date line; longer is a body paragraph


def lead_in_body(copy, paragraphs: list[str]) -> str | None:
    """A lead paragraph the body element holds, set apart from the paragraphs' own container: the first
    block of text is alone in its branch, the next block sits in a sibling branch holding two or more
    paragraphs (<p class=sapo> then <div class=content>). A first paragraph beside the others in one
    container is the text's, bold or not."""
    if len(paragraphs) < 3:
        return None
    leaves = []
    for node in copy.iter():
        if tag_of(node) in BLOCK_TAGS and not any(tag_of(c) in BLOCK_TAGS for c in node) and text_of(node):
            leaves.append(node)
            if len(leaves) == 3:
                break
    if len(leaves) < 3:
        return None
    first, second = leaves[0], leaves[1]
    text = text_of(first)
    if text != paragraphs[0] or not MIN_LEAD <= len(text) <= MAX_LEAD or next(first.iter("img"), None) is not None:
        return None
    if is_meta_line(text) or is_toolbar_text(text) or BYLINE_VERB.match(text) or CHROME_HEADINGS.match(text):
        return None
    lineage = {first, *first.iterancestors()}
    branch = second
    while branch.getparent() is not None and branch.getparent() not in lineage:
        branch = branch.getparent()
    common = branch.getparent()
    if common is None:
        return None
    own = first
    while own.getparent() is not common:
        own = own.getparent()
    if any(tag_of(n) in ("table", "tr", "td", "th", "li", "ul", "ol") for n in (own, branch, first)):
        return None  # table cells and list items are data, not a lead
    held = sum(1 for n in branch.iter() if tag_of(n) in BLOCK_TAGS and text_of(n)
               and not any(tag_of(c) in BLOCK_TAGS for c in n))
    return text if text_of(own) == text and held >= 2 else None


def lead_images(title_node, body, position: dict, base_url: str) -> list[dict]:
    """The images between the headline and the body (a lead image field, Drupal's or a vendor's), with
    their captions; never an icon in a link, a toolbar's image or an advertisement."""
    if title_node is None:
        return []
    start, end = position.get(title_node, 0), position.get(body, 0)
    if end <= start:
        return []
    holders = []
    for node in list(position)[start + 1:end]:
        if tag_of(node) != "img" or node in body.iterancestors() or next(node.iterancestors("a"), None) is not None:
            continue
        if _small(node) or _advert(node) or _icon(node):
            continue
        holder = node
        while holder.getparent() is not None and body not in holder.getparent().iter() \
                and title_node not in holder.getparent().iter() and len(text_of(holder.getparent())) <= MAX_LEAD:
            holder = holder.getparent()
        if holder not in holders:
            holders.append(holder)
    images = [image for holder in holders for image in holder_images(holder, base_url)]
    return images


MIN_IMAGE_SIDE = 60  # pixels: icons (print, e-mail, bullets) are smaller; a news photo never is


def _small(img) -> bool:
    for side in ("width", "height"):
        value = (img.get(side) or "").strip().rstrip("px")
        if value.isdigit() and int(value) < MIN_IMAGE_SIDE:
            return True
    return False


def _icon(img) -> bool:
    """An image inline in a line of text (a clock before the date, a bullet): an icon, not a photo."""
    parent = img.getparent()
    if parent is None:
        return False
    own = tidy(" ".join(filter(None, [parent.text, *(c.tail for c in parent)])))
    return bool(own) and len(own) <= MAX_LINE


def _advert(img) -> bool:
    """An image inside an element named as an advertisement (ad, banner, quang-cao)."""
    return any(AD_NAMES.search(" ".join((e.get("class") or "", e.get("id") or "")))
               for e in (img, *img.iterancestors()) if isinstance(e.tag, str))


def without_ads(images: list[dict], copy, base_url: str) -> list[dict]:
    """The body's images without advertisements: an image that links to another site, or sits in an
    element named ad/banner/quang-cao."""
    host = urlsplit(base_url).hostname
    ads = set()
    for img in copy.iter("img"):
        link = next(img.iterancestors("a"), None)
        target = urlsplit(absolute_url(base_url, (link.get("href") or "").strip())).hostname if link is not None \
            and (link.get("href") or "").strip().lower().startswith(("http", "//")) else None
        if _advert(img) or (target and host and target != host and not _same_site(target, host)):
            src = (img.get("src") or "").strip()
            if src:
                ads.add(absolute_url(base_url, src))
    return [image for image in images if image["url"] not in ads] if ads else images


def _same_site(one: str, other: str) -> bool:
    """www.x.gov.vn and static.x.gov.vn are one site (an image linked to its own full size)."""
    parent = one.split(".", 1)[-1]
    return (parent == other.split(".", 1)[-1] and parent.count(".") >= 2) or one.endswith("." + other) \
        or other.endswith("." + one)


def attachments(scope, body, base_url: str, position: dict) -> list[dict]:
    """Links to documents (PDF, Word, Excel, DNN LinkClick, WCM …) from the body on, each URL once."""
    found: dict[str, dict] = {}
    start = position.get(body, 0)
    for link in scope.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or position.get(link, 0) < start or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if not (DOCUMENT_LINK.search(href) or link.get("download") is not None):
            continue
        if any(tag_of(a) in OUTSIDE_TAGS for a in link.iterancestors()):
            continue
        url = absolute_url(base_url, href)
        title = text_of(link)
        if not title or GENERIC_LINK_TEXT.match(title):
            title = None
        entry = found.setdefault(url, {"url": url, "title": title})
        if entry["title"] is None and title:
            entry["title"] = title
    return list(found.values())


def drop_lead(paragraphs: list[str], lead: str | None) -> None:
    """The sapo, once found, does not open the text too."""
    if lead and paragraphs and paragraphs[0] == lead:
        paragraphs.pop(0)


def credits_apart(author: str | None, source: str | None) -> tuple[str | None, str | None]:
    """A byline that carries the source after it ('Minh Thư (Nguồn: TTKSBT)'): the name, and the source
    when none was found."""
    if not author:
        return author, source
    name, credited = split_credits(author)
    if credited is None:
        return author, source
    return not_an_account(AUTHOR_LABEL_ANY.sub("", name, count=1)), source or credited


def visits(lines: list[tuple], position: dict, title_node, body) -> int | None:
    """'Lượt truy cập: N' printed with the article (after its headline, before its end): its readers."""
    last = body
    for last in body.iter():
        pass
    start = position.get(title_node, position.get(body, 0))
    for node, text in _short_lines(lines, 60):
        if start <= position.get(node, -1) <= position.get(last, 0):
            match = VISITS.match(text)
            if match:
                return parse_count(match[1])
    return None


def record_images(body_images: list[dict], copy, title_node, body, position: dict, base_url: str) -> list[dict]:
    """The record's images: a lead image between the headline and the body, then the body's, each URL
    once, advertisements left out."""
    images = without_ads(body_images, copy, base_url)
    lead = lead_images(title_node, body, position, base_url)
    if not lead:
        return images
    seen = {image["url"] for image in lead}
    return lead + [image for image in images if image["url"] not in seen]
