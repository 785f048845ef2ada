"""An article's key belongs to its own page: a forged canonical takes no other article's URL.

A page's `rel=canonical` names the key it is stored under. It is trusted only where it names no
URL known as another page, and a page fetched at its own URL takes its key back from a page that
forged it before the victim was known (a later listing page, a later run, a later import). Keys
are normalised in one way: no fragment, no parameter the layout drops, never the home page or a
listing page. Crawls go through the real `soyte` command against the bundled Bắc Ninh portal
served on 127.0.0.1 (its pages changed with ReplayServer.set_page); imports read WARC files
written here with warcio.
"""
from __future__ import annotations

import html
import io
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.portals.replay import ReplayServer
from tests.helpers import ROOT, query, reference_server, served_articles, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

BACNINH = "https://soyte.bacninh.gov.vn"
PAGES = ROOT / "scraper" / "demo_portals" / "bacninh" / "pages"
CONTENT = f"{BACNINH}/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
# A is linked from listing page 1; B only from listing page 2, which the walk reaches later.
A = CONTENT + "trien-khai-tiem-vac-xin-phong-covid-19-cho-cong-nhan-cac-khu-cong-nghiep"
B = CONTENT + "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018"
S2 = CONTENT + "quan-triet-trien-khai-mot-so-noi-dung-ve-nang-cao-nang-luc-hoat-dong-cua-mang-luoi-y-te"
HUONG_DAN = CONTENT + "huong-dan-dang-ky-kham-chua-benh-bao-hiem-y-te-ban-dau-nam-2020"
S1 = CONTENT + "so-y-te-so-ket-cong-tac-6-thang-dau-nam-va-trien-khai-nhiem-vu-6-thang-cuoi-nam"
START = f"{BACNINH}/tin-tuc-su-kien"
LISTING_2 = (f"{START}?p_p_id=101_INSTANCE_bnNews&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
             "&p_p_col_id=column-2&p_p_col_count=1&_101_INSTANCE_bnNews_delta=2&_101_INSTANCE_bnNews_cur=2")
FILES = {A: "bacninh-2.html", B: "bacninh-1.html", S2: "bacninh-s2.html", HUONG_DAN: "bacninh-5.html",
         S1: "bacninh-s1.html"}
TITLES = {record["url"]: record["title"] for record in served_articles("bacninh")}
SLUG = re.compile(r"content/([a-z0-9-]+)")


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def with_canonical(body: bytes, canonical: str) -> bytes:
    tag = f'<link rel="canonical" href="{html.escape(canonical)}" />'.encode()
    replaced, count = re.subn(rb"<link[^>]*rel=\"canonical\"[^>]*>", lambda _m: tag, body)
    assert count == 1
    return replaced


def slug(url: str) -> bytes:
    return SLUG.search(url).group(1).encode()


def crawl(db: Path, server: ReplayServer) -> dict:
    return json.loads(soyte("crawl", "bacninh", "--db", str(db), "--replay", server.url).stdout)


def fetches(server: ReplayServer, *urls: str) -> int:
    """How many requests the server answered for these article URLs."""
    paths = {urlsplit(url).path for url in urls}
    return server.count(lambda host, path, status: path in paths)


def titles(db: Path) -> dict[str, str]:
    return {row["url"]: row["title"] for row in query(db, "SELECT url, title FROM articles")}


def warnings(db: Path) -> list[dict]:
    return query(db, "SELECT url, reason FROM failures WHERE kind = 'warning' ORDER BY id")


def versions(db: Path) -> list[dict]:
    return query(db, "SELECT url, content_hash, record, first_seen FROM article_versions ORDER BY id")


def changed_listing(server: ReplayServer, url: str, body: bytes) -> None:
    """Serve a listing page with other bytes, so that the next crawl walks it (no 304)."""
    server.set_page(url, body + b"\n<!-- changed -->\n")


def test_a_canonical_naming_an_article_of_a_later_listing_page_takes_nothing_from_it(tmp_path):
    db = tmp_path / "archive.db"
    with reference_server() as server:
        server.set_page(A, with_canonical(page(FILES[A]), B))
        first = crawl(db, server)
        assert (first["articles_new"], first["articles_updated"]) == (len(TITLES), 0)
        assert titles(db) == TITLES  # A and B each under its own URL, with its own title
        assert versions(db) == []    # B holds no version made of A's text
        assert [row["url"] for row in warnings(db)] == [A]
        assert fetches(server, A, B) == 2
        changed_listing(server, START, page("listing-1.html"))  # walked again, not a 304
        second = crawl(db, server)
    assert fetches(server, A, B) == 2  # the second crawl fetched neither
    assert (second["articles_new"], second["articles_updated"], second["requests"]) == (0, 0, 2)
    assert titles(db) == TITLES


