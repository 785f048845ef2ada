"""Commands for adding a portal: list the registry, scaffold, capture fixtures, expect records, check.

The walk-through is docs/ADDING_A_PORTAL.md. Each command wraps scraper.portals.scaffold, scraper.portals.capture
or scraper.crawl.contracts; data goes to stdout as JSON, what to do next to stderr.
"""
from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from scraper.cli.common import UsageError, command, emit, say
from scraper.extraction.urls import within_host
from scraper.model import EXIT_OK, EXIT_PROBLEM
from scraper.portals.registry import STATUSES, Portal, RegistryError, UnknownPortal, get_portal, load_portals
from scraper.portals.sites import KINDS


def portal_or_usage_error(key: str) -> Portal:
    try:
        return get_portal(key)
    except (UnknownPortal, RegistryError) as error:
        raise UsageError(str(error).strip('"')) from None


def portals_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUSES, help="only the portals with this status")
    parser.add_argument("--unverified", action="store_true",
                        help="only the portals whose host no cited public source confirms yet (host_verified "
                             "is not true): what is left to check")
    parser.add_argument("--json", action="store_true", help="JSON lines even in a terminal (the default when piped)")


PORTAL_COLUMNS = {"key": "portal", "province": "province", "status": "status", "host": "host", "layout": "layout",
                  "host_verified": "verified", "successor": "successor", "retired_on": "retired"}


@command("portals", "List the registry's portals (active, planned, retired): a table, or JSON lines when piped.",
         "soyte portals --status planned --unverified", portals_arguments, uses_archive=False)
def cmd_portals(args: argparse.Namespace) -> int:
    try:
        portals = load_portals()
    except RegistryError as error:
        raise UsageError(str(error)) from None
    from scraper.cli.terminal import show_rows

    show_rows([{"key": portal.key, "province": portal.province, "host": portal.host, "status": portal.status,
                "layout": portal.layout or None, "successor": portal.successor, "retired_on": portal.retired_on,
                "host_verified": portal.host_verified, "host_source": portal.host_source or None,
                "host_source_date": portal.host_source_date or None, "host_note": portal.host_note or None,
                "notes": portal.notes}
               for portal in portals.values()
               if args.status in (None, portal.status) and not (args.unverified and portal.host_verified is True)],
              PORTAL_COLUMNS, args.json)
    return EXIT_OK


def new_portal_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="the portal key: ASCII lower-case letters and digits (e.g. tuyenquang)")
    parser.add_argument("--host", required=True, metavar="URL",
                        help="the portal's address, e.g. https://soyte.tuyenquang.gov.vn")
    parser.add_argument("--like", metavar="LAYOUT", help="read the portal with this existing layout (e.g. hagiang); "
                        "without it a new, empty layout file spiders/layouts/KEY.toml is started for soyte learn")
    parser.add_argument("--province", help="the province as written in Vietnamese (default: the planned entry's)")
    parser.add_argument("--start-url", action="append", dest="start_urls", metavar="URL",
                        help="a listing page (or sitemap) crawls start from; repeat for more (default: the host's /)")
    parser.add_argument("--change-host", action="store_true",
                        help="replace a planned entry's verified host with --host (the department moved); "
                             "the new host is then marked unverified")


@command("new-portal", "Scaffold a portal: registry entry (planned), fixture folder, test module, and a layout file "
         "unless --like names one.",
         "soyte new-portal tuyenquang --host https://soytetuyenquang.gov.vn --like hagiang",
         new_portal_arguments, uses_archive=False)
