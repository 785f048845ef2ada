"""Datasette's table pages at 1,000,000 articles, warm and cold, quiet and under load: the count of a
table page taken from the counts kept for it, and a search's count counted once per state of the
archive (archive/datasette/table_counts.py, count_cache.py), and a dense term's rows found by probing the
index (table_search.py), against Datasette's own count and the set of every match.

    python -m bench.table_pages --archive /tmp/h2s40/1000000.db [--reps 5] [--cold-reps 5]
    python -m bench.table_pages --archive /tmp/h2s40/1000000.db --store-cost 5000 --reps 6

The archive must hold the kept counts (opened once for writing by this version, or given them by
archive.row_counts.ensure_row_counts); it is only read here. "before" is the archive's Datasette
as this session found it (as_before: Datasette's own counts, a search's rows from the set of its
matches), "after" the archive's Datasette as served; both answer from the same file, asked
in-process through the ASGI client.

- warm: one Datasette per method in this process, methods and pages alternating, `--reps` rounds after
  an untimed one; for a search, "after" twice: its count cache emptied before each request (the first
  reader of a search in this state of the archive) and kept (the next reader, a next page);
- loaded: the same while a CPU burner (`while 1: pass`, a child process, ended after) holds one of
  the two cores;
- cold: a fresh process per request: Datasette started, a small table's page asked (crawl_runs, HTML
  and JSON: the templates compiled, as in a server that has run a while), the archive's file and WAL
  dropped from the page cache (posix_fadvise DONTNEED on this file only: other files and processes
  keep theirs; the pages the warm-up mapped stay), then one request timed. "Cold" means: none of the archive's pages in memory, as after a merge or a crawl
  read other files for a while.

Writes bench/results/table-pages.json, with the load average at each round.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import stats, write_results

PAGES = {
    "pages table (HTML)": "/{db}/pages",
    "pages.json": "/{db}/pages.json",
    "pages.json next page": "/{db}/pages.json?_next={pages_next}",
    "articles table (HTML)": "/{db}/articles",
    "articles.json": "/{db}/articles.json",
    "database page": "/{db}",
    "articles.json search 'y te'": "/{db}/articles.json?_search=y+te",
    "articles.json search 'y te', next page": "/{db}/articles.json?_search=y+te&_next={search_next}",
    "articles.json search 'sot xuat huyet'": "/{db}/articles.json?_search=sot+xuat+huyet",
}
SEARCHES = {page for page in PAGES if "search" in page}

COLD = r"""
import asyncio, json, os, sys, time
path, method, url = sys.argv[1:4]
from archive.datasette import make_datasette
from bench.table_pages import as_before
if method == "before":
    as_before(True)
