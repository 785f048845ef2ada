"""What a person sees: a live display in a terminal (a real pseudo-terminal), lines and JSON when piped,
Scrapy's own log in a file beside the archive."""
from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scraper.crawl.logs import failure_message
from tests.helpers import ROOT, demo_portal_keys, query, reference_server, soyte

ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SCRAPY_STARTUP = ("Scrapy 2.", "Enabled extensions", "Overridden settings")
# portal: (listing pages, article links, new articles) of a first crawl of the bundled portals
# Listing pages, article links, new articles of each bundled portal's first crawl.
FIRST_CRAWL = {"angiang": (2, 4, 4), "bacninh": (3, 5, 5), "hagiang": (2, 4, 4), "hatinh": (3, 8, 4),
               "thanhhoa": (2, 5, 5), "nghean": (2, 5, 5), "quangninh": (2, 5, 5), "cantho": (2, 5, 5)}
ARTICLES = sum(new for _pages, _links, new in FIRST_CRAWL.values())
BACNINH_ARTICLE = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                   "trien-khai-tiem-vac-xin-phong-covid-19-cho-cong-nhan-cac-khu-cong-nghiep")


def in_terminal(*args: str, timeout: float = 180, term: str = "xterm-256color",
                interrupt_at: str | None = None, columns: int = 140) -> tuple[int, str]:
    """Run `soyte` with stdin, stdout and stderr on a pseudo-terminal `columns` wide; its exit status
    and all it drew.

    With `interrupt_at`, Ctrl-C (SIGINT) is sent once the screen shows that text.
    """
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns), "LINES": "40", "TERM": term}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "scraper.cli", *args], stdin=slave, stdout=slave,
                               stderr=slave, cwd=ROOT, env=env, close_fds=True)
    os.close(slave)
    drawn, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every end of the terminal is closed
                    break
                if not chunk:
                    break
                drawn += chunk
                if interrupt_at and interrupt_at in ESCAPE.sub("", drawn.decode("utf-8", "replace")):
                    process.send_signal(signal.SIGINT)
                    interrupt_at = None
        else:
            process.kill()
            pytest.fail(f"soyte {' '.join(args)} did not finish in {timeout} s:\n{drawn.decode()[-2000:]}")
    finally:
        os.close(master)
    return process.wait(timeout=30), drawn.decode("utf-8", "replace")


