"""Facets of the whole articles table read from the counts triggers keep (archive.summaries).

Datasette's column facet counts every row of the table page's query: on the unfiltered articles
table that is a scan of every article per facet per page view (province, category, year: about
half of the table page's time at a million articles). With nothing filtered or searched, or
filtered only by equality on a column the counts are kept by (`?province=Bắc Ninh`, `?portal=…`,
`?category=…`), the answer is a sum over `article_counts`, a few thousand rows whatever the
archive's size; any other filter or a search counts the rows as Datasette's own facet does.
"""
from __future__ import annotations

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import path_with_added_args, path_with_removed_args

from archive.summaries import TABLE

# Facet column -> the expression over article_counts that gives its value ('' is no value).
COUNTED = {"province": "province", "category": "category"}


# Arguments that page, sort or shape the table page without narrowing its rows.
NOT_FILTERS = {"_next", "_sort", "_sort_desc", "_size", "_col", "_nocol", "_labels", "_label", "_nocount",
               "_nofacet", "_nosuggest", "_shape", "_json", "_timelimit", "_trace"}  # and _facet*


# The columns of article_counts a table page may be filtered by and still be counted from it.
KEYS = ("portal", "province", "category")


def counts_scope(facet) -> dict[str, str] | None:
    """What the counts can answer the facet for: {} for the whole table, {column: value} for a page
    filtered only by equality on KEYS (`?province=Bắc Ninh`: its category facet read every article of
    the province, 1 s at 1,000,000 articles), None for anything else (another filter, a search).

    A next page (`_next`) is counted as its first page: Datasette's own facets would count only the
    rows after the page's token (its keyset clause is in the facets' query: a scan of every older
    article per facet, past the time limit at 462,000 articles) while the page says how many rows
    the whole table, or the filtered one, has."""
    if facet.table != "articles":
        return None
    if not facet.params and " where " not in f" {facet.sql.lower()} ":  # the table unfiltered
        return {}
    request = facet.request
    if request is None:
        return None
    scope: dict[str, str] = {}  # a next page (its keyset clause the only where) reads as {}
    for key in request.args:
        if key in NOT_FILTERS or key.startswith("_facet"):
            continue
        values = request.args.getlist(key)
        if key not in KEYS or len(values) != 1 or not values[0]:
            return None
        scope[key] = values[0]
    return scope


def scope_sql(scope: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The where clause (its leading `and`) and parameters that narrow article_counts to `scope`."""
    return "".join(f" and {key} = :soyte_{key}" for key in scope), {f"soyte_{key}": value for key, value in scope.items()}


class CountedFacet(ColumnFacet):
    """`{"counted": "province"}` in metadata: a column facet answered from article_counts when the
    table page shows every article; the same links and labels as Datasette's column facet."""

    type = "counted"

    async def facet_results(self):
        scope = counts_scope(self)
        if scope is None:
            return await super().facet_results()
        narrowed, params = scope_sql(scope)
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            if column not in COUNTED:
                continue
            sql = (f"select {COUNTED[column]} as value, sum(articles) as count from {TABLE} "
                   f"where {COUNTED[column]} != ''{narrowed} group by value order by count desc, value limit {size + 1}")
            try:
                rows = await self.ds.execute(self.database, sql, params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:size]:
                selected = (column, str(row["value"])) in pairs
                change = path_with_removed_args if selected else path_with_added_args
                values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(
                                   change(self.request, {column: row["value"]}))),
                               "selected": selected})
            results.append({"name": column, "type": self.type, "hideable": source_and_config["source"] != "metadata",
                            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                            "results": values, "truncated": len(rows) > size})
        return results, timed_out


def years_sql(scope: dict[str, str], limit: int) -> tuple[str, dict[str, str]]:
    """Articles per year of `published` from the counts, within `scope` (counts_scope)."""
    narrowed, params = scope_sql(scope)
    return (f"select substr(month, 1, 4) as value, sum(articles) as count from {TABLE} "
            f"where month glob '[0-9][0-9][0-9][0-9]*'{narrowed} group by value order by value desc limit {limit}",
            params)
