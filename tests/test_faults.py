"""Bad input and faults: every case is logged, counted, stored with its reason, and loses nothing.

One crawl of a Bắc Ninh portal whose listing links a page for each fault (served by the replay
server on 127.0.0.1); each test then checks what the archive made of one of them.
"""
from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path

import pytest

from scraper.portals.registry import DEMO_PORTALS
from tests.helpers import query, reference_server, soyte
from tests.test_cleaning import to_cp1258

pytestmark = pytest.mark.e2e  # a crawl of faulty pages on the replay server

HOST = "https://soyte.bacninh.gov.vn"
LISTING = f"{HOST}/tin-tuc-su-kien"
CONTENT = f"{HOST}/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
PAGES = DEMO_PORTALS / "bacninh" / "pages"
ARTICLE = (PAGES / "bacninh-1.html").read_text("utf-8")
EXPECTED = json.loads((DEMO_PORTALS / "bacninh" / "expected" / "bacninh-1.json").read_text("utf-8"))
CANONICAL = EXPECTED["url"]
UTF8 = "text/html; charset=utf-8"


def variant(name: str, html: str = ARTICLE) -> str:
    """The reference article republished at its own URL, so that each fault is its own article."""
    return html.replace(CANONICAL, CONTENT + name)


def listing(names: list[str]) -> bytes:
    """Bắc Ninh's listing page, linking one article per fault (and no pagination)."""
    page = (PAGES / "listing-3.html").read_text("utf-8")
    entries = "".join(f'<div class="asset-abstract"><h3 class="asset-title"><a href="{CONTENT}{name}?redirect='
                      f'{LISTING}">{name}</a></h3></div>' for name in names)
    start = page.index('<div class="asset-abstract">')
    end = page.index('<div class="taglib-page-iterator">')
    return (page[:start] + entries + page[end:]).encode()


