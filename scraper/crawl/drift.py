"""Layout drift: a redesign that breaks a layout quietly never goes unnoticed.

A redesign breaks a layout loudly (no body: the generic extractor takes over, already an alarm)
or quietly: a date selector that finds nothing, a body that now also holds "Tin liên quan".
For each portal a crawl run keeps how many of its articles filled each field (its coverage,
stored in `portal_runs.coverage`), and the lines that more than one article of the run carried.
At the end of the run this module compares them with the portal's recent history:

- a field the portal filled on nearly every article of recent runs that comes out empty on
  most articles of this run (`published`, `author` …) is drift;
- the same short line in many articles of one run (a toolbar's "Chia sẻ", a "Tin liên quan"
  heading, a counter) is the portal's chrome leaking into the text.

Spidermon was considered: its monitors (field coverage, item validation, actions on failure)
read one spider run's stats, while this needs each portal's history across runs, which the
archive keeps, and must write its verdict into `portal_runs.problem` and the exit status that
operators already read; its validation against a schema adds nothing to the record check the
layouts do. So the checks are these few functions, run by the archive pipeline.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

WATCHED_FIELDS = ("published", "category", "sapo", "author", "source", "views", "images")
BASELINE_ARTICLES = 3       # fewer articles of history than this: no judgement yet
USUALLY = 0.9               # a field filled on at least this share of the history is expected
NOW_MOSTLY_EMPTY = 0.5      # … and drifts when this run fills it on less than this share
REPEATED_LINE_ARTICLES = 3  # a line in at least this many articles of one run …
REPEATED_LINE_SHARE = 0.5   # … and in at least this share of them is chrome, not news
MAX_LINE_CHARS = 120        # long paragraphs are never chrome: only short lines are tracked


@dataclass
class Coverage:
    """How many articles of one portal a run stored, and how many filled each field."""

    articles: int = 0
    filled: Counter = field(default_factory=Counter)
    lines: Counter = field(default_factory=Counter)     # short line -> articles carrying it

    def add(self, record: dict) -> None:
        self.articles += 1
        for name in WATCHED_FIELDS:
            if record.get(name) not in (None, "", []):
                self.filled[name] += 1
        self.lines.update({p for p in (record.get("text") or "").split("\n\n") if 0 < len(p) <= MAX_LINE_CHARS})

    def as_dict(self) -> dict:
        return {"articles": self.articles, **{name: self.filled[name] for name in WATCHED_FIELDS}}


def empty_fields(now: Coverage, history: list[dict]) -> list[str]:
    """Fields the portal's recent runs filled on nearly every article and this run mostly lacks."""
    seen = sum(run.get("articles", 0) for run in history)
    if seen < BASELINE_ARTICLES or not now.articles:
        return []
    drifted = []
    for name in WATCHED_FIELDS:
        usual = sum(run.get(name, 0) for run in history) / seen
        if usual >= USUALLY and now.filled[name] / now.articles < NOW_MOSTLY_EMPTY:
            drifted.append(name)
    return drifted


def repeated_lines(now: Coverage) -> list[str]:
    """Short lines carried by many of the run's articles: chrome the layout no longer drops."""
    if now.articles < REPEATED_LINE_ARTICLES:
        return []
    threshold = max(REPEATED_LINE_ARTICLES, REPEATED_LINE_SHARE * now.articles)
    return sorted(line for line, count in now.lines.items() if count >= threshold)


def drift_problem(now: Coverage, history: list[dict]) -> str | None:
    """The alarm text for this portal's run, or None when its articles look as they used to."""
    problems = []
    fields = empty_fields(now, history)
    if fields:
        problems.append(f"{', '.join(fields)} empty on most of {now.articles} articles though the layout "
                        "usually fills them: the layout may have changed")
    lines = repeated_lines(now)
    if lines:
        shown = "; ".join(f"'{line[:40]}'" for line in lines[:3])
        problems.append(f"the same line appears in many of {now.articles} articles ({shown}): "
                        "the portal's chrome is leaking into the text")
    return "; ".join(problems) or None
