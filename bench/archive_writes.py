"""The archive's writes of a crawl, alone: a commit per write (before) against grouped commits (after).

What `soyte crawl`'s two pipelines write for each article page (the raw page through
`Archive.save_page` with the run's counts, the article through `upsert_article` with its counts,
its document links through `DocumentStore.record_links`), replayed through archive.store on a
fresh file for N synthetic Bắc Ninh articles (bench/synthetic.py), extracted once before any
timing. Each mode alone on its own file, modes alternating with their order rotating, ≥ 3
repetitions; CPU (process time) and wall ms per page, median (min–max). MODES says what is
compared. The JSON also keeps the SQL statements and COMMITs of each mode (one more, untimed
pass with a trace callback).

    python -m bench.archive_writes [--quick] [--articles 2000] [--reps 3]
"""
from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from archive.documents import DocumentStore
from archive.store import Archive
from bench.common import table, write_results
from bench.synthetic import article_pages
from scraper.portals.reading import extract_portal_page
from scraper.portals.registry import get_portal

# (label, SOYTE_COMMIT_WINDOW, pages per commit): replayed without a network, 0.25 s holds ~500
# pages; in a crawl at ~250 pages/s it holds ~60, which the third mode commits exactly.
MODES = (("a commit per write", 0.0, None), ("0.25 s", 0.25, None), ("every 60 pages", 3600.0, 60))
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "Apache-Coyote/1.1"}


def pages(n: int) -> list[tuple[str, bytes, object]]:
    portal = get_portal("bacninh")
    return [(url, body, extract_portal_page(body, url, portal)) for url, body, _facts in article_pages(n)]


def write_all(db: Path, window: float, corpus: list, every: int | None = None, trace=None) -> Archive:
    """The pipelines' writes for every page, as in a crawl (scraper/pipelines.py, scraper/document_pipeline.py)."""
    archive = Archive(db)
    archive.conn.set_trace_callback(trace)
    run_id = archive.start_run(["bacninh"])
    archive.group_commits(window)
    documents = DocumentStore(archive)
    for done, (url, body, extraction) in enumerate(corpus, 1):
        page_id = archive.save_page(url, 200, HEADERS, body, run_id, "article", requests=1)
        with archive.transaction():
            outcome = archive.upsert_article(extraction.record, layout=extraction.layout,
                                             extractor=extraction.extractor, page_id=page_id)
            archive.add_to_run(run_id, **{f"articles_{outcome}": 1})
        documents.record_links(url, [{"url": a["url"], "title": a.get("title"), "kind": "attachment"}
                                     for a in extraction.record.get("attachments") or []])
        archive.commit_if_due()
        if every and done % every == 0:
            archive.flush()
    archive.group_commits(0)
    return archive


def timed(db: Path, window: float, every: int | None, corpus: list) -> dict:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    write_all(db, window, corpus, every).close()
    return {"cpu_ms_per_page": (time.process_time() - cpu) * 1e3 / len(corpus),
            "wall_ms_per_page": (time.perf_counter() - wall) * 1e3 / len(corpus)}


def counted(db: Path, window: float, every: int | None, corpus: list) -> dict:
    """The statements SQLite ran for the pages (one untimed pass, with a trace callback)."""
    statements: Counter = Counter()
    write_all(db, window, corpus, every, trace=lambda sql: statements.update([sql.split(None, 1)[0].upper()])).close()
    return {"statements": sum(statements.values()), "commits": statements["COMMIT"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 articles")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    n = 500 if args.quick else args.articles
    corpus = pages(n)
    workdir = Path(tempfile.mkdtemp(prefix="soyte-bench-writes-"))
    runs: dict[str, list[dict]] = {label: [] for label, _w, _e in MODES}
    for rep in range(max(3, args.reps)):
        for i, (label, window, every) in enumerate(MODES[rep % 3:] + MODES[:rep % 3]):
            runs[label].append(timed(workdir / f"w{i}-{rep}.db", window, every, corpus))
    profiles = {label: counted(workdir / f"c{i}.db", window, every, corpus)
                for i, (label, window, every) in enumerate(MODES)}

    def spread(values: list[float]) -> dict:
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    results = {"articles": n, "runs": runs, "profiles": profiles, "summary": {
        w: {what: spread([r[what] for r in rs]) for what in ("cpu_ms_per_page", "wall_ms_per_page")}
        for w, rs in runs.items()}}
    print(table(["commits", "CPU ms/page", "wall ms/page", "SQL statements", "COMMITs"],
                [[w, "{median:.3f} ({min:.3f}–{max:.3f})".format(**s["cpu_ms_per_page"]),
                  "{median:.3f} ({min:.3f}–{max:.3f})".format(**s["wall_ms_per_page"]),
                  profiles[w]["statements"], profiles[w]["commits"]]
                 for w, s in results["summary"].items()]))
    print(f"\nwrote {write_results('archive_writes', results)}")


if __name__ == "__main__":
    main()
