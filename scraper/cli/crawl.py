"""The commands of the main job: crawl, extract, reextract, serve-portals, demo, search, runs."""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from scraper.cli.common import (ArchiveUnusable, UsageError, command, emit, open_archive, port_argument, port_number,
                                say)
from scraper.model import EXIT_LOCKED, EXIT_OK, EXIT_PROBLEM, EXIT_STORAGE

PROGRESS_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|p|pages?)?\s*$")


def crawl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("portals", nargs="*", help="portal keys from the registry (default: all active)")
    parser.add_argument("--replay", metavar="URL", default=os.environ.get("SOYTE_REPLAY_URL") or None,
                        help="route the real portal hosts to this replay server (default: $SOYTE_REPLAY_URL, else "
                             "the real hosts)")
    parser.add_argument("--demo-portals", action="store_true", help="serve the bundled demo portals and crawl them")
    parser.add_argument("--polite", action="store_true", help="keep AutoThrottle and delays even when replaying")
    parser.add_argument("--quiet", action="store_true", help="log only warnings and errors")
    parser.add_argument("--revisit-after", type=float, metavar="DAYS",
                        help="fetch archived articles again (conditionally) when older than this (default 30; 0: all)")
    parser.add_argument("--max-failure-share", type=float, metavar="SHARE",
                        help="alarm when more than this share of a portal's article pages fail extraction (default 0.2)")
    parser.add_argument("--no-images", action="store_true",
                        help="archive the articles' text and attachments only, not their images (SOYTE_WITH_IMAGES=False)")
    parser.add_argument("--with-images", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for old scripts
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy or soyte setting, as `scrapy crawl -s` does (repeatable)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="show Scrapy's own log on the terminal too (-vv: every request)")
    parser.add_argument("--log", metavar="FILE",
                        help="the crawl's full log (default: ARCHIVE.log beside the archive, rotated)")
    parser.add_argument("--progress-every", metavar="N", help="without a terminal, a progress line per portal "
                        "every N seconds (30, 30s) or pages (100p); default SOYTE_PROGRESS_INTERVAL, 30 s")


def progress_settings(every: str | None) -> dict:
    """`--progress-every 30s` (seconds; a bare number too) or `--progress-every 100p` (pages per portal)."""
    if every is None:
        return {}
    match = PROGRESS_EVERY.match(every)
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--progress-every takes seconds (30, 30s) or pages (100p), not {every!r}")
    if (match[2] or "s").startswith("p"):
        return {"SOYTE_PROGRESS_PAGES": int(float(match[1])), "SOYTE_PROGRESS_INTERVAL": 0}
    return {"SOYTE_PROGRESS_INTERVAL": float(match[1])}


@command("crawl", "Crawl portals (all active ones, or those named) into the archive.",
         "soyte crawl bacninh hatinh --db archive.db", crawl_arguments)
def cmd_crawl(args: argparse.Namespace) -> int:
    from archive.store import archive_file_problem
    from scraper.crawl.process import ArchiveUnwritable, CrawlLocked, demo_portals, not_active_warnings, run_crawl, select_portals
    from scraper.crawl.display import crawl_display
    from scraper.portals.replay import ReplayServer
    from scraper.crawl.setting_rules import setting_problem

    replay_url, server = args.replay, None
    if args.demo_portals:
        server = ReplayServer().start()
        replay_url = server.url
        say(f"serving the bundled demo portals at {replay_url}")
        args.portals = args.portals or demo_portals()  # not an active portal without bundled pages
    extra = {"LOG_LEVEL": "WARNING"} if args.quiet else {}
    for option, name, value in (("--revisit-after", "SOYTE_REVISIT_DAYS", args.revisit_after),
                                ("--max-failure-share", "SOYTE_MAX_FAILURE_SHARE", args.max_failure_share)):
        if value is not None:
            problem = setting_problem(name, str(value))
            if problem:
                raise UsageError(f"{option} {value}: {problem}")
            extra[name] = value
    if args.no_images and args.with_images:
        raise UsageError("--no-images and --with-images contradict each other: images are archived unless --no-images")
    if args.no_images:
        extra["SOYTE_WITH_IMAGES"] = False
    for assignment in args.set:
        name, equals, value = assignment.partition("=")
        if not equals or not name.isupper():
            raise UsageError(f"--set takes NAME=VALUE with an upper-case setting name, not {assignment!r}")
        problem = "the archive is --db PATH (its log and lock go beside it)" if name == "SOYTE_DB" else \
            setting_problem(name, value)
        if problem:
            raise UsageError(f"--set {assignment}: {problem}")
        extra[name] = value
    problem = archive_file_problem(args.db)  # before its log or lock is made beside it
    if problem:
        raise ArchiveUnusable(f"{problem}; nothing was written beside it")
    try:
        for warning in not_active_warnings(select_portals(args.portals or None)):
            say(warning)
        extra.update(progress_settings(args.progress_every))
        # The live display (handed to the crawl) or progress lines; Scrapy's log to ARCHIVE.log.
        with crawl_display(args.db, extra, args.log, args.verbose, args.quiet) as display:
            result = run_crawl(args.db, args.portals or None, replay_url, polite=args.polite, extra_settings=extra,
                               display=display)
    except (KeyError, ValueError) as error:
        raise UsageError(str(error).strip('"')) from None
    except CrawlLocked as error:
        say(f"soyte crawl: {error}")
        return EXIT_LOCKED
    except ArchiveUnwritable as error:
        say(f"soyte crawl: {error}")
        return EXIT_STORAGE
    finally:
        if server:
            server.stop()
    run = result.run
    say(f"crawl run {run['id']} {run['status']}: {run['articles_new']} new, {run['articles_updated']} updated, "
        f"{run['articles_unchanged']} unchanged articles; {run['errors']} errors; {run['requests']} requests")
    for problem in result.problems:
        say(f"ALARM {problem}")
    if run["status"] in ("interrupted", "failed"):
        say(f"the run is not finished: {run['message']}")
    if not sys.stdout.isatty():  # in a terminal the summary above is the result; `soyte runs` has the rest
        emit(run)
    return result.exit_status  # 130/143 after SIGINT/SIGTERM, 1 for an alarm or a failed run


