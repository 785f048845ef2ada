"""Learning table layouts that name nothing (for `soyte learn`, scraper/learn/layout.py).

Where no class, id or itemprop candidate reproduces a field, its body or its listing links, the
learner tries structural paths (scraper/learn/structure.py): `td[width="600"] > table >
tr:nth-of-type(2) > td`. Where the field's value shares a cell with others behind label words
("Ngày cập nhật: 25/09/2023 | Số lần đọc: 2954"), it learns the label from the page: the words
before the value, from the cell's start or a separator to the colon, whose value (read by the
field's rule) is the record's on every example (never the sample's value itself). Nothing here runs
for a portal whose named candidates hold, so their learnt layouts stay as they were.
"""
from __future__ import annotations

from itertools import islice
from typing import Iterator

from lxml import etree

from scraper.extraction.labels import MAX_CELL_CHARS, cell_text, labelled_segments
from scraper.extraction.layouts import LABEL_FIELDS
from scraper.extraction.pages import FIELD_READERS
from scraper.extraction.visible import tag_of, text_of
from scraper.learn.body import BodyRules, first_container, reading_options
from scraper.learn.candidates import contextual_selectors, lowest_common_ancestor
from scraper.learn.examples import Example, ListingExample
from scraper.learn.listing import _links, _score, _targets
from scraper.learn.structure import structural_paths, structural_paths_from_end

MAX_CANDIDATES = 400
CHOICES = 12
_SKIPPED = ("script", "style", "head", "title", "html", "body")


def names_nothing(css: str) -> bool:
    """A selector of bare tags ('i', 'a::attr(href)'): it holds on the examples by luck, not by the template."""
    core = css.split("::", 1)[0]
    return not any(sign in core for sign in ".#[>:")


def _short_texts(example: Example) -> list[tuple[etree._Element, str]]:
    """(element, text_of) for the page's elements of a cell's length, once per example (tidying
    a windows-1258 page's decomposed text is the costly part: long containers are skipped first)."""
    found = example.__dict__.get("_short_texts")
    if found is None:
        found = []
        for element in example.root.iter():
            if not isinstance(element.tag, str) or tag_of(element) in _SKIPPED:
                continue
            if sum(len(part) for part in element.itertext()) > 3 * MAX_CELL_CHARS:
                continue
            text = text_of(element)
            if text and len(text) <= MAX_CELL_CHARS:
                found.append((element, text))
        example.__dict__["_short_texts"] = found
    return found


def _value_candidates(field_name: str, example: Example, wanted: object) -> list[tuple[int, str]]:
    """Structural paths of the elements whose whole text reads as the wanted value."""
    reader = FIELD_READERS[field_name]
    out: list[tuple[int, str]] = []
    for element, text in _short_texts(example):
        if reader(text) == wanted:
            out += structural_paths(element, positional=True)
    return out


def _label_candidates(field_name: str, example: Example, wanted: object) -> list[tuple[int, str, str]]:
    """(cost, selector, label) for the elements holding 'Label: value' where the value, read by the
    field's rule, is the wanted one; named selectors first, then structural paths."""
    reader = FIELD_READERS[field_name]
    out: list[tuple[int, str, str]] = []
    for element, text in _short_texts(example):
        if ":" not in text:
            continue
        for label, value in labelled_segments(cell_text(element)):
            if reader(value) == wanted:
                out += [(cost, css, label) for cost, css in contextual_selectors(element)
                        if css[0] in "#." or "[" in css or "." in css]
                out += [(cost, css, label) for cost, css in structural_paths(element, positional=True)]
    return out


def _ranked(candidates: list[tuple]) -> list[tuple]:
    best: dict[tuple, int] = {}
    for cost, *key in candidates:
        key = tuple(key)
        if key not in best or cost < best[key]:
            best[key] = cost
    return sorted(best, key=lambda key: (best[key], len(key[0]), key))[:MAX_CANDIDATES]


