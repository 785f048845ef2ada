"""Choosing between selectors that fit the annotated articles equally (for `soyte learn`).

Learnt from one annotated article (or a few with the same value), several selectors can give a
field its expected value: the breadcrumb's last crumb and a menu's active item both say "Tin tức",
a sapo's `div.sapo` and the first bare `strong` of the page hold the same lead. The folder's other
article pages (unannotated, or left out with `--only`: their records are never read) tell them
apart by structure: the field's selector is found on them, and its values vary between pages as the
field's do (a title, a time, a lead differ on every article; a category repeats, but a menu item
that never changes is no category). Where they still cannot tell, the report says which field
needs another annotated article and why, one line per field.

Also here: a field the annotated article does not show at all, while the other pages plainly have
it (documents linked from the article), is named in the report as needing an article that shows it.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Sequence

from scraper.extraction.cleaning import AUTHOR_LABEL, SOURCE_LABEL
from scraper.extraction.pages import ArticlePage
from scraper.extraction.visible import tag_of, text_of
from scraper.learn.examples import Example, shown

Reader = Callable[[ArticlePage, str], object]


def _values(css: str, pages: Sequence[ArticlePage], read: Reader) -> list[object]:
    return [read(page, css) for page in pages]


def spread(css: str, others: Sequence[ArticlePage], read: Reader, also: object = None) -> tuple[int, int]:
    """(how many different values the selector gives on the other pages, with `also` the annotated
    value if given; how many of those pages it is found on): a field varies between articles, a menu
    item or a sidebar's heading does not, and a position that happens to hold the value on the
    annotated page holds nothing on the others."""
    values = [v for v in _values(css, others, read) if v is not None]
    return len({repr(v) for v in values} | ({repr(also)} if also is not None else set())), len(values)


def settle(field_name: str, chosen: list[str], complete: list[str], examples: list[Example],
           others: Sequence[ArticlePage], read: Reader) -> tuple[list[str], str | None]:
    """(selectors, a report line or None). `chosen` is what the annotated examples chose,
    `complete` every selector that reproduces all of them (rank order). Where the examples cannot
    tell the candidates apart (they agree on every example), the one that scores best on the other
    pages is kept (ties keep the examples' choice); where the best ones still disagree on the other
    pages, or there is no other page and they are different elements, the report says so."""
    if len(chosen) != 1 or len(complete) < 2:
        return chosen, None
    pool = [chosen[0]] + [css for css in complete if css != chosen[0]]
    if not others:  # nothing to vote: two separate elements giving the value is a question for a second article
        rival = next((css for css in pool[1:] if _apart(examples[0].page, chosen[0], css)), None)
        if rival is None:
            return chosen, None
        return chosen, (f"{field_name}: `{chosen[0]}` and `{rival}` both give "
                        f"{shown(_short(read(examples[0].page, chosen[0])))} on the annotated article, and no other "
                        "article page tells them apart: annotate a second article")
    scores = {css: spread(css, others, read) for css in pool}
    best = max(pool, key=lambda css: (scores[css], -pool.index(css)))
    rivals = [css for css in pool if css != best and scores[css] == scores[best]
              and _values(css, others, read) != _values(best, others, read)]
    caveat = None
    if rivals:
        many = "s" if len(examples) > 1 else ""
        caveat = (f"{field_name}: `{best}` and `{rivals[0]}` both give {shown(_short(read(examples[0].page, best)))} "
                  f"on the annotated article{many} and differ on the other pages: annotate an article where they differ")
    return [best], caveat


def _apart(page: ArticlePage, first: str, second: str) -> bool:
    """The two selectors' first elements in the page's body are separate (neither holds the other):
    the head's meta tags and a heading's own parts say the same thing, a sidebar's copy need not."""
    found = []
    for css in (first, second):
        if "::" in css:
            return False
        matched = page.css(css)
        if not matched:
            return False
        found.append(matched[0])
    one, two = found
    return one is not two and one not in two.iterancestors() and two not in one.iterancestors()


def _short(value: object) -> object:
    return value if not isinstance(value, str) or len(value) <= 60 else value[:57] + "…"


# A link to a document: a file name with a document's extension anywhere in its path (Liferay
# serves '/documents/…/cong-van.pdf/<uuid>'), or a download handler's ticket (DNN's LinkClick.aspx).
_DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z)(?=$|[/?#&])|[?&](fileticket|attachment|download)=",
                       re.IGNORECASE)


def _document_links(page: ArticlePage) -> set[str]:
    return {href.strip() for href in page.sel.css("a::attr(href)").getall() if _DOCUMENT.search(href.strip())}


def unshown_attachments(examples: list[Example], others: Sequence[ArticlePage]) -> str | None:
    """A report line when no annotated article has attachments while other article pages link
    documents (a .pdf, .doc…) that no annotated page links (a sidebar's standing links are on
    every page): the attachments cannot be learnt from these articles."""
    if any(ex.expected.get("attachments") for ex in examples) or not others:
        return None
    standing = set().union(*(_document_links(ex.page) for ex in examples))
    linking = [page for page in others if _document_links(page) - standing]
    if not linking:
        return None
    return (f"attachments: no annotated article has any, while {len(linking)} other article page"
            f"{'s link' if len(linking) > 1 else ' links'} documents: annotate an article with its attachments")


# Fields whose value is one article's own: no two articles share a headline or a lead, so a
# selector whose value repeats between article pages reads the site's boilerplate (a footer's
# "SỞ Y TẾ TỈNH …", a site name) there. A lead is set apart from the body, so a sapo selector that
# reads one of the body's paragraphs (a page without a lead: the first paragraph, or the head's
# description, which such a CMS fills with the first sentence) reads no sapo there.
PER_ARTICLE = ("title", "sapo")


def _misreadings(css: str, examples: list[Example], others: Sequence[ArticlePage], read: Reader,
                 body_of: Callable[[ArticlePage], list[str]] | None) -> int:
    """On how many of the other article pages the selector reads what cannot be the field: a value
    read on another article page too (annotated or not), or (given the pages' body paragraphs) a
    value that is body text."""
    found = [(page, value) for page, value in ((page, read(page, css)) for page in others) if isinstance(value, str)]
    seen = Counter(value for _page, value in found)
    seen.update(value for value in (read(ex.page, css) for ex in examples) if isinstance(value, str))
    wrong = 0
    for page, value in found:
        paragraphs = body_of(page) if body_of else []
        if seen[value] > 1 or any(value in p or (len(p) >= 40 and p in value) for p in paragraphs):
            wrong += 1
    return wrong


def set_apart(field_name: str, chosen: list[str], complete: list[str], examples: list[Example],
              others: Sequence[ArticlePage], read: Reader,
              body_of: Callable[[ArticlePage], list[str]] | None = None) -> tuple[list[str], str | None]:
    """(selectors, a report line or None) for a per-article field (PER_ARTICLE) checked on the
    folder's other article pages: where the chosen selector reads boilerplate or body text there
    (_misreadings), the candidate reproducing every example that misreads fewest is kept (rank
    order among equals); where even that one misreads, the report says so."""
    if field_name not in PER_ARTICLE or len(chosen) != 1 or not others:
        return chosen, None
    if not _misreadings(chosen[0], examples, others, read, body_of):
        return chosen, None
    pool = [chosen[0]] + [css for css in complete if css != chosen[0]]
    wrong = {css: _misreadings(css, examples, others, read, body_of) for css in pool}
    best = min(pool, key=lambda css: (wrong[css], pool.index(css)))
    if not wrong[best]:
        return [best], None
    return [best], (f"{field_name}: `{best}` reads a line repeated between article pages or a body paragraph on "
                    f"{wrong[best]} other article page{'s' if wrong[best] > 1 else ''}: annotate an article "
                    f"{'without a ' + field_name if field_name == 'sapo' else 'where it differs'}")


_LABELLED = {"source": SOURCE_LABEL, "author": AUTHOR_LABEL}


def _labelled_lines(page: ArticlePage, label: re.Pattern) -> set[str]:
    """The page's short visible lines (leaf-most elements) that open with the field's label word."""
    lines = set()
    for element in page.sel.root.iter():
        if not isinstance(element.tag, str) or tag_of(element) in ("script", "style", "head", "title"):
            continue
        text = text_of(element)
        if text and len(text) <= 200 and label.match(text):
            lines.add(text)
    return lines


def unshown_credits(examples: list[Example], others: Sequence[ArticlePage],
                    credited: Callable[[ArticlePage, str], object] = lambda page, field: None) -> list[str]:
    """Report lines for the credits (source, author) that no annotated article fills while other
    article pages print a line opening with the field's label ('Nguồn: …', 'Tác giả: …') that no
    annotated page prints (a footer's standing 'Nguồn: …' is on every page) and that the learnt
    body does not credit (`credited`: its reading peels a last 'Nguồn: …' line off): the field
    cannot be learnt from these articles."""
    lines = []
    for field_name, label in _LABELLED.items():
        if any(ex.expected.get(field_name) for ex in examples) or not others:
            continue
        standing = set().union(*(_labelled_lines(ex.page, label) for ex in examples))
        showing = [page for page in others if _labelled_lines(page, label) - standing and not credited(page, field_name)]
        if showing:
            lines.append(f"{field_name}: no annotated article has one, while {len(showing)} other article page"
                         f"{'s print' if len(showing) > 1 else ' prints'} a line labelled like one: annotate an article "
                         f"with its {field_name}")
    return lines
