"""Synthetic Vietnamese health news: texts for the archive benchmark, whole portals for the crawl one.

Texts are the bundled expected records' sentences, shuffled (accents, đ and all). A portal is
Bắc Ninh's layout (spiders/layouts/liferay-bacninh.toml) made big: its five article pages are the templates, with
title, body paragraphs, date, view count and URL varied per article, and its listing page
repeated with 20 articles a page, paginated with Liferay's `_cur=` like the real site. The
folder has a site.json in the demo portals' format, so scraper.portals.replay.ReplayServer serves it.
"""
from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import lxml.html

from archive.search import fold
from scraper.portals.registry import DEMO_PORTALS

TEMPLATE_PORTAL = "bacninh"
TEMPLATE_HOST = "soyte.bacninh.gov.vn"
ARTICLES = ("bacninh-1", "bacninh-2", "bacninh-5", "bacninh-s1", "bacninh-s2")
LISTING_PATH = "/tin-tuc-su-kien"
LISTING_QUERY = ("?p_p_id=101_INSTANCE_bnNews&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
                 "&p_p_col_id=column-2&p_p_col_count=1&_101_INSTANCE_bnNews_delta={delta}"
                 "&_101_INSTANCE_bnNews_cur={page}")
ARTICLE_PATH = "/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
MIN_PARAGRAPH = 40  # shorter text nodes (bylines, table cells, labels) are kept as they are


class Corpus:
    """Sentences, titles and bylines of every bundled expected record."""

    def __init__(self) -> None:
        records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEMO_PORTALS.glob("*/expected/*.json"))]
        self.sentences = sorted({s.strip() for r in records for para in r["text"].split("\n\n")
                                 for s in re.split(r"(?<=[.;!?])\s+", para) if len(s.strip()) > 25 and "|" not in s})
        self.title_words = [w for r in records for w in r["title"].split()]
        self.text_lengths = [len(r["text"]) for r in records]
        self.paragraph_lengths = [len(p) for r in records for p in r["text"].split("\n\n") if len(p) > 25]
        self.authors = sorted({r["author"] for r in records if r["author"]})

    def sentence_run(self, rng: random.Random, chars: int) -> str:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(rng.choice(self.sentences))
        return " ".join(parts)

    def title(self, rng: random.Random) -> str:
        words = rng.sample(self.title_words, rng.randint(7, 15))
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])

    def text(self, rng: random.Random) -> str:
        """As long as a bundled article's text (drawn at random), in paragraphs as long as theirs."""
        target, paragraphs = rng.choice(self.text_lengths), []
        while sum(len(p) + 2 for p in paragraphs) < target:
            paragraphs.append(self.sentence_run(rng, rng.choice(self.paragraph_lengths)))
        return "\n\n".join(paragraphs)


def slugify(title: str, n: int) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:80] + f"-{n}"


@dataclass
class ArticleTemplate:
    """One bundled article page with placeholders: @@TITLE@@ @@SLUG@@ @@DATE@@ @@VIEWS@@ @@P<n>@@."""

    html: str
    paragraphs: list[int]  # original length of each replaced text node

    @classmethod
    def from_page(cls, name: str) -> "ArticleTemplate":
        folder = DEMO_PORTALS / TEMPLATE_PORTAL
        expected = json.loads((folder / "expected" / f"{name}.json").read_text(encoding="utf-8"))
        doc = lxml.html.document_fromstring((folder / "pages" / f"{name}.html").read_text(encoding="utf-8"))
        body = doc.cssselect(".asset-full-content .journal-content-article")[0]
        lengths: list[int] = []

        def token(text: str | None) -> str | None:
            if text and len(text.strip()) >= MIN_PARAGRAPH:
                lengths.append(len(text.strip()))
                return f"@@P{len(lengths) - 1}@@"
            return text

        for element in body.iter():
            if element is not body:
                element.tail = token(element.tail)
            if isinstance(element.tag, str) and element.tag not in ("script", "style"):
                element.text = token(element.text)
        page = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
        page = page.replace(html.escape(expected["title"], quote=False), "@@TITLE@@")
        page = page.replace(expected["url"].rsplit("/", 1)[1], "@@SLUG@@")
        page = re.sub(r'(metadata-publish-date">)[^<]+<', r"\1@@DATE@@<", page)
        page = re.sub(r'(metadata-view-count">[^<0-9]*)\d+<', r"\1@@VIEWS@@<", page)
        return cls(page, lengths)


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"@@(\w+)@@", lambda m: values[m[1]], template)


