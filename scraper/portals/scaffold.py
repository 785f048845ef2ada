"""`soyte new-portal`: everything a new portal needs, written at once, so adding one is a small guided change.

For a key it writes the registry entry with status "planned" (so nothing is crawled before its
tests pass), the fixture folder tests/fixtures/<key>/ and the test module tests/test_<key>.py (the
shape every portal's test has; failing with the next step to take until fixtures exist). With
`like` the portal is read with that existing layout (`layout = LIKE`: portals on one CMS share
one); without it a new, empty layout file spiders/layouts/<key>.toml is started for `soyte learn`
to fill. A post-merger province already listed as planned without a layout gets its entry filled
in (province and notes kept); any other existing key is refused. Nothing is written unless
everything can be.
"""
from __future__ import annotations

import json
import keyword
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from scraper.portals.capture import FixtureFolder
from scraper.portals.checkout import fixtures_dir
from scraper.extraction.layouts import layout_names
from scraper.portals.registry import (HOST_PATTERN, KEY_PATTERN, REGISTRY_PATH, Portal, layout_problem, load_portals,
                              parse_registry, validate)


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


def with_entry(text: str, key: str, entry: dict, replace: bool) -> str:
    """The registry's text with the entry of `key` replaced (it exists) or appended (it is new)."""
    if replace:
        return replace_entry(text, key, entry_text(key, entry))
    return text.rstrip("\n") + "\n\n" + entry_text(key, entry)


def parse_host(host_url: str) -> tuple[str, str]:
    """(scheme, host) from `https://soyte.x.gov.vn` or a bare `soyte.x.gov.vn` (https assumed)."""
    parts = urlsplit(host_url if "://" in host_url else f"https://{host_url}")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not HOST_PATTERN.match(host):
        raise ScaffoldError(f"--host {host_url!r} is not a portal address such as https://soyte.hatinh.gov.vn")
    return parts.scheme, host


def new_portal(key: str, host_url: str, like: str | None = None, province: str | None = None,
               start_urls: list[str] | None = None, *, root: Path, registry: Path = REGISTRY_PATH,
               today: date | None = None, change_host: bool = False) -> Scaffold:
    """Write the registry entry, fixture folder, test module and (without `like`) layout file of a new
    portal into the checkout at `root` (scraper/portals/checkout.py: PROJECT_ROOT)."""
    today = today or date.today()
    if not KEY_PATTERN.match(key) or keyword.iskeyword(key):
        raise ScaffoldError(f"portal key {key!r} must be ASCII lower-case letters and digits, e.g. tuyenquang")
    layouts_dir, tests_dir = root / "spiders" / "layouts", root / "tests"
    if not layouts_dir.is_dir() or not tests_dir.is_dir():
        raise ScaffoldError(f"no spiders/layouts/ and tests/ in {root}: run new-portal from a source checkout")
    portals = load_portals(registry)
    existing = portals.get(key)
    if existing and (existing.layout or existing.status != "planned"):
        raise ScaffoldError(f"portal {key!r} already exists in {registry.name} "
                            f"(status {existing.status}, layout {existing.layout or 'none'}): choose another key")
    fixtures = FixtureFolder.for_portal(key, fixtures_dir(root))
    layout_file = layouts_dir / f"{key}.toml"
    targets = [tests_dir / f"test_{key}.py", fixtures.folder] + ([] if like else [layout_file])
    for target in targets:
        if target.exists():
            hint = f" (or read the portal with it: --like {key})" if target == layout_file else ""
            raise ScaffoldError(f"{target.relative_to(root)} already exists: choose another key or remove it{hint}")
    if like and like not in layout_names(layouts_dir):
        raise ScaffoldError(f"no layout {like!r} to read the portal with; layouts: "
                            f"{', '.join(layout_names(layouts_dir))}")
    scheme, host = parse_host(host_url)
    if existing and existing.host_verified is True and existing.host != host and not change_host:
        raise ScaffoldError(
            f"{key}'s host {existing.host} is verified ({existing.host_source or 'no source'}, "
            f"{existing.host_source_date or 'undated'}), not {host}: pass --host https://{existing.host}, or "
            f"--change-host if the department has moved (then verify the new host: docs/ADDING_A_PORTAL.md)")
    taken = next((p.key for p in portals.values() if p.host == host and p.key != key), None)
    if taken:
        raise ScaffoldError(f"host {host} already belongs to portal {taken!r}: retire or change that entry first")
    province = province or (existing.province if existing else "")
    if not province:
        raise ScaffoldError("give the province as written in Vietnamese: --province 'Tuyên Quang'")
    start_urls = start_urls or [f"{scheme}://{host}/"]
    entry = registry_entry(key, province, host, start_urls, existing, like, today)
    new_text = with_entry(registry.read_text(encoding="utf-8"), key, entry, replace=existing is not None)

    scaffold = Scaffold(key, entry, existing is not None)
    if not like:
        layout_file.write_text(template("layout.toml.tmpl").substitute(
            key=key, province=province, host=host, date=today.isoformat()), encoding="utf-8")
        scaffold.written.append(layout_file)
    try:
        check_registry(new_text, registry)  # the entry's layout file must exist by now
    except ScaffoldError:
        if not like:
            layout_file.unlink()
        raise
    test = tests_dir / f"test_{key}.py"
    next_step = "then write the layout with soyte learn " + key if not like else "correct the layout if it differs"
    test.write_text(template("test_portal.py.tmpl").substitute(
        key=key, province=province, date=today.isoformat(), class_name=key.capitalize(), next_step=next_step),
        encoding="utf-8")
    fixtures.create(key, province, entry["layout"], f"{scheme}://{host}", start_urls)
    registry.write_text(new_text, encoding="utf-8")
    load_portals.cache_clear()
    scaffold.written += [test, fixtures.manifest_path, registry]
    return scaffold


