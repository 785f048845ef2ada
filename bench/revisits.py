"""Revisits: how many archived articles a daily crawl of an unchanged portal re-checks, day by day.

An archive of N articles published evenly over the portal's history (2, 4 and 8 years) is written
by `Archive.upsert_article` as one first crawl; then `load_frontier(..., now=day)` is asked every
day for 90 days, and each due article is stored again (unchanged) at that day's time, as a
conditional revisit would. Beside it, the rule before archive/revisits.py (every article last seen
more than SOYTE_REVISIT_DAYS ago is due), computed over the same days. A crawl's requests are its
due articles plus the listing pages it walks: on an unchanged portal, robots.txt and the first
listing page (2); the first crawl's are N articles, N / 20 listing pages and robots.txt.

    python -m bench.revisits [--quick] [--articles 10000] [--days 90]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from archive.frontier import load_frontier
from archive.store import Archive
from bench.common import table, write_results

REVISIT = timedelta(days=30)  # SOYTE_REVISIT_DAYS
FIRST = datetime(2026, 1, 10, 2, 0, tzinfo=timezone.utc)
PER_LISTING = 20


def record(n: int, articles: int, history_days: int) -> dict:
    published = FIRST - timedelta(days=history_days * n / articles, hours=3)
    return {"url": f"https://soyte.example.gov.vn/tin-tuc/bai-{n}.html", "portal": "demo", "province": "Đắk Lắk",
            "title": f"Bài {n}", "published": published.isoformat(timespec="seconds"), "category": None,
            "sapo": None, "text": f"Nội dung bài {n}.", "author": None, "source": None, "views": None,
            "images": [], "attachments": []}


def simulate(workdir: Path, articles: int, history_years: int, days: int) -> dict:
    archive = Archive(workdir / f"revisits-{history_years}.db")
    records = [record(n, articles, history_years * 365) for n in range(articles)]
    with archive.transaction():
        for r in records:
            archive.upsert_article(r, layout="demo", extractor="demo/1", page_id=None,
                                   seen=FIRST.isoformat(timespec="seconds"))
    by_url = {r["url"]: r for r in records}
    due_per_day, seconds = [], []
    for day in range(1, days + 1):
        now = FIRST + timedelta(days=day)
        started = time.perf_counter()
        due = load_frontier(archive.conn, ["demo"], REVISIT, now=now).due.get("demo", [])
        seconds.append(time.perf_counter() - started)
        due_per_day.append(len(due))
        with archive.transaction():
            for url in due:
                archive.upsert_article(by_url[url], layout="demo", extractor="demo/1", page_id=None,
                                       seen=now.isoformat(timespec="seconds"))
    archive.close()
    first_requests = articles + -(-articles // PER_LISTING) + 1
    daily_requests = [d + 2 for d in due_per_day]
    old_rule = [articles if day % 31 == 0 else 0 for day in range(1, days + 1)]  # all due on day 31, 62 …
    return {
        "articles": articles, "history_years": history_years, "days": days, "first_crawl_requests": first_requests,
        "due_per_day": due_per_day,
        "daily_requests_share_mean": statistics.fmean(daily_requests) / first_requests,
        "daily_requests_share_max": max(daily_requests) / first_requests,
        "due_share_of_articles_mean": statistics.fmean(due_per_day) / articles,
        "due_max": max(due_per_day), "due_min": min(due_per_day),
        "old_rule_share_mean": statistics.fmean(d + 2 for d in old_rule) / first_requests,
        "old_rule_share_max": (max(old_rule) + 2) / first_requests,
        "load_frontier_s_median": statistics.median(seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 articles, 60 days")
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    articles, days = (2000, 60) if args.quick else (args.articles, args.days)
    with tempfile.TemporaryDirectory(prefix="soyte-bench-revisits-") as folder:
        runs = [simulate(Path(folder), articles, years, days) for years in (2, 4, 8)]
    print(f"{articles:,} articles archived by one first crawl, then {days} daily crawls of the unchanged portal")
    print(table(["history", "first crawl requests", "daily requests ÷ first, mean (goal ≤ 1 %)", "max day",
                 "due per day min–max", "old rule: mean", "old rule: day 31", "load_frontier s"],
                [[f"{r['history_years']} years", r["first_crawl_requests"], f"{r['daily_requests_share_mean']:.2%}",
                  f"{r['daily_requests_share_max']:.2%}", f"{r['due_min']}–{r['due_max']}",
                  f"{r['old_rule_share_mean']:.2%}", f"{r['old_rule_share_max']:.1%}", r["load_frontier_s_median"]]
                 for r in runs]))
    print(f"\nwrote {write_results('revisits', {'runs': runs})}")


if __name__ == "__main__":
    main()
