"""Archive: bytes per article with and without raw pages, upserts per second, full-text query latency.

1. Raw pages: N synthetic Bắc Ninh-layout article pages (bench/synthetic.py), each extracted with
   the real extractor, written as a crawl writes them: `Archive.save_page` then
   `Archive.upsert_article`, one transaction each; beside them the same records into an archive
   without pages. Sizes by table from SQLite's dbstat; the raw pages' stored ÷ raw size; and, on
   the same pages, what other compressors would store (zlib 9, zlib with a preset dictionary).
2. Upserts per second: new, unchanged and updated articles, one transaction each (as a crawl).
3. Full-text search at 100,000 articles of shuffled Vietnamese sentences (bench/synthetic.Corpus),
   written by `Archive.upsert_article` in batches; `archive.search.search(conn, query)` latency
   p50/p95 per query and over all, on a connection opened as `soyte search` opens it (read-only,
   the file mapped: archive.store.tune_for_reading); beside it, a prototype index of each field once with only
   đ→d folded (SQLite's unicode61 remove_diacritics 2 strips the other accents itself), and the
   plan search() had before 2026-11-25 (the MATCH run twice), these on the writing connection.
4. Cost per number of words, on the same archive (bench/search_cost.py): queries of 1 to 32
   words of three kinds (words drawn from the corpus, words found in most articles, one word pair
   repeated), search() read as `soyte search` reads beside search() on a plain connection, wall
   and CPU time, each alone in its own block; queries past
   MAX_QUERY_WORDS, which search() refuses, timed with the cap lifted to show what the cap avoids.

    python -m bench.archive [--quick] [--search-only] [--pages 5000] [--fts-articles 100000]

`--search-only` writes bench/results/archive-search.json, leaving the full run's archive.json alone.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
import zlib
from pathlib import Path

import archive.search
from archive.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS, fold, match_expression, search
from archive.search import fold as prototype_fold  # the prototype fold, now archive.search.fold itself
from archive.store import Archive
from bench.common import ratio, summary, table, write_results
from bench.search_cost import report_words, search_two_pass, word_counts
from bench.synthetic import Corpus, article_pages
from scraper.portals.reading import extract_portal_page
from scraper.portals.registry import DEMO_PORTALS, get_portal, load_portals

HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "Apache-Coyote/1.1"}
QUERIES = [
    "sot xuat huyet", "sốt xuất huyết", "bac ninh", "y tế", "tiêm vắc xin", "Đắk Lắk", "dau",
    "covid", "tay chân miệng", "benh vien da khoa", "chuyen doi so", "kiểm soát bệnh tật",
    "hội nghị sơ kết", "tre em", "bảo hiểm y tế", "đậy kín dụng cụ chứa nước",
]


def dbstat(conn: sqlite3.Connection) -> dict[str, int]:
    """Bytes on disk per table (an FTS index's shadow tables counted under the index's name)."""
    sizes: dict[str, int] = {}
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        owner = next((t for t in ("articles_fts_single", "articles_fts") if name.startswith(t)), None)
        owner = owner or conn.execute("SELECT tbl_name FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        key = owner if isinstance(owner, str) else (owner[0] if owner else name)
        sizes[key] = sizes.get(key, 0) + size
    return sizes


def file_bytes(archive: Archive) -> int:
    archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return archive.path.stat().st_size


def timed(fn, items) -> tuple[float, list]:
    started = time.perf_counter()
    out = [fn(item) for item in items]
    return time.perf_counter() - started, out


def raw_pages(workdir: Path, n: int) -> dict:
    """Sections 1 and 2: the crawl's writes, with and without pages, and the upsert rates."""
    pages = list(article_pages(n))
    portal = get_portal("bacninh")
    records = [extract_portal_page(body, url, portal, HEADERS["Content-Type"]).record for url, body, _facts in pages]
    with_pages = Archive(workdir / "with-pages.db")
    without = Archive(workdir / "without-pages.db")

    def crawl_write(i: int) -> str:
        url, body, _ = pages[i]
        page_id = with_pages.save_page(url, 200, HEADERS, body, None, "article")
        return with_pages.upsert_article(records[i], layout="liferay-bacninh", extractor="bacninh/1", page_id=page_id)

    def upsert(record: dict) -> str:
        return without.upsert_article(record, layout="liferay-bacninh", extractor="bacninh/1", page_id=None)

    indexes = list(range(n))
    t_crawl, outcomes_crawl = timed(crawl_write, indexes)
    t_new, outcomes_new = timed(upsert, records)
    without_bytes, without_tables = file_bytes(without), dbstat(without.conn)
    t_same, outcomes_same = timed(upsert, records)
    rng = random.Random(3)
    changed = [{**r, "text": r["text"] + "\n\n" + rng.choice(records)["title"]} for r in records]
    t_changed, outcomes_changed = timed(upsert, changed)
    # The same new upserts into a third archive with the prototype fold (now archive.search.fold itself).
    same_fold = all(fold(r[f]) == prototype_fold(r[f]) for r in records for f in ("title", "text"))
    proto = Archive(workdir / "without-pages-prototype-fold.db")
    archive.search.fold = prototype_fold
    try:
        t_proto, _ = timed(lambda r: proto.upsert_article(r, layout="liferay-bacninh", extractor="bacninh/1",
                                                          page_id=None), records)
    finally:
        archive.search.fold = fold
    proto.close()
    raw_total = sum(len(body) for _u, body, _f in pages)
    stored = with_pages.conn.execute("SELECT sum(length(body)), sum(body_size) FROM pages").fetchone()
    result = {
        "articles": n, "raw_page_bytes_mean": raw_total / n,
        "text_bytes_mean": sum(len(r["text"].encode("utf-8")) for r in records) / n,
        "upserts_per_s": {"new": n / t_new, "unchanged": n / t_same, "updated": n / t_changed,
                          "save_page_and_new_upsert": n / t_crawl, "new_with_prototype_fold": n / t_proto},
        "prototype_fold_same_output": same_fold,
        "outcomes": {"new": outcomes_new.count("new"), "unchanged": outcomes_same.count("unchanged"),
                     "updated": outcomes_changed.count("updated"), "crawl_new": outcomes_crawl.count("new")},
        "pages_stored_over_raw": stored[0] / stored[1],
        "without_pages": {"file_bytes": without_bytes, "tables": without_tables,
                          "bytes_per_article": sum(without_tables.values()) / n},
        "with_pages": {"file_bytes": file_bytes(with_pages), "tables": dbstat(with_pages.conn)},
        "note": "sizes are dbstat's bytes of every table and index (pages in use), taken after the new articles "
                "were written and before the unchanged / updated passes",
    }
    result["with_pages"]["bytes_per_article"] = sum(result["with_pages"]["tables"].values()) / n
    result["compressors"] = compressors([body for _u, body, _f in pages])
    with_pages.close()
    without.close()
    return result


