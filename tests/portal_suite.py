"""The checks every portal's test module runs on its reference pages (subclass `PortalSuite`).

The same shape for every portal, bundled or scaffolded by `soyte new-portal`: its site (the
fixture folder tests/fixtures/<key>/, else its bundled demo portal) served on 127.0.0.1 and
crawled with the real command. A subclass sets PORTAL and CHROME (boilerplate strings that must
appear in no stored field); REQUESTS (the pages a first crawl fetches; default: every web page the
site serves, its attached files aside) and SEARCH (an unaccented query and the one URL it finds;
default: the first served article's first six title words without accents) may be stated. `case`
parameters are filled with the portal's reference pages by conftest.pytest_generate_tests.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from archive.store import row_to_record
from scraper.cli.main import main
from archive.search import fold
from scraper.portals.registry import get_portal
from scraper.portals.replay import ReplayServer
from scraper.portals.sites import PAGE_KINDS
from tests.helpers import ArticleCase, execute, portal_site, query, served_articles, soyte


def stored_records(db: Path, portal: str) -> dict[str, dict]:
    """The portal's archived articles as records, read back by the archive's own rule (row_to_record)."""
    return {row["url"]: row_to_record(row) for row in query(db, "SELECT * FROM articles WHERE portal = ?", (portal,))}


def boilerplate_found(records: dict[str, dict], chrome: list[str]) -> list[tuple[str, str, str]]:
    """(url, field, string) for every chrome string, or other article's title, found in a record."""
    found = []
    titles = {url: record["title"] for url, record in records.items()}
    for url, record in records.items():
        others = [title for other, title in titles.items() if other != url]
        for field in ("title", "text", "author", "source", "sapo", "category"):
            value = record[field] or ""
            found += [(url, field, needle) for needle in chrome + others if needle in value]
    return found


@pytest.fixture(scope="class")
def crawled(request, tmp_path_factory) -> tuple[Path, dict, dict]:
    """Two crawls of the test class's PORTAL, its site served alone: (archive, first run, second run)."""
    portal = request.cls.PORTAL
    site = portal_site(portal)
    problem = site.incomplete(portal)
    if problem:
        pytest.fail(problem, pytrace=False)
    db = tmp_path_factory.mktemp(portal) / "archive.db"
    with ReplayServer(folders=[site.folder]) as server:
        first = soyte("crawl", portal, "--db", str(db), "--replay", server.url)
        second = soyte("crawl", portal, "--db", str(db), "--replay", server.url)
    return db, json.loads(first.stdout), json.loads(second.stdout)


class PortalSuite:
    PORTAL: ClassVar[str]
    CHROME: ClassVar[list[str]]
    REQUESTS: ClassVar[int | None] = None
    SEARCH: ClassVar[tuple[str, str] | None] = None

    def requests(self) -> int:
        return self.REQUESTS or len(portal_site(self.PORTAL).pages(PAGE_KINDS))

    def search(self) -> tuple[str, str]:
        if self.SEARCH:
            return self.SEARCH
        first = served_articles(self.PORTAL)[0]
        return " ".join(fold(first["title"]).split()[:6]), first["url"]

    def test_reference_pages_are_captured_with_expected_records(self):
        problem = portal_site(self.PORTAL).incomplete(self.PORTAL)
        if problem:
            pytest.fail(problem, pytrace=False)

    def test_extract_command_prints_the_expected_record(self, case: ArticleCase, capsys):
        status = main(["extract", str(case.path), "--url", case.url, "--content-type", case.content_type or ""])
        assert status == 0
        assert json.loads(capsys.readouterr().out) == case.expected

    def test_crawl_stores_exactly_the_served_articles(self, crawled):
        db, _first, _second = crawled
        expected = {record["url"]: record for record in served_articles(self.PORTAL)}
        assert stored_records(db, self.PORTAL) == expected

    def test_crawl_keeps_no_boilerplate_or_other_titles(self, crawled):
        db, _first, _second = crawled
        assert boilerplate_found(stored_records(db, self.PORTAL), self.CHROME) == []

    def test_first_crawl_run_counts(self, crawled):
        _db, first, _second = crawled
        articles = len(served_articles(self.PORTAL))
        # Each attached file is asked for too: a site serves it as a `document` page (the demo portals
        # serve every one), else it answers 404, one error each (a portal captured without its files).
        attachments = {a["url"] for record in served_articles(self.PORTAL) for a in record["attachments"]}
        images = {i["url"] for record in served_articles(self.PORTAL) for i in record["images"]}  # archived too
        served = {page.url for page in portal_site(self.PORTAL).pages(("document", "image"))}
        unserved = (attachments | images) - served
        assert (first["status"], first["articles_new"], first["articles_updated"], first["errors"]) == (
            "completed", articles, 0, len(unserved))
        assert first["requests"] == self.requests() + len(attachments) + len(images)

    def test_second_crawl_adds_no_rows_and_fetches_no_article(self, crawled):
        db, _first, second = crawled
        articles = len(served_articles(self.PORTAL))
        assert (second["articles_new"], second["articles_updated"], second["errors"]) == (0, 0, 0)
        # robots.txt and the start pages, each answered 304 Not Modified
        start_urls = len(get_portal(self.PORTAL).start_urls)
        assert second["requests"] == 1 + start_urls
        assert query(db, "SELECT count(*) AS n FROM articles")[0]["n"] == articles
        assert [row["status"] for row in query(db, "SELECT status FROM crawl_runs ORDER BY id")] == ["completed"] * 2

    def test_raw_pages_are_kept_under_the_real_host(self, crawled):
        db, _first, _second = crawled
        urls = [row["url"] for row in query(db, "SELECT DISTINCT url FROM pages")]
        assert len(urls) == self.requests()
        host = served_articles(self.PORTAL)[0]["url"].split("/")[2]
        assert {url.split("/")[2] for url in urls} == {host}

    def test_unaccented_search_finds_the_accented_article(self, crawled):
        db, _first, _second = crawled
        words, url = self.search()
        found = [json.loads(line) for line in soyte("search", words, "--db", str(db)).stdout.splitlines()]
        # the articles; an attached document holding the words too follows them (Thanh Hóa's notice)
        assert [line["url"] for line in found if line.get("found_in") != "document"] == [url]

    def test_reextract_rebuilds_the_articles_from_stored_pages_without_the_server(self, crawled):
        db, _first, _second = crawled  # the replay server has stopped by now
        before = stored_records(db, self.PORTAL)
        execute(db, "DELETE FROM articles")
        execute(db, "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
        result = soyte("reextract", "--db", str(db))
        assert json.loads(result.stdout) == {"new": len(before), "updated": 0, "unchanged": 0, "failed": 0}
        assert stored_records(db, self.PORTAL) == before
