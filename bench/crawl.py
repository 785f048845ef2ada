"""Crawl: soyte's pages per second beside bare Scrapy's, on synthetic portals of 2,000 and 10,000
articles, with peak memory and CPU per page, and what a second (incremental) run requests.

Both crawlers run as their own process against the same scraper.portals.replay.ReplayServer (in this
process), through the same download handler, at the same concurrency:
  soyte  SOYTE_REGISTRY=<tmp>/registry.toml python -m scraper.cli crawl synthetic --db <fresh.db>
             --replay <server url> --quiet          (extraction, archive writes, frontier, all of it)
  bare   python -m bench.bare_scrapy --replay <server url> --start <first listing page>
             (bench/bare_scrapy.py: Scrapy following the same links, nothing else)
Rules that keep the figures from flattering: each crawl runs alone; the two alternate and the one
that goes first alternates each repetition; every ratio is soyte ÷ bare within one repetition
(same minutes, same load), reported as median and spread (min–max) of ≥ 3 repetitions; the load
average is recorded around each crawl. Pages/s counts the server's answers between the first and
the last (the process's start-up and shut-down apart); CPU is the crawl process's own (wait4).
Peak RSS is the crawl process's VmHWM (bench/peak_rss.py).

    python -m bench.crawl [--quick] [--sizes 2000 10000] [--reps 3] [--profile] [--keep] [--compare-tree DIR]
"""
from __future__ import annotations

import argparse
import os
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT, ratio, table, write_results
from bench.synthetic import SiteBuilder, write_registry
from scraper.portals.replay import ReplayServer

HOST = "soyte.synthetic.gov.vn"
KEY = "synthetic"
CRAWLERS = ("soyte", "bare")