def compressors(bodies: list[bytes]) -> dict:
    """Stored ÷ raw and µs per page of zlib as store.py calls it, and of the alternatives."""
    # The dictionary is the portal's chrome as its listing pages show it: none of the article pages
    # the synthetic pages are made from, so it knows the header, columns and footer, not the articles.
    folder = DEMO_PORTALS / "bacninh" / "pages"
    dictionary = b"".join((folder / name).read_bytes() for name in ("listing-1.html", "listing-3.html"))[-32768:]
    options = {
        "zlib level 6 (store.py)": lambda b: zlib.compress(b, 6),
        "zlib level 9": lambda b: zlib.compress(b, 9),
        "zlib 6 + dictionary from the portal's listing pages": lambda b: _with_dictionary(b, dictionary),
    }
    raw = sum(map(len, bodies))
    out = {}
    for name, fn in options.items():
        started = time.perf_counter()
        stored = sum(len(fn(b)) for b in bodies)
        out[name] = {"stored_over_raw": stored / raw, "us_per_page": (time.perf_counter() - started) / len(bodies) * 1e6}
    # For scale: zlib 6 on the bundled pages of all four portals (real text, rebuilt markup).
    bundled = [p.read_bytes() for p in DEMO_PORTALS.glob("*/pages/*.html")]
    out["zlib level 6 on the bundled pages of the 4 portals"] = {
        "stored_over_raw": sum(len(zlib.compress(b, 6)) for b in bundled) / sum(map(len, bundled)),
        "us_per_page": None, "pages": len(bundled)}
    return out


