"""`soyte learn KEY --from-drafts`: a layout learnt from uncorrected drafts, and what to check.

A draft is the generic extractor's reading of an article page (scraper.extraction.generic, what
`soyte expect` writes under expected/ while a portal's layout is empty), made here in memory:
nothing is written to or read from expected/. Drafts are right on most pages and wrong on some (a
footer taken for the body, a caption taken for the sapo, a byline holding its source), so the
learner must not trust every one of them:

- a draft whose text is the same as another page's (a footer or a menu read as the article, on
  pages of different URLs) is not learnt from; a page the generic extractor cannot read has no draft;
- every other field is learnt as `soyte learn` learns it (scraper/learn/layout.py), whose
  selectors may leave a minority of pages unreproduced; where the layout still disagrees with some
  drafts, learning again without one of those pages (the most disagreeing first, a few at most)
  may agree with more of them: the layout agreeing with the most drafts is kept.

What a person should check comes back in two lists: the fields where the learnt layout's reading
of a page differs from that page's draft (one of them is wrong), and the fields where the drafts
disagree with each other in a way that suggests a draft is wrong (present in most drafts but
missing in one, a sapo that is a date or views line or an image's caption, the same text on
several pages). Deterministic: pages in manifest order, every choice by count then order.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from scraper.extraction.dates import has_date, logger as dates_logger
from scraper.extraction.generic import generic_record
from scraper.extraction.pages import FIELD_READERS, ExtractionError
from scraper.extraction.layouts import Layout
from scraper.learn.examples import Example, ListingExample
from scraper.learn.layout import Learnt, differences, learn_from_examples
from scraper.portals.sites import ARTICLE_KINDS, Site

FIRST_LINE = "learnt from uncorrected drafts (the generic extractor's reading of {pages}): check the fields listed below"
RETRIES = 3               # pages left out one at a time when the layout disagrees with some drafts
SHORT = 60                # characters of a value a check line shows
USUAL_FIELDS = ("published", "category", "sapo", "author", "source", "views", "images")  # missing in one: suspect
# A field a draft misses is often read into another: a lead or a byline the generic extractor did not
# set apart stays in the text.
COUPLED = {"sapo": ("text",), "author": ("text",), "source": ("text",)}
TEMPLATE_FIELDS = ("published", "category", "sapo", "views")  # a template shows them on every page or on none


@dataclass
class DraftLearnt:
    learnt: Learnt                                    # the layout; its report opens with FIRST_LINE
    drafts: dict[str, dict] = field(default_factory=dict)   # page -> the draft record
    unread: list[str] = field(default_factory=list)         # "page: why the generic extractor read nothing"
    disagreements: list[str] = field(default_factory=list)  # "field: page: draft …, layout …"
    suspicious: list[str] = field(default_factory=list)     # "field: page: why the draft looks wrong"
    left_out: list[str] = field(default_factory=list)       # pages not learnt from

    @property
    def layout(self) -> Layout:
        return self.learnt.layout

    @property
    def learnt_anything(self) -> bool:
        """A layout that reads a record on at least one page: worth writing, with the check list."""
        return bool(self.drafts) and "body" in self.layout.article and \
            len([p for p in self.disagreements if p.startswith("record: ")]) < len(self.drafts)


def short(value: object) -> str:
    """A value as a check line shows it: JSON, cut at SHORT characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def draft_examples(folder: Path, only: Iterable[str] | None = None) -> tuple[list[Example], list[ListingExample], list[str]]:
    """(the article pages as examples whose expected record is their draft, the listing pages, the
    pages the generic extractor read nothing on with why). Expected records on disk are not read."""
    site = Site(folder)
    manifest = site.manifest()
    wanted = set(only) if only is not None else None
    examples, unread = [], []
    for page in site.pages(ARTICLE_KINDS):
        if wanted is not None and page.id not in wanted:
            continue
        body = page.body()
        try:
            draft = generic_record(body, page.url, manifest.get("portal") or site.folder.name,
                                   manifest.get("province") or "", page.content_type)
        except ExtractionError as error:
            unread.append(f"{page.id}: {error}")
            continue
        examples.append(Example(page.id, page.url, body, page.content_type, draft))
    listings = _listings(folder)
    return examples, listings, unread


