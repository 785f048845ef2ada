"""`soyte learn` cannot break the registry, and one portal's layout cannot stop the others.

Every test runs the real commands in a whole copy of the project (Hà Tĩnh included), since
`learn` writes into the project it runs in: a refused or failed learn must leave
spiders/layouts/ and the registry byte for byte as they were, and a layout file that does not
load must cost only its own portal — the registry loads, the other portals extract and crawl, and
the broken one is reported (its own alarm in a crawl of every portal, exit 2 when named).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scraper.portals.registry import DEMO_PORTALS, get_portal
from scraper.portals.replay import ReplayServer, site_folders
from scraper.portals.sites import Site
from tests.helpers import ROOT, active_bundled_portals, query, served_articles
from tests.project_copy import COPY_IGNORES, run

pytestmark = pytest.mark.e2e  # `soyte` in a subprocess in a copy of the project, crawls

NAME_RULE = ("is not a layout name: ASCII lower-case letters and digits, words joined by dashes, at most 64 "
             "characters (e.g. liferay-bacninh)")
TITLE_AND_BODY = "a layout needs [article] title and body selectors"
# What the old `learn thanhhoa` wrote when one expected text was not on its page: no body selector.
NO_BODY_LAYOUT = 'name = "dnn-thanhhoa"\n\n[article]\ntitle = ["td.NewsTitle"]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The whole project (every bundled portal, Hà Tĩnh too), copied: learn writes into it."""
    return Path(shutil.copytree(ROOT, tmp_path / "project", ignore=COPY_IGNORES))


def layout_files(project: Path) -> dict[str, bytes]:
    """spiders/layouts/ as it is on disk, every file (a leftover FILE.part too)."""
    return {path.name: path.read_bytes() for path in sorted((project / "spiders" / "layouts").iterdir())}


def untouched(project: Path) -> dict[str, bytes]:
    """What a refused or failed learn must leave as it was: the layout files and the registry."""
    return {**layout_files(project), "portals.toml": (project / "scraper" / "portals.toml").read_bytes()}


def edit_record(folder: Path, page: str, **fields: object) -> Path:
    path = folder / "expected" / f"{page}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**record, **fields}, ensure_ascii=False), encoding="utf-8")
    return path


def assert_hatinh_crawls(project: Path, db: Path) -> None:
    """`soyte crawl hatinh` in the copy, against its pages on 127.0.0.1: every article stored, and
    the run's request count is the server's (nothing asked twice, nothing of another portal)."""
    with ReplayServer(folders=[project / "scraper" / "demo_portals" / "hatinh"]) as server:
        result = run(project, "crawl", "hatinh", "--db", str(db), "--replay", server.url, "--quiet")
        served = server.count()
    assert result.returncode == 0, result.stderr[-2000:]
    crawl_run = json.loads(result.stdout)
    assert (crawl_run["status"], crawl_run["articles_new"], crawl_run["errors"], crawl_run["requests"]) == (
        "completed", len(served_articles("hatinh")), 0, served)
    assert {row["url"] for row in query(db, "SELECT url FROM articles")} == {
        record["url"] for record in served_articles("hatinh")}


def assert_hatinh_extracts(project: Path) -> None:
    page = next(page for page in Site(project / "scraper" / "demo_portals" / "hatinh").article_cases()
                if page.kind == "article")
    result = run(project, "extract", str(page.path), "--url", page.url)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr[-2000:]
    assert json.loads(result.stdout) == page.expected


def test_a_learn_that_cannot_reproduce_a_record_writes_nothing_and_every_portal_still_works(project, tmp_path):
    thanhhoa = project / "scraper" / "demo_portals" / "thanhhoa"
    expected = edit_record(thanhhoa, "thanhhoa-1", text="Một đoạn văn không có trên trang.\n\n" + json.loads(
        (thanhhoa / "expected" / "thanhhoa-1.json").read_text(encoding="utf-8"))["text"])
    before = untouched(project)
    result = run(project, "learn", "thanhhoa")
    layout = project / "spiders" / "layouts" / "dnn-thanhhoa.toml"
    assert result.returncode == 1
    assert "  record: thanhhoa-1: dnn-thanhhoa: no body at None in " in result.stderr
    assert f"  layout: dnn-thanhhoa: {TITLE_AND_BODY}" in result.stderr
    assert result.stderr.splitlines()[-1] == f"nothing written: {layout} and the registry are as they were"
    assert "wrote " not in result.stderr
    assert untouched(project) == before
    assert_hatinh_crawls(project, tmp_path / "a.db")
    assert_hatinh_extracts(project)
    # The record corrected, the same command writes the file (whole, renamed into place): the bundled one.
    shutil.copy(DEMO_PORTALS / "thanhhoa" / "expected" / "thanhhoa-1.json", expected)
    again = run(project, "learn", "thanhhoa")
    assert again.returncode == 0, again.stderr[-2000:]
    *_, wrote, reproduced = again.stderr.splitlines()
    assert wrote.startswith(f"wrote {layout} in ") and reproduced == "every expected record is reproduced"
    assert untouched(project) == before


