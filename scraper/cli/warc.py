"""The raw archive in and out: `soyte import-warc`, `soyte compact`, and `soyte export --format warc|wacz`."""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Callable

from scraper.cli.common import UsageError, command, emit, open_archive, output_file, require_extra, say
from scraper.extraction.dates import VIETNAM
from scraper.model import EXIT_OK, EXIT_PROBLEM, EXIT_STORAGE

WARC_FORMATS = ("warc", "wacz")


def portal_hosts(key: str | None) -> list[str] | None:
    """The host of a registered portal, for selecting its pages (pages are kept by URL)."""
    if not key:
        return None
    from scraper.portals.registry import UnknownPortal, get_portal

    try:
        return [get_portal(key).host]
    except UnknownPortal as error:
        raise UsageError(str(error)) from None


def since_utc(day: str | None) -> str | None:
    """--since DAY (at +07:00, as for articles) as the UTC time pages' fetched_at is compared with."""
    if not day:
        return None
    try:
        start = datetime.combine(date.fromisoformat(day), time(0), VIETNAM)
    except ValueError:
        raise UsageError(f"--since wants a date such as 2020-01-31, not {day!r}") from None
    return start.astimezone(timezone.utc).isoformat()


def damage_log(what: str) -> tuple[list[int], Callable[[int, str], None]]:
    """The ids of damaged pages met, and the callback that notes one and says it in one line."""
    damaged: list[int] = []

    def on_damaged(page_id: int, reason: str) -> None:
        damaged.append(page_id)
        say(f"{what}: {reason}")

    return damaged, on_damaged


def export_pages(args: argparse.Namespace) -> int:
    """`soyte export --format warc` (to stdout) or `--format wacz -o FILE`: the stored pages, not the articles."""
    from archive.warc import write_wacz, write_warc

    hosts, since = portal_hosts(args.portal), since_utc(args.since)
    if args.format == "wacz" and not args.output:
        raise UsageError("--format wacz writes a file: pass -o FILE.wacz")
    if args.format == "warc" and not args.output and sys.stdout.isatty():
        raise UsageError("a WARC is binary: redirect stdout (> pages.warc.gz) or pass -o FILE.warc.gz")
    if args.format == "wacz":
        require_extra("wacz", "wacz.main", "--format wacz")
    archive = open_archive(args.db, readonly=True)
    damaged, on_damaged = damage_log("left out")
    tally: dict[str, int] = {}
    try:
        if args.output:  # written as FILE.part, renamed once complete
            name = Path(args.output).name
            with output_file(Path(args.output)) as part:
                if args.format == "wacz":
                    write_wacz(archive.conn, part, hosts, since, on_damaged, name, tally)
                else:
                    with part.open("wb") as out:
                        write_warc(archive.conn, out, hosts, since, on_damaged, name, tally=tally)
        else:
            write_warc(archive.conn, sys.stdout.buffer, hosts, since, on_damaged, tally=tally)
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`soyte export --format warc | head -1`): not an error, as for
        # the other formats. stdout points at /dev/null so that Python's flush at exit is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        say(f"soyte export: cannot write {args.output or 'stdout'}: {error}")
        return EXIT_STORAGE
    finally:
        archive.close()
    files = (f", {tally.get('document', 0)} documents and {tally.get('image', 0)} images"
             if tally.get("document") or tally.get("image") else "")
    say(f"exported {tally.get('page', 0)} pages{files} from {args.db} as {args.format.upper()}"
        + (f"; {len(damaged)} damaged pages left out" if damaged else ""))
    return EXIT_PROBLEM if damaged else EXIT_OK


def import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="WARC (.warc, .warc.gz) or WACZ files")
    parser.add_argument("--portal", metavar="KEY", help="import only this portal's pages")


@command("import-warc", "Backfill the archive from WARC or WACZ files: pages with their capture times, then articles.",
         "soyte import-warc ia-bacninh-2017.warc.gz --portal bacninh --db archive.db", import_arguments)
def cmd_import_warc(args: argparse.Namespace) -> int:
    from archive.store import Archive
    from scraper.offline.backfill import import_warc

    paths = [Path(name) for name in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    portal_hosts(args.portal)  # an unknown portal is a usage error before anything is read
    try:
        archive = Archive(args.db)
    except sqlite3.Error as error:
        say(f"soyte import-warc: cannot open {args.db}: {error}")
        return EXIT_STORAGE
    try:
        counts = import_warc(archive, paths, args.portal, say)
    except sqlite3.OperationalError as error:
        say(f"soyte import-warc: cannot write {args.db}: {error}")
        return EXIT_STORAGE
    finally:
        archive.close()
    say(f"imported {counts['pages_new']} new pages ({counts['pages_known']} already archived): "
        f"{counts['articles_new']} new, {counts['articles_updated']} updated, {counts['articles_earlier']} earlier "
        f"versions, {counts['articles_unchanged']} unchanged articles; skipped {counts['revisit']} revisits, "
        f"{counts['not_html']} non-HTML, {counts['other_host']} other hosts, {counts['damaged']} damaged; "
        f"{counts['extraction_failures']} extraction failures; files of the articles: {counts['documents_new']} new "
        f"documents, {counts['images_new']} new images, {counts['files_known']} already archived, "
        f"{counts['files_unlinked']} no article links (skipped), {counts['files_unreadable']} unreadable")
    emit(counts)
    return EXIT_PROBLEM if counts["damaged"] or counts["extraction_failures"] else EXIT_OK


def compact_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--portal", metavar="KEY", help="only this portal's pages")
    parser.add_argument("--retrain", action="store_true",
                        help="train a new dictionary from the newest pages even where one exists")
    parser.add_argument("--batch", type=int, default=500, help="pages re-compressed per transaction (default 500)")


@command("compact", "Re-compress stored pages with their portal's zstd dictionary (trained when missing); safe to re-run.",
         "soyte compact --db archive.db", compact_arguments)
def cmd_compact(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise UsageError("--batch must be at least 1")
    hosts = portal_hosts(args.portal)
    archive = open_archive(args.db)
    damaged, on_damaged = damage_log("left as it is")
    try:
        results = archive.compact(args.batch, args.retrain, hosts, on_damaged)
    except sqlite3.OperationalError as error:
        say(f"soyte compact: cannot write {args.db}: {error}")
        return EXIT_STORAGE
    finally:
        archive.close()
    for result in results:
        saved = f", {result.bytes_before:,} → {result.bytes_after:,} bytes" if result.recompressed else ""
        state = f"dictionary {result.dictionary_id}" if result.dictionary_id else "too few pages for a dictionary"
        say(f"{result.host}: {state}; {result.recompressed} pages re-compressed{saved}")
        emit(vars(result))
    return EXIT_PROBLEM if damaged else EXIT_OK
