"""Adding a portal end to end, in a copy of the project that pretends Hà Tĩnh is new.

The copy has no [hatinh] entry, no spiders/layouts/hatinh.toml and no tests/test_hatinh.py. Each
test runs the real commands there (new-portal, serve-portals, save-page against the replay server,
expect, pytest, crawl) in subprocesses (tests/project_copy.py), so nothing is generated in this
repository. Where a maintainer runs `soyte learn`, these tests put the repository's Hà Tĩnh layout
in place: what is tested here is the plumbing around the layout, not the learning.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from scraper.extraction.layouts import layout_names
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.sites import Site
from tests.helpers import ROOT, active_bundled_portals, bundled_articles, served_articles, unserved_attachment_urls
from tests.project_copy import copy_project, ok, python, run, run_pytest

pytestmark = pytest.mark.e2e  # `soyte` in a subprocess in a copy of the project, crawls

HATINH = DEMO_PORTALS / "hatinh"
HATINH_PAGES = Site(HATINH).pages()
LISTING = "https://soyte.hatinh.gov.vn/tin-tuc-su-kien"
LISTING_2 = "https://soyte.hatinh.gov.vn/tin-tuc-su-kien/trang-2"
SITEMAP = "https://soyte.hatinh.gov.vn/sitemap.xml"
ARTICLES = [page for page in HATINH_PAGES if page.kind == "article"]
# File names from the URLs; a slug over 80 characters keeps its start and its end (the id).
ARTICLE_FILES = ["quyet-liet-trien-khai-cong-tac-chuyen-doi-so-trong-nganh-y-te-1703238000.html",
                 "cong-bo-danh-sach-co-so-kham-benh-chua-benh-du-dieu-kien-kha-e-lai-xe-1686731400.html",
                 "ha-tinh-phan-dau-100-tram-y-te-xa-trien-khai-benh-an-dien-tu-nam-2022-1647483000.html",
                 "tang-cuong-giam-sat-benh-tay-chan-mieng-trong-truong-mam-non-1635233700.html"]
NEW_HATINH = ("new-portal", "hatinh", "--host", "https://soyte.hatinh.gov.vn", "--province", "Hà Tĩnh",
              "--start-url", LISTING, "--start-url", SITEMAP)
TODAY = date.today().isoformat()
LAYOUTS_BUT_HATINH = [name for name in layout_names() if name != "hatinh"]
# The active bundled portals the copy keeps, in registry order; Hà Tĩnh's articles and the files they link.
OTHERS = [key for key in active_bundled_portals() if key != "hatinh"]
HATINH_ATTACHMENTS = {attachment["url"] for record in served_articles("hatinh") for attachment in record["attachments"]}
HATINH_IMAGES = {image["url"] for record in served_articles("hatinh") for image in record["images"]}  # archived too


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "soyte")


@pytest.fixture(scope="module")
def untouched(tmp_path_factory) -> Path:
    """A copy only refused commands run in: they must leave it as it was."""
    return copy_project(tmp_path_factory.mktemp("untouched") / "soyte")


def capture_hatinh(project: Path, replay_url: str) -> None:
    """What a developer saves from the site: two listing pages, four articles, the sitemap, robots.txt."""
    ok(run(project, "save-page", LISTING, "--portal", "hatinh", "--replay", replay_url))
    ok(run(project, "save-page", LISTING_2, "--portal", "hatinh", "--replay", replay_url, "--kind", "listing"))
    for page in ARTICLES:
        ok(run(project, "save-page", page.url, "--portal", "hatinh", "--replay", replay_url))
    for url in (SITEMAP, "https://soyte.hatinh.gov.vn/robots.txt"):
        ok(run(project, "save-page", url, "--portal", "hatinh", "--replay", replay_url))


def write_hatinh_layout(project: Path) -> None:
    """What `soyte learn hatinh` writes from the corrected records: here, the repository's layout file."""
    shutil.copyfile(ROOT / "spiders" / "layouts" / "hatinh.toml", project / "spiders" / "layouts" / "hatinh.toml")


def fixture_folders(project: Path) -> list[str]:
    """The portals with a fixture folder in a project (none in this repository until one is added)."""
    folder = project / "tests" / "fixtures"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def copy_hatinh_fixtures(project: Path) -> None:
    """What `soyte save-page` and the corrected `soyte expect` leave in the fixture folder: here, the
    bundled demo portal's pages and records."""
    shutil.copytree(ROOT / "scraper" / "demo_portals" / "hatinh", project / "tests" / "fixtures" / "hatinh",
                    dirs_exist_ok=True)


