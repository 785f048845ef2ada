"""Nothing lost, nothing hijacked: crawls stopped by signals, listing pages that fail, hostile
canonicals, unforeseen exceptions, bad settings, a symlinked archive, long queries.

Every test crawls the bundled portals with the real `soyte` command over the replay server.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper.portals.replay import ReplayServer
from scraper.portals.sites import Site
from tests.helpers import (ROOT, bundled_articles, bundled_pages, execute, query, reference_server, served_articles,
                            soyte)

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

BACNINH = "https://soyte.bacninh.gov.vn"
BACNINH_PAGE_2 = (f"{BACNINH}/tin-tuc-su-kien?p_p_id=101_INSTANCE_bnNews&p_p_lifecycle=0&p_p_state=normal"
                  "&p_p_mode=view&p_p_col_id=column-2&p_p_col_count=1&_101_INSTANCE_bnNews_delta=2"
                  "&_101_INSTANCE_bnNews_cur=2")
HATINH_ARTICLES = [record["url"] for record in served_articles("hatinh")]
NO_BACKOFF = ("--set", "SOYTE_RETRY_BACKOFF=0")


def crawl(db: Path, server: ReplayServer, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    return soyte("crawl", *args, "--db", str(db), "--replay", server.url, check=check)


def articles(db: Path) -> dict:
    row = query(db, "SELECT count(*) AS n, count(DISTINCT url) AS urls FROM articles")[0]
    return {"n": row["n"], "urls": row["urls"]}


def run_statuses(db: Path) -> list[str]:
    return [row["status"] for row in query(db, "SELECT status FROM crawl_runs ORDER BY id")]


def stored_articles(db: Path) -> int:
    try:
        return query(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    except Exception:  # noqa: BLE001 — the crawl has not made its tables yet
        return 0


def page(portal: str, name: str) -> bytes:
    return (ROOT / "scraper" / "demo_portals" / portal / "pages" / name).read_bytes()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_crawl_stopped_by_a_signal_is_interrupted_and_the_next_run_finishes_it(archive_path, stop):
    total = len(bundled_articles())  # what a crawl of every active bundled portal stores
    with reference_server(delay=0.4) as slow:
        # One request at a time per host: a graceful stop finishes those in flight, not the portal.
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(archive_path), "--replay", slow.url,
                   "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 60
        while stored_articles(archive_path) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        process.send_signal(stop)
        out, err = process.communicate(timeout=120)
    interrupted = json.loads(out)
    assert process.returncode == 128 + stop
    assert interrupted["status"] == "interrupted"
    assert interrupted["articles_new"] < total, "the crawl should have been stopped mid-run"
    assert f"stopped by {stop.name}" in interrupted["message"]
    assert "the run is not finished" in err
    with reference_server() as server:
        finished = json.loads(crawl(archive_path, server, check=True).stdout)
    assert finished["status"] == "completed"
    assert articles(archive_path) == {"n": total, "urls": total}
    assert run_statuses(archive_path) == ["interrupted", "completed"]


def start_crawl(db: Path, server: ReplayServer, *settings: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(db), "--replay", server.url]
    for setting in settings:
        command += ["--set", setting]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_for_article_pages(server: ReplayServer, process: subprocess.Popen, count: int) -> None:
    """Until the server has answered `count` article pages (whatever the archive has committed)."""
    def served_as(url: str) -> tuple[str | None, str]:  # as the server notes a request: host, path?query
        parts = urlsplit(url)
        return parts.hostname, parts.path + (f"?{parts.query}" if parts.query else "")

    article_pages = {served_as(page.url) for page in bundled_pages() if page.kind == "article"}
    deadline = time.monotonic() + 60
    while (server.count(lambda host, path, status: (host, path) in article_pages and status == 200) < count
           and time.monotonic() < deadline and process.poll() is None):
        time.sleep(0.05)
    assert process.poll() is None, "the crawl ended before it could be stopped"


def orphan_article_pages(db: Path) -> list[str]:
    """Article pages stored without the article they gave (a page whose item was lost)."""
    return [row["url"] for row in query(db, "SELECT url FROM pages p WHERE kind = 'article' AND status = 200 "
                                            "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.page_id = p.id)")]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_commits_every_article_whose_page_was_fetched_before_it(archive_path, stop):
    total = len(bundled_articles())
    with reference_server(delay=0.4) as slow:
        # A commit window longer than the crawl: only the close can have committed what is in the file.
        process = start_crawl(archive_path, slow, "CONCURRENT_REQUESTS_PER_DOMAIN=1", "SOYTE_COMMIT_WINDOW=600")
        wait_for_article_pages(slow, process, 3)
        uncommitted = stored_articles(archive_path)
        process.send_signal(stop)
        out, _err = process.communicate(timeout=120)
    interrupted = json.loads(out)
    assert process.returncode == 128 + stop and interrupted["status"] == "interrupted"
    assert uncommitted == 0, "the window was still open when the signal came"
    kept = stored_articles(archive_path)
    assert 3 <= kept < total
    assert interrupted["articles_new"] == kept
    assert orphan_article_pages(archive_path) == []
    with reference_server() as server:
        finished = json.loads(crawl(archive_path, server, check=True).stdout)
    assert finished["articles_new"] == total - kept
    assert articles(archive_path) == {"n": total, "urls": total}


def test_a_kill_9_loses_only_the_open_window_and_the_next_run_fetches_it_again(archive_path):
    total = len(bundled_articles())
    with reference_server(delay=0.2) as slow:
        process = start_crawl(archive_path, slow, "SOYTE_COMMIT_WINDOW=600")
        wait_for_article_pages(slow, process, 3)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
    # Everything the crawl wrote was in the open window: lost whole, nothing half-written, the run
    # row (committed at the start) still says running.
    conn = sqlite3.connect(archive_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert query(archive_path, "SELECT count(*) AS n FROM pages") == [{"n": 0}]
    assert stored_articles(archive_path) == 0
    assert run_statuses(archive_path) == ["running"]
    with reference_server() as server:
        finished = json.loads(crawl(archive_path, server, check=True).stdout)
    assert finished["status"] == "completed" and finished["articles_new"] == total
    assert articles(archive_path) == {"n": total, "urls": total}
    assert run_statuses(archive_path) == ["aborted", "completed"]


def test_a_listing_page_failing_every_retry_is_fetched_by_the_next_run(archive_path, replay_server):
    replay_server.answer_statuses(BACNINH_PAGE_2, [503] * 4)  # the first try and Scrapy's three retries
    first = json.loads(crawl(archive_path, replay_server, "bacninh", *NO_BACKOFF).stdout)
    portal_run = query(archive_path, "SELECT complete FROM portal_runs WHERE run_id = ?", (first["id"],))
    assert portal_run == [{"complete": 0}]
    assert query(archive_path, "SELECT kind, status FROM failures WHERE url = ?", (BACNINH_PAGE_2,)) == [
        {"kind": "listing-fetch", "status": 503}]
    missing = len(served_articles("bacninh")) - first["articles_new"]
    assert missing > 0, "page 2 links articles that page 1 does not"
    second = json.loads(crawl(archive_path, replay_server, "bacninh", *NO_BACKOFF, check=True).stdout)
    assert second["articles_new"] == missing
    assert articles(archive_path)["urls"] == len(served_articles("bacninh"))
    assert query(archive_path, "SELECT complete FROM portal_runs WHERE run_id = ?", (second["id"],)) == [
        {"complete": 1}]


def with_canonical(html: bytes, canonical: str) -> bytes:
    tag = f'<link rel="canonical" href="{canonical}" />'.encode()
    replaced, count = re.subn(rb"<link[^>]*rel=\"canonical\"[^>]*>", lambda _m: tag, html)
    assert count == 1
    return replaced


def serve_bacninh_with(server: ReplayServer, canonical_for) -> list[str]:
    """Serve every Bắc Ninh article with the canonical `canonical_for(url)`; returns the article URLs."""
    urls = []
    for page in Site(ROOT / "scraper" / "demo_portals" / "bacninh").pages(("article",)):
        server.set_page(page.url, with_canonical(page.body(), canonical_for(page.url)))
        urls.append(page.url)
    return urls


def stored_urls(db: Path) -> list[str]:
    return sorted(row["url"] for row in query(db, "SELECT url FROM articles"))


def test_a_canonical_that_is_the_home_page_keeps_each_article_under_its_own_url(archive_path, replay_server):
    urls = serve_bacninh_with(replay_server, lambda url: f"{BACNINH}/")
    run = json.loads(crawl(archive_path, replay_server, "bacninh", check=True).stdout)
    assert (run["articles_new"], run["articles_updated"]) == (len(urls), 0)
    assert stored_urls(archive_path) == sorted(urls)
    warnings = query(archive_path, "SELECT reason FROM failures WHERE kind = 'warning'")
    assert len(warnings) == len(urls)
    assert all("is the portal's home page; kept the fetched URL" in w["reason"] for w in warnings)


def test_a_canonical_shared_by_many_pages_is_ignored_with_a_warning(archive_path, replay_server):
    shared = f"{BACNINH}/tin-tuc-su-kien/-/asset_publisher/bnNews/content/tin-chung"
    urls = serve_bacninh_with(replay_server, lambda url: shared)
    run = json.loads(crawl(archive_path, replay_server, "bacninh", check=True).stdout)
    assert run["articles_updated"] == 0
    stored = stored_urls(archive_path)
    assert len(stored) == len(urls)  # the first page keeps the canonical it named; no article is lost
    assert len(set(stored) - {shared}) == len(urls) - 1
    reasons = [row["reason"] for row in query(archive_path, "SELECT reason FROM failures WHERE kind = 'warning'")]
    assert len(reasons) == len(urls) - 1 and all("is shared by" in reason for reason in reasons)


def test_a_canonical_naming_another_article_does_not_overwrite_it(archive_path, replay_server):
    urls = sorted(serve_bacninh_with(replay_server, lambda url: url))
    victim, attacker = urls[0], urls[1]
    replay_server.set_page(attacker, with_canonical(page("bacninh", "bacninh-5.html"), victim))
    crawl(archive_path, replay_server, "bacninh", check=True)
    titles = {row["url"]: row["title"] for row in query(archive_path, "SELECT url, title FROM articles")}
    assert sorted(titles) == urls
    expected = {record["url"]: record["title"] for record in served_articles("bacninh")}
    assert titles[victim] == expected[victim]
    assert query(archive_path, "SELECT count(*) AS n FROM article_versions") == [{"n": 0}]


@pytest.mark.parametrize("canonical", ["javascript:alert(1)", "https://evil.example.com/tin-tuc/bai-viet",
                                       "data:text/html,hello"])
def test_a_canonical_off_the_portal_is_not_stored(archive_path, replay_server, canonical):
    urls = serve_bacninh_with(replay_server, lambda url: canonical)
    crawl(archive_path, replay_server, "bacninh", check=True)
    assert stored_urls(archive_path) == sorted(urls)


def nested_fonts(html: bytes, depth: int) -> bytes:
    return html.replace(b'class="post-content">', b'class="post-content">' + b"<font>" * depth, 1)


def far_future(html: bytes) -> bytes:
    return re.sub(rb'(article:published_time" content=")[^"]+', rb"\g<1>9999-12-31T23:00:00-05:00", html)


def test_an_unforeseen_exception_is_a_recorded_failure_retried_next_run(archive_path, replay_server):
    """A page that makes the extractor raise something it did not expect (here: a layout hook
    that raises, simulated by a page nesting deeper than Python's recursion limit)."""
    broken = HATINH_ARTICLES[0]
    replay_server.set_page(broken, nested_fonts(page("hatinh", "hatinh-1.html"), 20000))
    first = json.loads(crawl(archive_path, replay_server, "hatinh").stdout)
    failures = query(archive_path, "SELECT kind, reason FROM failures WHERE url = ?", (broken,))
    stored = len(served_articles("hatinh")) - first["articles_new"]
    if stored == 0:  # lxml flattened the nesting: the page extracted; the next assertions do not apply
        pytest.skip("this lxml build read the page without recursion")
    assert [f["kind"] for f in failures] in (["error"], ["extraction"])
    replay_server.set_page(broken, page("hatinh", "hatinh-1.html"))
    second = json.loads(crawl(archive_path, replay_server, "hatinh").stdout)
    assert second["articles_new"] == 1
    assert articles(archive_path)["urls"] == len(served_articles("hatinh"))


def test_a_date_past_the_calendar_is_a_warning_not_a_lost_article(archive_path, replay_server):
    target = HATINH_ARTICLES[0]
    replay_server.set_page(target, far_future(page("hatinh", "hatinh-1.html")))
    run = json.loads(crawl(archive_path, replay_server, "hatinh", check=True).stdout)
    assert run["articles_new"] == len(HATINH_ARTICLES)
    reasons = [r["reason"] for r in query(archive_path, "SELECT reason FROM failures WHERE url = ?", (target,))]
    assert any("9999-12-31T23:00:00-05:00" in reason for reason in reasons)


def test_extract_prints_no_traceback_for_a_page_built_to_break_it(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_bytes(nested_fonts(page("hatinh", "hatinh-1.html"), 20000))
    result = soyte("extract", str(deep), "--url", HATINH_ARTICLES[0], check=False)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1)
    future = tmp_path / "future.html"
    future.write_bytes(far_future(page("hatinh", "hatinh-1.html")))
    result = soyte("extract", str(future), "--url", HATINH_ARTICLES[0], check=True)
    assert json.loads(result.stdout)["published"] is None


def test_reextract_goes_past_a_damaged_stored_page(archive_path, replay_server):
    crawl(archive_path, replay_server, "hatinh", check=True)
    damaged = query(archive_path, "SELECT max(id) AS id FROM pages WHERE kind = 'article'")[0]["id"]
    execute(archive_path, "UPDATE pages SET body = X'00112233' WHERE id = ?", (damaged,))
    result = soyte("reextract", "--db", str(archive_path), check=False)
    assert result.returncode == 1
    counts = json.loads(result.stdout)
    assert (counts["failed"], counts["unchanged"]) == (1, len(HATINH_ARTICLES) - 1)
    assert query(archive_path, "SELECT kind FROM failures WHERE page_id = ?", (damaged,)) == [
        {"kind": "damaged-page"}]
    assert "Traceback" not in result.stderr


def test_reextract_keeps_the_portal_of_pages_whose_host_the_registry_no_longer_knows(archive_path, replay_server,
                                                                                   tmp_path, monkeypatch):
    """A portal that moved to another host (or left the registry) still has its stored pages
    re-extracted, under the portal and layout its articles were archived with; a page whose
    portal nothing names is one recorded failure, and the others go on."""
    crawl(archive_path, replay_server, "hatinh", check=True)
    moved = tmp_path / "portals.toml"
    registry = (ROOT / "scraper" / "portals.toml").read_text(encoding="utf-8")
    moved.write_text(registry.replace("soyte.hatinh.gov.vn", "soyte.hatinh.moi.gov.vn"), encoding="utf-8")
    monkeypatch.setenv("SOYTE_REGISTRY", str(moved))
    before = query(archive_path, "SELECT url, portal, province, layout, content_hash FROM articles ORDER BY url")
    result = soyte("reextract", "--db", str(archive_path))
    assert json.loads(result.stdout) == {"new": 0, "updated": 0, "unchanged": len(HATINH_ARTICLES), "failed": 0}
    assert query(archive_path, "SELECT url, portal, province, layout, content_hash FROM articles ORDER BY url") \
        == before and {row["portal"] for row in before} == {"hatinh"}

    execute(archive_path, "DELETE FROM articles WHERE url = ?", (HATINH_ARTICLES[0],))
    result = soyte("reextract", "--db", str(archive_path), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stdout) == {"new": 0, "updated": 0, "unchanged": len(HATINH_ARTICLES) - 1, "failed": 1}
    assert query(archive_path, "SELECT url, kind, reason FROM failures WHERE run_id IS NULL") == [
        {"url": HATINH_ARTICLES[0], "kind": "unknown-portal",
         "reason": "no portal in the registry serves soyte.hatinh.gov.vn, and no archived article says which "
                   "portal this page is from"}]


@pytest.mark.parametrize("setting", ["DOWNLOAD_TIMEOUT=abc", "CONCURRENT_REQUESTS=many", "ROBOTSTXT_OBEY=maybe",
                                     "DOWNLOAD_TIMOUT=10"])
def test_a_bad_setting_is_one_line_and_exit_2_before_any_run(archive_path, setting):
    result = soyte("crawl", "bacninh", "--db", str(archive_path), "--set", setting, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"soyte crawl: --set {setting}: ")
    assert not archive_path.exists()


def test_the_lock_holds_through_a_symlink_to_the_archive(archive_path, tmp_path):
    link = tmp_path / "link.db"
    link.symlink_to(archive_path)
    with reference_server(delay=1.5) as slow:  # the first crawl outlasts the second one's start
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(archive_path), "--replay", slow.url]
        first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            deadline = time.monotonic() + 60
            while stored_articles(archive_path) < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            second = soyte("crawl", "--db", str(link), "--replay", slow.url, check=False)
        finally:
            first.terminate()
            first.wait()
    assert second.returncode == 3
    assert "another crawl" in second.stderr