def _listings(folder: Path) -> list[ListingExample]:
    """The listing pages as read_examples gives them, without reading any expected record."""
    from scraper.extraction.pages import ListingPage

    site = Site(folder)
    article_urls = {page.url for page in site.pages(ARTICLE_KINDS)}
    listing_pages = site.pages(("listing",))
    listing_urls = {page.url for page in listing_pages}
    return [ListingExample(page.id, page.url, ListingPage(page.body(), page.url, page.content_type),
                           article_urls, listing_urls) for page in listing_pages]


def disagreements(layout: Layout, examples: list[Example]) -> list[str]:
    """'field: page: draft …, layout …' for each field the layout reads otherwise than the page's draft."""
    return [f"record: {ex.name}: the layout reads no record ({got})" if key == "record" else
            f"{key}: {ex.name}: draft {short(draft)}, layout {short(got)}"
            for ex, key, draft, got in differences(layout, examples)]


def _present(value: object) -> bool:
    return value not in (None, "", [])


def suspicious_drafts(examples: list[Example]) -> list[str]:
    """'field: page: why' for drafts that disagree with the others in a way that suggests they are wrong."""
    found: list[str] = []
    urls = {ex.name: ex.url for ex in examples}
    for key in ("text", "title"):  # one value on pages of different URLs: the site's chrome, not an article's
        for ex in examples:
            same = [other.name for other in examples if other is not ex and urls[other.name] != ex.url
                    and other.expected.get(key) and other.expected.get(key) == ex.expected.get(key)]
            if same:
                what = "a footer or a menu, not this article's" if key == "text" else "the site's name, not the article's"
                found.append(f"{key}: {ex.name}: the same as on {', '.join(same)} ({what})")
    total = len(examples)
    for key in USUAL_FIELDS:
        having = [ex.name for ex in examples if _present(ex.expected.get(key))]
        if total >= 3 and len(having) == total - 1 and len(having) >= 2:
            (lacking,) = [ex.name for ex in examples if ex.name not in having]
            found.append(f"{key}: {lacking}: missing in this draft, present in {len(having)} of {total}")
        elif key in TEMPLATE_FIELDS and total >= 4 and len(having) == 1:
            found.append(f"{key}: {having[0]}: only this draft has one ({short(examples[[ex.name for ex in examples].index(having[0])].expected.get(key))}), "
                         f"{total - 1} others have none")
    for ex in examples:
        record = ex.expected
        sapo = record.get("sapo")
        if sapo:
            why = _wrong_sapo(sapo, record)
            if why:
                found.append(f"sapo: {ex.name}: {short(sapo)} is {why}")
        for key in ("author", "source"):
            value = record.get(key)
            if value and ":" in value:
                found.append(f"{key}: {ex.name}: {short(value)} holds a label: another field may be inside it")
    return found


def _wrong_sapo(sapo: str, record: dict) -> str | None:
    """Why a draft's sapo is likely no sapo: a date or views line, an image's caption, the title, the
    text's first paragraph."""
    if len(sapo) <= 120 and (FIELD_READERS["views"](sapo) is not None and any(c.isdigit() for c in sapo)
                             and has_date(sapo) or FIELD_READERS["published_text"](sapo) and len(sapo) <= 60):
        return "a date or views line"
    if any(sapo == (image.get("caption") or "") for image in record.get("images") or []):
        return "an image's caption"
    if sapo == record.get("title"):
        return "the title"
    if (record.get("text") or "").split("\n\n")[0] == sapo:
        return "the text's first paragraph too"
    return None


