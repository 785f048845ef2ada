"""The archive in a real browser: `soyte serve` on 127.0.0.1, pages rendered by headless Chromium.

Needs Debian's `chromium` (`apt-get install -y chromium`; .ci/run installs it). Without it these
tests fail, they do not skip: a missing browser must not pass for a working page.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from datasette.utils import tilde_encode
from parsel import Selector

from archive.datasette.plugin import paragraphs
from archive.store import Archive
from tests.browsing import DENGUE_TITLES, HOSTILE, crawl_demo_portals, soyte_command, soyte_env
from tests.helpers import ROOT, served_articles

pytestmark = pytest.mark.e2e  # a crawl, `soyte serve` and headless Chromium

DENGUE_URL = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
              "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium not found on PATH: install it with `apt-get update && apt-get install -y chromium` "
                    "(.ci/run does this before the tests)", pytrace=False)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`soyte serve` on a free port over the crawled bundled portals plus one article full of markup."""
    db = crawl_demo_portals(tmp_path_factory.mktemp("browser") / "archive.db")
    store = Archive(db)
    store.upsert_article(HOSTILE, layout="demo", extractor="demo/1", page_id=None)
    store.close()
    yield from serving(db)


def serving(db: Path):
    """`soyte serve DB` on a free port until the generator is closed; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(soyte_command("serve", str(db), "--port", str(port)), env=soyte_env(), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"soyte serve exited {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("soyte serve did not answer within 30 s")
            time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def chromium(*arguments: str) -> subprocess.CompletedProcess:
    """Headless Chromium as root on a machine without a display, a fresh profile each time."""
    with tempfile.TemporaryDirectory(prefix="soyte-chromium-") as profile:
        return subprocess.run([chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                               "--no-first-run", "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", f"--user-data-dir={profile}", *arguments],
                              capture_output=True, text=True, timeout=90)


def rendered_dom(url: str) -> Selector:
    result = chromium("--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return Selector(text=result.stdout)


def screenshot(url: str, path: Path) -> Path:
    result = chromium(f"--screenshot={path}", "--window-size=1280,1600", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return path


def assert_is_a_real_screenshot(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 30_000  # a blank or error page compresses to a few kilobytes


def test_the_article_page_renders_title_time_and_text(server, tmp_path):
    record = next(r for r in served_articles("bacninh") if r["url"] == DENGUE_URL)
    url = f"{server}/archive/articles/{tilde_encode(DENGUE_URL)}"
    dom = rendered_dom(url)
    assert dom.css("h1.soyte-title::text").get() == record["title"]
    assert dom.css("time::attr(datetime)").get() == record["published"]
    assert dom.css(".soyte-author::text").get() == record["author"]
    assert dom.css(".soyte-text p::text").getall() == paragraphs(record["text"])
    assert dom.css(".soyte-caption::text").getall() == [image["caption"] for image in record["images"]]
    assert dom.css("a.soyte-original-link::attr(href)").get() == DENGUE_URL
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "article.png"))


def test_the_search_results_page_lists_accented_articles_for_unaccented_words(server, tmp_path):
    url = f"{server}/archive/articles?_search=sot+xuat+huyet"
    dom = rendered_dom(url)
    assert set(dom.css("td.col-title a::text").getall()) == DENGUE_TITLES
    # answered by "Search a term" with the exact count (archive/datasette/search_box.py)
    assert dom.css("input[name=term]::attr(value)").get() == "sot xuat huyet"
    assert dom.css("p.soyte-match-count::text").get().startswith(f"{len(DENGUE_TITLES)} articles match “sot xuat huyet”")
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "search.png"))


def test_the_search_query_page_finds_the_same_articles(server):
    dom = rendered_dom(f"{server}/archive/search?term=sot+xuat+huyet")
    assert set(dom.css("td.col-title a::text").getall()) == DENGUE_TITLES


def test_the_search_query_page_says_why_a_term_of_17_words_is_not_searched(server):
    message = "the query has 17 words; at most 16 are searched: search with fewer, more telling words"
    term = "+".join(["y+te"] * 8 + ["so"])
    with urllib.request.urlopen(f"{server}/archive/search.json?term={term}&_shape=array", timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read()) == [{"published": None, "province": None, "title": message,
                                                "snippet": None, "url": None, "copies": None}]
    dom = rendered_dom(f"{server}/archive/search?term={term}")
    assert dom.css("td.col-title::text").getall() == [message]


def test_markup_in_an_article_is_shown_as_text_and_never_runs(server, tmp_path):
    url = f"{server}/archive/articles/{tilde_encode(HOSTILE['url'])}"
    with urllib.request.urlopen(url, timeout=10) as response:
        html = response.read().decode("utf-8")
    assert "&lt;script&gt;document.body.setAttribute(" in html and "<script>document.body" not in html
    dom = rendered_dom(url)
    assert dom.css("body::attr(data-injected)").get() is None
    assert dom.css("h1.soyte-title::text").get() == HOSTILE["title"]
    assert dom.css(".soyte-text p::text").getall() == paragraphs(HOSTILE["text"])
    assert dom.css(".soyte-author::text").get() == HOSTILE["author"]
    assert dom.css("article script, article img, article b, article i") == []
    assert dom.css("article a[href^='javascript']") == []
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "hostile.png"))
