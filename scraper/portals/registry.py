"""The portal registry (portals.toml): which portals exist, the layout each is read with, where crawls start.

Since the 2025 merger of provinces (63 into 34) portals move, merge and retire, so the registry
holds more than what is crawled: `active` portals are crawled, `planned` ones are known (a
post-merger province, a portal being scaffolded) but not crawled yet, `retired` ones are kept for
their archive with the date they stopped and the portal that took over. The file is checked when
it is loaded: a mistake in it is one clear `RegistryError`, not a crawl that silently skips.
A portal names its layout (spiders/layouts/<layout>.toml); portals on one CMS share a layout.
A layout file that is missing or does not load is its portals' problem, never the registry's
(`layout_problem`): the registry loads, the other portals crawl, and that portal is reported.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from scraper.extraction.packaged import read_bytes

from scraper.extraction.layouts import LayoutError, layout_name_problem, load_layout
from scraper.extraction.urls import within_host

# SOYTE_REGISTRY names another registry file (benchmarks and tests register synthetic portals).
# The registry and the demo portals are data of the `scraper` package, beside this sub-package.
PACKAGE_DIR = Path(__file__).parent.parent
REGISTRY_PATH = Path(os.environ.get("SOYTE_REGISTRY") or PACKAGE_DIR / "portals.toml")
DEMO_PORTALS = PACKAGE_DIR / "demo_portals"

STATUSES = ("active", "planned", "retired")
# A host's source date is as precise as the source: a day, a month or a year.
SOURCE_DATE_PATTERN = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
# A key names a spider, a test module and a fixture folder: ASCII lower-case, no separators.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9]*\Z")
HOST_PATTERN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+\Z")
# How far one run walks a portal's listing pages (a portal's entry may set its own): pagination that
# never ends, or empty pages that still link a next one, made 16,538 and 7,435 requests a run. The
# walk stops at the first bound it reaches; the next run goes on from there (spiders/portal.py).
LISTING_BOUNDS = {
    "max_listing_pages": 200,       # listing pages one run asks for, start pages included
    "max_empty_listing_pages": 3,   # listing pages in a row that add no article link not yet known
}


@dataclass(frozen=True)
class Portal:
    key: str
    province: str
    host: str
    layout: str = ""
    start_urls: tuple[str, ...] = ()
    status: str = "active"
    demo: str | None = None
    notes: str = ""
    retired_on: str | None = None
    successor: str | None = None
    host_verified: bool | None = None  # None: the entry says nothing of how its host is known
    host_source: str = ""
    host_source_date: str = ""
    host_note: str = ""
    max_listing_pages: int = LISTING_BOUNDS["max_listing_pages"]
    max_empty_listing_pages: int = LISTING_BOUNDS["max_empty_listing_pages"]
    images: bool = True             # archive its articles' images (unless `soyte crawl --no-images`)
    image_hosts: tuple[str, ...] = ()  # CDN hosts its uploads are served from, fetched as its own host is
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def demo_dir(self) -> Path | None:
        return DEMO_PORTALS / self.demo if self.demo else None

    @property
    def pages_captured(self) -> bool:
        """Whether pages of the host are captured in the repository: a layout's fixtures or bundled demo pages."""
        return bool(self.layout or self.demo or (DEMO_PORTALS / self.key).is_dir())


class RegistryError(ValueError):
    """The registry file says something impossible; the message names the file, the entry and the fix."""


class UnknownPortal(KeyError):
    def __str__(self) -> str:
        # Only portals with a layout: listing every planned and retired province would drown the hint.
        known = sorted(key for key, portal in load_portals().items() if portal.layout)
        return f"unknown portal {self.args[0]!r}; known portals: {', '.join(known)}"


def layout_problem(portal: Portal) -> str | None:
    """Why the portal's layout cannot read pages yet (no layout named, no file, an unfinished or
    broken file), or None. A planned portal may have one: its layout is being written."""
    if not portal.layout:
        return "names no layout"
    try:
        load_layout(portal.layout)
    except LayoutError as error:
        return str(error)
    return None


def crawlable(portal: Portal) -> bool:
    """Active or planned with a layout that loads: what gets a spider (planned ones crawl only when named)."""
    return portal.status in ("active", "planned") and layout_problem(portal) is None


