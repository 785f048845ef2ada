"""Learning where a layout's images sit outside the body (`[article] images`, for `soyte learn`).

Some CMSs print the lead image apart from the body: Drupal 7's image field
(`div.field-name-field-image`, its caption in a blockquote) comes before `div.field-name-body`.
Where the body's own images are not the record's, the learner looks for the expected images'
<img> outside the body container, and keeps the cheapest structural selector of a holder (the
image's element or one of its few ancestors, none holding the body) that, merged with the body's
images in page order (scraper.extraction.body.merged_images), gives every example's images.
"""
from __future__ import annotations

from lxml import etree

from scraper.extraction.body import merged_images
from scraper.extraction.urls import absolute_url
from scraper.learn.body import BodyRules, read
from scraper.learn.candidates import contextual_selectors, ranked
from scraper.learn.examples import Example

HOLDER_LEVELS = 3
MAX_TRIED = 120


def _body_element(example: Example, rules: BodyRules) -> etree._Element | None:
    found = example.page.css(rules.selectors[0]) if rules.selectors else []
    return found[0] if found and isinstance(found[0], etree._Element) else None


def images_with(example: Example, rules: BodyRules, selectors: list[str]) -> list[dict]:
    """The example's record images with the learnt body and these `images` selectors."""
    body = read(example, rules.selectors[0], rules.drop, rules.reading) if rules.selectors else None
    body_images = body.images if body else []
    holders = [node for css in selectors for node in example.page.css(css) if isinstance(node, etree._Element)]
    return merged_images(holders, _body_element(example, rules), body_images, example.url,
                         rules.reading.get("caption_attribute"))


def _candidates(example: Example, rules: BodyRules) -> list[tuple[int, str]]:
    wanted = {image["url"] for image in example.expected.get("images") or []}
    body = _body_element(example, rules)
    inside = set(body.iter()) if body is not None else set()
    found: list[tuple[int, str]] = []
    for img in example.root.iter("img"):
        if img in inside or absolute_url(example.url, (img.get("src") or "").strip()) not in wanted:
            continue
        node, level = img.getparent(), 0
        while node is not None and level < HOLDER_LEVELS and node not in inside and (
                body is None or body not in set(node.iter())):
            found += [(cost + level, css) for cost, css in contextual_selectors(node, depth=2)]
            node, level = node.getparent(), level + 1
    return found


def learn_images(examples: list[Example], rules: BodyRules) -> tuple[list[str], list[str]]:
    """(selectors, names of examples whose images are still not reproduced): nothing when the
    body's images are the record's everywhere."""
    if not rules.selectors:  # no body learnt: its report says so
        return [], []
    wanted = {ex.name: ex.expected.get("images") or [] for ex in examples}
    failing = [ex.name for ex in examples if images_with(ex, rules, []) != wanted[ex.name]]
    if not failing:
        return [], []
    pool = ranked((c for ex in examples for c in _candidates(ex, rules)), field="images")
    for css in pool[:MAX_TRIED]:
        if all(images_with(ex, rules, [css]) == wanted[ex.name] for ex in examples):
            return [css], []
    return [], failing
