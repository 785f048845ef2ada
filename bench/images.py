"""Articles' images: what they add to the archive's size per 1,000 articles and to a crawl's time per
article page, on the bundled demo portals (their pictures are scraper/demo_portals/*/images/).

Each repetition crawls every demo portal twice into fresh archives with the real command, one run
with images (the default) and one with `--no-images`, against the same replay server and settings
(`python -m scraper.cli crawl <portals> --replay URL --quiet`); which goes first alternates each
repetition. Time is the command's wall time (a process start included, the same for both); size is
the archive's bytes after `VACUUM INTO` a copy (no free pages, no WAL), and the image tables' own
share (`images.size`, `images.stored_size`). Apart, in this process: what the image pipeline does with
one fetched picture (format and pixels read, hash, compression, rows written), timed per image.

    python -m bench.images             # 5 repetitions (~1 min)
    python -m bench.images --quick     # 2 repetitions
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import summary, table, write_results
from scraper.crawl.process import demo_portals
from scraper.portals.replay import ReplayServer

MODES = {"images": [], "no-images": ["--no-images"]}


def crawl(server: ReplayServer, db: Path, options: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", *demo_portals(), "--db", str(db), "--replay",
                    server.url, "--quiet", *options], check=True, capture_output=True)
    return time.perf_counter() - started


def facts(db: Path) -> dict:
    """The archive's size once vacuumed, and what it holds."""
    packed = db.with_suffix(".packed.db")
    conn = sqlite3.connect(db)
    conn.execute("VACUUM INTO ?", (str(packed),))
    row = conn.execute("SELECT (SELECT count(*) FROM articles), (SELECT requests FROM crawl_runs WHERE id = 1), "
                       "(SELECT count(*) FROM images), (SELECT count(*) FROM image_captures), "
                       "(SELECT coalesce(sum(size), 0) FROM images), (SELECT coalesce(sum(stored_size), 0) FROM images)"
                       ).fetchone()
    conn.close()
    found = dict(zip(("articles", "requests", "images", "image_captures", "image_bytes", "image_stored_bytes"), row))
    found["size"] = packed.stat().st_size
    return found


def storing_seconds(folder: Path, rep: int) -> float:
    """Seconds per image of what the image pipeline does with a fetched picture (read its format and
    pixels, hash, compress, write image, capture and body rows), the demo's pictures into a fresh archive."""
    from archive.images import ImageStore
    from archive.store import Archive, now
    from scraper.extraction.image_files import read_image
    from scraper.portals.registry import DEMO_PORTALS
    from scraper.portals.sites import Site

    pictures = [(page.url, page.body()) for portal in demo_portals()
                for page in Site(DEMO_PORTALS / portal).pages(("image",))]
    archive = Archive(folder / f"store-{rep}.db")
    store = ImageStore(archive)
    started = time.perf_counter()
    for url, body in pictures:
        store.store(url, "demo", body, read_image(body), status=200, served_type="image/jpeg",
                    headers={"Content-Type": "image/jpeg"}, run_id=None, at=now())
    archive.flush()
    seconds = (time.perf_counter() - started) / len(pictures)
    archive.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    reps = 2 if args.quick else args.reps
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    sizes: dict[str, dict] = {}
    with ReplayServer() as server, tempfile.TemporaryDirectory(prefix="soyte-bench-images-") as folder:
        for rep in range(reps + 1):  # the first round warms the disk cache and is not counted
            order = list(MODES) if rep % 2 else list(reversed(MODES))
            for mode in order:
                db = Path(folder) / f"{mode}-{rep}.db"
                seconds = crawl(server, db, MODES[mode])
                if rep:
                    times[mode].append(seconds)
                sizes[mode] = facts(db)
        storing = [storing_seconds(Path(folder), rep) for rep in range(reps * 3)]
    with_images, without = sizes["images"], sizes["no-images"]
    articles = with_images["articles"]
    added = with_images["size"] - without["size"]
    per_page = {mode: summary([t / sizes[mode]["articles"] for t in times[mode]]) for mode in MODES}
    results = {
        "reps": reps, "articles": articles, "images": with_images["images"],
        "image_captures": with_images["image_captures"], "requests": {m: sizes[m]["requests"] for m in MODES},
        "archive_bytes": {m: sizes[m]["size"] for m in MODES}, "added_bytes": added,
        "added_bytes_per_1000_articles": added / articles * 1000,
        "image_bytes": with_images["image_bytes"], "image_stored_bytes": with_images["image_stored_bytes"],
        "crawl_seconds": {m: summary(times[m]) for m in MODES},
        "seconds_per_article_page": per_page,
        "added_seconds_per_article_page": per_page["images"]["median"] - per_page["no-images"]["median"],
        "storing_seconds_per_image": summary(storing),
    }
    print(table(["", "with images", "--no-images"], [
        ["archive bytes (vacuumed)", with_images["size"], without["size"]],
        ["requests", with_images["requests"], without["requests"]],
        ["crawl s, median", results["crawl_seconds"]["images"]["median"], results["crawl_seconds"]["no-images"]["median"]],
        ["crawl s, min–p95", f"{results['crawl_seconds']['images']['min']:.2f}–{results['crawl_seconds']['images']['p95']:.2f}",
         f"{results['crawl_seconds']['no-images']['min']:.2f}–{results['crawl_seconds']['no-images']['p95']:.2f}"],
        ["ms per article page, median", per_page["images"]["median"] * 1000, per_page["no-images"]["median"] * 1000],
    ]))
    print(f"\n{articles} articles, {with_images['images']} distinct images ({with_images['image_captures']} URLs), "
          f"{with_images['image_bytes']:,} bytes ({with_images['image_stored_bytes']:,} stored); images add "
          f"{added:,} bytes, {results['added_bytes_per_1000_articles']:,.0f} per 1,000 articles")
    print(f"storing one image (read, hash, compress, write): median {results['storing_seconds_per_image']['median'] * 1000:.2f} ms, "
          f"min {results['storing_seconds_per_image']['min'] * 1000:.2f}, p95 {results['storing_seconds_per_image']['p95'] * 1000:.2f}")
    print(f"results: {write_results('images', results, argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