def activate(project: Path, key: str) -> None:
    """Step 8 of docs/ADDING_A_PORTAL.md."""
    ok(run(project, "activate", key))


def bundled_expected(url: str) -> dict:
    return next(page for page in ARTICLES if page.url == url).expected


def fixture_manifest(project: Path) -> dict:
    return json.loads((project / "tests" / "fixtures" / "hatinh" / "site.json").read_text(encoding="utf-8"))


NOTES = f'Scaffolded with a new layout for soyte learn by soyte new-portal on {TODAY}: set status = "active" ' \
        'once tests/test_hatinh.py passes.'


def test_new_portal_starts_an_empty_layout_a_planned_entry_a_fixture_folder_and_a_test(project):
    result = ok(run(project, *NEW_HATINH))
    entry = {"province": "Hà Tĩnh", "host": "soyte.hatinh.gov.vn", "layout": "hatinh",
             "start_urls": [LISTING, SITEMAP], "status": "planned", "host_verified": False,
             "host_note": f"Given to soyte new-portal on {TODAY}; not verified yet: cite a page naming the host "
                          "(docs/ADDING_A_PORTAL.md, Verifying a host).", "notes": NOTES}
    assert json.loads(result.stdout) == {
        "portal": "hatinh", "entry": entry, "filled_planned": False,
        "written": ["spiders/layouts/hatinh.toml", "tests/test_hatinh.py", "tests/fixtures/hatinh/site.json",
                    "scraper/portals.toml"]}
    registry = tomllib.loads((project / "scraper" / "portals.toml").read_text(encoding="utf-8"))
    assert registry["hatinh"] == entry
    layout = tomllib.loads((project / "spiders" / "layouts" / "hatinh.toml").read_text(encoding="utf-8"))
    assert (layout["name"], layout["article"]["title"], layout["article"]["body"], layout["listing"]) == (
        "hatinh", [], [], {"container": [], "articles": [], "pagination": []})
    folder = project / "tests" / "fixtures" / "hatinh"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "expected/.gitkeep", "pages/.gitkeep", "site.json"]
    assert fixture_manifest(project) == {"portal": "hatinh", "province": "Hà Tĩnh", "layout": "hatinh",
                                         "base_url": "https://soyte.hatinh.gov.vn", "start_urls": [LISTING, SITEMAP],
                                         "pages": []}


def test_the_scaffolded_test_module_has_every_portals_shape(project):
    ok(run(project, *NEW_HATINH))
    probe = ("import json, tests.test_hatinh as t; from tests.portal_suite import PortalSuite; "
             "print(json.dumps([t.TestHatinh.PORTAL, issubclass(t.TestHatinh, PortalSuite), t.TestHatinh.CHROME]))")
    assert json.loads(ok(python(project, probe)).stdout) == ["hatinh", True, []]


def test_a_planned_portal_with_an_unfinished_layout_is_listed_but_not_crawled(project, tmp_path):
    ok(run(project, *NEW_HATINH))
    active = ok(run(project, "portals", "--status", "active")).stdout.splitlines()
    assert [json.loads(line)["key"] for line in active] == OTHERS
    assert ok(run(project, "list", module="scrapy")).stdout.split() == sorted(OTHERS)
    crawl = run(project, "crawl", "hatinh", "--db", str(tmp_path / "a.db"))
    assert (crawl.returncode, crawl.stderr.splitlines()) == (2, [
        f"soyte crawl: cannot crawl hatinh (planned): its layout cannot read pages yet: "
        f"{project / 'spiders' / 'layouts' / 'hatinh.toml'}: a layout needs [article] title and body selectors"])


def test_an_active_portal_needs_a_layout_that_reads_pages(project):
    ok(run(project, *NEW_HATINH))
    registry = project / "scraper" / "portals.toml"  # activated by hand, past `soyte activate`'s checks
    text = registry.read_text(encoding="utf-8")
    block = text.index("[hatinh]")
    registry.write_text(text[:block] + text[block:].replace('status = "planned"', 'status = "active"', 1),
                        encoding="utf-8")
    # The layout is that portal's problem, not the registry's: the others are listed and crawled.
    assert ok(run(project, "portals", "--status", "active")).stdout.count('"key"') == len(OTHERS) + 1
    result = run(project, "crawl", "hatinh", "--db", str(project / "a.db"))
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte crawl: cannot crawl hatinh (active): its layout does not load: "
        f"{project / 'spiders' / 'layouts' / 'hatinh.toml'}: a layout needs [article] title and body selectors"])