def source_date_problem(value: object) -> str | None:
    """Why a host_source_date is not "YYYY-MM-DD", "YYYY-MM" or "YYYY" (a real day, month or year), or None."""
    if not isinstance(value, str) or not SOURCE_DATE_PATTERN.match(value):
        return (f"host_source_date {str(value)!r} is not a quoted \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\" "
                f"(the date the source gives)")
    parts = [int(part) for part in value.split("-")]
    try:
        date(parts[0], *(parts[1:] + [1] * (3 - len(parts))))
    except ValueError:
        return f"host_source_date {value!r} is not a real date"
    return None


def host_problems(portal: Portal) -> list[str]:
    """What is wrong with how an entry says its host is known.

    A host nobody opened is a guess (soyte.<province>.gov.vn is often wrong), and a crawl of a wrong
    host fails or archives someone else's site. So a planned or retired entry whose pages are not
    captured in the repository (no spider, no bundled demo pages) must either cite the public page
    that names the address (host_verified = true, host_source, host_source_date) or say it is
    unchecked and what was looked for (host_verified = false, host_note). Active portals are crawled
    and tested against their pages; any entry that has host_verified is held to it.
    """
    if portal.host_verified is None:
        if portal.status == "active" or portal.pages_captured:
            return []
        return [f"host {portal.host} is neither verified nor marked unverified: add host_verified = true with "
                f"host_source (the URL of a page naming it) and host_source_date, or host_verified = false "
                f"with host_note (what was looked for)"]
    if not isinstance(portal.host_verified, bool):
        return [f"host_verified {portal.host_verified!r} must be true or false"]
    if not portal.host_verified:
        if str(portal.host_note or "").strip():
            return []
        return ["an unverified host needs host_note: what was looked for, and what was found or disagreed"]
    problems = []
    source = portal.host_source if isinstance(portal.host_source, str) else ""
    if urlsplit(source).scheme not in ("http", "https") or not urlsplit(source).hostname:
        problems.append(f"a verified host needs host_source, the http(s) URL of the page naming it "
                        f"(got {portal.host_source!r})")
    date_problem = source_date_problem(portal.host_source_date)
    if date_problem:
        problems.append(date_problem)
    return problems


def start_url_problems(portal: Portal) -> list[str]:
    """Start URLs are on the portal's host: a sub-site's path goes in start_urls, never in host."""
    problems = []
    for url in portal.start_urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not within_host(host, portal.host):
            problems.append(f"start URL {url!r} is not an http(s) URL on host {portal.host}")
    return problems


def listing_bound_problems(portal: Portal) -> list[str]:
    """A bound of the listing walk is a whole number of pages, at least 1 (a bound of 0 or "many"
    would stop every walk at once, or none)."""
    problems = []
    for name in LISTING_BOUNDS:
        value = getattr(portal, name)
        if type(value) is not int or value < 1:
            problems.append(f"{name} {value!r} is not a whole number of listing pages, at least 1 "
                            f"(default {LISTING_BOUNDS[name]})")
    return problems


def entry_problems(portal: Portal) -> list[str]:
    """What is wrong with one entry on its own."""
    problems = []
    if not KEY_PATTERN.match(portal.key):
        problems.append("the key must be ASCII lower-case letters and digits (e.g. tuyenquang)")
    if not portal.province:
        problems.append("no province")
    if not HOST_PATTERN.match(portal.host or ""):
        problems.append(f"host {portal.host!r} is not a bare host name (e.g. soyte.hatinh.gov.vn)")
    if portal.status not in STATUSES:
        problems.append(f"status {portal.status!r} is not one of {', '.join(STATUSES)}")
    if "spider" in portal.extra:
        problems.append("spider is gone: a portal names its layout (layout = \"<name of a file in "
                        "spiders/layouts/>\"), and one spider serves every portal")
    if portal.layout and (name_problem := layout_name_problem(portal.layout)):
        problems.append(f"layout {name_problem}")
    if portal.status == "active":
        if not portal.layout:
            problems.append("an active portal needs a layout (layout = \"<name>\", a file in spiders/layouts/)")
        if not portal.start_urls:
            problems.append("an active portal needs start_urls")
    if portal.status == "retired":
        if not portal.retired_on:
            problems.append("a retired portal needs retired_on = \"YYYY-MM-DD\"")
        if not portal.successor:
            problems.append("a retired portal needs successor = \"<portal key>\"")
    if portal.retired_on:
        try:
            date.fromisoformat(portal.retired_on)
        except (TypeError, ValueError):
            problems.append(f"retired_on {portal.retired_on!r} is not a date YYYY-MM-DD")
    return (problems + start_url_problems(portal) + host_problems(portal) + listing_bound_problems(portal)
            + image_option_problems(portal))


