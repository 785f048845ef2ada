"""`soyte learn KEY`: write a portal's layout file from its captured, annotated pages."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scraper.cli import EXIT_OK, EXIT_PROBLEM, UsageError, command, say


def learn_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="the portal key; its pages are read from tests/fixtures/KEY/ "
                        "(or the bundled demo portal of that name)")
    parser.add_argument("--folder", type=Path, help="read the pages from this site.json folder instead")
    parser.add_argument("--layout", help="the layout's name (default: the registry's, site.json's, or KEY)")
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="learn from these article pages only (file stems)")
    parser.add_argument("--dry-run", action="store_true", help="print the layout; write nothing")


def fixture_folder(key: str) -> Path:
    """Where a portal's annotated pages are: its fixture folder, else its bundled demo folder (scraper.sites)."""
    from scraper.registry import Portal, load_portals
    from scraper.sites import site_of

    site = site_of(load_portals().get(key) or Portal(key=key, province="", host=""))
    if site is None:
        raise UsageError(f"no pages for {key}: capture them into tests/fixtures/{key}/ (soyte save-page, soyte expect) "
                         "or pass --folder")
    return site.folder


def layout_name(key: str, folder: Path, given: str | None) -> str:
    from scraper.registry import load_portals

    if given:
        return given
    portal = load_portals().get(key)
    if portal is not None and portal.layout:
        return portal.layout
    return json.loads((folder / "site.json").read_text(encoding="utf-8")).get("layout") or key


def register(key: str, folder: Path, layout: str) -> str | None:
    """Name the learnt layout in the portal's registry entry, adding a planned entry from site.json
    when the portal is not registered yet, so that `soyte crawl KEY` can try it at once."""
    from urllib.parse import urlsplit

    from scraper.registry import REGISTRY_PATH, load_portals
    from scraper.scaffold import ScaffoldError, check_registry, with_entry

    portals = load_portals()
    existing = portals.get(key)
    if existing is not None and existing.layout == layout:
        return None
    if existing is not None and existing.layout:
        return (f"note: the registry reads {key} with layout {existing.layout!r}, not {layout!r}: "
                f"set layout = \"{layout}\" in its entry to use what was learnt")
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    host = existing.host if existing else (urlsplit(manifest.get("base_url", "")).hostname or "")
    taken = next((p.key for p in portals.values() if p.host == host and p.key != key), None)
    if not host or taken:
        return f"note: {key} is not registered (its host {host or '?'} belongs to {taken}): add it with soyte new-portal"
    entry = {"province": (existing.province if existing else manifest.get("province")) or key, "host": host,
             "layout": layout, "start_urls": list(manifest.get("start_urls") or [f"https://{host}/"]),
             "status": "planned"}
    if existing is not None:
        entry.update({name: value for name, value in existing.extra.items() if isinstance(value, (str, int, bool, list))})
    else:
        entry.update(host_verified=False, host_note=f"Host taken from the captured pages ({folder.name}/site.json); "
                                                    "no public source cited yet.")
    entry["notes"] = ((existing.notes + " ") if existing and existing.notes else "") + \
        f"Layout learnt by soyte learn from {folder.name}/; set status = \"active\" once its tests pass."
    new_text = with_entry(REGISTRY_PATH.read_text(encoding="utf-8"), key, entry, replace=existing is not None)
    try:
        check_registry(new_text, REGISTRY_PATH)
    except ScaffoldError as error:
        return f"note: {key} could not be registered ({error}): add it with soyte new-portal"
    REGISTRY_PATH.write_text(new_text, encoding="utf-8")
    load_portals.cache_clear()
    return f"registered {key} (planned) with layout {layout} in {REGISTRY_PATH.name}: try it with soyte crawl {key}"


@command("learn", "Learn a portal's layout file from its captured pages and corrected expected records.",
         "soyte learn thanhhoa", learn_arguments, uses_archive=False)
def cmd_learn(args: argparse.Namespace) -> int:
    from scraper.layouts import dump_layout, layout_path
    from scraper.learn import learn_layout

    folder = args.folder or fixture_folder(args.key)
    if not (folder / "site.json").exists():
        raise UsageError(f"no site.json in {folder}")
    name = layout_name(args.key, folder, args.layout)
    started = time.perf_counter()
    try:
        learnt = learn_layout(folder, name, description=f"learnt from {folder.name}/ by soyte learn",
                              only=args.only)
    except ValueError as error:
        raise UsageError(str(error)) from None
    for line in learnt.report:
        say(f"  {line}")
    text = dump_layout(learnt.layout)
    if args.dry_run:
        print(text, end="")
    else:
        path = layout_path(name)
        path.write_text(text, encoding="utf-8")
        say(f"wrote {path} in {time.perf_counter() - started:.1f} s")
        registered = register(args.key, folder, name)
        if registered:
            say(registered)
    if learnt.problems:
        say(f"{len(learnt.problems)} expected values are not reproduced (fix the expected record or the page):")
        for problem in learnt.problems:
            say(f"  {problem}")
        return EXIT_PROBLEM
    say("every expected record is reproduced")
    return EXIT_OK