def test_new_portal_like_fills_in_the_planned_province_and_names_the_shared_layout(project):
    result = ok(run(project, "new-portal", "tuyenquang", "--host", "https://soytetuyenquang.gov.vn",
                    "--like", "hagiang"))
    report = json.loads(result.stdout)
    assert (report["filled_planned"], report["written"]) == (True, [
        "tests/test_tuyenquang.py", "tests/fixtures/tuyenquang/site.json", "scraper/portals.toml"])
    text = (project / "scraper" / "portals.toml").read_text(encoding="utf-8")
    assert text.count("[tuyenquang]") == 1
    entry = tomllib.loads(text)["tuyenquang"]
    # The verified host and how it was verified are kept, word for word.
    assert entry == {
        "province": "Tuyên Quang", "host": "soytetuyenquang.gov.vn", "layout": "hagiang",
        "start_urls": ["https://soytetuyenquang.gov.vn/"], "status": "planned",
        "host_verified": True, "host_source": "http://soytetuyenquang.gov.vn/ke-hoach-y-te",
        "host_source_date": "2021-08", "host_note": VERIFIED_NOTE,
        "notes": "Since 2025-07-01 includes the former Hà Giang. "
                 f"Scaffolded with the hagiang layout by soyte new-portal on {TODAY}: "
                 'set status = "active" once tests/test_tuyenquang.py passes.'}
    assert not (project / "spiders" / "layouts" / "tuyenquang.toml").exists()
    # Sharing a layout: the new portal has its own spider, reading pages with Hà Giang's layout.
    probe = ("import json; from spiders.loader import PortalSpiderLoader as L; s = L().load('tuyenquang'); "
             "print(json.dumps([s.name, s.layout.name]))")
    assert json.loads(ok(python(project, probe)).stdout) == ["tuyenquang", "hagiang"]


VERIFIED_NOTE = ("The department's own 'Kế hoạch y tế' page (quoting the province's plan 123/KH-UBND of 2021-08-04). "
                 "The host has no dot: soytetuyenquang, not soyte.tuyenquang. Whether the merged province (with Hà "
                 "Giang) kept it after 2025-07-01 is not known.")


def test_new_portal_refuses_to_replace_a_verified_host_unless_told(project):
    before = (project / "scraper" / "portals.toml").read_bytes()
    refused = run(project, "new-portal", "tuyenquang", "--host", "https://soyte.tuyenquang.gov.vn", "--like", "hagiang")
    assert (refused.returncode, refused.stderr.splitlines()) == (2, [
        "soyte new-portal: tuyenquang's host soytetuyenquang.gov.vn is verified "
        "(http://soytetuyenquang.gov.vn/ke-hoach-y-te, 2021-08), not soyte.tuyenquang.gov.vn: "
        "pass --host https://soytetuyenquang.gov.vn, or --change-host if the department has moved "
        "(then verify the new host: docs/ADDING_A_PORTAL.md)"])
    assert (project / "scraper" / "portals.toml").read_bytes() == before
    assert not (project / "tests" / "fixtures" / "tuyenquang").exists()
    # Told, it takes the new host as unverified and keeps the old evidence in the note.
    ok(run(project, "new-portal", "tuyenquang", "--host", "https://soyte.tuyenquang.gov.vn", "--like", "hagiang",
           "--change-host"))
    entry = tomllib.loads((project / "scraper" / "portals.toml").read_text(encoding="utf-8"))["tuyenquang"]
    assert (entry["host"], entry["host_verified"]) == ("soyte.tuyenquang.gov.vn", False)
    assert "host_source" not in entry
    assert entry["host_note"] == (
        f"Host changed by soyte new-portal --change-host on {TODAY} from soytetuyenquang.gov.vn (verified: "
        f"http://soytetuyenquang.gov.vn/ke-hoach-y-te, 2021-08): verify soyte.tuyenquang.gov.vn and record its "
        f"source. {VERIFIED_NOTE}")


