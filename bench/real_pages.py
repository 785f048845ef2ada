"""Generic extraction on real pages: soyte's generic extractor beside trafilatura on news pages nobody here wrote.

The pages are bench/real_pages/<source>/<name>/ (source.html as published, expected.txt one
paragraph a line, meta.json with title, byline, url and where the page comes from), taken from the
test data of two public projects (bench/real_pages/README.md: mozilla/readability's test pages and
flairNLP/fundus's publisher test data); bench/real_pages/split.json cuts them into a tuning part (2/3)
and a held-out part (1/3) by a hash of the page's name. For every page:
  generic      scraper.extraction.generic.generic_record(html_bytes, url, None, None, "text/html"); the
               story is the record's sapo then its text (LAYOUTS.md keeps the lead apart); a page it
               refuses (ExtractionError) scores F1 0 and is listed as refused, any other exception as
               a crash
  trafilatura  trafilatura.bare_extraction(html_bytes, url=url, with_metadata=True), its text
Scores: token F1 of the story against expected.txt (multisets of whitespace tokens, NFC: the f1 of
bench/generic.py, scraper/portals/rethemed.py), pages below F1 0.5, refused pages, the title exactly
meta.json's (both tidied). Timing: CPU time of the extracting thread (time.thread_time_ns), each call
timed alone; each repetition runs one method over all pages, then the other, the order alternating,
after one warm-up pass; per page the median of the repetitions, per group the median of its pages.

    python -m bench.real_pages [--reps 5] [--quick]
    python -m bench.real_pages --build READABILITY_GIT_DIR FUNDUS_GIT_DIR   # re-make bench/real_pages/

--build re-makes the set from bare clones of the two repositories (the commits are in the README).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import subprocess
import time
from pathlib import Path

from bench.common import ROOT, import_trafilatura, table, write_results
from scraper.extraction.cleaning import tidy
from scraper.extraction.generic import generic_record
from scraper.extraction.pages import ExtractionError
from scraper.portals.rethemed import f1

trafilatura = None  # imported by main() once the arguments are read: `--help` needs no trafilatura

PAGES = ROOT / "bench" / "real_pages"
LOW_F1 = 0.5   # the line: a page below it counts as failed
WORST = 15     # pages listed for soyte, worst first


class RealPage:
    def __init__(self, folder: Path):
        self.source, self.name = folder.parent.name, folder.name
        self.key = f"{self.source}/{self.name}"
        self.body = (folder / "source.html").read_bytes()
        self.expected = (folder / "expected.txt").read_text(encoding="utf-8")
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.url = self.meta["url"]


def load_pages() -> list[RealPage]:
    return [RealPage(folder.parent) for folder in sorted(PAGES.glob("*/*/source.html"))]


def held_out(key: str) -> bool:
    """The deterministic cut: a third of the pages, by the SHA-1 of '<source>/<name>'."""
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 3 == 0


# --- running and scoring -------------------------------------------------------------------

def run_generic(page: RealPage) -> dict:
    record = generic_record(page.body, page.url, None, None, "text/html")
    story = [record.get("sapo") or "", record.get("text") or ""]
    if story[0] and story[1].startswith(story[0]):
        story[0] = ""
    return {"title": record.get("title"), "text": "\n\n".join(part for part in story if part),
            "author": record.get("author")}


def run_trafilatura(page: RealPage) -> dict:
    document = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document or {})
    return {"title": data.get("title"), "text": data.get("text") or "", "author": data.get("author")}


RUN = {"generic": run_generic, "trafilatura": run_trafilatura}


def precision_recall(got: str, want: str) -> tuple[float, float]:
    from collections import Counter
    import unicodedata
    got_tokens = Counter(unicodedata.normalize("NFC", got).split())
    want_tokens = Counter(unicodedata.normalize("NFC", want).split())
    common = sum((got_tokens & want_tokens).values())
    return (common / sum(got_tokens.values()) if got_tokens else 0.0,
            common / sum(want_tokens.values()) if want_tokens else 0.0)


def score(method: str, page: RealPage) -> dict:
    try:
        got = RUN[method](page)
    except ExtractionError as error:
        return {"f1": 0.0, "refused": str(error), "title_exact": False}
    except Exception as error:  # noqa: BLE001 - a crash is a result to report, not a reason to stop
        return {"f1": 0.0, "crashed": f"{type(error).__name__}: {error}", "title_exact": False}
    precision, recall = precision_recall(got["text"], page.expected)
    return {"f1": f1(got["text"], page.expected), "precision": precision, "recall": recall,
            "chars": len(got["text"]), "expected_chars": len(page.expected),
            "title": got["title"], "author": got["author"],
            "title_exact": bool(got["title"]) and tidy(got["title"]) == tidy(page.meta.get("title"))}


def timing(pages: list[RealPage], reps: int) -> dict[str, dict[str, list[float]]]:
    """{method: {page: [CPU ms per repetition]}}, as bench/generic.py times; a page a method refuses is
    timed all the same (refusing costs time too)."""
    def call(method: str, page: RealPage) -> None:
        try:
            RUN[method](page)
        except Exception:  # noqa: BLE001 - refusals and crashes are scored elsewhere
            pass

    methods = tuple(RUN)
    out: dict[str, dict[str, list[float]]] = {m: {page.key: [] for page in pages} for m in methods}
    for method in methods:
        for page in pages:
            call(method, page)
    for rep in range(reps):
        for method in (methods if rep % 2 == 0 else methods[::-1]):
            for page in pages:
                start = time.thread_time_ns()
                call(method, page)
                out[method][page.key].append((time.thread_time_ns() - start) / 1e6)
    return out


def group_row(label: str, group: list[RealPage], scores: dict, times: dict) -> list:
    row = [label, len(group)]
    for method in RUN:
        page_scores = [scores[method][p.key] for p in group]
        f1s = [s["f1"] for s in page_scores]
        row += [statistics.fmean(f1s), statistics.median(f1s), sum(v < LOW_F1 for v in f1s),
                sum("refused" in s or "crashed" in s for s in page_scores),
                f"{100 * sum(s['title_exact'] for s in page_scores) / len(group):.0f} %",
                statistics.median(statistics.median(times[method][p.key]) for p in group)]
    ratios = [statistics.median(times["trafilatura"][p.key]) / max(statistics.median(times["generic"][p.key]), 1e-6)
              for p in group]
    row.append(statistics.median(ratios))
    return row


HEADERS = ["group", "pages"] + [f"{m} {column}" for m in RUN for column in
                                ("F1 mean", "F1 median", f"< {LOW_F1}", "refused", "title exact", "ms/page")] \
    + ["trafilatura ÷ generic ms (median of pages)"]


def hint(s: dict) -> str:
    """A first guess at what went wrong, from the scores alone (the report's diagnoses are read by eye)."""
    if "refused" in s:
        return "refused: " + s["refused"].split(":")[1].strip()
    if "crashed" in s:
        return "crashed: " + s["crashed"]
    if s["recall"] < 0.2 and s["precision"] < 0.5:
        return "wrong block"
    if s["precision"] >= 0.7 and s["recall"] < 0.7:
        return "too short / part of the story"
    if s["recall"] >= 0.7 and s["precision"] < 0.7:
        return "story plus boilerplate"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="timing repetitions per page and method (≥ 3)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions")
    parser.add_argument("--build", nargs=2, metavar=("READABILITY_GIT", "FUNDUS_GIT"),
                        help="re-make bench/real_pages/ from git directories of the two repositories, then stop")
    args = parser.parse_args()
    if args.build:
        build(Path(args.build[0]), Path(args.build[1]))
        return
    global trafilatura
    trafilatura = import_trafilatura()
    reps = 3 if args.quick else max(3, args.reps)
    pages = load_pages()
    split = json.loads((PAGES / "split.json").read_text(encoding="utf-8"))
    part = {key: name for name in ("tuning", "held_out") for key in split[name]}
    scores = {m: {p.key: score(m, p) for p in pages} for m in RUN}
    times = timing(pages, reps)

    print(f"generic extraction on {len(pages)} real pages; timing: CPU ms, each call alone, methods in alternating "
          f"blocks, {reps} repetitions, median per page")
    tables = {}
    parts = [("tuning", [p for p in pages if part[p.key] == "tuning"]),
             ("held-out", [p for p in pages if part[p.key] == "held_out"]), ("all", pages)]
    tables["parts"] = [group_row(label, group, scores, times) for label, group in parts]
    print("\nby part\n" + table(HEADERS, tables["parts"]))
    sources = sorted({p.source for p in pages})
    tables["sources"] = [group_row(s, [p for p in pages if p.source == s], scores, times) for s in sources]
    print("\nby source\n" + table(HEADERS, tables["sources"]))
    worst = sorted(pages, key=lambda p: (scores["generic"][p.key]["f1"], p.key))[:WORST]
    worst_rows = []
    for p in worst:
        s = scores["generic"][p.key]
        worst_rows.append([p.key, part[p.key], s["f1"], "refused" if "refused" in s else ("crashed" if "crashed" in s
                          else ""), s.get("precision"), s.get("recall"), scores["trafilatura"][p.key]["f1"], hint(s)])
    worst_headers = ["page", "part", "generic F1", "refused", "precision", "recall", "trafilatura F1", "first guess"]
    tables["worst"] = worst_rows
    print(f"\n{WORST} worst pages for generic\n" + table(worst_headers, worst_rows))
    results = {"reps": reps, "pages": len(pages), "low_f1": LOW_F1,
               "tables": {"headers": HEADERS, "worst_headers": worst_headers, **tables},
               "scores": scores, "times_ms": times}
    print(f"\nwrote {write_results('real_pages', results)}")


