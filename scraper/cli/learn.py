"""`soyte learn KEY`: write a portal's layout file from its captured, annotated pages."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scraper.cli.common import UsageError, command, say
from scraper.model import EXIT_OK, EXIT_PROBLEM


def learn_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="the portal key; its pages are read from tests/fixtures/KEY/ "
                        "(or the bundled demo portal of that name)")
    parser.add_argument("--folder", type=Path, help="read the pages from this site.json folder instead")
    parser.add_argument("--layout", help="the layout's name (default: the registry's, site.json's, or KEY)")
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="learn from these article pages only (file stems)")
    parser.add_argument("--dry-run", action="store_true", help="print the layout; write nothing")
    parser.add_argument("--from-drafts", action="store_true",
                        help="learn from uncorrected drafts (the generic extractor's reading of the article "
                        "pages, made in memory; expected/ is neither read nor written) and list what to check")


def fixture_folder(key: str) -> Path:
    """Where a portal's annotated pages are: its fixture folder, else its bundled demo folder (scraper.portals.sites)."""
    from scraper.portals.checkout import fixtures_dir
    from scraper.portals.registry import Portal, load_portals
    from scraper.portals.sites import site_of

    site = site_of(load_portals().get(key) or Portal(key=key, province="", host=""), fixtures_dir())
    if site is None:
        raise UsageError(f"no pages for {key}: capture them into tests/fixtures/{key}/ (soyte save-page, soyte expect) "
                         "or pass --folder")
    return site.folder


def layout_name(key: str, folder: Path, given: str | None) -> str:
    """The layout to write: `--layout`, else the registry's, else site.json's, else KEY; refused
    (UsageError) when it is no layout name, since it becomes a file name under spiders/layouts/."""
    from scraper.extraction.layouts import layout_name_problem
    from scraper.portals.registry import load_portals

    portal = load_portals().get(key)
    if given:
        name, whence = given, "--layout"
    elif portal is not None and portal.layout:
        name, whence = portal.layout, "the registry"
    else:
        name, whence = json.loads((folder / "site.json").read_text(encoding="utf-8")).get("layout") or key, \
            f"{folder / 'site.json'}"
    problem = layout_name_problem(name)
    if problem:
        raise UsageError(f"{whence}: {problem}")
    return name


def check_pages_are_of(key: str, folder: Path) -> None:
    """Refuse (UsageError) pages captured from another portal: learnt as KEY's, they would
    overwrite KEY's layout with rules for another site."""
    from scraper.portals.registry import load_portals
    from scraper.portals.sites import Site, SiteError

    site = Site(folder)
    try:
        named, host = site.manifest().get("portal"), site.host
    except SiteError as error:
        raise UsageError(str(error)) from None
    if named and named != key:
        raise UsageError(f"{site.manifest_path} is the pages of portal {named!r}, not {key!r}: "
                         f"learn {named} from them, or pass the folder of {key}'s pages")
    owner = next((p.key for p in load_portals().values() if host and p.host == host and p.key != key), None)
    if owner:
        raise UsageError(f"the pages in {folder} are of {host}, portal {owner!r}'s host, not {key!r}'s: "
                         f"learn {owner} from them, or pass the folder of {key}'s pages")


def check_layout_is_own(key: str, name: str) -> None:
    """Refuse (UsageError) to write a layout another portal is read with, unless it is KEY's own
    (portals on one CMS share theirs): learning one portal must never rewrite another's rules."""
    from scraper.portals.registry import load_portals

    portals = load_portals()
    users = [p.key for p in portals.values() if p.layout == name and p.key != key]
    if users and not (key in portals and portals[key].layout == name):
        raise UsageError(f"layout {name!r} is the layout of {', '.join(users)}, not of {key}: learn {key} "
                         f"under a layout name of its own (--layout {key}) and nothing is overwritten")


def write_whole(path: Path, text: str) -> None:
    """Write a layout file (or the registry) whole or not at all, as PATH.part then renamed: a full
    disk or a kill leaves the earlier file, never a half-written one that no crawl could load."""
    from scraper.cli.common import output_file

    with output_file(path) as part:
        part.write_text(text, encoding="utf-8")


def put_back(path: Path, earlier: bytes | None) -> None:
    """The layout file as it was before this learn: its earlier bytes, or no file."""
    if earlier is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(earlier)


def register(key: str, folder: Path, layout: str) -> str | None:
    """Name the learnt layout in the portal's registry entry, adding a planned entry from site.json
    when the portal is not registered yet, so that `soyte crawl KEY` can try it at once."""
    from urllib.parse import urlsplit

    from scraper.portals.registry import REGISTRY_PATH, load_portals
    from scraper.portals.scaffold import ScaffoldError, check_registry, with_entry

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
    write_whole(REGISTRY_PATH, new_text)
    load_portals.cache_clear()
    return f"registered {key} (planned) with layout {layout} in {REGISTRY_PATH.name}: try it with soyte crawl {key}"


