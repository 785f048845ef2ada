"""Extraction: ms per page of each layout's rules beside trafilatura and beside parsing alone.

Every bundled article page of the eight portals (site.json kind "article"), as served and with its
body repeated 16 times (the long-article case), read by four methods:
  soyte        scraper.portals.reading.extract_portal_page(body, url, portal, content_type): the layout's rules
               (planned portals are read with their learnt layout, spiders/layouts/*-<portal>.toml)
  trafilatura  trafilatura.bare_extraction(body, url=url, with_metadata=True)
  parse-lxml   lxml.html.document_fromstring(body): the issue's lower bound, parsing and nothing else
  parse-etree  lxml.etree.fromstring(body, HTMLParser(collect_ids=False)): the same without
               lxml.html's element classes or the table of ids (a stricter bound: soyte's own parser)
  floor        parse-etree, then each <p> inside the layout's body element (its first body
               selector, compiled once) as text in one libxml2 call, tidied by
               scraper.extraction.cleaning.tidy (NFC, whitespace), joined by blank lines: less than any
               extractor that keeps the record's paragraphs must do (no lists, tables or loose
               text, no images, credits or other fields), so a bound "soyte ÷ parse" cannot beat
Rules that keep the figures from flattering anyone:
- each method is timed alone, in its own block over every page (so no method warms another's
  caches), after one untimed pass of every method; blocks are interleaved and their order rotates
  each repetition; the garbage collector runs before each block;
- every ratio is taken within one repetition (same minute, same load) and reported as the median
  and the spread (min–max) over the repetitions;
- time is the process's CPU time (`time.process_time`): on a shared machine wall-clock time also
  counts the minutes another process held the core; the wall-clock figures are kept in the JSON;
- the load average is recorded before and after every repetition.

    python -m bench.extraction [--quick] [--reps 5] [--inner 5] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import difflib
import gc
import io
import json
import os
import pstats
import statistics
import time
import unicodedata
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lxml import etree
import lxml.html

from bench.common import import_trafilatura, table, write_results
from scraper.extraction import cleaning
from scraper.extraction.cleaning import tidy
from scraper.extraction.layouts import LAYOUTS_DIR
from scraper.extraction.pages import ArticlePage, page_classes
from scraper.portals.reading import extract_portal_page, layout_of
from scraper.portals.registry import DEMO_PORTALS, Portal, get_portal
from scraper.extraction.selecting import compiled

trafilatura = None  # imported by main() once the arguments are read: `--help` needs no trafilatura

FIELDS = ("title", "published", "author", "text")
LONG = 16  # the long-article case: the body's content this many times


@dataclass(frozen=True)
class Case:
    portal: Portal
    name: str
    url: str
    content_type: str
    body: bytes
    expected: dict | None


def with_layout(portal: Portal) -> Portal:
    """The portal, with its learnt layout when the registry names none yet (a planned portal)."""
    if portal.layout:
        return portal
    found = sorted(LAYOUTS_DIR.glob(f"*-{portal.key}.toml")) or sorted(LAYOUTS_DIR.glob(f"{portal.key}.toml"))
    if not found:
        raise SystemExit(f"no layout for {portal.key} in {LAYOUTS_DIR}")
    return dataclasses.replace(portal, layout=found[0].stem)


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in DEMO_PORTALS.iterdir() if (p / "site.json").exists()):
        manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
        portal = with_layout(get_portal(manifest["portal"]))
        for entry in manifest["pages"]:
            if entry["kind"] != "article":
                continue
            page = folder / entry["file"]
            expected = json.loads((folder / "expected" / f"{page.stem}.json").read_text(encoding="utf-8"))
            found.append(Case(portal, page.stem, entry["url"], entry["content_type"], page.read_bytes(), expected))
    return found


def _read_body_selector(case: Case) -> tuple[ArticlePage, str]:
    """The page as its layout reads it, and the first of the layout's body selectors that matches."""
    page = page_classes(layout_of(case.portal))[0](case.body, case.url, case.portal.key, "", case.content_type)
    return page, next(css for css in page.SELECTORS["body"] if page.css(css))


def long_case(case: Case) -> Case:
    """The page with its body element's content repeated LONG times, served as UTF-8."""
    page, css = _read_body_selector(case)
    body = page.css(css)[0]
    children, text = list(body), body.text
    for _ in range(LONG - 1):
        if text:
            span = etree.SubElement(body, "span")
            span.text = text
        for child in children:
            body.append(deepcopy(child))
    html = etree.tostring(page.sel.root.getroottree(), method="html", encoding="utf-8", doctype="<!DOCTYPE html>")
    return Case(case.portal, f"{case.name}×{LONG}", case.url, "text/html; charset=utf-8", html, None)


def run_soyte(case: Case):
    return extract_portal_page(case.body, case.url, case.portal, case.content_type).record


def run_trafilatura(case: Case):
    return trafilatura.bare_extraction(case.body, url=case.url, with_metadata=True)


_PARSER = etree.HTMLParser(collect_ids=False)  # as scraper.extraction.pages parses