class TimedReplayServer(ReplayServer):
    """The replay server, noting when each request was answered (perf_counter)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times: list[float] = []

    def respond(self, host_header, raw_path, headers):
        answer = super().respond(host_header, raw_path, headers)
        with self.lock:
            self.times.append(time.perf_counter())
        return answer


class Site:
    """A synthetic portal on disk with its registry file."""

    def __init__(self, workdir: Path, articles: int):
        self.articles = articles
        self.root = workdir / f"site-{articles}"
        manifest = SiteBuilder(HOST).write(self.root / KEY, articles)
        self.listings = sum(1 for p in manifest["pages"] if p["kind"] == "listing")
        self.start_url = manifest["start_urls"][0]
        self.registry = write_registry(workdir / f"registry-{articles}.toml", KEY, HOST, self.start_url)
        self.bytes = sum(f.stat().st_size for f in (self.root / KEY / "pages").iterdir())


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


TREES: dict[str, Path] = {}  # "soyte@<label>" -> another checkout of the project (--compare-tree)


def command(crawler: str, site: Site, server: TimedReplayServer, db: Path, out: Path,
            profile_to: Path | None = None) -> list[str]:
    launcher = ["-m", "cProfile", "-o", str(profile_to), "-m"] if profile_to else ["-m", "bench.peak_rss", str(out)]
    if crawler.startswith("soyte"):
        return [sys.executable, *launcher, "scraper.cli", "crawl", KEY, "--db", str(db), "--replay", server.url,
                "--quiet"]
    return [sys.executable, *launcher, "bench.bare_scrapy", "--replay", server.url, "--start", site.start_url]


def run(crawler: str, site: Site, server: TimedReplayServer, db: Path, profile_to: Path | None = None) -> dict:
    """One crawl in its own process: pages/s, CPU per page, peak RSS (and, for soyte, its run row)."""
    tree = TREES.get(crawler, ROOT)
    env = {**os.environ, "SOYTE_REGISTRY": str(site.registry), "PYTHONPATH": str(tree)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    before = len(server.times)
    hwm = db.with_suffix(f".{crawler}.hwm{before}")
    log = db.with_suffix(f".{crawler}.run{before}.log")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(command(crawler, site, server, db, hwm, profile_to), cwd=tree, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        peak_sampled = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                peak_sampled[0] = max(peak_sampled[0], rss_kb(process.pid) or 0)

        threading.Thread(target=sample, daemon=True).start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
    times = server.times[before:]
    answered = len(times)
    active = times[-1] - times[0] if answered > 1 else None
    cpu = usage.ru_utime + usage.ru_stime
    result = {
        "exit": os.waitstatus_to_exitcode(status), "requests": answered, "wall_s": wall, "active_s": active,
        "pages_per_s": (answered - 1) / active if active else None, "cpu_s": cpu,
        "cpu_ms_per_page": cpu * 1e3 / max(1, answered),
        "system_cpu_ms_per_page": usage.ru_stime * 1e3 / max(1, answered),  # the kernel's share (writes, syscalls)
        "peak_rss_mb": int(hwm.read_text()) / 1024 if hwm.exists() else None,
        "loadavg_1min": [load_before, os.getloadavg()[0]],
    }
    if crawler.startswith("soyte") and db.exists():
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        result["crawl_run"] = dict(row) if row else None
        result["articles_in_archive"] = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        conn.close()
    if result["exit"] != 0:
        result["log_tail"] = log.read_text()[-1500:]
    return result


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def crawl_size(workdir: Path, n: int, reps: int, profile: bool) -> dict:
    """soyte and bare, alternating, `reps` times each on one site and server; then soyte's second run."""
    site = Site(workdir, n)
    crawlers = (*CRAWLERS, *TREES)
    runs: dict[str, list[dict]] = {c: [] for c in crawlers}
    with TimedReplayServer(root=site.root) as server:
        for rep in range(reps):
            order = crawlers[rep % len(crawlers):] + crawlers[:rep % len(crawlers)]
            for crawler in order:
                db = workdir / f"archive-{n}-{rep}{crawler.removeprefix('soyte')}.db"
                print(f"  {n:,} articles, repetition {rep + 1}/{reps}: {crawler} …", flush=True)
                runs[crawler].append(run(crawler, site, server, db))
        last_db = workdir / f"archive-{n}-{reps - 1}.db"
        second = run("soyte", site, server, last_db)
        profile_rows = None
        if profile:
            prof = workdir / f"crawl-{n}.prof"
            run("soyte", site, server, workdir / f"archive-{n}-profiled.db", profile_to=prof)
            stats = pstats.Stats(str(prof))
            print(f"cProfile of soyte's crawl process ({n:,} articles), by own time:")
            stats.sort_stats("tottime").print_stats(30)
            total = stats.total_tt
            profile_rows = sorted(
                ({"function": f"{Path(f).name}:{line}({func})", "calls": calls,
                  "tottime_share": round(tt / total, 4), "cumtime_share": round(ct / total, 4)}
                 for (f, line, func), (_cc, calls, tt, ct, _callers) in stats.stats.items()),
                key=lambda r: -r["tottime_share"])[:40]
    soyte, bare = runs["soyte"], runs["bare"]
    pairs = list(zip(soyte, bare))
    first = soyte[-1]
    return {
        "articles": n, "listing_pages": site.listings, "site_bytes": site.bytes, "runs": runs,
        "soyte_pages_per_s": spread([s["pages_per_s"] for s in soyte]),
        "bare_pages_per_s": spread([b["pages_per_s"] for b in bare]),
        "soyte_over_bare": spread([s["pages_per_s"] / b["pages_per_s"] for s, b in pairs]),
        "soyte_cpu_ms_per_page": spread([s["cpu_ms_per_page"] for s in soyte]),
        "bare_cpu_ms_per_page": spread([b["cpu_ms_per_page"] for b in bare]),
        "soyte_peak_rss_mb": spread([s["peak_rss_mb"] for s in soyte if s["peak_rss_mb"]]),
        "bare_peak_rss_mb": spread([b["peak_rss_mb"] for b in bare if b["peak_rss_mb"]]),
        "same_requests": all(s["requests"] == b["requests"] + 0 for s, b in pairs),
        "second_run": second,
        "second_over_first_requests": ratio(second["requests"], first["requests"]),
        "profile": profile_rows,
        "compared_trees": {
            label: {"tree": str(TREES[label]),
                    "pages_per_s": spread([r["pages_per_s"] for r in runs[label]]),
                    "over_bare": spread([r["pages_per_s"] / b["pages_per_s"] for r, b in zip(runs[label], bare)]),
                    "soyte_over_it": spread([s["pages_per_s"] / r["pages_per_s"] for s, r in zip(soyte, runs[label])]),
                    "cpu_ms_per_page": spread([r["cpu_ms_per_page"] for r in runs[label]])}
            for label in TREES},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="sites of 500 and 2,000 articles, 3 repetitions")
    parser.add_argument("--sizes", type=int, nargs="+", help="site sizes (default 2000 10000)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each crawler per size (≥ 3)")
    parser.add_argument("--profile", action="store_true", help="also cProfile a soyte crawl of each size")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (sites, archives, logs)")
    parser.add_argument("--compare-tree", type=Path, metavar="DIR",
                        help="also crawl with another checkout of the project (e.g. main before a change), "
                             "in the same rotation")
    args = parser.parse_args()
    if args.compare_tree:
        TREES[f"soyte@{args.compare_tree.name}"] = args.compare_tree.resolve()
    sizes = args.sizes or ([500, 2000] if args.quick else [2000, 10000])
    reps = max(3, args.reps)
    workdir = Path(tempfile.mkdtemp(prefix="soyte-bench-crawl-"))
    results: dict = {"reps": reps, "sizes": {}}
    try:
        for n in sizes:
            results["sizes"][str(n)] = crawl_size(workdir, n, reps, args.profile)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            subprocess.run(["rm", "-rf", str(workdir)], check=False)
    report(results)
    print(f"\nwrote {write_results('crawl', results)}")