def _score(found: list[str]) -> tuple[int, int]:
    """Fewer pages the layout reads nothing on, then fewer disagreeing fields."""
    return sum(line.startswith("record: ") for line in found), len(found)


def _retries(trusted: list[Example], listings: list[ListingExample], name: str, description: str,
             examples: list[Example], chrome: set[str], learnt: Learnt, found: list[str],
             left_out: list[str]) -> tuple[Learnt, list[str], list[str]]:
    """Where the layout disagrees with drafts it was learnt from, learn again without one of those
    pages at a time (the most disagreeing first, RETRIES at most, two pages kept at least), keeping
    a layout only when it reads fewer pages wrong."""
    tried: list[str] = []
    while len(tried) < RETRIES and len(trusted) - len(left_out) > 2:
        counts: dict[str, int] = {}
        for line in found:
            page = line.split(": ")[1]
            if page not in chrome and page not in left_out and page not in tried:
                counts[page] = counts.get(page, 0) + 1
        order = [ex.name for ex in examples]
        page = max(counts, key=lambda p: (counts[p], -order.index(p)), default=None)
        if page is None:
            break
        tried.append(page)
        rest = [ex for ex in trusted if ex.name not in left_out + [page]]
        again = learn_from_examples(rest, listings, name, description, [ex.page for ex in examples if ex not in rest])
        again_found = disagreements(again.layout, examples)
        if _score(again_found) < _score(found):
            learnt, found, left_out = again, again_found, left_out + [page]
    return learnt, found, left_out


def learn_from_drafts(folder: Path, name: str, description: str = "", only: Iterable[str] | None = None) -> DraftLearnt:
    """Learn a layout from the drafts of a site.json folder's article pages (all, or `only` these)."""
    level, dates_logger.level = dates_logger.level, logging.ERROR  # drafts' odd values are not news
    try:
        examples, listings, unread = draft_examples(folder, only)
        suspicious = suspicious_drafts(examples)
        chrome = {line.split(": ")[1] for line in suspicious if line.startswith("text: ")}
        trusted = [ex for ex in examples if ex.name not in chrome]
        result = DraftLearnt(Learnt(Layout(name=name, description=description), [], []),
                             {ex.name: ex.expected for ex in examples}, unread, suspicious=suspicious,
                             left_out=sorted(chrome))
        if not trusted:
            result.disagreements = [f"record: {ex.name}: no draft to learn from" for ex in examples]
            return result
        suspects = {line.split(": ")[1] for line in suspicious} - chrome
        first = [ex for ex in trusted if ex.name not in suspects]
        if len(first) < 2:
            first = trusted
        learnt = learn_from_examples(first, listings, name, description,
                                     [ex.page for ex in examples if ex not in first])
        found = disagreements(learnt.layout, examples)
        left_out = [ex.name for ex in trusted if ex not in first]
        flagged = {(line.split(": ")[1], line.split(": ")[0]) for line in suspicious}
        explained = flagged | {(page, other) for page, key in flagged for other in COUPLED.get(key, ())}
        if first is not trusted and any(tuple(line.split(": ")[1::-1]) not in explained and
                                        line.split(": ")[1] not in chrome for line in found):
            again = learn_from_examples(trusted, listings, name, description, [ex.page for ex in examples if ex.name in chrome])
            again_found = disagreements(again.layout, examples)
            if _score(again_found) <= _score(found):
                learnt, found, left_out = again, again_found, []
        learnt, found, left_out = _retries(trusted, listings, name, description, examples, chrome,
                                           learnt, found, left_out)
        result.learnt = learnt
        result.disagreements = found
        result.left_out = sorted(chrome | set(left_out))
        pages = f"{len(examples)} article page{'s' * (len(examples) != 1)}"
        learnt.report.insert(0, FIRST_LINE.format(pages=pages))
        if result.left_out:
            learnt.report.insert(1, f"not learnt from (their drafts look wrong): {', '.join(result.left_out)}")
        return result
    finally:
        dates_logger.level = level