@pytest.mark.parametrize("args, message", [
    (("bacninh", "--host", "https://soyte.bacninh.gov.vn"),
     "portal 'bacninh' already exists in portals.toml (status active, layout liferay-bacninh): choose another key"),
    (("kiengiang", "--host", "https://soyte.kiengiang.gov.vn"),
     "portal 'kiengiang' already exists in portals.toml (status retired, layout none): choose another key"),
    (("HaTinh", "--host", "https://soyte.hatinh.gov.vn"),
     "portal key 'HaTinh' must be ASCII lower-case letters and digits, e.g. tuyenquang"),
    (("hàtĩnh", "--host", "https://soyte.hatinh.gov.vn"),
     "portal key 'hàtĩnh' must be ASCII lower-case letters and digits, e.g. tuyenquang"),
    (("ha-tinh", "--host", "https://soyte.hatinh.gov.vn"),
     "portal key 'ha-tinh' must be ASCII lower-case letters and digits, e.g. tuyenquang"),
    (("hatinhmoi", "--host", "https://soyte.bacninh.gov.vn", "--province", "Hà Tĩnh"),
     "host soyte.bacninh.gov.vn already belongs to portal 'bacninh': retire or change that entry first"),
    (("hatinh", "--host", "https://soyte.hatinh.gov.vn", "--like", "joomla"),
     f"no layout 'joomla' to read the portal with; layouts: {', '.join(LAYOUTS_BUT_HATINH)}"),
    (("hatinh", "--host", "https://soyte.hatinh.gov.vn"),
     "give the province as written in Vietnamese: --province 'Tuyên Quang'"),
])
def test_new_portal_refuses_with_one_line_and_writes_nothing(untouched, args, message):
    before = (untouched / "scraper" / "portals.toml").read_bytes()
    layouts = sorted((untouched / "spiders" / "layouts").glob("*.toml"))
    result = run(untouched, "new-portal", *args)
    assert (result.returncode, result.stderr.splitlines()) == (2, [f"soyte new-portal: {message}"])
    assert (untouched / "scraper" / "portals.toml").read_bytes() == before
    assert fixture_folders(untouched) == fixture_folders(ROOT)  # none made
    assert sorted((untouched / "spiders" / "layouts").glob("*.toml")) == layouts
    assert [path.stem for path in layouts] == LAYOUTS_BUT_HATINH


def test_pages_are_saved_only_for_a_scaffolded_portal(untouched):
    result = run(untouched, "save-page", "https://soyte.tuyenquang.gov.vn/", "--portal", "tuyenquang")
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        "soyte save-page: tuyenquang has no layout yet: "
        "run soyte new-portal tuyenquang --host https://soytetuyenquang.gov.vn first"])
    assert fixture_folders(untouched) == fixture_folders(ROOT)


def test_generated_test_fails_with_the_next_step_until_fixtures_exist(project):
    ok(run(project, *NEW_HATINH))
    result = run_pytest(project, "tests/test_hatinh.py")
    assert result.returncode == 1
    assert ("no fixtures yet: run soyte save-page URL --portal hatinh (a listing page and a few articles), then "
            "soyte expect hatinh, and check the records it writes in tests/fixtures/hatinh/expected/") in result.stdout


def test_save_page_keeps_the_bytes_and_headers_the_real_host_served(project, replay_server):
    ok(run(project, *NEW_HATINH))
    capture_hatinh(project, replay_server.url)
    pages = fixture_manifest(project)["pages"]
    assert [(p["url"], p["file"], p["kind"], p["status"], p["content_type"]) for p in pages] == [
        (LISTING, "pages/tin-tuc-su-kien.html", "listing", 200, "text/html; charset=utf-8"),
        (LISTING_2, "pages/trang-2.html", "listing", 200, "text/html; charset=utf-8"),
    ] + [(article.url, f"pages/{name}", "article", 200, "text/html; charset=utf-8")
         for article, name in zip(ARTICLES, ARTICLE_FILES)] + [
        (SITEMAP, "pages/sitemap.xml", "sitemap", 200, "application/xml"),
        ("https://soyte.hatinh.gov.vn/robots.txt", "pages/robots.txt", "robots", 200, "text/plain; charset=utf-8")]
    assert {name for p in pages for name in p["headers"]} == {"server", "etag", "last-modified", "content-type"}
    served = {page.url: page.body() for page in HATINH_PAGES if page.kind not in ("snapshot", "document", "image")}
    folder = project / "tests" / "fixtures" / "hatinh"
    assert {p["url"]: (folder / p["file"]).read_bytes() for p in pages} == served
    # Every request reached the replay server as a request for the real host.
    assert {(host, status) for host, _path, status in replay_server.requests} == {("soyte.hatinh.gov.vn", 200)}


