"""The articles table's search box, answered by the bounded canned search with an exact count.

Datasette 0.65 answers `/db/articles?_search=…` with `rowid in (select rowid from articles_fts where
… match …)` sorted by `published`: SQLite materialises every match, sorts them and counts them again.
At 462,000 articles that took 4.2 s for "sot xuat huyet" and was refused by the time limit for "y
te" (docs/BENCHMARKS.md, "A million articles"). So the page the box submits to, with nothing but the
search (and the box's blank filter and sort fields), is sent to "Search a term" (the canned `search`
query: the best 100 among the newest 2,000 matches, as `soyte search` orders them), and that page
says how many articles match: `count(*)` of the full-text index's own answer to the same words,
exact and counted at each request (FTS5 intersects the words' lists of rows, ~35 ns a row: 33 ms
for "y te" at 462,000 articles), with nothing cached that a crawl could make stale.

A search with other filters stays Datasette's table (the filters narrow what it sorts), and so do the
JSON, CSV and other renderings of the table, whose callers ask for Datasette's semantics: their
search is written so that SQLite walks the sort column's index (table_search.py).
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import asgi_send_redirect

from archive.search import refusal

TABLE = "articles"
CANNED = "search"
# What the table page's form sends besides the search: the sort, which the canned search replaces by
# its own order, and filter rows, which filter nothing while their column or value is blank.
FORM_FIELDS = ("_sort", "_sort_desc", "_sort_by_desc", "_filter_column", "_filter_op", "_filter_value")


def box_term(query_string: str) -> str | None:
    """The search box's term when the table page is asked for that search alone, else None."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    terms = [value for key, value in pairs if key == "_search"]
    if len(terms) != 1 or not terms[0].strip():
        return None
    for key, value in pairs:
        if key == "_search" or key in FORM_FIELDS[:3] or key.startswith("_filter_op"):
            continue
        if key.startswith(FORM_FIELDS[3:]) and not value:  # a filter row left blank
            continue
        return None
    return terms[0]


def redirect_target(datasette, scope: dict) -> str | None:
    """Where a request for the table page's search goes: the canned search of its database."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return None
    parts = scope.get("path", "").strip("/").split("/")
    if len(parts) != 2 or parts[1] != TABLE or parts[0] not in datasette.databases:
        return None
    term = box_term(scope.get("query_string", b"").decode("latin-1"))
    if term is None:
        return None
    return f"{datasette.urls.database(parts[0])}/{CANNED}?{urlencode({'term': term})}"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def search_box(scope, receive, send):
            target = redirect_target(datasette, scope)
            if target is None:
                await app(scope, receive, send)
            else:
                await asgi_send_redirect(send, target)
        return search_box
    return wrap


COUNT_SQL = "select count(*) from articles_fts where articles_fts match soyte_fts_query(:term)"


async def match_count(datasette, database: str, term: str) -> int | None:
    """How many articles hold every word of `term`: the index's exact count; None past the time limit."""
    try:
        result = await datasette.get_database(database).execute(COUNT_SQL, {"term": term})
    except QueryInterrupted:
        return None
    return result.first()[0]


@hookimpl
def extra_template_vars(view_name, database, request, datasette):
    """On "Search a term", the number of articles that match: shown above the best 100."""
    # A canned query is rendered by the table route's view (view_name "table" in Datasette 0.65).
    if view_name not in ("query", "table") or request is None or request.url_vars.get("table") != CANNED:
        return {}
    term = request.args.get("term") or ""
    if not term.strip() or refusal(term):
        return {}

    async def counted() -> dict:
        return {"soyte_match_count": await match_count(datasette, database, term), "soyte_match_term": term}

    return counted