# --- building the set ------------------------------------------------------------------------

MAX_BYTES = 400_000  # a page larger than this is left out: the set is kept in the repository
READABILITY_URL = "http://fakehost/test/page.html"  # the address readability's own tests give every page
# readability's test pages that are articles: every one not in English (and one in Japanese that is a
# tale on a table layout), and a dozen English news pages; the rest of its 130 are one-feature tests
# (a few hundred bytes), product pages, Wikipedia, or over MAX_BYTES.
READABILITY = ("aktualne", "cnet-svg-classes", "folha", "gmw", "heise", "hukumusume", "la-nacion", "lemonde-1",
               "liberation-1", "qq", "videos-2", "yahoo-4",
               "aclu", "ars-1", "bbc-1", "buzzfeed-1", "cnn", "engadget", "medicalnewstoday", "nytimes-1",
               "seattletimes-1", "telegraph", "wapo-1", "webmd-1")
FUNDUS_DATA = "tests/resources/parser/test_data"
FUNDUS_EXTRA = 2  # pages beyond the first of the countries with most publishers (de, uk, us)
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "pre", "blockquote", "figcaption",
          "figure", "table", "tr", "td", "th", "dt", "dd", "dl", "section", "article", "header", "footer", "br",
          "hr", "aside", "main", "nav", "caption", "address"}


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").decode().strip()


