"""`soyte learn`: a portal's layout file learnt from pages a person captured and annotated.

Input: a folder in the site.json format (listing pages, article pages, and for the articles the
expected records a person corrected, under expected/). Output: a `Layout` whose rules reproduce
every expected record, or a report naming each field and page it could not reproduce.

For each field the learner finds, on each example, the elements that hold the expected value,
builds structural selectors for them (scraper/learn/candidates.py), and keeps the cheapest
selector that gives the expected value on every example and a wrong one on none; where no single
selector holds everywhere, a short list that does (most specific first, as layouts are written).
The body is the container whose reading gives the expected paragraphs, less the elements inside
it that hold only what the record leaves out (toolbars, related links, the sapo). Listings get
the selectors that find the manifest's article links (and as few others as possible) and its
other listing pages. Everything is sorted, so the same examples always give the same file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree

from scraper.extraction.cleaning import tidy
from scraper.extraction.layouts import Layout
from scraper.extraction.pages import FIELD_READERS, ArticlePage, ExtractionError, page_classes
from scraper.extraction.urls import absolute_url
from scraper.extraction.visible import tag_of, text_of
from scraper.learn.body import BodyRules, learn_attachments, learn_body, read
from scraper.learn.candidates import contextual_selectors, ranked
from scraper.learn.examples import Example, ListingExample, read_examples, shown
from scraper.learn.listing import learn_container, learn_drop_params, learn_links
from scraper.model import PAGE_KEYS


@dataclass
class Learnt:
    layout: Layout
    report: list[str]           # what was learnt, one line per field
    problems: list[str]         # "field: page: expected … got …", empty when every record is reproduced


# --- fields read by one selector ---------------------------------------------------------------

TARGETS = {"published_head": "published", "published_text": "published", "canonical": "url"}


def read_with(field_name: str, page: ArticlePage, css: str) -> object:
    """The field's value on the page with this one selector, by the rule a crawl reads it with
    (ArticlePage.read). The canonical is the URL the page declares, made absolute: the crawl then
    keys it (scraper.extraction.urls), as verify() checks on each whole record."""
    if field_name == "canonical":
        href = page.first_text([css])
        return absolute_url(page.url, href) if href else None
    return page.read(field_name, [css])


def elements_with_text(root: etree._Element, wanted: str, transform: Callable[[str], object] = lambda t: t,
                       max_chars: int = 400) -> list[etree._Element]:
    """Elements whose visible text (transformed) is the wanted value."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str) or tag_of(element) in ("script", "style", "head", "title"):
            continue
        text = text_of(element)
        if text and len(text) <= max_chars and transform(text) == wanted:
            found.append(element)
    return found


