"""Crawling on a schedule: incremental, resumable, observable, polite — over the replay server."""
from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from scraper.cli.main import main
from scraper.portals.registry import get_portal
from scraper.portals.replay import ReplayServer
from tests.helpers import ROOT, active_bundled_portals, bundled_articles, query, reference_server, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

BACNINH_ARTICLE = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                   "trien-khai-tiem-vac-xin-phong-covid-19-cho-cong-nhan-cac-khu-cong-nghiep")
BACNINH_LISTING = "https://soyte.bacninh.gov.vn/tin-tuc-su-kien"


def article_requests(server: ReplayServer) -> int:
    """How many requests asked for a page the bundled portals serve as an article."""
    articles = {(parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))
                for parts in (urlsplit(record["url"]) for record in bundled_articles())}
    return server.count(lambda host, path, status: (host, path) in articles)


def stored_articles(db) -> int:
    """How many articles a running crawl has committed so far (0 before it made its tables)."""
    try:
        return query(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    except sqlite3.OperationalError:
        return 0


def crawl(db, server, *args, check=True):
    return soyte("crawl", *args, "--db", str(db), "--replay", server.url, check=check)


def test_second_run_over_unchanged_portals_fetches_no_article_page(archive_path, replay_server):
    first = json.loads(crawl(archive_path, replay_server).stdout)
    fetched_first = article_requests(replay_server)
    second = json.loads(crawl(archive_path, replay_server).stdout)
    articles = len(bundled_articles())
    assert (first["articles_new"], fetched_first) == (articles, articles)
    assert article_requests(replay_server) == fetched_first  # no article page asked for the second time
    assert (second["articles_new"], second["articles_updated"], second["status"]) == (0, 0, "completed")
    # robots.txt of every host, and its start pages (Hà Tĩnh's sitemap too), every start page 304
    portals = active_bundled_portals()
    start_pages = sum(len(get_portal(key).start_urls) for key in portals)
    assert start_pages > len(portals)  # Hà Tĩnh's sitemap
    assert second["requests"] == len(portals) + start_pages
    assert replay_server.count(lambda host, path, status: status == 304) == start_pages


def test_a_changed_article_is_updated_and_its_old_version_kept(archive_path, replay_server):
    crawl(archive_path, replay_server, "bacninh")
    old = query(archive_path, "SELECT text FROM articles WHERE url = ?", (BACNINH_ARTICLE,))[0]["text"]
    page = next(p for p in replay_server.sites["soyte.bacninh.gov.vn"].items() if "cong-nhan" in p[0])[1]
    changed = page.body.replace("96.000 liều".encode(), "120.000 liều".encode())
    assert changed != page.body
    replay_server.set_page(BACNINH_ARTICLE, changed)
    run = json.loads(crawl(archive_path, replay_server, "bacninh", "--revisit-after", "0").stdout)
    # the four others answer 304 to the conditional request and count as unchanged
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"]) == (0, 1, 4)
    assert replay_server.count(lambda host, path, status: status == 304) >= 4 + 1
    new = query(archive_path, "SELECT text FROM articles WHERE url = ?", (BACNINH_ARTICLE,))[0]["text"]
    assert "120.000 liều" in new and "96.000 liều" in old
    versions = query(archive_path, "SELECT record FROM article_versions WHERE url = ?", (BACNINH_ARTICLE,))
    assert [json.loads(v["record"])["text"] for v in versions] == [old]


def test_a_killed_crawl_is_finished_by_the_next_run_without_duplicates(archive_path):
    with reference_server(delay=0.4) as slow:
        command = [sys.executable, "-m", "scraper.cli", "crawl", "--db", str(archive_path), "--replay", slow.url]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            stored = stored_articles(archive_path)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    total = len(bundled_articles())
    assert 2 <= stored < total, "the crawl should have been killed mid-run"
    kept = query(archive_path, "SELECT count(*) AS n FROM articles")[0]["n"]  # what was committed: the open window lost
    with reference_server() as server:
        run = json.loads(crawl(archive_path, server).stdout)
    assert run["status"] == "completed"
    assert run["articles_new"] == total - kept  # what the window lost is fetched again, once
    assert query(archive_path, "SELECT count(*) AS n, count(DISTINCT url) AS urls FROM articles") == [
        {"n": total, "urls": total}]
    assert [row["status"] for row in query(archive_path, "SELECT status FROM crawl_runs ORDER BY id")] == [
        "aborted", "completed"]


def test_a_second_crawl_on_the_same_archive_refuses(archive_path):
    # Slow enough that the first crawl outlasts the second one's start on a loaded machine.
    with reference_server(delay=1.5) as slow:
        command = [sys.executable, "-m", "scraper.cli", "crawl", "bacninh", "--db", str(archive_path),
                   "--replay", slow.url]
        first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 30
        while not slow.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        second = soyte("crawl", "bacninh", "--db", str(archive_path), "--replay", slow.url, check=False)
        assert first.wait(timeout=60) == 0
    assert second.returncode == 3
    assert second.stderr.strip() == (f"soyte crawl: another crawl (pid {first.pid}) is writing to {archive_path}; "
                                     "wait for it to finish")
    assert [row["status"] for row in query(archive_path, "SELECT status FROM crawl_runs")] == ["completed"]


def test_a_portal_whose_listing_disappeared_raises_the_alarm(archive_path, replay_server):
    replay_server.set_page(BACNINH_LISTING, "<html><body><h1>Trang đang bảo trì</h1></body></html>".encode())
    result = crawl(archive_path, replay_server, "bacninh", "hatinh", check=False)
    assert result.returncode == 1
    assert "ALARM bacninh: listing container not found: the layout may have changed" in result.stderr
    assert "ALARM hatinh" not in result.stderr
    assert json.loads(result.stdout)["status"] == "alarm"
    assert query(archive_path, "SELECT portal, kind, reason FROM failures WHERE kind NOT LIKE 'document-%'") == [
        {"portal": "bacninh", "kind": "listing", "reason": "listing container not found"}]
    assert query(archive_path, "SELECT portal, problem FROM portal_runs ORDER BY portal") == [
        {"portal": "bacninh", "problem": "listing container not found: the layout may have changed"},
        {"portal": "hatinh", "problem": None}]


def test_a_503_is_retried_and_the_article_stored(archive_path, replay_server):
    replay_server.answer_statuses(BACNINH_ARTICLE, [503, 503])
    run = json.loads(crawl(archive_path, replay_server, "bacninh").stdout)
    assert (run["articles_new"], run["errors"]) == (5, 0)  # bacninh-5's attachment is served too
    statuses = [status for host, path, status in replay_server.requests if "cong-nhan" in path]
    assert statuses == [503, 503, 200]


def test_a_404_is_recorded_and_not_retried(archive_path, replay_server):
    replay_server.remove_page(BACNINH_ARTICLE)
    result = crawl(archive_path, replay_server, "bacninh", check=False)
    assert json.loads(result.stdout)["articles_new"] == 4
    assert [s for h, p, s in replay_server.requests if "cong-nhan" in p] == [404]
    assert query(archive_path, "SELECT url, kind, status, reason FROM failures WHERE kind NOT LIKE 'document-%'") == [
        {"url": BACNINH_ARTICLE, "kind": "article-fetch", "status": 404, "reason": "HTTP 404"}]


def test_the_crawl_logs_a_summary_per_portal(archive_path, replay_server):
    result = crawl(archive_path, replay_server, "bacninh")
    assert ("bacninh: 3 listing pages (0 unchanged), 5 new, 0 updated, 0 unchanged articles, "
            "0 extraction and 0 fetch failures") in result.stderr
    # 13 requests: robots.txt, 3 listing pages, 5 articles, bacninh-5's attachment and 3 images (issue 33)
    assert "crawl run 1 completed: 5 new, 0 updated, 0 unchanged articles; 0 errors; 13 requests" in result.stderr


def test_schedule_prints_a_cron_line_for_this_install(tmp_path, capsys):
    db = tmp_path / "health.db"
    assert main(["schedule", "--print", "cron", "--db", str(db), "--every", "4"]) == 0
    line = [row for row in capsys.readouterr().out.splitlines() if not row.startswith("#")][0]
    fields = shlex.split(line)
    assert fields[:5] == ["17", "*/4", "*", "*", "*"]
    assert fields[5].endswith("soyte") or fields[5] == sys.executable
    assert ["crawl", "--db", str(db)] == fields[fields.index("crawl"):fields.index("crawl") + 3]


def test_schedule_prints_systemd_service_and_timer(tmp_path, capsys):
    db = tmp_path / "health.db"
    assert main(["schedule", "--print", "systemd", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "[Service]\nType=oneshot" in out and "[Timer]\nOnCalendar=0/6:17" in out
    assert f"crawl --db {db} --quiet" in out


def test_progress_lines_name_each_portal_while_crawling(archive_path):
    with reference_server(delay=0.4) as slow:
        result = soyte("crawl", "bacninh", "--db", str(archive_path), "--replay", slow.url,
                       "--set", "SOYTE_PROGRESS_INTERVAL=0.25")
    progress = [line for line in result.stderr.splitlines() if "progress bacninh:" in line]
    assert len(progress) >= 2
    assert progress[-1].endswith(" new, 0 updated, 0 unchanged articles, 0 errors")