def test_a_killed_run_shows_the_requests_it_made(archive_path):
    with reference_server(delay=0.4) as slow:
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(archive_path), "--replay", slow.url]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 60
        while stored_articles(archive_path) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        process.kill()
        process.wait()
    with reference_server() as server:
        crawl(archive_path, server, check=True)
    aborted = query(archive_path, "SELECT status, requests, responses FROM crawl_runs WHERE id = 1")[0]
    assert aborted["status"] == "aborted"
    assert aborted["responses"] > 0 and aborted["requests"] >= aborted["responses"]


def test_a_query_past_the_bound_is_refused_with_a_clear_message(archive_path, replay_server):
    crawl(archive_path, replay_server, "hatinh", check=True)
    long_query = " ".join(["y te"] * 400)  # 800 words in 1,999 characters
    started = time.monotonic()
    result = soyte("search", long_query, "--db", str(archive_path), check=False)
    assert time.monotonic() - started < 30  # bounded, not minutes (a sanity bound, not a benchmark)
    assert result.returncode == 2
    assert result.stderr.startswith("soyte search: the query has 1999 characters; at most 1000 are searched")
    result = soyte("search", " ".join(["y te"] * 200), "--db", str(archive_path), check=False)
    assert result.stderr.startswith("soyte search: the query has 400 words; at most 16 are searched")
    result = soyte("search", "x" * 100_000, "--db", str(archive_path), check=False)
    assert result.returncode == 2 and "at most 1000 are searched" in result.stderr


@pytest.mark.parametrize("command", [["portals"], ["search", "y te"], ["runs"]])
def test_a_reader_that_stops_early_gets_no_traceback(archive_path, replay_server, command):
    crawl(archive_path, replay_server, check=True)
    crawl(archive_path, replay_server, check=True)
    args = command + (["--db", str(archive_path)] if command[0] != "portals" else [])
    shell = f"{sys.executable} -m scraper.cli {' '.join(repr(a) for a in args)} | head -1"
    result = subprocess.run(shell, shell=True, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_refuses_a_port_out_of_range_in_one_line(archive_path, replay_server, port):
    crawl(archive_path, replay_server, "hatinh", check=True)
    result = soyte("serve", str(archive_path), "--port", port, check=False)
    assert result.returncode == 2
    assert "a port is a number from 1 to 65535" in result.stderr and "Traceback" not in result.stderr