def test_saving_a_page_again_replaces_its_capture(project, replay_server):
    ok(run(project, *NEW_HATINH))
    ok(run(project, "save-page", LISTING, "--portal", "hatinh", "--replay", replay_server.url))
    replay_server.set_page(LISTING, b"<html>changed</html>")
    ok(run(project, "save-page", LISTING, "--portal", "hatinh", "--replay", replay_server.url))
    assert [p["file"] for p in fixture_manifest(project)["pages"]] == ["pages/tin-tuc-su-kien.html"]
    assert (project / "tests/fixtures/hatinh/pages/tin-tuc-su-kien.html").read_bytes() == b"<html>changed</html>"


def test_save_page_saves_nothing_for_an_error_status_or_another_host(project, replay_server):
    ok(run(project, *NEW_HATINH))
    missing = run(project, "save-page", "https://soyte.hatinh.gov.vn/khong-co", "--portal", "hatinh",
                  "--replay", replay_server.url)
    assert (missing.returncode, missing.stderr.splitlines()) == (
        1, ["soyte save-page: https://soyte.hatinh.gov.vn/khong-co answered HTTP 404; nothing saved"])
    elsewhere = run(project, "save-page", "https://soyte.bacninh.gov.vn/tin-tuc-su-kien", "--portal", "hatinh",
                    "--replay", replay_server.url)
    assert (elsewhere.returncode, elsewhere.stderr.splitlines()) == (2, [
        "soyte save-page: https://soyte.bacninh.gov.vn/tin-tuc-su-kien is not on hatinh's host soyte.hatinh.gov.vn: "
        "fix the URL, or the host in the registry if the portal moved"])
    assert fixture_manifest(project)["pages"] == []


def test_expect_drafts_generic_records_until_the_layout_reads_pages_and_keeps_corrections(project, replay_server):
    ok(run(project, *NEW_HATINH))
    capture_hatinh(project, replay_server.url)
    drafts = ok(run(project, "expect", "hatinh"))
    # The generic extractor drafts all four, the short one too (156 characters of text).
    assert [(r["status"], r.get("extraction")) for r in map(json.loads, drafts.stdout.splitlines())] == [
        ("written", "generic")] * 4
    assert "records marked generic are the generic extractor's drafts" in drafts.stderr
    folder = project / "tests" / "fixtures" / "hatinh"
    files = {p["url"]: p["file"] for p in fixture_manifest(project)["pages"]}
    first = folder / "expected" / f"{Path(files[ARTICLES[0].url]).stem}.json"
    assert json.loads(first.read_text(encoding="utf-8"))["title"] == bundled_expected(ARTICLES[0].url)["title"]

    write_hatinh_layout(project)
    kept = [json.loads(line) for line in ok(run(project, "expect", "hatinh")).stdout.splitlines()]
    assert [report["status"] for report in kept] == ["kept"] * 4
    forced = [json.loads(line) for line in ok(run(project, "expect", "hatinh", "--force")).stdout.splitlines()]
    assert [(r["status"], r["extraction"]) for r in forced] == [("written", "layout")] * 4
    for page in ARTICLES:
        expected = folder / "expected" / f"{Path(files[page.url]).stem}.json"
        assert json.loads(expected.read_text(encoding="utf-8")) == page.expected


