"""What a page says about itself: its title and its publication time.

Machine-readable metadata first (schema.org microdata, JSON-LD, OpenGraph and article:* meta
tags, <time datetime>), then the page itself: the element whose text the declared title confirms,
else the element before the body that looks most like a headline; the date printed between the
headline and the body, in any of the portals' wordings (scraper.extraction.dates.parse_date_words).
"""
from __future__ import annotations

import json
import re
import unicodedata

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import tidy
from scraper.extraction.dates import has_date, iso_from_head, parse_date_words
from scraper.extraction.jsonld import ld_objects
from scraper.extraction.generic.words import CHROME_HEADINGS, GENERIC_HEADINGS, is_meta_line, is_toolbar_text
from scraper.extraction.generic.words import MAX_SITE_NAME_WORDS, SITE_NAME_START, TICKER_NAMES
from scraper.extraction.visible import tag_of, text_of

_SEPARATORS = re.compile(r"\s+(?:[|–—:>\-]|::|»|›)\s+")


def meta(root, *names: str) -> str | None:
    """The first non-empty <meta property|name|itemprop=…> content among `names` (for the first name that
    has one, the first such <meta> of the page). One pass over the page's <meta>s, not one per name."""
    wanted = {name.lower() for name in names}
    found: dict = {}
    for node in root.iterfind(".//meta"):
        for key in ((node.get("property") or "").lower(), (node.get("name") or "").lower(),
                    (node.get("itemprop") or "").lower()):
            if key in wanted and key not in found:
                value = tidy(node.get("content"))
                if value:
                    found[key] = value
    return next((found[name.lower()] for name in names if name.lower() in found), None)