def report(results: dict) -> None:
    def fmt(s: dict, digits: int = 1) -> str:
        return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"

    print(f"\nmedian (min–max) over {results['reps']} repetitions; ratio within each repetition")
    print(table(["articles", "requests", "soyte pages/s", "bare Scrapy pages/s", "soyte ÷ bare (goal ≥ 0.85)",
                 "soyte CPU ms/page", "bare CPU ms/page", "soyte peak RSS MB", "bare peak RSS MB",
                 "2nd run requests ÷ 1st", "load avg"],
                [[int(n), r["runs"]["soyte"][-1]["requests"], fmt(r["soyte_pages_per_s"]),
                  fmt(r["bare_pages_per_s"]), fmt(r["soyte_over_bare"], 2), fmt(r["soyte_cpu_ms_per_page"], 2),
                  fmt(r["bare_cpu_ms_per_page"], 2), fmt(r["soyte_peak_rss_mb"], 0), fmt(r["bare_peak_rss_mb"], 0),
                  r["second_over_first_requests"],
                  f"{min(x['loadavg_1min'][0] for x in r['runs']['soyte']):.1f}–"
                  f"{max(x['loadavg_1min'][1] for x in r['runs']['soyte']):.1f}"]
                 for n, r in results["sizes"].items()]))
    for n, r in results["sizes"].items():
        for label, c in r["compared_trees"].items():
            print(f"{int(n):,} articles, {label} ({c['tree']}): {fmt(c['pages_per_s'])} pages/s, "
                  f"÷ bare {fmt(c['over_bare'], 2)}, soyte ÷ it {fmt(c['soyte_over_it'], 2)}, "
                  f"CPU {fmt(c['cpu_ms_per_page'], 2)} ms/page")


if __name__ == "__main__":
    main()
