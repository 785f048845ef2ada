"""Tidying decomposed text: `tidy`'s cache of composed words beside composing whole paragraphs.

Hà Giang's editor stores accents decomposed (NFD). `scraper.extraction.cleaning.tidy` composes such text a
word at a time, from a cache of each word's NFC; `compose_whole` below composes the paragraph whole. A cache flatters a benchmark that repeats its text
(bench/extraction.py's body ×16 does), so here the text is the 37 bundled articles' expected
texts, decomposed, with the NBSP runs Hà Giang's editor leaves ("\\xa0 " before each paragraph),
and every article is tidied in three states of the cache:
- empty: each article alone, the cache emptied before it (a crawl's first article);
- after those before it: the articles in order from an empty cache (a crawl's first 37 articles);
- after the others: each article read after the 36 others went through the cache (a crawl some
  articles in; the share of the article's words that were new is reported);
- warm: the article itself already in the cache (what body ×16 measures).
Each state and method is timed alone, 7 repetitions, CPU time; median (min–max) of the sum over
articles; the ratio within each repetition.

    python -m bench.decomposed [--reps 7]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import unicodedata

from bench.common import table, write_results
from scraper.extraction import cleaning
from scraper.portals.registry import DEMO_PORTALS


def compose_whole(text: str) -> str:
    """`tidy` as it was before fa9cde9: compose the whole text, then tidy its whitespace."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    if cleaning._ZERO_WIDTH.search(text):
        text = cleaning._ZERO_WIDTH.sub(" ", text)
    return " ".join(text.split())


def articles() -> list[list[str]]:
    """Each bundled article's paragraphs, decomposed, as Hà Giang's editor leaves them."""
    found = []
    for path in sorted(DEMO_PORTALS.glob("*/expected/*.json")):
        text = json.loads(path.read_text(encoding="utf-8")).get("text") or ""
        found.append(["\xa0 " + unicodedata.normalize("NFD", p) for p in text.split("\n\n")])
    return found


def time_article(article: list[str], tidy, fill: list[list[str]]) -> tuple[int, int]:
    """CPU ns to tidy the article after `fill` went through an emptied cache; and its new words."""
    cleaning._COMPOSED_WORDS.clear()
    for other in fill:
        for paragraph in other:
            cleaning.tidy(paragraph)
    known = len(cleaning._COMPOSED_WORDS)
    start = time.process_time_ns()
    for paragraph in article:
        tidy(paragraph)
    elapsed = time.process_time_ns() - start
    return elapsed, len(cleaning._COMPOSED_WORDS) - known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    texts = articles()
    assert all(cleaning.tidy(p) == compose_whole(p) for a in texts for p in a), "the two ways must agree"
    states = {
        "empty": lambda i: [],
        "after those before it": lambda i: texts[:i],
        "after the others": lambda i: texts[:i] + texts[i + 1:],
        "warm": lambda i: [texts[i]],
    }
    results, rows = {}, []
    for state, fill in states.items():
        per_rep = {"compose whole": [], "word cache": []}
        new_words = []
        for _ in range(args.reps):
            for method, tidy in (("compose whole", compose_whole), ("word cache", cleaning.tidy)):
                total = 0
                for i, article in enumerate(texts):
                    elapsed, new = time_article(article, tidy, fill(i))
                    total += elapsed
                    if method == "word cache":
                        new_words.append(new / max(1, sum(len(p.split()) for p in article)))
                per_rep[method].append(total / 1e6)
        ratios = [w / c for w, c in zip(per_rep["word cache"], per_rep["compose whole"])]
        results[state] = {"ms": per_rep, "word_cache_over_whole": ratios,
                          "new_word_share_median": statistics.median(new_words)}
        rows.append([state, statistics.median(per_rep["compose whole"]), statistics.median(per_rep["word cache"]),
                     f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})",
                     f"{statistics.median(new_words):.0%}"])
    words = sum(len(p.split()) for a in texts for p in a)
    print(f"{len(texts)} articles, {words:,} words, decomposed; {args.reps} repetitions, CPU ms for all articles")
    print(table(["cache", "compose whole ms", "word cache ms", "word cache ÷ whole", "new words per article"], rows))
    print(f"\nwrote {write_results('decomposed', {'articles': len(texts), 'words': words, 'states': results})}")


if __name__ == "__main__":
    main()
