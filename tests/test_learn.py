"""`soyte learn`: layouts learnt from a few annotated pages reproduce the rest of the portal.

For every bundled portal the learner sees only its listings and a few articles that together
show every field the portal uses, and must give exactly the expected records of the others.
"""
from __future__ import annotations

import json
import shutil

import pytest

from scraper.extraction.layouts import dump_layout, load_layout, parse_layout
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify
from scraper.model import PAGE_KEYS as RECORD_FIELDS
from scraper.portals.registry import DEMO_PORTALS
from tests.helpers import soyte

PORTALS = ["bacninh", "hagiang", "angiang", "hatinh", "thanhhoa", "nghean", "quangninh", "cantho"]
FILLED = [f for f in RECORD_FIELDS if f not in ("url", "title", "text")]


def covering_examples(portal: str, most: int = 3) -> list[str]:
    """A few article pages that together show every field the portal's records fill, with values
    as different as they come (two articles of one category cannot tell a breadcrumb from the
    menu's active item): what a maintainer annotates first. Greedy, in file order."""
    _manifest, examples, _listings = read_examples(DEMO_PORTALS / portal)
    served = [ex for ex in examples if ex.name in {p.stem for p in (DEMO_PORTALS / portal / "expected").glob("*.json")}]

    def shown(ex) -> set[tuple[str, str]]:
        return {(f, json.dumps(ex.expected[f], ensure_ascii=False)) for f in FILLED
                if ex.expected.get(f) not in (None, [], "")}
    fields = {f for ex in served for f, _ in shown(ex)}
    chosen: list = []
    while len(chosen) < most and len(chosen) < len(served) - 1:
        seen = set().union(*(shown(ex) for ex in chosen)) if chosen else set()
        missing = fields - {f for f, _ in seen}
        best = max((ex for ex in served if ex not in chosen),
                   key=lambda ex: (len({f for f, _ in shown(ex)} & missing), len(shown(ex) - seen), -served.index(ex)))
        chosen.append(best)
    return [ex.name for ex in chosen]


@pytest.mark.parametrize("portal", PORTALS)
def test_learnt_on_a_few_articles_the_layout_reproduces_the_others(portal):
    train = covering_examples(portal)
    learnt = learn_layout(DEMO_PORTALS / portal, f"learnt-{portal}", only=train)
    _manifest, examples, _listings = read_examples(DEMO_PORTALS / portal)
    unseen = [ex for ex in examples if ex.name not in train]
    assert len(train) <= 3 and unseen, "a few articles teach, the others check"
    assert learnt.problems == []
    assert verify(learnt.layout, unseen) == []


@pytest.mark.parametrize("portal", PORTALS)
def test_the_learnt_listing_rules_find_the_manifests_articles_and_pages(portal):
    from scraper.extraction.pages import page_classes

    learnt = learn_layout(DEMO_PORTALS / portal, f"learnt-{portal}")
    manifest = json.loads((DEMO_PORTALS / portal / "site.json").read_text(encoding="utf-8"))
    articles = {p["url"] for p in manifest["pages"] if p["kind"] == "article"}
    listing_class = page_classes(learnt.layout)[1]
    found, others = set(), set()
    for entry in manifest["pages"]:
        if entry["kind"] == "listing":
            page = listing_class((DEMO_PORTALS / portal / entry["file"]).read_bytes(), entry["url"], entry["content_type"])
            assert page.has_listing()
            links = {u for u in page.article_urls()}
            from w3lib.url import url_query_cleaner
            links = {url_query_cleaner(u, learnt.layout.drop_params, remove=True) for u in links}
            found |= links & articles
            others |= links - articles
    assert found == articles
    assert others == set()


