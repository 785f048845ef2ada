"""Accent-insensitive full-text search over title, sapo and text.

SQLite's unicode61 tokenizer with remove_diacritics folds most Vietnamese accents but not
đ/Đ, which is a letter of its own. So each field is indexed twice over — as published and
folded (accents stripped, đ → d) — and queries are folded too: 'so y te' finds 'Sở Y tế',
'Dak Lak' finds 'Đắk Lắk', and an accented query still matches. Stored text is never folded.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata

FTS_TABLE = "articles_fts"
FTS_COLUMNS = ("title", "sapo", "text")
# The Unicode blocks of combining diacritics: every mark Vietnamese uses is in U+0300–U+036F.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str | None) -> str:
    """Lower-case, strip accents and map đ to d: the form that search compares.

    One regex over the combining marks instead of a per-character test: 3× faster, and fold
    runs on every field of every upsert.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _MARKS.sub("", decomposed).lower()


def index_value(text: str | None) -> str:
    """What the index holds for a field: the text as published, then its folded form."""
    if not text:
        return ""
    folded = fold(text)
    return text if folded == text.lower() else f"{text}\n{folded}"


def create_index(conn: sqlite3.Connection) -> None:
    """Create the index; `content="articles"` is double-quoted because that is the form Datasette and
    sqlite-utils look for to find a table's index. An index declared otherwise (archives made before
    2026-11 wrote content='articles') is dropped, created again and re-indexed."""
    existing = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone()
    if existing and 'content="articles"' in existing[0]:
        return
    if existing:
        conn.execute(f"DROP TABLE {FTS_TABLE}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"{', '.join(FTS_COLUMNS)}, content=\"articles\", content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    if existing:
        rebuild_index(conn)


def index_row(conn: sqlite3.Connection, rowid: int, row: dict) -> None:
    conn.execute(f"INSERT INTO {FTS_TABLE}(rowid, title, sapo, text) VALUES (?, ?, ?, ?)",
                 (rowid, *(index_value(row.get(c)) for c in FTS_COLUMNS)))


def unindex_row(conn: sqlite3.Connection, rowid: int, row: dict) -> None:
    """External-content FTS5 deletes need the values that were indexed."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, sapo, text) VALUES ('delete', ?, ?, ?, ?)",
                 (rowid, *(index_value(row.get(c)) for c in FTS_COLUMNS)))


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Re-index every article (after `sqlite-utils rebuild-fts`, which would index unfolded text only)."""
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    count = 0
    for rowid, *values in conn.execute(f"SELECT rowid, {', '.join(FTS_COLUMNS)} FROM articles"):
        index_row(conn, rowid, dict(zip(FTS_COLUMNS, values)))
        count += 1
    return count


# FTS5's time grows with the square of the number of phrases in a query (800 words: 8 s), and no
# one searches news with a paragraph: the query is bounded instead, with a message saying so.
MAX_QUERY_WORDS = 32
MAX_QUERY_CHARS = 1000


class QueryTooLong(ValueError):
    """A search query past the bounds above."""


def match_expression(query: str) -> str:
    """A user's words as an FTS5 query: each word folded and quoted, all required."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"the query has {len(query)} characters; at most {MAX_QUERY_CHARS} are searched")
    words = re.findall(r"\w+", fold(query))
    if len(words) > MAX_QUERY_WORDS:
        raise QueryTooLong(f"the query has {len(words)} words; at most {MAX_QUERY_WORDS} are searched")
    return " ".join(f'"{word}"' for word in words)


# bm25 is computed for every row a query matches: beyond ~20,000 matches that alone is over
# 50 ms. So only the most recently archived matches are ranked (bench/archive.py measures it).
RANKED_CANDIDATES = 2000


def search(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Articles matching every word of `query`, best first among the newest 2,000 matches (or
    `limit`, when more are asked for). QueryTooLong past MAX_QUERY_WORDS or MAX_QUERY_CHARS."""
    expression = match_expression(query)
    if not expression:
        return []
    cursor = conn.execute(
        f"SELECT a.url, a.title, a.published, a.portal FROM {FTS_TABLE} f JOIN articles a ON a.rowid = f.rowid "
        f"WHERE {FTS_TABLE} MATCH :q AND f.rowid >= coalesce((SELECT rowid FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH :q ORDER BY rowid DESC LIMIT 1 OFFSET :n), 0) ORDER BY rank LIMIT :limit",
        {"q": expression, "n": max(RANKED_CANDIDATES, limit) - 1, "limit": limit},
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def search_with_documents(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Matching articles, then matching attached documents (their own index, folded the same way):
    a document's row has `"found_in": "document"`, its URL, type, SHA-256 and the articles linking it."""
    from archive.documents import search_documents  # archive.documents builds on this module

    return search(conn, query, limit) + [{"found_in": "document", **row}
                                         for row in search_documents(conn, query, limit)]
