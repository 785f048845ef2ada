"""How many rows each big table holds, kept by triggers as rows are stored: what Datasette shows.

Datasette counts a table's page with `select count(*) from pages`: one SQLite instruction that reads
the table's smallest index whole and that its time limit cannot interrupt. At 1,000,000 pages that
is 0.12 s warm and 7–22 s on a cold page cache (docs/BENCHMARKS.md, "At 1,000,000 articles"), on
every view of the table's first page and of each next page. So the tables that grow with the
archive have their row count kept in sqlite-utils' `_counts` table by sqlite-utils' own triggers
(`Table.enable_counts`: one insert adds one, one delete takes one away), and Datasette reads that
one row (archive/datasette/table_counts.py). The count is exact: every path that writes these
tables (the crawl, `soyte merge`, `soyte reextract`, a person's SQL) goes through the triggers, and
none writes them with INSERT OR REPLACE (whose implicit delete fires no trigger). An archive made
before is counted once, when it is first opened for writing (one count(*) per table); a reader of
such an archive gets Datasette's own count, as before.

The articles are counted by archive.summaries' `article_counts` (their sum), kept the same way.
"""
from __future__ import annotations

import logging
import time

import sqlite_utils

COUNTS = "_counts"  # sqlite-utils' name (Database._counts_table_name)
# Tables that grow with the archive and that Datasette pages through (articles: archive.summaries).
COUNTED = ("pages", "article_versions", "failures", "documents", "document_captures", "document_links",
           "images", "image_captures", "stories", "story_members")

logger = logging.getLogger(__name__)


def triggers(table: str) -> tuple[str, str]:
    """The names sqlite-utils gives a table's counting triggers (insert, delete)."""
    return f"{table}{COUNTS}_insert", f"{table}{COUNTS}_delete"


def ensure_row_counts(db: sqlite_utils.Database) -> None:
    """Keep COUNTED's row counts (sqlite-utils' counts triggers), counting a table once if its triggers
    are missing (a new archive: nothing to count; an older one: one count(*) per table)."""
    present = {name for (name,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'trigger'")}
    started = time.perf_counter()
    for table in COUNTED:
        if db[table].exists() and not set(triggers(table)) <= present:
            for trigger in triggers(table):  # one of the two missing: the count may have drifted
                db.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
            db[table].enable_counts()  # the triggers, and the table counted once
    seconds = time.perf_counter() - started
    if seconds > 1:
        logger.info("row counts of the archive's tables made in %.1f s, once for this archive", seconds)


def kept_count_sql(table: str, otherwise: str) -> str:
    """The table's row count from `_counts` while both its triggers are there, else by the query
    `otherwise` (the same answer, slower; run only then). Fails (no such table) on an archive without
    `_counts`: the caller counts."""
    insert, delete = triggers(table)
    return (f"select case when (select count(*) from main.sqlite_master where type = 'trigger' and name in "
            f"('{insert}', '{delete}')) = 2 then coalesce((select count from [{COUNTS}] where [table] = '{table}'), 0) "
            f"else ({otherwise}) end")
