"""`soyte new-portal`: everything a new portal needs, written at once, so adding one is a small guided change.

For a key it writes the layout module spiders/<key>.py (from templates/, its selectors copied
from an existing layout with `like`, or TODO), the fixture folder tests/fixtures/<key>/, the test
module tests/test_<key>.py (failing with the next step to take until fixtures exist), and the
registry entry with status "planned", so nothing is crawled before its tests pass. A post-merger
province already listed as planned without a spider gets its entry filled in (province and notes
kept); any other existing key is refused. Nothing is written unless everything can be.
"""
from __future__ import annotations

import ast
import json
import keyword
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from scraper.fixtures import PROJECT_ROOT, FixtureFolder
from scraper.registry import HOST_PATTERN, KEY_PATTERN, REGISTRY_PATH, Portal, load_portals, parse_registry, validate


class ScaffoldError(ValueError):
    """The portal cannot be scaffolded as asked; the message says what to change."""


@dataclass
class Scaffold:
    key: str
    entry: dict
    filled_planned: bool  # True when a planned registry entry was filled in rather than appended
    written: list[Path] = field(default_factory=list)


def template(name: str) -> Template:
    return Template(resources.files("scraper").joinpath("templates", name).read_text(encoding="utf-8"))


def layouts(spiders_dir: Path) -> list[str]:
    """Layout modules a new portal can start from: spiders/*.py that define SELECTORS."""
    return sorted(path.stem for path in spiders_dir.glob("*.py")
                  if not path.stem.startswith("_") and "\nSELECTORS = {" in path.read_text(encoding="utf-8"))


def selectors_source(module: Path) -> str:
    """The `SELECTORS = {...}` statement of a layout module, exactly as written (comments inside kept)."""
    source = module.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SELECTORS" for t in node.targets):
            return ast.get_source_segment(source, node) or ""
    raise ScaffoldError(f"{module} has no SELECTORS = {{...}}")


def toml_value(value: object) -> str:
    """TOML for a string or a list of strings: JSON's escapes are TOML's."""
    return json.dumps(value, ensure_ascii=False)


def entry_text(key: str, entry: dict) -> str:
    lines = [f"[{key}]"] + [f"{name} = {toml_value(value)}" for name, value in entry.items() if value not in (None, "")]
    return "\n".join(lines) + "\n"


