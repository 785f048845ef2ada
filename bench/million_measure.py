"""The measuring half of bench/million.py: each item of issue 32's table, on every archive size.

Every timing is taken on one archive, then the same on the next size, alternating over `reps`
rounds, with the load average at each round beside it. Datasette is the archive's own
(archive.datasette.make_datasette, its settings and plugin), asked in-process through its ASGI
client (no socket: the figures are the server's work, not the network's). The frontier is timed
in a fresh process per archive (its peak memory is that process's). Imported by bench/million.py.
"""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from bench.common import percentile, stats, write_results

SEARCH_QUERIES = [
    "sot xuat huyet", "sốt xuất huyết", "bac ninh", "y tế", "tiêm vắc xin", "Đắk Lắk", "dau",
    "covid", "tay chân miệng", "benh vien da khoa", "chuyen doi so", "kiểm soát bệnh tật",
    "hội nghị sơ kết", "tre em", "bảo hiểm y tế", "đậy kín dụng cụ chứa nước",
]  # bench/archive.py's 16
PAGES = {
    "articles table page": "/{db}/articles",
    "search box 'sot xuat huyet'": "/{db}/articles?_search=sot+xuat+huyet",
    "search box 'y te'": "/{db}/articles?_search=y+te",
    "canned articles per province per month": "/{db}/articles_per_province_per_month",
    "canned search 'y te'": "/{db}/search?term=y+te",
    "canned latest articles": "/{db}/latest_articles",
    "article page": "/{db}/articles/{article}",
    "database page (charts, feeds)": "/{db}",
    "articles of a province": "/{db}/articles?province=B%E1%BA%AFc+Ninh",
    "feed of a province": "/{db}/feed_province.atom?province=B%E1%BA%AFc+Ninh",
    "feed of a category": "/{db}/feed_category.atom?category=Y+t%E1%BA%BF+c%C6%A1+s%E1%BB%9F",
    "feed of a search 'y te'": "/{db}/feed_search.atom?term=y+te",
    "crawl health": "/{db}/crawl_health",
    "stories with copies": "/{db}/stories?copies__gt=1",
    "articles.json search 'y te'": "/{db}/articles.json?_search=y+te",
}

