"""Drift never goes unnoticed: a redesign that breaks a layout loudly or quietly raises the alarm.

Each test crawls Hà Tĩnh as served, then serves every article again rewritten the way a
redesign would, re-crawls (revisiting everything) and reads the run's verdict.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scraper.portals.replay import ReplayServer
from tests.helpers import ROOT, query, served_articles, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server

PORTAL = "hatinh"
SITE = ROOT / "scraper" / "demo_portals" / PORTAL


def article_pages() -> dict[str, bytes]:
    manifest = json.loads((SITE / "site.json").read_text(encoding="utf-8"))
    return {p["url"]: (SITE / p["file"]).read_bytes() for p in manifest["pages"] if p["kind"] == "article"}


def crawl(db: Path, server: ReplayServer, *args: str):
    return soyte("crawl", PORTAL, "--db", str(db), "--replay", server.url, *args, check=False)


def recrawl_with(db: Path, server: ReplayServer, rewrite) -> tuple[int, dict, list[str]]:
    assert crawl(db, server).returncode == 0
    for url, body in article_pages().items():
        server.set_page(url, rewrite(body.decode("utf-8")).encode("utf-8"))
    result = crawl(db, server, "--revisit-after", "0")
    problems = [line for line in result.stderr.splitlines() if line.startswith("ALARM")]
    return result.returncode, json.loads(result.stdout), problems


def without_dates(html: str) -> str:
    """The theme update moved the date into a new element and dropped the head's time."""
    html = re.sub(r'<meta property="article:published_time"[^>]*>', "", html)
    return html.replace('class="post-date"', 'class="entry-meta-time"')


def redesigned(html: str) -> str:
    """New classes and wrappers, and a share toolbar and related articles inside the article."""
    for old, new in [("post-detail", "news-single"), ("post-title", "news-single__headline"),
                     ("post-content", "news-single__body"), ("post-header", "news-single__meta"),
                     ("post-sapo", "news-single__lead"), ("post-author", "news-single__byline")]:
        html = html.replace(f'class="{old}"', f'class="{new}"')
    toolbar = ('<div class="tools"><a href="#">In bài</a> <a href="#">Gửi email</a> '
               '<a href="https://facebook.com/share">Chia sẻ</a></div>')
    related = ('<div class="related"><h3>Tin liên quan</h3><ul><li><a href="/tin-tuc-su-kien/a.html">Hà Tĩnh '
               'tổ chức tập huấn phòng chống dịch</a></li><li><a href="/tin-tuc-su-kien/b.html">Ngành y tế '
               'triển khai chiến dịch tiêm chủng</a></li></ul></div>')
    return html.replace('<article class="news-single">', f'<article class="news-single">{toolbar}', 1).replace(
        "</article>", f"{related}</article>", 1)


def related_inside_body(html: str) -> str:
    """The layout still matches, but the body now carries a related-articles box the layout keeps."""
    box = '<p><strong>Tin liên quan</strong></p><p><a href="/tin-tuc-su-kien/x.html">Xem thêm các tin khác</a></p>'
    return html.replace('<div class="post-content">', f'<div class="post-content">{box}', 1)


def test_a_date_selector_that_silently_finds_nothing_raises_the_alarm(archive_path, replay_server):
    status, run, problems = recrawl_with(archive_path, replay_server, without_dates)
    assert status == 1 and run["status"] == "alarm"
    assert problems and problems[0].startswith("ALARM hatinh: published empty on most of")
    portal_runs = query(archive_path, "SELECT problem FROM portal_runs WHERE run_id = ?", (run["id"],))
    assert "published empty" in portal_runs[0]["problem"]


def test_a_redesign_is_saved_generically_flagged_and_raises_the_alarm(archive_path, replay_server):
    status, run, problems = recrawl_with(archive_path, replay_server, redesigned)
    assert status == 1 and run["status"] == "alarm"
    assert problems and problems[0].startswith("ALARM hatinh:")
    rows = query(archive_path, "SELECT url, title, extraction, extraction_note FROM articles")
    assert len(rows) == len(served_articles(PORTAL))
    failed = {row["url"] for row in query(archive_path, "SELECT url FROM failures WHERE run_id = ? AND "
                                          "kind = 'extraction'", (run["id"],))}
    saved = [row for row in rows if row["url"] not in failed]  # the generic extractor refuses a very short page
    assert len(saved) >= len(rows) - 1 and {row["extraction"] for row in saved} == {"generic"}
    assert all("no title" in row["extraction_note"] or "no body" in row["extraction_note"] for row in saved)
    titles = {record["url"]: record["title"] for record in served_articles(PORTAL)}
    assert {row["title"] for row in saved} == {titles[row["url"]] for row in saved}


def test_chrome_leaking_into_the_text_raises_the_alarm(archive_path, replay_server):
    status, run, problems = recrawl_with(archive_path, replay_server, related_inside_body)
    assert status == 1
    assert problems and "the portal's chrome is leaking into the text" in problems[0]
    assert "'Tin liên quan'" in problems[0]


def test_an_unchanged_portal_raises_no_drift_alarm(archive_path, replay_server):
    status, run, problems = recrawl_with(archive_path, replay_server, lambda html: html)
    assert (status, run["status"], problems) == (0, "completed", [])


def test_extract_prints_the_record_the_crawl_stores_for_a_layout_page_and_a_redesigned_page(
        archive_path, replay_server, tmp_path):
    url, body = next(iter(article_pages().items()))
    crawl(archive_path, replay_server)
    stored = query(archive_path, "SELECT * FROM articles WHERE url = ?", (url,))[0]
    page = tmp_path / "page.html"
    page.write_bytes(body)
    printed = json.loads(soyte("extract", str(page), "--url", url).stdout)
    assert printed["title"] == stored["title"] and printed["text"] == stored["text"]
    assert printed["published"] == stored["published"]
    replay_server.set_page(url, redesigned(body.decode("utf-8")).encode("utf-8"))
    crawl(archive_path, replay_server, "--revisit-after", "0")
    stored = query(archive_path, "SELECT * FROM articles WHERE url = ?", (url,))[0]
    page.write_bytes(redesigned(body.decode("utf-8")).encode("utf-8"))
    result = soyte("extract", str(page), "--url", url)
    printed = json.loads(result.stdout)
    assert result.stderr.startswith("generic extractor used: hatinh: no ")
    assert stored["extraction"] == "generic"
    assert {k: printed[k] for k in ("title", "text", "published", "author")} == {
        k: stored[k] for k in ("title", "text", "published", "author")}


def test_extract_generic_names_the_registered_portal_of_any_status_or_none(tmp_path):
    page = ROOT / "scraper" / "demo_portals" / "cantho" / "pages" / "cantho-1.html"
    planned = soyte("extract", str(page), "--url", "https://soyte.kiengiang.gov.vn/tin/1.html", "--generic")
    record = json.loads(planned.stdout)
    assert (record["portal"], record["province"]) == ("kiengiang", "Kiên Giang")
    assert record["url"] == "https://soyte.kiengiang.gov.vn/tin/1.html"  # a canonical on another host is refused
    assert record["title"] == "Cần Thơ: Sốt xuất huyết tăng cao, người dân cần chủ động diệt lăng quăng"
    assert planned.stderr.splitlines()[0] == "generic extractor used: asked for with --generic"
    unknown = json.loads(soyte("extract", str(page), "--url", "https://example.org/tin/1.html", "--generic").stdout)
    assert (unknown["portal"], unknown["province"]) == (None, None)
