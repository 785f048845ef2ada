"""Crawler traps: pagination that never ends, and empty listing pages that still link a next page.

A portal's listing walk stops at the bounds its registry entry sets (`max_listing_pages` a run,
`max_empty_listing_pages` in a row without a new article; spiders/listing_walk.py), records why in
`portal_runs.listing_stop`, says so in one line, and the next run goes on from where it stopped
(`listing_resume`) instead of from page 1. Each test builds its portal in the replay server (Bắc
Ninh's layout, pages made here), registers it in a registry of its own (SOYTE_REGISTRY), crawls it
with the real `soyte crawl` and counts, on the server, every request each run made.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from scraper.portals.replay import ReplayServer
from tests.helpers import ROOT, query, soyte

pytestmark = pytest.mark.e2e  # crawls of a replay server, `soyte` in a subprocess

KEY = "baytrap"
HOST = "soyte.baytrap.gov.vn"
BASE = f"https://{HOST}"
START = f"{BASE}/tin-tuc"
GUARD = 40  # listing pages the server makes: far past every bound, so a walk that ignores them shows it
ARTICLE_TEMPLATE = (ROOT / "scraper" / "demo_portals" / "bacninh" / "pages" / "bacninh-2.html").read_bytes()


def listing_url(n: int) -> str:
    return START if n == 1 else f"{START}?trang={n}"


def listing_path(n: int) -> str:
    return listing_url(n).removeprefix(BASE)


def article_url(n: int, i: int) -> str:
    return f"{BASE}/tin-tuc/bai-viet-{n}-{i}"


def listing_page(articles: list[str], next_url: str | None) -> bytes:
    """A listing page in Bắc Ninh's layout (spiders/layouts/liferay-bacninh.toml): its container,
    these article links, and a pager linking `next_url`."""
    items = "".join(f'<div class="asset-abstract"><h3 class="asset-title"><a href="{url}">Bài {url[-4:]}</a></h3></div>'
                    for url in articles) or '<div class="asset-abstract"></div>'
    pager = (f'<div class="taglib-page-iterator"><ul class="pager"><li><a href="{next_url}">Tiếp</a></li></ul></div>'
             if next_url else "")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tin tức</title></head><body>'
            f'<div class="portlet-asset-publisher">{items}{pager}</div></body></html>').encode()


def article_page(url: str) -> bytes:
    """Bắc Ninh's article page, naming `url` as its canonical."""
    page, count = re.subn(rb'<link href="[^"]+" rel="canonical" />', f'<link href="{url}" rel="canonical" />'.encode(),
                          ARTICLE_TEMPLATE)
    assert count == 1
    return page


def serve_portal(server: ReplayServer, articles_on, last: int = GUARD) -> None:
    """Listing pages 1 to `last`, each linking the next; page n links the articles `articles_on(n)`."""
    for n in range(1, last + 1):
        links = articles_on(n)
        server.set_page(listing_url(n), listing_page(links, listing_url(n + 1) if n < last else None))
        for url in links:
            server.set_page(url, article_page(url))


def new_articles(n: int) -> list[str]:
    """Two articles no other page links: pagination that never ends, every page new."""
    return [article_url(n, 1), article_url(n, 2)]


def write_registry(tmp_path: Path, **bounds: int | str) -> Path:
    registry = tmp_path / "portals.toml"
    lines = [f"[{KEY}]", 'province = "Bắc Ninh"', f'host = "{HOST}"', 'layout = "liferay-bacninh"',
             f'start_urls = ["{START}"]', 'status = "active"']
    lines += [f"{name} = {value}" for name, value in bounds.items()]
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return registry


@pytest.fixture
def server():
    with ReplayServer(folders=[]) as replay:
        yield replay


