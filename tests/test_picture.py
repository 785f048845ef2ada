"""The picture of the project holds: spiders never import `archive/`, extracting a page needs
neither Scrapy nor Twisted. Each check runs in a fresh interpreter and reads its `sys.modules`."""
from __future__ import annotations

import json
import subprocess
import sys
from textwrap import dedent

from scraper.portals.registry import spider_portals
from tests.helpers import ROOT, article_cases

LOADED = "lambda *roots: sorted(m for m in sys.modules if m.split('.')[0] in roots)"


def fresh_python(code: str) -> dict:
    """Run `code` in a new interpreter at the project root; it prints one JSON object."""
    result = subprocess.run([sys.executable, "-c", dedent(code)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_spiders_never_import_the_archive():
    found = fresh_python(f"""
        import importlib, json, pkgutil, sys
        import spiders
        from spiders.loader import PortalSpiderLoader
        loaded = {LOADED}
        modules = [m.name for m in pkgutil.walk_packages(spiders.__path__, "spiders.")]
        for name in modules:
            importlib.import_module(name)
        loader = PortalSpiderLoader()
        spiders_made = [loader.load(key)(frontier=None).name for key in loader.list()]
        print(json.dumps({{"modules": modules, "spiders": spiders_made, "archive": loaded("archive")}}))
    """)
    assert found == {"modules": ["spiders.contracts", "spiders.documents", "spiders.listing_walk", "spiders.loader",
                                 "spiders.portal"],
                     "spiders": [portal.key for portal in spider_portals()], "archive": []}
    assert found["spiders"][:4] == ["bacninh", "hagiang", "angiang", "hatinh"]


def test_extracting_a_page_imports_neither_scrapy_nor_twisted(tmp_path):
    case = article_cases("hatinh")[0]
    found = fresh_python(f"""
        import contextlib, io, json, sys
        loaded = {LOADED}
        from scraper.portals.reading import extract_portal_page
        from scraper.portals.registry import get_portal
        body = open({str(case.path)!r}, "rb").read()
        record = extract_portal_page(body, {case.url!r}, get_portal("hatinh"), {case.content_type!r}).record
        after_function = loaded("scrapy", "twisted")
        from scraper.cli.main import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["extract", {str(case.path)!r}, "--url", {case.url!r}])
        after_command = loaded("scrapy", "twisted")
        with contextlib.redirect_stdout(io.StringIO()):
            from archive.store import Archive
            Archive({str(tmp_path / "a.db")!r}).close()
            reextract = main(["reextract", "--db", {str(tmp_path / "a.db")!r}])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            learn = main(["learn", "cantho", "--dry-run"])
        print(json.dumps({{"title": record["title"], "status": status, "printed": json.loads(out.getvalue()),
                          "after_function": after_function, "after_command": after_command,
                          "reextract": reextract, "after_reextract": loaded("scrapy", "twisted"),
                          "learn": learn, "after_learn": loaded("scrapy", "twisted")}}))
    """)
    assert found == {"title": case.expected["title"], "status": 0, "printed": case.expected,
                     "after_function": [], "after_command": [], "reextract": 0, "after_reextract": [],
                     "learn": 0, "after_learn": []}
