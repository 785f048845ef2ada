"""Extraction: ms per page of each layout's extractor, beside trafilatura and beside parsing alone.

Every bundled article page (site.json kind "article") is timed with four methods in the same run,
interleaved page by page and repetition by repetition (the order rotates), so machine noise falls
on all four alike:
  soyte        scraper.extract.extract(body_bytes, url, portal, content_type)
  trafilatura  trafilatura.bare_extraction(body_bytes, url=url, with_metadata=True)
  parse-lxml   lxml.html.document_fromstring(body_bytes): the lower bound, parsing and nothing else
  parse-parsel decode_html + parsel.Selector: the extractor's own first step, nothing after it
  prototype    bench/prototype/: the same extractor with the fixes the profile points at
Then per-field accuracy of soyte, the prototype and trafilatura against expected/<page>.json, and
where soyte's time goes (parse, field selectors, body reading).

    python bench/extraction.py [--reps 200] [--quick] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import difflib
import io
import json
import pstats
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from common import ratio, summary, table, use_project_root, write_results

use_project_root()

from bench.prototype import pages as prototype  # noqa: E402

import lxml.html  # noqa: E402
from parsel import Selector  # noqa: E402

from scraper.cleaning import decode_html, tidy  # noqa: E402
from scraper.extract import extract, layout_module  # noqa: E402
from scraper.registry import DEMO_PORTALS, get_portal  # noqa: E402

try:
    import trafilatura
except ImportError as error:  # lxml >= 5.2 needs lxml_html_clean beside trafilatura
    raise SystemExit(f"trafilatura is needed: pip install trafilatura lxml_html_clean ({error})")

FIELDS = ("title", "published", "author", "text")


@dataclass(frozen=True)
class Case:
    portal: str
    name: str
    url: str
    content_type: str
    body: bytes
    expected: dict


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in DEMO_PORTALS.iterdir() if (p / "site.json").exists()):
        manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
        for entry in manifest["pages"]:
            if entry["kind"] != "article":
                continue
            page = folder / entry["file"]
            expected = json.loads((folder / "expected" / f"{page.stem}.json").read_text(encoding="utf-8"))
            found.append(Case(manifest["portal"], page.stem, entry["url"], entry["content_type"],
                              page.read_bytes(), expected))
    return found


def run_soyte(case: Case):
    return extract(case.body, case.url, case.portal, case.content_type)


def run_prototype(case: Case):
    return prototype.extract(case.body, case.url, case.portal, case.content_type)


def run_trafilatura(case: Case, **options):
    return trafilatura.bare_extraction(case.body, url=case.url, with_metadata=True, **options)


def run_lxml(case: Case):
    return lxml.html.document_fromstring(case.body)


def run_parsel(case: Case):
    return Selector(text=decode_html(case.body, case.content_type))


METHODS = {"soyte": run_soyte, "trafilatura": run_trafilatura, "parse-lxml": run_lxml, "parse-parsel": run_parsel,
           "prototype": run_prototype}


def time_all(all_cases: list[Case], reps: int) -> dict[str, dict[str, list[float]]]:
    """{method: {page: [ms, ...]}}, methods interleaved and rotated each repetition."""
    samples = {m: {c.name: [] for c in all_cases} for m in METHODS}
    names = list(METHODS)
    for case in all_cases:  # warm-up: imports, selector caches, trafilatura's first-call setup
        for name in names:
            METHODS[name](case)
    for rep in range(reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for case in all_cases:
            for name in order:
                start = time.perf_counter_ns()
                METHODS[name](case)
                samples[name][case.name].append((time.perf_counter_ns() - start) / 1e6)
    return samples


def paragraphs(text: str | None) -> str:
    """Text as the record writes it: NFC, tidied lines, paragraphs separated by one blank line.

    trafilatura separates paragraphs with one newline; this makes the two comparable.
    """
    if not text:
        return ""
    lines = (tidy(line) for line in unicodedata.normalize("NFC", text).split("\n"))
    return "\n\n".join(line for line in lines if line)


def nfc(value: str | None) -> str | None:
    return tidy(value) or None if value else None


def fields_of(method: str, result) -> dict:
    if method in ("soyte", "prototype"):
        return {f: result.get(f) for f in FIELDS}
    doc = result.as_dict() if hasattr(result, "as_dict") else dict(result or {})
    return {"title": nfc(doc.get("title")), "published": doc.get("date"), "author": nfc(doc.get("author")),
            "text": paragraphs(doc.get("text"))}


def similarity(a: str | None, b: str | None) -> float:
    return difflib.SequenceMatcher(None, a or "", b or "", autojunk=False).ratio()


def accuracy(all_cases: list[Case]) -> dict:
    """Per page and per field: exact match, published's date part, text similarity."""
    variants = {"soyte": run_soyte, "prototype": run_prototype, "trafilatura": run_trafilatura,
                "trafilatura-precision": lambda c: run_trafilatura(c, favor_precision=True)}
    out: dict = {name: {"pages": {}} for name in variants}
    for name, fn in variants.items():
        for case in all_cases:
            got = fields_of(name if name in ("soyte", "prototype") else "trafilatura", fn(case))
            want = case.expected
            out[name]["pages"][case.name] = {
                **{f: got[f] == want[f] for f in FIELDS},
                "published_date": (got["published"] or "")[:10] == (want["published"] or "")[:10],
                "text_ratio": similarity(got["text"], want["text"]),
                "got": {f: (got[f] or "")[:120] if f == "text" else got[f] for f in FIELDS},
            }
        pages = out[name]["pages"].values()
        out[name]["totals"] = {
            **{f: sum(p[f] for p in pages) for f in (*FIELDS, "published_date")},
            "text_ratio_mean": sum(p["text_ratio"] for p in pages) / len(pages),
            "text_ratio_min": min(p["text_ratio"] for p in pages), "n": len(pages)}
    return out