def test_a_key_forged_before_its_article_was_listed_is_given_back_by_a_later_run(tmp_path):
    db = tmp_path / "archive.db"
    with reference_server() as server:
        server.set_page(A, with_canonical(page(FILES[A]), B))
        server.set_page(LISTING_2, page("listing-2.html").replace(slug(B), slug(HUONG_DAN)))  # B listed nowhere
        crawl(db, server)
        stored = query(db, "SELECT a.url, a.title, p.url AS page FROM articles a JOIN pages p ON p.id = a.page_id "
                           "WHERE a.url = ?", (B,))
        assert stored == [{"url": B, "title": TITLES[A], "page": A}]  # nothing said B was another page
        assert fetches(server, B) == 0
        # B is published: listing page 1 links it now.
        changed_listing(server, START, page("listing-1.html").replace(slug(S2), slug(B)))
        second = crawl(db, server)
        assert fetches(server, A, B) == 2  # B fetched although archived as a key; A not again
        assert (second["articles_new"], second["articles_updated"], second["warnings"]) == (1, 0, 1)
        assert titles(db) == TITLES
        assert versions(db) == []
        [warning] = warnings(db)
        assert warning["url"] == A
        assert warning["reason"] == (f"the page at {A} named {B} as its canonical and was archived under it; {B} is "
                                     f"archived from its own page now, and the article of {A} under {A}")
        changed_listing(server, START, page("listing-1.html").replace(slug(S2), slug(B)) + b"<!-- again -->")
        third = crawl(db, server)
    assert fetches(server, A, B) == 2  # the third crawl fetched neither
    assert (third["articles_new"], third["articles_updated"]) == (0, 0)


def test_canonicals_are_normalised_and_never_a_listing_or_the_home_page(tmp_path):
    forged = {A: A + "#binh-luan", B: B + "?redirect=%2Ftin-tuc-su-kien", S2: f"{BACNINH}/?x=1",
              HUONG_DAN: LISTING_2, S1: START}
    db = tmp_path / "archive.db"
    with reference_server() as server:
        for url, canonical in forged.items():
            server.set_page(url, with_canonical(page(FILES[url]), canonical))
        run = crawl(db, server)
    assert titles(db) == TITLES  # every article under its fetched URL, with its own text
    assert (run["articles_new"], run["warnings"]) == (len(TITLES), 3)
    reasons = {row["url"]: row["reason"] for row in warnings(db)}
    assert reasons == {
        S2: f"canonical {BACNINH}/?x=1 is the portal's home page; kept the fetched URL",
        HUONG_DAN: f"canonical {LISTING_2} is a listing page of the portal; kept the fetched URL",
        S1: f"canonical {START} is a listing page of the portal; kept the fetched URL"}
    reextracted = json.loads(soyte("reextract", "--db", str(db)).stdout)
    assert reextracted == {"new": 0, "updated": 0, "unchanged": len(TITLES), "failed": 0}
    assert titles(db) == TITLES


def test_an_article_that_redirects_to_the_home_page_is_not_stored_under_it(tmp_path):
    db = tmp_path / "archive.db"
    with reference_server() as server:
        server.set_page(f"{BACNINH}/", with_canonical(page(FILES[HUONG_DAN]), f"{BACNINH}/"))
        server.set_page(A, b"", status=301, headers={"Location": f"{BACNINH}/"})
        run = crawl(db, server)
    assert titles(db) == {url: title for url, title in TITLES.items() if url != A}
    assert query(db, "SELECT url, kind, reason FROM failures") == [
        {"url": f"{BACNINH}/", "kind": "not-article", "reason": f"{BACNINH}/ is the portal's home page, not an article"}]
    assert (run["articles_new"], run["errors"]) == (len(TITLES) - 1, 1)