def attribute_candidates(root: etree._Element, wanted: object, transform: Callable[[str], object]) -> list[tuple[int, str]]:
    """Selectors ending in ::attr(name) for elements whose attribute (transformed) is the wanted value."""
    out: list[tuple[int, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in ("content", "datetime", "href", "title", "value") and value and transform(value) == wanted:
                out += [(cost, f"{css}::attr({name})") for cost, css in contextual_selectors(element, depth=2)]
    return out


def candidates_for(field_name: str, example: Example, wanted: object) -> list[tuple[int, str]]:
    root = example.root
    if field_name in ("title", "category", "sapo", "author"):
        elements = elements_with_text(root, wanted)
        if field_name == "title":
            return [c for e in elements for c in contextual_selectors(e)] + attribute_candidates(root, wanted, tidy)
        return [c for e in elements for c in contextual_selectors(e, positional=field_name == "category")]
    if field_name == "source":
        elements = elements_with_text(root, wanted, FIELD_READERS["source"])
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "views":
        elements = elements_with_text(root, wanted, FIELD_READERS["views"], max_chars=60)
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "published_head":
        return attribute_candidates(root, wanted, FIELD_READERS["published_head"])
    if field_name == "published_text":
        elements = elements_with_text(root, wanted, FIELD_READERS["published_text"], max_chars=120)
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "canonical":  # only what the head declares: a self-link in the page is no canonical
        head = root.find("head")
        return [] if head is None else attribute_candidates(head, wanted,
                                                            lambda v: absolute_url(example.url, v))
    raise ValueError(field_name)


def learn_field(field_name: str, examples: list[Example],
                wanted_of: Callable[[Example], object] | None = None) -> tuple[list[str], list[str]]:
    """(selectors, names of examples none of them reproduces) for one field."""
    target = TARGETS.get(field_name, field_name)
    wanted_of = wanted_of or (lambda ex: ex.expected.get(target))
    wanted = {ex.name: wanted_of(ex) for ex in examples}
    annotated = [ex for ex in examples if wanted[ex.name] is not None]
    if not annotated:
        return [], []
    pool = ranked((c for ex in annotated for c in candidates_for(field_name, ex, wanted[ex.name])),
                  field=target if target != "url" else None)
    covering: dict[str, set[str]] = {}
    complete: list[str] = []
    majority: tuple[int, str] | None = None  # when examples disagree: the selector most of them agree with
    for css in pool:
        covered, wrong = set(), set()
        for ex in examples:
            value = read_with(field_name, ex.page, css)
            if value is None:
                continue
            if value != wanted[ex.name]:  # a value where the record has another, or none
                wrong.add(ex.name)
            else:
                covered.add(ex.name)
        if wrong and len(covered) > len(wrong) and (majority is None or len(covered) - len(wrong) > majority[0]):
            majority = (len(covered) - len(wrong), css)
        if not wrong and covered:
            covering[css] = covered
            if covered == {ex.name for ex in annotated}:
                complete.append(css)
                if len(complete) == CHOICES:
                    break
    if complete:  # one element per page beats a first-of-many that happens to be right
        return [next((css for css in complete if _unique(css, examples)), complete[0])], []
    chosen, left = _cover(pool, covering, {ex.name for ex in annotated})
    if majority and majority[0] > len(annotated) - len(left):
        css = majority[1]
        return [css], sorted(ex.name for ex in examples if read_with(field_name, ex.page, css) != wanted[ex.name])
    return chosen, left


CHOICES = 12  # selectors holding on every example, compared for uniqueness


def _unique(css: str, examples: list[Example]) -> bool:
    return all(len(ex.page.css(css)) <= 1 for ex in examples)


def _cover(pool: list[str], covering: dict[str, set[str]], needed: set[str]) -> tuple[list[str], list[str]]:
    """Greedy set cover in rank order: a short list of never-wrong selectors, most covering first."""
    chosen: list[str] = []
    left = set(needed)
    while left:
        best = max((css for css in pool if css in covering), key=lambda css: (len(covering[css] & left),
                                                                             -pool.index(css)), default=None)
        if best is None or not covering[best] & left:
            break
        chosen.append(best)
        left -= covering[best]
    return chosen, sorted(left)


# --- the whole layout ---------------------------------------------------------------------------

def learn_published(examples: list[Example]) -> tuple[dict[str, list[str]], list[str]]:
    """A machine-readable time in the head first (as ArticlePage reads it), the visible text for the rest."""
    head, missing = learn_field("published_head", examples)
    rules = {"published_head": head} if head else {}
    if missing or not head:
        rest = [ex for ex in examples if not head or ex.name in missing]
        text, missing = learn_field("published_text", rest)
        if text:
            rules["published_text"] = text
    return rules, missing


def learn_layout(folder: Path, name: str, description: str = "", only: Iterable[str] | None = None) -> Learnt:
    """Learn a layout from the annotated pages of a site.json folder (all of them, or `only` these)."""
    dates = logging.getLogger("scraper.extraction.dates")
    level, dates.level = dates.level, logging.ERROR  # candidates that do not parse are not news
    try:
        _manifest, examples, listings = read_examples(folder, only)
        if not examples:
            raise ValueError(f"{folder}: no article page with an expected record under expected/")
        return _learn(examples, listings, name, description)
    finally:
        dates.level = level


def _learn(examples: list[Example], listings: list[ListingExample], name: str, description: str) -> Learnt:
    article: dict[str, list[str]] = {}
    report: list[str] = []

    def note(field_name: str, selectors: list[str], missing: list[str]) -> None:
        if selectors:
            article[field_name] = selectors
        shown = ", ".join(selectors) or "nothing (the field is left to the body's credits or is empty)"
        report.append(f"{field_name}: {shown}" + (f"  [not reproduced on: {', '.join(missing)}]" if missing else ""))

    canonical, _ = learn_field("canonical", examples)
    note("canonical", canonical, [])
    for field_name in ("title", "category", "sapo"):
        note(field_name, *learn_field(field_name, examples))
    published, missing = learn_published(examples)
    article.update(published)
    report.append(f"published: {published or 'nothing'}" + (f"  [not reproduced on: {', '.join(missing)}]" if missing else ""))
    body = learn_body(examples)
    note("body", body.selectors, body.unmatched)
    if body.drop:
        report.append(f"drop inside the body: {', '.join(body.drop)}")
    if body.reading:
        report.append(f"reading: {body.reading}")
    credits = _credits_from_body(examples, body)
    for field_name in ("author", "source"):
        need = [ex for ex in examples if credits[ex.name][field_name] != ex.expected.get(field_name)]
        if need:
            note(field_name, *learn_field(field_name, examples))
    note("views", *learn_field("views", examples))
    note("attachments", *learn_attachments(examples))
    drop_params = learn_drop_params(listings) if listings else []
    listing: dict[str, list[str]] = {}
    if listings:
        listing["articles"], others = learn_links(listings, "articles", drop_params)
        listing["pagination"], _ = learn_links(listings, "pagination", drop_params)
        listing["container"] = learn_container(listings, drop_params, examples)
        report.append(f"listing: articles {listing['articles']} ({others} other links), pagination "
                      f"{listing['pagination']}, container {listing['container']}")
    layout = Layout(name=name, description=description, article=article,
                    listing={k: v for k, v in listing.items() if v}, drop=tuple(body.drop),
                    drop_params=tuple(drop_params) or ("redirect",), reading=body.reading)
    return Learnt(layout, report, verify(layout, examples))


def _credits_from_body(examples: list[Example], body: BodyRules) -> dict[str, dict]:
    credits = {}
    for ex in examples:
        found = read(ex, body.selectors[0], body.drop, body.reading) if body.selectors else None
        credits[ex.name] = {"author": found.author if found else None, "source": found.source if found else None}
    return credits


def verify(layout: Layout, examples: list[Example]) -> list[str]:
    """'field: page: expected … got …' for every field a learnt layout does not reproduce."""
    page_class = page_classes(layout)[0]
    problems = []
    for ex in examples:
        try:
            record = page_class(ex.body, ex.url, content_type=ex.content_type).record()
        except ExtractionError as error:
            problems.append(f"record: {ex.name}: {error}")
            continue
        for key in PAGE_KEYS:
            if record.get(key) != ex.expected.get(key):
                problems.append(f"{key}: {ex.name}: expected {shown(ex.expected.get(key))}, got {shown(record.get(key))}")
    return problems
