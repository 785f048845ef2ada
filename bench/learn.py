"""Learning: `soyte learn` on every portal folder we have, scored on the articles it never saw.

Portals, in three groups: the eight bundled demo portals (scraper/demo_portals/*), the unseen
portals the learner is tuned on (tests/unseen_portals/*) and the held-out portals nobody tunes it
on (tests/heldout_portals/*: a vendor ASP.NET WebForms portal, a server-rendered Next.js portal
with hashed class names, a vendor Bootstrap portal with Vietnamese class names, a VNPT-built portal,
an old PHP (Mambo) table site).

For each portal a layout is learnt (scraper.learn.layout.learn_layout) from
  covering  the fewest annotated articles (at most 3) that together show every field the portal's
            records fill, greedy in file order: the rule of tests/test_learn.py `covering_examples`,
            written again here (a benchmark does not import the tests);
  one       the single best article by that same rule;
and every other annotated article of the portal (held out) is extracted with the learnt layout and
scored against its expected record:
  exact     the whole record equal (every field of scraper.model.PAGE_KEYS);
  F1        body token F1 (multisets of whitespace tokens, NFC; scraper.portals.rethemed.f1);
  fields    share of the record's fields other than the text (url, title, published, category,
            sapo, author, source, views, images, attachments) that are exactly right;
  leaks     the portal's chrome lines found in the text, title or author. Chrome = the visible lines
            (text of leaf blocks and links, 4+ characters: rethemed.lines_of) present on at least
            2 pages of the portal (listings and articles) and in none of its expected records;
  listing   the manifest's article URLs the learnt listing rules find on the listing pages (found /
            all), the other links they take for articles, the manifest's other listing pages found
            as next pages (found / all) and the other links they take for next pages;
  learn ms  CPU time of learn_layout (this thread), median of `--reps` runs (3).
A record that the learnt layout cannot extract at all counts as F1 0 and no field right.

    python -m bench.learn [--reps 3] [--quick]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from w3lib.url import url_query_cleaner

from bench.common import ROOT, table, write_results
from scraper.extraction.pages import ExtractionError, page_classes
from scraper.learn.examples import Example, read_examples
from scraper.learn.layout import learn_layout
from scraper.model import PAGE_KEYS
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.rethemed import f1, lines_of
from scraper.portals.sites import Site

GROUPS = {"bundled": DEMO_PORTALS, "unseen": ROOT / "tests" / "unseen_portals",
          "held-out": ROOT / "tests" / "heldout_portals"}
FILLED = [f for f in PAGE_KEYS if f not in ("url", "title", "text")]
FIELDS = [f for f in PAGE_KEYS if f != "text"]
MODES = ("covering", "one")


def folders() -> list[tuple[str, Path]]:
    return [(group, folder) for group, root in GROUPS.items() if root.is_dir()
            for folder in sorted(root.iterdir()) if Site(folder).exists()]


def covering_examples(folder: Path, most: int = 3) -> list[str]:
    """A few article pages that together show every field the portal's records fill, with values as
    different as they come; greedy, in file order (tests/test_learn.py `covering_examples`)."""
    _manifest, examples, _listings = read_examples(folder)
    served = [ex for ex in examples if ex.name in {p.stem for p in (folder / "expected").glob("*.json")}]

    def shown(ex: Example) -> set[tuple[str, str]]:
        return {(f, json.dumps(ex.expected[f], ensure_ascii=False)) for f in FILLED
                if ex.expected.get(f) not in (None, [], "")}
    fields = {f for ex in served for f, _ in shown(ex)}
    chosen: list[Example] = []
    while len(chosen) < most and len(chosen) < len(served) - 1:
        seen = set().union(*(shown(ex) for ex in chosen)) if chosen else set()
        missing = fields - {f for f, _ in seen}
        best = max((ex for ex in served if ex not in chosen),
                   key=lambda ex: (len({f for f, _ in shown(ex)} & missing), len(shown(ex) - seen), -served.index(ex)))
        chosen.append(best)
    return [ex.name for ex in chosen]


def chrome(folder: Path, examples: list[Example]) -> set[str]:
    """Lines on ≥ 2 pages of the portal (listings and articles), in none of its expected records."""
    site = Site(folder)
    bodies = [page.body() for page in site.pages(("listing", "article"))]
    counts = Counter(line for body in bodies for line in lines_of(body))
    records = " \n ".join(json.dumps(ex.expected, ensure_ascii=False) + " \n " +
                          " \n ".join(str(v) for v in ex.expected.values()) for ex in examples)
    return {line for line, n in counts.items() if n >= 2 and line not in records}


def score_article(layout, ex: Example, chrome_lines: set[str]) -> dict:
    try:
        got = page_classes(layout)[0](ex.body, ex.url, content_type=ex.content_type).record()
    except ExtractionError as error:
        return {"page": ex.name, "error": str(error), "exact": False, "f1": 0.0,
                "fields": {f: False for f in FIELDS}, "leaks": []}
    shown = "\n".join(str(got.get(key) or "") for key in ("text", "title", "author"))
    fields = {f: got.get(f) == ex.expected.get(f) for f in FIELDS}
    wrong = {f: {"expected": ex.expected.get(f), "got": got.get(f)} for f, ok in fields.items() if not ok}
    return {"page": ex.name, "wrong": wrong, "exact": all(fields.values()) and got.get("text") == ex.expected.get("text"),
            "f1": f1(got.get("text"), ex.expected.get("text")), "fields": fields,
            "leaks": sorted(line for line in chrome_lines if line in shown)}


def score_listings(layout, folder: Path) -> dict:
    site = Site(folder)
    articles = {p.url for p in site.pages(("article",))}
    listing_pages = site.pages(("listing",))
    listing_urls = {p.url for p in listing_pages}
    listing_class = page_classes(layout)[1]
    found, others, next_found, next_others = set(), set(), set(), set()
    for page in listing_pages:
        listing = listing_class(page.body(), page.url, page.content_type)
        links = {url_query_cleaner(u, layout.drop_params, remove=True) for u in listing.article_urls()}
        found |= links & articles
        others |= links - articles
        next_found |= (set(listing.next_urls()) & listing_urls) - {page.url}
        next_others |= set(listing.next_urls()) - listing_urls
    # every listing page but the first is reached as a next page of another
    wanted = listing_urls - {listing_pages[0].url} if listing_pages else set()
    return {"articles_found": len(found), "articles": len(articles), "other_links": len(others),
            "next_found": len(next_found & wanted), "next_wanted": len(wanted), "next_other_links": len(next_others)}


def learn_timed(folder: Path, name: str, train: list[str], reps: int):
    times, learnt = [], None
    for _ in range(reps):
        start = time.thread_time_ns()
        learnt = learn_layout(folder, name, only=train)
        times.append((time.thread_time_ns() - start) / 1e6)
    return learnt, statistics.median(times), times


def measure(group: str, folder: Path, reps: int) -> dict:
    _manifest, examples, _listings = read_examples(folder)
    chrome_lines = chrome(folder, examples)
    out = {"group": group, "folder": str(folder.relative_to(ROOT)), "articles": len(examples),
           "chrome_lines": len(chrome_lines), "modes": {}}
    for mode in MODES:
        train = covering_examples(folder, 3 if mode == "covering" else 1)
        name = f"bench-learn-{folder.name}-{mode}"
        try:
            learnt, ms, times = learn_timed(folder, name, train, reps)
        except Exception as error:  # a learner that raises is a result to report, not a crash of the bench
            out["modes"][mode] = {"train": train, "error": f"{type(error).__name__}: {error}"}
            continue
        held = [ex for ex in examples if ex.name not in train]
        scores = [score_article(learnt.layout, ex, chrome_lines) for ex in held]
        out["modes"][mode] = {
            "train": train, "held_out": [ex.name for ex in held], "training_problems": learnt.problems,
            "learn_ms": ms, "learn_ms_runs": times, "scores": scores,
            "exact": sum(s["exact"] for s in scores), "f1_mean": statistics.fmean(s["f1"] for s in scores) if scores else None,
            "f1_min": min((s["f1"] for s in scores), default=None),
            "leaks": sum(len(s["leaks"]) for s in scores),
            "fields_exact": (sum(v for s in scores for v in s["fields"].values()) / (len(FIELDS) * len(scores))) if scores else None,
            "listing": score_listings(learnt.layout, folder) if learnt.layout.listing else None,
            "report": learnt.report}
    return out


def row(result: dict, mode: str) -> list:
    m = result["modes"][mode]
    name = Path(result["folder"]).name
    if "error" in m:
        return [name, mode, len(m["train"]), "–", "learn failed", None, None, None, None, "–", "–", None]
    listing = m["listing"]
    return [name, mode, len(m["train"]), len(m["training_problems"]), f"{m['exact']}/{len(m['scores'])}",
            m["f1_mean"], m["f1_min"], m["leaks"],
            f"{100 * m['fields_exact']:.0f} %" if m["fields_exact"] is not None else None,
            f"{listing['articles_found']}/{listing['articles']} (+{listing['other_links']})" if listing else "no rules",
            f"{listing['next_found']}/{listing['next_wanted']} (+{listing['next_other_links']})" if listing else "no rules", m["learn_ms"]]


HEADERS = ["portal", "trained on", "articles", "training records not reproduced", "held-out exact", "F1 mean",
           "F1 min", "leaks", "fields exact", "listing articles found (+other links)", "next pages found (+other links)", "learn ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="learn runs per portal and mode, for the median time (≥ 1)")
    parser.add_argument("--quick", action="store_true", help="one learn run per portal and mode")
    args = parser.parse_args()
    reps = 1 if args.quick else max(1, args.reps)
    results = [measure(group, folder, reps) for group, folder in folders()]
    summary = {}
    for group in GROUPS:
        chosen = [r for r in results if r["group"] == group]
        if not chosen:
            continue
        print(f"\n{group} portals ({len(chosen)})")
        print(table(HEADERS, [row(r, mode) for r in chosen for mode in MODES]))
        for mode in MODES:
            done = [r["modes"][mode] for r in chosen if "error" not in r["modes"][mode]]
            scores = [s for m in done for s in m["scores"]]
            summary[f"{group} {mode}"] = {
                "portals": len(chosen), "learnt": len(done),
                "portals_all_exact": sum(1 for m in done if m["exact"] == len(m["scores"]) and not m["training_problems"]),
                "held_out_articles": len(scores), "exact": sum(s["exact"] for s in scores),
                "f1_mean": statistics.fmean(s["f1"] for s in scores) if scores else None,
                "f1_min": min((s["f1"] for s in scores), default=None),
                "leaks": sum(len(s["leaks"]) for s in scores),
                "fields_exact": (sum(v for s in scores for v in s["fields"].values()) / (len(FIELDS) * len(scores))) if scores else None}
    print("\nsummary (every held-out article of a group together)")
    print(table(["group", "trained on", "portals every held-out record exact", "held-out exact", "F1 mean", "F1 min",
                 "leaks", "fields exact"],
                [[key.rsplit(" ", 1)[0], key.rsplit(" ", 1)[1], f"{s['portals_all_exact']}/{s['portals']}",
                  f"{s['exact']}/{s['held_out_articles']}", s["f1_mean"], s["f1_min"], s["leaks"],
                  f"{100 * s['fields_exact']:.0f} %" if s["fields_exact"] is not None else None]
                 for key, s in summary.items()]))
    path = write_results("learn", {"reps": reps, "portals": results, "summary": summary,
                                   "table": {"headers": HEADERS, "rows": [row(r, m) for r in results for m in MODES]}})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