FRONTIER_SCRIPT = r"""
import json, os, resource, sys, time
started = time.perf_counter()
import asyncio
from datetime import timedelta
from archive.store import Archive
from archive.frontier import load_frontier
from bench.million_build import portals
from spiders.loader import PortalSpiderLoader
path = sys.argv[1]
keys = [p.key for p in portals()]
archive = Archive(path)  # as a crawl opens it: for writing
opened = time.perf_counter() - started
frontier = load_frontier(archive.conn, keys, timedelta(days=30))
spider = PortalSpiderLoader().load(keys[0])(frontier=frontier)
async def first():
    async for request in spider.start():
        return request
request = asyncio.run(first())
first_s = time.perf_counter() - started
rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
due = sum(len(frontier.due.get(key, [])) for key in keys)
due_s = time.perf_counter() - t
t = time.perf_counter()
urls = [row[0] for row in archive.conn.execute("SELECT url FROM articles ORDER BY random() LIMIT 2000")]
t = time.perf_counter()
known = sum(frontier.is_known(url) for url in urls) + sum(frontier.is_known(url + "-not") for url in urls)
lookup_us = (time.perf_counter() - t) / (2 * len(urls)) * 1e6
print(json.dumps({"open_s": opened, "first_request_s": first_s, "rss_mb_at_first_request": rss_first,
                  "first_request": request.url, "due_all_portals": due, "due_all_portals_s": due_s,
                  "is_known_us": lookup_us, "known": known,
                  "rss_mb_after_due": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def load() -> float:
    return os.getloadavg()[0]


def timed_pages(paths: dict[str, Path], reps: int) -> dict:
    """Each page of PAGES on each archive, alternating, `reps` times after one untimed pass."""
    from archive.datasette import make_datasette

    async def run() -> dict:
        sites = {}
        for name, path in paths.items():
            ds = make_datasette(path)
            await ds.invoke_startup()
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            article = conn.execute("SELECT url FROM articles ORDER BY rowid DESC LIMIT 1").fetchone()[0]
            conn.close()
            sites[name] = (ds, path.stem, quote(article, safe=""))
        times = {name: {page: [] for page in PAGES} for name in paths}
        statuses: dict = {name: {} for name in paths}
        loads = []
        for rep in range(reps + 1):
            for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
                ds, db, article = sites[name]
                loads.append(load())
                for page, template in PAGES.items():
                    url = template.format(db=db, article=article)
                    started = time.perf_counter()
                    response = await ds.client.get(url, follow_redirects=True)  # the search box: to "Search a term"
                    seconds = time.perf_counter() - started
                    statuses[name][page] = response.status_code
                    if rep:
                        times[name][page].append(seconds * 1e3)
        return {"ms": {name: {page: stats(v) for page, v in by_page.items()} for name, by_page in times.items()},
                "status": statuses, "load": loads}

    return asyncio.run(run())


def timed_search(paths: dict[str, Path], reps: int) -> dict:
    """`soyte search` (archive.search.search on a read-only Archive, as the command opens it), the 16 queries."""
    from archive.search import search
    from archive.store import Archive

    readers = {name: Archive(path, readonly=True) for name, path in paths.items()}
    times: dict = {name: [] for name in paths}
    for name, reader in readers.items():  # one untimed pass each
        for q in SEARCH_QUERIES:
            search(reader.conn, q)
    for rep in range(reps):
        for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
            for q in SEARCH_QUERIES:
                started = time.perf_counter()
                search(readers[name].conn, q)
                times[name].append((time.perf_counter() - started) * 1e3)
    for reader in readers.values():
        reader.close()
    return {name: stats(v) for name, v in times.items()}


def timed_ranking(paths: dict[str, Path], reps: int) -> dict:
    """The 16 queries ranked each way, each method alone over both sizes (alternating) before the
    next: bm25 over every word (archive.search.best_matches, as before issue 32's second pass) and
    over the telling words only (archive.search.telling_ranking, now); with how many of the 20
    results and of the first 10 in order the two share."""
    import archive.search as search_module
    from archive.search import search
    from archive.store import Archive

    readers = {name: Archive(path, readonly=True) for name, path in paths.items()}
    telling = search_module.telling_ranking
    methods = {"bm25 over every word (before)": lambda *args: None, "bm25 over the telling words (now)": telling}
    out: dict = {"ms": {}, "agreement": {}}
    results: dict = {}
    try:
        for method, ranking in methods.items():
            search_module.telling_ranking = ranking
            times: dict = {name: [] for name in paths}
            for name, reader in readers.items():  # one untimed pass each, and the answers compared below
                results[method, name] = [[row["url"] for row in search(reader.conn, q)] for q in SEARCH_QUERIES]
            for rep in range(reps):
                for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
                    for q in SEARCH_QUERIES:
                        started = time.perf_counter()
                        search(readers[name].conn, q)
                        times[name].append((time.perf_counter() - started) * 1e3)
            out["ms"][method] = {name: {**stats(v), "load": load()} for name, v in times.items()}
    finally:
        search_module.telling_ranking = telling
        for reader in readers.values():
            reader.close()
    before, now = list(methods)
    for name in paths:
        pairs = list(zip(results[before, name], results[now, name]))
        out["agreement"][name] = {"same_20": sum(set(a) == set(b) for a, b in pairs),
                                  "same_first_10_in_order": sum(a[:10] == b[:10] for a, b in pairs),
                                  "queries": len(pairs)}
    return out


def timed_frontier(paths: dict[str, Path], reps: int) -> dict:
    """Time and peak memory to an incremental crawl's first request, in a fresh process each."""
    results: dict = {name: [] for name in paths}
    for rep in range(reps):
        for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", FRONTIER_SCRIPT, str(paths[name])], capture_output=True,
                                 text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["process_s"] = time.perf_counter() - started
            row["load"] = load()
            results[name].append(row)
    return results


def timed_writes(paths: dict[str, Path], reps: int, articles: int = 1000, stories: bool = True) -> dict:
    """The store rate of `articles` more articles (page and record, as a crawl writes them) on each
    archive, alternating, `reps` rounds; without the story step when the archives were built without it
    (bench.million_build.build_all), which then times the rest of the store alone."""
    import archive.store
    from archive.store import Archive
    from bench.million_build import Builder, article_count, store

    hook = archive.store.index_article
    rates: dict = {name: [] for name in paths}
    try:
        if not stories:
            archive.store.index_article = lambda *args, **kwargs: None
        for rep in range(reps):
            for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
                have = article_count(paths[name])
                writer = Archive(paths[name])
                builder = Builder(seed=have)
                run_id = writer.start_run([p.key for p in builder.portals])
                started = time.perf_counter()
                store(writer, builder, have, have + articles, run_id)
                seconds = time.perf_counter() - started
                writer.finish_run(run_id, "completed")
                writer.close()
                rates[name].append({"articles": articles, "per_s": articles / seconds, "load": load()})
    finally:
        archive.store.index_article = hook
    return {name: {"runs": runs, "per_s": stats([run["per_s"] for run in runs]), "story_step": stories}
            for name, runs in rates.items()}


def first_open(paths: dict[str, Path]) -> dict:
    """The one-time upgrade of an archive built by an older soyte (indexes, counts): its seconds."""
    out = {}
    for name, path in paths.items():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from archive.store import Archive; Archive(sys.argv[1]).close()",
                        str(path)], check=True, cwd=Path(__file__).resolve().parent.parent)
        out[name] = {"seconds": time.perf_counter() - started, "load": load()}
    return out