def replace_entry(text: str, key: str, new: str) -> str:
    """The registry text with [key]'s table replaced; comments heading the next table stay with it."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"[{key}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:start]) + new + "".join(lines[end:])


def parse_host(host_url: str) -> tuple[str, str]:
    """(scheme, host) from `https://soyte.x.gov.vn` or a bare `soyte.x.gov.vn` (https assumed)."""
    parts = urlsplit(host_url if "://" in host_url else f"https://{host_url}")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not HOST_PATTERN.match(host):
        raise ScaffoldError(f"--host {host_url!r} is not a portal address such as https://soyte.hatinh.gov.vn")
    return parts.scheme, host


def spider_source(key: str, province: str, host: str, start_url: str, like: str | None, spiders_dir: Path,
                  today: date) -> str:
    if like:
        imports = ("from spiders.base import PortalSpider\n"
                   f"from spiders.{like} import ArticlePage as BaseArticlePage\n"
                   f"from spiders.{like} import ListingPage as BaseListingPage")
        selectors = (f"# Copied from spiders/{like}.py on {today.isoformat()}: change what differs on this portal.\n"
                     + selectors_source(spiders_dir / f"{like}.py"))
        like_note = (f" It starts from the {like} layout: its selectors\n"
                     f"are a copy of spiders/{like}.py's, its page classes extend that layout's.")
    else:
        imports = ("from scraper.pages import ArticlePage as BaseArticlePage\n"
                   "from scraper.pages import ListingPage as BaseListingPage\n"
                   "from spiders.base import PortalSpider")
        selectors = template("selectors.py.tmpl").substitute().rstrip("\n")
        like_note = ""
    return template("spider.py.tmpl").substitute(
        key=key, province=province, host=host, start_url=start_url, date=today.isoformat(), like_note=like_note,
        imports=imports, selectors=selectors, class_name=key.capitalize())


def new_portal(key: str, host_url: str, like: str | None = None, province: str | None = None,
               start_urls: list[str] | None = None, root: Path = PROJECT_ROOT, registry: Path = REGISTRY_PATH,
               today: date | None = None) -> Scaffold:
    """Write the spider module, fixture folder, test module and registry entry of a new portal."""
    today = today or date.today()
    if not KEY_PATTERN.match(key) or keyword.iskeyword(key):
        raise ScaffoldError(f"portal key {key!r} must be ASCII lower-case letters and digits, e.g. tuyenquang")
    spiders_dir, tests_dir = root / "spiders", root / "tests"
    if not spiders_dir.is_dir() or not tests_dir.is_dir():
        raise ScaffoldError(f"no spiders/ and tests/ in {root}: run new-portal from a source checkout")
    portals = load_portals(registry)
    existing = portals.get(key)
    if existing and (existing.spider or existing.status != "planned"):
        raise ScaffoldError(f"portal {key!r} already exists in {registry.name} "
                            f"(status {existing.status}, spider {existing.spider or 'none'}): choose another key")
    fixtures = FixtureFolder(tests_dir / "fixtures" / key)
    targets = [spiders_dir / f"{key}.py", tests_dir / f"test_{key}.py", fixtures.folder]
    for target in targets:
        if target.exists():
            raise ScaffoldError(f"{target.relative_to(root)} already exists: choose another key or remove it")
    if like and like not in layouts(spiders_dir):
        raise ScaffoldError(f"no layout {like!r} to start from; layouts: {', '.join(layouts(spiders_dir))}")
    scheme, host = parse_host(host_url)
    taken = next((p.key for p in portals.values() if p.host == host and p.key != key), None)
    if taken:
        raise ScaffoldError(f"host {host} already belongs to portal {taken!r}: retire or change that entry first")
    province = province or (existing.province if existing else "")
    if not province:
        raise ScaffoldError("give the province as written in Vietnamese: --province 'Tuyên Quang'")
    start_urls = start_urls or [f"{scheme}://{host}/"]
    entry = registry_entry(key, province, host, start_urls, existing, like, today)
    text = registry.read_text(encoding="utf-8")
    new_text = replace_entry(text, key, entry_text(key, entry)) if existing else (
        text.rstrip("\n") + "\n\n" + entry_text(key, entry))
    check_registry(new_text, registry)

    scaffold = Scaffold(key, entry, existing is not None)
    spider = spiders_dir / f"{key}.py"
    spider.write_text(spider_source(key, province, host, start_urls[0], like, spiders_dir, today), encoding="utf-8")
    test = tests_dir / f"test_{key}.py"
    test.write_text(template("test_portal.py.tmpl").substitute(key=key, province=province), encoding="utf-8")
    fixtures.create(key, province, key, f"{scheme}://{host}", start_urls)
    registry.write_text(new_text, encoding="utf-8")
    load_portals.cache_clear()
    scaffold.written = [spider, test, fixtures.manifest_path, registry]
    return scaffold


def registry_entry(key: str, province: str, host: str, start_urls: list[str], existing: Portal | None,
                   like: str | None, today: date) -> dict:
    """The registry fields of a scaffolded portal, in the registry's order."""
    origin = f" from the {like} layout" if like else ""
    notes = f"Scaffolded{origin} by soyte new-portal on {today.isoformat()}: set status = \"active\" once " \
            f"tests/test_{key}.py passes."
    if existing and existing.notes:
        moved = f" Host was {existing.host}." if existing.host != host else ""
        notes = f"{existing.notes}{moved} {notes}"
    entry = {"province": province, "host": host, "spider": key, "layout": key, "start_urls": start_urls,
             "status": "planned"}
    if existing:
        entry.update({"retired_on": existing.retired_on, "successor": existing.successor, "demo": existing.demo})
        entry.update({name: value for name, value in existing.extra.items() if isinstance(value, (str, int, list))})
    entry["notes"] = notes
    return {name: value for name, value in entry.items() if value is not None}


def check_registry(text: str, registry: Path) -> None:
    """Refuse to write a registry that would not load (a planned entry never needs its module yet)."""
    problems = validate(parse_registry(tomllib.loads(text)))
    if problems:
        raise ScaffoldError(f"the new entry would make {registry.name} invalid: {'; '.join(problems)}")
