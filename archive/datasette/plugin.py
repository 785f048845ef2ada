"""soyte's Datasette plugin: a year facet, accent-insensitive search in SQL, and the article page's filters.

Registered by archive.datasette.make_datasette for the Datasette it builds (`soyte serve`), not
globally through an entry point, so a plain `datasette` elsewhere is unaffected.
"""
from __future__ import annotations

import json
import sqlite3
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args, tilde_encode, urlsafe_components
from markupsafe import Markup

from archive.datasette.counted import CountedFacet, counts_scope, years_sql
from archive.datasette.language import readable_time
from archive.search import MARK_CLOSE, MARK_OPEN, fold, highlight_expression, is_ranked, match_expression, refusal
from archive.store import tune_for_reading


class YearFacet(Facet):
    """Counts per year of an ISO 8601 text column (`{"year": "published"}` in metadata, or
    `?_facet_year=published`); choosing a year filters with `published__startswith=2020`."""

    type = "year"

    async def facet_results(self):
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            sql = (f"select substr({escape_sqlite(column)}, 1, 4) as value, count(*) as count "
                   f"from ({self.sql}) where {escape_sqlite(column)} glob '[0-9][0-9][0-9][0-9]*' "
                   f"group by value order by value desc limit {size + 1}")
            params = self.params
            scope = counts_scope(self) if column == "published" else None
            if scope is not None:  # every article, or a province's, a portal's…: from the counts (archive.summaries)
                sql, params = years_sql(scope, size + 1)
            try:
                rows = await self.ds.execute(self.database, sql, params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}__startswith"
            values = []
            for row in rows.rows[:size]:
                selected = args.get(key) == row["value"]
                change = path_with_removed_args if selected else path_with_added_args
                values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                               "toggle_url": self.ds.absolute_url(self.request, change(self.request, {key: row["value"]})),
                               "selected": selected})
            results.append({"name": column, "type": self.type, "results": values,
                            "hideable": source_and_config["source"] != "metadata",
                            "toggle_url": path_with_removed_args(self.request, {"_facet_year": column}),
                            "truncated": len(rows) > size})
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [YearFacet, CountedFacet]


@hookimpl
def prepare_connection(conn):
    """SQL functions for canned queries and users: soyte_fts_query('sot xuat huyet') is an FTS5
    query of folded, quoted words (an error past archive.search's bounds); soyte_search_refusal(term)
    says why a term is not searched (NULL if it is); soyte_search_ranked(term) is 1 if `soyte
    search` ranks the term by bm25, 0 if it lists the newest matches first (past 6 words, or every
    word common); soyte_fold(text) is the folded text the index also holds. The connection reads as `soyte search` does
    (archive.store.tune_for_reading: the file mapped)."""
    conn.create_function("soyte_fts_query", 1, lambda query: match_expression(query or "") or '""', deterministic=True)
    conn.create_function("soyte_search_refusal", 1, lambda query: refusal(query or ""), deterministic=True)
    # Asks the archive (archive.search.ranked_words: are all the words common?); "deterministic" so that
    # SQLite reckons it once per query, not per row: its answer holds for the query's snapshot.
    conn.create_function("soyte_search_ranked", 1, lambda query: int(is_ranked(conn, query or "")),
                         deterministic=True)
    conn.create_function("soyte_fold", 1, fold, deterministic=True)
    conn.create_function("soyte_highlight_query", 1, lambda query: highlight_expression(query or "") or '""',
                         deterministic=True)  # what snippet() marks: archive.search.highlight_expression
    tune_for_reading(conn)
    limit_value_length(conn)


# Datasette's SQL time limit (1 s) is a progress handler, which SQLite calls between the steps of a
# query, never inside one: `randomblob(1000000000)` is one step and ran 4.4 s (and took 1 GB). No
# value a query makes may be longer than this (about 0.3 s to make), or than the largest stored
# document, which must still be readable to be downloaded.
VALUE_LENGTH_FLOOR = 64 * 1024 * 1024


def limit_value_length(conn: sqlite3.Connection) -> None:
    """Cap the length of any string or blob on a Datasette connection (SQLITE_LIMIT_LENGTH)."""
    try:
        largest = conn.execute("SELECT max(length(body)) FROM document_bodies").fetchone()[0] or 0
    except sqlite3.Error:  # an archive made before documents were kept
        largest = 0
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(VALUE_LENGTH_FLOOR, largest + 1))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """An article's title, in the articles table and in query results with its url, opens its page;
    a search's snippet shows its matches marked."""
    if column == "snippet" and isinstance(value, str) and table is None:
        return marked_snippet(value)
    if column != "title" or not isinstance(value, str) or table not in (None, "articles"):
        return None
    try:
        url = row["url"]
    except (IndexError, KeyError):
        return None
    if not isinstance(url, str):
        return None
    href = datasette.urls.row(database, "articles", tilde_encode(url))
    return Markup('<a href="{}">{}</a>').format(href, value)


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The article page shows how many earlier versions of the article the archive keeps."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def versions() -> dict:
        (url,) = urlsafe_components(request.url_vars["pks"])
        db = datasette.get_database(database)
        if "article_versions" not in await db.table_names():
            return {"article_versions": 0}
        result = await db.execute("select count(*) from article_versions where url = ?", [url])
        return {"article_versions": result.first()[0]}

    return versions


def paragraphs(text: str | None) -> list[str]:
    """The stored text's paragraphs (separated by a blank line, as LAYOUTS.md's record has them)."""
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]


def json_list(value: str | None) -> list:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


def web_url(value: str | None) -> str | None:
    """Only http(s) links are made clickable: a stored `javascript:` URL must not become a link."""
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters.update(soyte_paragraphs=paragraphs, soyte_json=json_list, soyte_url=web_url,
                       soyte_time=readable_time)



def marked_snippet(snippet: str) -> Markup:
    """An FTS5 snippet's «matches» as <mark>, the rest escaped: the stored text never becomes markup."""
    pieces = snippet.replace(MARK_CLOSE, MARK_OPEN).split(MARK_OPEN)
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if n % 2 else Markup.escape(piece)
                           for n, piece in enumerate(pieces))
