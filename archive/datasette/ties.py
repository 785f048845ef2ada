"""The first page of a table sorted by a column breaks its ties by the key, as its next pages do.

Datasette 0.65 writes a sorted table's first page as `order by published limit 51`, with no
tie-breaker, and its next page as `where (published > :p or (published = :p and url > :u))
order by published, url`: the next page continues from the last row's key in ascending key order.
The first page's ties come in whatever order SQLite reads them: the paging index (archive/paging.py,
`(published, url DESC)`) read backwards gives the ties of `_sort_desc=published` (the table's own
order) in ascending URL order, but read forwards for `_sort=published` (oldest first) in descending
URL order, and then the next page repeated the ties on the first page and skipped the others
(articles of the same minute, or the undated ones, at a page boundary: tests/test_ties.py
walks such a table). So the first page's ORDER BY gets the key too, for the tables paging.py pages
(its PAGED: the column, the key), ascending or descending; the rows Datasette shows are then in the
order its next pages continue from. Only the executed SQL changes: the page's "View and edit SQL"
still shows Datasette's own, which gives the same rows but may order a tie differently.
"""
from __future__ import annotations

import re

from datasette import hookimpl

from archive.paging import PAGED

# A table page's query (Datasette writes it on one line) whose ORDER BY is one column: the table, the
# column, desc or not, the limit. A canned query (written over several lines) never matches.
TABLE_PAGE = re.compile(r"select [^\n]+? from (\w+) (?:where [^\n]+ )?order by (\w+)( desc)? limit (\d+)")


def tie_broken(sql: str) -> str:
    """`sql` with its key after a lone ORDER BY column of a PAGED table's page, else `sql` itself."""
    page = TABLE_PAGE.fullmatch(sql)
    if page is None:
        return sql
    table, column, desc, limit = page.groups()
    for paged_table, paged_column, key in PAGED:
        if (table, column) == (paged_table, paged_column):
            return f"{sql[:page.start(2) - len(' order by ')]} order by {column}{desc or ''}, {key} limit {limit}"
    return sql


def tie_breaking_execute(execute):
    """`db.execute` with each query passed through tie_broken."""
    async def execute_tie_broken(sql, *args, **kwargs):
        return await execute(tie_broken(sql) if isinstance(sql, str) else sql, *args, **kwargs)
    return execute_tie_broken


@hookimpl
def startup(datasette):
    for db in datasette.databases.values():
        if not db.is_memory:
            db.execute = tie_breaking_execute(db.execute)
