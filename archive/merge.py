"""Several crawl nodes, one archive: `soyte merge A.db B.db … --into archive.db`.

Each scrapyd node (or machine) writes its own SQLite file: WAL must not live on a network
filesystem. Merging brings their work together without loss:
- pages by URL and body (SHA-256), the earliest capture time kept, re-compressed for the target;
- articles by canonical URL with every version in time order: the contents both files hold for an
  URL are put in the order they were first seen, the newest is the article, the others its
  versions (a content both hold is one version, first seen at the earlier time);
- crawl runs with their portal rows and failures, each marked with the node (the source archive's
  id and file name) and its run number there, so a run is never merged twice; a run still
  `running` in its file (a crawl is writing it) is left for a later merge, which takes it finished;
- attached documents by SHA-256 (their bytes once), their captures by URL and SHA-256 (versions
  renumbered in time order per URL), their links by article and URL, runs remapped as above, and
  their search index updated row by row (archive.merge_documents);
- the articles' search index kept row by row as each article is written.
Every input is checked before anything is written: an unreadable input, one of a newer schema,
the target itself under another name, or a target that is another program's database is refused
and the target is left as it was (MergeLocked, a MergeRefused, when another program holds the
target's SQLite write lock). Inputs are never written: each is read in one snapshot, an older
schema as this version's (archive.schema.read_as_current). Merging a file twice changes nothing.

The merge is written in bounded transactions (archive.merge_progress.Batches): a commit every
BATCH pages or articles, the WAL checkpointed after each, so the WAL stays about one batch's size
instead of growing to the whole merge (twice the disk), and the place reached in each input is
recorded in the target (`merge_progress`): a killed merge, run again, goes on from its last
commit. A merge smaller than one batch is still one transaction, left as it was by a failure; a
larger one stopped by a failure keeps its committed batches and says so. The articles' search index
does its own merge work between the batches, in steps as bounded (archive.fts_merge): inside a batch
it finished whole merges of its segments at a million articles (a batch of 156 MB of WAL, 76 MB at the
median), and a reader keeping an older snapshot open is waited for 2 s, then warned of.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.merge_documents import merge_documents
from archive.merge_images import merge_images
from archive.merge_progress import BATCH, Batches
from archive.schema import FIRST_TABLES, SCHEMA_VERSION, schema_version
from archive.search import index_row, unindex_row
from archive.compression import DamagedPage
from archive.store import Archive, content_hash, is_busy, row_to_record
from archive.stories import index_article
from scraper.model import RECORD_KEYS


class MergeRefused(ValueError):
    """An input that is not a readable soyte archive: nothing was written."""


class MergeLocked(MergeRefused):
    """Another program held the target's SQLite write lock past the wait: nothing was written."""


def _refused(into: Path, error: sqlite3.Error | DamagedPage, during: str | None = "",
             committed: int = 0) -> MergeRefused:
    """The refusal of a merge SQLite stopped; `during` None: the target could not be opened;
    `committed`: batches of a large merge already committed, which stay (the same merge, run again,
    goes on from them)."""
    if committed and during is not None:
        return MergeRefused(f"{into}: the merge stopped{during} ({error}); the {committed} batches committed before "
                            "it stay: run the same merge again to finish it")
    if is_busy(error):
        return MergeLocked(f"{into}: another program is writing to it (SQLite reports the database locked; it is "
                           "not a soyte crawl); wait for it to finish; nothing was merged")
    if during is None:
        return MergeRefused(f"{into}: cannot be opened for writing ({error}); nothing was merged")
    return MergeRefused(f"{into}: the merge stopped{during} ({error}); nothing was merged")


@dataclass
class MergeCounts:
    pages: int = 0
    articles_new: int = 0
    articles_changed: int = 0
    versions: int = 0
    runs: int = 0
    failures: int = 0
    documents: int = 0          # documents new to the target (distinct SHA-256)
    document_captures: int = 0
    document_links: int = 0
    sources: list[str] = field(default_factory=list)
    runs_running: int = 0       # runs left out: still running in their file (a crawl is writing them)
    running_in: list[str] = field(default_factory=list)


def node_id(archive: Archive, name: str) -> str:
    """An id for the archive a run comes from, the same at every merge: its first crawl run's start,
    process and portals (a node's archive keeps its first run), else its file name."""
    first = archive.conn.execute("SELECT started_at, pid, portals FROM crawl_runs ORDER BY id LIMIT 1").fetchone()
    seed = json.dumps(first) if first else name
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()[:16]


