"""What `soyte search` shows of each match: where it matched (an FTS5 snippet) and, for an article,
its province. Kept apart from archive.search and archive.documents, which find the matches: this
reads only the rows they found."""
from __future__ import annotations

import sqlite3

from archive import documents
from archive.search import FTS_TABLE, snippets


def with_snippets(conn: sqlite3.Connection, query: str, rows: list[dict]) -> list[dict]:
    """`rows` of archive.documents.search_with_documents, each with its `snippet` (matches between
    « and »); an article's also with its `province`."""
    articles = [row["url"] for row in rows if row.get("found_in") != "document"]
    files = [row["sha256"] for row in rows if row.get("found_in") == "document"]
    article_snippets = tidy(snippets(conn, query, "articles", "url", articles, FTS_TABLE))
    file_snippets = tidy(snippets(conn, query, "documents", "sha256", files, documents.FTS_TABLE))
    provinces = dict(conn.execute(f"SELECT url, province FROM articles WHERE url IN ({', '.join('?' * len(articles))})",
                                  articles).fetchall()) if articles else {}
    annotated = []
    for row in rows:
        if row.get("found_in") == "document":
            annotated.append({**row, "snippet": file_snippets.get(row["sha256"])})
        else:
            annotated.append({**row, "province": provinces.get(row["url"]), "snippet": article_snippets.get(row["url"])})
    return annotated


def tidy(found: dict[str, str]) -> dict[str, str]:
    """Snippets on one line: a document's text keeps its line breaks, which a list of results does not want."""
    return {key: " ".join(snippet.split()) for key, snippet in found.items()}
