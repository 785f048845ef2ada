"""The count of a search, counted once per state of the archive and kept in the serving process.

`articles.json?_search=y+te` at 1,000,000 articles: the page's rows and its exact count each build
the set of the ~1,000,000 matches from the full-text index (0.56 s the page quiet, 0.7–1.7 s with
a crawl or a merge beside it). A reader paging through the results asks the same count again on
every next page, and every reader of a shared link asks it too. So the count of a searched table
page is kept here, keyed by its SQL, its parameters and the archive's state, in a bounded LRU.

Why the cached count is still exact: the key holds a fingerprint that changes with every committed
transaction (`state`), read *before* the count is run, so a count is only ever given back for the
same committed state it was counted in (a commit while counting files the newer count under the
older state, never asked again). The fingerprint is the file's size and modification time, the
header's file change counter (bumped by each transaction in rollback-journal mode) and, in WAL mode,
the wal-index header at the start of the `-shm` file (its change counter, last valid frame and salts:
https://www.sqlite.org/walformat.html), which every commit rewrites. Nothing is stored in the archive.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

SIZE = 256  # searches kept per served process: each entry is a few hundred bytes
WAL_INDEX_HEADER = 48  # bytes of the -shm file's first copy of the wal-index header
CHANGE_COUNTER = slice(24, 28)  # the database header's file change counter

_counts: OrderedDict[tuple, int] = OrderedDict()


def _head(path: str, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:  # no -shm (immutable, rollback journal): the main file says it
        return b""


def state(path: str | Path) -> tuple:
    """What changes with every transaction committed to the archive at `path`."""
    path = str(path)
    try:
        stat = os.stat(path)
    except OSError:
        return ("missing",)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, _head(path, 28)[CHANGE_COUNTER],
            _head(f"{path}-shm", WAL_INDEX_HEADER))


def key(path: str, sql: str, params: dict | None, fingerprint: tuple) -> tuple:
    """The cache's key: the archive's file, the count's SQL and parameters, the archive's state (state())."""
    return (path, sql, tuple(sorted((str(name), repr(value)) for name, value in (params or {}).items())),
            fingerprint)


def remembered(entry: tuple) -> int | None:
    """The count kept for `entry` (key()), freshened as the most recently used; None if none is kept."""
    count = _counts.get(entry)
    if count is not None:
        _counts.move_to_end(entry)
    return count


def remember(entry: tuple, count: int) -> None:
    """Keep `count` for `entry`, forgetting the least recently used past SIZE."""
    _counts[entry] = count
    _counts.move_to_end(entry)
    while len(_counts) > SIZE:
        _counts.popitem(last=False)


def forget_all() -> None:
    """Empty the cache (tests; a served process never needs to: stale keys are never asked again)."""
    _counts.clear()
