"""Listing learning (scraper/learn/listing.py): the next-page rule.

tests/unseen_portals/kontum-pager is a vendor PHP portal on Bootstrap 4 whose listing page 2 links
page 1 back as '&trang=1' (an alias the manifest does not list), whose menu links the listing's
first page ('Tin tức - Sự kiện') on every page, whose pager links pages the manifest does not
have (3, 4, 'Cuối' = 12), and whose sidebar links the same articles as the listing. The old
scoring chose 'div.container a' there (every link of the page: menu, sidebar, articles).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify
from scraper.learn.listing import listing_page_key
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.sites import Site

KONTUM = Path(__file__).parent / "unseen_portals" / "kontum-pager"
TRAIN = ["kontum-1"]  # the fewest articles showing every field the portal's records fill
CHROME = ["Trực tuyến: 37", "Kon Tum: 27°C", "Tin xem nhiều", "In bài viết", "Các tin khác", "Cơ quan chủ quản",
          "Tổng lượt truy cập", "Liên kết website"]


@pytest.fixture(scope="module")
def learnt():
    return learn_layout(KONTUM, "kontum", only=TRAIN)


def test_the_portal_is_learnt_from_one_article_and_the_others_come_out_exact(learnt):
    _manifest, examples, _listings = read_examples(KONTUM)
    others = [ex for ex in examples if ex.name not in TRAIN]
    assert len(others) == 5
    assert verify(learnt.layout, others) == []
    article_class = page_classes(learnt.layout)[0]
    for ex in others:
        record = article_class(ex.body, ex.url, content_type=ex.content_type).record()
        assert (record["title"], record["published"], record["text"]) == (
            ex.expected["title"], ex.expected["published"], ex.expected["text"])
        shown = "\n".join(str(record.get(key) or "") for key in ("title", "sapo", "text", "author"))
        assert not [line for line in CHROME if line in shown]


def _listings(layout):
    listing_class = page_classes(layout)[1]
    return [(page.url, listing_class(page.body(), page.url, page.content_type)) for page in Site(KONTUM).pages(("listing",))]


def test_the_next_page_rule_takes_the_pager_and_nothing_else(learnt):
    pagination = learnt.layout.listing["pagination"]
    assert pagination and all("container" not in css and css != "a::attr(href)" for css in pagination)
    first = "https://soyte.kontum.gov.vn/tin-tuc.php?cid=3"
    for url, page in _listings(learnt.layout):
        nexts = set(page.next_urls())
        # every link taken is a page of this listing: '&trang=N' (page 1 under its '&trang=1' alias)
        assert nexts and all(u.startswith(first + "&trang=") for u in nexts), nexts
        other_page = {listing_page_key(first), listing_page_key(first + "&trang=2")} - {listing_page_key(url)}
        assert {listing_page_key(u) for u in nexts} >= other_page
        assert not [u for u in nexts if "cid=7" in u or "xem-tin.php" in u]


def test_the_article_links_are_the_listings_own(learnt):
    articles = {p.url for p in Site(KONTUM).pages(("article",))}
    found = set()
    for _url, page in _listings(learnt.layout):
        assert page.has_listing()
        links = set(page.article_urls())
        assert links <= articles
        found |= links
    assert found == articles


@pytest.mark.parametrize("alias, same", [
    ("https://x.vn/tin-tuc.php?cid=3&trang=1", "https://x.vn/tin-tuc.php?cid=3"),
    ("https://x.vn/TinTuc.aspx?page=1&MenuID=12", "https://x.vn/TinTuc.aspx?MenuID=12"),
    ("https://x.vn/tin-tuc?start=0", "https://x.vn/tin-tuc"),
    ("https://x.vn/web/guest/tin?_101_INSTANCE_ab_cur=1", "https://x.vn/web/guest/tin"),
])
def test_a_first_page_alias_is_the_first_page(alias, same):
    assert listing_page_key(alias) == listing_page_key(same)


def test_other_pages_and_other_listings_are_told_apart():
    first = listing_page_key("https://x.vn/tin-tuc.php?cid=3")
    page3 = listing_page_key("https://x.vn/tin-tuc.php?cid=3&trang=3")
    assert page3[0] == first[0] and page3[1] == "3"
    assert listing_page_key("https://x.vn/tin-tuc.php?cid=7")[0] != first[0]      # another listing
    assert listing_page_key("https://x.vn/tin-tuc.php?cid=3&id=12")[0] != first[0]  # an article
    assert listing_page_key("https://x.vn/tin-tuc.php?cid=3&trang=moi")[0] != first[0]  # not a number


# The bundled portals' learnt next-page rules, as before the alias-aware scoring.
BUNDLED_PAGINATION = {
    "angiang": ["div.paging a::attr(href)"], "bacninh": ["ul.pager a::attr(href)"],
    "cantho": ["a.pagenav::attr(href)"], "hagiang": ["ul.pagination a::attr(href)"],
    "hatinh": ["nav.pagination a::attr(href)"], "nghean": ["div.paging a::attr(href)"],
    "quangninh": ["a.page-numbers::attr(href)"], "thanhhoa": ["a.CommandButton::attr(href)"],
}


@pytest.mark.parametrize("portal", sorted(BUNDLED_PAGINATION))
def test_the_bundled_portals_next_page_rules_are_unchanged(portal):
    assert learn_layout(DEMO_PORTALS / portal, portal).layout.listing["pagination"] == BUNDLED_PAGINATION[portal]


def test_the_manifest_is_well_formed():
    manifest = json.loads((KONTUM / "site.json").read_text(encoding="utf-8"))
    kinds = [p["kind"] for p in manifest["pages"]]
    assert kinds.count("listing") == 2 and kinds.count("article") == 6
    assert all((KONTUM / "expected" / f"{Path(p['file']).stem}.json").exists()
               for p in manifest["pages"] if p["kind"] == "article")


UNSEEN = sorted((Path(__file__).parent / "unseen_portals").iterdir())


@pytest.mark.parametrize("folder", [DEMO_PORTALS / key for key in ("bacninh", "hatinh", "cantho", "thanhhoa")] + UNSEEN,
                         ids=lambda folder: folder.name)
def test_the_learnt_listing_container_is_on_every_listing_page_and_on_no_article_page(folder):
    """A container every page has (a Bootstrap `div.row`, a theme's wrapper) holds the links too, but
    would never tell a crawl that a listing was redesigned: the learnt one is the listing's own."""
    container = learn_layout(folder, "learnt").layout.listing["container"]
    _manifest, examples, listings = read_examples(folder)
    assert len(container) == 1
    assert all(listing.page.css(container[0]) for listing in listings)
    assert not any(example.page.css(container[0]) for example in examples)
    assert container[0] not in ("div.row", "div.container", "div.row-fluid", "table.skin")
