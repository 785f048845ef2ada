"""Learning from uncorrected drafts: `soyte learn KEY --from-drafts` scored against the true records.

For each bundled demo portal (scraper/demo_portals/<key>/), the layout is learnt from the generic
extractor's drafts of every article page and snapshot (scraper/learn/drafts.py: nothing read from
expected/), then scored against the portal's TRUE expected records (scraper.learn.layout.verify):
  exact        the learnt layout gives every true record exactly
  same file    the learnt file is the one `soyte learn` writes from the corrected records (all of them)
  fields       the fields (and pages) where the learnt layout's records differ from the true ones
  checks       what `--from-drafts` asks a person to check: layout-vs-draft disagreements, drafts
               that disagree with the others; pages not learnt from (their drafts look wrong)
  seconds      learn time, median of `--reps` runs
The portals of tests/unseen_portals/ (built for CMS families unlike the bundled ones) are scored the
same way in a second table: there the drafts are often wrong.

    python -m bench.learn_drafts [--reps 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.common import table, write_results
from scraper.extraction.layouts import dump_layout
from scraper.learn.drafts import learn_from_drafts
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify
from scraper.portals.registry import DEMO_PORTALS

BUNDLED = ("bacninh", "hagiang", "angiang", "hatinh", "thanhhoa", "nghean", "quangninh", "cantho")
UNSEEN = Path(__file__).resolve().parents[1] / "tests" / "unseen_portals"


def score(folder: Path, reps: int) -> dict:
    name = folder.name
    seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        found = learn_from_drafts(folder, name)
        seconds.append(time.perf_counter() - started)
    truth = read_examples(folder)[1]
    problems = verify(found.layout, truth)
    fields: dict[str, list[str]] = {}
    for line in problems:
        field, page = line.split(": ")[:2]
        fields.setdefault(field, []).append(page)
    corrected = learn_layout(folder, name)
    return {"pages": len(truth), "drafts": len(found.drafts), "exact": not problems and found.learnt_anything,
            "learnt": found.learnt_anything,
            "same_file": dump_layout(found.layout) == dump_layout(corrected.layout),
            "fields": {field: sorted(set(pages)) for field, pages in sorted(fields.items())},
            "problems": problems, "disagreements": found.disagreements, "suspicious": found.suspicious,
            "left_out": found.left_out, "unread": found.unread, "seconds": statistics.median(seconds)}


def rows_of(scores: dict[str, dict]) -> list[list]:
    return [[key, s["pages"], s["drafts"], "yes" if s["exact"] else "no", "yes" if s["same_file"] else "no",
             "; ".join(f"{field} ({len(pages)})" for field, pages in s["fields"].items()) or "–",
             len(s["disagreements"]), len(s["suspicious"]), ", ".join(s["left_out"]) or "–", s["seconds"]]
            for key, s in scores.items()]


HEADERS = ["portal", "article pages", "drafts", "exact", "same file", "fields wrong (pages)",
           "layout ≠ draft", "drafts suspect", "not learnt from", "learn s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="learn runs per portal for the time (median)")
    args = parser.parse_args()
    reps = max(1, args.reps)
    bundled = {key: score(DEMO_PORTALS / key, reps) for key in BUNDLED}
    unseen = {folder.name: score(folder, reps) for folder in sorted(UNSEEN.iterdir()) if (folder / "site.json").exists()} \
        if UNSEEN.is_dir() else {}
    exact = sum(s["exact"] for s in bundled.values())
    print(f"learnt from uncorrected drafts of every article page, scored against the true records: "
          f"exact on {exact} of {len(bundled)} bundled portals")
    print(table(HEADERS, rows_of(bundled)))
    if unseen:
        print(f"\ntests/unseen_portals/: exact on {sum(s['exact'] for s in unseen.values())} of {len(unseen)}")
        print(table(HEADERS, rows_of(unseen)))
    results = {"reps": reps, "bundled_exact": exact, "bundled": bundled,
               "unseen_exact": sum(s["exact"] for s in unseen.values()), "unseen": unseen}
    print(f"\nwrote {write_results('learn_drafts', results)}")


if __name__ == "__main__":
    main()
