"""`soyte merge`: several nodes' archives into one (archive/merge.py)."""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from scraper.cli import EXIT_OK, EXIT_STORAGE, UsageError, command, emit, say


def merge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", type=Path, metavar="ARCHIVE", help="the archives to merge in")
    parser.add_argument("--into", type=Path, required=True, metavar="ARCHIVE",
                        help="the archive that receives them (created if missing)")


@command("merge", "Merge archives written by several crawl nodes into one, without loss; merging twice changes nothing.",
         "soyte merge node1.db node2.db --into archive.db", merge_arguments, uses_archive=False)
def cmd_merge(args: argparse.Namespace) -> int:
    from archive.merge import MergeRefused, merge
    from scraper.crawl import CrawlLocked, crawl_lock

    try:
        with crawl_lock(str(args.into)):  # no crawl writes the target while it is merged into
            counts = merge(args.sources, args.into)
    except MergeRefused as error:
        say(f"soyte merge: {error}")
        return EXIT_STORAGE
    except CrawlLocked as error:
        raise UsageError(str(error)) from None
    say(f"merged {len(args.sources)} archives into {args.into}: {counts.pages} pages, {counts.articles_new} new and "
        f"{counts.articles_changed} changed articles ({counts.versions} earlier versions), {counts.runs} crawl runs")
    emit(asdict(counts))
    return EXIT_OK
