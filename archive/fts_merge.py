"""The full-text index's merge work in bounded steps, for `soyte merge` (archive.merge_progress).

FTS5 writes an index as segments (b-trees) on levels and merges them as it goes: after each flush
of its pending terms (every ~1 MB of terms, and at each commit) it does merge work in the same
transaction (`automerge`: levels of 4 or more segments, ~64 pages of work per 64 pages flushed per
level), and when a level reaches `crisismerge` (16) segments it merges that level whole, at once
(https://sqlite.org/fts5.html, "Special INSERT commands"). At 1,000,000 articles the top levels
hold segments of 80 MB and 1.3 GB (bench/million.py merge): work done inside a merge's batch lands
in that batch's transaction, so in its WAL (a batch that finished merging four 20 MB segments wrote
156 MB of WAL, against 76 MB at the median: docs/BENCHMARKS.md "`soyte merge` of two archives").

So while `soyte merge` writes, the index's own merging is held (`automerge` 0) and done between
batches in steps of STEP_PAGES pages (`'merge', STEP_PAGES`), each its own transaction followed
by a checkpoint, until the index has no level of `usermerge` (4) or more segments and no merge
under way: no transaction writes much more than one batch or one step (a step stops at the first
term past its pages: 33–49 MB of WAL at 1M). A crisis merge inside a batch can then only merge
segments that batch wrote (FTS5 writes one at each flush and at each savepoint). When
the merge ends, the index's settings are put back as they were: the crawl's transactions are a few
articles each, whose automerge work is small, and a crawl must not depend on a merge's steps to
keep its index merged. A merge killed while they are held leaves them held in the file (FTS5
keeps its settings in the archive, `articles_fts_config`); the next soyte that opens the archive for
writing puts them back (release_held, from archive.schema.ensure_schema).
"""
from __future__ import annotations

import sqlite3

# Pages of merged output per step (pgsz 4050 bytes: ~16 MB, and about as much again freed from the
# segments it reads): below one batch of 5,000 articles with their pages (~67 MB of WAL at 1M).
STEP_PAGES = 4000
DEFAULT_AUTOMERGE = 4  # FTS5's default
_STRUCTURE_ROWID = 10  # FTS5's structure record in <table>_data


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at`: (value, the offset after it)."""
    value = 0
    for k in range(8):
        byte = data[at + k]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + k + 1
    return (value << 8) | data[at + 8], at + 9


def levels(conn: sqlite3.Connection, table: str) -> list[dict]:
    """The index's segments per level, read from its structure record (FTS5's format of SQLite
    3.40–3.44: cookie, levels, segments, write counter, then per level the segments being merged
    and each segment's id and first and last leaf page): [{"merging": n, "ids": [segment id, …],
    "pages": [its leaf pages, …]}, …].
    What search reads (each query word is looked up in every segment) and what a merge would write."""
    row = conn.execute(f"SELECT block FROM {table}_data WHERE id = ?", (_STRUCTURE_ROWID,)).fetchone()
    if row is None:
        return []
    data, at = row[0], 4
    count, at = _varint(data, at)
    _segments, at = _varint(data, at)
    _writes, at = _varint(data, at)
    found = []
    for _ in range(count):
        merging, at = _varint(data, at)
        segments, at = _varint(data, at)
        ids, pages = [], []
        for _ in range(segments):
            segment, at = _varint(data, at)
            first, at = _varint(data, at)
            last, at = _varint(data, at)
            ids.append(segment)
            pages.append(last - first + 1)
        found.append({"merging": merging, "ids": ids, "pages": pages})
    return found


def setting(conn: sqlite3.Connection, table: str, name: str) -> int | None:
    """An FTS5 setting stored in the archive (None: never set, FTS5's default applies)."""
    row = conn.execute(f"SELECT v FROM {table}_config WHERE k = ?", (name,)).fetchone()
    return None if row is None else int(row[0])


def configure(conn: sqlite3.Connection, table: str, name: str, value: int) -> None:
    conn.execute(f"INSERT INTO {table}({table}, rank) VALUES (?, ?)", (name, value))


def hold(conn: sqlite3.Connection, table: str) -> None:
    """Stop the index's merging inside transactions (`automerge` 0): merge_step does it between them."""
    configure(conn, table, "automerge", 0)


def release(conn: sqlite3.Connection, table: str, automerge: int | None) -> None:
    """Put `automerge` back as it was before hold (FTS5's default when it was never set)."""
    configure(conn, table, "automerge", DEFAULT_AUTOMERGE if automerge in (None, 0) else automerge)


def merge_step(conn: sqlite3.Connection, table: str, pages: int = STEP_PAGES) -> bool:
    """One step of the index's merge work, about `pages` pages written, in the caller's transaction;
    whether there was work to do (FTS5's own test: the command changes two rows or more when it merged,
    https://sqlite.org/fts5.html "The 'merge' Command")."""
    before = conn.total_changes
    conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('merge', ?)", (pages,))
    return conn.total_changes - before >= 2


def release_held(conn: sqlite3.Connection, table: str = "articles_fts") -> None:
    """Put back the merging a killed `soyte merge` left held (`automerge` 0 in the archive: soyte sets
    it only while a merge writes), so that a crawl's writes merge the index as they go; run by
    archive.schema.ensure_schema when a writer opens the archive (no write when nothing is held)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (f"{table}_config",)).fetchone()
    if exists and setting(conn, table, "automerge") == 0:
        release(conn, table, None)
