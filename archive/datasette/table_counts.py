"""The row counts of the database page, within Datasette's time limit at a million articles.

Datasette 0.65 counts every table of the database page with `select count(*) from [table]` under a
5 ms limit, but SQLite answers that with one instruction (OP_Count walks the whole b-tree) which the
limit's progress handler never interrupts: at 1,000,000 articles the page spent 2.2 s counting the
full-text index's segments and 0.95 s counting the raw pages, on every view (docs/BENCHMARKS.md, "A
million articles"). So each served archive counts its tables here: the articles from the counts the
triggers keep (archive.summaries: exact, a few ms), every other table by a count that the limit can
interrupt (over a subquery, which SQLite steps row by row); a table that cannot be counted in time
shows as "…", as Datasette shows a count it gave up on.
"""
from __future__ import annotations

import sqlite3
from functools import partial

from datasette import hookimpl
from datasette.database import QueryInterrupted

from archive.summaries import TABLE as COUNTS

# The LIMIT keeps SQLite from folding the subquery back into the uninterruptible count(*); no
# archive holds this many rows in one table.
ROWS_AT_MOST = 10 ** 12


def count_sql(table: str) -> str:
    """How many rows `table` holds, counted row by row (interruptible by the time limit)."""
    if table == "articles":
        return f"select coalesce(sum(articles), 0) from {COUNTS}"
    return f"select count(*) from (select 1 from [{table}] limit {ROWS_AT_MOST})"


async def bounded_table_counts(db, limit: int = 10) -> dict[str, int | None]:
    """Database.table_counts, each count stopped at `limit` ms (None then)."""
    counts: dict[str, int | None] = {}
    for table in await db.table_names():
        try:
            counts[table] = (await db.execute(count_sql(table), custom_time_limit=limit)).rows[0][0]
        except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
            counts[table] = None
    return counts


@hookimpl
def startup(datasette):
    """Every archive served counts its tables as above (a database of another kind keeps Datasette's count)."""
    for db in datasette.databases.values():
        if not db.is_memory:
            db.table_counts = partial(bounded_table_counts, db)