@command("learn", "Learn a portal's layout file from its captured pages and corrected expected records.",
         "soyte learn thanhhoa", learn_arguments, uses_archive=False)
def cmd_learn(args: argparse.Namespace) -> int:
    """Learn, and write the layout only when it reproduces every expected record and loads: a
    refused or failed learn leaves spiders/layouts/ and the registry as they were."""
    import tomllib

    from scraper.extraction.layouts import LayoutError, dump_layout, layout_path, parse_layout
    from scraper.learn.layout import learn_layout
    from scraper.portals.registry import KEY_PATTERN

    if not KEY_PATTERN.match(args.key):
        raise UsageError(f"{args.key!r} is not a portal key: ASCII lower-case letters and digits (e.g. tuyenquang)")
    folder = args.folder or fixture_folder(args.key)
    if not (folder / "site.json").exists():
        raise UsageError(f"no site.json in {folder}")
    check_pages_are_of(args.key, folder)
    name = layout_name(args.key, folder, args.layout)
    check_layout_is_own(args.key, name)
    started = time.perf_counter()
    if args.from_drafts:
        return learn_from_drafts(args, folder, name, started)
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
    problems = list(learnt.problems)
    try:
        parse_layout(tomllib.loads(text), name)  # what is written must load, or no crawl could read it
    except LayoutError as error:
        problems.append(f"layout: {error}")
    if problems:
        say(f"{len(problems)} expected values are not reproduced (fix the expected record or the page):")
        for problem in problems:
            say(f"  {problem}")
        if not args.dry_run:
            say(f"nothing written: {layout_path(name)} and the registry are as they were")
        return EXIT_PROBLEM
    if not args.dry_run:
        write_and_register(args.key, folder, name, text, started)
    say("every expected record is reproduced")
    return EXIT_OK


def write_and_register(key: str, folder: Path, name: str, text: str, started: float) -> None:
    """Write the learnt layout and register the portal: a learn that fails registering writes nothing either."""
    from scraper.extraction.layouts import layout_path

    path = layout_path(name)
    earlier = path.read_bytes() if path.exists() else None
    write_whole(path, text)
    try:
        registered = register(key, folder, name)
    except BaseException:
        put_back(path, earlier)
        raise
    say(f"wrote {path} in {time.perf_counter() - started:.1f} s")
    if registered:
        say(registered)


def learn_from_drafts(args: argparse.Namespace, folder: Path, name: str, started: float) -> int:
    """`soyte learn KEY --from-drafts`: learn from the generic extractor's drafts (scraper/learn/drafts.py),
    write the layout as `learn` does (not with --dry-run) and print what a person should check: exit 0
    when a layout was learnt, 1 when nothing could be (nothing written then)."""
    import tomllib

    from scraper.extraction.layouts import LayoutError, dump_layout, layout_path, parse_layout
    from scraper.learn.drafts import learn_from_drafts as learn_drafts

    found = learn_drafts(folder, name, description=f"learnt from uncorrected drafts of {folder.name}/ by soyte learn "
                         "--from-drafts", only=args.only)
    for line in found.learnt.report:
        say(f"  {line}")
    for line in found.unread:
        say(f"  no draft: {line}")
    text = dump_layout(found.layout)
    problem = None
    try:
        parse_layout(tomllib.loads(text), name)  # what is written must load, or no crawl could read it
    except LayoutError as error:
        problem = f"layout: {error}"
    if problem or not found.learnt_anything:
        say(f"nothing could be learnt from the drafts of {len(found.drafts)} article pages"
            + (f" ({problem})" if problem else "") + ": annotate a few articles (soyte expect, corrected) and soyte learn")
        for line in found.disagreements + found.suspicious:
            say(f"  {line}")
        if not args.dry_run:
            say(f"nothing written: {layout_path(name)} and the registry are as they were")
        return EXIT_PROBLEM
    if args.dry_run:
        print(text, end="")
    else:
        write_and_register(args.key, folder, name, text, started)
    if found.disagreements:
        say(f"check {fields(len(found.disagreements))} where the learnt layout and the drafts disagree "
            "(one of them is wrong):")
        for line in found.disagreements:
            say(f"  {line}")
    if found.suspicious:
        say(f"check {fields(len(found.suspicious))} where the drafts disagree with each other (a draft may be wrong):")
        for line in found.suspicious:
            say(f"  {line}")
    if not found.disagreements and not found.suspicious:
        say("the learnt layout reproduces every draft, and no draft looks wrong: still check a few records")
    return EXIT_OK


def fields(count: int) -> str:
    return f"{count} field{'s' * (count != 1)}"
