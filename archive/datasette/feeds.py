"""Atom feeds of the archive's articles, served by datasette-atom (the ecosystem's Atom renderer:
a canned query returning atom_id, atom_title, atom_updated… is a feed at its `.atom` address):
the latest articles, a province's, a category's, and a saved search's, each the FEED_SIZE newest.

An entry is an article: its id and link the article's canonical URL on its portal, its time the
publication time (a date alone is midnight at +07:00; without one, when the archive first stored
it), its content the lead paragraph or the text's beginning, as text (never HTML).
"""
from __future__ import annotations

from urllib.parse import urlencode

from archive.search import RANKED_CANDIDATES

FEED_SIZE = 50
_ENTRY = ("select url as atom_id, title as atom_title,\n"
          "  case when published glob '????-??-??T*' then published\n"
          "       when published glob '????-??-??' then published || 'T00:00:00+07:00'\n"
          "       else first_seen end as atom_updated,\n"
          "  coalesce(sapo, substr(text, 1, 600)) as atom_content, url as atom_link, author as atom_author_name,\n"
          "  province, category\n"
          "from articles")
_NEWEST = f"order by published desc, url limit {FEED_SIZE}"
SEARCH_WINDOW = RANKED_CANDIDATES

FEED_QUERIES: dict[str, dict] = {
    "feed_latest": {
        "title": "Latest articles (Atom feed)",
        "description": "The 50 most recently published articles; add .atom to the address for the feed.",
        "sql": f"{_ENTRY}\n{_NEWEST}",
    },
    "feed_province": {
        "title": "A province's latest articles (Atom feed)",
        "description": "The 50 newest articles of one province, as written in Vietnamese (province=Bắc Ninh).",
        "sql": f"{_ENTRY}\nwhere province = :province\n{_NEWEST}",
    },
    "feed_category": {
        "title": "A category's latest articles (Atom feed)",
        "description": "The 50 newest articles filed under one category, as the portal names it.",
        "sql": f"{_ENTRY}\nwhere category = :category\n{_NEWEST}",
    },
    "feed_search": {
        "title": "A saved search (Atom feed)",
        "description": "The 50 newest articles holding every word of a search term (\"quoted words\" as a phrase), "
                       "accent-insensitive as the search is.",
        # The newest by publication among the SEARCH_WINDOW most recently archived matches, read by rowid
        # from the index (archive.search.best_matches' unranked form): every match sorted by date was
        # 45 s for "y te" at 462,000 articles (issue 32). A feed is read for what is new, and what is
        # new was archived last. A term past the search's bounds matches nothing here (the search
        # query says why).
        "sql": f"{_ENTRY}\nwhere rowid in (select rowid from articles_fts where articles_fts match\n"
               "  case when soyte_search_refusal(:term) is null then soyte_fts_query(:term) else '\"\"' end\n"
               f"  order by rowid desc limit {SEARCH_WINDOW})\n{_NEWEST}",
    },
}


def feed_links(database_path: str, provinces: list[str]) -> list[dict]:
    """The feeds the archive's page lists: the latest articles, then each province's."""
    links = [{"label": FEED_QUERIES["feed_latest"]["title"], "href": f"{database_path}/feed_latest.atom"}]
    links += [{"label": province, "href": f"{database_path}/feed_province.atom?{urlencode({'province': province})}"}
              for province in provinces]
    return links
