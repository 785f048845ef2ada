"""A million articles (issue 32): every item of the issue's table, on archives of 100k and 1M, in one run.

    python -m bench.million build --dir /tmp/million [--sizes 100000 1000000] [--no-stories]
    python -m bench.million measure --dir /tmp/million [--sizes 100000 1000000] [--reps 5] [--no-stories]
    python -m bench.million build --dir /tmp/million --sizes 500000 --offset 500000 --no-stories
    python -m bench.million merge --dir /tmp/million --size 500000 --offset 500000 --no-stories
    python -m bench.million merge --dir /tmp/million --size 100000 --offset 1000000 --onto /tmp/million/1000000.db --no-stories
    python -m bench.million writes --dir /tmp/stories --sizes 100000 1000000 --reps 3
    python -m bench.million stories --dir /tmp/million --sizes 100000 1000000

`build` writes each archive through the store API as a crawl does (archive.store.Archive:
save_page with the article's raw page, compressed; upsert_article with its record, so the
full-text index and the summaries are written as they are in a crawl; one crawl run row per
20,000 articles, listing pages beside them), over 34 portals of the registry, dated over twenty
years. The smaller archive is built first and copied as the start of the larger one, so both
hold the same first articles. A killed build goes on from the articles already stored. The
store rate of every 50,000 articles is kept in <dir>/build-<n>.json.

`measure` times, on each archive, the other size's right after it (alternating, with the load
average of the machine at each): the Datasette articles table page, the table search box
and the canned search for common words, the canned summaries, `soyte search` p95 over 16
queries, an incremental crawl's time and memory to its first request (the frontier), the
store rate of 5,000 more articles, and writes bench/results/million.json. `merge` of two
archives is timed by `python -m bench.million merge --dir /tmp/million --size 100000`, with the WAL at
each of its checkpoints (`--onto`: the archive of --offset merged into a copy of that one); `search`
times `soyte search` ranked both ways (bm25 over every word, over the telling words only) and the
Datasette pages, without the rest (bench/results/million-search.json); `writes` times the store with
the story step and without it on archives built with it (bench/results/million-writes.json).
`stories` fills the story tables of archives built `--no-stories`, each article filed alone
(bench.million_build.file_alone: the tables a crawl leaves, in minutes), for `writes` to time the
story step at 1,000,000 articles.

The archives go under the directory given (never the checkout): 1M is about 8 GB.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.million_build import build_all, file_alone
from bench.million_measure import measure_all, measure_merge, measure_search, measure_writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["build", "measure", "merge", "search", "writes", "stories"])
    parser.add_argument("--dir", type=Path, required=True, help="where the archives go (not the checkout)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-stories", action="store_true", help="build, measure: leave the story step out of the store (an archive built so has empty story tables)")
    parser.add_argument("--offset", type=int, default=0,
                        help="build: number the articles from here (the archive is <size>-from-<offset>.db); merge: merge that archive into a copy of <size>.db")
    parser.add_argument("--onto", type=Path, help="merge: with --offset, merge into a copy of this archive instead of <size>.db")
    parser.add_argument("--size", type=int, default=100_000, help="merge: the size of each of the two archives")
    args = parser.parse_args()
    if Path(args.dir).resolve().is_relative_to(Path(__file__).resolve().parent.parent):
        raise SystemExit("--dir must be outside the checkout: the archives take gigabytes")
    if args.step == "build":
        build_all(args.dir, args.sizes, stories=not args.no_stories, offset=args.offset)
    elif args.step == "measure":
        measure_all(args.dir, args.sizes, args.reps, stories=not args.no_stories)
    elif args.step == "search":
        measure_search(args.dir, args.sizes, args.reps)
    elif args.step == "stories":
        for size in sorted(args.sizes):
            print(json.dumps({"size": size, **file_alone(args.dir / f"{size}.db")}), flush=True)
    elif args.step == "writes":
        measure_writes(args.dir, args.sizes, args.reps)
    else:
        measure_merge(args.dir, args.size, args.offset, stories=not args.no_stories, onto=args.onto)


if __name__ == "__main__":
    main()
