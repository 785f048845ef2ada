"""Articles' images archived (issue 33): fetched by the real crawl from the replay server serving the
demo portals' own pictures (scraper/portals/demo_documents.py), kept once per content, asked for
conditionally, refused past their size cap or when what is served is not an image, and not fetched
at all with `--no-images`; exported with `soyte export --images DIR`."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scraper.extraction.image_files import read_image
from scraper.portals.registry import RegistryError, parse_registry, validate
from scraper.portals.replay import ReplayServer
from tests import document_files as files
from tests.helpers import portal_site, query, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server

UPLOADS = "https://soyte.hatinh.gov.vn/uploads/soyte/"
HALL_2022 = UPLOADS + "2022_03/hoi-nghi-chuyen-doi-so-2022.jpg"     # hatinh-1's picture …
HALL_2023 = UPLOADS + "2023_12/toan-canh-hoi-nghi-tong-ket-2023.jpg"  # … shown again by hatinh-s1
CLASSROOM = UPLOADS + "2021_10/ve-sinh-lop-hoc-mam-non.jpg"
SPEAKERS = (UPLOADS + "2023_12/pgd-le-chanh-thanh-bao-cao.jpg", UPLOADS + "2023_12/pct-le-ngoc-chau-phat-bieu.jpg")
HATINH_IMAGES = {HALL_2022, HALL_2023, CLASSROOM, *SPEAKERS}
ARTICLE_2 = ("https://soyte.hatinh.gov.vn/tin-tuc-su-kien/tang-cuong-giam-sat-benh-tay-chan-mieng-trong-truong-mam-non"
             "-1635233700.html")


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def served_images(portal: str = "hatinh") -> dict[str, bytes]:
    """The demo portal's own pictures, by URL, as its site.json serves them."""
    return {page.url: page.body() for page in portal_site(portal).pages(("image",))}


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def image_requests(server: ReplayServer) -> list[tuple[str, int]]:
    paths = {path_of(url): url for url in HATINH_IMAGES}
    return sorted((paths[path], status) for _host, path, status in server.requests if path in paths)


