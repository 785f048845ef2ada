"""Datasette's next pages (`?_next=`, the "Next page" link) of the articles and pages tables on archives
built by bench/million.py: as the archive was built (before: no paging index, Datasette's own facets)
and with this version's indexes and the whole table's facets on a next page (after), each alone, sizes
alternating, `--reps` rounds after an untimed one.

    python -m bench.next_pages --dir /tmp/million --sizes 100000 462000 [--reps 5] [--copies DIR]

The archives in --dir are only read; "after" is a copy of each (in --copies, made once: the file and
its WAL copied) given this version's indexes (archive.schema.INDEXES, archive.paging). Datasette in-process through its ASGI
client, the archive's own settings and time limit. Pages: the second page (HTML and JSON, its token
from the first), the sixth (the next link followed five times) and the articles past the middle and
near the end of the table (the token of the article at 50 % and 99 % of the order, as Datasette writes
it). p50/p95 per page, the HTTP status, the load average. Writes bench/results/next-pages.json.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from bench.common import percentile, write_results


def paged_copy(path: Path, copies: Path) -> Path:
    """A copy of the archive with this version's indexes (the archive's own, archive.schema.INDEXES, and
    the paging indexes), made once; the original is never written."""
    import sqlite_utils

    from archive.paging import ensure_paging_indexes
    from archive.schema import INDEXES

    copy = copies / path.name
    if not copy.exists():
        copies.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    db = sqlite_utils.Database(copy)
    for table, columns, *unique in INDEXES:
        db[table].create_index(columns, unique=bool(unique), if_not_exists=True)
    ensure_paging_indexes(db)
    db.conn.close()
    return copy


def token(values: tuple) -> str:
    """The `_next` token Datasette writes for a row: its sort value, then its primary key."""
    from datasette.utils import tilde_encode

    return ",".join("$null" if v is None else tilde_encode(str(v)) for v in values)


def deep_tokens(path: Path) -> dict[str, str]:
    """Tokens of the article at 50 % and 99 % of the table's order, and of the page at 50 %."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    pages = conn.execute("SELECT max(id) FROM pages").fetchone()[0] or 0
    tokens = {}
    for share in (50, 99):
        row = conn.execute("SELECT published, url FROM articles ORDER BY published DESC, url LIMIT 1 OFFSET ?",
                           (total * share // 100,)).fetchone()
        tokens[f"articles.json at {share} %"] = f"articles.json?_next={token(row)}"
    tokens["pages.json at 50 %"] = f"pages.json?_next={token((pages // 2, pages // 2))}"
    conn.close()
    return tokens


async def urls_of(datasette, db: str, path: Path) -> dict[str, str]:
    """The pages timed, their tokens as Datasette gives them (asked of the indexed copy: before, the
    sixth page is refused by the time limit)."""
    first = (await datasette.client.get(f"/{db}/articles.json")).json()["next"]
    walk = first
    for _ in range(4):
        walk = (await datasette.client.get(f"/{db}/articles.json?_next={walk}")).json()["next"]
    pages = (await datasette.client.get(f"/{db}/pages.json")).json()["next"]
    urls = {"articles page 2 (HTML)": f"articles?_next={first}", "articles.json page 2": f"articles.json?_next={first}",
            "articles.json page 6": f"articles.json?_next={walk}", "pages.json page 2": f"pages.json?_next={pages}"}
    urls.update(deep_tokens(path))
    return {name: f"/{db}/{url}" for name, url in urls.items()}


async def timed(archives: dict[str, dict[str, Path]], reps: int) -> dict:
    """Each page on each archive before and after, alternating sizes and methods."""
    from archive.datasette import counted, make_datasette

    own_facets = counted.paged
    sites, times, status = {}, {}, {}
    for size, paths in archives.items():
        for method, path in paths.items():
            datasette = make_datasette(path)
            await datasette.invoke_startup()
            sites[size, method] = datasette
    urls = {size: await urls_of(sites[size, "after"], Path(paths["before"]).stem, paths["after"])
            for size, paths in archives.items()}
    for rep in range(reps + 1):
        for size in (list(archives) if rep % 2 == 0 else list(reversed(list(archives)))):
            for method in (("before", "after") if rep % 2 == 0 else ("after", "before")):
                counted.paged = own_facets if method == "after" else (lambda request: False)
                for page, url in urls[size].items():
                    started = time.perf_counter()
                    response = await sites[size, method].client.get(url)
                    ms = (time.perf_counter() - started) * 1e3
                    status[size, method, page] = response.status_code
                    if rep:
                        times.setdefault((size, method, page), []).append(ms)
    counted.paged = own_facets
    return {f"{size} {method} {page}": {"status": status[size, method, page], "p50": statistics.median(values),
                                        "p95": percentile(values, 95), "min": min(values), "max": max(values),
                                        "n": len(values), "load": os.getloadavg()[0]}
            for (size, method, page), values in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="bench/million.py's archives, <size>.db (only read)")
    parser.add_argument("--sizes", nargs="+", default=["100000", "462000"])
    parser.add_argument("--copies", type=Path, help="where the indexed copies go (default: DIR/paging)")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    copies = args.copies or args.dir / "paging"
    archives = {size: {"before": args.dir / f"{size}.db", "after": paged_copy(args.dir / f"{size}.db", copies)}
                for size in args.sizes}
    results = asyncio.run(timed(archives, args.reps))
    print("| page | " + " | ".join(f"{s} before | {s} after" for s in args.sizes) + " |")
    print("|---|" + "---|---|" * len(args.sizes))
    for page in sorted({key.split(" ", 2)[2] for key in results}):
        cells = []
        for size in args.sizes:
            for method in ("before", "after"):
                r = results[f"{size} {method} {page}"]
                cells.append(f"{r['p50']:.0f} / {r['p95']:.0f} ms" + ("" if r["status"] == 200 else f" (HTTP {r['status']})"))
        print(f"| {page} | " + " | ".join(cells) + " |")
    write_results("next-pages", {"ms": results, "sizes": args.sizes, "reps": args.reps})


if __name__ == "__main__":
    main()
