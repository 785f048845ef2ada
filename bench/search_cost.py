"""Section 4 of bench/archive.py: a query's cost by its number of words, before and after.

Queries of 1 to 32 words of three kinds on the archive section 3 built, search() on a connection
as `soyte search` opens it (read-only, archive.store.tune_for_reading: the file mapped) beside
search() on a plain connection (no mapping: the settings before 2026-11-25 19:30 UTC), each
alone in its own block of every query, the order rotating; wall-clock and CPU time
(`process_time`, which other work on a shared machine inflates less) of each call. Queries past
archive.search.MAX_QUERY_WORDS, which search() refuses, are timed with the cap lifted to show
what the cap avoids. Imported by bench/archive.py.
"""
from __future__ import annotations

import os
import random
import re
import sqlite3
import time
from urllib.parse import quote

import archive.search
from archive.search import MAX_QUERY_WORDS, fold, search
from bench.common import summary, table
from bench.synthetic import Corpus

WORD_COUNTS = (1, 2, 4, 6, 7, 8, 12, 16, 32)  # 6: the most ranked; 7: the fewest listed newest first
QUERIES_PER_COUNT = 4


def word_queries(conn: sqlite3.Connection, corpus: Corpus) -> dict[str, dict[int, list[str]]]:
    """Queries of each length in WORD_COUNTS, distinct words each, of three kinds:
    - corpus: words drawn from the corpus's running text, as often as they occur there, as a pasted
      line of an article would have them (the more words, the fewer rows match);
    - common: words drawn from the 40 found in most articles (fts5vocab), "y tế sở tỉnh" first:
      every word in most rows, so bm25 reads long lists of rows for each one (the worst case);
    - repeated: "y tế" said over and over (searched as two words)."""
    rng = random.Random(11)
    running_text = [w for sentence in corpus.sentences for w in re.findall(r"\w+", sentence)]
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_vocabulary USING fts5vocab(main, articles_fts, 'row')")
    common = [w for (w,) in conn.execute("SELECT term FROM temp.articles_vocabulary ORDER BY doc DESC LIMIT 60")]
    common = [w for w in dict.fromkeys(["y", "te", "so", "tinh"] + [fold(w) for w in common])][:40]
    kinds: dict[str, dict[int, list[str]]] = {"corpus": {}, "common": {}, "repeated": {}}
    for k in sorted({*WORD_COUNTS, MAX_QUERY_WORDS}):
        kinds["corpus"][k] = [" ".join(_distinct(rng, running_text, k)) for _ in range(QUERIES_PER_COUNT)]
        kinds["common"][k] = [" ".join(common[:k])] + [" ".join(rng.sample(common, k))
                                                       for _ in range(QUERIES_PER_COUNT - 1)]
        kinds["repeated"][k] = [" ".join((["y", "tế"] * k)[:k])]
    return kinds


def _distinct(rng: random.Random, words: list[str], k: int) -> list[str]:
    """k distinct words (once folded), each drawn as often as it occurs in `words`."""
    chosen: dict[str, str] = {}
    while len(chosen) < k:
        word = rng.choice(words)
        chosen.setdefault(fold(word), word)
    return list(chosen.values())


