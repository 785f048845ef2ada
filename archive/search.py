"""Accent-insensitive full-text search over title, sapo and text.

SQLite's unicode61 tokenizer with remove_diacritics 2 folds every Vietnamese accent but not
đ/Đ, which is a letter of its own. So each field is indexed as published and followed by the
folded form (accents stripped, đ → d) of the words the tokenizer does not fold as `fold` does,
and queries are folded: 'so y te' finds 'Sở Y tế', 'Dak Lak' finds 'Đắk Lắk', and an accented
query still matches. Stored text is never folded.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import Iterable

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


# The characters that `unicode61 remove_diacritics 2` does not fold as `fold` does (tokenised
# alone, a letter or mark between two a's gives another token than fold's; tests/test_search.py
# checks every code point): đ/Đ, ten other letters of Latin Extended-B and ẛ, the combining
# marks, and the scripts past Latin (Greek, Cyrillic, Hangul…), taken whole. General Punctuation
# (U+2000–U+206F: quotes, dashes) has none, and is left out so that “quoted” words stay out.
_UNFOLDED = re.compile("[đĐǠ-ǣǮǯǼ-ǿẛ\u0300-\u1dff\u1f00-\u1fff\u2070-\U0010ffff]")
# The index's form: archive.schema rebuilds an index written in an older one.
INDEX_FORM = 2


def index_value(text: str | None) -> str:
    """What the index holds for a field: the text as published, then the folded form of the words
    the tokenizer would not fold as `fold` does (those with đ, mostly), so that every folded query
    word finds them. The tokenizer folds the other words itself, so folding all of the text, as
    the index did before INDEX_FORM 2, cost twice the tokenising and a `fold` of every character
    (~0.16 ms of a crawl's CPU per page, docs/BENCHMARKS.md) for the same matches."""
    if not text:
        return ""
    words = _unfolded_words(text)
    return f"{text}\n{fold(' '.join(words))}" if words else text


def _unfolded_words(text: str) -> list[str]:
    """The words of `text` (runs between spaces and line breaks) holding an _UNFOLDED character;
    found from those characters, since most words hold none."""
    words: list[str] = []
    end = -1
    for match in _UNFOLDED.finditer(text):
        at = match.start()
        if at < end:
            continue  # in the word just taken
        start = text.rfind(" ", 0, at) + 1
        line = text.rfind("\n", start, at)  # within the word found, not back to the last line break
        if line >= 0:
            start = line + 1
        end = text.find(" ", at)
        if end < 0:
            end = len(text)
        line = text.find("\n", at, end)
        if line >= 0:
            end = line
        words.append(text[start:end])
    return words


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


def index_fields(conn: sqlite3.Connection, fts_table: str, columns: tuple[str, ...], rowid: int,
                 values: Iterable[str | None], delete: bool = False) -> None:
    """Index one row's fields (in the order of `columns`) in `fts_table`, in the index's form; with
    `delete`, take them out: an external-content FTS5 table deletes a row by the values it indexed,
    so both go through index_value here."""
    command, marker = (f"{fts_table}, ", "'delete', ") if delete else ("", "")
    conn.execute(f"INSERT INTO {fts_table}({command}rowid, {', '.join(columns)}) "
                 f"VALUES ({marker}?{', ?' * len(columns)})", (rowid, *map(index_value, values)))


def index_row(conn: sqlite3.Connection, rowid: int, row: dict) -> None:
    index_fields(conn, FTS_TABLE, FTS_COLUMNS, rowid, (row.get(c) for c in FTS_COLUMNS))


def unindex_row(conn: sqlite3.Connection, rowid: int, row: dict) -> None:
    index_fields(conn, FTS_TABLE, FTS_COLUMNS, rowid, (row.get(c) for c in FTS_COLUMNS), delete=True)


def rebuild_index(conn: sqlite3.Connection, fts_table: str = FTS_TABLE, content: str = "articles",
                  columns: tuple[str, ...] = FTS_COLUMNS) -> int:
    """Re-index every article (after `sqlite-utils rebuild-fts`, which would index unfolded text
    only, or an index written in an older INDEX_FORM), or every row of another `content` table."""
    conn.execute(f"INSERT INTO {fts_table}({fts_table}) VALUES ('delete-all')")
    count = 0
    for rowid, *values in conn.execute(f"SELECT rowid, {', '.join(columns)} FROM {content}"):
        index_fields(conn, fts_table, columns, rowid, values)
        count += 1
    return count


# A query's cost grows with its words. To match, FTS5 reads each word's list of rows; to rank,
# bm25 reads each word's whole list once more (its IDF counts the rows holding the word, however
# few rows the query matches) and each word's positions in every ranked row. A word found in most
# articles ("y", "tế", "sở") costs ~3 ms of ranking at 100,000 articles (the file mapped: ~2 ms
# counting its rows, ~23 ns a row, ~1 ms its positions in the 2,000 ranked rows); matching alone,
# newest first, takes ~5 ms at the median up to 16 words and 35–42 ms at 32 (bench/archive.py,
# docs/BENCHMARKS.md "Issue 15, second pass", "third pass: search", "fourth pass"). So queries of up to
# RANKED_WORDS distinct words are ranked, longer ones are listed newest first, and past
# MAX_QUERY_WORDS (as typed) one clear message refuses them.
MAX_QUERY_WORDS = 16
MAX_QUERY_CHARS = 1000
# 6, not fewer: 6 ranked words take 15–16 ms of CPU at the median (p95 ≤ 23 ms) at 100,000
# articles, and 5 would list an ordinary query such as "đậy kín dụng cụ chứa nước" newest first.
RANKED_WORDS = 6


class QueryTooLong(ValueError):
    """A search query past the bounds above."""


def query_words(query: str) -> list[str]:
    """The query's words, folded, each once in the order typed; QueryTooLong past the bounds.

    A repeated word matches the same rows as one, and would cost one more pass over its rows
    (and weigh twice in bm25): it is searched once."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"the query has {len(query)} characters; at most {MAX_QUERY_CHARS} are searched")
    parts = query_parts(fold(query))  # words, and "quoted phrases" as one item each (their words spaced)
    words = sum(len(part.split()) for part in parts)
    if words > MAX_QUERY_WORDS:
        raise QueryTooLong(f"the query has {words} words; at most {MAX_QUERY_WORDS} are searched")
    return list(dict.fromkeys(parts))


def refusal(query: str) -> str | None:
    """Why `query` is not searched, worded for the person who typed it, or None: for SQL callers
    (Datasette's "Search a term"), where a raised QueryTooLong reaches the page only as SQLite's
    "user-defined function raised exception"."""
    try:
        query_words(query)
    except QueryTooLong as error:
        return f"{error}: search with fewer, more telling words"
    return None


def is_ranked(conn: sqlite3.Connection, query: str, fts_table: str = FTS_TABLE) -> bool:
    """Whether `soyte search` ranks `query` by bm25 or lists its newest matches first (ranked_words:
    the rule, for the canned search too); False for a query past the bounds."""
    try:
        return bool(ranked_words(conn, fts_table, query_words(query)))
    except QueryTooLong:
        return False


def match_expression(query: str) -> str:
    """A user's words as an FTS5 query: each word folded and quoted, all required."""
    return _expression(query_words(query))


def _expression(words: list[str]) -> str:
    return all_of([phrase_term(word) if " " in word else f'"{word}"' for word in words])


# bm25 is computed for every row a query matches: beyond ~20,000 matches that alone is over
# 50 ms. So only the most recently archived matches are ranked (bench/archive.py measures it).
RANKED_CANDIDATES = 2000


def best_matches(fts_table: str, words: list[str], limit: int, newest: bool = False) -> tuple[str, dict]:
    """SQL and parameters of the rowid and rank (lower first) of the best `limit` rows holding every word.

    Up to RANKED_WORDS words: bm25 among the newest RANKED_CANDIDATES matches (or `limit`), the
    index read once, each match ranked as it is read (until 2026-11-25 a subquery first found the
    rowid of the 2,000th newest match and the ranked query matched again from there: twice the
    reading); ties go to the older row, as FTS5's own `ORDER BY rank` gave them. More words: the
    newest matches, rank being minus the rowid. Such a query names an article more than a
    subject and matches few rows (the bench's 8- to 16-word ones: 10 to 7,572 of 100,000). With
    `newest`, the newest matches whatever the words (a query of common words only, ranked_words)."""
    parameters = {"q": _expression(words), "limit": limit}
    if newest or len(words) > RANKED_WORDS:
        return (f"SELECT rowid, -rowid AS rank FROM {fts_table} WHERE {fts_table} MATCH :q "
                "ORDER BY rowid DESC LIMIT :limit", parameters)
    return (f"SELECT rowid, rank FROM (SELECT rowid, rank FROM {fts_table} WHERE {fts_table} MATCH :q "
            "ORDER BY rowid DESC LIMIT :candidates) ORDER BY rank, rowid LIMIT :limit",
            {**parameters, "candidates": max(RANKED_CANDIDATES, limit)})


def matching_rows(conn: sqlite3.Connection, fts_table: str, table: str, columns: tuple[str, ...], query: str,
                  limit: int) -> list[dict]:
    """`columns` of the rows of `table` whose index `fts_table` holds every word of `query`, in
    best_matches' order and bound (articles here, attached documents in archive.documents)."""
    words = query_words(query)
    if not words:
        return []
    ranked = telling_ranking(conn, fts_table, words, limit)
    if ranked is not None:
        return rows_in_order(conn, table, columns, ranked)
    matches, parameters = best_matches(fts_table, words, limit)
    cursor = conn.execute(f"SELECT {', '.join('t.' + column for column in columns)} FROM ({matches}) f "
                          f"JOIN {table} t ON t.rowid = f.rowid ORDER BY f.rank, f.rowid", parameters)
    return [dict(zip(columns, row)) for row in cursor]


def search(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Articles matching every word of `query`: best first among the newest 2,000 matches (or
    `limit`, when more are asked for; bm25 over the words that tell articles apart, telling_ranking),
    newest first past RANKED_WORDS words or when every word is common (ranked_words). QueryTooLong past
    MAX_QUERY_WORDS or MAX_QUERY_CHARS."""
    return matching_rows(conn, FTS_TABLE, "articles", ("url", "title", "published", "portal"), query, limit)


# Exact phrases. A query's "quoted words" (straight or curly quotes) must occur together, in order.
# The index holds each word as published, the tokenizer folding its accents but not đ, and the
# folded form of a word with đ only at the field's end (index_value), out of its place in the
# phrase. So a phrase is matched in every spelling its folded words may have had, d or đ at each
# d: "nguoi dung dau" is ("nguoi dung dau" OR "nguoi đung dau" OR "nguoi dung đau" OR …), each
# an FTS5 phrase the tokenizer folds the other accents of.
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
# Past this many spellings a phrase (seven or more words with a d) is refused, not searched loosely.
MAX_SPELLINGS = 64


def query_parts(folded: str) -> list[str]:
    """A folded query's words and phrases, in the order typed: a phrase is one item, its words
    joined by one space. A quote without its pair is not a phrase (`sot "xuat huyet` is three
    words); a phrase of one word is that word."""
    pieces = folded.translate(QUOTES).split('"')
    if len(pieces) % 2 == 0:  # an odd number of quotes: the last one opens nothing
        pieces[-2:] = [f"{pieces[-2]} {pieces[-1]}"]
    parts: list[str] = []
    for n, piece in enumerate(pieces):
        words = re.findall(r"\w+", piece)
        if n % 2 and len(words) > 1:
            parts.append(" ".join(words))
        else:
            parts.extend(words)
    return parts


def spellings(word: str) -> list[str]:
    """The ways a folded word may have been written as far as the tokenizer tells them apart: d or
    đ at each d ("dau": dau, đau). A word of more than three d's: all d or all đ."""
    count = word.count("d")
    if count > 3:
        return [word, word.replace("d", "đ")]
    forms = [""]
    for piece in word.split("d")[:-1]:
        forms = [form + piece + letter for form in forms for letter in ("d", "đ")]
    return [form + word.rsplit("d", 1)[-1] for form in forms] if count else [word]


def phrase_spellings(phrase: str) -> list[str]:
    """Every spelling of a folded phrase (spellings of each word, in every combination);
    QueryTooLong past MAX_SPELLINGS."""
    forms = [""]
    for word in phrase.split():
        forms = [f"{form} {spelling}".strip() for form in forms for spelling in spellings(word)]
        if len(forms) > MAX_SPELLINGS:
            raise QueryTooLong(f'the phrase "{phrase}" has too many words with d to be matched in every '
                               "spelling (d or đ): quote fewer of its words")
    return forms


def phrase_term(phrase: str) -> str:
    """A folded phrase as an FTS5 expression that finds it in every spelling."""
    forms = phrase_spellings(phrase)
    return f'"{forms[0]}"' if len(forms) == 1 else "(" + " OR ".join(f'"{form}"' for form in forms) + ")"


def highlight_expression(query: str) -> str:
    """The FTS5 expression snippet() highlights a query's matches by: like match_expression, but
    a word with d also in its đ spellings, since snippet() marks the words of the stored text
    (where "dau" of the index's folded tail is not) and finds nothing to mark otherwise."""
    terms = []
    for part in query_words(query):
        forms = phrase_spellings(part) if " " in part else spellings(part)
        terms.append(f'"{forms[0]}"' if len(forms) == 1 else "(" + " OR ".join(f'"{f}"' for f in forms) + ")")
    return all_of(terms)


def all_of(terms: list[str]) -> str:
    """FTS5 terms that must all match: side by side (an implicit AND), but with an explicit AND
    when one is a parenthesised group, which FTS5's grammar takes no implicit AND beside."""
    return (" AND " if any(term.startswith("(") for term in terms) else " ").join(terms)


# snippet()'s marks around each match: shown as they are in JSON and the terminal, as <mark> in Datasette.
MARK_OPEN, MARK_CLOSE = "«", "»"
SNIPPET_WORDS = 24


def snippets(conn: sqlite3.Connection, query: str, table: str, key: str, keys: list[str],
             fts_table: str = FTS_TABLE) -> dict[str, str]:
    """FTS5 snippet() of each given row of `table` (by its `key` column) where `query` matched: the
    best column, ~SNIPPET_WORDS words, matches between « and ». One lookup of those rows."""
    if not keys:
        return {}
    marks = ", ".join("?" * len(keys))
    rows = conn.execute(f"SELECT t.{key}, snippet({fts_table}, -1, ?, ?, '…', ?) FROM {fts_table} "
                        f"JOIN {table} t ON t.rowid = {fts_table}.rowid "
                        f"WHERE {fts_table} MATCH ? AND t.{key} IN ({marks})",
                        (MARK_OPEN, MARK_CLOSE, SNIPPET_WORDS, highlight_expression(query), *keys))
    return dict(rows.fetchall())


# Ranking at scale (issue 32). bm25 weighs a word by its IDF, log((N - n + 0.5) / (n + 0.5)) for a
# word in n of N rows, floored at 1e-6 from n ≥ N/2: a word in half the archive or more ("y", "tế",
# "bệnh") tells no article from another, yet bm25 reads its whole list of rows to count n (~35 ns a
# row: 15 ms for "y" at 462,000 articles, docs/BENCHMARKS.md "A million articles"). So the words
# that appear in at least half of the newest SHARE_WINDOW indexed rows are left out of the ranking
# expression, and bm25 ranks the newest matches of every word by the others, counted as before;
# a query of common words only is listed newest first (ranked_words says why).
SHARE_WINDOW = 20000
# The ranking expression is matched over the rowids the candidates span; past this many rowids per
# candidate (the query's words meet rarely, its candidates spread over the archive) that would read
# more than counting the common words does, and best_matches ranks as before.
SPAN_PER_CANDIDATE = 20


def telling_ranking(conn: sqlite3.Connection, fts_table: str, words: list[str], limit: int) -> list[int] | None:
    """The rowids of the `limit` best rows, ranked by bm25 over the telling words only, or newest
    first when ranked_words gives none to rank by; None when best_matches' own query is the one to
    run: when no word is left out (every word telling, a one-word query among them), or when the
    candidates spread too far."""
    telling = ranked_words(conn, fts_table, words)
    if not telling:
        return newest_matches(conn, fts_table, words, limit)
    if len(telling) == len(words):
        return None
    candidates = [row[0] for row in conn.execute(
        f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ? ORDER BY rowid DESC LIMIT ?",
        (_expression(words), max(RANKED_CANDIDATES, limit)))]
    if not candidates:
        return []
    low, high = candidates[-1], candidates[0]
    if high - low > SPAN_PER_CANDIDATE * len(candidates):
        return None
    wanted = set(candidates)
    ranks = [(rank, rowid) for rowid, rank in conn.execute(
        f"SELECT rowid, rank FROM {fts_table} WHERE {fts_table} MATCH ? AND rowid BETWEEN ? AND ?",
        (_expression(telling), low, high)) if rowid in wanted]
    return [rowid for _, rowid in sorted(ranks)[:limit]]


def ranked_words(conn: sqlite3.Connection, fts_table: str, words: list[str]) -> list[str]:
    """The words bm25 ranks a query's matches by: its telling words (telling_words), or none, its
    newest matches then listed first, past RANKED_WORDS words or when every word is common.

    With every word common (in half the rows or more: "y tế", "bệnh viện", "sở y tế", "dau"),
    bm25 weighs each at its floor, 1e-6, and orders the matches by nothing but how densely they
    use the words, which says little about what an article is about; to know that it is so it
    would still count every row holding each word (~35 ns a row: 25–40 ms for "y tế" at 462,000
    articles, ~80 ms at a million). Listing the newest matches first costs the same at any size
    (the check reads the newest SHARE_WINDOW rows), and is the order the reader of a news archive
    expects of words that name no subject. `soyte search`, the canned search in Datasette
    (soyte_search_ranked) and the saved-search feed (always newest first) follow this rule."""
    if not words or len(words) > RANKED_WORDS:
        return []
    return telling_words(conn, fts_table, words)


def newest_matches(conn: sqlite3.Connection, fts_table: str, words: list[str], limit: int) -> list[int]:
    """The rowids of the `limit` newest rows holding every word: FTS5 reads the words' lists from
    the newest row down and stops at `limit`."""
    sql, parameters = best_matches(fts_table, words, limit, newest=True)
    return [row[0] for row in conn.execute(sql, parameters)]


def telling_words(conn: sqlite3.Connection, fts_table: str, words: list[str]) -> list[str]:
    """The words (or phrases) of a query found in fewer than half of the newest SHARE_WINDOW rows
    `fts_table` indexes: those bm25 gives a weight above its floor. In an archive of up to
    SHARE_WINDOW rows the count is exact, and the ranking is bm25's but for the floored words'
    1e-6 weights; past it, a word's share of the newest rows stands for its share of all."""
    sizes = f"{fts_table}_docsize"  # FTS5's row of each indexed row's length: small, where the content rows are not
    low = conn.execute(f"SELECT id FROM {sizes} ORDER BY id DESC LIMIT 1 OFFSET ?", (SHARE_WINDOW - 1,)).fetchone()
    low = low[0] if low else -(2 ** 63)
    rows = conn.execute(f"SELECT count(*) FROM {sizes} WHERE id >= ?", (low,)).fetchone()[0]
    return [word for word in words
            if 2 * conn.execute(f"SELECT count(*) FROM {fts_table} WHERE {fts_table} MATCH ? AND rowid >= ?",
                                (_expression([word]), low)).fetchone()[0] < rows]


def rows_in_order(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rowids: list[int]) -> list[dict]:
    """`columns` of the rows of `table` with these rowids, in the order given."""
    if not rowids:
        return []
    found = {row[0]: row[1:] for row in conn.execute(
        f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid IN ({', '.join('?' * len(rowids))})", rowids)}
    return [dict(zip(columns, found[rowid])) for rowid in rowids if rowid in found]