@pytest.mark.parametrize("field, value, problem", [
    ("title", 5, "field 'title' must be text, not 5"),
    ("images", "x", 'field \'images\' must be a list of {"url", "caption"} objects, not "x"'),
    ("views", "many", 'field \'views\' must be a whole number or null, not "many"'),
    ("attachments", [{"url": 3, "title": "Kế hoạch"}],
     'field \'attachments\' must be a list of {"url", "title"} objects, not [{"url": 3, "title": "Kế hoạch"}]'),
    ("titel", "Năm 2023", "unknown field 'titel' (the fields: url, portal, province, title, published, category, "
                          "sapo, text, author, source, views, images, attachments)"),
])
def test_an_expected_record_with_a_field_of_the_wrong_type_is_one_line_and_exit_2(project, field, value, problem):
    expected = edit_record(project / "scraper" / "demo_portals" / "thanhhoa", "thanhhoa-1", **{field: value})
    before = untouched(project)
    result = run(project, "learn", "thanhhoa")
    assert (result.returncode, result.stderr.splitlines()) == (2, [f"soyte learn: {expected}: {problem}"])
    assert untouched(project) == before


def test_an_expected_record_that_is_not_json_is_one_line_and_exit_2(project):
    expected = project / "scraper" / "demo_portals" / "thanhhoa" / "expected" / "thanhhoa-2.json"
    expected.write_text('{"title": "Sốt xuất huyết",', encoding="utf-8")
    before = untouched(project)
    result = run(project, "learn", "thanhhoa")
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte learn: {expected}: not JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 28 (char 27)"])
    assert untouched(project) == before


def test_learn_refuses_the_pages_of_another_portal(project, tmp_path):
    thanhhoa = project / "scraper" / "demo_portals" / "thanhhoa"
    before = untouched(project)
    named = run(project, "learn", "hatinh", "--folder", str(thanhhoa))
    assert (named.returncode, named.stderr.splitlines()) == (2, [
        f"soyte learn: {thanhhoa / 'site.json'} is the pages of portal 'thanhhoa', not 'hatinh': learn thanhhoa "
        "from them, or pass the folder of hatinh's pages"])
    # A manifest that names no portal is still known by its host.
    unnamed = Path(shutil.copytree(thanhhoa, tmp_path / "captured"))
    manifest = json.loads((unnamed / "site.json").read_text(encoding="utf-8"))
    del manifest["portal"]
    (unnamed / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    by_host = run(project, "learn", "hatinh", "--folder", str(unnamed))
    assert (by_host.returncode, by_host.stderr.splitlines()) == (2, [
        f"soyte learn: the pages in {unnamed} are of soyte.thanhhoa.gov.vn, portal 'thanhhoa''s host, not "
        "'hatinh''s: learn thanhhoa from them, or pass the folder of hatinh's pages"])
    assert untouched(project) == before
    assert_hatinh_crawls(project, tmp_path / "a.db")


def test_learn_refuses_to_write_a_layout_another_portal_is_read_with(project, tmp_path):
    before = untouched(project)
    result = run(project, "learn", "thanhhoa", "--layout", "hatinh")
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        "soyte learn: layout 'hatinh' is the layout of hatinh, not of thanhhoa: learn thanhhoa under a layout "
        "name of its own (--layout thanhhoa) and nothing is overwritten"])
    assert untouched(project) == before
    assert_hatinh_crawls(project, tmp_path / "a.db")


@pytest.mark.parametrize("given", ["../../../x", "ABSOLUTE", "Dnn_ThanhHoa"])
def test_a_layout_name_from_the_command_line_that_is_no_file_name_is_refused(project, tmp_path, given):
    name = str(tmp_path / "x") if given == "ABSOLUTE" else given
    before = untouched(project)
    result = run(project, "learn", "thanhhoa", "--layout", name)
    assert (result.returncode, result.stderr.splitlines()) == (2, [f"soyte learn: --layout: {name!r} {NAME_RULE}"])
    assert untouched(project) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["project"]  # no x.toml beside it


def test_a_layout_name_from_site_json_that_leads_outside_the_layouts_is_refused(project, tmp_path):
    """A captured portal not in the registry takes its layout's name from its site.json."""
    folder = project / "tests" / "fixtures" / "thunghiem"
    shutil.copytree(project / "scraper" / "demo_portals" / "thanhhoa", folder)
    text = (folder / "site.json").read_text(encoding="utf-8").replace("soyte.thanhhoa.gov.vn", "soyte.thunghiem.example")
    manifest = {**json.loads(text), "portal": "thunghiem", "layout": "../../../x"}
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    before = untouched(project)
    result = run(project, "learn", "thunghiem")
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte learn: {folder / 'site.json'}: '../../../x' {NAME_RULE}"])
    assert untouched(project) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["project"]