def word_counts(conn: sqlite3.Connection, plain: sqlite3.Connection, corpus: Corpus, reps: int) -> dict:
    """Section 4: ms per query (wall and CPU) by number of words and kind, search() on `conn` (read
    as `soyte search` reads) and on `plain` (a connection without the reading pragmas)."""
    kinds = word_queries(conn, corpus)
    queries = [(kind, k, q) for kind, by_count in kinds.items() for k, qs in by_count.items() for q in qs]
    connections = {"search": conn, "before": plain}
    wall = {(m, q): [] for m in connections for _kind, _k, q in queries}
    cpu = {(m, q): [] for m in connections for _kind, _k, q in queries}
    cap = archive.search.MAX_QUERY_WORDS
    archive.search.MAX_QUERY_WORDS = max(WORD_COUNTS)  # past the cap: what the cap refuses, timed
    load = [os.getloadavg()]
    try:
        for name, connection in connections.items():  # one untimed pass of each
            for _kind, _k, q in queries:
                search(connection, q)
        for rep in range(reps):  # each connection alone in its own block of every query, the order rotating
            for name in list(connections)[rep % 2:] + list(connections)[:rep % 2]:
                for _kind, _k, q in queries:
                    w0, c0 = time.perf_counter(), time.process_time()
                    search(connections[name], q)
                    cpu[name, q].append((time.process_time() - c0) * 1e3)
                    wall[name, q].append((time.perf_counter() - w0) * 1e3)
            load.append(os.getloadavg())
    finally:
        archive.search.MAX_QUERY_WORDS = cap
    result: dict = {"kinds": {kind: {str(k): qs for k, qs in by_count.items()} for kind, by_count in kinds.items()},
                    "parts": plan_parts(conn, kinds, max(5, reps // 2)),
                    "canned_query": canned_query(conn, kinds, reps),
                    "table_page": table_page(conn, kinds, reps),
                    "loadavg_1min": {"min": min(a for a, _b, _c in load), "max": max(a for a, _b, _c in load)},
                    "same_rows": all(search(conn, q) == search(plain, q) for _kind, k, q in queries if k <= cap)}
    for kind, by_count in kinds.items():
        result[kind] = {}
        for k, qs in by_count.items():
            hits = [conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                 (_expression(q, dedupe=True),)).fetchone()[0] for q in qs]
            result[kind][str(k)] = {
                "accepted": k <= cap, "hits_min": min(hits), "hits_max": max(hits),
                "ms": summary([v for q in qs for v in wall["search", q]]),
                "ms_before": summary([v for q in qs for v in wall["before", q]]),
                "cpu_ms": summary([v for q in qs for v in cpu["search", q]]),
                "cpu_ms_before": summary([v for q in qs for v in cpu["before", q]])}
    return result


PARTS = {  # what search() reads for a ranked query, taken apart
    "match": "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT 2000",
    "idf": "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT 1",
    "ranked": "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT 2000",
}


def plan_parts(conn: sqlite3.Connection, kinds: dict[str, dict[int, list[str]]], reps: int) -> dict:
    """CPU ms (median) of the parts of a ranked query: matching the newest 2,000 rows without
    ranking them ("match"); ranking one row ("idf": bm25's first call counts, for each word, the
    rows holding it, reading that word's whole list of rows); ranking the 2,000 ("ranked"). The
    2,000 rows' own ranking is ranked − idf. `rows_per_word` sums, over the query's words, the
    rows holding each word (fts5vocab), which is what the idf part reads."""
    out: dict = {}
    for kind in ("corpus", "common"):
        for k in (1, 2, 4, 6):
            for q in kinds[kind][k]:
                words = list(dict.fromkeys(re.findall(r"\w+", fold(q))))
                parameters = {"q": " ".join(f'"{w}"' for w in words)}
                row = {"rows_per_word": sum(conn.execute("SELECT doc FROM temp.articles_vocabulary WHERE term = ?",
                                                         (w,)).fetchone()[0] for w in words)}
                for part, sql in PARTS.items():
                    times = []
                    for _ in range(reps):
                        c0 = time.process_time()
                        conn.execute(sql, parameters).fetchall()
                        times.append((time.process_time() - c0) * 1e3)
                    row[part] = summary(times)["median"]
                out.setdefault(kind, {}).setdefault(str(k), []).append({"query": q, **row})
    return out


def report_parts(parts: dict) -> None:
    print("\nparts of a ranked query, CPU ms (median): match = newest 2,000 matches unranked; idf = ranking "
          "the newest match alone (bm25 counting the rows holding each word); ranked = the newest 2,000 ranked")
    rows = [[kind, int(k), p["query"][:40], p["rows_per_word"], p["match"], p["idf"], p["ranked"],
             p["ranked"] - p["idf"]] for kind, by_count in parts.items() for k, ps in by_count.items() for p in ps]
    print(table(["kind", "words", "query", "rows holding each word, summed", "match", "idf", "ranked",
                 "ranked − idf"], rows))


# Datasette's "Search a term" as it was until 2026-11-25 (commit 09450a6): every term ranked, the
# 2,000 candidates joined to `articles` (and their beginnings cut) before the best 100 were kept.
CANNED_BEFORE = ("select a.published, a.province, a.title, substr(coalesce(a.sapo, a.text), 1, 240) as beginning, a.url\n"
                 "from (select rowid, rank from articles_fts where articles_fts match soyte_fts_query(:term)\n"
                 "      order by rowid desc limit 2000) f\n"
                 "join articles a on a.rowid = f.rowid\n"
                 "order by f.rank, f.rowid limit 100")
CANNED_WORDS = (1, 2, 4, 6, 7, 16)


def canned_query(conn: sqlite3.Connection, kinds: dict[str, dict[int, list[str]]], reps: int) -> dict:
    """Wall and CPU ms of Datasette's "Search a term" SQL (archive/datasette/metadata.py) on `conn`
    with the plugin's SQL functions, beside CANNED_BEFORE, each alone in its own block, rotating."""
    from archive.datasette.metadata import QUERIES
    from archive.datasette.plugin import prepare_connection

    prepare_connection(conn)
    statements = {"now": QUERIES["search"]["sql"], "before": CANNED_BEFORE}
    terms = [(kind, k, q) for kind in ("corpus", "common") for k in CANNED_WORDS for q in kinds[kind][k]]
    wall = {(name, q): [] for name in statements for _kind, _k, q in terms}
    cpu = {(name, q): [] for name in statements for _kind, _k, q in terms}
    for sql in statements.values():  # one untimed pass of each
        for _kind, _k, q in terms:
            conn.execute(sql, {"term": q}).fetchall()
    for rep in range(reps):
        for name in list(statements)[rep % 2:] + list(statements)[:rep % 2]:
            for _kind, _k, q in terms:
                w0, c0 = time.perf_counter(), time.process_time()
                conn.execute(statements[name], {"term": q}).fetchall()
                cpu[name, q].append((time.process_time() - c0) * 1e3)
                wall[name, q].append((time.perf_counter() - w0) * 1e3)
    out: dict = {}
    for kind in ("corpus", "common"):
        for k in CANNED_WORDS:
            qs = kinds[kind][k]
            out.setdefault(kind, {})[str(k)] = {
                f"{measure}{'' if name == 'now' else '_before'}": summary([v for q in qs for v in times[name, q]])
                for name in statements for measure, times in (("ms", wall), ("cpu_ms", cpu))}
    return out


TABLE_WORDS = (1, 2, 4)


def table_page(conn: sqlite3.Connection, kinds: dict[str, dict[int, list[str]]], reps: int) -> dict:
    """Wall ms of Datasette's articles table page as `soyte serve` serves it (make_datasette; real
    requests through Datasette's ASGI client, its queries on its own threads), without a search and
    as its search box asks (`?_search=`: every match counted and faceted), for the first query of
    each kind and length in TABLE_WORDS; beside the same Datasette with its default of suggesting
    facets (soyte's setting before 2026-11-25), each alone in its own block, rotating."""
    import asyncio

    import archive.datasette
    from archive.datasette import make_datasette

    path = conn.execute("PRAGMA database_list").fetchone()[2]
    name = archive.datasette.database_name(path)
    pages = [("no search", f"/{name}/articles")] + [
        (f"{kind}, {k} words: {kinds[kind][k][0]}", f"/{name}/articles?_search={quote(kinds[kind][k][0])}")
        for kind in ("corpus", "common") for k in TABLE_WORDS]
    settings = archive.datasette.SETTINGS
    servers = {"soyte serve": make_datasette(path)}
    archive.datasette.SETTINGS = {**settings, "suggest_facets": True}
    try:
        servers["suggesting facets"] = make_datasette(path)
    finally:
        archive.datasette.SETTINGS = settings
    loop = asyncio.new_event_loop()
    wall: dict = {(server, page): [] for server in servers for page, _url in pages}

    def get(server: str, url: str) -> float:
        start = time.perf_counter()
        response = loop.run_until_complete(servers[server].client.get(url))
        assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
        return (time.perf_counter() - start) * 1e3

    try:
        for server in servers:  # one untimed pass of each
            for _page, url in pages:
                get(server, url)
        for rep in range(min(reps, 5)):  # ~3 s a request with suggestions: 5 repetitions at most
            for server in list(servers)[rep % 2:] + list(servers)[:rep % 2]:
                for page, url in pages:
                    wall[server, page].append(get(server, url))
    finally:
        loop.close()
    return {server: {page: summary(wall[server, page]) for page, _url in pages} for server in servers}


def report_table_page(pages: dict) -> None:
    print("\nDatasette's articles table page (its search box: every match counted and faceted), wall ms: as "
          "`soyte serve` serves it, and with Datasette's default of suggesting facets")
    served, suggesting = pages["soyte serve"], pages["suggesting facets"]
    print(table(["page", "p50", "p95", "suggesting facets p50", "suggesting facets p95"],
                [[page, v["median"], v["p95"], suggesting[page]["median"], suggesting[page]["p95"]]
                 for page, v in served.items()]))


def report_canned(canned: dict) -> None:
    print('\nDatasette\'s "Search a term" (its SQL on the same connection), ms: now and before (every term ranked)')
    rows = [[kind, int(k), v["ms"]["median"], v["ms"]["p95"], v["cpu_ms"]["median"], v["cpu_ms"]["p95"],
             v["ms_before"]["median"], v["ms_before"]["p95"], v["cpu_ms_before"]["median"], v["cpu_ms_before"]["p95"]]
            for kind, by_count in canned.items() for k, v in by_count.items()]
    print(table(["kind", "words", "p50", "p95", "CPU p50", "CPU p95", "before p50", "before p95", "before CPU p50",
                 "before CPU p95"], rows))


def _expression(query: str, dedupe: bool) -> str:
    """match_expression without its bounds; with dedupe=False, each word as often as typed (before)."""
    words = re.findall(r"\w+", fold(query))
    return " ".join(f'"{w}"' for w in (dict.fromkeys(words) if dedupe else words))


def search_two_pass(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """archive.search.search as it was until 2026-11-25 (commit fb4ea39): a subquery matches to find
    the rowid of the 2,000th newest match, then the ranked query matches again from there; every
    word searched as often as it is typed. Same rows and order as search() for queries without a
    repeated word (`same_rows_as_before` in the results)."""
    cursor = conn.execute(
        "SELECT a.url, a.title, a.published, a.portal FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
        "WHERE articles_fts MATCH :q AND f.rowid >= coalesce((SELECT rowid FROM articles_fts "
        "WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT 1 OFFSET :n), 0) ORDER BY rank LIMIT :limit",
        {"q": _expression(query, dedupe=False), "n": max(archive.search.RANKED_CANDIDATES, limit) - 1,
         "limit": limit})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def report_words(words: dict, reps: int) -> None:
    load = words["loadavg_1min"]
    print(f"\nms per query by number of words ({QUERIES_PER_COUNT} queries of each kind and length, one of "
          f"'repeated'; {reps} runs each; load average {load['min']:.2f}–{load['max']:.2f}); search() read as "
          f"`soyte search` reads (mapped) and before (a plain connection); same rows: "
          f"{'yes' if words['same_rows'] else 'NO'}; search() accepts at most {MAX_QUERY_WORDS} words, longer "
          "ones are timed with the cap lifted")
    rows = []
    for kind in ("corpus", "common", "repeated"):
        for k, v in words[kind].items():
            rows.append([kind, int(k), "yes" if v["accepted"] else "refused",
                         f"{v['hits_min']:,}–{v['hits_max']:,}" if v["hits_min"] != v["hits_max"] else v["hits_min"],
                         v["ms"]["median"], v["ms"]["p95"], v["cpu_ms"]["median"], v["cpu_ms"]["p95"],
                         v["ms_before"]["median"], v["ms_before"]["p95"], v["cpu_ms_before"]["median"],
                         v["cpu_ms_before"]["p95"]])
    print(table(["words", "count", "accepted", "hits", "p50", "p95", "CPU p50", "CPU p95",
                 "before p50", "before p95", "before CPU p50", "before CPU p95"], rows))
    report_parts(words["parts"])
    report_canned(words["canned_query"])
    report_table_page(words["table_page"])
