"""The one reader of `site.json`: a folder of pages as a portal served them.

A site folder (a bundled demo portal in scraper/demo_portals/, a portal's fixture folder in the
project's fixtures folder tests/fixtures/ (scraper/portals/checkout.py), a portal captured
elsewhere) holds `pages/` (raw bytes, never decoded), `documents/` (the files its articles
attach), `expected/<page>.json` (the record an article page must give) and `site.json`, the
manifest: the portal's key, province, layout, base URL and start URLs, and for each page its real
URL, file, kind (listing, article, snapshot, sitemap, robots, document: a file an article
attaches, image: a picture an article shows, in `images/`) and content type, with, for captured pages, the HTTP status, headers and capture time;
another kind is refused (SiteError). The replay server serves a site, the contracts and the tests
read it, `soyte learn` learns from it; scraper/portals/capture.py writes fixture folders.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scraper.portals.checkout import PROJECT_ROOT, fixtures_dir

if TYPE_CHECKING:
    from scraper.portals.registry import Portal

MANIFEST = "site.json"
KINDS = ("listing", "article", "snapshot", "sitemap", "robots", "document", "image")
ARTICLE_KINDS = ("article", "snapshot")
PAGE_KINDS = ("listing", "article", "robots", "sitemap")  # the web pages a crawl keeps in its `pages` table
SERVED_KINDS = (*PAGE_KINDS, "document", "image")  # a snapshot is an older capture: not served


class SiteError(ValueError):
    """A folder that is not a site: no site.json, or one that cannot be read; the message names it."""


@dataclass(frozen=True)
class SitePage:
    """One page of a site, with the record expected from it (None until one is written)."""

    folder: Path
    url: str
    file: str  # relative to the folder: pages/<name>
    kind: str
    content_type: str | None
    expected_file: str = ""  # relative to the folder: expected/<name>.json
    status: int = 200
    headers: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return Path(self.file).stem

    @property
    def path(self) -> Path:
        return self.folder / self.file

    @property
    def expected_path(self) -> Path:
        return self.folder / (self.expected_file or f"expected/{self.id}.json")

    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def expected(self) -> dict | None:
        if not self.expected_path.exists():
            return None
        return json.loads(self.expected_path.read_text(encoding="utf-8"))


class Site:
    """A folder in the site.json format: its manifest, its pages and their expected records."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.manifest_path = self.folder / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def manifest(self) -> dict:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SiteError(f"{self.folder} has no {MANIFEST}: not a portal folder") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SiteError(f"{self.manifest_path} is not JSON: {error}") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("pages"), list):
            raise SiteError(f"{self.manifest_path} lists no pages (a \"pages\" array)")
        for entry in manifest["pages"]:
            entry = entry if isinstance(entry, dict) else {}
            if entry.get("kind") not in KINDS:  # else the page would be left out, and answer 404 unexplained
                raise SiteError(f"{self.manifest_path}: unknown page kind {entry.get('kind')!r} for "
                                f"{entry.get('url')} (kinds: {', '.join(KINDS)})")
        return manifest

    @property
    def portal(self) -> str:
        return self.manifest().get("portal") or self.folder.name

    @property
    def host(self) -> str:
        manifest = self.manifest()
        base = manifest.get("base_url") or next((page["url"] for page in manifest["pages"]), "")
        return (urlsplit(base).hostname or "").lower()

    def pages(self, kinds: tuple[str, ...] = KINDS) -> list[SitePage]:
        """The pages of these kinds, in manifest order.

        An entry may name its expected record ("expected"); a snapshot without its own shares the
        record of the served article at its URL (Bắc Ninh's 2017 capture of bacninh-s1).
        """
        if not self.exists():
            return []
        entries = self.manifest()["pages"]
        served = {entry["url"]: entry for entry in entries if entry.get("kind") == "article"}
        pages = []
        for entry in entries:
            if entry.get("kind") not in kinds:
                continue
            expected = entry.get("expected", "")
            if not expected and entry["kind"] == "snapshot":
                own = f"expected/{Path(entry['file']).stem}.json"
                article = served.get(entry["url"])
                if not (self.folder / own).exists() and article:
                    expected = f"expected/{Path(article['file']).stem}.json"
            pages.append(SitePage(self.folder, entry["url"], entry["file"], entry["kind"], entry.get("content_type"),
                                  expected, entry.get("status", 200), entry.get("headers", {})))
        return pages

    def article_cases(self) -> list[SitePage]:
        """Article pages (served and snapshots) that have an expected record: what a portal's test compares."""
        return [page for page in self.pages(ARTICLE_KINDS) if page.expected_path.exists()]

    def incomplete(self, portal: str) -> str | None:
        """Why the folder cannot test the portal yet, as the next command to run; None when it can."""
        relative = self.relative()
        if not self.pages(ARTICLE_KINDS):
            return (f"no fixtures yet: run soyte save-page URL --portal {portal} (a listing page and a few "
                    f"articles), then soyte expect {portal}, and check the records it writes in {relative}/expected/")
        missing = [page.file for page in self.pages(ARTICLE_KINDS) if not page.expected_path.exists()]
        if missing:
            return (f"no expected record for {', '.join(missing)}: run soyte expect {portal} "
                    f"and check the records it writes in {relative}/expected/")
        return None

    def relative(self) -> str:
        try:
            return str(self.folder.relative_to(PROJECT_ROOT))
        except ValueError:
            return str(self.folder)

    def served_records(self) -> list[dict]:
        """Expected records of the articles the site serves now (snapshots are not served)."""
        return [page.expected for page in self.article_cases() if page.kind == "article"]


def site_of(portal: "Portal", fixtures_root: Path | None = None) -> Site | None:
    """A portal's reference pages: its fixture folder <fixtures_root>/<key>/ when it has one, else
    the bundled demo portal the registry names (or scraper/demo_portals/<key>/); None without any.
    `fixtures_root` is the project's fixtures folder, scraper/portals/checkout.py's unless given."""
    from scraper.portals.registry import DEMO_PORTALS

    for folder in (Path(fixtures_root or fixtures_dir()) / portal.key, portal.demo_dir or DEMO_PORTALS / portal.key):
        if Site(folder).exists():
            return Site(folder)
    return None
