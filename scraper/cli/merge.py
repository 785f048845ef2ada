"""`soyte merge`: several nodes' archives into one (archive/merge.py)."""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from scraper.cli.common import UsageError, command, emit, say
from scraper.model import EXIT_LOCKED, EXIT_OK, EXIT_STORAGE


def merge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", type=Path, metavar="ARCHIVE", help="the archives to merge in")
    parser.add_argument("--into", type=Path, required=True, metavar="ARCHIVE",
                        help="the archive that receives them (created if missing)")


@command("merge", "Merge archives written by several crawl nodes into one, without loss; merging twice changes nothing.",
         "soyte merge node1.db node2.db --into archive.db", merge_arguments, uses_archive=False)
def cmd_merge(args: argparse.Namespace) -> int:
    from archive.merge import MergeLocked, MergeRefused, check_target, merge
    from scraper.crawl.process import ArchiveUnwritable, CrawlLocked, crawl_lock

    check_paths(args.sources, args.into)
    try:
        check_target(args.into, args.sources)  # before the lock: nothing is made beside another program's file
        with crawl_lock(str(args.into)):  # no crawl writes the target while it is merged into
            counts = merge(args.sources, args.into)
    except (CrawlLocked, MergeLocked) as error:  # another crawl, or another program, is writing the target
        say(f"soyte merge: {error}")
        return EXIT_LOCKED
    except (MergeRefused, ArchiveUnwritable) as error:  # a target that is not an archive: nothing made beside it
        say(f"soyte merge: {error}")
        return EXIT_STORAGE
    say(f"merged {len(args.sources)} archives into {args.into}: {counts.pages} pages, {counts.articles_new} new and "
        f"{counts.articles_changed} changed articles ({counts.versions} earlier versions), {counts.runs} crawl runs"
        + still_running(counts.runs_running, counts.running_in))
    emit(asdict(counts))
    return EXIT_OK


def check_paths(sources: list[Path], into: Path) -> None:
    """Usage errors (exit 2), before the lock is made beside the target: an input that is not
    there, or a target in a directory that is not (the merge never makes directories)."""
    missing = [str(source) for source in sources if not source.exists()]
    if missing:
        raise UsageError(f"no archive at {', '.join(missing)}: name the node archives to merge")
    if not into.parent.is_dir():
        raise UsageError(f"--into {into}: there is no directory {into.parent}; create it first "
                         f"(mkdir -p {into.parent}) or name another place")


def still_running(runs: int, files: list[str]) -> str:
    """The end of the summary line for runs left out because a crawl is still writing them."""
    if not runs:
        return ""
    return (f"; left out {runs} crawl run{'s' if runs > 1 else ''} still running in {', '.join(files)} "
            f"(a crawl is writing {'them' if runs > 1 else 'it'}): merge again once it has finished")