def _inspect(path: Path) -> tuple[set[str], int, Archive]:
    """The file's tables and schema version, and the file opened read-only (the caller closes it);
    MergeRefused when SQLite cannot read it."""
    try:
        archive = Archive(path, readonly=True)
    except sqlite3.Error as error:
        raise MergeRefused(f"{path}: not a readable archive ({error}); nothing was merged") from None
    try:
        tables = {row[0] for row in archive.conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        return tables, schema_version(archive.conn), archive
    except sqlite3.Error as error:
        archive.close()
        raise MergeRefused(f"{path}: not a readable archive ({error}); nothing was merged") from None


def check_source(path: Path) -> None:
    """Refuse (MergeRefused) a file that is not a readable soyte archive of a schema this soyte reads.

    An older schema is read as this version's; a newer one may hold what this soyte would leave
    out, so it is merged by that soyte or after updating this one.
    """
    if not path.is_file():
        raise MergeRefused(f"{path}: no such archive file")
    tables, version, archive = _inspect(path)
    try:
        missing = [name for name in FIRST_TABLES if name not in tables]
        if missing:
            raise MergeRefused(f"{path}: not a soyte archive (no {', '.join(missing)} table)")
        if version > SCHEMA_VERSION:
            raise MergeRefused(f"{path}: its schema is version {version}, newer than this soyte reads (version "
                               f"{SCHEMA_VERSION}), and merging it would leave out what the newer soyte keeps: merge "
                               "it with that soyte, or update this one (in its checkout: git pull && pip install -e .); "
                               "nothing was merged")
        verdict = archive.conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as error:
        raise MergeRefused(f"{path}: not a readable archive ({error}); nothing was merged") from None
    finally:
        archive.close()
    if verdict != "ok":
        raise MergeRefused(f"{path}: the file is damaged ({verdict}); nothing was merged")


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same device and inode, so a hard link, a symlink or
    another spelling of the path is caught as well as the same name."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist
        return False


def check_target(into: Path, sources: list[Path]) -> None:
    """Refuse (MergeRefused) a target that is one of the inputs, or a database of another program:
    it may be new, empty, or a soyte archive (soyte's tables are never added to anything else).

    A soyte archive here holds every one of FIRST_TABLES, as an input must (the same message for either
    rule's refusal). A crawl's check, archive.store.archive_file_problem, is looser on purpose: see there."""
    for source in sources:
        if same_file(source, into):
            raise MergeRefused(f"{source} and {into} are the same file: cannot merge an archive into itself; "
                               "nothing was merged")
    if not into.exists() or (into.is_file() and into.stat().st_size == 0):
        return
    tables, _version, archive = _inspect(into)
    archive.close()
    if tables and any(name not in tables for name in FIRST_TABLES):
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise MergeRefused(f"{into} is not a soyte archive and not empty (tables {shown}): merge into a new file "
                           "or a soyte archive; nothing was merged")


def merge(sources: list[Path], into: Path, batch: int = BATCH) -> MergeCounts:
    """Merge every source archive into `into` (created if missing), committing every `batch` pages
    or articles; see the module's docstring."""
    for source in sources:
        check_source(source)
    check_target(into, sources)
    counts = MergeCounts()
    try:
        target = Archive(into)
    except sqlite3.Error as error:
        raise _refused(into, error, None) from None
    reading = None
    batches = Batches(target, batch)
    try:
        with batches:
            for reading in sources:
                _merge_one(Archive(reading, readonly=True), reading, target, counts, batches)
                counts.sources.append(str(reading))
            reading = None
    except (sqlite3.Error, DamagedPage) as error:  # the open batch is rolled back
        raise _refused(into, error, f" while merging {reading}" if reading else "", batches.committed) from None
    finally:
        target.close()
    return counts


def _merge_one(source: Archive, path: Path, target: Archive, counts: MergeCounts, batches: Batches) -> None:
    try:
        # One snapshot of the source: a crawl writing it meanwhile is seen before or after each of
        # its writes, never half through the merge (its run is then `running` and left for later).
        source.conn.execute("BEGIN")
        node = node_id(source, path.name)
        batches.source(node)
        skipped = counts.runs_running
        runs = _merge_runs(source, target, node, path.name, counts)
        if counts.runs_running > skipped:
            counts.running_in.append(str(path))
        pages = _merge_pages(source, target, runs, counts, batches)
        _merge_failures(source, target, runs, pages, node, counts)
        _merge_articles(source, target, pages, counts, batches)
        merge_documents(source, target, runs, counts)  # after the articles: a link's text follows its record
        merge_images(source, target, runs)  # the articles' images (archive.merge_images)
        batches.source_done()
    finally:
        source.close()


def _merge_runs(source: Archive, target: Archive, node: str, name: str, counts: MergeCounts) -> dict[int, int]:
    """Copy the source's crawl runs (and their portal rows) not merged before; old id -> new id."""
    mapping: dict[int, int] = {}
    columns = [d[0] for d in source.conn.execute("SELECT * FROM crawl_runs LIMIT 0").description]
    for values in source.conn.execute("SELECT * FROM crawl_runs ORDER BY id").fetchall():
        run = dict(zip(columns, values))
        if run["status"] == "running":  # a crawl is writing it: a later merge takes it finished
            counts.runs_running += 1
            continue
        origin, origin_id = run.get("node") or node, run.get("node_run_id") or run["id"]
        found = target.conn.execute("SELECT id FROM crawl_runs WHERE node = ? AND node_run_id = ?",
                                    (origin, origin_id)).fetchone()
        if found:
            mapping[run["id"]] = found[0]
            continue
        old_id = run.pop("id")
        run.update(node=origin, node_run_id=origin_id, node_name=run.get("node_name") or name)
        mapping[old_id] = target.db["crawl_runs"].insert(run).last_pk
        counts.runs += 1
        for row in source.db["portal_runs"].rows_where("run_id = ?", [old_id]):
            target.db["portal_runs"].insert({**row, "run_id": mapping[old_id]}, replace=True)
    return mapping


class PageIds:
    """Source page id -> target page id: the pages merged in this run, and those a killed merge
    committed before (found in the target by URL and SHA-256, as store_page keys them)."""

    def __init__(self, source: Archive, target: Archive) -> None:
        self.source, self.target, self.merged = source, target, {}

    def __setitem__(self, page_id: int, new_id: int) -> None:
        self.merged[page_id] = new_id

    def get(self, page_id: int | None) -> int | None:
        if page_id is None:
            return None
        if page_id not in self.merged:
            found = self.source.conn.execute("SELECT url, sha256 FROM pages WHERE id = ?", (page_id,)).fetchone()
            same = found and self.target.conn.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ?",
                                                      found).fetchone()
            return same[0] if same else None
        return self.merged[page_id]


