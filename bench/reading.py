"""Issue 34's costs for readers: what a snippet adds to `soyte search`, a phrase against its words,
the archive page's two charts, and the Python API's records, DataFrame and Parquet export, on a
synthetic archive of N articles (bench.synthetic.Corpus sentences, 8 provinces, 2015–2024).

Each method is timed alone in its own block, RUNS times, on the same archive, the connection as
`soyte search` opens it (read-only, mapped); the median and the spread (min–max) are printed as a
Markdown table for docs/BENCHMARKS.md.

    python -m bench.reading --articles 20000 --runs 7
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from archive.datasette.charts import articles_per_month_sql, crawl_health_sql
from archive.export import records
from archive.results import with_snippets
from archive.documents import search_with_documents
from archive.store import Archive
from bench.common import table
from bench.synthetic import Corpus

PROVINCES = ["Bắc Ninh", "Hà Giang", "An Giang", "Hà Tĩnh", "Thanh Hóa", "Nghệ An", "Quảng Ninh", "Cần Thơ"]


def build(path: Path, n: int) -> None:
    corpus, rng = Corpus(), random.Random(34)
    store = Archive(path)
    with store.transaction():
        for i in range(n):
            province = rng.choice(PROVINCES)
            record = {"url": f"https://soyte.example.gov.vn/tin/{i}.html", "portal": f"p{PROVINCES.index(province)}",
                      "province": province, "title": corpus.title(rng),
                      "published": f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00+07:00",
                      "category": "Tin tức", "sapo": None, "text": corpus.text(rng), "author": None, "source": None,
                      "views": i, "images": [{"url": f"https://soyte.example.gov.vn/{i}.jpg", "caption": "Ảnh"}],
                      "attachments": []}
            store.upsert_article(record, layout="bench", extractor="bench/1", page_id=None)
    store.close()


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        build(path, args.articles)
        reader = Archive(path, readonly=True)
        conn = reader.conn
        words, phrase = "phong chong dich benh", '"phong chong dich benh"'
        methods = {
            "search, 4 words (20 results, no snippet)": lambda: search_with_documents(conn, words, 20),
            "search, 4 words + snippets (soyte search)": lambda: with_snippets(conn, words, search_with_documents(conn, words, 20)),
            "search, the 4 words as a phrase + snippets": lambda: with_snippets(conn, phrase, search_with_documents(conn, phrase, 20)),
            "chart: articles per province per month (SQL)": lambda: conn.execute(articles_per_month_sql()).fetchall(),
            "chart: crawl health (SQL)": lambda: conn.execute(crawl_health_sql()).fetchall(),
            "soyte.records(): every record": lambda: sum(1 for _ in records(conn)),
        }
        rows = []
        for name, method in methods.items():
            times = timed(method, args.runs)
            rows.append([name, statistics.median(times), min(times), max(times)])
        try:
            import pandas  # noqa: F401
            from soyte.corpus import Corpus as Reader

            corpus = Reader(reader)
            times = timed(lambda: corpus.to_pandas(), args.runs)
            rows.append(["soyte to_pandas(): every record", statistics.median(times), min(times), max(times)])
        except ImportError:
            pass
        try:
            from archive.parquet import write_parquet

            out = Path(folder) / "a.parquet"
            times = timed(lambda: write_parquet(records(conn), out), args.runs)
            rows.append(["export --format parquet (write)", statistics.median(times), min(times), max(times)])
        except ImportError:
            pass
        reader.close()
    print(f"{args.articles:,} articles, {args.runs} runs each\n")
    print(table(["method", "median ms", "min ms", "max ms"], rows))


if __name__ == "__main__":
    main()
