"""The building half of bench/million.py: archives of N synthetic articles written through the store API."""
from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from archive.store import Archive
from bench.synthetic import TEMPLATE_HOST, SiteBuilder
from scraper.portals.registry import load_portals

PORTALS = 34
RUN_EVERY = 20_000       # articles per crawl run row
BATCH = 1_000            # articles per transaction (a crawl commits every few seconds)
REPORT_EVERY = 50_000
CATEGORIES = ("Tin tức - Sự kiện", "Phòng chống dịch bệnh", "Khám chữa bệnh", "Dược - Mỹ phẩm",
              "Y tế cơ sở", "Văn bản chỉ đạo", "An toàn thực phẩm", "Dân số - KHHGĐ")
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "Apache-Coyote/1.1"}


def portals() -> list:
    return list(load_portals().values())[:PORTALS]


class Builder:
    """Synthetic articles of many portals: the raw page (bench.synthetic's Bắc Ninh-layout page)
    and the record, both from the same facts."""

    def __init__(self, seed: int) -> None:
        self.site = SiteBuilder(TEMPLATE_HOST, seed)
        self.rng = random.Random(seed)
        self.portals = portals()
        self.start = datetime(2025, 6, 30, 16, 0)

    def article(self, n: int) -> tuple[str, dict, dict, bytes]:
        """(page URL, headers, record, page bytes) of article n: portal n mod 34, dated back over twenty years."""
        portal = self.portals[n % len(self.portals)]
        self.site.host = portal.host
        when = self.start - timedelta(minutes=(n * 10) % (20 * 365 * 24 * 60) + self.rng.randint(0, 9))
        facts, page = self.site.article(n, when)
        headers = {**HEADERS, "ETag": f'"{n:x}-{len(page)}"',
                   "Last-Modified": when.strftime("%a, %d %b %Y %H:%M:%S GMT")}
        record = {"url": facts["url"], "portal": portal.key, "province": portal.province, "title": facts["title"],
                  "published": facts["published"], "category": self.rng.choice(CATEGORIES),
                  "sapo": facts["summary"], "text": self.site.corpus.text(self.rng),
                  "author": self.rng.choice(self.site.corpus.authors), "source": None,
                  "views": self.rng.randint(0, 9000), "images": [], "attachments": []}
        return facts["url"], headers, record, page.encode("utf-8")

    def listing(self, portal, page: int) -> tuple[str, bytes]:
        self.site.host = portal.host
        return self.site.listing_url(page), f"<html><body>listing {portal.key} {page}</body></html>".encode()


def store(archive: Archive, builder: Builder, first: int, last: int, run_id: int | None) -> None:
    """Articles first..last-1, as a crawl writes them: the page, then the record, in one transaction per BATCH."""
    for start in range(first, last, BATCH):
        with archive.transaction():
            for n in range(start, min(last, start + BATCH)):
                url, headers, record, body = builder.article(n)
                page_id = archive.save_page(url, 200, headers, body, run_id, kind="article")
                archive.upsert_article(record, layout="liferay-bacninh", extractor="bacninh/1", page_id=page_id)


def article_count(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
    finally:
        conn.close()


def build(path: Path, n: int, log: Path, offset: int = 0) -> list[dict]:
    """Fill the archive at `path` up to n articles; the store rate of every REPORT_EVERY articles. With
    an `offset` its articles are the builder's offset, offset + 1, …: the other half of a larger
    archive (`merge` of two archives of 500,000 takes the first and the second half of 1,000,000)."""
    have = article_count(path)
    builder = Builder(seed=offset + have)
    archive = Archive(path)
    rates = json.loads(log.read_text()) if log.exists() else []
    try:
        while have < n:
            upto = min(n, (have // REPORT_EVERY + 1) * REPORT_EVERY)
            started, load = time.perf_counter(), os.getloadavg()[0]
            for first in range(have, upto, RUN_EVERY):
                last = min(upto, first + RUN_EVERY)
                run_id = archive.start_run([p.key for p in builder.portals])
                for portal in builder.portals:  # a listing page per portal per run: listing validators
                    url, body = builder.listing(portal, 1 + (offset + first) // RUN_EVERY)
                    archive.save_page(url, 200, {**HEADERS, "ETag": f'"l{first}"'}, body, run_id, kind="listing")
                store(archive, builder, offset + first, offset + last, run_id)
                archive.finish_run(run_id, "completed")
            seconds = time.perf_counter() - started
            rates.append({"articles": upto, "per_s": (upto - have) / seconds, "load": load})
            print(f"{path.name}: {upto:,} articles, {rates[-1]['per_s']:,.0f}/s (load {load:.2f})", flush=True)
            log.write_text(json.dumps(rates))
            have = upto
    finally:
        archive.close()
    return rates


def build_all(folder: Path, sizes: list[int], stories: bool = True, offset: int = 0) -> None:
    """With `stories` False the story step (archive.stories.index_article) is left out of the store, as
    bench/stories.py leaves it out to time it: an archive of 1,000,000 articles is then built in
    minutes, not hours, and its story tables stay empty (the step's cost with the archive's size is
    measured on archives built with it: docs/BENCHMARKS.md "A million articles")."""
    if not stories:
        import archive.store
        archive.store.index_article = lambda *args, **kwargs: None
    folder.mkdir(parents=True, exist_ok=True)
    previous = None
    for size in sorted(sizes):
        path = folder / (f"{size}.db" if not offset else f"{size}-from-{offset}.db")
        if previous is not None and not path.exists():
            shutil.copyfile(previous, path)  # the larger archive starts as the smaller one
        build(path, size, folder / f"build-{path.stem}.json", offset)
        previous = path


def file_alone(path: Path, batch: int = 5000) -> dict:
    """Fill the story tables of an archive built without the story step (`build --no-stories`), each
    article filed alone: archive.stories' own filing (band keys, passages, sketch, member and story
    rows) with the candidate lookup left out, so nothing is compared. The tables then hold what they
    hold after a crawl of that many articles (the synthetic articles are 98 % stories of one), in about
    2 ms an article instead of the 6 ms of a filing with its comparisons: the story step's cost at
    1,000,000 articles is then timed by `writes` without hours of filing (docs/BENCHMARKS.md). In
    batches, each its own transaction; a killed run goes on from the articles already filed."""
    import archive.stories as stories

    lookup, file_missing = stories._candidates, stories.index_missing
    stories._candidates = lambda *args, **kwargs: iter(())
    stories.index_missing = lambda *args, **kwargs: 0  # the schema's own filing, done here in batches
    try:
        archive = Archive(path)
    finally:
        stories.index_missing = file_missing
    started, filed = time.perf_counter(), 0
    try:
        after = archive.conn.execute("SELECT coalesce(max(article), 0) FROM story_members").fetchone()[0]
        while True:
            urls = [url for (url,) in archive.conn.execute(
                "SELECT url FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?", (after, batch))]
            if not urls:
                break
            with archive.transaction():
                stories.index_missing(archive.conn, urls)
            after = archive.conn.execute("SELECT max(article) FROM story_members").fetchone()[0]
            filed += len(urls)
            if filed % (10 * batch) == 0:
                print(f"{path.name}: {after:,} filed, {filed / (time.perf_counter() - started):,.0f}/s", flush=True)
    finally:
        stories._candidates = lookup
        archive.close()
    return {"filed": filed, "seconds": time.perf_counter() - started, "articles": article_count(path)}
