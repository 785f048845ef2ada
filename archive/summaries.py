"""Article counts kept up to date as articles are stored: what summaries read instead of every article.

`article_counts` holds one row per (portal, province, month, category) with its number of
articles. SQLite triggers on `articles` keep it: an insert adds one, a delete takes one away, an
update that moves an article to another portal, province, month or category moves its one.
Triggers rather than writes in archive.store because every path that writes `articles` (the
crawl's upsert, `soyte reextract`, `soyte merge`, a re-keyed article, a person's SQL) keeps the
counts right without knowing of them, and an older soyte writing to the file keeps them too.

The month is the first seven characters of `published` (its local time, +07:00, as the archive
stores it); a missing province, month or category is '' (a key column cannot be NULL and still
be unique), which the canned queries show as empty. An archive made before this table is
counted once, when it is first opened for writing (`ensure_summaries`: one pass over articles);
a reader of such an archive (read-only storage) gets a view counting articles instead.
"""
from __future__ import annotations

import logging
import sqlite3
import time

TABLE = "article_counts"
COLUMNS = ("portal", "province", "month", "category")
TRIGGERS = ("article_counts_insert", "article_counts_delete", "article_counts_update")

logger = logging.getLogger(__name__)

# The key of an articles row (NEW or OLD) as article_counts holds it.
KEY = ("{row}.portal", "coalesce({row}.province, '')", "coalesce(substr({row}.published, 1, 7), '')",
       "coalesce({row}.category, '')")


def _key(row: str) -> list[str]:
    return [part.format(row=row) for part in KEY]


def _add(row: str) -> str:
    values = ", ".join(_key(row))
    return (f"INSERT INTO {TABLE} (portal, province, month, category, articles) VALUES ({values}, 1) "
            f"ON CONFLICT (portal, province, month, category) DO UPDATE SET articles = articles + 1;")


def _take(row: str) -> str:
    where = " AND ".join(f"{column} = {value}" for column, value in zip(COLUMNS, _key(row)))
    return (f"UPDATE {TABLE} SET articles = articles - 1 WHERE {where}; "
            f"DELETE FROM {TABLE} WHERE {where} AND articles <= 0;")


def _moved() -> str:
    return " OR ".join(f"{old} IS NOT {new}" for old, new in zip(_key("OLD"), _key("NEW")))


CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (portal TEXT NOT NULL, province TEXT NOT NULL, "
                "month TEXT NOT NULL, category TEXT NOT NULL, articles INTEGER NOT NULL, "
                "PRIMARY KEY (portal, province, month, category)) WITHOUT ROWID")
CREATE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS article_counts_insert AFTER INSERT ON articles BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS article_counts_delete AFTER DELETE ON articles BEGIN {_take('OLD')} END",
    f"CREATE TRIGGER IF NOT EXISTS article_counts_update AFTER UPDATE OF portal, province, published, category "
    f"ON articles WHEN {_moved()} BEGIN {_take('OLD')} {_add('NEW')} END",
)
# What the counts are, from articles itself: the backfill, the read-only stand-in, the tests' check.
COUNTED = (f"SELECT {', '.join(_key('articles'))}, count(*) FROM articles "
           "GROUP BY 1, 2, 3, 4")


def _present(conn: sqlite3.Connection, kind: str, names: tuple[str, ...]) -> set[str]:
    marks = ",".join("?" * len(names))
    return {name for (name,) in conn.execute(
        f"SELECT name FROM main.sqlite_master WHERE type = ? AND name IN ({marks})", (kind, *names))}


def ensure_summaries(conn: sqlite3.Connection) -> None:
    """Create the counts and their triggers if missing, counting what the archive holds once (inside
    the caller's transaction, so the count and the triggers start together)."""
    if _present(conn, "table", (TABLE,)) and len(_present(conn, "trigger", TRIGGERS)) == len(TRIGGERS):
        return
    started = time.perf_counter()
    conn.execute(CREATE_TABLE)
    for trigger in TRIGGERS:  # a trigger missing means counts that may have drifted: counted again
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    recount(conn)
    for sql in CREATE_TRIGGERS:
        conn.execute(sql)
    seconds = time.perf_counter() - started
    if seconds > 1:
        logger.info("article counts per portal, province, month and category made in %.1f s, once for this "
                    "archive", seconds)


def recount(conn: sqlite3.Connection) -> None:
    """Count every article again (the backfill; `soyte merge` after copying articles without triggers)."""
    conn.execute(f"DELETE FROM {TABLE}")
    conn.execute(f"INSERT INTO {TABLE} (portal, province, month, category, articles) {COUNTED}")


def read_as_current(conn: sqlite3.Connection) -> bool:
    """For a reader that must not write (archive.schema.read_as_current): an archive without the
    counts gets a TEMP view counting its articles (slow on a big archive, but right)."""
    if _present(conn, "table", (TABLE,)):
        return False
    columns = ", ".join(COLUMNS)
    conn.execute(f"CREATE TEMP VIEW IF NOT EXISTS {TABLE} ({columns}, articles) AS {COUNTED}")
    return True