def _holds(field_name: str, examples: list[Example], wanted: dict[str, object], css: str,
           labels: tuple[str, ...]) -> bool:
    """The selector (with its labels) gives the record's value on every example, and none where it has none."""
    for ex in examples:
        value = ex.page.read(field_name, [css], labels)
        if value != wanted[ex.name] and not (value is None and wanted[ex.name] is None):
            return False
    return True


def learn_field_by_structure(field_name: str, examples: list[Example], wanted: dict[str, object],
                             labelled: bool) -> tuple[str, tuple[str, ...]] | None:
    """(selector, labels) reproducing the field on every example, or None: a labelled reading first
    where `labelled` (a value behind a label word shares its cell), else a structural path."""
    annotated = [ex for ex in examples if wanted[ex.name] is not None]
    if not annotated or field_name not in FIELD_READERS:
        return None
    pools: list[list[tuple]] = []
    if labelled and field_name in LABEL_FIELDS:
        pools.append(_ranked([c for ex in annotated for c in _label_candidates(field_name, ex, wanted[ex.name])]))
    pools.append(_ranked([c for ex in annotated for c in _value_candidates(field_name, ex, wanted[ex.name])]))
    for pool in pools:
        complete = []
        for css, *label in pool:
            labels = tuple(label)
            if _holds(field_name, examples, wanted, css, labels):
                complete.append((css, labels))
                if len(complete) == CHOICES:
                    break
        if complete:  # one element per page beats a first-of-many that happens to be right
            return next(((css, labels) for css, labels in complete
                         if all(len(ex.page.css(css)) <= 1 for ex in examples)), complete[0])
    return None


# --- the body ----------------------------------------------------------------------------------

def _structural_containers(examples: list[Example]) -> Iterator[str]:
    """Structural paths of the element holding the expected paragraphs and a few of its ancestors."""
    seen: set[str] = set()
    pool: list[tuple[int, str]] = []
    for ex in examples:
        node = _paragraph_holder(ex)
        level = 0
        while node is not None and level < 3 and tag_of(node) not in ("body", "html", "form"):
            pool += [(cost + level, css) for cost, css in structural_paths(node, positional=True)]
            pool += [(cost + level, css) for cost, css in structural_paths_from_end(node)]
            node, level = node.getparent(), level + 1
    for _cost, css in sorted(pool, key=lambda c: (c[0], len(c[1]), c[1])):
        if css not in seen:
            seen.add(css)
            yield css


def _paragraph_holder(example: Example) -> etree._Element | None:
    from scraper.learn.body import _deepest_holding, _snippet, paragraphs

    expected = paragraphs(example)
    if not expected:
        return None
    first = _deepest_holding(example.root, _snippet(expected[0], True))
    last = _deepest_holding(example.root, _snippet(expected[-1], False))
    return lowest_common_ancestor([node for node in (first, last) if node is not None])


def learn_body_by_structure(examples: list[Example], learnt: BodyRules, most: int = 60,
                            others: list = ()) -> BodyRules:
    """The body's container by its structural path, where no named container reproduced the text.
    Paths finding one element on every page, the examples and the folder's other article pages
    (`others`), are tried first: a lead cell of the body's class, in some articles only, moves the
    body's row, and only the path that finds it on every page holds on a crawl."""
    if learnt.selectors and not learnt.unmatched:
        return learnt
    candidates = _one_per_page_first(list(islice(_structural_containers(examples), most)),
                                     [ex.page for ex in examples] + list(others))
    return first_container(examples, candidates, reading_options(examples), learnt if learnt.selectors else None) or learnt


def _one_per_page_first(candidates: list[str], pages: list) -> list[str]:
    """The candidates finding exactly one element on every page, the same cell of the template on
    each (_template_cell: `tr:nth-of-type(3)` is the body's row on an article with a lead and the
    'Cập nhật' row on one without), first; the rest after (each group in rank order)."""
    def one_each(css: str) -> bool:
        cells = set()
        for page in pages:
            found = [node for node in page.css(css) if isinstance(node, etree._Element)]
            if len(found) != 1:
                return False
            cells.add(_template_cell(found[0]))
        return len(cells) == 1
    first = [css for css in candidates if one_each(css)]
    return first + [css for css in candidates if css not in first]


