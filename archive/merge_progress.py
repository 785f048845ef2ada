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
"""
from __future__ import annotations

import sqlite3
from typing import Any, Iterator

from archive.store import Archive

BATCH = 5000  # rows per commit: ~50 MB of WAL with the demo pages (bench/million.py merge)
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

    def __enter__(self) -> "Batches":
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(CREATE)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.conn.in_transaction:
            return
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        if exc_type is None and self.committed:
            self.checkpoint()

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
        self.conn.execute("BEGIN IMMEDIATE")

    def checkpoint(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