def extract_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", help="a saved HTML page")
    parser.add_argument("--url", required=True, help="the URL the page was served at")
    parser.add_argument("--portal", help="portal key (default: found from the URL's host)")
    parser.add_argument("--content-type", help="the Content-Type header it was served with")
    parser.add_argument("--generic", action="store_true", help="use the generic extractor, not the layout's rules")


@command("extract", "Extract one saved article page and print its record as JSON, as a crawl would store it.",
         "soyte extract page.html --url https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/...",
         extract_arguments, uses_archive=False)
def cmd_extract(args: argparse.Namespace) -> int:
    from scraper.extraction.pages import ExtractionError
    from scraper.portals.reading import extract_portal_page, resolve_portal

    path = Path(args.page)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        portal = resolve_portal(args.url, args.portal)
        result = extract_portal_page(path.read_bytes(), args.url, portal, args.content_type,
                                     method="generic" if args.generic else "auto")
    except KeyError as error:
        raise UsageError(str(error).strip('"')) from None
    except ExtractionError as error:
        say(f"extraction failed: {error}")
        return EXIT_PROBLEM
    if result.method == "generic":
        say(f"generic extractor used: {result.note or 'asked for with --generic'}")
    for warning in result.warnings:
        say(f"warning: {warning}")
    sys.stdout.write(json.dumps(result.record, ensure_ascii=False, indent=1) + "\n")
    return EXIT_OK


@command("reextract", "Re-run extraction over the raw pages stored in the archive (no network).",
         "soyte reextract --db archive.db")
def cmd_reextract(args: argparse.Namespace) -> int:
    from scraper.cli.terminal import progress_bar
    from scraper.offline.reextract import reextract

    archive = open_archive(args.db)
    with progress_bar(len(archive.latest_article_pages()), "re-extracting", "pages") as advance:
        counts = reextract(archive, advance)
    archive.close()
    say(f"re-extracted: {counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed")
    if not sys.stdout.isatty():  # in a terminal the line above says it
        emit(counts)
    return EXIT_OK if not counts["failed"] else EXIT_PROBLEM


def serve_portals_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folders", nargs="*", metavar="FOLDER",
                        help="folders in the site.json format to serve: a fixture folder, a captured portal "
                             "(default: the bundled demo portals)")
    port_argument(8123)(parser)


@command("serve-portals", "Serve site folders (default: the bundled demo portals) on 127.0.0.1, to crawl offline.",
         "soyte serve-portals tests/fixtures/tuyenquang --port 8123", serve_portals_arguments, uses_archive=False)