LONG_TEXT = " ".join(["Ngành y tế tỉnh tăng cường giám sát dịch bệnh tại cộng đồng."] * 12)
FAULTS: dict[str, tuple[bytes, str | None, dict]] = {
    # encodings
    "cp1258-header": (to_cp1258(variant("cp1258-header").replace("charset=UTF-8", "charset=windows-1258")),
                      "text/html; charset=windows-1258", {}),
    "cp1258-wrong-header": (to_cp1258(variant("cp1258-wrong-header").replace("charset=UTF-8", "charset=windows-1258")),
                            UTF8, {}),
    "cp1258-no-charset": (to_cp1258(re.sub(r"<meta content=\"text/html; charset=UTF-8\"[^>]*>", "",
                                           variant("cp1258-no-charset"))), None, {}),
    "decomposed": (unicodedata.normalize("NFD", variant("decomposed")).encode(), UTF8, {}),
    "bom": (b"\xef\xbb\xbf" + variant("bom").encode(), "text/html; charset=iso-8859-1", {}),
    "meta-disagrees": (variant("meta-disagrees").replace("charset=UTF-8", "charset=windows-1258").encode(), UTF8, {}),
    # broken HTML
    "truncated": (variant("truncated").encode()[: len(ARTICLE.encode()) * 2 // 3], UTF8, {}),
    "unclosed-tags": (variant("unclosed-tags").replace("</p>", "").replace("</li>", "").encode(), UTF8, {}),
    "empty": (b"", UTF8, {}),
    "no-title": (re.sub(r"<title>.*?</title>|<h3 class=\"header-title\">.*?</h3>", "", variant("no-title"),
                        flags=re.S).encode(), UTF8, {}),
    "maintenance": ("<html><head><title>Bảo trì</title></head><body><h1>Hệ thống đang bảo trì</h1>"
                    "<p>Xin vui lòng quay lại sau.</p></body></html>".encode(), UTF8, {}),
    "login": (("<html><head><title>Đăng nhập</title></head><body><form><input name='u'>"
               "<input type='password' name='p'></form><p>" + LONG_TEXT + "</p></body></html>").encode(), UTF8, {}),
    # HTTP
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF", "application/pdf", {}),
    "too-big": (variant("too-big").replace("</body>", "<!--" + "x" * 400_000 + "--></body>").encode(), UTF8, {}),
    "gzip-bomb": (gzip.compress(b"<html>" + b" " * 40_000_000 + b"</html>"), UTF8, {"Content-Encoding": "gzip"}),
    # dates
    "impossible-date": (variant("impossible-date").replace("12/06/2018 10:05", "31/02/2018 10:05").encode(), UTF8, {}),
    "no-date": (re.sub(r'<span class="metadata-entry metadata-publish-date">.*?</span>', "",
                       variant("no-date")).encode(), UTF8, {}),
    "two-digit-year": (variant("two-digit-year").replace("12/06/2018 10:05", "12/06/18 10:05").encode(), UTF8, {}),
    # content
    "script-text": (variant("script-text").replace(
        "Sáng 11/6,", "Mã &lt;script&gt;alert('x')&lt;/script&gt; và '; DROP TABLE articles; -- Sáng 11/6,").encode(),
        UTF8, {}),
    # a portal that changed its theme
    "new-theme": (f"""<html><head><title>Tiêm chủng mở rộng năm 2025</title>
<link rel="canonical" href="{CONTENT}new-theme"></head><body><div class="v2-header">Sở Y tế</div>
<article class="v2-post"><h1>Tiêm chủng mở rộng năm 2025</h1><div class="v2-body"><p>{LONG_TEXT}</p>
<p>{LONG_TEXT}</p></div></article></body></html>""".encode(), UTF8, {}),
}
SPECIAL = {  # answered by status or timing rather than by a page body
    "server-error": None, "slow": None, "redirect-loop": None, "redirect-offsite": None, "gone": None,
}


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    db = tmp_path_factory.mktemp("faults") / "archive.db"
    with reference_server() as server:
        server.set_page(LISTING, listing(list(FAULTS) + list(SPECIAL)))
        for name, (body, content_type, headers) in FAULTS.items():
            server.set_page(CONTENT + name, body, content_type, headers=headers)
        server.set_page(CONTENT + "server-error", variant("server-error").encode())
        server.answer_statuses(CONTENT + "server-error", [500, 503])
        server.set_page(CONTENT + "slow", variant("slow").encode(), delay=5)
        server.set_page(CONTENT + "redirect-loop", b"", status=302, headers={"Location": CONTENT + "redirect-loop"})
        server.set_page(CONTENT + "redirect-offsite", b"", status=302,
                        headers={"Location": "https://phishing.example.com/bai-viet"})
        result = soyte("crawl", "bacninh", "--db", str(db), "--replay", server.url, "--set", "DOWNLOAD_TIMEOUT=3",
                       "--set", "DOWNLOAD_MAXSIZE=300000", "--set", "SOYTE_RETRY_BACKOFF=0.1",
                       "--set", "RETRY_TIMES=2", check=False)
        requests = list(server.requests)
    return db, result, requests


def article(db: Path, name: str) -> dict | None:
    rows = query(db, "SELECT * FROM articles WHERE url = ?", (CONTENT + name,))
    return rows[0] if rows else None


def failures(db: Path, name: str) -> list[tuple[str, str]]:
    return [(row["kind"], row["reason"]) for row in
            query(db, "SELECT kind, reason FROM failures WHERE url LIKE ? ORDER BY id", (CONTENT + name + "%",))]


@pytest.mark.parametrize("name", ["cp1258-header", "cp1258-wrong-header", "cp1258-no-charset", "decomposed",
                                  "bom", "meta-disagrees", "unclosed-tags"])
def test_pages_in_any_encoding_or_sloppy_markup_are_stored_exactly(faulty_crawl, name):
    db, _result, _requests = faulty_crawl
    stored = article(db, name)
    assert stored is not None, failures(db, name)
    assert (stored["title"], stored["text"], stored["author"], stored["published"]) == (
        EXPECTED["title"], EXPECTED["text"], EXPECTED["author"], EXPECTED["published"])
    assert failures(db, name) == []


@pytest.mark.parametrize("name, kind, reason", [
    ("truncated", "truncated", "the page ends before </html>"),
    ("empty", "extraction", "empty page"),
    ("no-title", "extraction", "generic: no article here (title None"),
    ("maintenance", "extraction", "generic: no article here"),
    ("login", "extraction", "generic: the page is a login form"),
    ("pdf", "not-html", "not an HTML page: application/pdf"),
    ("too-big", "article-fetch", "larger than download max size"),
    ("gzip-bomb", "article-fetch", "exceeded DOWNLOAD_MAXSIZE (300000 B) during decompression"),
    ("slow", "article-fetch", "TimeoutError"),
    ("gone", "article-fetch", "HTTP 404"),
    ("redirect-loop", "article-fetch", f"redirect loop: {CONTENT}redirect-loop -> {CONTENT}redirect-loop"),
    ("redirect-offsite", "article-fetch", "refused redirect to another host"),
])
def test_faulty_pages_are_recorded_with_their_reason_and_never_stored_as_articles(faulty_crawl, name, kind, reason):
    db, _result, _requests = faulty_crawl
    assert article(db, name) is None
    recorded = failures(db, name)
    assert recorded and all(k == kind for k, _ in recorded), recorded
    assert reason.lower() in recorded[0][1].lower(), recorded


def test_the_raw_bytes_of_a_truncated_or_non_html_page_are_kept(faulty_crawl):
    db, _result, _requests = faulty_crawl
    kept = {row["url"]: row["body_size"] for row in query(db, "SELECT url, body_size FROM pages")}
    assert kept[CONTENT + "truncated"] == len(FAULTS["truncated"][0])
    assert kept[CONTENT + "pdf"] == len(FAULTS["pdf"][0])


def test_server_errors_are_retried_and_the_article_stored(faulty_crawl):
    db, _result, requests = faulty_crawl
    assert [status for _host, path, status in requests if path.endswith("server-error")] == [500, 503, 200]
    assert article(db, "server-error")["text"] == EXPECTED["text"]


def test_the_offsite_redirect_is_never_followed(faulty_crawl):
    _db, _result, requests = faulty_crawl
    assert all(host != "phishing.example.com" for host, _path, _status in requests)


@pytest.mark.parametrize("name, warning", [
    ("impossible-date", "publication date not understood: page '31/02/2018 10:05'"),
    ("no-date", "no publication date"),
    ("two-digit-year", "publication date not understood: page '12/06/18 10:05'"),
])
def test_bad_dates_are_stored_as_null_with_a_warning(faulty_crawl, name, warning):
    db, _result, _requests = faulty_crawl
    stored = article(db, name)
    assert (stored["published"], stored["text"]) == (None, EXPECTED["text"])
    assert failures(db, name) == [("warning", warning)]


def test_html_and_sql_in_article_text_are_stored_verbatim(faulty_crawl):
    db, _result, _requests = faulty_crawl
    assert article(db, "script-text")["text"].startswith(
        "Mã <script>alert('x')</script> và '; DROP TABLE articles; -- Sáng 11/6,")
    assert query(db, "SELECT count(*) AS n FROM articles")[0]["n"] >= 10


def test_a_page_of_an_unknown_layout_is_saved_generically_and_flagged(faulty_crawl):
    db, _result, _requests = faulty_crawl
    stored = article(db, "new-theme")
    assert (stored["title"], stored["extraction"]) == ("Tiêm chủng mở rộng năm 2025", "generic")
    assert stored["text"].startswith("Ngành y tế tỉnh tăng cường giám sát dịch bệnh tại cộng đồng.")
    assert stored["extraction_note"].startswith("liferay-bacninh: no body at")


def test_the_run_counts_every_fault_and_raises_the_alarm(faulty_crawl):
    db, result, _requests = faulty_crawl
    run = json.loads(result.stdout)
    recorded = query(db, "SELECT kind, count(*) AS n FROM failures GROUP BY kind ORDER BY kind")
    errors = sum(row["n"] for row in recorded if row["kind"] != "warning")
    assert (run["errors"], run["warnings"], run["articles_generic"]) == (errors, 3, 1)
    assert errors == 12  # 12 faults (the one attachment the pages link is served: no error)
    assert result.returncode == 1 and run["status"] == "alarm"
    assert "ALARM bacninh:" in result.stderr and "failed extraction" in result.stderr


def test_the_log_says_what_happened_in_one_line_per_fault(faulty_crawl):
    _db, result, _requests = faulty_crawl
    for name in ("truncated", "pdf", "redirect-loop", "maintenance"):
        lines = [line for line in result.stderr.splitlines() if CONTENT + name in line and "WARNING" in line]
        assert lines, name
