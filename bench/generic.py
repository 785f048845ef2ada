"""Generic extraction: scraper.extraction.generic beside trafilatura on every bundled page, layouts off.

For every page of every bundled portal that has an expected record (site.json kinds `article`
and `snapshot`), three extractions are scored against expected/<page>.json:
  generic             scraper.extraction.generic.generic_record(body_bytes, url, portal, province, content_type)
  generic redesigned  the same on a re-themed copy of the page (scraper/portals/rethemed.py: classes and
                      ids renamed, a new wrapper, a share toolbar, related links, teasers and a comment
                      inside the body)
  trafilatura         trafilatura.bare_extraction(body_bytes, url=url, with_metadata=True)
Scores: body token F1 (multiset of whitespace tokens, NFC), exact title / published / author /
source / category / sapo / views / images / attachments (fields trafilatura has no notion of count
as wrong unless the expected value is null), and leaks: the portal's chrome strings found in the
text, title or author. A portal's chrome = the lines (text of leaf blocks and of links, 4+ characters)
found on its listing pages and on at least two of its article pages, but in none of its expected
records. Timing (CPU time of the extracting thread, ms): each call timed alone; each repetition runs one method over all pages, then the
other (the order alternating), after one warm-up pass, `--reps` repetitions; per page the median,
per portal the median of its pages and the spread (min–max of the per-repetition means).

    python -m bench.generic [--reps 5] [--quick]
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.common import import_trafilatura, table, write_results
from scraper.extraction.cleaning import tidy
from scraper.extraction.generic import generic_record
from scraper.extraction.pages import ExtractionError
from scraper.portals.rethemed import Page, chrome, f1, pages, redesign

trafilatura = None  # imported by main() once the arguments are read: `--help` needs no trafilatura

FIELDS = ("title", "published", "author", "source", "category", "sapo", "views", "images", "attachments")
METHODS = ("generic", "generic redesigned", "trafilatura")


def run(method: str, page: Page) -> dict | None:
    if method == "generic":
        return generic_record(page.body, page.url, page.portal, page.province, page.content_type)
    if method == "generic redesigned":
        html = redesign(page.body, page.content_type, page.expected["text"])
        return generic_record(html, page.url, page.portal, page.province)
    document = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document or {})
    categories = data.get("categories") or []
    text = "\n\n".join(tidy(line) for line in (data.get("text") or "").split("\n") if tidy(line))
    return {"title": tidy(data.get("title")) or None, "published": data.get("date"),
            "author": tidy(data.get("author")) or None, "source": None,
            "category": (categories[0] if isinstance(categories, list) and categories else categories) or None,
            "sapo": None, "views": None, "images": [], "attachments": [], "text": text}


def score(method: str, page: Page, chrome_lines: set[str]) -> dict:
    try:
        got = run(method, page)
    except ExtractionError as error:
        return {"error": str(error), "f1": 0.0, "fields": {f: False for f in FIELDS}, "leaks": [],
                "published_day": False}
    shown = "\n".join(str(got.get(key) or "") for key in ("text", "title", "author"))
    return {"f1": f1(got.get("text"), page.expected["text"]),
            "fields": {field: got.get(field) == page.expected[field] for field in FIELDS},
            "published_day": (got.get("published") or "")[:10] == (page.expected["published"] or "")[:10],
            "leaks": sorted(line for line in chrome_lines if line in shown)}


def timing(all_pages: list[Page], reps: int) -> dict[str, dict[str, list[float]]]:
    """{method: {page: [CPU ms per repetition]}}: each call timed alone, in the CPU time of this thread
    (wall time on a shared 2-core machine mostly measured the other engineers' load); within a
    repetition one method runs over all pages, then the other, the order alternating; one warm-up
    pass of each first."""
    methods = ("generic", "trafilatura")
    out: dict[str, dict[str, list[float]]] = {m: {page.name: [] for page in all_pages} for m in methods}
    for method in methods:
        for page in all_pages:
            run(method, page)
    for rep in range(reps):
        for method in (methods if rep % 2 == 0 else methods[::-1]):
            for page in all_pages:
                start = time.thread_time_ns()
                run(method, page)
                out[method][page.name].append((time.thread_time_ns() - start) / 1e6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="timing repetitions per page and method (≥ 3)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions")
    args = parser.parse_args()
    global trafilatura
    trafilatura = import_trafilatura()
    reps = 3 if args.quick else max(3, args.reps)
    all_pages = pages()
    by_portal: dict[str, list[Page]] = {}
    for page in all_pages:
        by_portal.setdefault(page.portal, []).append(page)
    chrome_lines = {portal: chrome(portal, group) for portal, group in by_portal.items()}
    scores = {m: {p.name: score(m, p, chrome_lines[p.portal]) for p in all_pages} for m in METHODS}
    times = timing(all_pages, reps)

    rows = []
    for portal, group in [*by_portal.items(), ("all", all_pages)]:
        row = [portal, len(group), len(set().union(*(chrome_lines[p.portal] for p in group)))]
        for method in METHODS:
            page_scores = [scores[method][p.name] for p in group]
            f1s = [s["f1"] for s in page_scores]
            exact = sum(v for s in page_scores for v in s["fields"].values())
            row += [statistics.fmean(f1s), min(f1s), sum(len(s["leaks"]) for s in page_scores),
                    f"{100 * exact / (len(FIELDS) * len(group)):.0f} %"]
        for method in ("generic", "trafilatura"):
            medians = [statistics.median(times[method][p.name]) for p in group]
            means = [statistics.fmean(times[method][p.name][r] for p in group) for r in range(reps)]
            row += [statistics.median(medians), f"{min(means):.2f}–{max(means):.2f}"]
        row.append(sum(statistics.median(times["generic"][p.name]) > statistics.median(times["trafilatura"][p.name])
                       for p in group))
        rows.append(row)
    headers = ["portal", "pages", "chrome lines"]
    for method in METHODS:
        headers += [f"{method} F1 mean", "F1 min", "leaks", "fields exact"]
    headers += ["generic ms/page", "spread", "trafilatura ms/page", "spread", "pages where generic is slower"]
    print(f"generic extraction, layouts off; timing: each call alone, methods in alternating blocks, {reps} repetitions, median per page")
    print(table(headers, rows))
    field_rows = [[field] + [f"{sum(scores[m][p.name]['fields'][field] for p in all_pages)}/{len(all_pages)}"
                             for m in METHODS] for field in FIELDS]
    field_rows.append(["published (day only)"] + [f"{sum(scores[m][p.name]['published_day'] for p in all_pages)}/"
                                                   f"{len(all_pages)}" for m in METHODS])
    print("\nfields exact, all pages")
    print(table(["field", *METHODS], field_rows))
    misses = {m: {name: {k: v for k, v in s.items() if k != "fields"} | {
        "wrong": [f for f, ok in s["fields"].items() if not ok]} for name, s in scores[m].items()
        if s["f1"] < 1 or s["leaks"] or not all(s["fields"].values()) or s.get("error")} for m in METHODS}
    results = {"reps": reps, "pages": len(all_pages), "table": {"headers": headers, "rows": rows},
               "fields": field_rows, "imperfect_pages": misses,
               "chrome": {portal: sorted(lines) for portal, lines in chrome_lines.items()},
               "times_ms": times}
    print(f"\nwrote {write_results('generic', results)}")


if __name__ == "__main__":
    main()