def test_learning_is_deterministic(tmp_path):
    first = dump_layout(learn_layout(DEMO_PORTALS / "quangninh", "wordpress-quangninh").layout)
    second = dump_layout(learn_layout(DEMO_PORTALS / "quangninh", "wordpress-quangninh").layout)
    assert first == second
    assert parse_layout(__import__("tomllib").loads(first), "wordpress-quangninh") == parse_layout(
        __import__("tomllib").loads(second), "wordpress-quangninh")


def test_the_bundled_learnt_layouts_are_what_learn_writes():
    """The four learnt portals' layout files were written by `soyte learn` and not edited since."""
    for portal, name in [("thanhhoa", "dnn-thanhhoa"), ("nghean", "sharepoint-nghean"),
                         ("quangninh", "wordpress-quangninh"), ("cantho", "joomla-cantho")]:
        learnt = learn_layout(DEMO_PORTALS / portal, name, description=f"learnt from {portal}/ by soyte learn")
        assert dump_layout(learnt.layout) == load_layout(name).path.read_text(encoding="utf-8")


@pytest.mark.e2e
def test_a_record_that_contradicts_its_page_makes_learn_exit_1_naming_field_and_page(tmp_path):
    folder = tmp_path / "cantho"
    shutil.copytree(DEMO_PORTALS / "cantho", folder)
    expected = folder / "expected" / "cantho-2.json"
    record = json.loads(expected.read_text(encoding="utf-8"))
    record["title"] = "Một tiêu đề không có trên trang"
    expected.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = soyte("learn", "cantho", "--folder", str(folder), "--layout", "contradicted", "--dry-run", check=False)
    assert result.returncode == 1
    assert 'title: cantho-2: expected "Một tiêu đề không có trên trang"' in result.stderr


@pytest.mark.e2e
def test_learn_writes_a_layout_file_that_loads(tmp_path, monkeypatch):
    result = soyte("learn", "nghean", "--layout", "sharepoint-nghean", "--dry-run")
    layout = parse_layout(__import__("tomllib").loads(result.stdout), "sharepoint-nghean")
    assert layout.article["body"] and layout.listing["articles"]
    assert "every expected record is reproduced" in result.stderr
    assert "published: {'published_text': ['span.news-date']}" in result.stderr


@pytest.mark.e2e
def test_a_portal_captured_and_annotated_is_learnt_registered_and_crawled_in_a_copy(tmp_path):
    """The maintainer's flow on a project that has never seen Hà Tĩnh: its captured pages and
    corrected records go into tests/fixtures/hatinh/, `soyte learn hatinh` writes the layout and
    registers the portal (planned), and a crawl of the folder served by serve-portals stores
    exactly its articles."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from tests.helpers import query, served_articles
    from tests.project_copy import copy_project, ok, run

    project = copy_project(tmp_path / "project")
    folder = project / "tests" / "fixtures" / "hatinh"
    shutil.copytree(DEMO_PORTALS / "hatinh", folder)
    learnt = ok(run(project, "learn", "hatinh"))
    assert "every expected record is reproduced" in learnt.stderr
    assert "registered hatinh (planned) with layout hatinh" in learnt.stderr
    assert (project / "spiders" / "layouts" / "hatinh.toml").is_file()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "scraper.cli", "serve-portals", "--port", str(port), str(folder)],
                              cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        db = tmp_path / "archive.db"
        crawl = run(project, "crawl", "hatinh", "--db", str(db), "--replay", f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert "warning: hatinh is planned, not active yet" in crawl.stderr
    stored = {row["url"]: row["title"] for row in query(db, "SELECT url, title FROM articles")}
    assert stored == {record["url"]: record["title"] for record in served_articles("hatinh")}


def test_learning_logs_no_warning_for_candidates_that_are_not_dates(caplog):
    """Learning tries every text as a date; those that are not one are not news (nor thousands of lines)."""
    import logging

    with caplog.at_level(logging.WARNING):
        learn_layout(DEMO_PORTALS / "hatinh", "learnt-hatinh")
    assert [record.getMessage() for record in caplog.records if record.name == "scraper.dates"] == []
