"""Learning the body of an article layout: its container, what to drop inside, reading options,
and its attachment links (for `soyte learn`, scraper/learn/layout.py).

The container is found from the expected text itself: the lowest element holding both the first
and the last expected paragraph, or one of its few ancestors. Inside it, whatever the reading
gives that the record leaves out (a share toolbar, "Tin liên quan", the sapo, a vote form) is
traced to the outermost element holding nothing the record keeps, and dropped by a structural
selector that removes no expected paragraph on any example.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree

from scraper.extraction.body import Body, iter_links, read_body
from scraper.extraction.cleaning import tidy
from scraper.extraction.pages import without
from scraper.extraction.visible import tag_of, text_of, visible_text
from scraper.learn.candidates import contextual_selectors, lowest_common_ancestor, own_selectors, ranked
from scraper.learn.examples import Example

MAX_DROPS = 12
CONTAINER_LEVELS = 4
CAPTION_ATTRIBUTES = ("title", "alt", "data-caption")


@dataclass
class BodyRules:
    selectors: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    reading: dict = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)   # examples whose text is not reproduced


def paragraphs(example: Example) -> list[str]:
    return [p for p in (example.expected.get("text") or "").split("\n\n") if p]


def _snippet(paragraph: str, start: bool) -> str:
    text = paragraph.split(" | ")[0 if start else -1]
    return text[:40] if start else text[-40:]


def _deepest_holding(root: etree._Element, snippet: str) -> etree._Element | None:
    """The deepest element whose text holds `snippet`, read both as the body reader joins inline
    elements (no space added) and with a space between text nodes."""
    best = None
    for element in root.iter():
        if isinstance(element.tag, str) and tag_of(element) not in ("script", "style", "head", "title"):
            if snippet in visible_text(element) or snippet in text_of(element):
                best = element  # document order: a later match is deeper or later; keep the last descendant
    return best


def container_candidates(example: Example) -> list[tuple[int, str]]:
    expected = paragraphs(example)
    if not expected:
        return []
    first = _deepest_holding(example.root, _snippet(expected[0], True))
    last = _deepest_holding(example.root, _snippet(expected[-1], False))
    node = lowest_common_ancestor([n for n in (first, last) if n is not None])
    found: list[tuple[int, str]] = []
    level = 0
    while node is not None and level < CONTAINER_LEVELS and tag_of(node) not in ("body", "html", "form"):
        found += [(cost + level, css) for cost, css in contextual_selectors(node, depth=3)]
        node, level = node.getparent(), level + 1
    return found


def read(example: Example, css: str, drop: list[str], reading: dict) -> Body | None:
    found = example.page.css(css)
    if not found or not isinstance(found[0], etree._Element):
        return None
    return read_body(without(found[0], tuple(drop)), example.url, **reading)


def reading_options(examples: list[Example]) -> dict:
    """Options the record shows the layout needs: captions kept in an image attribute, and a
    last line crediting the source with a word of its own ('Theo Báo Cần Thơ')."""
    options: dict = {}
    for attribute in CAPTION_ATTRIBUTES:
        captions = {tidy(img.get(attribute) or "") for ex in examples for img in ex.root.iter("img")}
        wanted = {image["caption"] for ex in examples for image in ex.expected.get("images") or [] if image["caption"]}
        if wanted and wanted <= captions:
            options["caption_attribute"] = attribute
            break
    prefixes = set()
    for ex in examples:
        source = ex.expected.get("source")
        if not source:
            continue
        for element in ex.root.iter("p", "div"):
            text = text_of(element)
            if text.endswith(" " + source) and 0 < len(text) - len(source) - 1 <= 12:
                head = text[: -len(source) - 1]
                if head[:1].isupper() and " " not in head and not head.endswith(":"):
                    prefixes.add(head)
    if prefixes:
        options["source_prefixes"] = sorted(prefixes)
    return options


def _chrome_element(container: etree._Element, extra: str, kept: list[str]) -> etree._Element | None:
    """The outermost element inside `container` holding the extra paragraph and no kept one."""
    holder = _deepest_holding(container, extra[:60])
    if holder is None or holder is container:
        return None
    node = holder
    while node.getparent() is not None and node.getparent() is not container:
        parent_text = text_of(node.getparent())
        if any(_snippet(p, True) in parent_text for p in kept):
            break
        node = node.getparent()
    return node


def _drop_candidates(element: etree._Element) -> list[str]:
    return ranked(((cost, css) for cost, css in own_selectors(element) if css[0] in "#." or "[" in css
                   or "." in css), limit=40)


def _safe(css: str, examples: list[Example], container_css: str, drop: list[str], reading: dict) -> bool:
    """Dropping `css` removes no expected paragraph on any example."""
    for ex in examples:
        body = read(ex, container_css, drop + [css], reading)
        if body is None or not set(paragraphs(ex)) <= set(body.paragraphs):
            return False
    return True


def _is_sapo(example: Example, paragraph: str) -> bool:
    """The paragraph is the lead the record sets apart from the text (its `sapo`)."""
    sapo = example.expected.get("sapo")
    return bool(sapo) and tidy(sapo) == tidy(paragraph)


_FORMATTING = ("strong", "b", "em", "i", "span", "font")


def _sapo_holder_drops(element: etree._Element) -> list[str]:
    """Drops for a sapo whose holder names nothing (Liferay 7.4's rich-text fragment keeps the
    lead as its first, wholly bold paragraph, with no class): the holder by its place among its
    siblings of the same tag, narrowed first to a holder whose only content is one formatting
    element (so that a page without a lead keeps its first paragraph)."""
    tag = tag_of(element)
    parent = element.getparent()
    if parent is None or not tag:
        return []
    same = [child for child in parent if tag_of(child) == tag]
    index = same.index(element)
    place = f"{tag}:first-of-type" if index == 0 else f"{tag}:nth-of-type({index + 1})"
    found = []
    children = [child for child in element if isinstance(child.tag, str)]
    if (len(children) == 1 and tag_of(children[0]) in _FORMATTING and not (element.text or "").strip()
            and not (children[0].tail or "").strip()):
        found.append(f"{place} > {tag_of(children[0])}:only-child")
    found.append(place)
    return found


def learn_drops(examples: list[Example], container_css: str, reading: dict) -> tuple[list[str], list[str]] | None:
    """(drops, names of examples still not exact) for one container selector, or None when the
    container misses expected paragraphs on some example."""
    drop: list[str] = []
    for _ in range(MAX_DROPS):
        unmatched, progress = [], False
        for ex in examples:
            body = read(ex, container_css, drop, reading)
            expected = paragraphs(ex)
            if body is None or not set(expected) <= set(body.paragraphs):
                return None
            if body.paragraphs == expected:
                continue
            unmatched.append(ex.name)
            container = ex.page.css(container_css)[0]
            for extra in [p for p in body.paragraphs if p not in expected]:
                element = _chrome_element(without(container, tuple(drop)), extra, expected)
                found = element is not None and next(
                    (css for css in _drop_candidates(element) if _safe(css, examples, container_css, drop, reading)), None)
                if not found and element is not None and _is_sapo(ex, extra):
                    found = next((css for css in _sapo_holder_drops(element)
                                  if _safe(css, examples, container_css, drop, reading)), None)
                if found:
                    drop.append(found)
                    progress = True
                    break
            if progress:
                break
        if not unmatched or not progress:
            return drop, unmatched
    return drop, unmatched


def minimal_reading(examples: list[Example], rules: BodyRules) -> dict:
    """The reading options that change what the body gives (images, credits); an option that
    changes nothing on any example is left out of the layout."""
    kept = dict(rules.reading)
    for option in sorted(rules.reading):
        fewer = {k: v for k, v in kept.items() if k != option}
        same = True
        for ex in examples:
            with_it, without_it = (read(ex, rules.selectors[0], rules.drop, options) for options in (kept, fewer))
            if (with_it.images, with_it.author, with_it.source, with_it.paragraphs) != (
                    without_it.images, without_it.author, without_it.source, without_it.paragraphs):
                same = False
                break
        if same:
            kept = fewer
    return kept


def first_container(examples: list[Example], candidates: Iterable[str], reading: dict,
                    best: BodyRules | None = None) -> BodyRules | None:
    """The first candidate container whose reading, with what it learns to drop, reproduces every
    example's text; else the one leaving the fewest examples unmatched (or `best`, if none beats it)."""
    for css in candidates:
        learnt = learn_drops(examples, css, reading)
        if learnt is None:
            continue
        drop, unmatched = learnt
        rules = BodyRules([css], drop, reading, unmatched)
        if not unmatched:
            rules.reading = minimal_reading(examples, rules)
            return rules
        if best is None or len(unmatched) < len(best.unmatched):
            best = rules
    return best


