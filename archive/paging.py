"""The indexes that let Datasette page through a big table, newest first, one page at a time.

Datasette 0.65 sorts a table by its metadata's `sort_desc` column and asks for the next page with
a keyset clause over that column and the primary key:

    where (published < :p1 or published is null or (published = :p1 and url > :p0))
    order by published desc, url limit 51

With an index on the column alone SQLite answers the three ORs by three index searches and sorts
every older article to keep 51 (0.7 s a page at 100,000 articles; at 462,000 refused by the time limit).
With an index on (column, key DESC), read backwards, the index itself is in the page's order
(column newest first, ties by key ascending): SQLite walks it from the newest and stops at the
51st row that passes the clause, never sorting (docs/BENCHMARKS.md, "A million articles"): 0.1-0.2 s
for a page far down at 462,000 articles, where it skips the newer entries. The first page (no
tie-breaker in Datasette's query) reads the same index, its ties in the key order the next page
continues from. SQLite 3.40 takes this plan for pages of 7 rows or more (`_size` 1-6: the three
searches and a sort). `_sort=<column>` (oldest first) reads the index forwards, its ties in
descending key order, which the next page does not continue from (Datasette's own walk had that
fault whatever the index): archive/datasette/ties.py gives the first page's ORDER BY the key too,
which SQLite answers by sorting one tie at a time as it walks.
Tables whose key is the rowid and that are sorted by it (pages, failures, the captures) need none:
the rowid is their order.

A change of a table's `sort_desc` in archive/datasette/metadata.py needs its line here:
tests/test_paging.py checks that each table Datasette sorts by a column other than its key has one.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.db import DescIndex

# (table, the column Datasette sorts it by, newest first; its primary key)
PAGED = [
    ("articles", "published", "url"),
    ("article_versions", "replaced_at", "id"),
    ("documents", "first_seen", "sha256"),
    ("images", "first_seen", "sha256"),
]


def paging_index(column: str, key: str) -> list:
    """The index columns of a table paged by `column` descending, its ties by `key` ascending."""
    return [column, DescIndex(key)]


def ensure_paging_indexes(db: sqlite_utils.Database) -> None:
    """Create the paging indexes that are missing (once per archive: ~2.3 s at 462,000 articles)."""
    for table, column, key in PAGED:
        if db[table].exists():
            db[table].create_index(paging_index(column, key), if_not_exists=True)
