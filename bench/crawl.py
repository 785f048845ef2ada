"""Crawl: pages per second and peak memory on synthetic portals of 2,000 and 20,000 articles,
the polite rate on a bounded sample, the replay server's own ceiling, and what a second
(incremental) run over the unchanged 20,000-article site requests.

Each crawl is the real command in its own process, against bench/synthetic.py's portal served by
scraper.replay.ReplayServer in this process:
    SOYTE_REGISTRY=<tmp>/registry.toml python -m scraper.cli crawl synthetic --db <tmp>/archive.db \
        --replay <server url> --quiet [--polite]
Peak RSS is the crawl process's own VmHWM, written at its exit by bench/peak_rss.py (not
ru_maxrss, which on Linux includes this process's memory: see peak_rss.py), with VmRSS sampled
every 0.25 s for the curve; CPU seconds of the crawl process and of this (server) process say
which side is the bottleneck.

    python bench/crawl.py [--quick] [--sizes 2000 20000] [--polite-sample 100] [--profile]
    python bench/crawl.py --memory-probe 6000   # only: what the crawl holds in memory, as is and fixed
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import ROOT, ratio, table, use_project_root, write_results

use_project_root()

from scraper.replay import ReplayServer  # noqa: E402
from synthetic import SiteBuilder, write_registry  # noqa: E402

HOST = "soyte.synthetic.gov.vn"
KEY = "synthetic"


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


# label: Scrapy settings module (None: the project's own, scraper.settings)
VARIANTS = {
    "as is": None,
    "CONCURRENT_ITEMS=1": "bench.prototype.crawl_settings",
    "all prototype fixes": "bench.prototype.crawl_settings_all",
}
MAIN = "as is"  # the goals are checked against the project as it is


class Site:
    """A synthetic portal on disk with its registry file and a server for it."""

    def __init__(self, workdir: Path, articles: int):
        self.articles = articles
        self.root = workdir / f"site-{articles}"
        started = time.perf_counter()
        manifest = SiteBuilder(HOST).write(self.root / KEY, articles)
        self.build_seconds = time.perf_counter() - started
        self.listings = sum(1 for p in manifest["pages"] if p["kind"] == "listing")
        self.article_paths = [urlsplit(p["url"]).path for p in manifest["pages"] if p["kind"] == "article"]
        self.registry = write_registry(workdir / f"registry-{articles}.toml", KEY, HOST, manifest["start_urls"][0])
        self.bytes = sum(f.stat().st_size for f in (self.root / KEY / "pages").iterdir())


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_crawl(site: Site, server: TimedReplayServer, db: Path, polite: bool = False,
              profile_to: Path | None = None, settings_module: str | None = None) -> dict:
    """One `soyte crawl` in its own process; what it cost and what it fetched."""
    env = {**os.environ, "SOYTE_REGISTRY": str(site.registry), "PYTHONPATH": str(ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    if settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = settings_module
    hwm = db.with_suffix(f".hwm{len(server.times)}")
    launcher = ["-m", "cProfile", "-o", str(profile_to), "-m"] if profile_to else [str(ROOT / "bench" / "peak_rss.py"),
                                                                                    str(hwm)]
    cmd = [sys.executable, *launcher, "scraper.cli", "crawl", KEY, "--db", str(db), "--replay", server.url, "--quiet",
           *(["--polite"] if polite else [])]
    before = len(server.times)
    load_before = os.getloadavg()[0]
    self_cpu = resource.getrusage(resource.RUSAGE_SELF)
    log = db.with_suffix(f".run{before}.log")
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        curve: list[tuple[float, int]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                kb = rss_kb(process.pid)
                if kb:
                    curve.append((round(time.perf_counter() - started, 2), kb))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        process.returncode = os.waitstatus_to_exitcode(status)
    server_cpu = resource.getrusage(resource.RUSAGE_SELF)
    times = server.times[before:]
    requests = server.requests[before:]
    active = (times[-1] - times[0]) if len(times) > 1 else None
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    run = dict(conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone())
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    statuses: dict[str, int] = {}
    for _host, _path, status_code in requests:
        statuses[str(status_code)] = statuses.get(str(status_code), 0) + 1
    return {
        "exit": process.returncode, "wall_s": wall, "server_requests": len(requests), "server_statuses": statuses,
        "active_s": active, "pages_per_s_active": ratio(len(requests) - 1, active) if active else None,
        "pages_per_s_wall": len(requests) / wall, "crawl_run": run, "articles_in_archive": articles,
        "peak_rss_mb": int(hwm.read_text()) / 1024 if hwm.exists() else None,
        "ru_maxrss_mb_not_used": usage.ru_maxrss / 1024, "crawl_cpu_s": usage.ru_utime + usage.ru_stime,
        "crawl_cpu_ms_per_request": (usage.ru_utime + usage.ru_stime) * 1e3 / max(1, len(requests)),
        "loadavg_1min": [load_before, os.getloadavg()[0]],
        "crawl_cpu_share_of_wall": (usage.ru_utime + usage.ru_stime) / wall,
        "server_cpu_s": (server_cpu.ru_utime + server_cpu.ru_stime) - (self_cpu.ru_utime + self_cpu.ru_stime),
        "rss_curve_mb": [(t, round(kb / 1024, 1)) for t, kb in curve[:: max(1, len(curve) // 40)]],
        "log_tail": log.read_text()[-1500:],
    }


def client_main(url: str, host: str, paths_file: str, count: int, threads: int) -> None:
    """The server's ceiling: plain keep-alive GETs of article pages from this (second) process."""
    paths = json.loads(Path(paths_file).read_text())
    target = urlsplit(url)
    per_thread = count // threads
    errors = []

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        for i in range(per_thread):
            conn.request("GET", paths[(offset * per_thread + i) % len(paths)], headers={"Host": host})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"requests": per_thread * threads, "seconds": elapsed, "errors": len(errors),
                      "per_s": per_thread * threads / elapsed}))


