"""The row counts of the database page, within Datasette's time limit at a million articles.

Datasette 0.65 counts every table of the database page with `select count(*) from [table]` under a
5 ms limit, but SQLite answers that with one instruction (OP_Count walks the whole b-tree) which the
limit's progress handler never interrupts: at 1,000,000 articles the page spent 2.2 s counting the
full-text index's segments and 0.95 s counting the raw pages, on every view (docs/BENCHMARKS.md, "A
million articles"). So each served archive counts its tables here: the articles from the counts the
triggers keep (archive.summaries: exact, a few ms), every other table by a count that the limit can
interrupt (over a subquery, which SQLite steps row by row); a table that cannot be counted in time
shows as "…", as Datasette shows a count it gave up on.

A table's own page counts it the same way (`counting_execute`): Datasette's `select count(*) from
pages ` of the unfiltered table (its first page and every next page: 7.2 s on a cold page cache at
1,000,000 pages) is answered from the count kept for it (archive.row_counts, archive.summaries),
any other table row by row (stopped by the time limit: the page then shows no count, as Datasette
does for a filtered count past it), and the count of a searched articles page from the count kept
for that search and that state of the archive (archive/datasette/count_cache.py).
"""
from __future__ import annotations

import re
import sqlite3
from functools import partial

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results

from archive.datasette import count_cache
from archive.datasette.search_box import TABLE
from archive.datasette.table_search import TERM, search_clause
from archive.row_counts import COUNTED, COUNTS as KEPT
from archive.row_counts import kept_count_sql
from archive.search import FTS_TABLE
from archive.summaries import TABLE as COUNTS

# The LIMIT keeps SQLite from folding the subquery back into the uninterruptible count(*); no
# archive holds this many rows in one table.
ROWS_AT_MOST = 10 ** 12


def count_sql(table: str, kept: bool = True) -> str:
    """How many rows `table` holds: from the count kept for it (`kept`: the archive has them), else
    counted row by row (interruptible by the time limit)."""
    if table == "articles":
        return f"select coalesce(sum(articles), 0) from {COUNTS}"
    counted = f"select count(*) from (select 1 from [{table}] limit {ROWS_AT_MOST})"
    if kept and table in COUNTED:
        return kept_count_sql(table, counted)  # a missing trigger: counted row by row, as the limit can stop
    return counted


async def bounded_table_counts(db, limit: int = 10) -> dict[str, int | None]:
    """Database.table_counts, each count stopped at `limit` ms (None then)."""
    counts: dict[str, int | None] = {}
    tables = await db.table_names()
    for table in tables:
        try:
            counts[table] = (await db.execute(count_sql(table, KEPT in tables), custom_time_limit=limit)).rows[0][0]
        except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
            counts[table] = None
    return counts


@hookimpl
def startup(datasette):
    """Every archive served counts its tables as above (a database of another kind keeps Datasette's count)."""
    for db in datasette.databases.values():
        if not db.is_memory:
            db.table_counts = partial(bounded_table_counts, db)
            db.execute = counting_execute(db, db.execute)


# Datasette's count of a table page: `select count(*) from <table> ` and its where clause, if any.
TABLE_PAGE_COUNT = re.compile(r"select count\(\*\) from (\w+) (where .*)?$", re.S)
SEARCHED = "articles_fts match"  # the articles table's search (table_search.py, or Datasette's own)


def counting_execute(db, execute):
    """`db.execute` with the table page's count answered as the module's docstring says."""
    async def execute_counting(sql, params=None, *args, **kwargs):
        page_count = TABLE_PAGE_COUNT.match(sql) if isinstance(sql, str) and not args and not kwargs else None
        if page_count is None:
            return await execute(sql, params, *args, **kwargs)
        table, where = page_count.groups()
        if where is None and (table == "articles" or table in COUNTED):
            kept = await kept_count(execute, table)
            if kept is not None:
                return kept
        if where is None:  # any other table (the index's shadow tables: 8 s at 1,000,000 articles) row by row,
            return await execute(count_sql(table, kept=False), params)  # which the time limit can stop
        if table == "articles" and SEARCHED in where:
            return await search_count(db, execute, sql, params)
        return await execute(sql, params)
    return execute_counting


async def kept_count(execute, table: str) -> Results | None:
    """The table's kept count, or None on an archive that keeps none (Datasette counts it then)."""
    try:
        return await execute(count_sql(table), log_sql_errors=False)
    except sqlite3.OperationalError:  # no such table: article_counts, _counts (an older archive, read-only)
        return None


async def search_count(db, execute, sql: str, params: dict | None) -> Results:
    """The count of a searched articles page, counted once per state of the archive (count_cache)."""
    entry = count_cache.key(str(db.path), sql, params, count_cache.state(db.path))  # the state before the count
    count = count_cache.remembered(entry)
    if count is not None:
        return Results([(count,)], False, [("count(*)",)])
    results = await execute(search_count_sql(sql), params)
    count_cache.remember(entry, results.rows[0][0])
    return results


def search_count_sql(sql: str) -> str:
    """What counts a searched page: the index's count for a search alone, else Datasette's count with
    a dense term's probes (table_search.py: they suit a page of rows, not a count of them all) written
    as the set of matches."""
    return index_count_sql(sql) or sql.replace(search_clause(True, dense=True), search_clause(True))


def index_count_sql(sql: str) -> str | None:
    """For the count of a search and nothing else (table_search.py's clause alone): the full-text
    index's own count of the same words, as "Search a term" gives it (every article has its one row
    in the index, written in the same transaction: the same number, without reading the articles:
    0.1 s for "y te" at 1,000,000 articles against 0.5 s). None for a search with other filters."""
    forms = (search_clause(True, dense=True), search_clause(True), search_clause(False))
    if sql.strip() not in {f"select count(*) from {TABLE} where {form}" for form in forms}:
        return None
    return f"select count(*) from {FTS_TABLE} where {FTS_TABLE} match {TERM}"