def run_parse_lxml(case: Case):
    return lxml.html.document_fromstring(case.body)


def run_parse_etree(case: Case):
    return etree.fromstring(case.body, _PARSER)


_FLOOR_BODY: dict[str, etree.XPath] = {}  # case name -> its body selector's XPath, found in the untimed pass


def _body_xpath(case: Case) -> etree.XPath:
    return compiled(_read_body_selector(case)[1], scoped=False)


_PARAGRAPHS = etree.XPath(".//p")


def run_floor(case: Case):
    if case.name not in _FLOOR_BODY:
        _FLOOR_BODY[case.name] = _body_xpath(case)
    body = _FLOOR_BODY[case.name](etree.fromstring(case.body, _PARSER))[0]
    texts = (tidy(etree.tostring(p, method="text", encoding="utf-8", with_tail=False).decode("utf-8")
                  if len(p) else p.text) for p in _PARAGRAPHS(body))
    return "\n\n".join(text for text in texts if text)


METHODS: dict[str, Callable[[Case], object]] = {
    "soyte": run_soyte, "trafilatura": run_trafilatura, "parse-lxml": run_parse_lxml, "parse-etree": run_parse_etree,
    "floor": run_floor}


def time_blocks(all_cases: list[Case], reps: int, inner: int) -> tuple[dict, dict, list]:
    """{method: {page: [CPU µs per call, one per repetition]}}, the same in wall-clock µs, and the
    load average around each repetition."""
    samples = {m: {c.name: [] for c in all_cases} for m in METHODS}
    wall = {m: {c.name: [] for c in all_cases} for m in METHODS}
    names = list(METHODS)
    for name in names:  # one untimed pass each: imports, compiled selectors, trafilatura's setup
        for case in all_cases:
            METHODS[name](case)
    loads = []
    for rep in range(reps):
        before = os.getloadavg()[0]
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            method = METHODS[name]
            gc.collect()
            for case in all_cases:
                start, cpu = time.perf_counter_ns(), time.process_time_ns()
                for _ in range(inner):
                    method(case)
                samples[name][case.name].append((time.process_time_ns() - cpu) / inner / 1e3)
                wall[name][case.name].append((time.perf_counter_ns() - start) / inner / 1e3)
        loads.append([before, os.getloadavg()[0]])
    return samples, wall, loads


def group_stats(samples: dict, names: list[str], reps: int) -> dict:
    """Per repetition: the group's total µs per method, and the ratios within that repetition;
    then median and spread over repetitions."""
    totals = {m: [sum(samples[m][n][r] for n in names) for r in range(reps)] for m in METHODS}
    ratios = {
        "trafilatura_over_soyte": [t / s for t, s in zip(totals["trafilatura"], totals["soyte"])],
        "soyte_over_parse_lxml": [s / p for s, p in zip(totals["soyte"], totals["parse-lxml"])],
        "soyte_over_parse_etree": [s / p for s, p in zip(totals["soyte"], totals["parse-etree"])],
        "floor_over_parse_lxml": [f / p for f, p in zip(totals["floor"], totals["parse-lxml"])],
    }
    per_page = {m: [t / len(names) / 1e3 for t in totals[m]] for m in METHODS}
    return {"pages": len(names),
            "ms_per_page": {m: spread(v) for m, v in per_page.items()},
            **{k: spread(v) for k, v in ratios.items()}}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def paragraphs(text: str | None) -> str:
    """trafilatura's text as the record writes it (NFC, tidied, one blank line between paragraphs)."""
    if not text:
        return ""
    lines = (tidy(line) for line in unicodedata.normalize("NFC", text).split("\n"))
    return "\n\n".join(line for line in lines if line)


def composed_words(short: list[Case]) -> dict:
    """How often tidy's cache of composed words (scraper.extraction.cleaning) misses on decomposed pages, read
    in order from an empty cache, as a crawl's first articles are (the timed blocks run warm)."""
    cleaning._COMPOSED_WORDS.clear()
    looked_up = 0
    composed = cleaning._composed

    def counting(words: list[str]) -> list[str]:
        nonlocal looked_up
        looked_up += len(words)
        return composed(words)

    cleaning._composed = counting
    try:
        for case in short:
            run_soyte(case)
    finally:
        cleaning._composed = composed
    fresh = len(cleaning._COMPOSED_WORDS)
    return {"looked_up": looked_up, "composed": fresh, "share": fresh / max(looked_up, 1)}


def accuracy(all_cases: list[Case]) -> dict:
    """Pages whose field equals expected/*.json exactly, and the text's mean difflib similarity."""
    out = {}
    for name in ("soyte", "trafilatura"):
        exact = {f: 0 for f in FIELDS}
        ratios = []
        for case in all_cases:
            result = METHODS[name](case)
            if name == "trafilatura":
                doc = result.as_dict() if hasattr(result, "as_dict") else dict(result or {})
                result = {"title": tidy(doc.get("title")) or None, "published": doc.get("date"),
                          "author": tidy(doc.get("author")) or None, "text": paragraphs(doc.get("text"))}
            for f in FIELDS:
                exact[f] += result.get(f) == case.expected[f]
            ratios.append(difflib.SequenceMatcher(None, result.get("text") or "", case.expected["text"],
                                                  autojunk=False).ratio())
        out[name] = {**exact, "pages": len(all_cases), "text_similarity_mean": statistics.fmean(ratios)}
    return out


