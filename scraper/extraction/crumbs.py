"""A breadcrumb's last crumb written as plain text, for selectors ending in `::last-crumb`.

Old PHP portals (Mambo, Joomla 1.0) print the category an article is filed under as the unlinked
end of their pathway: `<span class="pathway"><a>Trang chủ</a> » <a>Tin tức</a> » Hoạt động ngành
</span>`. No element holds those words alone, so a selector cannot name them; `span.pathway::last-crumb`
reads, in each element the selector finds, the text after the last separator (», ›, >, → or an
image, as Mambo's arrow.png) of a line that links at least one crumb. An element without a
separator or a link gives nothing: it is no breadcrumb.
"""
from __future__ import annotations

import re

from lxml import etree

from scraper.extraction.cleaning import tidy

LAST_CRUMB = "::last-crumb"
_SEPARATOR = "\x1f"
_SEPARATORS = re.compile(r"[»›>→\x1f]")
_SKIPPED = ("script", "style")


def split_crumb_selector(css: str) -> str | None:
    """The element selector of a `::last-crumb` selector, or None for any other selector."""
    return css[: -len(LAST_CRUMB)].strip() if css.strip().endswith(LAST_CRUMB) else None


def _text_with_separators(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            tag = child.tag.lower()
            if tag == "img":
                parts.append(_SEPARATOR)
            elif tag not in _SKIPPED:
                parts.append(_text_with_separators(child))
        parts.append(child.tail or "")
    return "".join(parts)


def last_crumb(element: etree._Element) -> str | None:
    """The text after the element's last crumb separator, where it links at least one crumb."""
    if not isinstance(element.tag, str) or next(element.iter("a"), None) is None:
        return None
    segments = _SEPARATORS.split(_text_with_separators(element))
    if len(segments) < 2:
        return None
    return tidy(segments[-1]) or None