def _template_cell(element: etree._Element) -> tuple[str, ...]:
    """The element's tag and template attributes, and its only child's, down the chain of only
    children (a row's one cell): what the template makes it, whatever text it holds."""
    from scraper.learn.structure import _attributes

    chain = []
    node = element
    while node is not None:
        chain.append(tag_of(node) + _attributes(node))
        children = [child for child in node if isinstance(child.tag, str)]
        node = children[0] if len(children) == 1 else None
    return tuple(chain)


# --- listing links -----------------------------------------------------------------------------

def learn_links_by_structure(listings: list[ListingExample], kind: str, drop_params: list[str],
                             learnt: tuple[list[str], int]) -> tuple[list[str], int]:
    """Listing links by the structural path of their anchors (every row, no positions) where the
    learnt selector names nothing ('a::attr(href)', every link of the page) or is missing."""
    selectors, others = learnt
    if selectors and not all(names_nothing(css) for css in selectors):
        return learnt
    wanted: dict[str, set[str]] = {}
    pool: list[tuple[int, str]] = []
    for listing in listings:
        targets = listing.articles if kind == "articles" else listing.listings - {listing.url}
        anchors = _targets(listing, targets, drop_params)
        wanted[listing.name] = {url for a in anchors for url in _links_of(listing, a, drop_params)}
        for anchor in anchors:
            pool += [(cost, f"{css}::attr(href)") for cost, css in structural_paths(anchor, positional=False)]
    if not pool:
        return learnt

    def score(css: str) -> tuple:
        return _score(listings, {listing.name: _links(listing, css, drop_params) for listing in listings}, wanted)

    best, best_score = selectors, (score(selectors[0]) if selectors else None)
    for css in _ranked(pool):
        css = css[0]
        found = score(css)
        if found[0] and (best_score is None or found > best_score):
            best, best_score = [css], found
    return best, -best_score[1] if best_score else others


def _links_of(listing: ListingExample, anchor: etree._Element, drop_params: list[str]) -> set[str]:
    from w3lib.url import url_query_cleaner

    from scraper.extraction.urls import link_url

    url = link_url(listing.url, anchor.get("href"))
    return {url_query_cleaner(url, drop_params, remove=True)} if url else set()


def learn_container_by_structure(listings: list[ListingExample], drop_params: list[str], articles: list[str],
                                 pages: list, learnt: list[str]) -> list[str]:
    """The listing's container by its structural path, where no named element holds the article
    links: found, holding them, on every listing page, preferably on no article page (`pages`)."""
    from scraper.learn.listing import _own_anchors, holds_the_listing

    if learnt and not all(names_nothing(css) for css in learnt):
        return learnt
    anchors = {listing.name: _own_anchors(listing, articles, drop_params) for listing in listings}
    pool: list[tuple[int, str]] = []
    for listing in listings:
        node = lowest_common_ancestor(anchors[listing.name])
        level = 0
        while node is not None and level < 4 and tag_of(node) not in ("html", "body"):
            pool += [(cost + level, css) for cost, css in structural_paths(node, positional=True)]
            node, level = node.getparent(), level + 1
    found = [css for (css,) in _ranked(pool)
             if all(holds_the_listing(listing, css, anchors[listing.name]) for listing in listings)]
    particular = [css for css in found if not any(page.css(css) for page in pages)]
    return (particular or found)[:1] or learnt


def structural_choices(field_name: str, examples: list[Example], wanted: dict[str, object],
                       limit: int = CHOICES) -> list[str]:
    """Every structural path (no label) reproducing the field on every example, at most `limit`,
    in rank order: where one annotated article cannot tell a menu's row from the breadcrumb's last
    crumb, the learner lets the other article pages choose among them (scraper/learn/ties.py)."""
    annotated = [ex for ex in examples if wanted[ex.name] is not None]
    if not annotated or field_name not in FIELD_READERS:
        return []
    complete = []
    for (css,) in _ranked([c for ex in annotated for c in _value_candidates(field_name, ex, wanted[ex.name])]):
        if _holds(field_name, examples, wanted, css, ()):
            complete.append(css)
            if len(complete) == limit:
                break
    return complete
