"""Stories in Datasette: "also published on …" on the article page, the stories table's links, the
story page (a canned query), and the story tables' metadata (archive.stories groups the copies).

Registered by archive.datasette.make_datasette beside soyte's other plugins.
"""
from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from markupsafe import Markup

from archive.stories import EARLIEST, prepare_reading

TABLES: dict[str, dict] = {
    "stories": {
        "description": "One row per story: an article and its republished or syndicated copies, found by the "
                       "similarity of their texts (titles may differ). Facet on copies to find what travelled; "
                       "open a story's id for its copies.",
        "columns": {
            "id": "Story id: open it for the story's copies",
            "url": "The earliest copy (published, else first archived): the story's face",
            "title": "The earliest copy's title", "published": "The earliest copy's publication time",
            "portal": "The earliest copy's portal", "copies": "Articles in the story (1: published once)",
            "portals": "Distinct portals that published it",
        },
        "facets": ["copies", "portals"],
        "sort_desc": "copies",
        "label_column": "title",
    },
    "story_members": {
        "description": "Which story each article belongs to, and how close its text is to the story's earliest copy.",
        "columns": {
            "url": "The article (articles.url)", "story_id": "Its story (stories.id)",
            "similarity": "Jaccard similarity of its 5-word shingles (lead and text, accents folded) with the "
                          "earliest copy's: 1 the same text; a copy with an added lead or a cut ending is lower",
            "containment": "Share of the shorter text's shingles found in the other: near 1 for any copy",
            "article": "The article's rowid (the band index keys it)",
            "bands": "The article's locality-sensitive keys (story_bands), packed",
            "passages": "The keys of the article's long sentences (story_passages), packed",
            "sketch": "The low 16 bits of the article's MinHash values, packed: a candidate's similarity "
                      "estimated without reading its text",
        },
        "facets": ["story_id"],
    },
    "story_bands": {
        "description": "The locality-sensitive index that finds a new article's copies: MinHash band keys per article.",
        "columns": {"key": "One band of the article's MinHash signature, hashed with the band's number",
                    "article": "The article's rowid (story_members.article)"},
        "hidden": True,
    },
    "story_passages": {
        "description": "The sentences of 10 words or more each article prints (folded, hashed): one printed by "
                       "other articles that are not its copies is boilerplate, not evidence of a copy.",
        "columns": {"key": "The sentence's folded words, hashed", "article": "The article's rowid (story_members.article)"},
        "hidden": True,
    },
}

QUERIES: dict[str, dict] = {
    "story": {
        "title": "A story and its copies",
        "description": "Every copy of one story (stories.id), earliest first: where and when it was published, "
                       "under which title, and how similar its text is to the earliest copy's.",
        "sql": "select a.published, a.portal, a.province, a.title, m.similarity, m.containment, a.url\n"
               "from story_members m join articles a on a.url = m.url\n"
               f"where m.story_id = :story order by {EARLIEST}",
    },
}


@hookimpl
def prepare_connection(conn):
    """An archive written before stories reads with empty story tables (no copies anywhere)."""
    prepare_reading(conn)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """In the stories table, a story's id opens its page (the `story` query) and its url the article."""
    if table != "stories" or value is None:
        return None
    if column == "id":
        return Markup('<a href="{}?story={}">{}</a>').format(datasette.urls.database(database) + "/story",
                                                            value, value)
    if column == "url" and isinstance(value, str):
        return Markup('<a href="{}">{}</a>').format(datasette.urls.row(database, "articles", tilde_encode(value)),
                                                   value)
    return None


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The article page's other copies of its story (`also_published`) and the story's page."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def copies() -> dict:
        (url,) = urlsafe_components(request.url_vars["pks"])
        db = datasette.get_database(database)
        result = await db.execute(
            "select a.portal, a.province, a.title, a.published, a.url, m.similarity, m.story_id "
            "from story_members m join articles a on a.url = m.url "
            "where m.story_id = (select story_id from story_members where url = ?) and m.url != ? "
            f"order by {EARLIEST}", [url, url])
        rows = [dict(row) for row in result.rows]
        for row in rows:
            row["href"] = datasette.urls.row(database, "articles", tilde_encode(row["url"]))
        story = rows[0]["story_id"] if rows else None
        return {"also_published": rows,
                "story_href": f"{datasette.urls.database(database)}/story?story={story}" if story else None}

    return copies