def _with_dictionary(body: bytes, dictionary: bytes) -> bytes:
    packer = zlib.compressobj(6, zdict=dictionary)
    return packer.compress(body) + packer.flush()


def synthetic_record(corpus: Corpus, rng: random.Random, n: int, portals: list) -> dict:
    portal = portals[n % len(portals)]
    title = corpus.title(rng)
    return {"url": f"https://{portal.host}/bench/{n}", "portal": portal.key, "province": portal.province,
            "title": title, "published": f"20{rng.randint(15, 25):02d}-{rng.randint(1, 12):02d}-"
                                         f"{rng.randint(1, 28):02d}T{rng.randint(7, 17):02d}:00:00+07:00",
            "category": "Tin tức - Sự kiện", "sapo": None, "text": corpus.text(rng),
            "author": rng.choice(corpus.authors), "source": None, "views": rng.randint(0, 9000),
            "images": [], "attachments": []}


def fold_single(text: str | None) -> str:
    """What the prototype index holds: the field with đ/Đ folded, nothing else (the tokenizer strips accents)."""
    return (text or "").replace("đ", "d").replace("Đ", "D")


def full_text(workdir: Path, n: int, reps: int) -> dict:
    """Section 3: n articles through upsert_article, then query latency."""
    archive = Archive(workdir / "fts.db")
    corpus, rng = Corpus(), random.Random(5)
    portals = [p for p in load_portals().values() if p.active][:4]
    batch = 2000
    started = time.perf_counter()
    for first in range(0, n, batch):
        with archive.transaction():
            for i in range(first, min(n, first + batch)):
                archive.upsert_article(synthetic_record(corpus, rng, i, portals), layout="bench",
                                       extractor="bench/1", page_id=None)
    build_s = time.perf_counter() - started
    conn = archive.conn
    tables = dbstat(conn)
    single_s = build_single_index(conn)
    tables_after = dbstat(conn)
    reader = Archive(archive.path, readonly=True)  # as `soyte search` opens it
    variants = {"search": (reader.conn, search), "single": (conn, search_single), "newest": (conn, search_newest),
                "before": (conn, search_two_pass)}
    times: dict[str, dict[str, list[float]]] = {v: {q: [] for q in QUERIES} for v in variants}
    for q in QUERIES:  # warm the page cache for every index
        for connection, fn in variants.values():
            fn(connection, q)
    for rep in range(reps):  # each variant alone in its own block of every query; the order rotates
        for name in list(variants)[rep % 4:] + list(variants)[:rep % 4]:
            connection, fn = variants[name]
            for q in QUERIES:
                t0 = time.perf_counter()
                fn(connection, q)
                times[name][q].append((time.perf_counter() - t0) * 1e3)
    words = word_counts(reader.conn, conn, corpus, reps)
    latencies, single, newest, before = times["search"], times["single"], times["newest"], times["before"]
    per_query = {}
    for q in QUERIES:
        expression = match_expression(q)
        hits = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (expression,)).fetchone()[0]
        hits_single = conn.execute("SELECT count(*) FROM articles_fts_single WHERE articles_fts_single MATCH ?",
                                   (expression,)).fetchone()[0]
        per_query[q] = {"match": expression, "hits": hits, "hits_single_index": hits_single,
                        "ms": summary(latencies[q]), "ms_single_index": summary(single[q]),
                        "ms_newest_first": summary(newest[q]), "ms_before": summary(before[q]),
                        "same_rows_as_before": search(reader.conn, q) == search_two_pass(conn, q)}
    everything = [v for q in QUERIES for v in latencies[q]]
    everything_single = [v for q in QUERIES for v in single[q]]
    articles_bytes = tables.get("articles", 0)
    result = {
        "articles": n, "build_s": build_s, "batched_upserts_per_s": n / build_s, "batch": batch, "reps": reps,
        "file_bytes": file_bytes(archive), "tables": tables,
        "bytes_per_article_without_pages": sum(tables.values()) / n,
        "text_bytes_mean": conn.execute("SELECT avg(length(CAST(text AS BLOB))) FROM articles").fetchone()[0],
        "fts_bytes_over_articles_bytes": ratio(tables.get("articles_fts", 0), articles_bytes),
        "single_index": {"build_s": single_s, "bytes": tables_after.get("articles_fts_single", 0),
                         "bytes_over_current_index": ratio(tables_after.get("articles_fts_single", 0),
                                                           tables.get("articles_fts", 0))},
        "query_ms": summary(everything), "query_ms_single_index": summary(everything_single),
        "query_ms_newest_first": summary([v for q in QUERIES for v in newest[q]]),
        "query_ms_before": summary([v for q in QUERIES for v in before[q]]),
        "per_query": per_query,
        "words": words,
        "longest_allowed_queries": {"words": MAX_QUERY_WORDS, "chars_max": MAX_QUERY_CHARS,
                                    **{kind: words[kind][str(MAX_QUERY_WORDS)]
                                       for kind in ("corpus", "common", "repeated")}},
    }
    reader.close()
    archive.close()
    return result


