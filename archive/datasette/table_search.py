"""`?_search=` on the articles table's JSON, CSV and filtered pages, answered at a million articles.

Datasette 0.65 writes the search as `rowid in (select rowid from articles_fts where articles_fts
match escape_fts(:search))`, and SQLite drives every query of the page by that list: it reads each
matching article (~26 µs a row at 462,000 articles, its row being large) to sort them by the table's
`published`, and again to count them and for each facet. "y te" matches 400,000 of 462,000
articles: 10 s a query, refused by the time limit (docs/BENCHMARKS.md, "A million articles").

So the table's search is taken here: the request's `_search` is passed on as SEARCH_ARG
(asgi_wrapper; the HTML page that searches alone is still sent to "Search a term", search_box.py),
and filters_from_request writes the clause in the form that suits how many articles match, counted
first in the full-text index (read up to the SEEK_MATCHES + 1st match, no further):
- more than SEEK_MATCHES: `+rowid in (…)`. The `+` stops SQLite from driving by the list: it walks
  the index of the sort column (idx_articles_published for the table's order) from the newest and
  probes the set of matches, stopping at the page's last row, and counts and facets over the
  smallest index that covers the column (idx_articles_page_id, _province, …), never the articles;
- up to SEEK_MATCHES: `rowid in (…)`, Datasette's own form: each match read and sorted, which for
  few matches is cheaper than walking the index;
- a term in DENSE_SHARE or more of the newest articles ("y te": 98 %), on a page in `published` order
  with no facet: `exists (… articles_fts match … and articles_fts.rowid = articles.rowid)`, the index
  asked of each article as the sort column's index is walked, with no set of every match built (the
  page's count is then the index's own, table_counts.py: 4 ms for the rows of "y te" at 1,000,000
  articles against 0.2–0.3 s).
The rows, their order and the exact count are Datasette's own; only the SQL that finds them
differs. The facets of a search are left out unless asked for by name (`_facet=province`): the
table's three counted facets over every match took 3.3 s of the 3.5 s of "y te" at 1,000,000
articles (issue 32), where the rows and the count take a few hundred ms. The words are matched as everywhere else in the archive (soyte_fts_query: "quoted
words" as a phrase in each spelling of d and đ, as `soyte search` takes them; escape_fts took the
quotes as characters); a term past the search's bounds matches nothing and the page says why. Not
answered here: a sort by a column with no index (title, first_seen) still reads every match and may
pass the time limit on a large archive, as sorting the whole table by it does. The next page
(`_next`) of the table sorted by `published`, searched or not, walks the index archive/paging.py
adds, whose order is the page's; a searched next page's facets still count every older match.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments

from archive.datasette.search_box import TABLE, redirect_target
from archive.search import refusal

SEARCH_ARG = "_soyte_search"
# Below this many matches Datasette's own form (read and sort every match: ≤ ~50 ms warm) beats
# walking the sort column's index, which costs up to ~0.8 µs an article whatever the term.
SEEK_MATCHES = 2000
TERM = ("case when soyte_search_refusal(:soyte_search) is null then soyte_fts_query(:soyte_search) "
        "else '\"\"' end")
# Whether more than SEEK_MATCHES articles match: the index read up to the one past it, no further.
MANY_SQL = ("select count(*) > :seek from (select rowid from articles_fts where articles_fts match "
            "soyte_fts_query(:term) limit :seek + 1)")
# A term in at least DENSE_SHARE of the newest DENSE_WINDOW articles (by rowid) is "dense": its page
# asks the index of each article in the sort column's order (~0.1–0.5 ms a probe) instead of building
# the set of every match first (0.2–0.3 s for "y te", ~1,000,000 matches at 1,000,000 articles): about
# 1/share probes a row, 4 ms for "y te"'s first page, 60–80 ms for "sot xuat huyet" (39 %). Below the
# share, building the set (its size the number of matches) is the cheaper.
DENSE_WINDOW = 1000
DENSE_SHARE = 0.2
DENSE_SQL = ("select count(*) from articles_fts where articles_fts match soyte_fts_query(:term) "
             "and rowid > (select max(rowid) from articles) - :window")


def taken_query_string(query_string: str) -> str | None:
    """The query string with `_search` passed on as SEARCH_ARG, or None to leave the request as it
    is: no `_search`, or a raw FTS5 query (`_searchmode=raw`), which Datasette answers itself. Read
    and written as latin-1, so that every other byte of it is passed on as it came."""
    pairs = parse_qsl(query_string, keep_blank_values=True, encoding="latin-1")
    if not any(key == "_search" and value.strip() for key, value in pairs):
        return None
    if any(key == "_searchmode" for key, _ in pairs):
        return None
    taken = [(SEARCH_ARG if key == "_search" else key, value) for key, value in pairs]
    if not any(key.startswith(("_facet", "_nofacet")) for key, _ in pairs):
        taken.append(("_nofacet", "1"))  # the facets of a search are asked for by name (see the docstring)
    return urlencode(taken, encoding="latin-1")


def is_table_request(datasette, path: str) -> bool:
    """Whether `path` is the articles table of a served database, as a page, JSON or CSV."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return False
    return parts[1] in (TABLE, f"{TABLE}.json", f"{TABLE}.csv")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def table_search(scope, receive, send):
            if (scope.get("type") == "http" and is_table_request(datasette, scope.get("path", ""))
                    and redirect_target(datasette, scope) is None):
                taken = taken_query_string(scope.get("query_string", b"").decode("latin-1"))
                if taken is not None:
                    scope = dict(scope, query_string=taken.encode("latin-1"))
            await app(scope, receive, send)
        return table_search
    return wrap


