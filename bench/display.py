"""What the crawl's terminal display and full log cost: the same crawl before them and with them.

A synthetic portal of 2,000 articles (bench/synthetic.py, Bắc Ninh's layout) served by
scraper.portals.replay.ReplayServer in this process, crawled by the real command in its own process:
- "before": the tree of commit BASE (git archive into a temporary folder), piped, `--quiet`
  (as the cron line runs it): Scrapy's handler at WARNING, no log file;
- "after, piped": this tree, piped, `--quiet`: Scrapy's log at DEBUG into ARCHIVE.log, the progress
  extension counting queued requests;
- "after, terminal": this tree on a pseudo-terminal, the live display drawn 4 times a second.
Each variant is run REPS times, interleaved (before, after, terminal, before, …), each on a fresh
archive; the median and the spread (min–max) of wall time, pages per second and crawl CPU are kept.

On a shared machine whole crawls differ by more than what is measured, so the two costs the
change adds per request are also timed alone, in this process (20,000 calls, REPS times):
a request line written to ARCHIVE.log against the same record dropped by a handler-less logger,
and a Scrapy signal sent to one receiver (the progress extension's) against none.

    python -m bench.display [--articles 2000] [--reps 3] [--base ce6821b]
"""
from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT, table, write_results
from bench.synthetic import SiteBuilder, write_registry
from scraper.portals.replay import ReplayServer

HOST, KEY = "soyte.synthetic.gov.vn", "synthetic"


def drain(fd: int, stop: threading.Event) -> None:
    """Read the terminal's other end, as a terminal would, so that drawing never blocks."""
    while not stop.is_set():
        if select.select([fd], [], [], 0.1)[0]:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


def crawl(tree: Path, registry: Path, url: str, db: Path, terminal: bool) -> dict:
    env = {**os.environ, "SOYTE_REGISTRY": str(registry), "PYTHONPATH": str(tree), "COLUMNS": "120",
           "TERM": "xterm-256color"}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "scraper.cli", "crawl", KEY, "--db", str(db), "--replay", url,
               *([] if terminal else ["--quiet"])]
    stop = threading.Event()
    started = time.perf_counter()
    if terminal:
        master, slave = pty.openpty()
        process = subprocess.Popen(command, cwd=tree, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        reader = threading.Thread(target=drain, args=(master, stop), daemon=True)
        reader.start()
    else:
        process = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stop.set()
    if terminal:
        reader.join()
        os.close(master)
    log = Path(f"{db}.log")
    return {"exit": os.waitstatus_to_exitcode(status), "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "log_bytes": log.stat().st_size if log.exists() else 0}


def per_call_us(call, n: int = 20_000) -> float:
    started = time.perf_counter()
    for i in range(n):
        call(i)
    return (time.perf_counter() - started) / n * 1e6


def micro(work: Path, reps: int) -> dict:
    """Microseconds per request line logged to the file, and per signal receiver, each against none."""
    import logging

    from scrapy import signals
    from scrapy.signalmanager import SignalManager

    from scraper.crawl.logs import ArchiveLogHandler

    logger = logging.getLogger("bench.display")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    args = {"status": 200, "request_flags": "", "referer": f"https://{HOST}/tin-tuc?page=3", "response_flags": ""}

    def log_line(i: int) -> None:
        logger.debug("Crawled (%(status)s) %(request)s%(request_flags)s (referer: %(referer)s)%(response_flags)s",
                     {**args, "request": f"<GET https://{HOST}/tin-tuc/{i}>"})

    manager = SignalManager(object())

    def send(i: int) -> None:
        manager.send_catch_log(signals.request_scheduled, request=i, spider=None)

    def receiver(request, spider) -> None:
        pass

    results: dict[str, list[float]] = {"log_dropped": [], "log_to_file": [], "signal_no_receiver": [],
                                       "signal_one_receiver": []}
    handler = ArchiveLogHandler(work / "micro.log")
    for _ in range(reps):
        results["log_dropped"].append(per_call_us(log_line))
        logger.addHandler(handler)
        results["log_to_file"].append(per_call_us(log_line))
        logger.removeHandler(handler)
        results["signal_no_receiver"].append(per_call_us(send))
        manager.connect(receiver, signal=signals.request_scheduled)
        results["signal_one_receiver"].append(per_call_us(send))
        manager.disconnect(receiver, signal=signals.request_scheduled)
    handler.close()
    return {name: spread(values) for name, values in results.items()}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--base", default="ce6821b", help="the commit before the display and the log file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        before = work / "before"
        before.mkdir()
        archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        costs = micro(work, args.reps)
        manifest = SiteBuilder(HOST).write(work / "site" / KEY, args.articles)
        registry = write_registry(work / "registry.toml", KEY, HOST, manifest["start_urls"][0])
        variants = {"before, piped": (before, False), "after, piped": (ROOT, False), "after, terminal": (ROOT, True)}
        runs: dict[str, list[dict]] = {name: [] for name in variants}
        with ReplayServer(root=work / "site") as server:
            for rep in range(args.reps):
                for number, (name, (tree, terminal)) in enumerate(variants.items()):
                    before_requests = len(server.requests)
                    result = crawl(tree, registry, server.url, work / f"rep{rep}-variant{number}.db", terminal)
                    result["requests"] = len(server.requests) - before_requests
                    result["pages_per_s"] = result["requests"] / result["wall_s"]
                    result["loadavg_1min"] = os.getloadavg()[0]
                    runs[name].append(result)
                    print(f"{name}: {result}", file=sys.stderr)
    summary = {name: {"wall_s": spread([r["wall_s"] for r in results]),
                      "pages_per_s": spread([r["pages_per_s"] for r in results]),
                      "cpu_ms_per_request": spread([r["cpu_s"] * 1e3 / r["requests"] for r in results]),
                      "log_bytes": spread([r["log_bytes"] for r in results]),
                      "exits": [r["exit"] for r in results]}
               for name, results in runs.items()}
    write_results("display", {"articles": args.articles, "reps": args.reps, "base": args.base,
                              "per_call_us": costs, "summary": summary, "runs": runs})
    print(table(["per call", "µs median (min–max)"],
                [[name, f"{c['median']:.1f} ({c['min']:.1f}–{c['max']:.1f})"] for name, c in costs.items()]))
    print(table(["variant", "pages/s median (min–max)", "crawl CPU ms/request median (min–max)", "log file"],
                [[name, f"{s['pages_per_s']['median']:.1f} ({s['pages_per_s']['min']:.1f}–{s['pages_per_s']['max']:.1f})",
                  f"{s['cpu_ms_per_request']['median']:.2f} ({s['cpu_ms_per_request']['min']:.2f}–"
                  f"{s['cpu_ms_per_request']['max']:.2f})", f"{s['log_bytes']['median'] / 1e6:.2f} MB"]
                 for name, s in summary.items()]))


if __name__ == "__main__":
    main()