def _merge_pages(source: Archive, target: Archive, runs: dict[int, int], counts: MergeCounts,
                 batches: Batches) -> dict[int, int]:
    """Every stored page, by URL and body, in batches; source page id -> target page id (the pages a
    resumed merge committed before are looked up in the target by URL and SHA-256)."""
    mapping = PageIds(source, target)
    for page_id, url, kind, status, headers, fetched_at, last_fetched_at, run_id in batches.rows(
            source.conn, "pages", "SELECT id, url, kind, status, headers, fetched_at, last_fetched_at, run_id "
            "FROM pages WHERE id > ? ORDER BY id", 0):
        _url, body, _type = source.page_body(page_id)
        # No run given: a merge moves no run's counts (they come over with the runs themselves).
        new_id, new = target.store_page(url, status, json.loads(headers or "{}"), body, None, kind, fetched_at)
        target.conn.execute("UPDATE pages SET last_fetched_at = max(last_fetched_at, ?), run_id = coalesce(run_id, ?) "
                            "WHERE id = ?", (last_fetched_at or fetched_at, runs.get(run_id), new_id))
        mapping[page_id] = new_id
        counts.pages += new
    return mapping


def _merge_failures(source: Archive, target: Archive, runs: dict[int, int], pages: dict[int, int], node: str,
                    counts: MergeCounts) -> None:
    for row in source.db["failures"].rows_where(order_by="id"):
        if row["run_id"] is not None and row["run_id"] not in runs:
            continue
        run_id = runs.get(row["run_id"]) if row["run_id"] is not None else None
        exists = target.conn.execute(
            "SELECT 1 FROM failures WHERE url = ? AND kind = ? AND at = ? AND reason = ? AND run_id IS ?",
            (row["url"], row["kind"], row["at"], row["reason"], run_id)).fetchone()
        if exists:
            continue
        row.pop("id")
        target.db["failures"].insert({**row, "run_id": run_id, "page_id": pages.get(row["page_id"])})
        counts.failures += 1