def search_clause(many: bool, dense: bool = False) -> str:
    """The where clause for a term matching more than SEEK_MATCHES articles (`many`) or not, or for a
    `dense` one (in DENSE_SHARE of the newest articles or more): each article's row probed in the index."""
    if dense:
        return (f"exists (select 1 from articles_fts where articles_fts match {TERM} "
                f"and articles_fts.rowid = {TABLE}.rowid)")
    return f"{'+rowid' if many else 'rowid'} in (select rowid from articles_fts where articles_fts match {TERM})"


def walks_published(request) -> bool:
    """Whether the page is read in `published` order (the table's own, or asked for) with no facet:
    the only pages a dense term's probes suit (any other order, or a facet, probes every article)."""
    sort = request.args.get("_sort") or request.args.get("_sort_desc") or "published"
    return sort == "published" and not any(key.startswith("_facet") for key in request.args)


async def is_dense(datasette, database: str, term: str) -> bool:
    """Whether `term` is in DENSE_SHARE of the newest DENSE_WINDOW articles or more (False past the time limit)."""
    try:
        result = await datasette.get_database(database).execute(DENSE_SQL, {"term": term, "window": DENSE_WINDOW})
    except QueryInterrupted:
        return False
    return result.first()[0] >= DENSE_WINDOW * DENSE_SHARE


async def matches_many(datasette, database: str, term: str) -> bool:
    """Whether more than SEEK_MATCHES articles hold every word of `term` (True past the time limit)."""
    try:
        result = await datasette.get_database(database).execute(MANY_SQL, {"term": term, "seek": SEEK_MATCHES})
    except QueryInterrupted:
        return True
    return bool(result.first()[0])


@hookimpl
def filters_from_request(request, database, table, datasette):
    """The articles table's search as a where clause (search_clause), with the description and the
    search box's value Datasette's own search filter would give."""
    term = request.args.get(SEARCH_ARG)
    if table != TABLE or term is None or not term.strip():
        return None

    async def inner() -> FilterArguments:
        why = refusal(term)
        many = False if why else await matches_many(datasette, database, term)
        dense = many and walks_published(request) and await is_dense(datasette, database, term)
        return FilterArguments(
            [search_clause(many, dense)], {"soyte_search": term},
            [f'search matches "{term}"' + (f" ({why})" if why else "")],
            {"search": term, "supports_search": True})

    return inner