def profile(all_cases: list[Case], reps: int) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        for case in all_cases:
            run_soyte(case)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(25)
    print(stream.getvalue())
    total = stats.total_tt
    rows = [{"function": f"{Path(file).name}:{line}({func})", "calls": calls,
             "tottime_share": round(tottime / total, 4), "cumtime_share": round(cumtime / total, 4)}
            for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items()]
    return sorted(rows, key=lambda r: -r["tottime_share"])[:30]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions (blocks per method); ≥ 3")
    parser.add_argument("--inner", type=int, default=5, help="calls per page inside a block")
    parser.add_argument("--quick", action="store_true", help="3 repetitions of 2 calls (~2 min)")
    parser.add_argument("--profile", action="store_true", help="also cProfile soyte's extraction")
    args = parser.parse_args()
    global trafilatura
    trafilatura = import_trafilatura()
    reps, inner = (3, 2) if args.quick else (max(3, args.reps), args.inner)
    short = cases()
    long = [long_case(c) for c in short]
    all_cases = short + long
    samples, wall, loads = time_blocks(all_cases, reps, inner)

    layouts = dict.fromkeys(c.portal.layout for c in short)
    timing: dict = {}
    for size, group in (("as served", short), (f"body ×{LONG}", long)):
        timing[size] = {layout: group_stats(samples, [c.name for c in group if c.portal.layout == layout], reps)
                        for layout in layouts}
        timing[size]["all"] = group_stats(samples, [c.name for c in group], reps)
    kb = {c.name: len(c.body) / 1024 for c in all_cases}
    linear = {}
    for c, l in zip(short, long):
        cost = {m: statistics.median(samples[m][l.name]) / statistics.median(samples[m][c.name]) for m in METHODS}
        linear[c.name] = {"bytes_ratio": kb[l.name] / kb[c.name], **{f"{m}_time_ratio": v for m, v in cost.items()}}

    def fmt(s: dict) -> str:
        return f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})"

    print(f"{reps} repetitions × {inner} calls per page; CPU time; median (min–max over repetitions); "
          f"load average {loads[0][0]:.1f} → {loads[-1][1]:.1f}")
    for size, rows in timing.items():
        print(f"\npages {size}: ms per page, and ratios within each repetition")
        print(table(["layout", "pages", "soyte ms", "trafilatura ms", "parse lxml ms", "parse etree ms",
                     "floor ms", "trafilatura ÷ soyte (goal ≥ 12)", "soyte ÷ parse lxml (goal ≤ 3)",
                     "soyte ÷ parse etree", "floor ÷ parse lxml"],
                    [[layout, t["pages"], t["ms_per_page"]["soyte"]["median"],
                      t["ms_per_page"]["trafilatura"]["median"], t["ms_per_page"]["parse-lxml"]["median"],
                      t["ms_per_page"]["parse-etree"]["median"], t["ms_per_page"]["floor"]["median"],
                      fmt(t["trafilatura_over_soyte"]), fmt(t["soyte_over_parse_lxml"]),
                      fmt(t["soyte_over_parse_etree"]), fmt(t["floor_over_parse_lxml"])]
                     for layout, t in rows.items()]))
    growth = {m: statistics.median(v[f"{m}_time_ratio"] for v in linear.values()) for m in METHODS}
    print(f"\ncost growth with the body ×{LONG} (median over pages; bytes grew "
          f"{statistics.median(v['bytes_ratio'] for v in linear.values()):.1f}×): "
          + ", ".join(f"{m} {g:.1f}×" for m, g in growth.items()))
    words = composed_words(short)
    print(f"\ndecomposed text (tidy's word cache, emptied first, as-served pages in order): "
          f"{words['looked_up']} words looked up, {words['composed']} composed afresh ({words['share']:.1%})")
    acc = accuracy(short)
    print("\naccuracy against expected/*.json (pages exactly equal; text similarity = difflib ratio)")
    print(table(["extractor", "pages", *FIELDS, "text similarity"],
                [[n, a["pages"], *(a[f] for f in FIELDS), a["text_similarity_mean"]] for n, a in acc.items()]))
    results = {"reps": reps, "inner": inner, "loadavg_1min_per_rep": loads, "timing": timing,
               "page_kb": kb, "growth_with_long_body": {"per_page": linear, "median": growth},
               "per_page_us": samples, "per_page_wall_us": wall, "accuracy": acc, "composed_words": words}
    if args.profile:
        results["profile_soyte"] = profile(short, 10)
    print(f"\nwrote {write_results('extraction', results)}")


if __name__ == "__main__":
    main()