def cmd_new_portal(args: argparse.Namespace) -> int:
    from scraper.portals.checkout import PROJECT_ROOT
    from scraper.portals.scaffold import ScaffoldError, new_portal

    try:
        scaffold = new_portal(args.key, args.host, args.like, args.province, args.start_urls, root=PROJECT_ROOT,
                              change_host=args.change_host)
    except (ScaffoldError, RegistryError) as error:
        raise UsageError(str(error)) from None
    written = [str(path.relative_to(PROJECT_ROOT)) for path in scaffold.written]
    key, start = scaffold.key, scaffold.entry["start_urls"][0]
    how = "filled in its planned entry in" if scaffold.filled_planned else "appended a planned entry to"
    say(f"scaffolded {key}: wrote {', '.join(written[:-1])}; {how} {written[-1]}")
    then = f"correct them, then soyte learn {key}" if not args.like else "correct them"
    say(f"next: soyte save-page {start} --portal {key}, the same for a few articles, then soyte expect {key}, "
        f"{then} (docs/ADDING_A_PORTAL.md)")
    emit({"portal": key, "entry": scaffold.entry, "filled_planned": scaffold.filled_planned, "written": written})
    return EXIT_OK


def save_page_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the page's real URL")
    parser.add_argument("--portal", required=True, metavar="KEY", help="the portal whose fixtures get the page")
    parser.add_argument("--replay", metavar="URL", help="fetch from this replay server, sending the real Host")
    parser.add_argument("--kind", choices=KINDS,
                        help="what the page is (default: robots.txt, a document by its name or type, a sitemap, "
                             "a start URL is a listing, else an article)")
    parser.add_argument("--name", help="file name under pages/ (default: from the URL)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate (as Scrapy)")


@command("save-page", "Fetch a page (or a file an article attaches) into its portal's fixture folder: raw bytes, "
         "URL, status and headers.",
         "soyte save-page https://soyte.hatinh.gov.vn/tin-tuc-su-kien --portal hatinh --replay http://127.0.0.1:8123",
         save_page_arguments, uses_archive=False)
def cmd_save_page(args: argparse.Namespace) -> int:
    from scraper.portals.capture import FetchError, FixtureFolder, fetch, guess_kind
    from scraper.portals.checkout import fixtures_dir
    from scraper.settings import USER_AGENT

    portal = portal_or_usage_error(args.portal)
    if not portal.layout:  # its fixture folder is made by new-portal, which refuses an existing one
        raise UsageError(f"{portal.key} has no layout yet: run soyte new-portal {portal.key} --host "
                         f"https://{portal.host} first")
    host = (urlsplit(args.url).hostname or "").lower()
    if not within_host(host, portal.host):
        raise UsageError(f"{args.url} is not on {portal.key}'s host {portal.host}: "
                         f"fix the URL, or the host in the registry if the portal moved")
    if args.name and ("/" in args.name or args.name.startswith(".")):
        raise UsageError(f"--name {args.name!r} must be a plain file name, e.g. listing-2.html")
    folder = FixtureFolder.for_portal(portal.key, fixtures_dir())
    if not folder.exists():
        folder.create(portal.key, portal.province, portal.layout, f"https://{portal.host}",
                      list(portal.start_urls))
    try:
        fetched = fetch(args.url, args.replay, USER_AGENT, verify=not args.insecure)
    except FetchError as error:
        say(f"soyte save-page: {error}")
        return EXIT_PROBLEM
    if not 200 <= fetched.status < 300:
        where = f" to {fetched.headers['location']}" if "location" in fetched.headers else ""
        say(f"soyte save-page: {fetched.url} answered HTTP {fetched.status}{where}; nothing saved")
        return EXIT_PROBLEM
    kind = args.kind or guess_kind(fetched.url, fetched.content_type, portal.start_urls)
    try:
        entry = folder.save(fetched, kind, args.name)
    except FetchError as error:
        raise UsageError(str(error)) from None
    say(f"saved {fetched.url} as {folder.folder.name}/{entry['file']} ({kind}, {len(fetched.body)} bytes, "
        f"{fetched.content_type})")
    emit(entry)
    return EXIT_OK


def expect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("portal", metavar="KEY", help="the portal whose article fixtures get expected records")
    parser.add_argument("--force", action="store_true",
                        help="overwrite expected records that exist (their corrections are lost)")


@command("expect", "Write each article fixture's current extraction as its expected record, for you to check.",
         "soyte expect hatinh --force", expect_arguments, uses_archive=False)
