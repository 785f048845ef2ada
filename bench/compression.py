"""Raw page storage: zlib per page (before) against zstd with a per-portal dictionary (after).

1. The bundled pages of the eight demo portals (real text, rebuilt markup; HTML only), per portal.
   Each page is compressed with a dictionary trained on the portal's *other* pages (leave one
   out), so no page is compressed with a dictionary that has seen it.
2. Synthetic Bắc Ninh portals of N article pages (bench/synthetic.py) written through the real
   `Archive.save_page` (zlib until the 20th page, then the dictionary trained on those 20), then
   `Archive.compact(retrain=True)` (a dictionary from up to 400 pages, every page re-compressed).
   Bytes stored (bodies + dictionaries) against bytes fetched, after the crawl and after compact.

Time per page: each method timed alone over all pages, methods interleaved rep by rep with their
order rotating; the median of the reps' mean µs per page, and min–max over reps. In section 1
each page is compressed 50 times in a row with its own dictionary (the steady state of a crawl,
where one portal's dictionary stays in the CPU's cache).

    python -m bench.compression [--quick] [--pages 300 2000] [--reps 7]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import zlib
from pathlib import Path

import zstandard

from archive.compression import LEVEL, PageCodec, train
from archive.store import Archive
from bench.common import summary, table, write_results
from bench.synthetic import article_pages
from scraper.portals.registry import DEMO_PORTALS

HEADERS = {"Content-Type": "text/html; charset=utf-8"}


def timed_per_page(methods: dict, items: list, reps: int, inner: int = 1) -> dict[str, dict]:
    """µs per page of each method over `items`, reps interleaved with rotating order.

    `inner` > 1 runs each item that many times in a row: the steady state of one dictionary in
    use, as in a crawl of one portal (the leave-one-out dictionaries of section 1 differ per page).
    """
    samples: dict[str, list[float]] = {name: [] for name in methods}
    names = list(methods)
    for rep in range(reps):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            fn = methods[name]
            started = time.perf_counter()
            for item in items:
                for _ in range(inner):
                    fn(item)
            samples[name].append((time.perf_counter() - started) / len(items) / inner * 1e6)
    return {name: {**summary(values), "max": max(values)} for name, values in samples.items()}


def bundled(reps: int) -> dict:
    """Section 1: each portal's HTML pages, zlib 6 against zstd with a leave-one-out dictionary."""
    out = {}
    for manifest_path in sorted(DEMO_PORTALS.glob("*/site.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        bodies = [(manifest_path.parent / p["file"]).read_bytes() for p in manifest["pages"]
                  if p["content_type"].startswith("text/html")]
        packers, unpackers, with_dictionary = [], [], 0
        for i, body in enumerate(bodies):
            data = train(bodies[:i] + bodies[i + 1:])
            if data:
                with_dictionary += 1
                dictionary = zstandard.ZstdCompressionDict(data)
                dictionary.precompute_compress(level=LEVEL)
                packers.append(zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=True))
                unpackers.append(zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(data)))
            else:
                packers.append(zstandard.ZstdCompressor(level=LEVEL, write_checksum=True))
                unpackers.append(zstandard.ZstdDecompressor())
        zlibbed = [zlib.compress(b, 6) for b in bodies]
        zstded = [packers[i].compress(b) for i, b in enumerate(bodies)]
        assert all(unpackers[i].decompress(z) == bodies[i] for i, z in enumerate(zstded))
        indexes = list(range(len(bodies)))
        times = timed_per_page({
            "zlib_compress": lambda i: zlib.compress(bodies[i], 6),
            "zstd_dict_compress": lambda i: packers[i].compress(bodies[i]),
            "zlib_decompress": lambda i: zlib.decompress(zlibbed[i]),
            "zstd_dict_decompress": lambda i: unpackers[i].decompress(zstded[i]),
        }, indexes, reps, inner=50)
        raw = sum(map(len, bodies))
        out[manifest["portal"]] = {"pages": len(bodies), "pages_with_dictionary": with_dictionary, "raw_bytes": raw,
                                   "zlib_share": sum(map(len, zlibbed)) / raw,
                                   "zstd_dict_share": sum(map(len, zstded)) / raw, "us_per_page": times}
    return out


