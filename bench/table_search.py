"""The articles table's JSON search (`/<db>/articles.json?_search=…`) on archives built by bench/million.py:
Datasette's own (soyte's plugins without archive/datasette/table_search.py, before) and as served
(after), each method alone over every size, sizes alternating, `--reps` rounds after an untimed one.

    python -m bench.table_search --dir /tmp/million --sizes 100000 462000 [--reps 5]

Datasette in-process through its ASGI client (the server's work, not the network's), the archive's
own settings and time limit; p50/p95 per term and size, the HTTP status and the count Datasette gave,
the load average beside each. Writes bench/results/table-search.json.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import types
from pathlib import Path

from bench.common import percentile, write_results

TERMS = {"y te": "y+te", "sot xuat huyet": "sot+xuat+huyet"}


async def timed(paths: dict[str, Path], reps: int, with_table_search: bool) -> dict:
    """Each term's JSON on each archive, with or without table_search registered."""
    from datasette.plugins import pm

    import archive.datasette as served
    from archive.datasette import table_search

    module = served.table_search
    if not with_table_search:  # make_datasette registers a module without hooks in its place
        if pm.is_registered(table_search):
            pm.unregister(table_search)
        served.table_search = types.ModuleType("without_table_search")
    try:
        sites = {}
        for name, path in paths.items():
            datasette = served.make_datasette(path)
            await datasette.invoke_startup()
            sites[name] = (datasette, path.stem)
        times = {(name, term): [] for name in paths for term in TERMS}
        answers: dict = {}
        for rep in range(reps + 1):
            for name in (list(paths) if rep % 2 == 0 else list(reversed(list(paths)))):
                datasette, db = sites[name]
                for term, encoded in TERMS.items():
                    started = time.perf_counter()
                    response = await datasette.client.get(f"/{db}/articles.json?_search={encoded}")
                    ms = (time.perf_counter() - started) * 1e3
                    count = response.json().get("filtered_table_rows_count") if response.status_code == 200 else None
                    answers[name, term] = {"status": response.status_code, "count": count}
                    if rep:
                        times[name, term].append(ms)
        return {f"{name} {term}": {**answers[name, term], "p50": statistics.median(values),
                                   "p95": percentile(values, 95), "min": min(values), "max": max(values),
                                   "n": len(values), "load": os.getloadavg()[0]}
                for (name, term), values in times.items()}
    finally:
        if not with_table_search:
            pm.unregister(name="soyte-table-search")
            served.table_search = module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="where bench/million.py built the archives")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    paths = {f"{size // 1000}k": args.dir / f"{size}.db" for size in sorted(args.sizes)}
    results = {"Datasette's own (before)": asyncio.run(timed(paths, args.reps, False)),
               "with table_search (now)": asyncio.run(timed(paths, args.reps, True))}
    print("| method | archive, term | status | count | p50 ms | p95 ms | load |\n|---|---|---|---|---|---|---|")
    for method, rows in results.items():
        for key, row in rows.items():
            print(f"| {method} | {key} | {row['status']} | {row['count']} | {row['p50']:.0f} | {row['p95']:.0f} | "
                  f"{row['load']:.1f} |")
    write_results("table-search", results)


if __name__ == "__main__":
    main()
