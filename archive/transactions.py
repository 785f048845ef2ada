"""The archive connection's transactions: one per write, or a crawl's writes grouped in one.

A commit makes SQLite write the WAL and the full-text index (FTS5) write out its pending terms;
two to three commits per page were the largest cost of a crawl's writes (bench/crawl.py
--profile, bench/archive_writes.py). A crawl therefore groups its writes (`group`): each write is
a savepoint in one transaction, undone alone if it fails, and the transaction is committed once
its first write is `window` seconds old (`commit_if_due`, after each write and from a timer) and
at the end (`flush`). A `kill -9` loses at most the open window, whole writes only: the file is
never half-written, and what was lost is fetched again by the next crawl.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time

from archive.search import FTS_COLUMNS, index_row, unindex_row


class Transactions:
    """The transactions of one connection (Archive.transaction, Archive.group_commits)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.window: float | None = None  # seconds a grouped transaction stays open (None: one per write)
        self.opened = 0.0                 # time.monotonic() of the grouped transaction's BEGIN
        self.grouping = False             # a grouped transaction is open (begun here)
        self.depth = 0                    # write blocks open, nested
        self.unindexed: list[tuple[bool, int, dict]] = []  # grouped: (add?, rowid, fields), indexed at commit

    def write(self) -> "_Write":
        return _Write(self)

    def group(self, window: float) -> None:
        """Commit what is grouped, then group the writes that follow for `window` seconds (0: stop).

        While grouping, SQLite's temporary files live in memory: each savepoint journals the pages
        its write changes that the open transaction already holds (25–36 KB an article page, written to a
        temporary file otherwise; bench/write_costs.py: ~0.03 ms of CPU per page); the journal is
        emptied at every RELEASE, so it holds one write's pages at most.
        """
        self.flush()
        self.window = window if window > 0 else None
        self.conn.execute(f"PRAGMA temp_store = {'MEMORY' if self.window else 'DEFAULT'}")

    def commit_if_due(self) -> None:
        if self.grouping and (self.window is None or time.monotonic() - self.opened >= self.window):
            self.flush()

    def flush(self) -> None:
        """Commit the grouped writes now (between writes only: never half of one)."""
        if not self.grouping or self.depth:
            return
        try:
            if self.conn.in_transaction:
                self._index_grouped()
                self.conn.execute("COMMIT")
        except sqlite3.Error:  # a full disk: the window is lost, what was committed before stays
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self.ended()

    def ended(self) -> None:
        self.grouping = False
        self.unindexed.clear()

    def index(self, add: bool, rowid: int, row: dict) -> None:
        """Add an article's fields to the full-text index (or remove them: `add` False).

        While writes are grouped this waits for the commit: FTS5 writes its pending terms out at
        every savepoint, which cost as much as the commits that grouping saves.
        """
        if not self.grouping:
            (index_row if add else unindex_row)(self.conn, rowid, row)
        else:
            self.unindexed.append((add, rowid, {column: row.get(column) for column in FTS_COLUMNS}))

    def _index_grouped(self) -> None:
        for add, rowid, fields in self.unindexed:
            (index_row if add else unindex_row)(self.conn, rowid, fields)
        self.unindexed.clear()


class _Write:
    """BEGIN IMMEDIATE … COMMIT, nesting-safe: an inner block joins the outer transaction.

    While writes are grouped, the outermost block is a savepoint inside the open (grouped)
    transaction: a block that fails is undone alone, and the transaction is committed when due.
    """

    def __init__(self, transactions: Transactions):
        self.tx = transactions
        self.conn = transactions.conn
        self.owner = False
        self.indexed = 0  # grouped: index entries before this block (dropped with it if it fails)

    def __enter__(self) -> sqlite3.Connection:
        tx = self.tx
        if tx.depth == 0:
            if not self.conn.in_transaction:
                self.conn.execute("BEGIN IMMEDIATE")
                tx.opened = time.monotonic()
                tx.grouping = tx.window is not None
                self.owner = not tx.grouping
            if tx.grouping:
                self.conn.execute("SAVEPOINT soyte_write")
                self.indexed = len(tx.unindexed)
        tx.depth += 1
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        tx = self.tx
        tx.depth -= 1
        if tx.depth:
            return  # an inner block
        if not self.conn.in_transaction:  # SQLite rolled the transaction back itself (a full disk)
            tx.ended()
            return
        if not tx.grouping:
            if self.owner:
                self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            return
        if exc_type:
            self.conn.execute("ROLLBACK TO soyte_write")
            del tx.unindexed[self.indexed:]
        self.conn.execute("RELEASE soyte_write")
        if exc_type is not None and issubclass(exc_type, sqlite3.Error):
            # The archive refused a write (a full disk): keep the whole writes grouped before it
            # while the space the refused one took in the WAL can still hold them.
            with contextlib.suppress(sqlite3.Error):
                tx.flush()
            return
        tx.commit_if_due()