def synthetic(n: int, reps: int, workdir: Path) -> dict:
    """Section 2: n synthetic pages through Archive.save_page, then Archive.compact(retrain=True)."""
    pages = [(url, body) for url, body, _facts in article_pages(n)]
    archive = Archive(workdir / f"synthetic-{n}.db")
    started = time.perf_counter()
    ids = [archive.save_page(url, 200, HEADERS, body, None, "article") for url, body in pages]
    save_s = time.perf_counter() - started
    after_crawl = stored(archive)
    started = time.perf_counter()
    archive.compact(retrain=True)
    compact_s = time.perf_counter() - started
    after_compact = stored(archive)
    codec = PageCodec(archive.conn)
    dictionary_id = codec.current_dictionary("soyte.bacninh.gov.vn")
    rows = {page_id: archive.conn.execute("SELECT body, codec, dictionary_id, body_size FROM pages WHERE id = ?",
                                          (page_id,)).fetchone() for page_id in ids}
    bodies = dict(zip(ids, (body for _url, body in pages)))
    zlibbed = {page_id: zlib.compress(body, 6) for page_id, body in bodies.items()}
    assert all(codec.unpack(*rows[i], i) == bodies[i] for i in ids)
    times = timed_per_page({
        "zlib_compress": lambda i: zlib.compress(bodies[i], 6),
        "zstd_dict_compress": lambda i: codec.pack(pages[0][0], bodies[i], dictionary_id),
        "zlib_decompress": lambda i: zlib.decompress(zlibbed[i]),
        "zstd_dict_decompress": lambda i: codec.unpack(*rows[i], i),
        "archive_page_body": lambda i: archive.page_body(i),  # SELECT + decompress, as reextract reads
    }, ids, reps)
    archive.close()
    return {"pages": n, "raw_page_bytes_mean": sum(map(len, bodies.values())) / n,
            "zlib_share": sum(map(len, zlibbed.values())) / sum(map(len, bodies.values())),
            "after_crawl": after_crawl, "after_compact": after_compact, "save_page_s": save_s,
            "compact_s": compact_s, "us_per_page": times}


def stored(archive: Archive) -> dict:
    bodies, raw = archive.conn.execute("SELECT sum(length(body)), sum(body_size) FROM pages").fetchone()
    dictionaries = archive.conn.execute("SELECT coalesce(sum(size), 0), count(*) FROM page_dictionaries").fetchone()
    codecs = dict(archive.conn.execute("SELECT codec, count(*) FROM pages GROUP BY codec"))
    return {"body_bytes": bodies, "dictionary_bytes": dictionaries[0], "dictionaries": dictionaries[1],
            "raw_bytes": raw, "share": (bodies + dictionaries[0]) / raw, "share_without_dictionaries": bodies / raw,
            "codecs": codecs}


def report(results: dict) -> None:
    rows = []
    for portal, r in results["bundled"].items():
        t = r["us_per_page"]
        rows.append([portal, r["pages"], r["raw_bytes"], f"{r['zlib_share']:.1%}", f"{r['zstd_dict_share']:.1%}",
                     t["zlib_compress"]["median"], t["zstd_dict_compress"]["median"],
                     t["zlib_decompress"]["median"], t["zstd_dict_decompress"]["median"]])
    print("\nbundled pages (HTML), dictionary trained on the portal's other pages")
    print(table(["portal", "pages", "raw bytes", "zlib 6 stored", "zstd+dict stored", "zlib comp µs",
                 "zstd comp µs", "zlib decomp µs", "zstd decomp µs"], rows))
    for r in results["synthetic"]:
        t = r["us_per_page"]
        print(f"\nsynthetic portal, {r['pages']:,} pages (mean {r['raw_page_bytes_mean']:,.0f} B): stored ÷ fetched "
              f"zlib {r['zlib_share']:.1%}; after crawl {r['after_crawl']['share']:.1%}; after compact "
              f"{r['after_compact']['share']:.1%} ({r['after_compact']['dictionary_bytes']:,} B of dictionary)")
        print(table(["µs per page", "median", "min", "max"],
                    [[name, v["median"], v["min"], v["max"]] for name, v in t.items()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 synthetic pages, 3 reps")
    parser.add_argument("--pages", type=int, nargs="+", help="synthetic portal sizes (default 300 2000)")
    parser.add_argument("--reps", type=int, help="timed repetitions (default 7; bundled pages x20)")
    args = parser.parse_args()
    sizes = args.pages or ([300] if args.quick else [300, 2000])
    reps = args.reps or (3 if args.quick else 7)
    with tempfile.TemporaryDirectory(prefix="soyte-bench-compression-") as folder:
        results = {"reps": reps, "level": LEVEL, "bundled": bundled(reps),
                   "synthetic": [synthetic(n, reps, Path(folder)) for n in sizes]}
    report(results)
    print(f"\nwrote {write_results('compression', results)}")


if __name__ == "__main__":
    main()