def cmd_serve_portals(args: argparse.Namespace) -> int:
    from scraper.portals.replay import ReplayServer
    from scraper.portals.sites import Site, SiteError

    folders = [Path(folder) for folder in args.folders]
    missing = [str(folder) for folder in folders if not Site(folder).exists()]
    if missing:
        raise UsageError(f"no site.json in {', '.join(missing)}: name folders in the site.json format "
                         "(a fixture folder tests/fixtures/KEY, a captured portal)")
    try:
        server = ReplayServer(port=args.port, folders=folders or None)
    except SiteError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({error.strerror}): pass another --port") from None
    say(f"serving {', '.join(server.portal_hosts)} at {server.url} (browse {server.url}/PORTAL/PATH; "
        f"crawl with --replay {server.url}, capture with soyte save-page URL --replay {server.url}); Ctrl-C stops")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-serve", action="store_true", help="stop after the crawl; do not open Datasette")
    parser.add_argument("--port", type=port_number, default=8001, help="Datasette's port")


@command("demo", "Serve the bundled portals, crawl them into an archive, then browse it in Datasette.",
         "soyte demo --db demo.db", demo_arguments)
def cmd_demo(args: argparse.Namespace) -> int:
    # The crawl draws its live display on this terminal (stderr is passed through); piped, it stays quiet.
    quiet = [] if sys.stderr.isatty() else ["--quiet"]
    crawl = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", "--demo-portals", *quiet,
                            "--db", args.db], stdout=subprocess.DEVNULL)
    archive = open_archive(args.db, readonly=True)
    rows = archive.conn.execute("SELECT portal, published, title FROM articles ORDER BY portal, published DESC")
    for portal, published, title in rows:
        say(f"  {portal:<8} {published or '':<25} {title}")
    total = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    archive.close()
    say(f"{total} articles stored in {args.db}")
    if crawl.returncode != EXIT_OK:
        say("the crawl reported problems: see `soyte runs`")
    if args.no_serve:
        return crawl.returncode
    say(f"opening {args.db} in Datasette at http://127.0.0.1:{args.port} (Ctrl-C stops)")
    return subprocess.call(datasette_command(args.db, args.port))


def datasette_command(db: str, port: int) -> list[str]:
    """How `soyte demo` opens the archive: `soyte serve`, Datasette with the project's metadata."""
    return [sys.executable, "-m", "scraper.cli", "serve", db, "--port", str(port)]


def search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query")
    parser.add_argument("--limit", type=int, default=20, metavar="N",
                        help="at most N articles, then at most N documents (default 20)")
    parser.add_argument("--json", action="store_true", help="JSON lines even in a terminal (the default when piped)")


@command("search", "Accent-insensitive full-text search of the archive (\"quoted words\" as an exact phrase); "
         "prints matching articles, then matching attached documents with the articles that link them, each "
         "with a snippet of where it matched: a list in a terminal, JSON lines when piped.",
         "soyte search 'sot xuat huyet' --db archive.db", search_arguments)
def cmd_search(args: argparse.Namespace) -> int:
    from archive.documents import search_with_documents
    from archive.results import with_snippets
    from archive.search import QueryTooLong
    from scraper.cli.terminal import show_matches

    if args.limit < 1:
        raise UsageError(f"--limit wants a positive number, not {args.limit}")
    archive = open_archive(args.db, readonly=True)
    try:
        rows = with_snippets(archive.conn, args.query, list(search_with_documents(archive.conn, args.query, args.limit)))
    except QueryTooLong as error:
        raise UsageError(f"{error}: search with fewer, more telling words") from None
    finally:
        archive.close()
    show_matches(rows, args.json)
    if not rows:  # stdout stays empty (a pipe reads no line); the person at the terminal is told
        say(f"no match for {args.query!r}")
    return EXIT_OK


def limit_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="the N newest runs (default 20)")
    parser.add_argument("--json", action="store_true", help="JSON lines even in a terminal (the default when piped)")


RUN_COLUMNS = {"id": "run", "started_at": "started (+07:00)", "status": "status",
               "portals": "portals", "requests": "requests", "articles_new": "new", "articles_updated": "updated",
               "articles_unchanged": "unchanged", "articles_generic": "generic", "errors": "errors",
               "warnings": "warnings"}
# The headings in a terminal too narrow for the whole words (80 columns): abbreviated, never cut.
RUN_COLUMNS_NARROW = {"requests": "req.", "articles_updated": "upd.", "articles_unchanged": "same",
                      "articles_generic": "gen.", "errors": "err.", "warnings": "warn."}


@command("runs", "List recent crawl runs with their counts, newest first: a table, or JSON lines when piped.",
         "soyte runs --limit 5", limit_argument)
def cmd_runs(args: argparse.Namespace) -> int:
    from scraper.cli.terminal import short_time, show_rows

    archive = open_archive(args.db, readonly=True)
    show_rows(list(archive.db["crawl_runs"].rows_where(order_by="id desc", limit=args.limit)), RUN_COLUMNS,
              args.json, short_time, RUN_COLUMNS_NARROW)
    archive.close()
    return EXIT_OK