def put_expected_records(project: Path) -> None:
    """The records a person checked and corrected (here: the bundled portal's)."""
    folder = project / "tests" / "fixtures" / "hatinh"
    for page in fixture_manifest(project)["pages"]:
        if page["kind"] == "article":
            (folder / "expected" / f"{Path(page['file']).stem}.json").write_text(
                json.dumps(bundled_expected(page["url"]), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def test_generated_test_passes_with_captured_pages_expected_records_and_the_layout(project, replay_server):
    ok(run(project, *NEW_HATINH))
    capture_hatinh(project, replay_server.url)
    put_expected_records(project)
    without_layout = run_pytest(project, "tests/test_hatinh.py")
    assert without_layout.returncode == 1
    assert "cannot crawl hatinh (planned): its layout cannot read pages yet" in without_layout.stdout

    write_hatinh_layout(project)
    result = run_pytest(project, "tests/test_hatinh.py")
    assert result.returncode == 0, result.stdout[-3000:]
    # captured with expected records, 4 articles extracted, 7 checks of two crawls of the fixture folder
    assert re.search(r"\b12 passed\b", result.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_planned_portal_named_is_crawled_from_its_served_fixture_folder_with_a_warning(project, replay_server,
                                                                                       tmp_path):
    ok(run(project, *NEW_HATINH))
    capture_hatinh(project, replay_server.url)
    write_hatinh_layout(project)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(project)}
    server = subprocess.Popen([sys.executable, "-m", "scraper.cli", "serve-portals", "tests/fixtures/hatinh",
                               "--port", str(port)], cwd=project, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr.readline().startswith(f"serving hatinh at http://127.0.0.1:{port}")
        crawl = ok(run(project, "crawl", "hatinh", "--db", str(tmp_path / "a.db"), "--replay",
                       f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert ('warning: hatinh is planned, not active yet: crawled because it was named (set status = "active" in the '
            'registry once its tests pass)') in crawl.stderr.splitlines()
    run_row = json.loads(crawl.stdout)
    # errors: Hà Tĩnh's attachments and images were not captured, each answers 404 once
    assert (run_row["portals"], run_row["status"], run_row["articles_new"], run_row["errors"]) == (
        "hatinh", "completed", 4, len(HATINH_ATTACHMENTS) + len(HATINH_IMAGES))
    assert (len(HATINH_ATTACHMENTS), len(HATINH_IMAGES)) == (2, 5)
    db = tmp_path / "a.db"
    with sqlite3.connect(db) as conn:
        urls = sorted(url for (url,) in conn.execute("SELECT url FROM articles"))
    assert urls == sorted(page.url for page in ARTICLES)


def test_activate_sets_only_the_status_of_a_ready_planned_portal(project):
    registry = project / "scraper" / "portals.toml"
    ok(run(project, *NEW_HATINH))
    unready = run(project, "activate", "hatinh")
    assert unready.returncode == 2
    assert unready.stderr.startswith("soyte activate: hatinh's layout cannot read pages yet (")
    assert unready.stderr.rstrip().endswith("): run soyte learn hatinh first")
    ok(run(project, "new-portal", "tuyenquang", "--host", "https://soytetuyenquang.gov.vn", "--like", "hagiang"))
    no_pages = run(project, "activate", "tuyenquang")
    assert (no_pages.returncode, no_pages.stderr) == (2, (
        "soyte activate: tuyenquang is not ready: no fixtures yet: run soyte save-page URL --portal tuyenquang "
        "(a listing page and a few articles), then soyte expect tuyenquang, and check the records it writes in "
        "tests/fixtures/tuyenquang/expected/\n"))
    write_hatinh_layout(project)
    copy_hatinh_fixtures(project)
    before = registry.read_text(encoding="utf-8").splitlines()
    activated = ok(run(project, "activate", "hatinh"))
    assert json.loads(activated.stdout) == {"portal": "hatinh", "status": "active", "layout": "hatinh"}
    after = registry.read_text(encoding="utf-8").splitlines()
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert (len(before), changed) == (len(after), [('status = "planned"', 'status = "active"')])
    again = run(project, "activate", "hatinh")
    assert (again.returncode, again.stderr) == (2, "soyte activate: hatinh is active, not planned: "
                                                   "only a planned portal is activated\n")


def test_an_activated_portal_is_crawled_with_the_others(project, replay_server, tmp_path):
    ok(run(project, *NEW_HATINH))
    write_hatinh_layout(project)
    copy_hatinh_fixtures(project)
    activate(project, "hatinh")
    crawl = ok(run(project, "crawl", "--db", str(tmp_path / "a.db"), "--replay", replay_server.url))
    run_row = json.loads(crawl.stdout)
    # activated, it comes last in the registry; errors: attachments no site serves (none: the demo portals serve all)
    assert (run_row["portals"], run_row["articles_new"], run_row["errors"]) == (
        ",".join(OTHERS + ["hatinh"]), len(bundled_articles()), len(unserved_attachment_urls()))
    assert "warning" not in crawl.stderr
