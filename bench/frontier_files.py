"""A crawl's start against the number of files archived (issue 32): `load_frontier` time and memory,
per-URL file lookups, and reading a portal's pending links, on copies of one archive holding 0 and
`--files` document and image captures.

The articles (`--articles`, one portal) are written through the store API; the files are then
added to a copy with plain INSERTs of the rows a crawl leaves (document_captures + documents,
image_captures + images, document_links), half documents, half images, each with an ETag; 1 % of
them skipped (a `document-skipped` failure) and 1 % of the links pending (linked, no capture: a
killed crawl's). The bytes (document_bodies) are left out: no frontier question reads them.
Each measure runs in a fresh process per archive (its peak RSS is that process's), the sizes
alternating over `--reps` rounds. `--compare-tree DIR` runs the same in another checkout (e.g.
`git archive HEAD` of main before this change, where load_frontier read the files whole and
archive.images.add_image_facts completed it), alternating with this one.

    python -m bench.frontier_files --dir /tmp/frontier-files [--files 200000] [--articles 20000] [--reps 3] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import table, write_results

PORTAL, HOST = "bacninh", "soyte.bacninh.gov.vn"
AT = "2026-12-01T00:00:00+00:00"

MEASURE = r"""
import json, resource, sys, time
from archive.store import Archive
from archive.frontier import load_frontier
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
archive = Archive(sys.argv[1])  # as a crawl opens it: for writing
rss_open = rss()
t = time.perf_counter()
frontier = load_frontier(archive.conn, ["bacninh"], None)
try:
    from archive.images import add_image_facts  # before 2026-12-07: the frontier completed with every image
    add_image_facts(archive.conn, frontier)
except ImportError:
    pass
load_s = time.perf_counter() - t
rss_load = rss()
urls = [row[0] for row in archive.conn.execute("SELECT url FROM document_links ORDER BY random() LIMIT 2000")]
headers = getattr(frontier, "document_headers", None) or (lambda url: frontier.document_validators.get(url, {}))
skipped = getattr(frontier, "is_document_skipped", None) or (lambda url: url in frontier.document_skipped)
t = time.perf_counter()
conditional = sum(bool(headers(url)) for url in urls)
skips = sum(skipped(url) for url in urls)
lookup_us = (time.perf_counter() - t) / max(1, len(urls)) * 1e6
pending_of = getattr(frontier, "pending_documents_of", None) or (lambda p: frontier.pending_documents.get(p, []))
t = time.perf_counter()
pending = sum(1 for _ in pending_of("bacninh"))
pending_s = time.perf_counter() - t
print(json.dumps({"load_frontier_s": load_s, "rss_mb_open": rss_open, "rss_mb_after_load_frontier": rss_load,
                  "file_lookup_us": lookup_us, "conditional": conditional, "skipped": skips,
                  "pending": pending, "pending_read_s": pending_s, "rss_mb_end": rss()}))
"""


def build_articles(path: Path, articles: int) -> None:
    """`articles` articles of one portal through the store API, no file."""
    from archive.store import Archive

    archive = Archive(path)
    run = archive.start_run([PORTAL])
    archive.group_commits(1.0)
    for n in range(articles):
        archive.upsert_article({"url": f"https://{HOST}/tin/{n}", "portal": PORTAL, "province": "Bắc Ninh",
                                "title": f"Bài {n}", "published": f"20{10 + n % 15}-0{1 + n % 9}-15T08:00:00+07:00",
                                "text": f"Nội dung bài số {n} về y tế."}, layout="x", extractor="x/1", page_id=None)
    archive.group_commits(0)
    archive.finish_run(run, "completed")
    archive.close()


def add_files(path: Path, files: int, articles: int) -> None:
    """`files` captures (half documents, half images) linked from the articles in turn; 1 % skipped, 1 % pending."""
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        for n in range(files):
            url, article = f"https://{HOST}/files/{n}.{'pdf' if n % 2 else 'jpg'}", f"https://{HOST}/tin/{n % articles}"
            digest = f"{n:064x}"
            kind = "attachment" if n % 2 else "image"
            conn.execute("INSERT INTO document_links (article_url, url, title, kind) VALUES (?, ?, ?, ?)",
                         (article, url, None, kind))
            if n % 100 == 1:  # a killed crawl's: linked, never fetched
                continue
            if n % 100 == 2:
                conn.execute("INSERT INTO failures (url, portal, kind, reason, at) VALUES (?, ?, 'document-skipped', "
                             "'over the size cap', ?)", (url, PORTAL, AT))
                continue
            table, files_table = ("document_captures", "documents") if n % 2 else ("image_captures", "images")
            conn.execute(f"INSERT INTO {table} (url, portal, sha256, version, status, etag, fetched_at, "
                         f"last_fetched_at) VALUES (?, ?, ?, 1, 200, ?, ?, ?)", (url, PORTAL, digest, f'"{n}"', AT, AT))
            conn.execute(f"INSERT INTO {files_table} (sha256, url, portal, size, first_seen) VALUES (?, ?, ?, 1000, ?)",
                         (digest, url, PORTAL, AT))
            if n % 2:
                conn.execute("UPDATE documents SET text_status = 'ok' WHERE sha256 = ?", (digest,))
    conn.close()


def measure(tree: Path, path: Path) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=tree, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tree)}, check=True)
    return {**json.loads(out.stdout.splitlines()[-1]), "process_s": time.perf_counter() - started,
            "loadavg_1min": os.getloadavg()[0]}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} ({min(values):.3g}–{max(values):.3g})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="where the archives are built (never the checkout)")
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--compare-tree", type=Path, help="another checkout, measured in the same rotation")
    parser.add_argument("--quick", action="store_true", help="2,000 files, 500 articles, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.files, args.articles, args.reps = 2_000, 500, 1
    args.dir.mkdir(parents=True, exist_ok=True)
    empty, full = args.dir / "files-0.db", args.dir / f"files-{args.files}.db"
    if not empty.exists():
        build_articles(empty, args.articles)
    if not full.exists():
        shutil.copy(empty, full)
        add_files(full, args.files, args.articles)
    trees = {"this tree": Path.cwd(), **({"compare tree": args.compare_tree.resolve()} if args.compare_tree else {})}
    runs: dict[str, list[dict]] = {f"{name} / {size}": [] for name in trees for size in (0, args.files)}
    for _ in range(args.reps):
        for name, tree in trees.items():
            for size, path in ((0, empty), (args.files, full)):
                runs[f"{name} / {size}"].append(measure(tree, path))
    rows = [[key, spread([r["load_frontier_s"] * 1000 for r in found]),
             spread([r["rss_mb_after_load_frontier"] - r["rss_mb_open"] for r in found]),
             spread([r["rss_mb_after_load_frontier"] for r in found]), spread([r["file_lookup_us"] for r in found]),
             found[0]["pending"], spread([r["pending_read_s"] * 1000 for r in found]),
             spread([r["rss_mb_end"] for r in found])] for key, found in runs.items()]
    print(table(["tree / files", "load_frontier ms", "RSS added by it MB", "RSS after it MB", "file lookup µs",
                 "pending links", "pending read ms", "peak RSS MB"], rows))
    path = write_results("frontier_files", {"files": args.files, "articles": args.articles, "reps": args.reps,
                                            "trees": {k: str(v) for k, v in trees.items()}, "runs": runs}, argv)
    print(f"written {path}")


if __name__ == "__main__":
    main()
