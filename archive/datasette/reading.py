"""soyte's Datasette plugin for readers: the archive's page (what a reader opens first, the charts),
the reader's columns of the articles and documents tables, readable times, and the words of the
language `soyte serve --lang` chose (archive.datasette.language)."""
from __future__ import annotations

from datasette import hookimpl
from datasette.database import QueryInterrupted
from markupsafe import Markup

from archive.datasette.charts import articles_per_month_sql, crawl_health_sql, health_chart, months_chart
from archive.datasette.feeds import feed_links
from archive.datasette.language import readable_time, words
from archive.datasette.metadata import READER_TABLES

# What the tables show a reader until asked for more (?_col=…, or "Show every column"): the long
# URL, hashes, internal ids, whole texts and JSON columns stay in the row's page and in the JSON (?_all=1
# is the link that shows them).
READER_COLUMNS = {
    "articles": ("title", "published", "province", "category"),
    "documents": ("title", "type", "portal", "published", "size", "text_status"),
}
TIME_COLUMNS = ("published", "first_seen", "last_seen", "updated_at")


def language(datasette) -> str:
    return (datasette.plugin_config("soyte") or {}).get("lang", "en")


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """Every page: the language and its words (`t`); a reader table's page: the columns it shows;
    the archive's page: its charts and the reader's tables."""
    lang = language(datasette)
    found = {"soyte_lang": lang, "t": words(lang)["ui"], "soyte_reader_tables": READER_TABLES}
    if view_name == "table" and table in READER_COLUMNS and request is not None:
        if not any(key in request.args for key in ("_col", "_nocol", "_all")):
            found["soyte_columns"] = READER_COLUMNS[table]
    if view_name != "database":
        return found

    async def with_charts() -> dict:
        return {**found, **await charts(datasette, database, lang), "soyte_feeds": await feeds(datasette, database)}

    return with_charts


async def charts(datasette, database: str, lang: str) -> dict:
    """The archive page's two charts, as Markup (empty when the archive has nothing to draw)."""
    db = datasette.get_database(database)
    ui, names = words(lang)["ui"], words(lang)["months"]
    tables = await db.table_names()
    months = health = Markup("")
    try:
        if "articles" in tables:
            rows = (await db.execute(articles_per_month_sql(), custom_time_limit=5000)).rows
            months = months_chart([tuple(row) for row in rows], ui["chart_months"], names)
        if "portal_runs" in tables and "crawl_runs" in tables:
            rows = (await db.execute(crawl_health_sql(), custom_time_limit=5000)).rows
            health = health_chart([tuple(row) for row in rows], ui["chart_health"], ui)
    except QueryInterrupted:  # an archive too large to count within the time limit: the page without them
        pass
    return {"soyte_months_chart": months, "soyte_health_chart": health}


async def feeds(datasette, database: str) -> list[dict]:
    """The Atom feeds the archive's page links: the latest articles, each province's (only those with articles)."""
    db = datasette.get_database(database)
    if "articles" not in await db.table_names():
        return []
    rows = await db.execute("select distinct province from article_counts where province != '' order by province")
    return feed_links(datasette.urls.database(database), [row[0] for row in rows.rows])


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A time in the articles and documents tables as a reader writes it (the ISO value in <time>)."""
    if table not in READER_COLUMNS or column not in TIME_COLUMNS or not isinstance(value, str):
        return None
    shown = readable_time(value, language(datasette))
    return Markup('<time datetime="{}">{}</time>').format(value, shown)


@hookimpl(trylast=True)  # called last, so this .atom replaces datasette-atom's own
def register_output_renderer():
    """datasette-atom's Atom feeds (archive.datasette.feeds), and a valid empty feed where it has
    none: datasette-atom 0.9 answers a query with no rows (a province with no article yet) with
    HTTP 500, its feed's time being the newest of no entries."""
    from datasette_atom import can_render_atom

    return {"extension": "atom", "render": render_feed, "can_render": can_render_atom}


def render_feed(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    from datasette.utils.asgi import Response
    from datasette_atom import render_atom
    from feedgen.feed import FeedGenerator

    if rows:
        return render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data)
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    queries = (datasette.metadata(database=database) or {}).get("queries", {})
    feed.title(queries.get(query_name, {}).get("title") or query_name or sql)
    feed.updated("1970-01-01T00:00:00+00:00")  # no entry: nothing was updated
    return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200)