def summary_line(db: Path) -> str:
    """The run's last line, from what the archive recorded of the run."""
    run = query(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    return (f"crawl run {run['id']} {run['status']}: {run['articles_new']} new, {run['articles_updated']} updated, "
            f"{run['articles_unchanged']} unchanged articles; {run['errors']} errors; {run['requests']} requests")


def lines_of(drawn: str) -> list[str]:
    """The text as it reads on the screen: escape codes removed, one entry per line (a redraw is a new line)."""
    text = ESCAPE.sub("", drawn).replace("\r\n", "\n")
    return [part.strip() for line in text.split("\n") for part in line.split("\r") if part.strip()]


def test_a_crawl_in_a_terminal_draws_each_portal_and_ends_with_the_summary(archive_path, replay_server):
    status, drawn = in_terminal("crawl", *demo_portal_keys(), "--db", str(archive_path), "--replay", replay_server.url)
    assert status == 0, drawn[-3000:]
    assert "\x1b[" in drawn  # drawn by rich, live
    lines = lines_of(drawn)
    rows = query(archive_path, "SELECT * FROM portal_runs")
    assert {row["portal"]: (row["listing_pages"], row["article_links"], row["articles_new"]) for row in rows} \
        == FIRST_CRAWL
    for row in rows:  # what the display drew is what the archive recorded
        portal, failed = row["portal"], row["extraction_failures"] + row["fetch_failures"]
        finished = [line for line in lines if line.startswith(f"{portal} finished:")]
        assert len(finished) == 1, portal
        assert finished[0].startswith(f"{portal} finished: {row['listing_pages']} listing pages, "
                                      f"{row['article_links']} article links, {row['articles_new']} new, 0 updated, "
                                      f"0 unchanged articles, {failed} failed; ")
        final_row = [line.split() for line in lines if line.startswith(portal) and " done " in line]
        assert final_row[-1][2:8] + final_row[-1][9:10] == [
            str(row["listing_pages"]), str(row["article_links"]), str(row["articles_new"]), "0", "0", str(failed),
            "done"]
    assert "portal listing pages article links new updated unchanged failed req/s left time".split() in [
        line.split() for line in lines]
    assert lines[-1] == summary_line(archive_path)
    assert lines[-1].startswith(f"crawl run 1 completed: {ARTICLES} new, 0 updated, 0 unchanged articles; ")
    assert not any(marker in line for line in lines for marker in SCRAPY_STARTUP)
    assert '"articles_new"' not in drawn  # the summary, not the run's JSON, in a terminal
    log = Path(f"{archive_path}.log").read_text(encoding="utf-8")
    assert all(marker in log for marker in SCRAPY_STARTUP)
    assert "Crawled (200) <GET https://soyte.bacninh.gov.vn/tin-tuc-su-kien>" in log


def test_a_dumb_terminal_gets_plain_lines(archive_path, replay_server):
    status, drawn = in_terminal("crawl", "hatinh", "--db", str(archive_path), "--replay", replay_server.url,
                                term="dumb")
    assert status == 0 and "\x1b" not in drawn
    assert any(line.split(" ", 2)[2].startswith("hatinh: 3 listing pages (0 unchanged), 4 new, 0 updated, "
                                                 "0 unchanged articles, ") for line in drawn.splitlines())
    assert drawn.splitlines()[-1] == summary_line(archive_path)


@pytest.mark.e2e
def test_ctrl_c_is_heard_and_the_display_says_which_portals_stopped(archive_path):
    with reference_server(delay=1.0) as slow:
        _status, drawn = in_terminal("crawl", *demo_portal_keys(), "--db", str(archive_path), "--replay", slow.url,
                                     interrupt_at="hatinh ")
    lines = lines_of(drawn)
    assert sum("Received SIGINT, shutting down gracefully" in line for line in lines) == 1
    assert sorted(line.split(" stopped (shutdown): ")[0] for line in lines if " stopped (shutdown): " in line) \
        == sorted(FIRST_CRAWL)
    assert drawn.rindex("\x1b[?25h") > drawn.rindex("\x1b[?25l")  # the cursor is given back


def test_verbose_shows_scrapys_log_in_the_terminal_and_log_chooses_the_file(tmp_path, replay_server):
    db, log = tmp_path / "archive.db", tmp_path / "crawl.log"
    status, drawn = in_terminal("crawl", "hatinh", "--db", str(db), "--replay", replay_server.url, "-v",
                                "--log", str(log))
    assert status == 0, drawn[-3000:]
    lines = lines_of(drawn)
    assert all(any(marker in line for line in lines) for marker in SCRAPY_STARTUP)
    assert lines[-1] == summary_line(db)
    assert "Enabled extensions" in log.read_text(encoding="utf-8")
    assert not Path(f"{db}.log").exists()


@pytest.mark.e2e
def test_a_piped_crawl_prints_progress_lines_and_the_summary_without_escape_codes(archive_path):
    with reference_server(delay=0.3) as slow:
        result = soyte("crawl", "bacninh", "hatinh", "--db", str(archive_path), "--replay", slow.url,
                       "--progress-every", "0.3s")
    assert "\x1b[" not in result.stderr and "\x1b[" not in result.stdout
    for portal in ("bacninh", "hatinh"):
        progress = [line for line in result.stderr.splitlines() if f" progress {portal}: " in line]
        assert progress, portal
        assert re.search(r" progress \w+: \d+ listing pages \(\d+ to go\), \d+ article links \(\d+ to fetch\), "
                         r"[\d.]+ requests/s, \d+ new, 0 updated, 0 unchanged articles, \d+ errors$", progress[-1])
    assert result.stderr.splitlines()[-1] == summary_line(archive_path)
    assert not any(marker in result.stderr for marker in SCRAPY_STARTUP)
    assert all(marker in Path(f"{archive_path}.log").read_text(encoding="utf-8") for marker in SCRAPY_STARTUP)
    run = json.loads(result.stdout)
    assert (run["status"], run["articles_new"]) == ("completed", 9)


def test_progress_every_n_pages_gives_a_line_per_n_pages_of_each_portal(archive_path, replay_server):
    result = soyte("crawl", "bacninh", "hatinh", "--db", str(archive_path), "--replay", replay_server.url,
                   "--progress-every", "2p")
    fetched = {portal: query(archive_path, "SELECT count(*) AS n FROM pages WHERE kind IN ('listing', 'article') "
                             "AND url LIKE ?", (f"https://soyte.{portal}.gov.vn/%",))[0]["n"]
               for portal in ("bacninh", "hatinh")}
    lines = {portal: [line for line in result.stderr.splitlines() if f" progress {portal}: " in line]
             for portal in ("bacninh", "hatinh")}
    # bacninh: 3 listing pages + 5 articles; hatinh: 3 listing pages + 4 articles
    assert {portal: len(found) for portal, found in lines.items()} == {"bacninh": 4, "hatinh": 3}
    assert fetched == {"bacninh": 8, "hatinh": 7}


def test_a_failed_page_is_one_line_for_a_person_on_the_terminal(archive_path, replay_server):
    replay_server.remove_page(BACNINH_ARTICLE)
    result = soyte("crawl", "bacninh", "--db", str(archive_path), "--replay", replay_server.url)
    about_it = [line for line in result.stderr.splitlines() if BACNINH_ARTICLE in line]
    assert [line.split(" ", 2)[2] for line in about_it] == [
        f"WARNING bacninh: article {BACNINH_ARTICLE} could not be fetched (HTTP 404); recorded in failures; "
        "not fetched again"]
    status, drawn = in_terminal("crawl", "bacninh", "--db", str(archive_path.with_name("second.db")),
                                "--replay", replay_server.url)
    assert status == 0
    assert sum(f"WARNING bacninh: article {BACNINH_ARTICLE} could not be fetched (HTTP 404)" in line
               for line in lines_of(drawn)) == 1


def test_a_page_that_keeps_failing_is_one_line_on_the_terminal_and_every_try_in_the_log(archive_path,
                                                                                     replay_server):
    replay_server.answer_statuses(BACNINH_ARTICLE, [503] * 3)
    result = soyte("crawl", "bacninh", "--db", str(archive_path), "--replay", replay_server.url,
                   "--set", "RETRY_TIMES=2", "--set", "SOYTE_RETRY_BACKOFF=0.05", check=False)
    about_it = [line.split(" ", 2)[2] for line in result.stderr.splitlines() if BACNINH_ARTICLE in line]
    assert about_it == [f"WARNING bacninh: article {BACNINH_ARTICLE} could not be fetched (HTTP 503); recorded in "
                        "failures; the next run tries it again"]
    log = Path(f"{archive_path}.log").read_text(encoding="utf-8")
    assert f"Gave up retrying <GET {BACNINH_ARTICLE}> (failed 3 times): 503 Service Unavailable" in log


def test_what_is_left_counts_each_queued_page_once():
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from scraper.items import FailureItem
    from scraper.crawl.progress import ProgressLog

    progress = ProgressLog(crawler=None, interval=0, every_pages=0)
    article, listing = (Request(f"https://soyte.hatinh.gov.vn/{path}", meta={"portal": "hatinh", "soyte_kind": kind})
                        for path, kind in (("tin/1", "article"), ("tin-tuc?page=2", "listing")))
    again = article.replace()  # a second link to tin/1 on the same listing, which the dupe filter drops
    for request in (article, listing, again):
        progress.request_scheduled(request, None)
    progress.request_dropped(again, None)
    assert progress.queued("hatinh") == {"article": 1, "listing": 1}
    progress.response_received(HtmlResponse(article.url), article, None)
    later = article.replace()  # a later link to the answered page, which the dupe filter drops
    progress.request_scheduled(later, None)
    progress.request_dropped(later, None)
    assert progress.queued("hatinh") == {"listing": 1}
    progress.item_scraped(FailureItem(listing.url, "hatinh", "HTTP 503", kind="listing-fetch", status=503), None, None)
    assert progress.queued("hatinh") == {}


def test_failure_messages_say_what_the_archive_did():
    url = "https://soyte.hatinh.gov.vn/tin/1"
    assert failure_message("hatinh", "article-fetch", url, "TimeoutError: took too long") == (
        f"hatinh: article {url} could not be fetched (TimeoutError: took too long); recorded in failures; "
        "the next run tries it again")
    assert failure_message("hatinh", "extraction", url, "no title", 200) == (
        f"hatinh: article {url} could not be extracted (no title); raw page kept for soyte reextract, "
        "recorded in failures; the next run tries it again")
    assert failure_message("hatinh", "truncated", url, "no </html>", 200) == (
        f"hatinh: article {url} arrived truncated; raw page kept, no partial article stored; "
        "the next run tries it again")
    assert failure_message("hatinh", "not-html", url, "not an HTML page: application/pdf", 200) == (
        f"hatinh: {url} is not an HTML page: application/pdf; raw bytes kept, no article stored")
    assert failure_message("hatinh", "listing", url, "listing container not found", 200) == (
        f"hatinh: listing page {url}: listing container not found; recorded in failures "
        "(the layout may have changed)")
    assert failure_message("hatinh", "listing-fetch", url, "HTTP 503", 503) == (
        f"hatinh: listing page {url} could not be fetched (HTTP 503); recorded in failures; "
        "the next run walks the portal's listings again")
    assert failure_message("hatinh", "document-fetch", url + ".pdf", "HTTP 404", 404) == (
        f"hatinh: document {url}.pdf could not be fetched (HTTP 404); recorded in failures")


def test_a_warning_says_the_article_was_stored_and_where_the_warning_is():
    from scraper.crawl.logs import warning_message

    assert warning_message("hatinh", "https://soyte.hatinh.gov.vn/tin/1", "no publication date") == (
        "hatinh: article https://soyte.hatinh.gov.vn/tin/1 stored; no publication date "
        "(recorded in failures as a warning)")


@pytest.mark.e2e
def test_a_bad_progress_interval_is_a_usage_error(archive_path):
    result = soyte("crawl", "hatinh", "--db", str(archive_path), "--progress-every", "often", check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, ["soyte crawl: --progress-every takes seconds (30, 30s) or pages (100p), not 'often'"])


@pytest.fixture
def two_runs(archive_path, replay_server) -> Path:
    soyte("crawl", "hatinh", "--db", str(archive_path), "--replay", replay_server.url)
    soyte("crawl", "angiang", "--db", str(archive_path), "--replay", replay_server.url)
    return archive_path


def test_runs_piped_are_json_lines_and_in_a_terminal_a_table(two_runs):
    piped = [json.loads(line) for line in soyte("runs", "--db", str(two_runs)).stdout.splitlines()]
    assert [(run["id"], run["portals"], run["articles_new"], run["status"]) for run in piped] == [
        (2, "angiang", 4, "completed"), (1, "hatinh", 4, "completed")]
    status, drawn = in_terminal("runs", "--db", str(two_runs))
    lines = lines_of(drawn)
    assert status == 0
    assert lines[0].split() == ["run", "started", "(+07:00)", "status", "portals", "requests", "new", "updated",
                                "unchanged", "generic", "errors", "warnings"]
    assert [line.split() for line in lines[1:]] == [
        [str(run["id"]), *at_vietnam_time(run["started_at"]), "completed", run["portals"],
         *(str(run[key]) for key in RUN_COUNTS)] for run in piped]
    status, drawn = in_terminal("runs", "--db", str(two_runs), "--json")
    assert [json.loads(line) for line in lines_of(drawn)] == piped
    log = Path(f"{two_runs}.log").read_text(encoding="utf-8")
    assert log.count("[scrapy.utils.log] INFO: Scrapy 2.") == 2  # each run appends to the archive's log


RUN_COUNTS = ("requests", "articles_new", "articles_updated", "articles_unchanged", "articles_generic", "errors",
              "warnings")


def at_vietnam_time(stored: str) -> list[str]:
    """A stored UTC time (`2026-11-25T10:09:30.123+00:00`) as the table shows it: day and time at +07:00."""
    moment = datetime.fromisoformat(stored)
    assert moment.utcoffset() == timedelta(0)
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S").split()


def test_runs_in_an_80_column_terminal_cut_no_heading_and_say_their_time_zone(two_runs):
    piped = [json.loads(line) for line in soyte("runs", "--db", str(two_runs)).stdout.splitlines()]
    status, drawn = in_terminal("runs", "--db", str(two_runs), columns=80)
    lines = lines_of(drawn)
    assert status == 0 and "…" not in drawn
    assert all(len(line) <= 80 for line in ESCAPE.sub("", drawn).replace("\r", "").split("\n"))
    first_row = next(n for n, line in enumerate(lines) if line.split()[0] == str(piped[0]["id"]))
    # whole words, abbreviated where whole headings do not fit; "started (+07:00)" wraps at its space
    assert sorted(word for line in lines[:first_row] for word in line.split()) == sorted(
        ["run", "started", "(+07:00)", "status", "portals", "req.", "new", "upd.", "same", "gen.", "err.", "warn."])
    assert [line.split() for line in lines[first_row:]] == [
        [str(run["id"]), *at_vietnam_time(run["started_at"]), "completed", run["portals"],
         *(str(run[key]) for key in RUN_COUNTS)] for run in piped]


@pytest.mark.e2e
def test_portals_in_a_terminal_are_a_table(tmp_path):
    piped = [json.loads(line) for line in soyte("portals", "--status", "active").stdout.splitlines()]
    status, drawn = in_terminal("portals", "--status", "active")
    lines = lines_of(drawn)
    assert status == 0 and "\x1b[" in drawn
    assert lines[0].split() == ["portal", "province", "status", "host", "layout", "verified", "successor", "retired"]
    assert [line.split()[0] for line in lines[1:]] == [portal["key"] for portal in piped]
    assert any(line.startswith("bacninh") and "Bắc Ninh" in line and "soyte.bacninh.gov.vn" in line
               for line in lines)


def test_reextract_draws_a_progress_bar_in_a_terminal(archive_path, replay_server):
    soyte("crawl", *demo_portal_keys(), "--db", str(archive_path), "--replay", replay_server.url)
    status, drawn = in_terminal("reextract", "--db", str(archive_path))
    lines = lines_of(drawn)
    assert status == 0
    assert any(line.startswith("re-extracting") and f"{ARTICLES}/{ARTICLES} pages" in line for line in lines)
    assert lines[-1] == f"re-extracted: 0 new, 0 updated, {ARTICLES} unchanged, 0 failed"
    piped = soyte("reextract", "--db", str(archive_path))
    assert "\x1b[" not in piped.stderr and piped.stderr == f"re-extracted: 0 new, 0 updated, {ARTICLES} unchanged, 0 failed\n"


@pytest.mark.e2e
def test_demo_passes_the_terminal_to_its_crawl(tmp_path):
    status, drawn = in_terminal("demo", "--db", str(tmp_path / "demo.db"), "--no-serve")
    lines = lines_of(drawn)
    assert status == 0
    assert sorted(line.split(" finished: ")[0] for line in lines if " finished: " in line) == sorted(FIRST_CRAWL)
    assert f"{ARTICLES} articles stored in" in drawn and "Scrapy 2." not in drawn


def test_a_log_file_that_cannot_be_written_does_not_stop_the_crawl(tmp_path, replay_server):
    db, log = tmp_path / "archive.db", tmp_path / "missing" / "crawl.log"
    result = soyte("crawl", "hatinh", "--db", str(db), "--replay", replay_server.url, "--log", str(log))
    assert result.stderr.splitlines()[-2:] == [
        f"the log {log} could not be written (No such file or directory); Scrapy's lines were not kept",
        summary_line(db)]
    assert json.loads(result.stdout)["articles_new"] == 4


def test_progress_bar_without_a_terminal_writes_a_plain_line_now_and_then(monkeypatch, capsys):
    from scraper.cli import terminal

    monkeypatch.setattr(terminal, "LINE_INTERVAL", 0)  # a line at every step instead of every 30 s
    with terminal.progress_bar(3, "importing", "records") as advance:
        for _ in range(3):
            advance(1)
    assert capsys.readouterr().err.splitlines() == [
        "importing: 1 of 3 records", "importing: 2 of 3 records", "importing: 3 of 3 records"]


def test_a_traceback_is_one_line_on_the_terminal_and_whole_in_the_log_file(tmp_path):
    import logging

    from scraper.crawl.logs import CrawlLog, TerminalHandler

    shown: list[str] = []
    log = CrawlLog(tmp_path / "archive.db.log",
                   TerminalHandler(lambda line, level: shown.append(line), log_path=tmp_path / "archive.db.log"))
    try:
        try:
            {}["title"]
        except KeyError:
            logging.getLogger("scrapy.core.scraper").error("Spider error processing <GET https://a.vn/1>",
                                                           exc_info=True)
        logging.getLogger("scrapy.core.engine").info("Spider opened")
        logging.getLogger("scraper.progress").info("progress hatinh: 1 listing pages")
    finally:
        log.close()
    assert [line.split(" ", 2)[2] for line in shown] == [
        f"ERROR Spider error processing <GET https://a.vn/1> (details in {tmp_path / 'archive.db.log'})",
        "progress hatinh: 1 listing pages"]
    written = (tmp_path / "archive.db.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in written and "KeyError: 'title'" in written
    assert "[scrapy.core.engine] INFO: Spider opened" in written


def crawled_lines(handler, count: int) -> None:
    """`count` of Scrapy's request lines through `handler`, numbered 0, 1, …"""
    import logging

    logger = logging.getLogger("scrapy.core.engine.test")
    for number in range(count):
        handler.handle(logger.makeRecord(logger.name, logging.DEBUG, __file__, 0,
                                         "Crawled (200) <GET https://soyte.hatinh.gov.vn/tin/%d> (referer: None)",
                                         (number,), None))


def test_the_log_file_is_rotated_at_its_size_into_whole_lines_and_keeps_the_newest(tmp_path):
    from scraper.crawl.logs import LOG_BACKUPS, ArchiveLogHandler

    handler = ArchiveLogHandler(tmp_path / "archive.db.log", max_bytes=1000)
    crawled_lines(handler, 100)
    handler.close()
    files = [tmp_path / f"archive.db.log.{n}" for n in range(LOG_BACKUPS, 0, -1)] + [tmp_path / "archive.db.log"]
    assert not (tmp_path / f"archive.db.log.{LOG_BACKUPS + 1}").exists()
    assert all(0 < f.stat().st_size < 1000 for f in files)
    numbers = [int(re.search(r"/tin/(\d+)> \(referer: None\)$", line)[1])
               for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert numbers == list(range(100 - len(numbers), 100)) and len(numbers) > 20


def test_a_log_that_is_not_a_regular_file_is_never_rotated(tmp_path):
    from scraper.crawl.logs import ArchiveLogHandler

    (tmp_path / "crawl.log").symlink_to("/dev/null")  # as `--log /dev/stderr` would be
    handler = ArchiveLogHandler(tmp_path / "crawl.log", max_bytes=100)
    crawled_lines(handler, 20)
    handler.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.log"] and handler.failed is None


@pytest.mark.parametrize("logger", ["scraper.dates", "scraper.cleaning"])
def test_date_and_charset_details_stay_in_the_log_file(logger):
    """A page's unreadable date or charset is a detail of the log file, not a terminal line."""
    import logging

    from scraper.crawl.logs import TerminalHandler

    lines: list[str] = []
    handler = TerminalHandler(lambda line, _level: lines.append(line))
    detail = logging.LogRecord(logger, logging.WARNING, __file__, 1, "no date in %r", ("Thứ Hai",), None)
    warning = logging.LogRecord("scraper.pipelines", logging.WARNING, __file__, 1, "a warning", (), None)
    assert [handler.filter(detail), handler.filter(warning)] == [False, True]