def json_ld(root) -> list[dict]:
    """Every JSON-LD object of the page, @graph members included; broken JSON is ignored."""
    objects: list[dict] = []
    for script in root.iterfind(".//script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        objects += ld_objects(data)
    return objects


def ld_values(objects: list[dict], key: str) -> list:
    return [obj[key] for obj in objects if obj.get(key)]


def declared_titles(root, ld: list[dict]) -> list[str]:
    """What the document itself says its title is: og:title, JSON-LD headline, <title>."""
    values = [meta(root, "og:title", "twitter:title"), *map(str, ld_values(ld, "headline"))]
    values += [text_of(node) for node in root.iterfind(".//title")][:1]
    return [tidy(value) for value in values if value and tidy(value)]


def confirmed_headlines(root, declared: list[str], chars: dict, position: dict, ld: list[dict] | None = None) -> list[tuple]:
    """(node, text, in a link) of every page element whose text the declared title confirms (`ld`: the page's
    JSON-LD, when the caller has read it)."""
    folded_declared = [value.casefold() for value in declared]
    if not folded_declared:
        return []  # nothing to confirm
    found = []
    # The elements Stats measured (every element outside scripts and form controls, in no set order),
    # 8–600 characters long: too short or too long to be a headline are most of a page's elements.
    for node in [node for node, count in chars.items() if 8 <= count <= 600]:
        tag = node.tag
        if tag in ("html", "head", "title", "body", "script", "style") or len(node) > 4:
            continue
        if not _may_confirm(node, folded_declared):
            continue  # its first word is in no declared title: most paragraphs, told apart without reading them whole
        if any(tag_of(child) in BLOCK_TAGS for child in node):
            continue
        text = text_of(node)
        if not 8 <= len(text) <= 400 or GENERIC_HEADINGS.match(text):
            continue
        folded = text.casefold()
        if any(_confirms(folded, value) for value in folded_declared):
            found.append((node, text, tag == "a" or next(node.iterancestors("a"), None) is not None))
    found.sort(key=lambda entry: position[entry[0]])  # in document order
    if found:  # the site's name in the header confirms the '… - Sở Y tế tỉnh X' part of a title: not a headline
        names = site_names(root, ld)
        found = [entry for entry in found if not _names_the_site(entry[1], folded_declared, names)
                 and entry[1].casefold() not in names]  # a <title> that is only the site's name confirms its logo
    return found


def _may_confirm(node, folded_declared: list[str]) -> bool:
    """False only when _confirms cannot hold for the node's text: the text's first word (its first 20
    characters) is in no declared title. Every way a text confirms a title puts its start inside one (the
    text is the title or a part of it, or begins with the title's first 20 characters or more), and a
    text's first word is its first fragment's (text_of joins fragments with a space, tidy folds nothing
    across them)."""
    text = node.text
    for fragment in ((text,) if text and not text.isspace() else node.itertext()):
        words = fragment.split(None, 1)
        if not words:
            continue
        word = words[0]
        if word.isascii() and word.isprintable():  # most words: NFC and casefold are lower()
            word = word.lower()[:20]
        else:
            if not word.isprintable():  # a zero-width character: tidy's rules decide what the first word is
                word = tidy(fragment).split(" ", 1)[0]
                if not word:
                    continue
            word = unicodedata.normalize("NFC", word).casefold()[:20]
        for value in folded_declared:
            if word in value:
                return True
        return False
    return False


def _names_the_site(text: str, folded_declared: list[str], names: list[str]) -> bool:
    """The element prints only the part of the declared title that is the site's name."""
    folded = text.casefold()
    return folded not in folded_declared and _is_site_part(text, names) and \
        any(without_site_name(value, names) != value and folded not in without_site_name(value, names)
            for value in folded_declared)


def title_anchor(confirmed: list[tuple], position: dict):
    """The headline's element before the body is known: the longest confirmed element outside links,
    a heading first, the first in the page among equals. The body is looked for after it."""
    candidates = [(len(text), tag_of(node) in _HEADING_TAGS, -position.get(node, 0), node)
                  for node, text, in_link in confirmed if not in_link]
    return max(candidates, key=lambda c: c[:3])[3] if candidates else None


def find_title(confirmed: list[tuple], declared: list[str], root, body, position: dict,
               ld: list[dict] | None = None) -> tuple[str | None, object]:
    """The headline and its element: the page element whose text the declared title confirms.

    Any element qualifies (a heading, a table cell, a span), the longest match first, then one
    before the body and outside links, then a heading, then the nearest to the body. Without that
    confirmation a logo's alt text or a sidebar heading could become the title; the nearest heading
    before the body, else the declared title with its site-name part cut off, is the fallback.
    """
    body_at = position.get(body, len(position))
    matched = []
    for node, text, in_link in confirmed:
        at = position.get(node, 0)
        matched.append(((len(text), at < body_at and not in_link, tag_of(node) in _HEADING_TAGS, -abs(body_at - at)),
                        node, text))
    if matched:
        _key, node, text = max(matched, key=lambda m: m[0])
        if tag_of(node) not in _HEADING_TAGS:  # a span or cell that prints the document title whole
            text = without_site_name(text, site_names(root, ld))
        return text, node
    if not declared:
        return None, None
    heading = _nearest_heading(root, body_at, position)
    if heading is not None:
        return text_of(heading), heading
    stripped = without_site_name(declared[0], site_names(root, ld))
    if stripped != declared[0]:
        return stripped, None
    parts = sorted(_SEPARATORS.split(declared[0]), key=len, reverse=True)
    return (parts[0] if len(parts[0]) >= 15 else declared[0]), None


_TITLE_PARTS = re.compile(r"\s+(?:[|–—\-]|::)\s+")
MIN_TITLE_LEFT = 15  # characters of headline a cut must leave: never cut a title down to a word


_HOME_URL = re.compile(r"(?:https?:)?//[^/]+/?")  # a site's home page, as a link's href gives it


def site_names(root, ld: list[dict] | None = None) -> list[str]:
    """The site's names, casefolded: og:site_name, JSON-LD WebSite/Organization/publisher names, and the
    logo's alt text or the text of a link to the home page in the page header."""
    names = [meta(root, "og:site_name", "application-name", "apple-mobile-web-app-title")]
    for obj in (json_ld(root) if ld is None else ld):  # (`ld`: the page's JSON-LD, already read)
        if re.search(r"website|organi[sz]ation", str(obj.get("@type") or ""), re.IGNORECASE):
            names.append(str(obj.get("name") or ""))
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            names.append(str(publisher.get("name") or ""))
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if href in ("/", "./", "index.php", "index.html", "default.aspx", "Default.aspx") or \
                href.startswith(("http", "//")) and _HOME_URL.fullmatch(href):
            names += [img.get("alt") or "" for img in link.iter("img")] + [text_of(link)]
    return [tidy(name).casefold() for name in names if name and len(tidy(name)) >= 6]


def _is_site_part(part: str, names: list[str]) -> bool:
    folded = tidy(part).casefold()
    if not folded:
        return False
    if any(folded == name or (len(folded) >= 8 and (folded in name or name in folded)) for name in names):
        return True
    return bool(SITE_NAME_START.match(part)) and len(part.split()) <= MAX_SITE_NAME_WORDS


def without_site_name(title: str, names: list[str]) -> str:
    """The title without a leading or trailing part that is the site's name ('… - Sở Y tế tỉnh Lào Cai',
    'CỔNG THÔNG TIN … | …'), cut at ' - ', ' | ', ' – '; a part is the site's when it repeats a name of
    the site or opens with a site's words. What is left is at least MIN_TITLE_LEFT characters."""
    changed = True
    while changed:
        changed = False
        separators = list(_TITLE_PARTS.finditer(title))
        if not separators:
            break
        last, first = separators[-1], separators[0]
        if _is_site_part(title[last.end():], names) and len(title[:last.start()]) >= MIN_TITLE_LEFT:
            title, changed = tidy(title[:last.start()]), True
        elif _is_site_part(title[:first.start()], names) and len(title[first.end():]) >= MIN_TITLE_LEFT:
            title, changed = tidy(title[first.end():]), True
    return title


def _confirms(text: str, declared: str) -> bool:
    """True when a page element's text is the declared title, or the part of it that is not the site's
    name, or what a truncated declared title ('… năm 2024 ...') begins. Both come casefolded (some
    <title>s shout)."""
    if text == declared:
        return True
    if len(text) >= 0.35 * len(declared) and (declared.startswith(text) or declared.endswith(text)
                                              or f" {text} " in f" {declared} "):
        return True
    cut = declared.rstrip(" .…")
    return cut != declared and len(cut) >= 20 and text.startswith(cut)


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


_TITLE_NAMED = re.compile(r"title|tieude|tieu-de|tieu_de|headline|heading", re.IGNORECASE)
_LARGE_FONT = re.compile(r"font-size\s*:\s*(\d+(?:\.\d+)?)\s*(px|pt|em|rem)", re.IGNORECASE)


def _headline_rank(node) -> float:
    """How much an element looks like a headline: heading tag > named 'title' > large or bold line."""
    tag = tag_of(node)
    if tag in ("h1", "h2", "h3"):
        return 4
    if tag in ("h4", "h5", "h6"):
        return 3
    for element in (node, node.getparent()):
        if element is not None and _TITLE_NAMED.search(" ".join((element.get("class") or "", element.get("id") or ""))):
            return 2
    size = _LARGE_FONT.search(node.get("style") or "")
    pixels = float(size[1]) * {"px": 1, "pt": 1.33, "em": 16, "rem": 16}[size[2].lower()] if size else 0
    if (tag == "font" and (node.get("size") or "").strip() in ("4", "5", "6", "+1", "+2")) or pixels >= 17:
        return 1.5
    if tag in ("b", "strong") or (len(node) == 1 and tag_of(node[0]) in ("b", "strong")
                                  and text_of(node[0]) == text_of(node)):
        return 1
    return 0


def _nearest_heading(root, body_at: int, position: dict):
    """The element just before the body that looks most like a headline (four words or more, not a
    label, a date line or a toolbar); among equals the nearest to the body, a long one (a sapo) last."""
    best, best_rank, names = None, 0.0, None
    for node in reversed(list(position)[max(0, body_at - 200):body_at]):
        tag = tag_of(node)
        if not tag or tag in ("a", "script", "style", "title", "option") or any(tag_of(c) in BLOCK_TAGS for c in node):
            continue
        text = text_of(node)
        if len(text.split()) < 4 or len(text) > 400 or next(node.iterancestors("a"), None) is not None:
            continue
        if GENERIC_HEADINGS.match(text) or CHROME_HEADINGS.match(text) or is_meta_line(text) or is_toolbar_text(text):
            continue
        rank = _headline_rank(node) - (0.5 if len(text) > 250 else 0)
        if rank > best_rank:
            names = site_names(root) if names is None else names
            if _is_site_part(text, names) or next(node.iterancestors("header"), None) is not None:
                continue  # the site's name in the page header, not a headline
            best, best_rank = node, rank
    return best


def _from_head_value(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", value):
        return iso_from_head(value.replace(" ", "T"))
    return parse_date_words(value) if has_date(value) else None


PUBLISHED_PROPERTIES = ("datePublished", "dc:created", "dc:date", "dcterms:created")  # RDFa, contained in @property


def _dated_by_markup(root) -> list:
    """Elements whose itemprop is datePublished or whose RDFa property names a creation date, in
    document order. A walk in Python: the XPath's contains() on every element cost twice as much.
    (generic_record has them from category.page_marks' walk of the page.)"""
    found = []
    for node in root.iter():
        attrib = node.attrib if isinstance(node.tag, str) else None
        if not attrib:
            continue
        prop = attrib.get("property")
        if attrib.get("itemprop") == "datePublished" or \
                (prop is not None and any(name in prop for name in PUBLISHED_PROPERTIES)):
            found.append(node)
    return found


def head_published(root, ld: list[dict], window: tuple[int, int], position: dict, dated: list | None = None) -> str | None:
    """The machine-readable publication time: microdata, article:published_time, JSON-LD, then a
    <time datetime> of the article itself (from the headline to the body's end: a header clock or a
    sidebar's list is not the article's date)."""
    candidates = []
    for node in (_dated_by_markup(root) if dated is None else dated):  # microdata and RDFa (Drupal)
        candidates += [node.get("content"), node.get("datetime")]
    candidates += [meta(root, "article:published_time", "og:published_time", "datePublished", "pubdate",
                        "publishdate", "publish-date", "dc.date.issued", "dcterms.created", "date")]
    candidates += [str(v) for v in ld_values(ld, "datePublished")]
    for node in root.iter("time"):  # (an XPath '//time[@datetime]' walks the page more slowly)
        if node.get("datetime") is None or not window[0] <= position.get(node, -1) <= window[1]:
            continue
        marks = " ".join((node.get("class") or "", node.get("itemprop") or "")).lower()
        if not any(word in marks for word in ("update", "modif")):
            candidates.append(node.get("datetime"))
    for value in candidates:
        parsed = _from_head_value(value)
        if parsed:
            return parsed
    return None


def visible_published(root, title_node, body, position: dict) -> str | None:
    """The date printed between the headline and the body (or just before the headline)."""
    start = position.get(title_node, position.get(body, 0))
    if title_node is not None:  # after the headline's own text (a headline may hold a date)
        start += sum(1 for _ in title_node.iter())
    end = position.get(_first_paragraph(body), position.get(body, 0) + 1)
    ordered = list(position)  # insertion order is document order
    window = ordered[start:end] if start < end else []
    if title_node is not None:
        parent = title_node.getparent()
        window += [n for n in parent.iter() if position.get(n, 0) < start] if parent is not None else []
    for node in window:
        text = text_of(node)
        if text and len(text) <= 160 and has_date(text) and next(node.iterancestors("a"), None) is None \
                and not in_ticker(node):
            parsed = parse_date_words(text)
            if parsed:
                return parsed
    return None


def in_ticker(node) -> bool:
    """Inside a <marquee> or an element named as a scrolling ticker (words.TICKER_NAMES): its text is never
    the article's lead, nor its date ('Chào mừng kỷ niệm … 27/2/1955 - 27/2/2025' scrolling above a story)."""
    for element in (node, *node.iterancestors()):
        if tag_of(element) == "marquee" or TICKER_NAMES.search(" ".join((element.get("class") or "",
                                                                         element.get("id") or ""))):
            return True
    return False


def _first_paragraph(body):
    for node in body.iter():
        if tag_of(node) in BLOCK_TAGS and len(text_of(node)) >= 80 and not any(tag_of(c) in BLOCK_TAGS for c in node):
            return node
    return body


def published(root, ld, title_node, body, position, dated: list | None = None) -> str | None:
    """A head time with a clock beats the visible text; a visible time beats a bare head date. `dated`:
    _dated_by_markup's elements, when the caller has them."""
    last = body
    for last in body.iter():
        pass
    start = position.get(title_node, position.get(body, 0))
    head = head_published(root, ld, (start, position.get(last, start)), position, dated)
    if head and "T" in head:
        return head
    visible = visible_published(root, title_node, body, position)
    if visible and "T" in visible:
        return visible
    return head or visible
