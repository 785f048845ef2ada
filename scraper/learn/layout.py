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
from typing import Callable, Iterable, Iterator

from lxml import etree

from scraper.extraction.cleaning import tidy
from scraper.extraction.dates import logger as dates_logger
from scraper.extraction.jsonld import JSON_LD_SCRIPT, key_paths
from scraper.extraction.layouts import Layout
from scraper.extraction.body import read_body
from scraper.extraction.pages import FIELD_READERS, ArticlePage, ExtractionError, page_classes, without
from scraper.extraction.urls import absolute_url
from scraper.extraction.visible import tag_of, text_of
from scraper.learn.body import BodyRules, learn_attachments, learn_body, read
from scraper.learn.candidates import contextual_selectors, ranked
from scraper.learn.crumbs import crumb_candidates
from scraper.learn.images import learn_images
from scraper.learn.ties import PER_ARTICLE, set_apart, settle, spread, unshown_attachments, unshown_credits
from scraper.learn.examples import Example, ListingExample, other_article_pages, read_examples, shown
from scraper.learn.tables import (learn_body_by_structure, learn_container_by_structure, learn_field_by_structure,
                                  learn_links_by_structure, names_nothing, structural_choices)
from scraper.learn.listing import learn_drop_params, learn_links, learn_listing_container
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


JSON_LD_COST = 9  # after every attribute of the head: JSON-LD is read only where nothing else holds