def server_ceiling(site: Site, server: TimedReplayServer, workdir: Path, count: int, threads: int) -> dict:
    paths_file = workdir / "paths.json"
    paths_file.write_text(json.dumps(site.article_paths))
    before = resource.getrusage(resource.RUSAGE_SELF)
    out = subprocess.run([sys.executable, __file__, "--client", server.url, HOST, str(paths_file), str(count),
                          str(threads)], capture_output=True, text=True, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_SELF)
    result = json.loads(out.stdout)
    result["server_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result["threads"] = threads
    return result


def profile_summary(path: Path, limit: int = 25) -> list[dict]:
    stats = pstats.Stats(str(path))
    total = stats.total_tt
    rows = [{"function": f"{Path(file).name}:{line}({func})", "calls": calls,
             "tottime_share": round(tottime / total, 4), "cumtime_share": round(cumtime / total, 4)}
            for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items()]
    return sorted(rows, key=lambda r: -r["cumtime_share"])[:limit] + \
        [{"by_tottime": sorted(rows, key=lambda r: -r["tottime_share"])[:limit]}]


def crawl_size(workdir: Path, n: int, incremental: bool, ceiling: bool, profile: bool, variants: list[str]) -> dict:
    """Every variant on the same site, each into a fresh archive; the second run and the profile on MAIN."""
    site = Site(workdir, n)
    out: dict = {"articles": n, "listing_pages": site.listings, "site_bytes": site.bytes,
                 "build_s": site.build_seconds, "variants": {}}
    for label in variants:
        settings_module = VARIANTS[label]
        result: dict = {}
        with TimedReplayServer(root=site.root) as server:
            if ceiling and label == MAIN:
                result["server_ceiling"] = {f"{t} connection{'s' if t > 1 else ''}": server_ceiling(
                    site, server, workdir, 4000, t) for t in (1, 8)}
            db = workdir / f"archive-{n}-{len(out['variants'])}.db"
            print(f"  {label} …", flush=True)
            result["first_run"] = run_crawl(site, server, db, settings_module=settings_module)
            if incremental and label == MAIN:
                result["second_run"] = run_crawl(site, server, db, settings_module=settings_module)
                first, second = result["first_run"], result["second_run"]
                result["incremental"] = {
                    "first_requests_archive": first["crawl_run"]["requests"],
                    "second_requests_archive": second["crawl_run"]["requests"],
                    "first_requests_server": first["server_requests"],
                    "second_requests_server": second["server_requests"],
                    "share_archive": ratio(second["crawl_run"]["requests"], first["crawl_run"]["requests"]),
                    "share_server": ratio(second["server_requests"], first["server_requests"]),
                    "second_statuses": second["server_statuses"], "second_wall_s": second["wall_s"]}
            if profile and label == MAIN:
                prof = workdir / f"crawl-{n}.prof"
                run_crawl(site, server, workdir / f"archive-{n}-profiled.db", profile_to=prof)
                result["profile"] = profile_summary(prof)
                result["profile_by_package"] = by_package(prof)
                print(f"cProfile of the crawl process ({n:,} articles, {label}), by own time:")
                pstats.Stats(str(prof)).sort_stats("tottime").print_stats(25)
        out["variants"][label] = result
    return out


def by_package(path: Path) -> dict[str, float]:
    """Share of the profiled process's own time per package (C built-ins apart)."""
    groups = ("asyncio", "scrapy", "twisted", "parsel", "lxml", "sqlite_utils", "w3lib", "json", "urllib",
              "/archive/", "/scraper/", "/spiders/")
    shares: dict[str, float] = {}
    stats = pstats.Stats(str(path))
    for (file, _line, func), (_cc, _calls, tottime, _cum, _callers) in stats.stats.items():
        if file == "~":
            key = "C built-ins: " + ("sqlite3 execute" if "sqlite3" in func else "epoll (idle)" if "poll" in func
                                     else "zlib" if "zlib" in func else "other")
        else:
            key = next((g.strip("/") for g in groups if f"/{g.strip('/')}/" in file), "other Python")
        shares[key] = shares.get(key, 0) + tottime / stats.total_tt
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def memory_probe(workdir: Path, n: int) -> dict:
    """bench/prototype/memory_probe.py on one site, with the project's settings and with every fix."""
    site = Site(workdir, n)
    out: dict = {"articles": n}
    for label, module in (("as is", "bench.prototype.memory_probe"),
                          ("all prototype fixes", "bench.prototype.memory_probe_all")):
        probe = workdir / f"probe-{module.rsplit('.', 1)[1]}.jsonl"
        os.environ["SOYTE_BENCH_PROBE"] = str(probe)
        with TimedReplayServer(root=site.root) as server:
            run = run_crawl(site, server, workdir / f"archive-probe-{len(out)}.db", settings_module=module)
        lines = [json.loads(line) for line in probe.read_text().splitlines()]
        samples = [line for line in lines if "t" in line]
        out[label] = {
            "exit": run["exit"], "peak_rss_mb": run["peak_rss_mb"],
            "max_scheduler": max(line["scheduler"] or 0 for line in samples),
            "max_live_requests": max(line["live"].get("Request", 0) for line in samples),
            "max_traced_python_mb": max(line["traced_mb"] for line in samples),
            "samples": samples[:: max(1, len(samples) // 30)],
            "top_allocations_at_end": next((line["top"] for line in lines if "top" in line), []),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="sites of 200 and 2,000 articles, polite sample of 30")
    parser.add_argument("--sizes", type=int, nargs="+", help="site sizes (default 2000 20000)")
    parser.add_argument("--polite-sample", type=int, help="articles in the polite run's site (default 100)")
    parser.add_argument("--profile", action="store_true", help="also cProfile a crawl of the smallest site")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                        help="which server / settings combinations to crawl (default: all)")
    parser.add_argument("--memory-probe", type=int, metavar="N",
                        help="only probe what a crawl of N articles holds in memory (writes crawl-memory.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (sites, archives, logs)")
    args = parser.parse_args()
    if args.client:
        url, host, paths, count, threads = args.client
        return client_main(url, host, paths, int(count), int(threads))
    sizes = args.sizes or ([200, 2000] if args.quick else [2000, 20000])
    variants = [v for v in VARIANTS if v in args.variants]
    if MAIN not in variants:
        parser.error(f"--variants must include {MAIN!r} (the incremental run and the goals use it)")
    polite_n = args.polite_sample or (30 if args.quick else 100)
    workdir = Path(tempfile.mkdtemp(prefix="soyte-bench-crawl-"))
    if args.memory_probe:
        probed = memory_probe(workdir, args.memory_probe)
        print(table(["crawl", "peak RSS MB", "most requests waiting in the scheduler", "live Request objects (max)",
                     "Python-allocated MB (max, tracemalloc)"],
                    [[label, v["peak_rss_mb"], v["max_scheduler"], v["max_live_requests"], v["max_traced_python_mb"]]
                     for label, v in probed.items() if isinstance(v, dict)]))
        print(f"\nwrote {write_results('crawl-memory', probed)}")
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
        return
    results: dict = {"sizes": {}, "workdir": str(workdir)}
    for i, n in enumerate(sizes):
        print(f"crawling a synthetic portal of {n:,} articles …", flush=True)
        results["sizes"][str(n)] = crawl_size(workdir, n, incremental=(n == max(sizes)), ceiling=(i == 0),
                                              profile=(args.profile and i == 0), variants=variants)
    print(f"crawling {polite_n} articles with --polite …", flush=True)
    polite_site = Site(workdir, polite_n)
    with TimedReplayServer(root=polite_site.root) as server:
        results["polite"] = run_crawl(polite_site, server, workdir / "archive-polite.db", polite=True)
    report(results, sizes, polite_n)
    print(f"\nwrote {write_results('crawl', results)}")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def report(results: dict, sizes: list[int], polite_n: int) -> None:
    rows = []
    for n in sizes:
        for label, result in results["sizes"][str(n)]["variants"].items():
            run = result["first_run"]
            rows.append([f"{n:,} articles", label, run["server_requests"], run["wall_s"], run["pages_per_s_active"],
                         run["crawl_cpu_ms_per_request"], run["peak_rss_mb"], run["crawl_cpu_share_of_wall"],
                         run["server_cpu_s"] / run["wall_s"], f"{run['loadavg_1min'][0]:.1f}", run["exit"]])
    polite = results["polite"]
    rows.append([f"{polite_n} articles, --polite", MAIN, polite["server_requests"], polite["wall_s"],
                 polite["pages_per_s_active"], polite["crawl_cpu_ms_per_request"], polite["peak_rss_mb"],
                 polite["crawl_cpu_share_of_wall"], polite["server_cpu_s"] / polite["wall_s"],
                 f"{polite['loadavg_1min'][0]:.1f}", polite["exit"]])
    print(table(["site", "variant", "requests", "wall s", "pages/s (first→last request)", "crawler CPU ms / page",
                 "peak RSS MB", "crawler CPU ÷ wall", "server CPU ÷ wall", "load before", "exit"], rows))

    def run_of(n: int, label: str = MAIN) -> dict:
        return results["sizes"][str(n)]["variants"][label]["first_run"]

    small, big = run_of(sizes[0]), run_of(sizes[-1])
    comparisons = [
        [f"pages/s {sizes[-1]:,} ÷ {sizes[0]:,} ({MAIN})", ratio(big["pages_per_s_active"], small["pages_per_s_active"])],
        [f"peak RSS {sizes[-1]:,} ÷ {sizes[0]:,} ({MAIN})", ratio(big["peak_rss_mb"], small["peak_rss_mb"])],
        [f"marginal crawler CPU ms per page, {sizes[0]:,}→{sizes[-1]:,} ({MAIN})",
         ratio((big["crawl_cpu_s"] - small["crawl_cpu_s"]) * 1e3, big["server_requests"] - small["server_requests"])],
        [f"polite pages/s ÷ politeness-off pages/s ({sizes[0]:,})",
         ratio(polite["pages_per_s_active"], small["pages_per_s_active"])]]
    for label in results["sizes"][str(sizes[-1])]["variants"]:
        if label != MAIN:
            other = run_of(sizes[-1], label)
            comparisons.append([f"pages/s {label} ÷ {MAIN} ({sizes[-1]:,})",
                                ratio(other["pages_per_s_active"], big["pages_per_s_active"])])
            comparisons.append([f"CPU ms per page {label} ÷ {MAIN} ({sizes[-1]:,})",
                                ratio(other["crawl_cpu_ms_per_request"], big["crawl_cpu_ms_per_request"])])
    print("\nratios (same run)")
    print(table(["comparison", "value"], comparisons))
    ceiling_rows = []
    for label, result in results["sizes"][str(sizes[0])]["variants"].items():
        crawl_rate = result["first_run"]["pages_per_s_active"]
        for clients, v in result.get("server_ceiling", {}).items():
            ceiling_rows.append([label, clients, v["requests"], v["per_s"], v["server_cpu_s"] / v["seconds"],
                                 ratio(crawl_rate, v["per_s"])])
    if ceiling_rows:
        print("\nreplay server ceiling: plain keep-alive GETs of article pages from a second process")
        print(table(["server", "client", "requests", "requests/s", "server CPU ÷ wall",
                     f"crawl pages/s ({sizes[0]:,}) ÷ ceiling"], ceiling_rows))
    inc = results["sizes"][str(sizes[-1])]["variants"][MAIN].get("incremental")
    if inc:
        print(f"\nincremental: second run over the unchanged {sizes[-1]:,}-article site ({MAIN})")
        print(table(["counted by", "first run", "second run", "second ÷ first"], [
            ["archive (crawl_runs.requests)", inc["first_requests_archive"], inc["second_requests_archive"],
             inc["share_archive"]],
            ["replay server", inc["first_requests_server"], inc["second_requests_server"], inc["share_server"]]]))


if __name__ == "__main__":
    main()