async def run():
    ds = make_datasette(path)
    await ds.invoke_startup()
    db = os.path.splitext(os.path.basename(path))[0]
    for warm_up in (f"/{db}/crawl_runs", f"/{db}/crawl_runs.json"):  # the templates, not the archive
        await ds.client.get(warm_up)
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            fd = os.open(path + suffix, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
    started = time.perf_counter()
    response = await ds.client.get(url)
    ms = (time.perf_counter() - started) * 1e3
    count = response.json().get("filtered_table_rows_count") if ".json" in url else None
    print(json.dumps({"ms": ms, "status": response.status_code, "count": count}))
asyncio.run(run())
"""


OWN: dict = {}


def as_before(before: bool) -> None:
    """Datasette as this session found it (`before`: Datasette's own counts, every search's rows from
    the set of its matches, the first page's ties as SQLite reads them) or as served now. The counts
    and ties are installed when a Datasette starts; the dense search is chosen per request."""
    from archive.datasette import table_counts, table_search, ties

    if not OWN:
        OWN.update(counting=table_counts.counting_execute, ties=ties.tie_breaking_execute,
                   dense=table_search.walks_published)
    table_counts.counting_execute = (lambda db, execute: execute) if before else OWN["counting"]
    ties.tie_breaking_execute = (lambda execute: execute) if before else OWN["ties"]
    table_search.walks_published = (lambda request: False) if before else OWN["dense"]


async def sites(path: Path):
    """Datasette as served (after) and with Datasette's own counts (before), and the pages' URLs."""
    from archive.datasette import count_cache, make_datasette

    made = {}
    for method in ("before", "after"):
        as_before(method == "before")
        made[method] = make_datasette(path)
        await made[method].invoke_startup()
    as_before(False)
    db = path.stem
    client = made["after"].client
    tokens = {"pages_next": (await client.get(f"/{db}/pages.json")).json()["next"],
              "search_next": (await client.get(f"/{db}/articles.json?_search=y+te")).json()["next"]}
    count_cache.forget_all()
    return made, {page: url.format(db=db, **tokens) for page, url in PAGES.items()}


async def warm(path: Path, reps: int) -> dict:
    from archive.datasette import count_cache

    made, urls = await sites(path)
    times: dict = {}
    counts: dict = {}
    loads = []
    for rep in range(reps + 1):
        loads.append(os.getloadavg()[0])
        for page, url in urls.items():
            methods = ["before", "after"] + (["after, cached"] if page in SEARCHES else [])
            for method in (methods if rep % 2 == 0 else list(reversed(methods))):
                if method == "after":
                    count_cache.forget_all()
                as_before(method == "before")
                started = time.perf_counter()
                response = await made[method.split(",")[0]].client.get(url)
                ms = (time.perf_counter() - started) * 1e3
                if ".json" in url:
                    counts[page, method] = response.json().get("filtered_table_rows_count")
                as_before(False)
                if rep:
                    times.setdefault(f"{page} | {method}", []).append(ms)
                if response.status_code != 200:
                    times.setdefault(f"{page} | {method} | HTTP", []).append(response.status_code)
    return {"ms": {key: stats(v) for key, v in times.items() if not key.endswith("HTTP")},
            "refused": {key: v for key, v in times.items() if key.endswith("HTTP")},
            "counts": {f"{page} | {method}": count for (page, method), count in counts.items()}, "load": loads}


def cold(path: Path, reps: int, urls: dict[str, str]) -> dict:
    times: dict = {}
    loads = []
    for rep in range(reps):
        for page, url in urls.items():
            for method in (("before", "after") if rep % 2 == 0 else ("after", "before")):
                loads.append(os.getloadavg()[0])
                out = subprocess.run([sys.executable, "-c", COLD, str(path), method, url], capture_output=True,
                                     text=True, check=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                times.setdefault(f"{page} | {method}", []).append(result)
    return {"ms": {key: {**stats([r["ms"] for r in v]), "status": sorted({r["status"] for r in v}),
                         "count": v[-1]["count"]} for key, v in times.items()}, "load": loads}


def loaded(function, *args):
    """`function(*args)` while a CPU burner holds one core (its own child process, ended after)."""
    burner = subprocess.Popen([sys.executable, "-c", "while 1: pass"])
    try:
        time.sleep(1)
        return function(*args)
    finally:
        burner.kill()
        burner.wait()


def store_cost(pages: int, reps: int) -> dict:
    """What the counts triggers add to storing a page: `pages` pages stored through Archive.save_page
    into a fresh archive with the triggers and into one without (dropped), alternating, `reps` rounds;
    each page its own commit, and grouped in one commit a second as a crawl groups them
    (scraper/crawl/run.py's commit window)."""
    import tempfile

    from archive.row_counts import COUNTED, triggers
    from archive.store import Archive

    times: dict = {}
    for rep in range(reps):
        for method in (("with triggers", "without") if rep % 2 == 0 else ("without", "with triggers")):
            for grouped in (False, True):
                with tempfile.TemporaryDirectory() as folder:
                    archive = Archive(Path(folder) / "w.db")
                    if grouped:
                        archive.group_commits(1.0)
                    if method == "without":
                        for table in COUNTED:
                            for trigger in triggers(table):
                                archive.conn.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
                    started = time.perf_counter()
                    for n in range(pages):
                        archive.save_page(f"https://soyte.example.gov.vn/trang/{n}.html", 200, {}, b"<p>%d</p>" % n, None)
                        if grouped:
                            archive.commit_if_due()
                    archive.flush()
                    times.setdefault(f"{method}, {'grouped' if grouped else 'a commit a page'}", []).append(
                        (time.perf_counter() - started) / pages * 1e6)
                    archive.close()
    return {method: stats(values) for method, values in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="an archive with the kept counts (only read)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cold-reps", type=int, default=5)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cold-only", nargs="+", metavar="PAGE",
                        help="instead: only the cold requests of the pages named (PAGES' keys), "
                             "written to table-pages-cold.json")
    parser.add_argument("--store-cost", type=int, metavar="PAGES",
                        help="instead: µs a page stored with and without the counts triggers")
    args = parser.parse_args(argv)
    if args.store_cost:
        results = {"store cost, µs a page": store_cost(args.store_cost, args.reps), "load": os.getloadavg()[0]}
        print(json.dumps(results, indent=1))
        write_results("table-pages-store-cost", results)
        return
    if args.cold_only:
        _, urls = asyncio.run(sites(args.archive))
        results = {"cold": cold(args.archive, args.cold_reps, {page: urls[page] for page in args.cold_only})}
        print(json.dumps(results["cold"]["ms"], indent=1))
        write_results("table-pages-cold", results)
        return
    results = {"archive": str(args.archive), "bytes": args.archive.stat().st_size}
    results["warm quiet"] = asyncio.run(warm(args.archive, args.reps))
    print(json.dumps(results["warm quiet"]["ms"], indent=1))
    results["warm loaded"] = loaded(lambda: asyncio.run(warm(args.archive, args.reps)))
    print(json.dumps(results["warm loaded"]["ms"], indent=1))
    if not args.skip_cold:
        _, urls = asyncio.run(sites(args.archive))
        results["cold"] = cold(args.archive, args.cold_reps, urls)
        print(json.dumps(results["cold"]["ms"], indent=1))
    write_results("table-pages", results)


if __name__ == "__main__":
    main()