def crawl(db: Path, server: ReplayServer, *extra: str, check: bool = True):
    return soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, *extra, check=check)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Hà Tĩnh crawled twice: the second run with every article due again and one of them changed."""
    db = tmp_path_factory.mktemp("images") / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        first = crawl(db, server)
        first_requests = image_requests(server)
        server.requests.clear()
        again = crawl(db, server)
        again_requests = image_requests(server)
        server.requests.clear()
        article = next(page.body() for page in portal_site("hatinh").pages(("article",)) if page.url == ARTICLE_2)
        server.set_page(ARTICLE_2, article + b"\n")  # changed: read again, its image asked for conditionally
        revisit = crawl(db, server, "--revisit-after", "0")
        revisit_requests = image_requests(server)
    return db, {"first": (first, first_requests), "again": (again, again_requests),
                "revisit": (revisit, revisit_requests)}


def test_each_image_is_fetched_once_and_each_content_stored_once(crawled):
    db, runs = crawled
    served = served_images()
    assert set(served) == HATINH_IMAGES and served[HALL_2022] == served[HALL_2023]
    assert runs["first"][1] == sorted((url, 200) for url in HATINH_IMAGES)
    captures = query(db, "SELECT url, sha256, version, status, content_type FROM image_captures ORDER BY url")
    assert captures == sorted(({"url": url, "sha256": sha(body), "version": 1, "status": 200,
                                "content_type": "image/jpeg"} for url, body in served.items()), key=lambda r: r["url"])
    # The hall picture both articles show is one stored image and one stored body, from two URLs.
    assert query(db, "SELECT count(*) AS n FROM images") == [{"n": 4}]
    assert query(db, "SELECT count(*) AS n FROM document_bodies WHERE sha256 = ?", (sha(served[HALL_2022]),)) == [{"n": 1}]
    [hall] = query(db, "SELECT url, type, content_type, width, height, size, caption FROM images WHERE sha256 = ?",
                   (sha(served[HALL_2022]),))
    captions = {HALL_2022: "Quang cảnh hội nghị.", HALL_2023: "Toàn cảnh hội nghị."}  # the first URL fetched names it
    assert hall == {"url": hall["url"], "type": "jpeg", "content_type": "image/jpeg", "width": 400, "height": 266,
                    "size": len(served[HALL_2022]), "caption": captions[hall["url"]]}
    assert query(db, "SELECT errors FROM crawl_runs WHERE id = 1") == [{"errors": 0}]


def test_the_stored_bytes_are_the_served_bytes(crawled):
    import sqlite3
    import zlib

    db, _runs = crawled
    conn = sqlite3.connect(db)
    for url, body in served_images().items():
        (stored,) = conn.execute("SELECT b.body FROM image_captures c JOIN document_bodies b ON b.sha256 = c.sha256 "
                                 "WHERE c.url = ?", (url,)).fetchone()
        assert zlib.decompress(stored) == body
    conn.close()


def test_the_article_links_its_images_with_their_captions(crawled):
    db, _runs = crawled
    assert query(db, "SELECT url, title FROM document_links WHERE kind = 'image' AND article_url = ?", (ARTICLE_2,)) == [
        {"url": CLASSROOM, "title": "Cán bộ y tế hướng dẫn giáo viên khử khuẩn đồ chơi, lớp học."}]


def test_a_rerun_fetches_no_image_and_a_changed_article_asks_for_its_image_conditionally(crawled):
    db, runs = crawled
    assert runs["again"][1] == []
    assert runs["revisit"][1] == [(CLASSROOM, 304)]
    assert query(db, "SELECT count(*) AS n FROM image_captures") == [{"n": 5}]
    row = query(db, "SELECT fetched_at, last_fetched_at FROM image_captures WHERE url = ?", (CLASSROOM,))[0]
    assert row["last_fetched_at"] > row["fetched_at"] or row["last_fetched_at"] == row["fetched_at"]
    assert query(db, "SELECT run_id FROM image_captures WHERE url = ?", (CLASSROOM,)) == [{"run_id": 1}]


def test_an_oversized_image_and_a_web_page_for_an_image_are_recorded_failures(tmp_path):
    db = tmp_path / "archive.db"
    big = served_images()[CLASSROOM] + b"\0" * 300_000  # a JPEG with 300 KB of trailing bytes
    page = files.html_page("Không tìm thấy ảnh")
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(CLASSROOM, big, "image/jpeg")
        server.set_page(SPEAKERS[0], page, "image/jpeg")  # a missing photo answered with a page, typed as an image
        result = crawl(db, server, "--set", "SOYTE_IMAGE_MAXSIZE=200000", check=False)
    assert result.returncode == 0, result.stderr
    failures = query(db, "SELECT url, kind, reason, status FROM failures ORDER BY url")
    assert failures == [
        {"url": CLASSROOM, "kind": "document-skipped", "status": None, "reason": "over the size cap (200,000 bytes)"},
        {"url": SPEAKERS[0], "kind": "document-fetch", "status": 200,
         "reason": f"not an image: served image/jpeg, {len(page):,} bytes; not stored"}]
    assert query(db, "SELECT count(*) AS n FROM image_captures WHERE url IN (?, ?)", (CLASSROOM, SPEAKERS[0])) == [{"n": 0}]
    assert query(db, "SELECT count(*) AS n FROM images") == [{"n": 2}]  # the others: the hall picture, one speaker
    assert query(db, "SELECT count(*) AS n FROM articles") == [{"n": 4}]  # and every article
    # Neither is asked for again by the next run: the cap would cut it again, the page is final.
    with ReplayServer(portals=("hatinh",)) as server:
        crawl(db, server, "--set", "SOYTE_IMAGE_MAXSIZE=200000")
        assert image_requests(server) == []


def test_no_images_fetches_none_and_links_none(tmp_path):
    db = tmp_path / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        result = crawl(db, server, "--no-images")
        assert image_requests(server) == []
    assert "4 new" in result.stderr
    assert query(db, "SELECT count(*) AS n FROM images") == [{"n": 0}]
    assert query(db, "SELECT count(*) AS n FROM document_links WHERE kind = 'image'") == [{"n": 0}]
    # The record still names them: the text-only archive knows what it left out.
    images = json.loads(query(db, "SELECT images FROM articles WHERE url = ?", (ARTICLE_2,))[0]["images"])
    assert [image["url"] for image in images] == [CLASSROOM]
    # A later run with images fetches those of the articles it fetches (here: none is new) …
    with ReplayServer(portals=("hatinh",)) as server:
        crawl(db, server)
        assert image_requests(server) == []


def test_export_images_writes_each_image_once_with_a_manifest(crawled, tmp_path):
    db, _runs = crawled
    out = tmp_path / "images"
    result = soyte("export", "--images", str(out), "--db", str(db))
    assert "exported 4 images" in result.stderr
    served = served_images()
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(path.name for path in out.iterdir()) == sorted(
        ["manifest.jsonl", *{f"{sha(body)}.jpg" for body in served.values()}])
    hall = next(row for row in manifest if row["sha256"] == sha(served[HALL_2022]))
    assert sorted(hall["urls"]) == [HALL_2022, HALL_2023]
    assert {a["caption"] for a in hall["articles"]} == {"Quang cảnh hội nghị.", "Toàn cảnh hội nghị."}
    assert (out / hall["file"]).read_bytes() == served[HALL_2022]


def test_export_images_never_writes_through_a_link_or_into_a_foreign_folder(crawled, tmp_path):
    db, _runs = crawled
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("x")
    refused = soyte("export", "--images", str(foreign), "--db", str(db), check=False)
    assert refused.returncode == 2 and "not an earlier images export" in refused.stderr
    out, outside = tmp_path / "images", tmp_path / "outside.jpg"
    soyte("export", "--images", str(out), "--db", str(db))
    victim = next(p for p in out.iterdir() if p.suffix == ".jpg")
    victim.unlink()
    victim.symlink_to(outside)
    refused = soyte("export", "--images", str(out), "--db", str(db), check=False)
    assert refused.returncode == 2 and "symbolic link" in refused.stderr
    assert not outside.exists()


# without a crawl

def test_an_image_is_told_by_its_bytes_not_its_served_type():
    jpeg = served_images()[CLASSROOM]
    assert read_image(jpeg) is not None and (read_image(jpeg).kind, read_image(jpeg).width) == ("jpeg", 400)
    assert read_image(files.html_page("Lỗi")) is None
    assert read_image(files.pdf(["Công văn"])) is None
    assert read_image(b"") is None and read_image(jpeg[:20]) is None  # a truncated header
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    assert read_image(svg).kind == "svg"


def test_the_registry_takes_images_false_and_cdn_hosts_and_refuses_a_url_for_a_host():
    entry = {"province": "Hà Tĩnh", "host": "soyte.hatinh.gov.vn", "status": "planned", "layout": "hatinh",
             "host_verified": False, "host_note": "test"}
    portals = parse_registry({"hatinh": {**entry, "images": False, "image_hosts": ["cdn.hatinh.gov.vn"]}})
    assert (portals["hatinh"].images, portals["hatinh"].image_hosts) == (False, ("cdn.hatinh.gov.vn",))
    assert validate(portals) == []
    bad = parse_registry({"hatinh": {**entry, "images": "no", "image_hosts": ["https://cdn.hatinh.gov.vn/"]}})
    assert validate(bad) == ["[hatinh] images 'no' must be true or false",
                             "[hatinh] image_hosts entry 'https://cdn.hatinh.gov.vn/' is not a bare host name "
                             "(e.g. cdn.soyte.hatinh.gov.vn)"]
    assert RegistryError  # the loader raises it with these lines


def registry_with(tmp_path: Path, lines: str) -> Path:
    """The project's registry with `lines` added to Hà Tĩnh's entry."""
    from tests.helpers import ROOT

    registry = (ROOT / "scraper" / "portals.toml").read_text(encoding="utf-8")
    changed = registry.replace('demo = "hatinh"\n', f'demo = "hatinh"\n{lines}\n', 1)
    assert changed != registry
    path = tmp_path / "portals.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def test_images_on_a_cdn_the_registry_names_are_archived_and_on_another_host_only_linked(tmp_path, monkeypatch):
    cdn_image, other_image = "https://cdn.hatinh.gov.vn/2021_10/lop-hoc.jpg", "https://anh.example.org/lop-hoc.jpg"
    monkeypatch.setenv("SOYTE_REGISTRY", str(registry_with(tmp_path, 'image_hosts = ["cdn.hatinh.gov.vn"]')))
    db = tmp_path / "archive.db"
    article = next(page.body() for page in portal_site("hatinh").pages(("article",)) if page.url == ARTICLE_2)
    moved = article.replace(CLASSROOM.encode(), cdn_image.encode())
    assert moved != article
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(ARTICLE_2, moved)
        server.set_page(cdn_image, served_images()[CLASSROOM], "image/jpeg")
        crawl(db, server)
        cdn_requests = [(host, path, status) for host, path, status in server.requests if path == "/2021_10/lop-hoc.jpg"]
    assert cdn_requests == [("cdn.hatinh.gov.vn", "/2021_10/lop-hoc.jpg", 200)]
    assert query(db, "SELECT c.url, i.sha256 FROM image_captures c JOIN images i ON i.sha256 = c.sha256 "
                     "WHERE c.url = ?", (cdn_image,)) == [{"url": cdn_image, "sha256": sha(served_images()[CLASSROOM])}]
    # Without the registry's word, the same page's image on another host is linked, not fetched.
    monkeypatch.delenv("SOYTE_REGISTRY")
    other = tmp_path / "other.db"
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(ARTICLE_2, article.replace(CLASSROOM.encode(), other_image.encode()))
        crawl(other, server)
        assert [r for r in server.requests if r[0] == "anh.example.org"] == []
    assert query(other, "SELECT url, kind FROM document_links WHERE article_url = ?", (ARTICLE_2,)) == [
        {"url": other_image, "kind": "image"}]
    assert query(other, "SELECT count(*) AS n FROM image_captures WHERE url = ?", (other_image,)) == [{"n": 0}]


def test_a_portal_whose_entry_says_images_false_gets_none_fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("SOYTE_REGISTRY", str(registry_with(tmp_path, "images = false")))
    db = tmp_path / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        crawl(db, server)
        assert image_requests(server) == []
    assert query(db, "SELECT (SELECT count(*) FROM images) i, (SELECT count(*) FROM documents) d") == [{"i": 0, "d": 2}]


def test_merge_brings_each_nodes_images_once_and_a_changed_one_as_a_second_version(tmp_path):
    """Two nodes crawl Hà Tĩnh; on the second the classroom picture has changed at its URL."""
    a, b, into = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "merged.db"
    changed = served_images()[SPEAKERS[0]]  # another picture's bytes now at the classroom's URL
    with ReplayServer(portals=("hatinh",)) as server:
        crawl(a, server)
        server.set_page(CLASSROOM, changed, "image/jpeg")
        crawl(b, server)
    soyte("merge", str(a), str(b), "--into", str(into))
    assert query(into, "SELECT count(*) AS n FROM images") == [{"n": 4}]  # the changed bytes are another picture's
    assert query(into, "SELECT version, sha256 FROM image_captures WHERE url = ? ORDER BY version", (CLASSROOM,)) == [
        {"version": 1, "sha256": sha(served_images()[CLASSROOM])}, {"version": 2, "sha256": sha(changed)}]
    assert query(into, "SELECT count(*) AS n FROM image_captures") == [{"n": 6}]
    import sqlite3
    import zlib

    conn = sqlite3.connect(into)
    for digest, body in conn.execute("SELECT i.sha256, b.body FROM images i JOIN document_bodies b USING (sha256)"):
        assert sha(zlib.decompress(body)) == digest
    conn.close()
    soyte("merge", str(a), str(b), "--into", str(into))  # again: nothing changes
    assert query(into, "SELECT count(*) AS n FROM image_captures") == [{"n": 6}]