def stages(all_cases: list[Case], reps: int) -> dict[str, dict[str, float]]:
    """Median µs per page of each stage: parse (decode + parsel), field selectors, body (find + read)."""
    classes = {"soyte": lambda c: layout_module(get_portal(c.portal)).ArticlePage,
               "prototype": lambda c: prototype.page_class(get_portal(c.portal).spider)}
    out = {}
    for name, class_of in classes.items():
        times: dict[str, list[float]] = {"parse": [], "fields": [], "body": []}
        for _ in range(reps):
            for case in all_cases:
                cls, portal = class_of(case), get_portal(case.portal)
                t0 = time.perf_counter_ns()
                page = cls(case.body, case.url, portal.key, portal.province, case.content_type)
                t1 = time.perf_counter_ns()
                page.record()
                t2 = time.perf_counter_ns()
                page = cls(case.body, case.url, portal.key, portal.province, case.content_type)
                t3 = time.perf_counter_ns()
                page.body()
                t4 = time.perf_counter_ns()
                times["parse"].append((t1 - t0) / 1e3)
                times["body"].append((t4 - t3) / 1e3)
                times["fields"].append((t2 - t1 - (t4 - t3)) / 1e3)
        out[name] = {stage: summary(values)["median"] for stage, values in times.items()}
    return out


def profile(all_cases: list[Case], reps: int) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        for case in all_cases:
            run_soyte(case)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        rows.append({"function": f"{Path(file).name}:{line}({func})", "calls": calls,
                     "tottime_share": tottime / total, "cumtime_share": cumtime / total})
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    print(stream.getvalue())
    return sorted(rows, key=lambda r: -r["cumtime_share"])[:40]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=200, help="timed repetitions per page and method")
    parser.add_argument("--quick", action="store_true", help="20 repetitions")
    parser.add_argument("--profile", action="store_true", help="also cProfile the soyte extractor")
    args = parser.parse_args()
    reps = 20 if args.quick else args.reps
    all_cases = cases()
    samples = time_all(all_cases, reps)

    groups = {portal: [c.name for c in all_cases if c.portal == portal]
              for portal in dict.fromkeys(c.portal for c in all_cases)}
    groups["all"] = [c.name for c in all_cases]
    timing = {}
    for group, names in groups.items():
        stats = {m: summary([v for n in names for v in samples[m][n]]) for m in METHODS}
        med = {m: stats[m]["median"] for m in METHODS}
        timing[group] = {"pages": len(names), **stats,
                         "trafilatura_over_soyte": ratio(med["trafilatura"], med["soyte"]),
                         "soyte_over_parse_lxml": ratio(med["soyte"], med["parse-lxml"]),
                         "soyte_over_parse_parsel": ratio(med["soyte"], med["parse-parsel"]),
                         "trafilatura_over_prototype": ratio(med["trafilatura"], med["prototype"]),
                         "prototype_over_parse_lxml": ratio(med["prototype"], med["parse-lxml"]),
                         "soyte_over_prototype": ratio(med["soyte"], med["prototype"])}
    per_page = {c.name: {m: summary(samples[m][c.name]) for m in METHODS} for c in all_cases}
    print(f"ms per page, {reps} repetitions per page and method (median and p95 over all samples)")
    print(table(["layout", "pages", "soyte med", "soyte p95", "trafilatura med", "trafilatura p95",
                 "parse lxml med", "parse parsel med", "trafilatura ÷ soyte", "soyte ÷ parse lxml",
                 "soyte ÷ parse parsel"],
                [[g, t["pages"], t["soyte"]["median"], t["soyte"]["p95"], t["trafilatura"]["median"],
                  t["trafilatura"]["p95"], t["parse-lxml"]["median"], t["parse-parsel"]["median"],
                  t["trafilatura_over_soyte"], t["soyte_over_parse_lxml"], t["soyte_over_parse_parsel"]]
                 for g, t in timing.items()]))
    print("\nthe prototype fix (bench/prototype/), same run")
    print(table(["layout", "prototype med", "prototype p95", "soyte ÷ prototype", "trafilatura ÷ prototype",
                 "prototype ÷ parse lxml"],
                [[g, t["prototype"]["median"], t["prototype"]["p95"], t["soyte_over_prototype"],
                  t["trafilatura_over_prototype"], t["prototype_over_parse_lxml"]] for g, t in timing.items()]))
    stage = stages(all_cases, max(5, reps // 4))
    print("\nwhere the time goes: median µs per page of each stage (all pages)")
    print(table(["extractor", "parse (decode + parsel)", "field selectors", "body (find + read)"],
                [[name, v["parse"], v["fields"], v["body"]] for name, v in stage.items()]))

    acc = accuracy(all_cases)
    print("\naccuracy against expected/*.json (pages matching exactly; text similarity = difflib ratio)")
    acc_rows = []
    for name, result in acc.items():
        t = result["totals"]
        acc_rows.append([name, t["n"], t["title"], t["published"], t["published_date"], t["author"], t["text"],
                         t["text_ratio_mean"], t["text_ratio_min"]])
    print(table(["extractor", "pages", "title", "published", "published (date)", "author", "text",
                 "text ratio mean", "text ratio min"], acc_rows))

    results = {"reps": reps, "timing_ms": timing, "per_page_ms": per_page, "stages_us": stage, "accuracy": acc,
               "p95_note": "p95 is nearest-rank over every timed sample of the group"}
    if args.profile:
        results["profile_soyte"] = profile(all_cases, max(5, reps // 10))
    print(f"\nwrote {write_results('extraction', results)}")


if __name__ == "__main__":
    main()