def test_a_layout_that_does_not_load_is_its_portals_problem_only(project, tmp_path):
    """The file the old `learn thanhhoa` wrote: the registry still loads, Hà Tĩnh crawls and extracts,
    and every command about Thanh Hóa says in one line what is wrong with its layout."""
    layout = project / "spiders" / "layouts" / "dnn-thanhhoa.toml"
    layout.write_text(NO_BODY_LAYOUT, encoding="utf-8")
    problem = f"its layout does not load: {layout}: {TITLE_AND_BODY}"
    assert_hatinh_crawls(project, tmp_path / "a.db")
    assert_hatinh_extracts(project)
    crawl = run(project, "crawl", "thanhhoa", "--db", str(tmp_path / "b.db"))
    assert (crawl.returncode, crawl.stderr.splitlines()) == (2, [
        f"soyte crawl: cannot crawl thanhhoa (active): {problem}"])
    assert not (tmp_path / "b.db").exists()
    page = Site(project / "scraper" / "demo_portals" / "thanhhoa").article_cases()[0]
    extract = run(project, "extract", str(page.path), "--url", page.url)
    assert (extract.returncode, extract.stdout, extract.stderr.splitlines()) == (
        1, "", [f"extraction failed: thanhhoa: {problem}"])
    scrapy = run(project, "crawl", "thanhhoa", "-s", f"SOYTE_DB={tmp_path / 'c.db'}", module="scrapy")
    assert scrapy.returncode == 2 and "Traceback" not in scrapy.stderr
    assert scrapy.stderr.splitlines()[-1].endswith(
        f"[soyte] ERROR: Spider not found: thanhhoa ({layout}: {TITLE_AND_BODY}) (exit status 2)")
    check = run(project, "check")
    assert check.returncode == 1
    assert check.stderr.splitlines()[-1] == f"thanhhoa: {problem}"


def test_a_crawl_of_every_portal_crawls_the_others_and_raises_the_broken_ones_alarm(project, tmp_path):
    layout = project / "spiders" / "layouts" / "dnn-thanhhoa.toml"
    working = layout.read_bytes()
    layout.write_text(NO_BODY_LAYOUT, encoding="utf-8")
    problem = f"not crawled: its layout does not load: {layout}: {TITLE_AND_BODY}"
    db = tmp_path / "archive.db"
    others = [key for key in active_bundled_portals() if key != "thanhhoa"]
    thanhhoa_host = get_portal("thanhhoa").host
    fixtures = project / "tests" / "fixtures"  # every active portal's reference pages, as in the suite
    folders = site_folders(project / "scraper" / "demo_portals") + (site_folders(fixtures) if fixtures.is_dir() else [])
    with ReplayServer(folders=folders) as server:
        first = run(project, "crawl", "--db", str(db), "--replay", server.url, "--quiet")
        served = server.count()
        assert server.count(lambda host, path, status: host == thanhhoa_host) == 0
        assert first.returncode == 1, first.stderr[-2000:]
        crawl_run = json.loads(first.stdout)
        assert (crawl_run["status"], crawl_run["errors"], crawl_run["requests"], crawl_run["message"]) == (
            "alarm", 1, served, f"thanhhoa: {problem}")
        assert first.stderr.splitlines()[-1] == f"ALARM thanhhoa: {problem}"
        assert query(db, "SELECT portal, count(*) AS n FROM articles GROUP BY portal ORDER BY portal") == [
            {"portal": key, "n": len(served_articles(key))} for key in sorted(others)]
        assert query(db, "SELECT portal, problem, complete FROM portal_runs WHERE problem IS NOT NULL") == [
            {"portal": "thanhhoa", "problem": problem, "complete": 0}]
        assert query(db, "SELECT url, portal, reason FROM failures WHERE kind = 'layout'") == [
            {"url": get_portal("thanhhoa").start_urls[0], "portal": "thanhhoa", "reason": f"{layout}: {TITLE_AND_BODY}"}]
        # Layout repaired: the next run crawls Thanh Hóa whole; nothing of the other portals is fetched again.
        layout.write_bytes(working)
        second = run(project, "crawl", "--db", str(db), "--replay", server.url, "--quiet")
        assert second.returncode == 0, second.stderr[-2000:]
        crawl_run = json.loads(second.stdout)
        assert (crawl_run["status"], crawl_run["articles_new"], crawl_run["articles_updated"], crawl_run["errors"]) == (
            "completed", len(served_articles("thanhhoa")), 0, 0)
