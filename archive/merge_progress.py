"""`soyte merge` in bounded transactions, and where a killed merge goes on from.

A merge of two 500,000-article archives written as one transaction grew the WAL to the size of
the whole merge (twice the disk) and lost everything to a kill near its end. Here the merge
commits every BATCH rows (pages, articles) and checkpoints the WAL after each commit (TRUNCATE:
the file shrinks back, unless a reader holds an older snapshot), and records in the target's
`merge_progress` table the last row of each input and table it committed. The same merge run
again skips those rows; every step of a merge is idempotent (merging a file twice changes
nothing), so the record only saves time, and a row merged twice is merged once. An input's
record is removed when it is merged to its end: the next merge of it starts from the beginning
(and changes only what changed).

The articles' full-text index does its own merge work between batches, in bounded steps
(archive.fts_merge): at a million articles its merging inside a batch could write hundreds of MB
in one transaction. A checkpoint that cannot empty the WAL (a reader keeps an older snapshot open)
is logged with the WAL's size, each time the WAL has doubled since the last warning; past WAL_LIMIT
the merge waits for that reader to end.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any, Iterator

from archive import fts_merge
from archive.search import FTS_TABLE
from archive.store import Archive

logger = logging.getLogger(__name__)

BATCH = 5000  # rows per commit: ~50 MB of WAL with the demo pages (bench/million.py merge)
# Seconds a checkpoint waits for readers to reach the newest snapshot (a Datasette query ends within
# its time limit) before the merge goes on with the WAL not emptied.
CHECKPOINT_WAIT = 2.0
# The WAL's size past which the merge stops to wait for such a reader to end (saying so every
# READER_WAIT seconds) rather than grow it further: the WAL then never exceeds this and one batch.
WAL_LIMIT = 1_000_000_000
READER_WAIT = 60.0
CREATE = ("CREATE TABLE IF NOT EXISTS merge_progress (node TEXT NOT NULL, part TEXT NOT NULL, "
          "done TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (node, part))")


class Batches:
    """The target's transaction, committed every `size` rows; a context around the whole merge (the
    store's writes inside it join it: archive.transactions)."""

    def __init__(self, target: Archive, size: int = BATCH) -> None:
        self.target, self.conn, self.size = target, target.conn, max(1, size)
        self.rows_in_batch = 0
        self.committed = 0  # batches committed by this merge
        self.node: str | None = None
        self.index_steps = 0  # the index's merge steps done between batches (archive.fts_merge)
        self.warned_wal = 0   # the WAL's size at the last warning that a reader kept it from emptying
        self.reader_stays = False  # the last checkpoint could not empty the WAL
        self.automerge: int | None = None  # the index's setting before the merge held it

    def __enter__(self) -> "Batches":
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(CREATE)
        self.automerge = fts_merge.setting(self.conn, FTS_TABLE, "automerge")
        fts_merge.hold(self.conn, FTS_TABLE)  # committed with the first batch, released at the end
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.conn.in_transaction:
            return
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        if exc_type is None:
            self.merge_index()
            self.release()
        elif self.committed:  # the hold was committed with the first batch: the index merges as before
            try:
                self.release()
            except sqlite3.Error:  # the file's fault stopped the merge: the next writer releases it
                pass

    def source(self, node: str) -> None:
        """The input being merged (archive.merge.node_id): its progress is kept under this id."""
        self.node = node

    def source_done(self) -> None:
        self.conn.execute("DELETE FROM merge_progress WHERE node = ?", (self.node,))

    def resume_from(self, part: str, start: Any) -> Any:
        found = self.conn.execute("SELECT done, type FROM merge_progress WHERE node = ? AND part = ?",
                                  (self.node, part)).fetchone()
        if found is None:
            return start
        return int(found[0]) if found[1] == "int" else found[0]

    def rows(self, source: sqlite3.Connection, part: str, sql: str, start: Any) -> Iterator[tuple]:
        """The source's rows of `sql` (keyed by its first column, `WHERE key > ?` in key order) after
        those a killed merge committed; each row counts once the caller comes back for the next."""
        after = self.resume_from(part, start)
        while True:
            chunk = source.execute(f"{sql} LIMIT {self.size}", (after,)).fetchall()
            if not chunk:
                return
            for row in chunk:
                yield row
                after = row[0]
                self.row_done(part, after)

    def row_done(self, part: str, key: Any) -> None:
        self.rows_in_batch += 1
        if self.rows_in_batch >= self.size:
            self.record(part, key)
            self.commit()

    def record(self, part: str, key: Any) -> None:
        self.conn.execute("INSERT INTO merge_progress (node, part, done, type) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (node, part) DO UPDATE SET done = excluded.done, type = excluded.type",
                          (self.node, part, str(key), "int" if isinstance(key, int) else "text"))

    def commit(self) -> None:
        """Commit the batch, let the WAL go back to the database file, begin the next batch."""
        self.conn.execute("COMMIT")
        self.committed += 1
        self.rows_in_batch = 0
        self.checkpoint()
        self.merge_index()
        self.conn.execute("BEGIN IMMEDIATE")

    def merge_index(self) -> None:
        """The index's merge work the batch made due, in steps of fts_merge.STEP_PAGES, each its own
        transaction and checkpoint, until none is left (no level of 4 segments, no merge under way)."""
        while True:
            self.conn.execute("BEGIN IMMEDIATE")
            worked = fts_merge.merge_step(self.conn, FTS_TABLE)
            self.conn.execute("COMMIT")
            if not worked:
                return
            self.index_steps += 1
            self.checkpoint()

    def release(self) -> None:
        """The index merges inside transactions again, as a crawl's writes need (archive.fts_merge)."""
        self.conn.execute("BEGIN IMMEDIATE")
        fts_merge.release(self.conn, FTS_TABLE, self.automerge)
        self.conn.execute("COMMIT")
        self.checkpoint()

    def checkpoint(self) -> None:
        """Empty the WAL into the database file; wait for readers on an older snapshot CHECKPOINT_WAIT
        seconds, not a write's 30 s, and not again until a checkpoint has emptied it: a reader that
        stays is warned of (blocked), not waited for at every batch and step, until the WAL passes
        WAL_LIMIT: then the merge waits for it to end."""
        busy = self.truncate(0 if self.reader_stays else CHECKPOINT_WAIT)
        if busy:
            self.blocked()
        while busy and self.wal_bytes() > WAL_LIMIT:
            logger.warning("%s: the WAL is %.1f MB, past the merge's limit of %d MB: waiting for the program "
                           "reading the archive from an older snapshot to end", self.target.path,
                           self.wal_bytes() / 1e6, WAL_LIMIT // 1_000_000)
            busy = self.truncate(READER_WAIT)
        self.reader_stays = bool(busy)

    def truncate(self, seconds: float) -> int:
        """PRAGMA wal_checkpoint(TRUNCATE), waiting up to `seconds` for readers; 1: it could not empty the WAL."""
        wait = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            return self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {wait}")

    def wal_bytes(self) -> int:
        wal = f"{self.target.path}-wal"
        return os.path.getsize(wal) if os.path.exists(wal) else 0

    def blocked(self) -> None:
        """Say so when a reader's older snapshot kept the checkpoint from emptying the WAL, which then
        grows with each batch until that reader ends (a query left open on the target, a Datasette
        page of a long query): at the first time, and each time the WAL has doubled since."""
        size = self.wal_bytes()
        if size >= 2 * self.warned_wal and size:
            self.warned_wal = size
            logger.warning("%s: the WAL is %.1f MB and could not be emptied after a batch: another program "
                           "reads the archive from an older snapshot (a query left open?); it grows with each "
                           "batch until that reader ends", self.target.path, size / 1e6)