def visible_paragraphs(html: bytes) -> list[str]:
    """The visible text of an HTML fragment, one line per block: text is gathered until a block
    element opens or closes."""
    import lxml.html

    root = lxml.html.fragment_fromstring(html.decode("utf-8"), create_parent="div")
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = tidy("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            if node.tail:
                current.append(node.tail)
            return
        block = tag in BLOCKS
        if block:
            flush()
        if node.text and tag:
            current.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            current.append(node.tail)

    walk(root)
    flush()
    return lines


def _write(folder: Path, html: bytes, paragraphs: list[str], meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "source.html").write_bytes(html)
    (folder / "expected.txt").write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def build_readability(repo: Path) -> list[str]:
    commit, made = _head(repo), []
    for name in READABILITY:
        base = f"test/test-pages/{name}"
        html = _git(repo, "show", f"HEAD:{base}/source.html")
        if len(html) > MAX_BYTES:
            continue
        meta = json.loads(_git(repo, "show", f"HEAD:{base}/expected-metadata.json"))
        paragraphs = visible_paragraphs(_git(repo, "show", f"HEAD:{base}/expected.html"))
        _write(PAGES / "readability" / name, html, paragraphs, {
            "title": meta.get("title"), "byline": meta.get("byline"), "lang": meta.get("lang"), "url": READABILITY_URL,
            "origin": f"https://github.com/mozilla/readability/tree/{commit}/{base}",
            "expected_from": "expected.html (readability's output), its visible text one block a line",
            "license": "readability: Apache-2.0; the page itself belongs to its publisher, kept only to measure"})
        made.append(name)
    return made


VISIBLE_SHARE = 0.8  # a page whose expected lines are not this share in its HTML text draws the story by script


def shown_share(html: bytes, paragraphs: list[str]) -> float:
    """The share of the expected lines whose first 30 characters are in the page's text outside scripts
    (a page that carries its story only in a script's JSON is left out: no reader of HTML can find it)."""
    import lxml.html

    from scraper.extraction.cleaning import decode_html

    root = lxml.html.document_fromstring(decode_html(html, "text/html"))
    for node in root.xpath("//script|//style|//template"):
        node.drop_tree()
    text = tidy(" ".join(root.itertext()))
    return sum(tidy(line)[:30] in text for line in paragraphs) / max(len(paragraphs), 1)


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _fundus_text(expected: dict) -> list[str]:
    body = expected.get("body") or {}
    lines = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return [tidy(line) for line in lines if tidy(line)]


def build_fundus(repo: Path) -> list[str]:
    """One page a country (its smallest that fits), FUNDUS_EXTRA more where fundus has most publishers:
    the publisher's HTML files sorted by date are its parser versions in order (fundus picks a parser by
    the crawl date), so the n-th file's expected record is the n-th version's."""
    commit, made = _head(repo), []
    names = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", FUNDUS_DATA + "/").decode().split()
    countries = sorted({path.split("/")[4] for path in names if path.endswith(".html.gz")})
    for country in countries:
        infos = json.loads(_git(repo, "show", f"HEAD:{FUNDUS_DATA}/{country}/meta.info"))
        candidates = []
        for path in (p for p in names if p.split("/")[4] == country and p.endswith(".html.gz")):
            file_name = path.split("/")[-1]
            publisher = file_name.rsplit("_", 3)[0]
            files = sorted(p.split("/")[-1] for p in names if p.split("/")[4] == country
                           and p.split("/")[-1].rsplit("_", 3)[0] == publisher and p.endswith(".html.gz"))
            expected_all = json.loads(_git(repo, "show", f"HEAD:{FUNDUS_DATA}/{country}/{publisher}.json"))
            versions = sorted(expected_all, key=_version_key)
            if len(versions) != len(files) or file_name not in infos:
                continue  # which record goes with which file is not certain: left out
            html = gzip.decompress(_git(repo, "show", f"HEAD:{path}"))
            if len(html) > MAX_BYTES:
                continue
            expected = expected_all[versions[files.index(file_name)]]
            if shown_share(html, _fundus_text(expected)) < VISIBLE_SHARE:
                continue
            candidates.append((len(html), publisher, file_name, html, expected))
        chosen, publishers = [], set()
        for candidate in sorted(candidates, key=lambda c: c[:3]):
            if candidate[1] not in publishers:
                chosen.append(candidate)
                publishers.add(candidate[1])
        for size, publisher, file_name, html, expected in chosen[:1 + (FUNDUS_EXTRA if country in ("de", "uk", "us")
                                                                       else 0)]:
            paragraphs = _fundus_text(expected)
            if not paragraphs:
                continue
            name = f"{country}-{file_name.removesuffix('.html.gz')}"
            _write(PAGES / "fundus" / name, html, paragraphs, {
                "title": expected.get("title"), "byline": ", ".join(expected.get("authors") or []) or None,
                "url": infos[file_name]["url"], "country": country,
                "origin": f"https://github.com/flairNLP/fundus/tree/{commit}/{FUNDUS_DATA}/{country}/{file_name}",
                "expected_from": f"{publisher}.json: body summary, section headlines and paragraphs, in order",
                "license": "fundus: MIT; the page itself belongs to its publisher, kept only to measure"})
            made.append(name)
    return made


def build(readability: Path, fundus: Path) -> None:
    keys = [f"readability/{n}" for n in build_readability(readability)] + \
           [f"fundus/{n}" for n in build_fundus(fundus)]
    split = {"rule": "held out when int(sha1('<source>/<name>'), 16) % 3 == 0",
             "tuning": sorted(k for k in keys if not held_out(k)), "held_out": sorted(k for k in keys if held_out(k))}
    (PAGES / "split.json").write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    print(f"{len(keys)} pages: {len(split['tuning'])} tuning, {len(split['held_out'])} held out; "
          f"readability {_head(readability)[:12]}, fundus {_head(fundus)[:12]}")


if __name__ == "__main__":
    main()