def build_single_index(conn: sqlite3.Connection) -> float:
    started = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE articles_fts_single USING fts5(title, sapo, text, content='', "
                 "tokenize='unicode61 remove_diacritics 2')")
    conn.execute("BEGIN")
    for rowid, title, sapo, text in conn.execute("SELECT rowid, title, sapo, text FROM articles").fetchall():
        conn.execute("INSERT INTO articles_fts_single(rowid, title, sapo, text) VALUES (?, ?, ?, ?)",
                     (rowid, fold_single(title), fold_single(sapo), fold_single(text)))
    conn.execute("COMMIT")
    return time.perf_counter() - started


def search_single(conn: sqlite3.Connection, query: str, limit: int = 20) -> list:
    expression = match_expression(query)
    return conn.execute(
        "SELECT a.url, a.title, a.published, a.portal FROM articles_fts_single f JOIN articles a "
        "ON a.rowid = f.rowid WHERE articles_fts_single MATCH ? ORDER BY rank LIMIT ?", (expression, limit)).fetchall()


def search_newest(conn: sqlite3.Connection, query: str, limit: int = 20) -> list:
    """archive.search.search's query and index, newest rowid first instead of best bm25 rank."""
    return conn.execute(
        "SELECT a.url, a.title, a.published, a.portal FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
        "WHERE articles_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?", (match_expression(query), limit)).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pages and 10,000 articles")
    parser.add_argument("--pages", type=int, help="synthetic article pages for sizes and upserts (default 5,000)")
    parser.add_argument("--fts-articles", type=int, help="articles in the search archive (default 100,000)")
    parser.add_argument("--reps", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--search-only", action="store_true", help="only the search sections (3 and 4)")
    args = parser.parse_args()
    n_pages = args.pages or (1000 if args.quick else 5000)
    n_fts = args.fts_articles or (10000 if args.quick else 100000)
    workdir = Path(tempfile.mkdtemp(prefix="soyte-bench-archive-"))
    pages = None
    if not args.search_only:
        print(f"writing {n_pages:,} pages and articles …", flush=True)
        pages = raw_pages(workdir, n_pages)
    print(f"writing {n_fts:,} articles for full-text search …", flush=True)
    fts = full_text(workdir, n_fts, args.reps)
    report(pages, fts)
    # a search-only run keeps the full run's file
    name = "archive-search" if args.search_only else "archive"
    print(f"\nwrote {write_results(name, {'pages': pages, 'full_text': fts})}")
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()


def report(pages: dict | None, fts: dict) -> None:
    if pages:
        report_pages(pages, fts)
    report_search(fts)


def report_pages(pages: dict, fts: dict) -> None:
    n = pages["articles"]
    wp, wo = pages["with_pages"], pages["without_pages"]
    print(f"\nbytes per article ({n:,} synthetic Bắc Ninh pages, mean raw page {pages['raw_page_bytes_mean']:,.0f} B, "
          f"mean article text {pages['text_bytes_mean']:,.0f} B)")
    print(table(["archive", "bytes per article", "file bytes", "pages table", "articles", "articles_fts"], [
        ["without raw pages", wo["bytes_per_article"], wo["file_bytes"], wo["tables"].get("pages", 0),
         wo["tables"].get("articles", 0), wo["tables"].get("articles_fts", 0)],
        ["with raw pages", wp["bytes_per_article"], wp["file_bytes"], wp["tables"].get("pages", 0),
         wp["tables"].get("articles", 0), wp["tables"].get("articles_fts", 0)]]))
    print(f"with ÷ without: {ratio(wp['bytes_per_article'], wo['bytes_per_article']):.2f}; "
          f"raw pages stored ÷ raw size: {pages['pages_stored_over_raw']:.1%}")
    print(table(["compressor", "stored ÷ raw", "µs per page"],
                [[k, f"{v['stored_over_raw']:.1%}", v["us_per_page"]] for k, v in pages["compressors"].items()]))
    u = pages["upserts_per_s"]
    print("\nupserts per second (one transaction each, as a crawl writes)")
    print(table(["operation", "per second"], [["upsert_article, new", u["new"]],
                                              ["upsert_article, unchanged", u["unchanged"]],
                                              ["upsert_article, updated (keeps a version)", u["updated"]],
                                              ["save_page + upsert_article, new", u["save_page_and_new_upsert"]],
                                              ["upsert_article, new, prototype fold (applied: archive.search.fold)",
                                               u["new_with_prototype_fold"]],
                                              [f"upsert_article, new, batches of {fts['batch']:,} "
                                               f"({fts['articles']:,} articles)", fts["batched_upserts_per_s"]]]))


def report_search(fts: dict) -> None:
    print(f"\nfull-text search at {fts['articles']:,} articles: {fts['bytes_per_article_without_pages']:,.0f} bytes "
          f"per article, index ÷ articles table {fts['fts_bytes_over_articles_bytes']:.2f}; "
          f"{fts['reps']} runs of each query")
    rows = [[q, v["hits"], v["ms"]["median"], v["ms"]["p95"], v["ms_before"]["median"], v["ms_before"]["p95"],
             "yes" if v["same_rows_as_before"] else "NO", v["ms_single_index"]["median"],
             v["ms_single_index"]["p95"], "yes" if v["hits_single_index"] == v["hits"] else "NO",
             v["ms_newest_first"]["median"], v["ms_newest_first"]["p95"]] for q, v in fts["per_query"].items()]
    rows.append(["ALL", None, fts["query_ms"]["median"], fts["query_ms"]["p95"], fts["query_ms_before"]["median"],
                 fts["query_ms_before"]["p95"], None, fts["query_ms_single_index"]["median"],
                 fts["query_ms_single_index"]["p95"], None, fts["query_ms_newest_first"]["median"],
                 fts["query_ms_newest_first"]["p95"]])
    print(table(["query", "hits", "search() p50 ms", "search() p95 ms", "before p50", "before p95", "same rows",
                 "single index p50", "single index p95", "same hits", "newest-first p50", "newest-first p95"], rows))
    print(f"single index bytes ÷ current index bytes: {fts['single_index']['bytes_over_current_index']:.2f}")
    report_words(fts["words"], fts["reps"])


if __name__ == "__main__":
    main()