class Crawls:
    """`soyte crawl baytrap` run after run against one archive, with what each run asked the server."""

    def __init__(self, db: Path, server: ReplayServer):
        self.db, self.server = db, server

    def run(self) -> tuple[subprocess.CompletedProcess, list[tuple[str, int]]]:
        before = len(self.server.requests)
        result = soyte("crawl", KEY, "--db", str(self.db), "--replay", self.server.url, check=False)
        asked = [(path, status) for _host, path, status in self.server.requests[before:]]
        return result, asked

    def listing_asked(self, asked: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return sorted((path, status) for path, status in asked if path.startswith("/tin-tuc") and "bai-viet" not in path)

    def articles_asked(self, asked: list[tuple[str, int]]) -> int:
        return sum(1 for path, _status in asked if "bai-viet" in path)

    def portal_run(self, run_id: int) -> dict:
        return query(self.db, "SELECT listing_stop, complete, problem, articles_new FROM portal_runs WHERE run_id = ?",
                     (run_id,))[0]

    def resume(self) -> list[dict]:
        return query(self.db, "SELECT portal, url, page, reason FROM listing_resume")


def stop_lines(stderr: str) -> list[str]:
    return [line.split(" ", 2)[2] for line in stderr.splitlines() if "listing walk stopped" in line]


def test_pagination_that_never_ends_stops_at_max_listing_pages_and_the_next_run_goes_on(
        tmp_path, server, monkeypatch):
    monkeypatch.setenv("SOYTE_REGISTRY", str(write_registry(tmp_path, max_listing_pages=4)))
    serve_portal(server, new_articles)
    crawls = Crawls(tmp_path / "archive.db", server)

    first, asked = crawls.run()
    run = json.loads(first.stdout)
    assert (first.returncode, run["status"], run["articles_new"]) == (0, "completed", 8)
    assert crawls.listing_asked(asked) == sorted((listing_path(n), 200) for n in range(1, 5))
    assert crawls.articles_asked(asked) == 8 and len(asked) == 1 + 4 + 8  # robots.txt, 4 listing pages, 8 articles
    stop = "listing walk stopped at page 4: reached max_listing_pages 4"
    assert crawls.portal_run(run["id"]) == {"listing_stop": stop, "complete": 1, "problem": None, "articles_new": 8}
    assert crawls.resume() == [{"portal": KEY, "url": listing_url(5), "page": 5, "reason": stop}]
    assert stop_lines(first.stderr) == [f"WARNING {KEY}: {stop}; the next run goes on from {listing_url(5)}"]

    # Page 1 is asked first, conditionally (unchanged: 304); then the walk goes on from page 5, not page 1.
    second, asked = crawls.run()
    run = json.loads(second.stdout)
    assert (second.returncode, run["status"], run["articles_new"]) == (0, "completed", 6)
    assert crawls.listing_asked(asked) == sorted([(listing_path(1), 304)] + [(listing_path(n), 200) for n in (5, 6, 7)])
    stop = "listing walk stopped at page 7: reached max_listing_pages 4"
    assert crawls.portal_run(run["id"])["listing_stop"] == stop
    assert crawls.resume() == [{"portal": KEY, "url": listing_url(8), "page": 8, "reason": stop}]

    # The pagination ends at page 9: the walk reaches its end, and nothing is left to go on from.
    serve_portal(server, new_articles, last=9)
    third, asked = crawls.run()
    run = json.loads(third.stdout)
    assert (third.returncode, run["articles_new"]) == (0, 4)
    assert crawls.listing_asked(asked) == sorted([(listing_path(1), 304), (listing_path(8), 200), (listing_path(9), 200)])
    assert crawls.portal_run(run["id"]) == {"listing_stop": None, "complete": 1, "problem": None, "articles_new": 4}
    assert crawls.resume() == [] and stop_lines(third.stderr) == []

    # Incremental again: robots.txt and a 304 for the first listing page.
    fourth, asked = crawls.run()
    assert fourth.returncode == 0 and sorted(asked) == [("/robots.txt", 404), (listing_path(1), 304)]
    assert query(crawls.db, "SELECT count(DISTINCT url) AS n FROM articles") == [{"n": 18}]


@pytest.mark.parametrize("articles_on", [
    lambda n: new_articles(1) if n == 1 else [],              # empty listing pages that still link a next page
    lambda n: new_articles(1),                                # every page links page 1's articles again
], ids=["empty-pages", "same-articles"])
def test_listing_pages_without_a_new_article_stop_the_walk_after_the_registry_count(
        tmp_path, server, monkeypatch, articles_on):
    monkeypatch.setenv("SOYTE_REGISTRY", str(write_registry(tmp_path, max_empty_listing_pages=2)))
    serve_portal(server, articles_on)
    crawls = Crawls(tmp_path / "archive.db", server)

    first, asked = crawls.run()
    run = json.loads(first.stdout)
    assert (first.returncode, run["status"], run["articles_new"]) == (0, "completed", 2)
    assert crawls.listing_asked(asked) == [(listing_path(n), 200) for n in (1, 2, 3)]
    assert len(asked) == 1 + 3 + 2
    stop = "listing walk stopped at page 3: 2 listing pages in a row without a new article"
    assert crawls.portal_run(run["id"]) == {"listing_stop": stop, "complete": 1, "problem": None, "articles_new": 2}
    assert crawls.resume() == [{"portal": KEY, "url": listing_url(4), "page": 4, "reason": stop}]
    assert stop_lines(first.stderr) == [f"WARNING {KEY}: {stop}; the next run goes on from {listing_url(4)}"]

    second, asked = crawls.run()
    assert second.returncode == 0
    assert crawls.listing_asked(asked) == sorted([(listing_path(1), 304), (listing_path(4), 200),
                                                  (listing_path(5), 200)])
    assert len(asked) == 1 + 3
    assert crawls.resume()[0]["url"] == listing_url(6)


def test_a_resume_page_that_is_gone_is_forgotten(tmp_path, server, monkeypatch):
    """The page a walk was to go on from answers 404 (the portal's archive shrank): one failure
    line, the point forgotten; a 4xx listing page is final, so the next run is incremental again."""
    monkeypatch.setenv("SOYTE_REGISTRY", str(write_registry(tmp_path, max_listing_pages=4)))
    serve_portal(server, new_articles)
    crawls = Crawls(tmp_path / "archive.db", server)
    crawls.run()
    server.remove_page(listing_url(5))

    second, asked = crawls.run()
    run = json.loads(second.stdout)
    assert second.returncode == 0 and run["status"] == "completed"
    assert crawls.listing_asked(asked) == sorted([(listing_path(1), 304), (listing_path(5), 404)])
    assert crawls.resume() == []
    assert query(crawls.db, "SELECT kind, status FROM failures WHERE url = ?", (listing_url(5),)) == [
        {"kind": "listing-fetch", "status": 404}]
    assert [line for line in second.stderr.splitlines() if "WARNING" in line] == [
        line for line in second.stderr.splitlines() if listing_url(5) in line and "HTTP 404" in line]
    assert crawls.portal_run(run["id"])["listing_stop"] is None
    assert query(crawls.db, "SELECT count(*) AS n FROM articles") == [{"n": 8}]

    third, asked = crawls.run()
    assert third.returncode == 0 and sorted(asked) == [("/robots.txt", 404), (listing_path(1), 304)]


@pytest.mark.parametrize("bound, value", [("max_listing_pages", "0"), ("max_empty_listing_pages", '"many"')])
def test_a_bound_that_is_not_a_number_of_pages_is_one_line_and_exit_2(tmp_path, monkeypatch, bound, value):
    registry = write_registry(tmp_path, **{bound: value})
    monkeypatch.setenv("SOYTE_REGISTRY", str(registry))
    result = soyte("crawl", KEY, "--db", str(tmp_path / "archive.db"), check=False)
    shown = value.strip('"')
    default = {"max_listing_pages": 200, "max_empty_listing_pages": 3}[bound]
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte crawl: {registry}: [{KEY}] {bound} {int(shown) if shown.isdigit() else shown!r} is not a whole "
        f"number of listing pages, at least 1 (default {default})"])
    assert not (tmp_path / "archive.db").exists()
