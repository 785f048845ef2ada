"""DIAGNOSTIC (benchmarks only): what a crawl process holds as it goes, to explain its peak RSS.

A Scrapy settings module (scraper.settings plus one extension) for bench/crawl.py's
`--memory-probe`: every second it appends to $SOYTE_BENCH_PROBE one JSON line with the process's
RSS, the requests waiting in the scheduler, in the downloader and in the scraper, live asyncio
tasks, live Request/Response/Selector objects (scrapy.utils.trackref) and Python's allocated
bytes (tracemalloc); at the end, tracemalloc's biggest allocation sites.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import tracemalloc
from pathlib import Path

from scrapy import signals
from scrapy.utils.trackref import live_refs
from twisted.internet import task

from scraper.settings import *  # noqa: F401,F403
from scraper.settings import EXTENSIONS as _EXTENSIONS

EXTENSIONS = {**_EXTENSIONS, "bench.prototype.memory_probe.MemoryProbe": 900}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class MemoryProbe:
    def __init__(self, crawler):
        self.crawler = crawler
        self.out = Path(os.environ["SOYTE_BENCH_PROBE"])
        self.started = time.perf_counter()
        self.loop = None
        tracemalloc.start(1)

    @classmethod
    def from_crawler(cls, crawler):
        probe = cls(crawler)
        crawler.signals.connect(probe.opened, signal=signals.spider_opened)
        crawler.signals.connect(probe.closed, signal=signals.spider_closed)
        return probe

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.sample)
        self.loop.start(1.0)

    def sample(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler
        refs = {cls.__name__: len(objs) for cls, objs in live_refs.items()}
        try:
            tasks = len(asyncio.all_tasks())
        except RuntimeError:
            tasks = None
        line = {"t": round(time.perf_counter() - self.started, 1), "rss_mb": round(_rss_kb() / 1024, 1),
                "scheduler": len(scheduler) if scheduler is not None else None,
                "downloader_active": len(engine.downloader.active),
                "scraper_queue": len(engine.scraper.slot.queue) if engine.scraper.slot else None,
                "asyncio_tasks": tasks, "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1),
                "live": refs}
        with self.out.open("a") as handle:
            handle.write(json.dumps(line) + "\n")

    def closed(self, spider) -> None:
        self.sample()
        if self.loop and self.loop.running:
            self.loop.stop()
        top = tracemalloc.take_snapshot().statistics("lineno")[:15]
        with self.out.open("a") as handle:
            handle.write(json.dumps({"top": [[str(s.traceback[0]), round(s.size / 2**20, 2), s.count] for s in top]}) + "\n")