def sizes_of(paths: dict[str, Path]) -> dict:
    return {name: {"articles": _count(path), "bytes": path.stat().st_size} for name, path in paths.items()}


def _count(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def measure_all(folder: Path, sizes: list[int], reps: int, stories: bool = True) -> None:
    paths = {f"{size // 1000}k": folder / f"{size}.db" for size in sorted(sizes)}
    results: dict = {"first_open": first_open(paths), "sizes": sizes_of(paths)}
    print(json.dumps(results["first_open"]), flush=True)
    results["frontier"] = timed_frontier(paths, max(2, reps // 2))
    print(json.dumps(results["frontier"]), flush=True)
    results["search"] = timed_search(paths, reps)
    print(json.dumps(results["search"]), flush=True)
    results["datasette"] = timed_pages(paths, reps)
    print(json.dumps(results["datasette"]), flush=True)
    results["writes"] = timed_writes(paths, reps, stories=stories)
    print(json.dumps(results["writes"]), flush=True)
    write_results("million", results)


def measure_search(folder: Path, sizes: list[int], reps: int) -> None:
    """Issue 32's search items alone: `soyte search` ranked both ways, then the Datasette pages."""
    paths = {f"{size // 1000}k": folder / f"{size}.db" for size in sorted(sizes)}
    results: dict = {"sizes": sizes_of(paths), "load_start": load()}
    results["ranking"] = timed_ranking(paths, reps)
    print(json.dumps(results["ranking"]), flush=True)
    results["datasette"] = timed_pages(paths, max(3, reps // 2))
    print(json.dumps(results["datasette"]), flush=True)
    write_results("million-search", results)


# The merge with each checkpoint's WAL written down (a line of JSON per checkpoint to the file named
# first): the WAL's size before it (what the transactions since the last one wrote: the WAL only grows
# between checkpoints, so this is each batch's or index step's peak), after it (not 0: a reader held an
# older snapshot), the rows merged so far and the full-text index's segments per level. Read on the merge's own
# connection, between its transactions: no other reader of the target.
MERGE_WATCHED = """
import json, os, sys, time
import archive.merge_progress as progress
from archive.fts_merge import levels
log, stories, argv = open(sys.argv[1], "w"), sys.argv[2] == "stories", sys.argv[3:]
if not stories:
    import archive.merge; archive.merge.index_article = lambda *a, **k: None
checkpoint, record, merged, started = progress.Batches.checkpoint, progress.Batches.record, {}, time.perf_counter()
def recorded(self, part, key):
    merged[part] = merged.get(part, 0) + self.size
    merged["last"] = part
    record(self, part, key)
def watched(self):
    wal = str(self.target.path) + "-wal"
    before = os.path.getsize(wal) if os.path.exists(wal) else 0
    t = time.perf_counter()
    checkpoint(self)
    after = os.path.getsize(wal) if os.path.exists(wal) else 0
    index = levels(self.conn, "articles_fts")
    log.write(json.dumps({"at_s": round(t - started, 2), "checkpoint_s": round(time.perf_counter() - t, 3),
                          "wal_bytes": before, "wal_after": after, "batches": self.committed,
                          "index_steps": getattr(self, "index_steps", None),
                          "part": merged.get("last"), "rows": {k: v for k, v in merged.items() if k != "last"},
                          "segments": [len(level["pages"]) for level in index],
                          "merging": [level["merging"] for level in index],
                          "largest_pages": [max(level["pages"], default=0) for level in index]}) + "\\n")
    log.flush()
progress.Batches.record, progress.Batches.checkpoint = recorded, watched
from scraper.cli.main import main
sys.exit(main(argv))
"""


def _fresh(into: Path) -> None:
    for path in (into, Path(f"{into}-wal"), Path(f"{into}-shm"), Path(f"{into}.lock")):
        path.unlink(missing_ok=True)


def wal_per_checkpoint(rows: list[dict]) -> dict:
    """The WAL per checkpoint: its peak, and when (the rows merged by then), its p50 and p95, the
    checkpoints that could not empty it (a reader's older snapshot), the index's segments before and after."""
    sizes = [row["wal_bytes"] for row in rows]
    if not sizes:
        return {}
    peak = max(rows, key=lambda row: row["wal_bytes"])
    return {"checkpoints": len(rows), "peak_bytes": peak["wal_bytes"], "peak_at": {"part": peak["part"],
            "rows": peak["rows"], "at_s": peak["at_s"], "segments": peak["segments"]},
            "p50_bytes": statistics.median(sizes), "p95_bytes": percentile(sizes, 95),
            "over_100mb": sum(size > 100e6 for size in sizes),
            "not_emptied": sum(row["wal_after"] > 0 for row in rows),
            "index_steps": rows[-1].get("index_steps"), "batches": rows[-1].get("batches"),
            "segments_first": rows[0]["segments"], "segments_last": rows[-1]["segments"],
            "largest_pages_last": rows[-1]["largest_pages"]}


def measure_merge(folder: Path, size: int, offset: int = 0, stories: bool = True, onto: Path | None = None) -> None:
    """`soyte merge` of the archive of `size` articles into a new file (every page, article, run and
    index entry written), its time and the WAL's largest size, sampled every 0.2 s, and the WAL at each
    checkpoint (MERGE_WATCHED: each batch's and each index merge step's, in <into>.wal.jsonl and the
    results). With an `offset`, the archive <size>-from-<offset>.db (built with the same offset) is
    merged into a copy of <size>.db, or of `onto` when given: two archives of `size`, the second half
    of a larger one into the first, or `size` new articles into an archive of a million. Without
    `stories`, the merge leaves the story step out, as the archives were built (its cost per article is
    measured on its own: docs/BENCHMARKS.md "A million articles")."""
    source, into = folder / f"{size}.db", folder / f"merged-{size}.db"
    _fresh(into)
    if offset:
        first = onto or source
        into = folder / (f"merged-{size}-and-{size}-from-{offset}.db" if onto is None
                         else f"merged-{first.stem}-and-{size}-from-{offset}.db")
        _fresh(into)
        with sqlite3.connect(f"file:{first}?mode=ro", uri=True) as reading, sqlite3.connect(into) as copy:
            reading.backup(copy)
        source = folder / f"{size}-from-{offset}.db"
    log = Path(f"{into}.wal.jsonl")
    started, wal_peak, load_at_start = time.perf_counter(), 0, load()
    process = subprocess.Popen([sys.executable, "-c", MERGE_WATCHED, str(log), "stories" if stories else "no",
                                "merge", str(source), "--into", str(into)], cwd=Path(__file__).resolve().parent.parent)
    wal = Path(f"{into}-wal")
    while process.poll() is None:
        if wal.exists():
            wal_peak = max(wal_peak, wal.stat().st_size)
        time.sleep(0.2)
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    result = {"articles": size, "source": source.name, "into": into.name, "story_step": stories,
              "seconds": time.perf_counter() - started, "wal_peak_bytes": wal_peak,
              "wal_per_checkpoint": wal_per_checkpoint(rows),
              "target_bytes": into.stat().st_size, "target_articles": _count(into), "exit": process.returncode,
              "load_start": load_at_start, "load_end": load()}
    print(json.dumps(result))
    name = f"million-merge-{size}" + (f"-and-{size}" if offset and onto is None else "")
    write_results(name + (f"-onto-{onto.stem}" if onto else ""), {**result, "checkpoints": rows})


def measure_writes(folder: Path, sizes: list[int], reps: int) -> None:
    """The store rate with the story step and without it, on archives built with it (each archive named
    by the articles it holds: a build stopped short of its size is measured as what it is), blocks of
    500 articles alternating archives and the two ways, `reps` rounds: the story step's cost per
    article, and how it grows with the archive (bench/results/million-writes.json)."""
    paths = {f"{_count(folder / f'{size}.db') // 1000}k": folder / f"{size}.db" for size in sorted(sizes)}
    results: dict = {"sizes": sizes_of(paths), "load_start": load(), "with_stories": {}, "without_stories": {}}
    for rep in range(reps):
        for stories in (True, False) if rep % 2 == 0 else (False, True):
            key = "with_stories" if stories else "without_stories"
            for name, row in timed_writes(paths, 1, articles=500, stories=stories).items():
                results[key].setdefault(name, []).extend(run["per_s"] for run in row["runs"])
    for key in ("with_stories", "without_stories"):
        results[key] = {name: {"per_s": stats(rates), "ms_per_article": stats([1e3 / rate for rate in rates])}
                        for name, rates in results[key].items()}
    results["story_step_ms"] = {name: results["with_stories"][name]["ms_per_article"]["p50"]
                                - results["without_stories"][name]["ms_per_article"]["p50"] for name in paths}
    results["load_end"] = load()
    print(json.dumps(results, indent=1), flush=True)
    write_results("million-writes", results)