class SiteBuilder:
    """Writes a synthetic Bắc Ninh-layout portal of `n` articles into a folder with a site.json."""

    def __init__(self, host: str, seed: int = 8, delta: int = 20) -> None:
        self.host, self.delta = host, delta
        self.rng = random.Random(seed)
        self.corpus = Corpus()
        self.templates = [ArticleTemplate.from_page(name) for name in ARTICLES]
        listing = (DEMO_PORTALS / TEMPLATE_PORTAL / "pages" / "listing-2.html").read_text(encoding="utf-8")
        first = listing.index('<div class="asset-abstract">')
        second = listing.index('<div class="asset-abstract">', first + 1)
        pager = listing.index('<div class="taglib-page-iterator">')
        self.listing_head, self.listing_item = listing[:first], listing[first:second].strip()
        self.listing_tail = listing[listing.index("</ul></div>", pager) + len("</ul></div>"):]
        self.listing_item = self._item_template(self.listing_item)

    @staticmethod
    def _item_template(block: str) -> str:
        block = re.sub(r"content/[a-z0-9-]+\?redirect=[^\"]+", "content/@@SLUG@@?redirect=@@REDIRECT@@", block)
        block = re.sub(r'(<h3 class="asset-title"><a [^>]+>)[^<]+<', r"\1@@TITLE@@<", block)
        block = re.sub(r'(<span class="hide-accessible">về )[^<]+<', r"\1@@TITLE@@<", block)
        block = re.sub(r'(metadata-publish-date">)[^<]+<', r"\1@@DATE@@<", block)
        block = re.sub(r'(<div class="asset-summary">)[^<]+<', r"\1@@SUMMARY@@<", block)
        return block

    def base(self) -> str:
        return f"https://{self.host}"

    def listing_url(self, page: int) -> str:
        if page == 1:
            return self.base() + LISTING_PATH
        return self.base() + LISTING_PATH + LISTING_QUERY.format(delta=self.delta, page=page)

    def _pager(self, page: int, last: int, shown: tuple[int, int]) -> str:
        def link(css: str, target: int, label: str) -> str:
            return f'<li class="{css}"><a href="{html.escape(self.listing_url(target))}">{label}</a></li>'

        items = []
        items.append(link("first", 1, "Đầu") if page > 1 else '<li class="first disabled"><a href="javascript:;">Đầu</a></li>')
        items.append(link("", page - 1, "Trước") if page > 1 else '<li class="disabled"><a href="javascript:;">Trước</a></li>')
        items.append(link("", page + 1, "Tiếp") if page < last else '<li class="disabled"><a href="javascript:;">Tiếp</a></li>')
        items.append(link("last", last, "Cuối") if page < last else '<li class="last disabled"><a href="javascript:;">Cuối</a></li>')
        return (f'<div class="taglib-page-iterator"><div class="search-results">Hiển thị {shown[0]} - {shown[1]}</div>'
                f'<ul class="pager lfr-pagination-buttons">{"".join(items)}</ul></div>')

    def article(self, n: int, when: datetime) -> tuple[dict, str]:
        """(facts, page) for article n."""
        rng, corpus = self.rng, self.corpus
        template = self.templates[n % len(self.templates)]
        title = corpus.title(rng)
        values = {"TITLE": html.escape(title, quote=False), "SLUG": slugify(title, n),
                  "DATE": when.strftime("%d/%m/%Y %H:%M"), "VIEWS": str(rng.randint(10, 5000))}
        for i, length in enumerate(template.paragraphs):
            values[f"P{i}"] = html.escape(corpus.sentence_run(rng, length), quote=False)
        facts = {"title": title, "slug": values["SLUG"], "url": self.base() + ARTICLE_PATH + values["SLUG"],
                 "published": when.strftime("%Y-%m-%dT%H:%M:00+07:00"), "date": values["DATE"],
                 "summary": html.unescape(values.get("P0", title))[:120] + "..."}
        return facts, _fill(template.html, values).replace(TEMPLATE_HOST, self.host)

    def listing(self, page: int, last: int, facts: list[dict], first_index: int) -> str:
        redirect = re.sub(r"[^A-Za-z0-9_.\-]", lambda m: "%%%02X" % ord(m[0]), self.listing_url(page))
        items = "\n".join(_fill(self.listing_item, {"SLUG": f["slug"], "REDIRECT": redirect,
                                                    "TITLE": html.escape(f["title"], quote=False),
                                                    "DATE": f["date"], "SUMMARY": html.escape(f["summary"], quote=False)})
                          for f in facts)
        pager = self._pager(page, last, (first_index + 1, first_index + len(facts)))
        return (self.listing_head + items + "\n" + pager + self.listing_tail).replace(TEMPLATE_HOST, self.host)

    def write(self, folder: Path, n: int, key: str = "synthetic") -> dict:
        """Write `n` articles and their listing pages; returns the site.json manifest."""
        pages_dir = folder / "pages"
        pages_dir.mkdir(parents=True, exist_ok=True)
        when = datetime(2025, 6, 30, 16, 0)
        entries, facts = [], []
        for i in range(n):
            when -= timedelta(minutes=self.rng.randint(60, 600))
            fact, page = self.article(i, when)
            name = f"pages/a{i}.html"
            (folder / name).write_text(page, encoding="utf-8")
            entries.append({"url": fact["url"], "file": name, "kind": "article",
                            "content_type": "text/html; charset=utf-8"})
            facts.append(fact)
        last = max(1, -(-n // self.delta))
        for page in range(1, last + 1):
            chunk = facts[(page - 1) * self.delta: page * self.delta]
            name = f"pages/listing-{page}.html"
            (folder / name).write_text(self.listing(page, last, chunk, (page - 1) * self.delta), encoding="utf-8")
            entries.insert(page - 1, {"url": self.listing_url(page), "file": name, "kind": "listing",
                                      "content_type": "text/html; charset=utf-8"})
        robots = (DEMO_PORTALS / TEMPLATE_PORTAL / "pages" / "robots.txt").read_bytes()
        (pages_dir / "robots.txt").write_bytes(robots)
        entries.append({"url": self.base() + "/robots.txt", "file": "pages/robots.txt", "kind": "robots",
                        "content_type": "text/plain; charset=utf-8"})
        manifest = {"portal": key, "province": "Bắc Ninh", "layout": "liferay-bacninh", "base_url": self.base(),
                    "start_urls": [self.listing_url(1)], "pages": entries}
        (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        (folder / "facts.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        return manifest


def write_registry(path: Path, key: str, host: str, start_url: str) -> Path:
    """A registry (scraper/portals.toml's format) holding only the synthetic portal."""
    path.write_text(f'[{key}]\nprovince = "Bắc Ninh"\nhost = "{host}"\n'
                    f'layout = "liferay-bacninh"\nstart_urls = ["{start_url}"]\nstatus = "active"\n'
                    f'notes = "synthetic portal for bench/crawl.py"\n'
                    f'max_listing_pages = 1000000\n', encoding="utf-8")  # one run walks it all, as measured before
    return path


def article_pages(n: int, host: str = TEMPLATE_HOST, seed: int = 8):
    """(url, html bytes, facts) of n synthetic articles, in memory (the archive benchmark's raw pages)."""
    builder = SiteBuilder(host, seed)
    when = datetime(2025, 6, 30, 16, 0)
    for i in range(n):
        when -= timedelta(minutes=builder.rng.randint(60, 600))
        facts, page = builder.article(i, when)
        yield facts["url"], page.encode("utf-8"), facts