def cmd_expect(args: argparse.Namespace) -> int:
    from scraper.portals.capture import FixtureFolder, write_expected
    from scraper.portals.checkout import fixtures_dir
    from scraper.portals.sites import ARTICLE_KINDS

    portal = portal_or_usage_error(args.portal)
    if not portal.layout:
        raise UsageError(f"{portal.key} has no layout yet: run soyte new-portal {portal.key} --host "
                         f"https://{portal.host} first")
    folder = FixtureFolder.for_portal(portal.key, fixtures_dir())
    if not folder.pages(ARTICLE_KINDS):
        raise UsageError(f"no article pages in tests/fixtures/{portal.key}/: "
                         f"run soyte save-page URL --portal {portal.key} first")
    reports = write_expected(folder, portal.key, args.force)
    for report in reports:
        detail = f": {report['error']}" if "error" in report else ""
        say(f"{report['status']:>7} {portal.key}/{report['expected']} (from {report['page']}){detail}")
        emit(report)
    kept = sum(report["status"] == "kept" for report in reports)
    if kept:
        say(f"{kept} expected records kept as they were (they may hold corrections); --force overwrites them")
    if any(report.get("extraction") == "generic" for report in reports):
        say(f"records marked generic are the generic extractor's drafts (the layout cannot read them yet): "
            f"correct them, then soyte learn {portal.key}")
    say("check each written record against its page before you trust it: it is what extraction gives now")
    return EXIT_PROBLEM if any(report["status"] == "failed" for report in reports) else EXIT_OK


def check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spiders", nargs="*", metavar="KEY",
                        help="portal keys (default: every portal with a layout; one spider per portal)")
    parser.add_argument("--replay", metavar="URL", help="a running replay server (default: serve the demo "
                        "portals and tests/fixtures/ on 127.0.0.1 for the check)")
    parser.add_argument("--live", action="store_true", help="fetch the real portals instead of a replay")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every contract, not only failures")


@command("check", "Run every portal spider's contracts (scrapy check) against replayed pages of its portal.",
         "soyte check hatinh --verbose", check_arguments, uses_archive=False)
def cmd_check(args: argparse.Namespace) -> int:
    from scraper.crawl.contracts import replay_with_fixtures, run_contracts, spider_names
    from scraper.portals.checkout import fixtures_dir

    known = spider_names()
    unknown = [name for name in args.spiders if name not in known]
    if unknown:
        raise UsageError(f"no spider for {', '.join(unknown)} (no layout that loads); spiders: {', '.join(known)}")
    if args.live and args.replay:
        raise UsageError("--live and --replay exclude each other: choose one")
    broken = [] if args.spiders else unreadable_active_layouts()
    if args.live or args.replay:
        status = run_contracts(args.spiders, args.replay, args.verbose)
    else:
        with replay_with_fixtures(fixtures_dir()) as server:
            status = run_contracts(args.spiders, server.url, args.verbose)
    for line in broken:
        say(line)
    return status or (EXIT_PROBLEM if broken else EXIT_OK)


def unreadable_active_layouts() -> list[str]:
    """One line per active portal whose layout does not load: it has no spider, so no contract
    would fail for it, and `soyte check` must not pass while every crawl reports it."""
    from scraper.portals.registry import layout_problem

    return [f"{portal.key}: its layout does not load: {problem}" for portal in load_portals().values()
            if portal.active and (problem := layout_problem(portal))]


def activate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("portal", metavar="KEY", help="a planned portal whose layout and fixtures are ready")


@command("activate", "Set a planned portal's status to active in the registry: every crawl takes it from now on.",
         "soyte activate tuyenquang", activate_arguments, uses_archive=False)
def cmd_activate(args: argparse.Namespace) -> int:
    from scraper.portals.checkout import fixtures_dir
    from scraper.portals.scaffold import ScaffoldError, activate

    try:
        portal = activate(args.portal, fixtures_dir())
    except (ScaffoldError, RegistryError) as error:
        raise UsageError(str(error)) from None
    say(f"{portal.key} is active: soyte crawl takes it with the others; run python -m pytest before you commit")
    emit({"portal": portal.key, "status": portal.status, "layout": portal.layout})
    return EXIT_OK
