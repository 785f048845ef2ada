"""What the test modules share: the bundled portals' pages and expected records, the replay server
of every portal's reference pages, `soyte` run as a real command (crawls need their own process:
Scrapy's reactor starts once) and reading or writing an archive with sqlite3. conftest.py holds only
pytest's fixtures and hooks, built on these."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from scraper.portals.registry import DEMO_PORTALS, get_portal, load_portals
from scraper.portals.replay import ReplayServer, site_folders
from scraper.portals.sites import PAGE_KINDS, Site, SitePage, site_of

ROOT = Path(__file__).resolve().parent.parent


# One reference page as the site served it (scraper/portals/sites.py), with the record expected from it.
ArticleCase = SitePage


def portal_site(portal: str) -> Site:
    """The portal's reference pages: tests/fixtures/<key>/, else its bundled demo portal."""
    site = site_of(get_portal(portal))
    if site is None:
        raise LookupError(f"{portal} has no reference pages: no tests/fixtures/{portal}/ and no demo portal")
    return site


def article_cases(portal: str) -> list[ArticleCase]:
    """Every article and snapshot page of a portal's site that has an expected record."""
    return portal_site(portal).article_cases()


def served_articles(portal: str) -> list[dict]:
    """Expected records of the articles the portal serves now (snapshots are not served)."""
    return portal_site(portal).served_records()


def active_bundled_portals() -> list[str]:
    """Keys of the active portals that have reference pages (tests/fixtures/<key>/, else their bundled
    demo portal), in the registry's order: what `soyte crawl` with no portal named crawls against
    `reference_server()`, and in that order. A portal activated as docs/ADDING_A_PORTAL.md says joins it."""
    return [key for key, portal in load_portals().items() if portal.active and site_of(portal) is not None]


def demo_portal_keys() -> list[str]:
    """The bundled demo portals that are active, in the registry's order: what `soyte demo` crawls.
    Tests that check facts of the bundled pages (titles, counts per province, the newest article)
    crawl these by name, so that a portal added later (docs/ADDING_A_PORTAL.md) changes none of them."""
    from scraper.crawl.process import demo_portals

    return demo_portals()


def demo_articles() -> list[dict]:
    """Expected records of every article the active bundled demo portals serve, portal by portal."""
    return [record for key in demo_portal_keys() for record in served_articles(key)]


def demo_pages() -> list[SitePage]:
    """Every page the active bundled demo portals serve (listings, articles, sitemaps, robots.txt)."""
    return [page for key in demo_portal_keys() for page in portal_site(key).pages(PAGE_KINDS)]


def reference_server(**options) -> ReplayServer:
    """A replay server for every portal's reference pages: the bundled demo portals and every fixture
    folder under tests/fixtures/ (a portal added as docs/ADDING_A_PORTAL.md says has only those)."""
    fixtures = ROOT / "tests" / "fixtures"
    folders = site_folders(DEMO_PORTALS) + (site_folders(fixtures) if fixtures.is_dir() else [])
    return ReplayServer(folders=folders, **options)


def bundled_articles() -> list[dict]:
    """Expected records of every article the active bundled portals serve, portal by portal."""
    return [record for key in active_bundled_portals() for record in served_articles(key)]


def bundled_pages() -> list[SitePage]:
    """Every page the active bundled portals serve (listings, articles, sitemaps, robots.txt)."""
    return [page for key in active_bundled_portals() for page in portal_site(key).pages(PAGE_KINDS)]


def bundled_attachment_urls() -> set[str]:
    """The attachment URLs the served bundled articles link: each is one more request of a crawl."""
    return {attachment["url"] for record in bundled_articles() for attachment in record.get("attachments", [])}


def unserved_attachment_urls() -> set[str]:
    """The attachment URLs no reference site serves a file at (a `document` page of its site.json):
    each answers 404 to a crawl and counts as one run error. The demo portals serve every one
    (scraper/portals/demo_documents.py); a portal captured without its files does not."""
    served = {page.url for key in active_bundled_portals() for page in portal_site(key).pages(("document",))}
    return bundled_attachment_urls() - served


def soyte(*args: str, check: bool = True, timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
    """Run the real `soyte` command in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "scraper.cli", *args], capture_output=True, text=True,
                            timeout=timeout, env=env, cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"soyte {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def execute(db: Path, sql: str, params: tuple = ()) -> None:
    """A write behind the archive's back, as a user with sqlite3 would make it."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()