def image_option_problems(portal: Portal) -> list[str]:
    """`images` is true or false; `image_hosts` a list of bare host names (a CDN's, not a URL)."""
    problems = []
    if not isinstance(portal.images, bool):
        problems.append(f"images {portal.images!r} must be true or false")
    for host in portal.image_hosts:
        if not isinstance(host, str) or not HOST_PATTERN.match(host):
            problems.append(f"image_hosts entry {host!r} is not a bare host name (e.g. cdn.soyte.hatinh.gov.vn)")
    return problems


def validate(portals: dict[str, Portal]) -> list[str]:
    """Every problem of the registry as '[key] problem', in file order."""
    problems = []
    hosts: dict[str, str] = {}
    for key, portal in portals.items():
        problems += [f"[{key}] {problem}" for problem in entry_problems(portal)]
        if portal.successor and portal.successor not in portals:
            problems.append(f"[{key}] successor {portal.successor!r} is not a portal in the registry")
        if portal.successor == key:
            problems.append(f"[{key}] a portal cannot succeed itself")
        host = (portal.host or "").lower()
        if host in hosts:
            problems.append(f"[{key}] host {portal.host} is already the host of [{hosts[host]}]")
        hosts.setdefault(host, key)
    return problems


def parse_registry(data: dict) -> dict[str, Portal]:
    """Registry entries by key, in file order; fields the Portal does not name go to `extra`."""
    known = set(Portal.__dataclass_fields__) - {"key", "extra", "start_urls"}
    portals = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise RegistryError(f"{key} = ... is not a portal table: write [{key}] and its fields below it")
        fields = {name: value for name, value in entry.items() if name in known}
        extra = {name: value for name, value in entry.items() if name not in known and name != "start_urls"}
        fields.setdefault("province", "")
        fields.setdefault("host", "")
        if "image_hosts" in fields:  # a TOML array; a bare string would be one host per letter
            hosts = fields["image_hosts"]
            fields["image_hosts"] = tuple(hosts) if isinstance(hosts, list) else (hosts,)
        portals[key] = Portal(key=key, start_urls=tuple(entry.get("start_urls", ())), extra=extra, **fields)
    return portals


@lru_cache(maxsize=None)
def load_portals(path: Path = REGISTRY_PATH) -> dict[str, Portal]:
    """All registry entries by key, in file order; raises RegistryError listing every problem."""
    try:
        data = tomllib.loads(read_bytes(Path(path), "scraper", "portals.toml").decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{path}: not valid TOML: {error}") from None
    portals = parse_registry(data)
    problems = validate(portals)
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return portals


def get_portal(key: str) -> Portal:
    try:
        return load_portals()[key]
    except KeyError:
        raise UnknownPortal(key) from None


def images_archived(key: str, wanted: bool) -> bool:
    """Whether a run archives this portal's images: the run wants them (SOYTE_WITH_IMAGES, off with
    `soyte crawl --no-images`) and the portal's entry does not say `images = false`."""
    try:
        return wanted and get_portal(key).images
    except UnknownPortal:
        return wanted


def portal_for_url(url: str) -> Portal | None:
    """The registered portal (any status) whose host serves this URL; one with a layout first."""
    host = urlsplit(url).hostname or ""
    serving = [portal for portal in load_portals().values()
               if within_host(host, portal.host)]
    return next((portal for portal in serving if portal.layout), serving[0] if serving else None)


def spider_portals() -> list[Portal]:
    """The portals that get a spider, in registry order: active or planned, with a layout that loads."""
    return [portal for portal in load_portals().values() if crawlable(portal)]
