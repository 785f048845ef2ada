"""What every benchmark shares: the machine's description, percentiles, tables, the results file.

Scripts run as modules from the project root, `python -m bench.<name>`; each writes
bench/results/<name>.json (<name>-quick.json with `--quick`), replacing the file of its last run.
"""
from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LIBRARIES = ("scrapy", "parsel", "lxml", "twisted", "sqlite-utils", "trafilatura", "w3lib")


def import_trafilatura():
    """trafilatura, or the exit that says what to install (lxml >= 5.2 needs lxml_html_clean beside it)."""
    try:
        import trafilatura
    except ImportError as error:
        raise SystemExit(f"trafilatura is needed: pip install trafilatura lxml_html_clean ({error})")
    return trafilatura


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def stats(values: list[float]) -> dict:
    """Median (p50), p95 and range of repeated runs, as the million-article benchmarks report them."""
    return {"p50": statistics.median(values), "p95": percentile(values, 95), "min": min(values),
            "max": max(values), "n": len(values)}


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median": statistics.median(values), "p95": percentile(values, 95),
            "min": min(values), "mean": statistics.fmean(values)}


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _ram_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git_head() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def machine() -> dict:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        import lxml.etree

        versions["libxml2"] = ".".join(map(str, lxml.etree.LIBXML_VERSION))
    except ImportError:
        pass
    versions["sqlite"] = sqlite3.sqlite_version
    return {
        "nproc": os.cpu_count(), "cpu": _cpu_model(), "ram_mb": _ram_mb(), "os": platform.platform(),
        "python": platform.python_version(), "libraries": versions, "git": _git_head(),
        "loadavg_at_start": os.getloadavg(),
    }


def table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-markdown table, numbers formatted for reading."""
    def cell(value) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, results: dict, argv: list[str] | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    if "--quick" in (argv or sys.argv[1:]):
        name += "-quick"  # a quick look never overwrites a full run's figures
    path = RESULTS / f"{name}.json"
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    module = spec.name if spec else Path(sys.argv[0]).stem
    payload = {"benchmark": name, "command": " ".join(["python -m", module, *(argv or sys.argv[1:])]),
               "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(), **results}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