def warc(path: Path, captures: list[tuple[str, bytes, str]]) -> Path:
    """A WARC of (url, body, WARC-Date) responses, as another web archive would have written it."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, body, date in captures:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                      warc_headers_dict={"WARC-Date": date}))
    path.write_bytes(buffer.getvalue())
    return path


def import_warc(db: Path, path: Path) -> tuple[dict, subprocess.CompletedProcess]:
    result = soyte("import-warc", str(path), "--db", str(db))
    return json.loads(result.stdout), result


def article(db: Path, url: str) -> dict:
    [row] = query(db, "SELECT url, title, text, content_hash, first_seen, updated_at FROM articles WHERE url = ?",
                  (url,))
    return row


FORGER = CONTENT + "ban-sao-cua-mot-bai-khac"  # a page no listing links, found in a web archive


def test_an_imported_page_whose_canonical_names_an_archived_article_is_kept_under_its_own_url(tmp_path):
    db = tmp_path / "archive.db"
    older_b = page(FILES[B]).replace("Bắc Ninh ra quân".encode(), "Bắc Ninh sẵn sàng ra quân".encode())
    import_warc(db, warc(tmp_path / "b.warc.gz", [(B, older_b, "2019-05-01T02:00:00Z"),
                                                  (B, page(FILES[B]), "2024-05-01T02:00:00Z")]))
    before_b, before_versions = article(db, B), versions(db)
    assert len(before_versions) == 1  # B has a history to keep
    counts, result = import_warc(db, warc(tmp_path / "forger.warc.gz", [
        (FORGER, with_canonical(page(FILES[HUONG_DAN]), B), "2025-01-01T02:00:00Z")]))
    assert article(db, B) == before_b and versions(db) == before_versions
    assert article(db, FORGER)["title"] == TITLES[HUONG_DAN]
    reason = f"canonical {B} is another archived article; kept the fetched URL"
    assert warnings(db) == [{"url": FORGER, "reason": reason}]
    assert f"bacninh: warning: {FORGER}: {reason}" in result.stderr.splitlines()
    assert (counts["articles_new"], counts["articles_updated"], counts["warnings"]) == (1, 0, 1)


def test_an_imported_page_takes_its_key_back_from_a_forger_imported_before_it(tmp_path):
    db = tmp_path / "archive.db"
    import_warc(db, warc(tmp_path / "forger.warc.gz", [
        (FORGER, with_canonical(page(FILES[HUONG_DAN]), B), "2022-01-01T02:00:00Z")]))
    assert titles(db) == {B: TITLES[HUONG_DAN]}  # nothing archived said B was another page
    counts, result = import_warc(db, warc(tmp_path / "b.warc.gz", [(B, page(FILES[B]), "2024-05-01T02:00:00Z")]))
    assert titles(db) == {B: TITLES[B], FORGER: TITLES[HUONG_DAN]}
    assert versions(db) == []
    assert [row["url"] for row in warnings(db)] == [FORGER]
    assert (counts["articles_new"], counts["articles_updated"], counts["warnings"]) == (1, 0, 1)
    assert article(db, FORGER)["first_seen"] == "2022-01-01T02:00:00+00:00"
    found = query(db, "SELECT a.url FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
                      "WHERE articles_fts MATCH 'xuat huyet'")
    assert found == [{"url": B}]  # the index follows the rows: B's words find B, not the forger's row
    reextracted = json.loads(soyte("reextract", "--db", str(db)).stdout)
    assert reextracted == {"new": 0, "updated": 0, "unchanged": 2, "failed": 0}


def test_a_forger_whose_own_url_holds_its_page_is_filed_into_that_article_by_capture_time(tmp_path):
    db = tmp_path / "archive.db"
    newer = with_canonical(page(FILES[HUONG_DAN]), B)  # the page at FORGER, once it forged B's key
    older = with_canonical(page(FILES[HUONG_DAN]).replace("Hướng dẫn".encode(), "Thông báo".encode()), FORGER)
    import_warc(db, warc(tmp_path / "newer.warc.gz", [(FORGER, newer, "2023-01-01T02:00:00Z")]))
    import_warc(db, warc(tmp_path / "older.warc.gz", [(FORGER, older, "2021-01-01T02:00:00Z")]))
    assert sorted(titles(db)) == [B, FORGER]  # the same page under two keys
    import_warc(db, warc(tmp_path / "b.warc.gz", [(B, page(FILES[B]), "2024-05-01T02:00:00Z")]))
    assert titles(db) == {B: TITLES[B], FORGER: TITLES[HUONG_DAN]}
    [earlier] = versions(db)
    assert (earlier["url"], earlier["first_seen"]) == (FORGER, "2021-01-01T02:00:00+00:00")
    assert json.loads(earlier["record"])["title"].startswith("Thông báo")
    assert article(db, FORGER)["updated_at"] == "2023-01-01T02:00:00+00:00"


def test_an_imported_listing_page_is_no_article(tmp_path):
    db = tmp_path / "archive.db"
    path = warc(tmp_path / "listing.warc.gz", [(START, page("listing-1.html"), "2024-05-01T02:00:00Z")])
    result = soyte("import-warc", str(path), "--db", str(db), check=False)
    assert result.returncode == 1
    reason = f"{START} is a listing page of the portal, not an article"
    assert query(db, "SELECT url, kind, reason FROM failures") == [{"url": START, "kind": "not-article", "reason": reason}]
    assert titles(db) == {}
    assert f"bacninh: not-article: {START}: {reason}" in result.stderr.splitlines()