def learn_body(examples: list[Example]) -> BodyRules:
    reading = reading_options(examples)
    pool = ranked((c for ex in examples for c in container_candidates(ex)), field="body")
    return first_container(examples, pool[:80], reading) or BodyRules(unmatched=[ex.name for ex in examples])


def learn_attachments(examples: list[Example]) -> tuple[list[str], list[str]]:
    """Selectors of the attachment links: exactly the expected [{url, title}] on every example."""
    wanted = {ex.name: ex.expected.get("attachments") or [] for ex in examples}
    pool: list[tuple[int, str]] = []
    for ex in examples:
        urls = {a["url"] for a in wanted[ex.name]}
        for link in ex.root.iter("a"):
            found = iter_links(iter([link]), ex.url)
            if found and found[0]["url"] in urls:
                pool += list(contextual_selectors(link, depth=4))
    if not pool:
        return [], []
    failing: list[str] = []
    for css in ranked(pool, field="attachments"):
        failing = [ex.name for ex in examples
                   if iter_links(iter(_elements(ex, css)), ex.url) != wanted[ex.name]]
        if not failing:
            return [css], []
    return [], sorted(ex.name for ex in examples if wanted[ex.name])


def _elements(example: Example, css: str) -> list:
    return [node for node in example.page.css(css) if isinstance(node, etree._Element)]