@dataclass
class _Content:
    """One content an article had, and when: what a version is."""

    digest: str
    record: dict
    extractor: str | None
    first_seen: str
    row: dict | None = None   # the articles row, for the content that is current in its archive


def _contents(archive: Archive, url: str) -> list[_Content]:
    found = []
    for version in archive.db["article_versions"].rows_where("url = ?", [url], order_by="id"):
        found.append(_Content(version["content_hash"], json.loads(version["record"]), version["extractor"],
                              version["first_seen"]))
    current = archive.conn.execute("SELECT * FROM articles WHERE url = ?", (url,))
    columns = [d[0] for d in current.description]
    row = current.fetchone()
    if row:
        row = dict(zip(columns, row))
        found.append(_Content(row["content_hash"], row_to_record(row), row["extractor"], row["updated_at"], row))
    return found


def _merge_articles(source: Archive, target: Archive, pages: "PageIds", counts: MergeCounts,
                    batches: Batches) -> None:
    for (url,) in batches.rows(source.conn, "articles", "SELECT url FROM articles WHERE url > ? ORDER BY url", ""):
        mine, theirs = _contents(target, url), _contents(source, url)
        if theirs and theirs[-1].row and theirs[-1].row.get("page_id") is not None:
            theirs[-1].row["page_id"] = pages.get(theirs[-1].row["page_id"])
        history: dict[str, _Content] = {}
        for content in sorted(mine + theirs, key=lambda c: c.first_seen):
            kept = history.setdefault(content.digest, content)
            if kept is not content and content.row and not kept.row:
                kept.row = content.row
        ordered = list(history.values())  # each content at its earliest sighting, already in time order
        if [c.digest for c in mine] == [c.digest for c in ordered]:  # nothing new: the same history
            _widen_seen(target, url, theirs)
            continue
        counts.articles_new += not mine
        counts.articles_changed += bool(mine)
        _write_history(target, url, ordered, mine, theirs)
        counts.versions += len(ordered) - 1


def _widen_seen(target: Archive, url: str, theirs: list[_Content]) -> None:
    """Same history: only the first and last times the article was seen may widen."""
    row = theirs[-1].row if theirs else None
    if row:
        target.conn.execute("UPDATE articles SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) "
                            "WHERE url = ?", (row["first_seen"], row["last_seen"], url))


def _write_history(target: Archive, url: str, ordered: list[_Content], mine: list[_Content],
                   theirs: list[_Content]) -> None:
    newest = ordered[-1]
    base = newest.row or (mine[-1].row if mine else theirs[-1].row) or {}
    rows = [c.row for c in mine + theirs if c.row]
    row = {key: base.get(key) for key in base if key != "rowid"}
    record = newest.record
    row.update({key: record.get(key) for key in RECORD_KEYS})
    row["images"] = json.dumps(record.get("images") or [], ensure_ascii=False)
    row["attachments"] = json.dumps(record.get("attachments") or [], ensure_ascii=False)
    row.update(content_hash=content_hash(record), extractor=newest.extractor, updated_at=newest.first_seen,
               first_seen=min(r["first_seen"] for r in rows), last_seen=max(r["last_seen"] for r in rows))
    target.conn.execute("DELETE FROM article_versions WHERE url = ?", (url,))
    for earlier, later in zip(ordered, ordered[1:]):
        target.db["article_versions"].insert({
            "url": url, "content_hash": earlier.digest, "record": json.dumps(earlier.record, ensure_ascii=False),
            "extractor": earlier.extractor, "first_seen": earlier.first_seen, "replaced_at": later.first_seen})
    old = target.conn.execute("SELECT rowid, title, sapo, text FROM articles WHERE url = ?", (url,)).fetchone()
    if old:  # the search index follows the row (no rebuild of the whole index at the end)
        unindex_row(target.conn, old[0], dict(zip(("title", "sapo", "text"), old[1:])))
    target.db["articles"].upsert(row, pk="url")
    rowid = target.conn.execute("SELECT rowid FROM articles WHERE url = ?", (url,)).fetchone()[0]
    index_row(target.conn, rowid, row)
    index_article(target.conn, url, "updated")  # its story in the target: copies across the inputs grouped