def json_ld_candidates(root: etree._Element, wanted: object, transform: Callable[[str], object]) -> list[tuple[int, str]]:
    """'script[type="application/ld+json"]::json(path)' for each key path of the page's JSON-LD
    whose value (transformed) is the wanted one (a NewsArticle's datePublished with its seconds)."""
    out: list[tuple[int, str]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        for path, value in key_paths("".join(script.itertext())):
            if transform(value) == wanted:  # a key naming publication beats dateModified, equal on a fresh article
                cost = JSON_LD_COST - ("publish" in path.rsplit(".", 1)[-1].lower())
                out.append((cost, f"{JSON_LD_SCRIPT}::json({path})"))
    return out


def candidates_for(field_name: str, example: Example, wanted: object) -> list[tuple[int, str]]:
    root = example.root
    if field_name in ("title", "category", "sapo", "author"):
        elements = elements_with_text(root, wanted, FIELD_READERS["author"] if field_name == "author" else lambda t: t)
        if field_name == "title":
            return [c for e in elements for c in contextual_selectors(e)] + attribute_candidates(root, wanted, tidy)
        found = [c for e in elements for c in contextual_selectors(e, positional=field_name == "category")]
        return found + crumb_candidates(root, wanted) if field_name == "category" else found
    if field_name == "source":
        elements = elements_with_text(root, wanted, FIELD_READERS["source"])
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "views":
        elements = elements_with_text(root, wanted, FIELD_READERS["views"], max_chars=60)
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "published_head":
        return attribute_candidates(root, wanted, FIELD_READERS["published_head"]) + \
            json_ld_candidates(root, wanted, FIELD_READERS["published_head"])
    if field_name == "published_text":
        elements = elements_with_text(root, wanted, FIELD_READERS["published_text"], max_chars=120)
        return [c for e in elements for c in contextual_selectors(e)]
    if field_name == "canonical":  # only what the head declares: a self-link in the page is no canonical
        head = root.find("head")
        return [] if head is None else attribute_candidates(head, wanted,
                                                            lambda v: absolute_url(example.url, v))
    raise ValueError(field_name)


def learn_field(field_name: str, examples: list[Example],
                wanted_of: Callable[[Example], object] | None = None,
                labels: dict[str, list[str]] | None = None) -> tuple[list[str], list[str]]:
    """(selectors, names of examples none of them reproduces) for one field. Where no named
    selector holds (table layouts), a structural path, read after a label word where the value
    shares its cell: the label goes into `labels` (the layout's [article.labels]) when given."""
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
    if (not complete or all(names_nothing(css) for css in complete)) and field_name not in ("canonical", "published_head"):
        structural = learn_field_by_structure(field_name, examples, wanted, labels is not None)
        if structural:
            css, found_labels = structural
            if found_labels and labels is not None:
                labels[field_name] = list(found_labels)
            return [css], []
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


def learn_category(examples: list[Example], others: list[ArticlePage]) -> tuple[list[str], list[str], str | None]:
    """(selectors, examples not reproduced, a caveat for the report) for the category.

    Where the examples' categories differ, a selector giving one value on every page is wrong on
    some and learn_field never keeps it. Where they are all the same, a menu's active item
    ('li.active a') gives it as well as the breadcrumb does: of the selectors that reproduce every
    example, the one whose values differ most between the portal's other article pages is kept,
    as the category does (ties keep learn_field's choice); with no other page to tell them apart,
    the report says so."""
    selectors, missing = learn_field("category", examples)
    values = {ex.expected.get("category") for ex in examples} - {None}
    if len(values) != 1 or missing or not selectors:
        return selectors, missing, None
    (value,) = values
    if not others:
        return selectors, missing, (f"category: every annotated article is filed under {shown(value)}: annotate an "
                                    "article of another category to tell the breadcrumb from a menu's active item")
    complete = _complete("category", examples, limit=4 * CHOICES)
    if not any(_named(css) for css in complete):  # a table layout: its menu's row, or the breadcrumb's path
        complete += structural_choices("category", examples, {ex.name: ex.expected.get("category") for ex in examples},
                                       limit=4 * CHOICES)

    def varied(css: str) -> tuple[int, int]:  # values as varied as a category's, found on as many pages
        return spread(css, others, lambda page, selector: page.read("category", [selector]), also=value)
    def one_per_page(css: str) -> bool:  # one element per page beats a first-of-many that happens to be right
        return _unique(css, examples) and all(len(page.css(css)) <= 1 for page in others)
    def named(css: str) -> bool:  # inside a named element ('.duong-dan a:last-of-type'), not a bare position
        return any(sign in css for sign in ".#[")
    best = max(complete, key=lambda css: (varied(css), one_per_page(css), named(css), css == selectors[0],
                                          -complete.index(css)), default=None)
    return ([best] if best else selectors), missing, None


def _named(css: str) -> bool:
    """A selector naming a class, id or attribute, not only tags and positions."""
    return any(sign in css.split("::", 1)[0] for sign in ".#[")


def settled(field_name: str, learnt: tuple[list[str], list[str]], examples: list[Example],
            others: list[ArticlePage], report: list[str]) -> tuple[list[str], list[str]]:
    """The learnt selectors, or where the examples cannot tell the candidates apart (they all have
    one value of the field: one annotated article) the candidate the other article pages choose
    (scraper/learn/ties.py); a line for the report where they cannot either."""
    selectors, missing = learnt
    values = {shown(ex.expected.get(TARGETS.get(field_name, field_name))) for ex in examples}
    if missing or len(selectors) != 1 or len(values) != 1 or values == {"null"}:
        return learnt
    complete = _complete(field_name, examples)
    if selectors[0] not in complete:  # a structural path read after a label: the examples chose it alone
        return learnt
    chosen, caveat = settle(field_name, selectors, complete, examples, others,
                            lambda page, css: read_with(field_name, page, css))
    if caveat:
        report.append(caveat)
    return chosen, missing


def _settled_unless_labelled(field_name: str, learnt: tuple[list[str], list[str]], examples: list[Example],
                             others: list[ArticlePage], report: list[str],
                             labels: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """settled(), for a field not read after a label word (a label's reading is the examples' alone)."""
    if field_name in labels or field_name in ("author", "source"):  # a byline repeats, and is often absent:
        return learnt                                                 # other pages cannot vote for it
    return settled(field_name, learnt, examples, others, report)


def _complete(field_name: str, examples: list[Example], limit: int = CHOICES) -> list[str]:
    """The selectors (rank order, at most `limit`) giving every example its value and none a wrong one."""
    target = TARGETS.get(field_name, field_name)
    wanted = {ex.name: ex.expected.get(target) for ex in examples}
    annotated = [ex for ex in examples if wanted[ex.name] is not None]
    pool = ranked((c for ex in annotated for c in candidates_for(field_name, ex, wanted[ex.name])),
                  field=target if target != "url" else None)
    complete = []
    for css in pool:
        found = {ex.name: read_with(field_name, ex.page, css) for ex in examples}
        if all(found[name] in (None, wanted[name]) for name in found) and \
                all(found[ex.name] == wanted[ex.name] for ex in annotated):
            complete.append(css)
            if len(complete) == limit:
                break
    return complete


# --- the whole layout ---------------------------------------------------------------------------

def learn_published(examples: list[Example], labels: dict[str, list[str]] | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """A machine-readable time in the head first (as ArticlePage reads it), the visible text for the rest."""
    head, missing = learn_field("published_head", examples)
    rules = {"published_head": head} if head else {}
    if missing or not head:
        rest = [ex for ex in examples if not head or ex.name in missing]
        text, missing = learn_field("published_text", rest, labels=labels)
        if text:
            rules["published_text"] = text
    return rules, missing


def learn_layout(folder: Path, name: str, description: str = "", only: Iterable[str] | None = None) -> Learnt:
    """Learn a layout from the annotated pages of a site.json folder (all of them, or `only` these)."""
    dates = dates_logger
    level, dates.level = dates.level, logging.ERROR  # candidates that do not parse are not news
    try:
        _manifest, examples, listings = read_examples(folder, only)
        if not examples:
            raise ValueError(f"{folder}: no article page with an expected record under expected/")
        others = other_article_pages(folder, [ex.name for ex in examples])
        return _learn(examples, listings, name, description, others)
    finally:
        dates.level = level


def learn_from_examples(examples: list[Example], listings: list[ListingExample], name: str,
                        description: str = "", others: Iterable[ArticlePage] = ()) -> Learnt:
    """learn_layout for examples made elsewhere: the generic extractor's drafts of `soyte learn
    --from-drafts` (scraper/learn/drafts.py), with `others` the article pages not learnt from."""
    return _learn(examples, listings, name, description, list(others))


def _learn(examples: list[Example], listings: list[ListingExample], name: str, description: str,
           other_pages: list[ArticlePage] = ()) -> Learnt:
    article: dict[str, list[str]] = {}
    report: list[str] = []

    def note(field_name: str, selectors: list[str], missing: list[str]) -> None:
        if selectors:
            article[field_name] = selectors
        shown = ", ".join(selectors) or "nothing (the field is left to the body's credits or is empty)"
        report.append(f"{field_name}: {shown}" + not_reproduced_on(missing))

    canonical, _ = learn_field("canonical", examples)
    note("canonical", canonical, [])
    for field_name in ("title", "category", "sapo"):
        if field_name == "category":
            selectors, missing, caveat = learn_category(examples, other_pages)
            note(field_name, selectors, missing)
            if caveat:
                report.append(caveat)
            continue
        note(field_name, *settled(field_name, learn_field(field_name, examples), examples, other_pages, report))
    labels: dict[str, list[str]] = {}  # [article.labels]: fields read after a label word in a shared cell
    published, missing = learn_published(examples, labels)
    for key in [key for key in published if key not in labels and not missing]:  # (one article: ties)
        published[key], _ = settled(key, (published[key], []), examples, other_pages, report)
    article.update(published)
    report.append(f"published: {published or 'nothing'}" + not_reproduced_on(missing))
    body = learn_body_by_structure(examples, learn_body(examples), others=other_pages)  # (table layouts: by its path)
    note("body", body.selectors, body.unmatched)
    _set_apart(article, examples, other_pages, body, report)  # (boilerplate and body text are no sapo)
    if body.drop:
        report.append(f"drop inside the body: {', '.join(body.drop)}")
    if body.reading:
        report.append(f"reading: {body.reading}")
    images, missing = learn_images(examples, body)  # images outside the body (Drupal's lead image)
    if images or missing:
        note("images", images, missing)
    credits = _credits_from_body(examples, body)
    for field_name in ("author", "source"):
        need = [ex for ex in examples if credits[ex.name][field_name] != ex.expected.get(field_name)]
        if need:
            note(field_name, *_settled_unless_labelled(field_name, learn_field(field_name, examples, labels=labels),
                                                       examples, other_pages, report, labels))
    note("views", *_settled_unless_labelled("views", learn_field("views", examples, labels=labels),
                                            examples, other_pages, report, labels))
    if labels:
        report.append(f"labels: {labels}")
    note("attachments", *learn_attachments(examples))
    unshown = unshown_attachments(examples, other_pages)  # (one article: a field it does not show)
    if unshown:
        report.append(unshown)
    report.extend(unshown_credits(examples, other_pages,  # (one article: a source it does not show)
                                  lambda page, field: getattr(_body_on(page, body) or object(), field, None)))
    drop_params = learn_drop_params(listings) if listings else []
    listing: dict[str, list[str]] = {}
    if listings:
        listing["articles"], others = learn_links_by_structure(
            listings, "articles", drop_params, learn_links(listings, "articles", drop_params))
        listing["pagination"], _ = learn_links_by_structure(
            listings, "pagination", drop_params, learn_links(listings, "pagination", drop_params))
        listing["container"] = learn_listing_container(listings, drop_params, listing["articles"],
                                                       examples, other_pages)
        listing["container"] = learn_container_by_structure(  # (table layouts: by its path)
            listings, drop_params, listing["articles"], [ex.page for ex in examples] + list(other_pages),
            listing["container"])
        report.append(f"listing: articles {listing['articles']} ({others} other links), pagination "
                      f"{listing['pagination']}, container {listing['container']}")
    layout = Layout(name=name, description=description, article=article,
                    listing={k: v for k, v in listing.items() if v}, drop=tuple(body.drop),
                    drop_params=tuple(drop_params) or ("redirect",), reading=body.reading, labels=labels)
    return Learnt(layout, report, verify(layout, examples))


def _body_on(page: ArticlePage, body: BodyRules):
    """What the learnt body rules read on a page (its paragraphs, and the credits peeled off its end)."""
    found = page.css(body.selectors[0]) if body.selectors else []
    if not found or not isinstance(found[0], etree._Element):
        return None
    return read_body(without(found[0], tuple(body.drop)), page.url, **body.reading)


def _set_apart(article: dict[str, list[str]], examples: list[Example], others: list[ArticlePage], body: BodyRules,
               report: list[str]) -> None:
    """Per-article fields (the title, the sapo) checked on the folder's other article pages once the
    body is known (scraper/learn/ties.py set_apart): a selector reading a line that repeats between
    articles (a footer) or, for the sapo, one of the body's paragraphs (a page with no lead) gives
    way to one that reproduces the examples as well and does not; the report line follows."""
    def body_of(page: ArticlePage) -> list[str]:
        found = _body_on(page, body)
        return found.paragraphs if found else []
    for field_name in PER_ARTICLE:
        if field_name not in article or not others:
            continue
        chosen, caveat = set_apart(field_name, article[field_name], _complete(field_name, examples), examples, others,
                                   lambda page, css, f=field_name: read_with(f, page, css),
                                   body_of if field_name == "sapo" else None)
        if chosen != article[field_name]:
            line = f"{field_name}: {', '.join(article[field_name])}"
            article[field_name] = chosen
            report[:] = [f"{field_name}: {', '.join(chosen)}" if entry == line else entry for entry in report]
        if caveat:
            report.append(caveat)


def not_reproduced_on(names: list[str]) -> str:
    """The report's note of the pages a field is not reproduced on, each named once, in first-seen
    order (a page the manifest lists at two URLs is one example per URL, and one page)."""
    return f"  [not reproduced on: {', '.join(dict.fromkeys(names))}]" if names else ""


def _credits_from_body(examples: list[Example], body: BodyRules) -> dict[str, dict]:
    credits = {}
    for ex in examples:
        found = read(ex, body.selectors[0], body.drop, body.reading) if body.selectors else None
        credits[ex.name] = {"author": FIELD_READERS["author"](found.author) if found else None, "source": found.source if found else None}
    return credits


def differences(layout: Layout, examples: list[Example]) -> Iterator[tuple[Example, str, object, object]]:
    """(page, field, its expected value, what the layout reads) for every field the layout reads
    otherwise than a page's expected record; the field is "record" (and the value read the
    ExtractionError) where it reads no record at all. verify() and the drafts' check list word them."""
    page_class = page_classes(layout)[0]
    for ex in examples:
        try:
            record = page_class(ex.body, ex.url, content_type=ex.content_type).record()
        except ExtractionError as error:
            yield ex, "record", None, error
            continue
        for key in PAGE_KEYS:
            if record.get(key) != ex.expected.get(key):
                yield ex, key, ex.expected.get(key), record.get(key)


def verify(layout: Layout, examples: list[Example]) -> list[str]:
    """'field: page: expected … got …' for every field a learnt layout does not reproduce."""
    return [f"record: {ex.name}: {got}" if key == "record" else
            f"{key}: {ex.name}: expected {shown(expected)}, got {shown(got)}"
            for ex, key, expected, got in differences(layout, examples)]
