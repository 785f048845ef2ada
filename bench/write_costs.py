"""What each part of a crawl's archive writes costs: the writes replayed with one part switched off.

The writes of `soyte crawl`'s two pipelines for N synthetic Bắc Ninh articles (as
bench/archive_writes.py makes them: raw page with the run's counts, article with its counts,
document links; grouped, committed every 60 pages as a crawl at ~250 pages/s does), once as the
code is ("as is") and once per VARIANTS entry, each a diagnostic that removes or changes one part
in that process only. The difference to "as is" is what that part costs; no variant is a
proposal as it stands (several lose data the archive needs). Each pass is its own process on a
fresh file; the variants rotate, ≥ 3 rounds; CPU (process time) ms per page, min and median:
the minimum is the figure least touched by other work on a shared machine.

    python -m bench.write_costs [--articles 10000] [--rounds 4] [--variants NAME ...]
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, table, write_results

HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "Apache-Coyote/1.1"}
EVERY = 60  # pages per commit: 0.25 s of a crawl at ~250 pages/s

# name -> (what it switches off or changes, the code run in the pass's process before the writes)
VARIANTS: dict[str, tuple[str, str]] = {
    "as is": ("nothing", ""),
    "no run counters": ("the crawl_runs UPDATEs (2 per article page)",
                        "import archive.store as s; s.Archive._count = lambda *a, **k: None"),
    "no savepoints": ("SAVEPOINT/RELEASE around each write (3 per article page)",
                      "import archive.transactions as t\n"
                      "for f in (t._Write.__enter__, t._Write.__exit__):\n"
                      "    f.__code__ = f.__code__.replace(co_consts=tuple('SELECT 1' if c in "
                      "('SAVEPOINT soyte_write', 'RELEASE soyte_write') else c for c in f.__code__.co_consts))"),
    "temporary files on disk": ("the in-memory savepoint journal (archive/transactions.py, 2026-11-25): "
                                "SQLite's default, a temporary file", "PRAGMAS.append('temp_store=DEFAULT')"),
    "commit every 600 pages": ("10× fewer commits (a 2.5 s window)", "globals()['EVERY'] = 600"),
    "no full-text index": ("articles_fts (fold and FTS5)",
                           "import archive.transactions as t; t.Transactions.index = lambda *a: None"),
    "index the text only": ("the folded copy of each field's words with đ (and fold)",
                            "import archive.search as s; s.index_value = lambda text: text or ''"),
    "index each field folded whole": ("nothing: the index as it was before archive.search's INDEX_FORM 2, "
                                      "each field as published and then all of it folded",
                                      "import archive.search as s\n"
                                      "s.index_value = lambda text: '' if not text else text "
                                      "if s.fold(text) == text.lower() else text + '\\n' + s.fold(text)"),
}
PRAGMAS: list[str] = []


def corpus(n: int, cache: Path) -> list[tuple[str, bytes, dict]]:
    """(url, body, extraction) of n synthetic articles, extracted once (cached for the passes)."""
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from scraper.portals.reading import extract_portal_page
    from scraper.portals.registry import get_portal
    from synthetic import article_pages

    portal = get_portal("bacninh")
    pages = []
    for url, body, _facts in article_pages(n):
        result = extract_portal_page(body, url, portal)
        pages.append((url, body, {"record": result.record, "layout": result.layout, "extractor": result.extractor}))
    cache.write_bytes(pickle.dumps(pages))
    return pages


def one_pass(variant: str, n: int, workdir: Path) -> float:
    """CPU ms per page of the writes of n articles, in this process, with `variant` applied."""
    exec(VARIANTS[variant][1], globals())  # noqa: S102 — the diagnostics above, nothing from outside
    from archive.documents import DocumentStore
    from archive.store import Archive

    pages = corpus(n, workdir / f"corpus-{n}.pickle")
    db = workdir / f"{os.getpid()}.db"
    started = time.process_time()
    archive = Archive(db)
    run_id = archive.start_run(["bacninh"])
    archive.group_commits(3600)
    for pragma in PRAGMAS:
        archive.conn.execute(f"PRAGMA {pragma}")
    documents = DocumentStore(archive)
    for done, (url, body, extraction) in enumerate(pages, 1):
        page_id = archive.save_page(url, 200, HEADERS, body, run_id, "article", requests=1)
        with archive.transaction():
            outcome = archive.upsert_article(extraction["record"], layout=extraction["layout"],
                                             extractor=extraction["extractor"], page_id=page_id)
            archive.add_to_run(run_id, **{f"articles_{outcome}": 1})
        documents.record_links(url, [{"url": a["url"], "title": a.get("title"), "kind": "attachment"}
                                     for a in extraction["record"].get("attachments") or []])
        if done % EVERY == 0:
            archive.flush()
    archive.group_commits(0)
    archive.close()
    cpu = (time.process_time() - started) * 1e3 / n
    for path in workdir.glob(f"{os.getpid()}.db*"):
        path.unlink()
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=4, help="passes of each variant (≥ 3)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), help="default: all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_pass(args.child, args.articles, args.workdir)))
        return
    names = ["as is", *[v for v in (args.variants or VARIANTS) if v != "as is"]]
    workdir = Path(tempfile.mkdtemp(prefix="soyte-bench-write-costs-"))
    corpus(args.articles, workdir / f"corpus-{args.articles}.pickle")
    runs: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(max(3, args.rounds)):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            out = subprocess.run([sys.executable, "-m", "bench.write_costs", "--child", name, "--articles", str(args.articles),
                                  "--workdir", str(workdir)], capture_output=True, text=True, check=True, cwd=ROOT)
            runs[name].append(json.loads(out.stdout))
            print(f"  round {round_ + 1}: {name}: {runs[name][-1]:.3f} ms/page", flush=True)
    subprocess.run(["rm", "-rf", str(workdir)], check=False)
    base = min(runs["as is"])
    summary = {name: {"switches_off": VARIANTS[name][0], "min": min(xs), "median": statistics.median(xs),
                      "max": max(xs), "saves_ms_per_page_min": base - min(xs)} for name, xs in runs.items()}
    print(table(["variant", "switches off", "CPU ms/page min", "median (min–max)", "as is − it (min)"],
                [[name, s["switches_off"], f"{s['min']:.3f}", f"{s['median']:.3f} ({s['min']:.3f}–{s['max']:.3f})",
                  f"{s['saves_ms_per_page_min']:+.3f}"] for name, s in summary.items()]))
    print(f"\nwrote {write_results('write_costs', {'articles': args.articles, 'runs': runs, 'summary': summary})}")


if __name__ == "__main__":
    main()