def registry_entry(key: str, province: str, host: str, start_urls: list[str], existing: Portal | None,
                   like: str | None, today: date) -> dict:
    """The registry fields of a scaffolded portal, in the registry's order."""
    origin = f" with the {like} layout" if like else " with a new layout for soyte learn"
    notes = f"Scaffolded{origin} by soyte new-portal on {today.isoformat()}: set status = \"active\" once " \
            f"tests/test_{key}.py passes."
    if existing and existing.notes:
        moved = f" Host was {existing.host}." if existing.host != host else ""
        notes = f"{existing.notes}{moved} {notes}"
    entry = {"province": province, "host": host, "layout": like or key, "start_urls": start_urls,
             "status": "planned"}
    if existing:
        entry.update({"retired_on": existing.retired_on, "successor": existing.successor, "demo": existing.demo})
        entry.update(host_facts(existing, host, today))
    else:  # a host typed on the command line is a lead until someone cites a page naming it
        entry.update({"host_verified": False,
                      "host_note": f"Given to soyte new-portal on {today.isoformat()}; not verified yet: cite a page "
                                   "naming the host (docs/ADDING_A_PORTAL.md, Verifying a host)."})
    if existing:
        entry.update({name: value for name, value in existing.extra.items() if isinstance(value, (str, int, list))})
    entry["notes"] = notes
    return {name: value for name, value in entry.items() if value is not None}


def host_facts(existing: Portal, host: str, today: date) -> dict:
    """What the registry knows of how the host was verified: kept for the same host; for a new host
    (`--change-host`) marked unverified, with the old host's evidence in the note, never dropped."""
    facts = {"host_verified": existing.host_verified, "host_source": existing.host_source,
             "host_source_date": existing.host_source_date, "host_note": existing.host_note}
    if existing.host == host or existing.host_verified is None:
        return {name: value for name, value in facts.items() if value not in (None, "")}
    was = f"{existing.host} (verified: {existing.host_source}, {existing.host_source_date})" \
        if existing.host_verified else existing.host
    return {"host_verified": False,
            "host_note": f"Host changed by soyte new-portal --change-host on {today.isoformat()} from {was}: "
                         f"verify {host} and record its source. {existing.host_note}".strip()}


def check_registry(text: str, registry: Path) -> None:
    """Refuse to write a registry that would not load (a planned entry's layout may be unfinished)."""
    problems = validate(parse_registry(tomllib.loads(text)))
    if problems:
        raise ScaffoldError(f"the new entry would make {registry.name} invalid: {'; '.join(problems)}")


def activate(key: str, fixtures_root: Path, registry: Path = REGISTRY_PATH) -> Portal:
    """Set a planned portal's `status = "active"` in the registry, the last step of adding a portal.

    Only a portal whose layout reads pages and whose reference pages are captured (its fixture folder
    in `fixtures_root` with expected records, or a bundled demo portal) is activated: an active
    portal is crawled by every `soyte crawl` and tested by the whole suite, so it must be ready for
    both. The entry's other lines and comments are left as they are.
    """
    from scraper.portals.sites import site_of

    portals = load_portals(registry)
    portal = portals.get(key)
    if portal is None:
        raise ScaffoldError(f"no portal {key!r} in {registry.name}: scaffold it with soyte new-portal {key} --host URL")
    if portal.status != "planned":
        raise ScaffoldError(f"{key} is {portal.status}, not planned: only a planned portal is activated")
    problem = layout_problem(portal)
    if problem:
        raise ScaffoldError(f"{key}'s layout cannot read pages yet ({problem}): run soyte learn {key} first")
    site = site_of(portal, fixtures_root)
    missing = site.incomplete(key) if site else f"no fixtures yet: run soyte save-page URL --portal {key}"
    if missing:
        raise ScaffoldError(f"{key} is not ready: {missing}")
    if not portal.start_urls:
        raise ScaffoldError(f"{key} has no start_urls in {registry.name}: add the listing pages a crawl starts from")
    lines = registry.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"[{key}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    status = next(i for i in range(start + 1, end)
                  if lines[i].lstrip().startswith("status") and tomllib.loads(lines[i]).get("status") == "planned")
    lines[status] = 'status = "active"\n'
    text = "".join(lines)
    check_registry(text, registry)
    registry.write_text(text, encoding="utf-8")
    load_portals.cache_clear()
    return load_portals(registry)[key]
