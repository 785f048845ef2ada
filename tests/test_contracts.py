"""Spider contracts: every portal's first listing page and an article, checked offline with `soyte check`.

The contracts are written from each portal's reference pages by the spider loader (spiders/loader.py)."""
from __future__ import annotations

import pytest

from scraper.portals.registry import spider_portals
from tests.helpers import ROOT
from tests.project_copy import copy_project, run

# One spider per portal with a layout that reads pages (the bundled portals, and any planned
# portal whose layout is written).
SPIDERS = tuple(portal.key for portal in spider_portals())


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "soyte")


@pytest.mark.e2e
def test_contracts_hold_for_every_spider():
    result = run(ROOT, "check", "--verbose")  # reads the repository, writes nothing
    assert result.returncode == 0, result.stderr[-3000:]
    lines = sorted(line for line in result.stderr.splitlines() if line.endswith(" ... ok"))
    assert lines == sorted(
        f"[{spider}] {line} ... ok" for spider in SPIDERS for line in (
            "parse_listing (@returns post-hook)", "parse_listing (@returns post-hook)",
            "parse_article (@returns post-hook)", "parse_article (@returns post-hook)",
            "parse_article (@scrapes post-hook)"))
    assert f"Ran {5 * len(SPIDERS)} contracts" in result.stderr


@pytest.mark.e2e
def test_contracts_fail_when_the_layout_rules_no_longer_match(project):
    """The generic extractor would still save the article in a crawl; a contract must not pass on it."""
    layout = project / "spiders" / "layouts" / "angiang-wps.toml"
    text = layout.read_text(encoding="utf-8")
    text = text.replace('body = [".wcm-detail .news-content"]', 'body = [".wcm-detail .gone"]')
    layout.write_text(text.replace('container = [".wcm-list"]', 'container = [".wcm-gone"]'), encoding="utf-8")
    result = run(project, "check", "angiang")
    assert result.returncode == 1
    article = ("https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong/"
               "an-giang-trien-khai-chien-dich-uong-vac-xin-bai-liet-bo-sung-cho-tre-duoi-5-tuoi")  # first in site.json
    failures = [line for line in result.stderr.splitlines() if line.startswith(("ERROR:", "FAIL:", "scrapy.exc"))]
    assert sorted(failures) == sorted([
        "ERROR: [angiang] parse_article (callback)",
        "ERROR: [angiang] parse_listing (callback)",
        "scrapy.exceptions.ContractFail: angiang: the layout's rules failed (the generic extractor saved the "
        f"article): angiang-wps: no body at ['.wcm-detail .gone'] in {article}",
        "scrapy.exceptions.ContractFail: angiang: listing container not found"])


@pytest.mark.e2e
def test_scrapy_sees_one_spider_per_portal_with_a_layout():
    result = run(ROOT, "list", module="scrapy")
    assert (result.returncode, result.stdout.split()) == (0, sorted(SPIDERS))
    assert {"angiang", "bacninh", "hagiang", "hatinh"} <= set(SPIDERS)


def test_a_listing_contract_expects_what_the_layout_finds_on_the_page(monkeypatch):
    """Bắc Ninh's first listing page links two articles and two further listing pages."""
    from spiders.loader import PortalSpiderLoader

    monkeypatch.setenv("SCRAPY_CHECK", "true")  # as `scrapy check` sets it while it loads spiders
    spider = PortalSpiderLoader().load("bacninh")
    assert spider.parse_listing.__doc__.splitlines()[2:] == [
        "@url https://soyte.bacninh.gov.vn/tin-tuc-su-kien", '@cb_kwargs {"portal": "bacninh"}',
        "@returns items 0 0", "@returns requests 4 4"]
    assert (spider.name, spider.layout.name) == ("bacninh", "liferay-bacninh")


def test_a_crawling_spider_carries_no_contracts():
    from spiders.loader import PortalSpiderLoader
    from spiders.portal import PortalSpider

    assert PortalSpiderLoader().load("hatinh").parse_listing is PortalSpider.parse_listing
